"""The patrols API, for police agents of the services whose sectors cover the homes: the day's
round, the live map's layer of homes under watch, and recording a visit. Thin classes."""

from django.contrib.gis.geos import Point
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import IsPoliceAgent
from accounts.selectors import time_zone_of
from patrols import rounds, selectors, services
from patrols.access import local_today, round_day
from patrols.geojson import AbsenceFeatureSerializer, RoundStopFeatureSerializer
from patrols.models import Visit

DAY_PARAMETER = OpenApiParameter("day", str, description="Jour AAAA-MM-JJ (défaut : aujourd'hui, heure locale)")


def _day_or_400(request):
    day, form = round_day(request.user, request.query_params)
    return day, (None if day else Response(form.errors, status=400))


class PatrolRoundApi(APIView):
    """The day's round: homes with an absence in force, ordered by risk then chained by nearest
    neighbour from the station (see patrols/rounds.py)."""

    permission_classes = [IsPoliceAgent]

    @extend_schema(responses=RoundStopFeatureSerializer(many=True), parameters=[DAY_PARAMETER], tags=["patrols"])
    def get(self, request):
        day, refusal = _day_or_400(request)
        if refusal:
            return refusal
        stops = rounds.round_stops(
            service_ids=request.police_service_ids, day=day, time_zone=time_zone_of(request.user)
        )
        return Response(RoundStopFeatureSerializer(rounds.round_rows(stops), many=True).data)


class PatrolAbsenceLayerApi(APIView):
    """Homes with an absence in force on the day, for the live map's layer."""

    permission_classes = [IsPoliceAgent]

    @extend_schema(responses=AbsenceFeatureSerializer(many=True), parameters=[DAY_PARAMETER], tags=["patrols"])
    def get(self, request):
        day, refusal = _day_or_400(request)
        if refusal:
            return refusal
        absences = selectors.absences_layer(request.police_service_ids, day)
        return Response(AbsenceFeatureSerializer(absences, many=True).data)


class PatrolVisitCreateApi(APIView):
    """Record a visit from the agent's phone: its position must be near the home. The resident gets
    one notice of passage (201); a repeated tap answers 200 with the same visit and sends nothing."""

    permission_classes = [IsPoliceAgent]

    class InputSerializer(serializers.Serializer):
        lon = serializers.FloatField(min_value=-180, max_value=180)
        lat = serializers.FloatField(min_value=-90, max_value=90)
        observation = serializers.ChoiceField(choices=Visit.Observation.choices)
        anomaly = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)

        def validate(self, data):
            if data["observation"] == Visit.Observation.ANOMALY and not data["anomaly"].strip():
                raise serializers.ValidationError({"anomaly": _("Décrivez l'anomalie constatée.")})
            return data

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        visited_at = serializers.DateTimeField()
        distance_m = serializers.FloatField()
        observation = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, 200: OutputSerializer}, tags=["patrols"])
    def post(self, request, absence_id: int):
        watched = selectors.absences_watched_by(request.police_service_ids).active_on(local_today(request.user))
        absence = get_object_or_404(watched, pk=absence_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            visit, created = services.visit_record(
                absence=absence,
                agent=request.user,
                position=Point(data["lon"], data["lat"], srid=4326),
                observation=data["observation"],
                anomaly=data["anomaly"],
            )
        except services.VisitRefused as error:
            return Response({"detail": str(error)}, status=400)
        return Response(self.OutputSerializer(visit).data, status=201 if created else 200)
