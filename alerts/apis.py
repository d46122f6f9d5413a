"""The alerts API: posting, reading, moderation and follow-up. Thin classes: parse, call a selector
or a service, serialise."""

from collections.abc import Mapping
from datetime import date, datetime

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.fields import GeometryField

from accounts.otp import IsVerifiedStaff
from accounts.services import alert_location_opened
from alerts import follow_up, moderation, participation, posting, selectors
from alerts.highlighting import KIND_EXPLANATIONS, KIND_LABELS, highlights_of
from alerts.models import Alert, RejectionReason
from alerts.transitions import AlertTransitionConflict
from edge import dates


def conflict_response(error: AlertTransitionConflict) -> Response:
    alert = error.alert
    return Response(
        {
            "detail": error.message,
            "status": alert.status,
            "status_label": alert.get_status_display(),
            "follow_up": alert.follow_up,
            "merged_into": alert.merged_into_id,
            "changed_by_colleague": error.changed_by_colleague,
        },
        status=status.HTTP_409_CONFLICT,
    )


@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON Point, WGS 84 [lon, lat]",
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        },
    }
)
class PointField(GeometryField):
    pass


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField(source="display_label")
    family = serializers.CharField()


class CommuneSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AlertSerializer(serializers.Serializer):
    """An alert as a reader sees it. `location` only for people who see exact places (moderators,
    police agents, municipal staff of the commune); the author's rejection details only for the author
    and moderators. `composed_at`: when the author's phone wrote an alert it kept while offline. Never
    the author's identity. A resident reading someone else's alert gets its day (`occurred_on`), not
    its time (`occurred_at`, `created_at` and `composed_at` are null), and no follow-up outcome."""

    # This class serves the people who see exact places in the alert's commune; the others get
    # ResidentAlertSerializer, which has no location field (alert_data chooses, alert by alert).
    # The docstring above is the API's documentation of both.

    id = serializers.IntegerField()
    category = CategorySerializer()
    commune = CommuneSerializer()
    occurred_at = serializers.DateTimeField(allow_null=True)
    occurred_on = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField()
    description = serializers.CharField()
    behaviour = serializers.CharField()
    vehicle_type = serializers.CharField()
    vehicle_type_label = serializers.CharField(source="get_vehicle_type_display")
    vehicle_colour = serializers.CharField()
    vehicle_colour_label = serializers.CharField(source="get_vehicle_colour_display")
    direction = serializers.CharField()
    direction_label = serializers.CharField(source="get_direction_display")
    confirmations = serializers.SerializerMethodField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    follow_up = serializers.CharField()
    follow_up_label = serializers.CharField(source="get_follow_up_display")
    follow_up_outcome = serializers.CharField()
    is_mine = serializers.SerializerMethodField()
    rejection_reason = serializers.SerializerMethodField()
    rejection_reason_label = serializers.SerializerMethodField()
    rejection_note = serializers.SerializerMethodField()
    merged_into = serializers.SerializerMethodField()
    composed_at = serializers.SerializerMethodField()
    location = PointField(required=False)

    def get_confirmations(self, alert) -> int | None:
        """How many other residents said "je l'ai vu aussi": for staff who see exact places only."""
        count = getattr(alert, "confirmation_count", None)
        return alert.confirmations.count() if count is None else count

    def get_occurred_on(self, alert) -> date:
        return timezone.localdate(alert.occurred_at)

    def _author_or_moderator(self, alert) -> bool:
        return self.get_is_mine(alert) or alert.commune_id in self.context.get("moderated_communes", set())

    def get_is_mine(self, alert) -> bool:
        return alert.author_id is not None and alert.author_id == self.context["request"].user.pk

    def get_rejection_reason(self, alert) -> str:
        return alert.rejection_reason if self._author_or_moderator(alert) else ""

    def get_rejection_reason_label(self, alert) -> str:
        return alert.get_rejection_reason_display() if self.get_rejection_reason(alert) else ""

    def get_rejection_note(self, alert) -> str:
        return alert.rejection_note if self._author_or_moderator(alert) else ""

    def get_merged_into(self, alert) -> int | None:
        return alert.merged_into_id if self._author_or_moderator(alert) else None

    def get_composed_at(self, alert) -> datetime | None:
        """When the author's phone wrote it, if it was kept offline and sent later."""
        return serializers.DateTimeField().to_representation(alert.composed_at) if alert.composed_at else None


class ResidentAlertSerializer(AlertSerializer):
    """An alert as a reader who does not see exact places in its commune reads it: no location
    field, so it is never read from the row. Someone else's report comes by its day (`occurred_on`),
    as on the resident map: `occurred_at` and `created_at` are null and the follow-up outcome (what
    the police wrote when closing it) is empty."""

    location = None

    def get_confirmations(self, alert) -> int | None:
        return None

    def to_representation(self, alert):
        data = super().to_representation(alert)
        if not self.get_is_mine(alert):
            data.update(occurred_at=None, created_at=None, composed_at=None, follow_up_outcome="")
        return data


def alert_data(alert: Alert, context: dict) -> dict:
    """One alert, through the serializer of the reader's audience in its commune."""
    exact = alert.commune_id in context["exact_communes"]
    return (AlertSerializer if exact else ResidentAlertSerializer)(alert, context=context).data


def alerts_for_reader(alerts, context: dict):
    """A reader who sees no exact place anywhere never loads one, nor any count of confirmations."""
    if not context["exact_communes"]:
        return alerts.defer("location")
    return selectors.with_confirmation_count(alerts)


def alert_context(request) -> dict:
    user = request.user
    return {
        "request": request,
        "exact_communes": selectors.communes_seeing_exact_locations(user),
        "moderated_communes": set(selectors.moderated_communes(user).values_list("id", flat=True)),
    }


class EmergencyNoticeApi(APIView):
    """The reminder shown before every post: Vigie never replaces the emergency services."""

    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        text = serializers.CharField()
        numbers = serializers.DictField(child=serializers.CharField())

    @extend_schema(responses=OutputSerializer, operation_id="emergency_notice_retrieve")
    def get(self, request):
        numbers = {
            "17": _("police ou gendarmerie"),
            "18": _("pompiers"),
            "15": _("SAMU"),
            "112": _("numéro d'urgence européen"),
            "114": _("par SMS, pour les personnes sourdes ou malentendantes"),
        }
        return Response({"text": str(posting.EMERGENCY_NOTICE), "numbers": numbers})


class AlertCollectionApi(APIView):
    """GET: alerts the person may read, newest first. POST: a verified resident posts an alert."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        lon = serializers.FloatField()
        lat = serializers.FloatField()
        occurred_at = dates.DateTimeField()
        category = serializers.CharField(max_length=40)
        description = serializers.CharField(allow_blank=True, trim_whitespace=True, max_length=20000)
        emergency_notice_acknowledged = serializers.BooleanField(default=False)
        behaviour = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
        vehicle_type = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
        vehicle_colour = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
        direction = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)

        composed_at = dates.DateTimeField(
            required=False, help_text="When the phone wrote the alert, if it is sent later (kept while offline)."
        )
        client_key = serializers.UUIDField(
            required=False,
            help_text="Drawn by the phone when the alert is written; sending the same key again creates nothing "
            "and answers 200 with the alert already created.",
        )
        written_by = serializers.IntegerField(
            required=False,
            help_text="The account signed in on the phone when the alert was written, if it is sent later: "
            "sent by another account (a shared phone), it is refused with 409 and nothing is created.",
        )

    @extend_schema(
        responses=AlertSerializer(many=True),
        operation_id="alerts_list",
        parameters=[OpenApiParameter("status", str, enum=Alert.Status.values)],
    )
    def get(self, request):
        context = alert_context(request)
        alerts = alerts_for_reader(selectors.alerts_visible_to(request.user), context).order_by("-created_at", "-id")
        if request.query_params.get("status") in Alert.Status.values:
            alerts = alerts.filter(status=request.query_params["status"])
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(alerts, request, view=self)
        return paginator.get_paginated_response([alert_data(alert, context) for alert in page])

    @extend_schema(
        request=InputSerializer,
        responses={201: AlertSerializer, 200: AlertSerializer, 409: None},
        operation_id="alerts_create",
    )
    def post(self, request):
        eligibility = posting.posting_eligibility(request.user)
        if eligibility.refusal:
            raise PermissionDenied(eligibility.refusal)
        serializer = self.InputSerializer(data=request.data)
        data = request.data if isinstance(request.data, Mapping) else {}
        written_by = data.get("written_by")
        if written_by not in (None, "") and str(written_by) != str(request.user.pk):
            detail = _(
                "Cette alerte a été rédigée sur ce téléphone sous un autre compte : elle ne part que sous celui-ci."
            )
            return Response({"detail": detail}, status=409)
        if not serializer.is_valid():
            errors = dict(serializer.errors)
            if data.get("emergency_notice_acknowledged") is not True:
                errors["emergency_notice_acknowledged"] = [str(posting.ACKNOWLEDGEMENT_MISSING)]
            return Response({**errors, "emergency_notice": str(posting.EMERGENCY_NOTICE)}, status=400)
        try:
            alert = posting.alert_post(
                author=request.user,
                residence=eligibility.residence,
                data=posting.PostingInput(
                    **{name: value for name, value in serializer.validated_data.items() if name != "written_by"}
                ),
            )
        except posting.PostingRateLimited as error:
            raise Throttled(
                wait=error.retry_after, detail=_("Vous avez atteint le nombre d'alertes autorisé par heure.")
            ) from None
        except posting.PostingInvalid as error:
            return Response({**error.errors, "emergency_notice": str(posting.EMERGENCY_NOTICE)}, status=400)
        except posting.PostingReplayed as replay:
            return Response(alert_data(replay.alert, alert_context(request)), status=200)
        return Response(alert_data(alert, alert_context(request)), status=201)


class AlertDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AlertSerializer, operation_id="alerts_retrieve")
    def get(self, request, alert_id: int):
        context = alert_context(request)
        alert = get_object_or_404(alerts_for_reader(selectors.alerts_visible_to(request.user), context), pk=alert_id)
        if alert.commune_id in context["exact_communes"]:
            alert_location_opened(viewer=request.user, alert=alert)
        return Response(alert_data(alert, context))


class ModerationQueueApi(APIView):
    """Pending alerts of the communes the moderator moderates, oldest first, with reading aids:
    highlighted spans (phone, email, plate, name, accusation) and possible duplicates."""

    permission_classes = [IsVerifiedStaff]

    class HighlightSerializer(serializers.Serializer):
        start = serializers.IntegerField()
        end = serializers.IntegerField()
        kind = serializers.CharField()

    class DuplicateSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="duplicate_id")
        status = serializers.CharField()
        status_label = serializers.CharField()
        category_label = serializers.CharField()
        occurred_at = serializers.DateTimeField()
        distance_m = serializers.FloatField()
        description = serializers.CharField()

    class OutputSerializer(AlertSerializer):
        age_seconds = serializers.SerializerMethodField()
        highlights = serializers.SerializerMethodField()
        duplicates = serializers.SerializerMethodField()

        def get_age_seconds(self, alert) -> int:
            return int((self.context["now"] - alert.created_at).total_seconds())

        def get_highlights(self, alert) -> list[dict]:
            return ModerationQueueApi.HighlightSerializer(highlights_of(alert.description), many=True).data

        def get_duplicates(self, alert) -> list[dict]:
            found = self.context["duplicates"].get(alert.pk, [])
            return ModerationQueueApi.DuplicateSerializer(found, many=True).data

    @extend_schema(
        responses=OutputSerializer(many=True),
        operation_id="moderation_queue_list",
        parameters=[OpenApiParameter("commune", str, description="Code INSEE")],
    )
    def get(self, request):
        queue = selectors.with_confirmation_count(
            selectors.moderation_queue(request.user, commune_code=request.query_params.get("commune"))
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queue, request, view=self)
        context = {
            **alert_context(request),
            "now": timezone.now(),
            "duplicates": selectors.duplicate_suggestions([alert.pk for alert in page]),
        }
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True, context=context).data)


class ModerationActionApi(APIView):
    """Shared by the moderation actions: find the alert among the moderator's communes (404 for
    another territory), run the service, answer 409 with the current state if it lost a race."""

    permission_classes = [IsVerifiedStaff]
    InputSerializer: type[serializers.Serializer] = serializers.Serializer

    def act(self, *, alert: Alert, moderator, data: dict) -> Alert:
        raise NotImplementedError

    def post(self, request, alert_id: int):
        alert = get_object_or_404(selectors.alerts_moderated_by(request.user), pk=alert_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            alert = self.act(alert=alert, moderator=request.user, data=serializer.validated_data)
        except AlertTransitionConflict as error:
            return conflict_response(error)
        except (ValueError, ValidationError) as error:
            messages = getattr(error, "messages", None) or [str(error)]
            return Response({"detail": " ".join(messages)}, status=400)
        # The service returns the row it locked and saved, with its commune and category: read again,
        # it would only cost three queries.
        return Response(alert_data(alert, alert_context(request)))


def _action_schema(operation_id: str):
    """Document a moderation action with the input serializer of the class it decorates."""

    def decorate(api_class):
        has_input = api_class.InputSerializer is not serializers.Serializer
        schema = extend_schema(
            request=api_class.InputSerializer if has_input else None,
            responses={200: AlertSerializer, 409: None},
            operation_id=operation_id,
        )
        return extend_schema_view(post=schema)(api_class)

    return decorate


@_action_schema("moderation_publish")
class AlertPublishApi(ModerationActionApi):
    def act(self, *, alert, moderator, data):
        return moderation.alert_publish(alert=alert, moderator=moderator)


@_action_schema("moderation_reject")
class AlertRejectApi(ModerationActionApi):
    class InputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=RejectionReason.choices)
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def act(self, *, alert, moderator, data):
        return moderation.alert_reject(alert=alert, moderator=moderator, reason=data["reason"], note=data["note"])


@_action_schema("moderation_redact")
class AlertRedactApi(ModerationActionApi):
    class InputSerializer(serializers.Serializer):
        description = serializers.CharField(max_length=20000)

    def act(self, *, alert, moderator, data):
        return moderation.alert_redact(alert=alert, moderator=moderator, description=data["description"])


@_action_schema("moderation_restore")
class AlertRedactionRestoreApi(ModerationActionApi):
    def act(self, *, alert, moderator, data):
        return moderation.alert_redaction_restore(alert=alert, moderator=moderator)


@_action_schema("moderation_merge")
class AlertMergeApi(ModerationActionApi):
    class InputSerializer(serializers.Serializer):
        into = serializers.IntegerField(
            min_value=1, max_value=2**63 - 1, help_text="Id de l'alerte de la même commune qui reste."
        )

    def act(self, *, alert, moderator, data):
        target = selectors.alerts_moderated_by(moderator).filter(pk=data["into"]).first()
        if target is None:
            raise ValueError(_("Alerte cible introuvable parmi vos communes."))
        return moderation.alert_merge(alert=alert, moderator=moderator, target=target)


def followed_alert_or_404(request, alert_id: int) -> Alert:
    """A published alert the person follows up (police of a covering service, town hall of the
    commune): another territory is not found, a reader in another role is refused."""
    alert = get_object_or_404(selectors.alerts_visible_to(request.user), pk=alert_id)
    if not selectors.alerts_following_allowed(request.user).filter(pk=alert.pk).exists():
        raise PermissionDenied(_("Seuls la police municipale et les services de la commune suivent une alerte."))
    return alert


class AlertFollowUpApi(APIView):
    """Police agents of a service covering the commune, and its municipal staff and mayor, record
    what was done about a published alert. `seen` is the step the agent's screen showed: a 409 says
    `changed_by_colleague` only when somebody else moved it since."""

    permission_classes = [IsVerifiedStaff]

    class InputSerializer(serializers.Serializer):
        follow_up = serializers.ChoiceField(choices=[c for c in Alert.FollowUp.choices if c[0] != Alert.FollowUp.NONE])
        outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        seen = serializers.ChoiceField(choices=Alert.FollowUp.choices, required=False, default=None)

    @extend_schema(
        request=InputSerializer, responses={200: AlertSerializer, 409: None}, operation_id="alerts_follow_up"
    )
    def post(self, request, alert_id: int):
        alert = followed_alert_or_404(request, alert_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            alert = follow_up.alert_follow_up_set(alert=alert, actor=request.user, **serializer.validated_data)
        except follow_up.OutcomeRequired as error:
            return Response({"outcome": [str(error)]}, status=400)
        except AlertTransitionConflict as error:
            return conflict_response(error)
        return Response(alert_data(alert, alert_context(request)))


class AlertAssignApi(APIView):
    """Give a published alert to a police agent of a service covering its commune, or take it back
    (`assignee` null)."""

    permission_classes = [IsVerifiedStaff]

    class InputSerializer(serializers.Serializer):
        assignee = serializers.IntegerField(min_value=1, max_value=2**63 - 1, allow_null=True)

    @extend_schema(request=InputSerializer, responses={200: AlertSerializer, 409: None}, operation_id="alerts_assign")
    def post(self, request, alert_id: int):
        alert = followed_alert_or_404(request, alert_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignee_id = serializer.validated_data["assignee"]
        assignee = None
        if assignee_id is not None:
            assignee = follow_up.assignable_agents(alert).filter(pk=assignee_id).first()
            if assignee is None:
                return Response({"assignee": [_("Agent introuvable parmi les services de la commune.")]}, status=400)
        try:
            alert = follow_up.alert_assign(alert=alert, actor=request.user, assignee=assignee)
        except AlertTransitionConflict as error:
            return conflict_response(error)
        return Response(alert_data(alert, alert_context(request)))


class AlertNoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.SerializerMethodField()
    text = serializers.CharField(source="note")
    follow_up = serializers.CharField(source="to_state")
    created_at = serializers.DateTimeField()

    def get_author(self, transition) -> str:
        return str(transition.actor) if transition.actor_id else ""


class AlertNotesApi(APIView):
    """Internal notes of the police and the town hall on a published alert, oldest first; never
    shown to residents."""

    permission_classes = [IsVerifiedStaff]

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=2000)

    @extend_schema(responses=AlertNoteSerializer(many=True), operation_id="alerts_notes_list")
    def get(self, request, alert_id: int):
        alert = followed_alert_or_404(request, alert_id)
        return Response(AlertNoteSerializer(selectors.alert_notes(alert), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: AlertNoteSerializer}, operation_id="alerts_notes_create")
    def post(self, request, alert_id: int):
        alert = followed_alert_or_404(request, alert_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = follow_up.alert_note_add(alert=alert, actor=request.user, text=serializer.validated_data["text"])
        return Response(AlertNoteSerializer(note).data, status=201)


class ModerationStatsApi(APIView):
    """Median and 90th percentile time from posting to a moderator's decision, for one commune."""

    permission_classes = [IsVerifiedStaff]

    class OutputSerializer(serializers.Serializer):
        commune = CommuneSerializer()
        decided = serializers.IntegerField()
        pending = serializers.IntegerField()
        median_seconds = serializers.FloatField(allow_null=True)
        p90_seconds = serializers.FloatField(allow_null=True)

    @extend_schema(
        responses=OutputSerializer,
        operation_id="moderation_stats_retrieve",
        parameters=[OpenApiParameter("commune", str, required=True, description="Code INSEE")],
    )
    def get(self, request):
        code = request.query_params.get("commune")
        if not code:
            return Response({"commune": [_("Indiquez le code INSEE de la commune.")]}, status=400)
        commune = get_object_or_404(selectors.communes_with_moderation_stats(request.user), code=code)
        delays = selectors.moderation_delays(commune=commune)
        pending = Alert.objects.filter(commune=commune, status=Alert.Status.PENDING).count()
        data = {
            "commune": commune,
            "decided": delays.decided,
            "pending": pending,
            "median_seconds": delays.median_s,
            "p90_seconds": delays.p90_s,
        }
        return Response(self.OutputSerializer(data).data)


class PostingHighlightsApi(APIView):
    """The moderators' reading aids, for the author while typing: the passages a moderator would see
    highlighted, with why. One set of rules (alerts.highlighting) for both; nothing is stored."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=20000)

    class OutputSerializer(serializers.Serializer):
        start = serializers.IntegerField()
        end = serializers.IntegerField()
        kind = serializers.CharField()
        label = serializers.CharField()
        explanation = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer(many=True), operation_id="posting_highlights")
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        found = [
            {
                "start": h.start,
                "end": h.end,
                "kind": h.kind,
                "label": KIND_LABELS[h.kind],
                "explanation": KIND_EXPLANATIONS[h.kind],
            }
            for h in highlights_of(serializer.validated_data["text"])
        ]
        return Response(self.OutputSerializer(found, many=True).data)


def _eligible_residence(request):
    eligibility = posting.posting_eligibility(request.user)
    if eligibility.refusal:
        raise PermissionDenied(eligibility.refusal)
    return eligibility.residence


class PostingNearbyApi(APIView):
    """Before posting: alerts of the resident's commune within ALERTS_DUPLICATE_DISTANCE_M and
    ALERTS_DUPLICATE_WINDOW_HOURS of the place and time typed, which the resident may confirm
    ("je l'ai vu aussi") instead of posting again. Never their author, exact place or time, nor the
    text of an alert not yet published."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        lon = serializers.FloatField(min_value=-180, max_value=180)
        lat = serializers.FloatField(min_value=-90, max_value=90)
        occurred_at = dates.DateTimeField()
        category = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        category_label = serializers.CharField()
        occurred_on = serializers.DateField()
        status = serializers.CharField()
        status_label = serializers.CharField()
        description = serializers.CharField()
        confirmed_by_me = serializers.BooleanField()

    @extend_schema(
        parameters=[InputSerializer], responses=OutputSerializer(many=True), operation_id="posting_nearby_list"
    )
    def get(self, request):
        residence = _eligible_residence(request)
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        found = selectors.alerts_near_a_new_post(
            resident=request.user,
            commune_id=residence.commune_id,
            point=Point(data["lon"], data["lat"], srid=4326),
            occurred_at=data["occurred_at"],
            category=data["category"],
        )
        return Response(self.OutputSerializer(found, many=True).data)


class AlertConfirmApi(APIView):
    """POST: a verified resident of the alert's commune says "je l'ai vu aussi", once per alert."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        alert = serializers.IntegerField(source="alert_id")
        created_at = serializers.DateTimeField()

    @extend_schema(request=None, responses={201: OutputSerializer, 409: None}, operation_id="alert_confirm")
    def post(self, request, alert_id: int):
        residence = _eligible_residence(request)
        alert = get_object_or_404(selectors.alerts_confirmable_by(residence), pk=alert_id)
        try:
            confirmation = participation.alert_confirm(alert=alert, resident=request.user, residence=residence)
        except participation.AlreadyConfirmed:
            return Response({"detail": str(participation.ALREADY_CONFIRMED)}, status=409)
        except AlertTransitionConflict as error:
            return conflict_response(error)
        except ValueError as error:
            return Response({"detail": str(error)}, status=400)
        return Response(self.OutputSerializer(confirmation).data, status=201)


class AlertAppealApi(APIView):
    """POST: the author of a rejected alert asks once for another moderator of the commune to read it."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        statement = serializers.CharField(max_length=participation.APPEAL_STATEMENT_MAX)

    class OutputSerializer(serializers.Serializer):
        alert = serializers.IntegerField(source="alert_id")
        statement = serializers.CharField()
        outcome = serializers.CharField()
        outcome_label = serializers.CharField(source="get_outcome_display")
        created_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, 409: None}, operation_id="alert_appeal")
    def post(self, request, alert_id: int):
        alert = get_object_or_404(Alert.objects.filter(author=request.user), pk=alert_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            appeal = participation.appeal_file(
                alert=alert, author=request.user, statement=serializer.validated_data["statement"]
            )
        except AlertTransitionConflict as error:
            return conflict_response(error)
        except ValueError as error:
            return Response({"detail": str(error)}, status=400)
        return Response(self.OutputSerializer(appeal).data, status=201)
