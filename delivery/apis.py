"""API of the inbox, notification preferences, town-hall broadcasts and the police event stream."""

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import staffed_communes
from alerts.models import AlertCategory
from delivery.broadcasts import (
    broadcast_area_parse,
    broadcast_correct,
    broadcast_delivery_counts,
    broadcast_send,
    broadcast_withdraw,
    broadcasts_visible_to,
)
from delivery.channels.push import application_server_key
from delivery.devices import push_devices_of, push_service_refusal, push_subscription_remove, push_subscription_save
from delivery.events import police_events_after
from delivery.inbox import (
    inbox_mark_all_read,
    inbox_mark_read,
    inbox_of,
    inbox_unread_count,
    preference_of,
    preference_update,
)
from delivery.messages import message_of
from delivery.models import Broadcast, Delivery
from zones.models import Commune, Zone


def django_errors_as_drf(error: DjangoValidationError) -> ValidationError:
    return ValidationError(error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages})


class InboxPagination(PageNumberPagination):
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"


class InboxItemSerializer(serializers.Serializer):
    """One message of the inbox, as the resident may see it: never an exact location or an author."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    commune = serializers.SerializerMethodField()
    places = serializers.SerializerMethodField()
    urgent = serializers.SerializerMethodField()
    occurred_on = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    def _message(self, delivery):
        cache = self.context.setdefault("messages", {})
        if delivery.id not in cache:
            cache[delivery.id] = message_of(delivery)
        return cache[delivery.id]

    def get_title(self, delivery) -> str:
        return self._message(delivery).title

    def get_body(self, delivery) -> str:
        return self._message(delivery).body

    def get_commune(self, delivery) -> str:
        return self._message(delivery).commune

    def get_places(self, delivery) -> list[str]:
        return self._message(delivery).places

    def get_occurred_on(self, delivery) -> date | None:
        """The local day the alert's event happened; null for a town hall's message."""
        return self._message(delivery).occurred_on

    def get_urgent(self, delivery) -> bool:
        return self._message(delivery).urgent


class InboxListApi(APIView):
    """The person's messages (alerts of their neighbourhood, town-hall messages, prevention notices)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=InboxItemSerializer(many=True), operation_id="inbox_list")
    def get(self, request):
        paginator = InboxPagination()
        page = paginator.paginate_queryset(inbox_of(request.user), request, view=self)
        return paginator.get_paginated_response(InboxItemSerializer(page, many=True, context={}).data)


class InboxUnreadCountApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        unread = serializers.IntegerField()

    @extend_schema(responses=OutputSerializer, operation_id="inbox_unread_count")
    def get(self, request):
        return Response({"unread": inbox_unread_count(request.user)})


class InboxMarkReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=InboxItemSerializer, operation_id="inbox_mark_read")
    def post(self, request, delivery_id: int):
        try:
            delivery = inbox_mark_read(user=request.user, delivery_id=delivery_id)
        except Delivery.DoesNotExist:
            return Response({"detail": _("Message introuvable.")}, status=status.HTTP_404_NOT_FOUND)
        return Response(InboxItemSerializer(delivery, context={}).data)


class InboxMarkAllReadApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()

    @extend_schema(request=None, responses=OutputSerializer, operation_id="inbox_mark_all_read")
    def post(self, request):
        return Response({"marked": inbox_mark_all_read(user=request.user)})


class PreferenceSerializer(serializers.Serializer):
    by_email = serializers.BooleanField()
    by_sms = serializers.BooleanField()
    by_push = serializers.BooleanField(required=False)  # left out: the stored choice is kept
    phone_number = serializers.RegexField(r"^\+?[0-9 .]{6,20}$", allow_blank=True, max_length=20)
    quiet_start = serializers.TimeField(allow_null=True)
    quiet_end = serializers.TimeField(allow_null=True)
    prevention_notices = serializers.BooleanField()
    muted_categories = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=AlertCategory.objects.filter(is_active=True)
    )


class NotificationPreferenceApi(APIView):
    """Channels, quiet hours and muted categories of the person making the request."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PreferenceSerializer, operation_id="notification_preferences_retrieve")
    def get(self, request):
        preference = preference_of(request.user)
        data = PreferenceSerializer(preference).data if preference.pk else _default_preference_data(preference)
        return Response(data)

    @extend_schema(
        request=PreferenceSerializer, responses=PreferenceSerializer, operation_id="notification_preferences_update"
    )
    def put(self, request):
        serializer = PreferenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            preference = preference_update(user=request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise django_errors_as_drf(error) from error
        return Response(PreferenceSerializer(preference).data)


def _default_preference_data(preference) -> dict:
    fields = ("by_email", "by_sms", "by_push", "phone_number", "quiet_start", "quiet_end", "prevention_notices")
    return {**{name: getattr(preference, name) for name in fields}, "muted_categories": []}


class BroadcastOutputSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.name")
    author = serializers.CharField(source="author.__str__", default="")
    neighbourhoods = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Broadcast
        fields = [
            "id",
            "commune",
            "author",
            "kind",
            "title",
            "body",
            "target",
            "neighbourhoods",
            "by_email",
            "by_sms",
            "created_at",
            "recipients",
            "withdrawn_at",
        ]


class BroadcastListApi(APIView):
    """History of the broadcasts of the communes whose staff or mayor the person is."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BroadcastOutputSerializer(many=True), operation_id="broadcasts_list")
    def get(self, request):
        paginator = InboxPagination()
        queryset = broadcasts_visible_to(request.user).prefetch_related("neighbourhoods")
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(BroadcastOutputSerializer(page, many=True).data)


class BroadcastDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(BroadcastOutputSerializer):
        deliveries = serializers.SerializerMethodField()

        class Meta(BroadcastOutputSerializer.Meta):
            fields = [*BroadcastOutputSerializer.Meta.fields, "deliveries"]

        def get_deliveries(self, broadcast) -> dict[str, int]:
            return broadcast_delivery_counts(broadcast)

    @extend_schema(responses=OutputSerializer, operation_id="broadcasts_retrieve")
    def get(self, request, broadcast_id: int):
        broadcast = get_object_or_404(broadcasts_visible_to(request.user), id=broadcast_id)
        return Response(self.OutputSerializer(broadcast).data)


class BroadcastSendApi(APIView):
    """Send a message from the town hall to the whole commune, chosen neighbourhoods or a drawn area
    (a GeoJSON Polygon or MultiPolygon in longitude/latitude)."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        commune = serializers.PrimaryKeyRelatedField(queryset=Commune.objects.all())
        kind = serializers.ChoiceField(choices=Broadcast.Kind.choices)
        title = serializers.CharField(max_length=150)
        body = serializers.CharField(max_length=2000)
        target = serializers.ChoiceField(choices=Broadcast.Target.choices)
        neighbourhoods = serializers.PrimaryKeyRelatedField(
            many=True, required=False, queryset=Zone.objects.current().filter(kind=Zone.Kind.NEIGHBOURHOOD)
        )
        area = serializers.JSONField(required=False, allow_null=True)
        by_email = serializers.BooleanField(default=True)
        by_sms = serializers.BooleanField(default=False)
        whole_commune_confirmed = serializers.BooleanField(
            default=False, help_text=_("Obligatoire (true) pour un message à toute la commune.")
        )

        def __init__(self, *args, user=None, **kwargs):
            super().__init__(*args, **kwargs)
            # Only the communes the person staffs; none when built without a person (schema generation).
            self.fields["commune"].queryset = staffed_communes(user) if user is not None else Commune.objects.none()

    @extend_schema(request=InputSerializer, responses={201: BroadcastOutputSerializer}, operation_id="broadcasts_send")
    def post(self, request):
        serializer = self.InputSerializer(data=request.data, user=request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            area = None
            if data["target"] == Broadcast.Target.AREA:
                if not data.get("area"):
                    raise DjangoValidationError({"area": [_("Dessinez la zone à prévenir.")]})
                area = broadcast_area_parse(geojson=data["area"], commune=data["commune"])
            broadcast = broadcast_send(
                author=request.user,
                **{key: value for key, value in data.items() if key != "area"},
                area=area,
            )
        except DjangoValidationError as error:
            raise django_errors_as_drf(error) from error
        return Response(BroadcastOutputSerializer(broadcast).data, status=status.HTTP_201_CREATED)


class BroadcastReviseApi(APIView):
    """A correction or withdrawal of one of the person's commune's broadcasts (404 for any other)."""

    permission_classes = [IsAuthenticated]
    InputSerializer: type[serializers.Serializer]

    def revise(self, **fields) -> Broadcast:
        raise NotImplementedError

    def post(self, request, broadcast_id: int):
        broadcast = get_object_or_404(broadcasts_visible_to(request.user), id=broadcast_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            broadcast = self.revise(broadcast=broadcast, author=request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise django_errors_as_drf(error) from error
        return Response(BroadcastOutputSerializer(broadcast).data)


class BroadcastCorrectApi(BroadcastReviseApi):
    """Correct the title and text of a message already sent: inboxes show the corrected text, and the
    commune's CAP feed carries an Update referring to the earlier versions. The commune's staff and
    mayor only; a withdrawn message cannot be corrected."""

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=150)
        body = serializers.CharField(max_length=2000)
        note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)

    def revise(self, **fields) -> Broadcast:
        return broadcast_correct(**fields)

    @extend_schema(request=InputSerializer, responses=BroadcastOutputSerializer, operation_id="broadcasts_correct")
    def post(self, request, broadcast_id: int):
        return super().post(request, broadcast_id)


class BroadcastWithdrawApi(BroadcastReviseApi):
    """Withdraw a message: marked withdrawn in inboxes, deliveries still waiting are not sent, and the
    commune's CAP feed carries a Cancel. The commune's staff and mayor only."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)

    def revise(self, **fields) -> Broadcast:
        return broadcast_withdraw(**fields)

    @extend_schema(request=InputSerializer, responses=BroadcastOutputSerializer, operation_id="broadcasts_withdraw")
    def post(self, request, broadcast_id: int):
        return super().post(request, broadcast_id)


class PoliceEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    police_service = serializers.IntegerField(source="police_service_id")
    alert = serializers.IntegerField(source="alert_id")
    kind = serializers.CharField()
    created_at = serializers.DateTimeField()
    category = serializers.CharField(source="alert.category.code")
    follow_up = serializers.CharField(source="alert.follow_up")
    longitude = serializers.FloatField(source="alert.location.x")
    latitude = serializers.FloatField(source="alert.location.y")


class PoliceEventListApi(APIView):
    """The ordered event stream of the person's police services: events with an id above `after`,
    oldest first, at most `limit` (replay after a reconnection)."""

    permission_classes = [IsAuthenticated]

    class QuerySerializer(serializers.Serializer):
        after = serializers.IntegerField(min_value=0, default=0, max_value=2**62)
        limit = serializers.IntegerField(min_value=1, max_value=1000, default=500)

    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="Dernier identifiant d'événement reçu."),
            OpenApiParameter("limit", int, description="Nombre maximal d'événements (1 à 1000)."),
        ],
        responses=PoliceEventSerializer(many=True),
        operation_id="police_events_list",
    )
    def get(self, request):
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        events = police_events_after(user=request.user, **query.validated_data)
        return Response(PoliceEventSerializer(events, many=True).data)


def push_endpoint_validate(value: str) -> str:
    """The worker posts to this address: only a browsers' push service is accepted."""
    refusal = push_service_refusal(value)
    if refusal:
        raise ValidationError(refusal)
    return value


class PushSubscriptionApi(APIView):
    """The devices of the person making the request that receive notifications (Web Push). The
    body of POST is what the browser's `PushSubscription.toJSON()` gives."""

    permission_classes = [IsAuthenticated]

    class KeysSerializer(serializers.Serializer):
        p256dh = serializers.CharField(max_length=120)
        auth = serializers.CharField(max_length=60)

    class InputSerializer(serializers.Serializer):
        endpoint = serializers.URLField(max_length=2000, validators=[push_endpoint_validate])
        keys = serializers.DictField(child=serializers.CharField(max_length=120))
        enabled = serializers.BooleanField(
            default=False, help_text="The person just enabled notifications on this device (not a page refreshing it)."
        )

        def validate_keys(self, value):
            missing = {"p256dh", "auth"} - set(value)
            if missing:
                raise ValidationError(_("Clés manquantes : %(keys)s.") % {"keys": ", ".join(sorted(missing))})
            return value

    class RemoveSerializer(serializers.Serializer):
        endpoint = serializers.URLField(max_length=2000)

    class OutputSerializer(serializers.Serializer):
        public_key = serializers.CharField()
        devices = serializers.IntegerField()

    @extend_schema(responses=OutputSerializer, operation_id="push_subscriptions_retrieve")
    def get(self, request):
        return Response({"public_key": application_server_key(), "devices": push_devices_of(request.user).count()})

    @extend_schema(
        request=InputSerializer, responses={201: OutputSerializer}, operation_id="push_subscriptions_create"
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            push_subscription_save(
                user=request.user,
                endpoint=data["endpoint"],
                p256dh=data["keys"]["p256dh"],
                auth=data["keys"]["auth"],
                user_agent=request.headers.get("User-Agent", ""),
                enabled=data["enabled"],
            )
        except DjangoValidationError as error:
            raise django_errors_as_drf(error) from error
        body = {"public_key": application_server_key(), "devices": push_devices_of(request.user).count()}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=RemoveSerializer, responses={204: None}, operation_id="push_subscriptions_destroy")
    def delete(self, request):
        serializer = self.RemoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        push_subscription_remove(user=request.user, endpoint=serializer.validated_data["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)
