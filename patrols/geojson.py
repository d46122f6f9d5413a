"""GeoJSON of the homes under watch, for police agents only (exact point and address), through
djangorestframework-gis."""

from drf_spectacular.contrib.rest_framework_gis import build_point_geo_schema
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import build_object_type
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeoJsonDict, GeometryField
from rest_framework_gis.serializers import GeoFeatureModelListSerializer, GeoFeatureModelSerializer

from patrols.models import Absence


@extend_schema_field(build_point_geo_schema())
class HomePointField(GeometryField):
    """The GeoJSON of a point straight from its coordinates: GEOS's `json` goes through GDAL for
    every point, three quarters of the layer's time for 2,000 homes (bench/patrol_round.py)."""

    def to_representation(self, value):
        return GeoJsonDict([("type", "Point"), ("coordinates", [value.x, value.y])])


class RowFeatureListSerializer(GeoFeatureModelListSerializer):
    """DRF-GIS's feature collection of plain rows (dicts), in a lean loop: the child serializer's own
    fields turn each value into JSON as DRF-GIS would (id, type, geometry, properties in that order,
    None left as None), but without DRF's per-field attribute lookup and OrderedDicts, which took
    most of the time of 2,000 features (bench/patrol_round.py). Same output: tests/patrols."""

    def to_representation(self, data):
        child = self.child
        id_name, geo_name = child.Meta.id_field, child.Meta.geo_field
        fields = child.fields
        id_field, geo_field = fields[id_name], fields[geo_name]
        properties = [
            (name, field.source, field.to_representation)
            for name, field in fields.items()
            if name not in (id_name, geo_name) and not field.write_only
        ]
        features = []
        for row in data:
            feature = {"id": id_field.to_representation(row[id_field.source]), "type": "Feature"}
            feature["geometry"] = geo_field.to_representation(row[geo_field.source])
            feature["properties"] = {
                name: None if (value := row[source]) is None else to_representation(value)
                for name, source, to_representation in properties
            }
            features.append(feature)
        return {"type": "FeatureCollection", "features": features}


class AbsenceFeatureSerializer(GeoFeatureModelSerializer):
    """A home with an absence in force, on the live map's layer; serialises the rows of
    patrols.selectors (plain dicts), not model instances."""

    home = HomePointField(read_only=True)
    address = serializers.CharField()
    commune = serializers.CharField(help_text="Name of the commune.")
    visited = serializers.BooleanField(help_text="Visited on the day asked for.")

    class Meta:
        model = Absence
        geo_field = "home"
        fields = ["id", "home", "address", "commune", "starts_on", "ends_on", "visited"]
        list_serializer_class = RowFeatureListSerializer


class RoundStopFeatureSerializer(AbsenceFeatureSerializer):
    """A home of the day's round, in the round's order, with why it comes where it does."""

    rank = serializers.IntegerField()
    tier = serializers.IntegerField(help_text="1 near-repeat, 2 carried over, 3 high rate, 4 other.")
    near_repeat = serializers.BooleanField()
    carried = serializers.BooleanField(help_text="Not visited the day before.")
    burglary_rate = serializers.FloatField(source="rate", help_text="Per 1,000 households, last 365 days.")
    leg_m = serializers.FloatField(help_text="Straight-line metres from the previous stop.")

    class Meta(AbsenceFeatureSerializer.Meta):
        fields = [
            *AbsenceFeatureSerializer.Meta.fields,
            "rank",
            "tier",
            "near_repeat",
            "carried",
            "burglary_rate",
            "leg_m",
            "contact_phone",
            "key_holder",
            "notes",
        ]


class HomeFeatureSchema(OpenApiSerializerExtension):
    """The schema of these features: drf-spectacular's GIS extension documents the geometry from a
    model field of the same name, and the home's point is the residence's, not the absence's."""

    target_class = AbsenceFeatureSerializer
    match_subclasses = True
    priority = 1

    def map_serializer(self, auto_schema, direction):
        properties = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        properties["properties"].pop("home")
        properties["properties"].pop("id")
        properties.pop("required", None)
        return build_object_type(
            properties={
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "integer"},
                "geometry": build_point_geo_schema(),
                "properties": properties,
            }
        )
