"""Vigie's layers as OGC API - Features collections (Part 1, Core, GeoJSON): communes,
neighbourhoods, police sectors and published alerts. Each collection is a queryset, the GeoJSON
serializer of its features (djangorestframework-gis) and the field its `bbox` filters on; alerts
also filter by `datetime`.

Alerts come from `standards.selectors.published_alerts`: at the grid cell's centre for anybody but
a police agent of the commune. For those readers a `datetime` interval is widened to whole local
days before it is applied, so bisecting intervals reveals no more than the day the residents' map
shows."""

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from accounts.models import User
from alerts.models import Alert
from standards import selectors
from zones.models import Commune, Zone

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]


class GeoJsonTextField(serializers.Field):
    """A geometry PostGIS already wrote as GeoJSON (`ST_AsGeoJSON`, the `geojson` annotation of
    `Collection.features`): read as it is. Going through GEOS and GDAL instead cost 1.4 s for a
    page of 1,000 communes, GDAL's JSON writer being called twice per feature."""

    def __init__(self, **kwargs):
        super().__init__(source="geojson", read_only=True, **kwargs)

    def to_representation(self, value):
        return json.loads(value) if value else None


class CommuneFeatureSerializer(GeoFeatureModelSerializer):
    boundary = GeoJsonTextField()
    joined = serializers.SerializerMethodField()

    class Meta:
        model = Commune
        geo_field = "boundary"
        id_field = "code"
        fields = ["code", "name", "population", "joined"]

    def get_joined(self, commune: Commune) -> bool:
        return commune.adopted_on is not None


class ZoneFeatureSerializer(GeoFeatureModelSerializer):
    boundary = GeoJsonTextField()
    commune = serializers.CharField(source="commune.code")
    police_service = serializers.CharField(source="police_service.name", default=None)

    class Meta:
        model = Zone
        geo_field = "boundary"
        fields = ["id", "name", "commune", "police_service"]


class AlertFeatureSerializer(GeoFeatureModelSerializer):
    """A published alert; its point is `shown_location` (the grid cell's centre unless the reader
    is a police agent of the commune), never read from the exact column."""

    location = GeoJsonTextField()
    category = serializers.CharField(source="category.code")
    category_label = serializers.CharField(source="category.display_label")
    family = serializers.CharField(source="category.family")
    commune = serializers.CharField(source="commune.code")
    occurred_on = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        geo_field = "location"
        fields = ["id", "category", "category_label", "family", "commune", "occurred_on", "description"]

    def get_occurred_on(self, alert: Alert) -> str:
        return timezone.localdate(alert.occurred_at).isoformat()


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    serializer: type[GeoFeatureModelSerializer]
    geometry_field: str
    id_lookup: str
    temporal: bool = False

    def features(self, user: User) -> QuerySet:
        """The collection's rows, each with its geometry as GeoJSON text (`geojson`): the shown
        location for alerts, the boundary for the others, which is then not loaded itself."""
        if self.id == "alerts":
            # Only the columns a feature shows: the rest of an alert (structured parts, follow-up,
            # offline keys...) cost a third of a 1,000-feature page to load and is never written.
            return (
                selectors.published_alerts(user)
                .only(
                    "id",
                    "occurred_at",
                    "description",
                    "published_at",
                    "category__code",
                    "category__label",
                    "category__family",
                    "commune__code",
                )
                .annotate(geojson=AsGeoJSON("shown_location", precision=6))
            )
        if self.id == "communes":
            rows = selectors.communes().defer("town_hall")
        else:
            rows = selectors.zones_of_kind(
                Zone.Kind.NEIGHBOURHOOD if self.id == "neighbourhoods" else Zone.Kind.POLICE_SECTOR
            )
            rows = rows.defer("commune__boundary")
        return rows.annotate(geojson=AsGeoJSON("boundary", precision=6)).defer("boundary")


COLLECTIONS = {
    collection.id: collection
    for collection in [
        Collection(
            "communes",
            _("Communes"),
            _("Communes françaises, avec leur adhésion à Vigie. Identifiant : code INSEE."),
            CommuneFeatureSerializer,
            "boundary",
            "code",
        ),
        Collection(
            "neighbourhoods",
            _("Quartiers"),
            _("Quartiers des communes."),
            ZoneFeatureSerializer,
            "boundary",
            "id",
        ),
        Collection(
            "police_sectors",
            _("Secteurs de police"),
            _("Secteurs de police municipale."),
            ZoneFeatureSerializer,
            "boundary",
            "id",
        ),
        Collection(
            "alerts",
            _("Alertes publiées"),
            _(
                "Alertes publiées, au centre de leur maille de 250 m (lieu exact pour les agents de police "
                "municipale de la commune, connectés)."
            ),
            AlertFeatureSerializer,
            "location",
            "id",
            temporal=True,
        ),
    ]
}


class InvalidInterval(ValueError):
    pass


def _parse_instant(text: str) -> datetime | None:
    if text in ("", ".."):
        return None
    try:
        value = parse_datetime(text)
        if value is None and parse_date(text) is not None:
            value = datetime.combine(parse_date(text), time.min)
    except ValueError:
        value = None
    if value is None or not 1900 <= value.year <= 2100:
        raise InvalidInterval(text)
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def datetime_interval(text: str) -> tuple[datetime | None, datetime | None, bool]:
    """(start, end, instant) of an OGC `datetime`: an instant, or `start/end` with `..` or an empty
    side for an open end. Raises InvalidInterval."""
    if "/" in text:
        start_text, _sep, end_text = text.partition("/")
        start, end = _parse_instant(start_text), _parse_instant(end_text)
        if start is None and end is None or start and end and end < start:
            raise InvalidInterval(text)
        return start, end, False
    instant = _parse_instant(text)
    if instant is None:
        raise InvalidInterval(text)
    return instant, instant, True


def alerts_in_interval(alerts: QuerySet, start, end, *, exact: bool) -> QuerySet:
    """Alerts that occurred within [start, end]; for readers who see the day only, the bounds
    are widened to whole local days first."""
    if not exact:
        start = timezone.make_aware(datetime.combine(timezone.localdate(start), time.min)) if start else None
        end = (
            timezone.make_aware(datetime.combine(timezone.localdate(end), time.min)) + timedelta(days=1)
            if end
            else None
        )
        if start:
            alerts = alerts.filter(occurred_at__gte=start)
        return alerts.filter(occurred_at__lt=end) if end else alerts
    if start:
        alerts = alerts.filter(occurred_at__gte=start)
    return alerts.filter(occurred_at__lte=end) if end else alerts
