"""GeoJSON shapes of the maps, through djangorestframework-gis. The police feature carries the
exact location; every other alert feature carries only the generalised one (see
geo/generalisation.py), and its serializer has no field that could read `location`."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from alerts.follow_up import follow_up_moves
from alerts.models import Alert
from alerts.structured import structured_summary
from zones.models import Zone


@extend_schema_field(
    {
        "type": "object",
        "description": "Centre of the alert's 250 m grid cell (GeoJSON Point, lon/lat), never the exact place.",
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        },
    }
)
class GeneralisedPointField(GeometryField):
    """A GeoJSON point read from the `generalised_location` annotation."""


class AlertPropertiesMixin(serializers.Serializer):
    category = serializers.CharField(source="category.code")
    category_label = serializers.CharField(source="category.display_label")
    family = serializers.CharField(source="category.family")
    family_label = serializers.CharField(source="category.get_family_display")
    follow_up_label = serializers.CharField(source="get_follow_up_display")
    commune = serializers.CharField(source="commune.name")
    details = serializers.SerializerMethodField(help_text="Behaviour, vehicle (type and colour) and direction.")

    def get_details(self, alert: Alert) -> str:
        return structured_summary(alert)


class PoliceAlertFeatureSerializer(AlertPropertiesMixin, GeoFeatureModelSerializer):
    """An alert on the police live map: exact location, full description."""

    is_urgent = serializers.BooleanField(source="category.is_urgent")
    follow_up_moves = serializers.SerializerMethodField(help_text="The follow-up steps that may be recorded now.")
    assigned_to_name = serializers.CharField(source="assigned_to", default=None)
    confirmations = serializers.SerializerMethodField(help_text="Residents who said they saw it too.")

    class Meta:
        model = Alert
        geo_field = "location"
        fields = [
            "id",
            "category",
            "category_label",
            "family",
            "family_label",
            "is_urgent",
            "follow_up",
            "follow_up_label",
            "follow_up_moves",
            "assigned_to",
            "assigned_to_name",
            "occurred_at",
            "published_at",
            "description",
            "details",
            "confirmations",
            "commune",
        ]

    def get_confirmations(self, alert: Alert) -> int:
        count = getattr(alert, "confirmation_count", None)
        return alert.confirmations.count() if count is None else count

    def get_follow_up_moves(self, alert: Alert) -> list[str]:
        return follow_up_moves(alert)


class GeneralisedAlertFeatureSerializer(AlertPropertiesMixin, GeoFeatureModelSerializer):
    """An alert as residents and town halls see it: the centre of its grid cell, the day only."""

    # Named after the model field so the schema documents a Point, but read from the annotated
    # grid cell centre (alerts.selectors.with_generalised_location): the exact point is never read.
    location = GeneralisedPointField(source="generalised_location", read_only=True)
    occurred_on = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        geo_field = "location"
        fields = [
            "id",
            "category",
            "category_label",
            "family",
            "family_label",
            "follow_up",
            "follow_up_label",
            "occurred_on",
            "description",
            "details",
            "commune",
        ]

    def get_occurred_on(self, alert: Alert) -> str:
        return timezone.localdate(alert.occurred_at).isoformat()


class ResidentAlertFeatureSerializer(GeneralisedAlertFeatureSerializer):
    """Adds whether the alert is the resident's own; the follow-up is shown for their own only."""

    is_own = serializers.SerializerMethodField()

    class Meta(GeneralisedAlertFeatureSerializer.Meta):
        fields = [*GeneralisedAlertFeatureSerializer.Meta.fields, "is_own"]

    def get_is_own(self, alert: Alert) -> bool:
        return alert.author_id == self.context["user_id"]

    def to_representation(self, alert: Alert):
        feature = super().to_representation(alert)
        if not feature["properties"]["is_own"]:
            feature["properties"]["follow_up"] = None
            feature["properties"]["follow_up_label"] = None
        return feature


@extend_schema_serializer(component_name="MapZoneFeature")
class ZoneFeatureSerializer(GeoFeatureModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    police_service = serializers.CharField(source="police_service.name", default=None)

    class Meta:
        model = Zone
        geo_field = "boundary"
        fields = ["id", "kind", "kind_label", "name", "police_service"]
