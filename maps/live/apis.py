"""GeoJSON APIs of the maps. The police APIs serve exact locations to police agents of the
services concerned; the neighbourhood API serves generalised locations to verified residents."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import IsPoliceAgent
from accounts.services import alert_location_opened
from alerts.selectors import with_confirmation_count
from maps.live import access, selectors
from maps.live.geojson import PoliceAlertFeatureSerializer, ResidentAlertFeatureSerializer, ZoneFeatureSerializer


class IsVerifiedResident(BasePermission):
    message = _("Réservé aux habitants dont le justificatif de domicile a été vérifié.")

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and access.verified_residence(request.user) is not None


class PoliceAlertListApi(APIView):
    """Published alerts of the agent's communes in the live map's window, at their exact place."""

    permission_classes = [IsPoliceAgent]

    @extend_schema(responses=PoliceAlertFeatureSerializer(many=True), tags=["maps"])
    def get(self, request):
        alerts = with_confirmation_count(selectors.police_live_alerts(request.police_service_ids))
        return Response(PoliceAlertFeatureSerializer(alerts, many=True).data)


class PoliceAlertDetailApi(APIView):
    """One alert of the agent's communes, as it is now (the live map re-reads it after a conflict)."""

    permission_classes = [IsPoliceAgent]

    @extend_schema(responses=PoliceAlertFeatureSerializer, tags=["maps"])
    def get(self, request, alert_id: int):
        alert = get_object_or_404(selectors.police_alerts(request.police_service_ids), id=alert_id)
        alert_location_opened(viewer=request.user, alert=alert)
        return Response(PoliceAlertFeatureSerializer(alert).data)


class PoliceSectorListApi(APIView):
    """The agent's police sectors."""

    permission_classes = [IsPoliceAgent]

    @extend_schema(responses=ZoneFeatureSerializer(many=True), tags=["maps"])
    def get(self, request):
        return Response(ZoneFeatureSerializer(selectors.police_sectors(request.police_service_ids), many=True).data)


class NeighbourhoodAlertListApi(APIView):
    """Alerts of the resident's neighbourhood, each at the centre of its 250 m grid cell: the exact
    location is never in the response."""

    permission_classes = [IsVerifiedResident]

    @extend_schema(responses=ResidentAlertFeatureSerializer(many=True), tags=["maps"])
    def get(self, request):
        residence = access.verified_residence(request.user)
        alerts = selectors.resident_alerts(residence)
        return Response(ResidentAlertFeatureSerializer(alerts, many=True, context={"user_id": request.user.id}).data)
