"""Statistics API for the mayor and municipal staff of a commune (and platform admins).

Every endpoint takes the same filters; anyone without access to the commune gets 404."""

import datetime as dt
import json

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.models import Family
from maps.statistics import evaluation, reports
from maps.statistics.access import commune_for_statistics
from maps.statistics.before_after import add_months, benchmark_sentence, month_start, months_between
from maps.statistics.counts import POINT_SOURCES
from zones.models import Zone

MAX_MONTHS = 120


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
    locals()["from"] = MonthField(required=False, help_text=_("Premier mois (AAAA-MM) ; défaut : il y a 24 mois."))
    to = MonthField(required=False, help_text=_("Dernier mois inclus (AAAA-MM) ; défaut : le mois dernier."))
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
        start, end = reports.default_period(timezone.localdate())
        start = attrs.get("from", start)
        end = add_months(attrs["to"], 1) if "to" in attrs else end
        if end <= start:
            raise ValidationError({"to": _("Le dernier mois doit suivre le premier.")})
        if months_between(start, end) > MAX_MONTHS:
            raise ValidationError({"from": _("Période de 120 mois au plus.")})
        attrs["start"], attrs["end"] = start, end
        return attrs


def statistics_query(user, params) -> reports.StatisticsQuery:
    """Validate the filters, check access (404) and build the query."""
    serializer = StatisticsFilterSerializer(data=params)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    commune = commune_for_statistics(user, data["commune"])
    start = data["start"]
    if "from" not in data and commune.adopted_on:
        # By default, show the year before adoption too, so the before/after has its context.
        start = max(min(start, add_months(month_start(commune.adopted_on), -12)), add_months(data["end"], -MAX_MONTHS))
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
            Zone.objects.filter(commune=commune, id__in=data.get("comparison", [])).values_list("id", flat=True)
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
        return Response(reports.zone_statistics(self.query(request)))


@extend_schema(parameters=[StatisticsFilterSerializer], responses=OpenApiTypes.OBJECT)
class StatisticsBeforeAfterApi(StatisticsApi):
    """Before/after per zone and family around the reference date, with exact intervals."""

    def get(self, request):
        return Response(reports.before_after_table(self.query(request), today=timezone.localdate()))


@extend_schema(parameters=[StatisticsFilterSerializer], responses=OpenApiTypes.OBJECT)
class StatisticsEvaluationApi(StatisticsApi):
    """Recorded crime (SSMSI) of the commune before and after its adoption year, against comparable
    communes of its département that have not adopted the scheme (ratio of ratios, exact interval)."""

    def get(self, request):
        commune = self.query(request).commune
        return Response({**evaluation.recorded_evaluation(commune), "benchmark": benchmark_sentence()})


@extend_schema(parameters=[StatisticsFilterSerializer], responses=OpenApiTypes.OBJECT)
class StatisticsHeatmapApi(StatisticsApi):
    """Kernel density (events per km²) as GeoJSON grid cells; cells with under 5 events nearby are left out."""

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
