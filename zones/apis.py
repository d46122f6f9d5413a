"""Read-only GeoJSON API of the geography. Geography is public: anonymous access, throttled.

GeoJSON is produced by djangorestframework-gis serializers only. Geometries can be simplified on
request (`simplify`, a tolerance in metres applied in the commune's metric projection) so a map
of a large commune stays light."""

import math

from django.conf import settings
from django.contrib.gis.db.models import MultiPolygonField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, Func
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.filters import InBBoxFilter
from rest_framework_gis.pagination import GeoJsonPagination
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from edge.throttling import ScopedRateThrottle
from geo.points import InvalidCoordinates, parse_coordinate, parse_lon_lat
from zones.models import Commune, Zone
from zones.selectors import point_lookup

SIMPLIFY_MAX_M = 5_000


class GeographyThrottle(ScopedRateThrottle):
    """One shared budget per client for the geography endpoints; its rate is a zones setting."""

    scope_attr = "throttle_scope"

    def get_rate(self):
        return settings.ZONES_API_THROTTLE_RATE


class GeographyApi:
    permission_classes = [AllowAny]
    throttle_classes = [GeographyThrottle]
    throttle_scope = "zones"


def finite(value: float) -> None:
    if not math.isfinite(value):
        raise serializers.ValidationError("Nombre fini attendu.")


class SimplifyInputSerializer(serializers.Serializer):
    simplify = serializers.FloatField(
        required=False,
        validators=[finite, MinValueValidator(0), MaxValueValidator(SIMPLIFY_MAX_M)],
        help_text="Tolérance de simplification en mètres (0 à 5000), dans la projection métrique de la commune.",
    )


class SimplifiedBoundary(Func):
    """The boundary simplified by `tolerance` metres in its commune's metric projection."""

    output_field = MultiPolygonField(srid=4326)
    template = (
        "ST_Multi(ST_Transform(ST_SimplifyPreserveTopology(ST_Transform(%(expressions)s), %(tolerance)s), 4326))"
    )
    arg_joiner = ", "


def shown_boundary(request, *, srid_path: str):
    """The boundary to serialise: as stored, or simplified when `simplify` is asked."""
    params = SimplifyInputSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    tolerance = params.validated_data.get("simplify")
    if not tolerance:
        return F("boundary")
    return SimplifiedBoundary(F("boundary"), F(srid_path), tolerance=float(tolerance))


@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON MultiPolygon (EPSG:4326)",
        "properties": {"type": {"type": "string", "enum": ["MultiPolygon"]}, "coordinates": {"type": "array"}},
    }
)
class BoundaryField(GeometryField):
    """The boundary as served: the `shown_boundary` annotation (simplified or not)."""

    def __init__(self, **kwargs):
        super().__init__(source="shown_boundary", read_only=True, **kwargs)


SIMPLIFY_PARAMETER = OpenApiParameter(
    "simplify", OpenApiTypes.FLOAT, description="Tolérance de simplification en mètres (0 à 5000)."
)


class CommuneDetailApi(GeographyApi, RetrieveAPIView):
    """A commune with its boundary, as a GeoJSON Feature."""

    @extend_schema_serializer(component_name="CommuneFeature")
    class OutputSerializer(GeoFeatureModelSerializer):
        # Named after the model field (the schema generator looks it up), filled from the annotation.
        boundary = BoundaryField()

        class Meta:
            model = Commune
            geo_field = "boundary"
            id_field = "code"
            fields = ["code", "name", "population", "households", "adopted_on", "metric_srid", "town_hall"]

    serializer_class = OutputSerializer
    lookup_field = "code"

    def get_queryset(self):
        return Commune.objects.annotate(shown_boundary=shown_boundary(self.request, srid_path="metric_srid"))

    @extend_schema(parameters=[SIMPLIFY_PARAMETER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LonLatBBoxFilter(InBBoxFilter):
    """`in_bbox=min_lon,min_lat,max_lon,max_lat`, refused with a 400 unless four numbers in range."""

    def get_filter_bbox(self, request):
        raw = request.query_params.get(self.bbox_param)
        if not raw:
            return None
        values = raw.split(",")
        if len(values) != 4:
            raise ParseError({self.bbox_param: "Quatre nombres attendus : min_lon,min_lat,max_lon,max_lat."})
        try:
            for value, axis in zip(values, ("lon", "lat", "lon", "lat"), strict=True):
                parse_coordinate(
                    value, field=axis, low=-180 if axis == "lon" else -90, high=180 if axis == "lon" else 90
                )
        except InvalidCoordinates as error:
            raise ParseError({self.bbox_param: error.message}) from None
        return super().get_filter_bbox(request)


class ZonePagination(GeoJsonPagination):
    page_size = 100
    max_page_size = 500


class BoundaryListApi(GeographyApi, ListAPIView):
    """A paginated GeoJSON FeatureCollection of boundaries, `in_bbox` keeping those overlapping it;
    subclasses give their FilterSerializer and OutputSerializer."""

    pagination_class = ZonePagination
    filter_backends = [LonLatBBoxFilter]
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True

    def filters(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return filters


class CommuneListApi(BoundaryListApi):
    """Communes as a GeoJSON FeatureCollection, filtered by bounding box (communes overlapping it)
    and by whether they have joined Vigie: a map shows those in view, whatever their number."""

    class FilterSerializer(serializers.Serializer):
        joined = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema_serializer(component_name="CommuneListFeature")
    class OutputSerializer(GeoFeatureModelSerializer):
        boundary = BoundaryField()

        class Meta:
            model = Commune
            geo_field = "boundary"
            id_field = "code"
            fields = ["code", "name", "adopted_on"]

    serializer_class = OutputSerializer

    def get_queryset(self):
        filters = self.filters()
        communes = Commune.objects.order_by("code")
        joined = filters.validated_data.get("joined")
        if joined is not None:
            communes = communes.filter(adopted_on__isnull=not joined)
        return communes.annotate(shown_boundary=shown_boundary(self.request, srid_path="metric_srid"))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "joined", OpenApiTypes.BOOL, description="Seulement les communes qui ont (ou n'ont pas) rejoint Vigie."
            ),
            SIMPLIFY_PARAMETER,
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ZoneListApi(BoundaryListApi):
    """Neighbourhoods and police sectors as a GeoJSON FeatureCollection, filtered by commune, kind
    and bounding box (zones overlapping it)."""

    class FilterSerializer(serializers.Serializer):
        commune = serializers.CharField(required=False, max_length=10, help_text="Code INSEE de la commune.")
        kind = serializers.ChoiceField(choices=Zone.Kind.choices, required=False)

    @extend_schema_serializer(component_name="ZoneFeature")
    class OutputSerializer(GeoFeatureModelSerializer):
        # Named after the model field (the schema generator looks it up), filled from the annotation.
        boundary = BoundaryField()
        commune = serializers.CharField(source="commune.code", read_only=True)
        police_service = serializers.CharField(source="police_service.name", read_only=True, default=None)

        class Meta:
            model = Zone
            geo_field = "boundary"
            fields = ["id", "kind", "name", "commune", "police_service", "households", "population", "origin"]

    serializer_class = OutputSerializer

    def get_queryset(self):
        filters = self.filters()
        zones = (
            Zone.objects.current()
            .select_related("commune", "police_service")
            .order_by("commune__code", "kind", "name")
        )
        if "commune" in filters.validated_data:
            zones = zones.filter(commune__code=filters.validated_data["commune"])
        if "kind" in filters.validated_data:
            zones = zones.filter(kind=filters.validated_data["kind"])
        return zones.annotate(shown_boundary=shown_boundary(self.request, srid_path="commune__metric_srid"))

    @extend_schema(
        parameters=[
            OpenApiParameter("commune", OpenApiTypes.STR, description="Code INSEE de la commune."),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=Zone.Kind.values),
            SIMPLIFY_PARAMETER,
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema_serializer(component_name="LookupCommune")
class LookupCommuneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commune
        fields = ["code", "name", "adopted_on"]


@extend_schema_serializer(component_name="LookupZone")
class LookupZoneSerializer(serializers.ModelSerializer):
    police_service = serializers.CharField(source="police_service.name", read_only=True, default=None)

    class Meta:
        model = Zone
        fields = ["id", "kind", "name", "police_service"]


class PointLookupApi(GeographyApi, APIView):
    """What covers a point: communes (two on a border), neighbourhoods and police sectors. A point
    outside every commune gets empty lists, not an error."""

    @extend_schema_serializer(component_name="PointLookup")
    class OutputSerializer(serializers.Serializer):
        lon = serializers.FloatField()
        lat = serializers.FloatField()
        communes = LookupCommuneSerializer(many=True)
        neighbourhoods = LookupZoneSerializer(many=True)
        police_sectors = LookupZoneSerializer(many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("lon", OpenApiTypes.FLOAT, required=True, description="Longitude WGS 84 (-180 à 180)."),
            OpenApiParameter("lat", OpenApiTypes.FLOAT, required=True, description="Latitude WGS 84 (-90 à 90)."),
        ],
        responses=OutputSerializer,
    )
    def get(self, request):
        try:
            point = parse_lon_lat(request.query_params.get("lon"), request.query_params.get("lat"))
        except InvalidCoordinates as error:
            raise ParseError(error.errors) from None
        found = point_lookup(point)
        return Response(
            self.OutputSerializer(
                {
                    "lon": point.x,
                    "lat": point.y,
                    "communes": found.communes,
                    "neighbourhoods": found.neighbourhoods,
                    "police_sectors": found.police_sectors,
                }
            ).data
        )
