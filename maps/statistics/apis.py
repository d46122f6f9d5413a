"""Statistics API for the mayor and municipal staff of a commune (and platform admins).

Every endpoint takes the same filters; anyone without access to the commune gets 404."""

import datetime as dt
import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.models import Family
from geo.tiles import InvalidTile, tile_check
from maps.statistics import caching, evaluation, reports, tiles
from maps.statistics.access import commune_for_statistics
from maps.statistics.before_after import add_months, benchmark_sentence, month_start, months_between
from maps.statistics.counts import POINT_SOURCES
from zones.models import Zone


@extend_schema_field(OpenApiTypes.STR)
class MonthField(serializers.Field):
    """ "2025-03" or "2025-03-14": the first day of that month."""

    default_error_messages = {"invalid": _("Mois attendu au format AAAA-MM.")}

    def to_internal_value(self, data):
        text = str(data).strip()
        for pattern in ("%Y-%m", "%Y-%m-%d"):
            try:
                day = dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar month, no time
            except ValueError:
                continue
            if 2000 <= day.year <= 2100:
                return month_start(day)
        self.fail("invalid")

    def to_representation(self, value):
        return value.strftime("%Y-%m")


@extend_schema_field(OpenApiTypes.STR)
class CommaIntegersField(serializers.Field):
    default_error_messages = {"invalid": _("Liste d'identifiants séparés par des virgules attendue.")}

    def to_internal_value(self, data):
        try:
            ids = [int(part) for part in str(data).split(",") if part.strip()]
        except ValueError:
            self.fail("invalid")
        if len(ids) > 500 or any(i <= 0 or i > 2**62 for i in ids):
            self.fail("invalid")
        return ids

    def to_representation(self, value):
        return ",".join(map(str, value))


class StatisticsFilterSerializer(serializers.Serializer):
    commune = serializers.CharField(max_length=10, help_text=_("Code INSEE de la commune."))
    kind = serializers.ChoiceField(choices=Zone.Kind.choices, default=Zone.Kind.NEIGHBOURHOOD)
    family = serializers.ChoiceField(choices=Family.choices, required=False)
    source = serializers.ChoiceField(
        choices=[(s, s) for s in POINT_SOURCES], default="alerts", help_text=_("alerts ou police-uk.")
    )
    locals()["from"] = MonthField(
        required=False, help_text=_("Premier mois (AAAA-MM) d'un mois, d'un trimestre ou d'une année civile.")
    )
    to = MonthField(required=False, help_text=_("Dernier mois inclus (AAAA-MM) ; défaut : la dernière année civile."))
    date = serializers.DateField(required=False, help_text=_("Date de référence ; défaut : adhésion de la commune."))
    months = serializers.ChoiceField(choices=[1, 3, 6, 12, 24, 36], default=12)
    comparison = CommaIntegersField(
        required=False, help_text=_("Zones de comparaison ; défaut : reste de la commune.")
    )
    bandwidth = serializers.FloatField(min_value=50, max_value=2000, default=settings.MAPS_STATISTICS_BANDWIDTH_M)
    cell = serializers.FloatField(min_value=10, max_value=500, default=settings.MAPS_STATISTICS_CELL_M)
    hexagon = serializers.FloatField(min_value=50, max_value=2000, default=settings.MAPS_STATISTICS_HEXAGON_M)

    def validate_date(self, value):
        if not 2000 <= value.year <= 2100:
            raise ValidationError(_("Date entre 2000 et 2100."))
        return value

    def validate(self, attrs):
        start, end = published_window(attrs.get("from"), attrs.get("to"), today=timezone.localdate())
        if start is None:
            raise ValidationError(
                {
                    "from": _(
                        "Période publiée : un mois, un trimestre civil ou une année civile (AAAA-01 à AAAA-12), "
                        "pour que des périodes qui se chevauchent ne puissent pas être soustraites."
                    )
                }
            )
        attrs["start"], attrs["end"] = start, end
        return attrs


def published_window(first: dt.date | None, last: dt.date | None, *, today: dt.date):
    """The fixed lattice of published periods: one month, one calendar quarter or one calendar year.
    `from` alone (a January) or `to` alone (a December) mean that year; neither, the last complete
    calendar year. (None, None) for any other window: overlapping windows could be differenced."""
    if first is None and last is None:
        year = month_start(today).year - 1
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if last is None:
        last = add_months(first, 11)
    if first is None:
        first = add_months(last, -11)
    length = months_between(first, last) + 1
    aligned = length == 1 or (length == 3 and first.month in (1, 4, 7, 10)) or (length == 12 and first.month == 1)
    return (first, add_months(last, 1)) if aligned else (None, None)


def statistics_query(user, params) -> reports.StatisticsQuery:
    """Validate the filters, check access (404) and build the query."""
    serializer = StatisticsFilterSerializer(data=params)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    commune = commune_for_statistics(user, data["commune"])
    if "date" in data and data["date"] != commune.adopted_on:
        # The before/after windows are fixed by the adoption date: windows moved a month at a time
        # could be differenced into the hidden monthly counts.
        raise ValidationError({"date": _("La date de référence est la date d'adhésion de la commune.")})
    start = data["start"]
    return reports.StatisticsQuery(
        commune=commune,
        start=start,
        end=data["end"],
        kind=data["kind"],
        source=data["source"],
        family=data.get("family"),
        reference=data.get("date"),
        months=int(data["months"]),
        comparison=list(
            Zone.objects.current()
            .filter(commune=commune, id__in=data.get("comparison", []))
            .values_list("id", flat=True)
        ),
        bandwidth=data["bandwidth"],
        cell=data["cell"],
        hexagon=data["hexagon"],
    )


def layer_response(frame, **extra) -> Response:
    collection = json.loads(frame.to_json(drop_id=True))
    collection.update(extra)
    return Response(collection, content_type="application/geo+json")


class StatisticsApi(APIView):
    pagination_class = None

    def query(self, request) -> reports.StatisticsQuery:
        return statistics_query(request.user, request.query_params)


@extend_schema(parameters=[StatisticsFilterSerializer], responses=OpenApiTypes.OBJECT)
class StatisticsZonesApi(StatisticsApi):
    """Counts per zone, family and month for one source, with yearly rates; small cells read "< 5"."""

    def get(self, request):
        query = self.query(request)
        return Response(caching.cached("zones", query, lambda: reports.zone_statistics(query)))


@extend_schema(parameters=[StatisticsFilterSerializer], responses=OpenApiTypes.OBJECT)
class StatisticsBeforeAfterApi(StatisticsApi):
    """Before/after per zone and family around the reference date, with exact intervals."""

    def get(self, request):
        query, today = self.query(request), timezone.localdate()
        return Response(
            caching.cached("before-after", query, lambda: reports.before_after_table(query, today=today), today=today)
        )


@extend_schema(parameters=[StatisticsFilterSerializer], responses=OpenApiTypes.OBJECT)
class StatisticsEvaluationApi(StatisticsApi):
    """Recorded crime (SSMSI) of the commune before and after its adoption year, against comparable
    communes of its département that have not adopted the scheme (ratio of ratios, exact interval)."""

    def get(self, request):
        commune = self.query(request).commune
        return Response({**evaluation.recorded_evaluation(commune), "benchmark": benchmark_sentence()})


@extend_schema(parameters=[StatisticsFilterSerializer], responses=OpenApiTypes.OBJECT)
class StatisticsHeatmapApi(StatisticsApi):
    """Kernel density as GeoJSON grid cells with a level (share of the peak), never a value; cells with under 5
    events nearby are left out."""

    def get(self, request):
        try:
            frame = reports.density_layer(self.query(request))
        except reports.StatisticsInputError as error:
            raise ValidationError({"cell": str(error)}) from error
        return layer_response(frame)


@extend_schema(parameters=[StatisticsFilterSerializer], responses=OpenApiTypes.OBJECT)
class StatisticsHexagonsApi(StatisticsApi):
    """Hexagons as GeoJSON with a count band and a hot/cold label (exact Gi* p-values, Benjamini-Hochberg),
    and the out-of-sample prediction accuracy index; no z-score, p-value or exact count per hexagon."""

    def get(self, request):
        try:
            frame, summary = reports.hexagon_layer(self.query(request))
        except reports.StatisticsInputError as error:
            raise ValidationError({"hexagon": str(error)}) from error
        return layer_response(reports.published_hexagons(frame), hot_spots=summary)


MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


@extend_schema(
    parameters=[StatisticsFilterSerializer],
    responses={(200, MVT_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=_("Tuile vectorielle."))},
)
class StatisticsTileApi(StatisticsApi):
    """One vector tile of a statistics layer (`zones`: rates by zone, `hexagons`: count bands and hot/cold
    labels, `density`: levels), with the same filters and the same disclosure rules as the GeoJSON layers:
    never an exact per-hexagon count, z-score or p-value. Private to the commune's staff."""

    def get(self, request, layer: str, z: int, x: int, y: int):
        tile_layer = tiles.LAYERS.get(layer)
        if tile_layer is None:
            raise Http404(_("Couche inconnue : « {name} ».").format(name=layer))
        try:
            tile_check(z, x, y)
        except InvalidTile as error:
            raise ValidationError({"z": str(error)}) from None
        query = self.query(request)
        try:
            tile = tiles.statistics_tile(tile_layer, query, z=z, x=x, y=y)
        except reports.StatisticsInputError as error:
            raise ValidationError({"detail": str(error)}) from error
        response = HttpResponse(tile, content_type=MVT_MEDIA_TYPE)
        response["Cache-Control"] = "private, max-age=300"
        return response
