"""The photos of an alert through the API: the author adds them to their pending alert (multipart,
field `file`, repeated up to the limit); readers of the alert list them, with the address of the
blurred copy once the alert is published."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import photos, selectors
from alerts.models import AlertPhoto


class AlertPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = AlertPhoto
        fields = ["id", "status", "width", "height", "url"]

    def get_url(self, photo: AlertPhoto) -> str | None:
        if photo.status != AlertPhoto.Status.PUBLISHED:
            return None
        return self.context["request"].build_absolute_uri(reverse("alert-photo", args=[photo.pk]))


class AlertPhotosApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.ListField(child=serializers.FileField(), min_length=1)

    @extend_schema(responses=AlertPhotoSerializer(many=True), operation_id="alert_photos_list")
    def get(self, request, alert_id: int):
        alert = get_object_or_404(selectors.alerts_visible_to(request.user), pk=alert_id)
        rows = alert.photos.exclude(status=AlertPhoto.Status.DISCARDED).order_by("id")
        return Response(AlertPhotoSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: AlertPhotoSerializer(many=True)},
        operation_id="alert_photos_create",
    )
    def post(self, request, alert_id: int):
        alert = get_object_or_404(selectors.alerts_visible_to(request.user), pk=alert_id)
        if alert.author_id != request.user.pk:
            raise PermissionDenied(_("Seul l'auteur de l'alerte peut y joindre des photos."))
        uploads = request.FILES.getlist("file")
        if not uploads:
            return Response({"file": [_("Joignez au moins une photo (champ « file »).")]}, status=400)
        try:
            rows = photos.alert_photos_attach(alert=alert, author=request.user, uploads=uploads)
        except photos.PhotoInvalid as error:
            return Response({"file": error.messages}, status=400)
        return Response(AlertPhotoSerializer(rows, many=True, context={"request": request}).data, status=201)
