"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, service
requests (GET, and POST with an `api_key`), tokens. Every answer in JSON or XML after the URL's
suffix; errors are the specification's list of `{code, description}` with the HTTP status."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied, Throttled
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from alerts import posting
from alerts.models import Alert, AlertCategory
from edge import dates
from geo.jit import without_jit
from standards import open311
from standards.api_keys import open311_api_key_user
from standards.apis.common import OpenApi
from standards.selectors import page_of
from zones.models import Commune


class Open311JsonRenderer(JSONRenderer):
    format = "json"


class Open311XmlRenderer(BaseRenderer):
    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response, view = context.get("response"), context.get("view")
        failed = response is not None and response.status_code >= 400
        return open311.to_xml(data, root="errors" if failed else getattr(view, "xml_root", "response"))


def _messages(data, prefix: str = "") -> list[str]:
    if isinstance(data, dict):
        if set(data) == {"detail"}:
            return _messages(data["detail"], prefix)
        return [message for key, value in data.items() for message in _messages(value, f"{key} : ")]
    if isinstance(data, list):
        return [message for value in data for message in _messages(value, prefix)]
    return [f"{prefix}{data}"]


def open311_exception_handler(exc, context):
    """DRF's answer, reshaped as the specification's error list."""
    response = exception_handler(exc, context)
    if response is not None:
        response.data = [
            {"code": response.status_code, "description": message} for message in _messages(response.data)
        ]
    return response


class ErrorSerializer(serializers.Serializer):
    code = serializers.IntegerField()
    description = serializers.CharField()


FORMAT_PARAMETER = OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["json", "xml"], description="json ou xml")
JURISDICTION_PARAMETER = OpenApiParameter("jurisdiction_id", str, description="Code INSEE de la commune.")


class Open311Api(OpenApi):
    renderer_classes = [Open311JsonRenderer, Open311XmlRenderer]
    xml_root = "response"

    def get_exception_handler(self):
        return open311_exception_handler

    def get_format_suffix(self, **kwargs):
        # The URL's `.json` or `.xml` picks the renderer. The keyword is not DRF's `format`: the
        # schema generator leaves out routes with that one, taking them for format suffix copies.
        return kwargs.get("fmt")


def _jurisdiction(request) -> str | None:
    """The `jurisdiction_id` asked, if any: the INSEE code of a commune Vigie knows."""
    data = request.query_params if request.method == "GET" else request.data
    code = str(data.get("jurisdiction_id") or "").strip()
    if code and not Commune.objects.filter(code=code).exists():
        raise NotFound(_("jurisdiction_id inconnu : « {code} » (code INSEE attendu).").format(code=code[:20]))
    return code or None


class DiscoveryApi(Open311Api, APIView):
    """Where the GeoReport v2 endpoint is, what it speaks, how to get a key."""

    xml_root = "discovery"

    @extend_schema(tags=["open311"], parameters=[FORMAT_PARAMETER], responses=dict)
    def get(self, request, fmt=None):
        base = request.build_absolute_uri(reverse("open311-discovery", kwargs={"fmt": "json"}))
        return Response(open311.discovery(base_url=base.rsplit("/", 1)[0] + "/"))


class ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.CharField()
    keywords = serializers.CharField()
    group = serializers.CharField()


class ServiceListApi(Open311Api, APIView):
    """One service per active alert category; urgent ones tell the client to call 17, 18 or 112."""

    xml_root = "services"

    @extend_schema(
        tags=["open311"], parameters=[FORMAT_PARAMETER, JURISDICTION_PARAMETER], responses=ServiceSerializer(many=True)
    )
    def get(self, request, fmt=None):
        _jurisdiction(request)
        categories = AlertCategory.objects.filter(is_active=True).order_by("family", "position", "label")
        return Response(open311.service_list(categories))


class ServiceDefinitionApi(Open311Api, APIView):
    """The attributes a request of this service carries."""

    xml_root = "service_definition"

    @extend_schema(tags=["open311"], parameters=[FORMAT_PARAMETER, JURISDICTION_PARAMETER], responses=dict)
    def get(self, request, code: str, fmt=None):
        _jurisdiction(request)
        category = AlertCategory.objects.filter(code=code, is_active=True).first()
        if category is None:
            raise NotFound(_("Service inconnu : « {code} ».").format(code=code[:40]))
        return Response(open311.service_definition(category))


class ServiceRequestSerializer(serializers.Serializer):
    service_request_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField()
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField()
    agency_responsible = serializers.CharField()
    service_notice = serializers.CharField()
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    expected_datetime = serializers.DateTimeField(allow_null=True)
    address = serializers.CharField()
    address_id = serializers.CharField()
    zipcode = serializers.CharField()
    jurisdiction_id = serializers.CharField()
    lat = serializers.FloatField()
    long = serializers.FloatField()
    media_url = serializers.CharField()


def _comma_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class ServiceRequestListApi(Open311Api, APIView):
    """GET: published alerts as service requests, newest first, paged (`page`, `page_size`, a
    `Link: rel="next"` header). POST: a resident's report with an `api_key`, created pending
    moderation, answered with a `token` to follow it."""

    xml_root = "service_requests"
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    class FilterSerializer(serializers.Serializer):
        service_request_id = serializers.CharField(required=False, max_length=2000)
        service_code = serializers.CharField(required=False, max_length=2000)
        status = serializers.CharField(required=False, max_length=20)
        start_date = dates.DateTimeField(required=False)
        end_date = dates.DateTimeField(required=False)
        page = serializers.IntegerField(required=False, min_value=1, max_value=100_000, default=1)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)

        def validate_service_request_id(self, value):
            ids = _comma_list(value)
            if not all(item.isascii() and item.isdigit() and len(item) < 12 for item in ids):
                raise serializers.ValidationError(_("Identifiants numériques séparés par des virgules attendus."))
            return [int(item) for item in ids]

        def validate_status(self, value):
            statuses = _comma_list(value)
            if not set(statuses) <= {"open", "closed"}:
                raise serializers.ValidationError(_("« open » ou « closed » attendu."))
            return statuses

        def validate(self, data):
            start, end = data.get("start_date"), data.get("end_date")
            if start and end and (end < start or end - start > open311.DEFAULT_SPAN):
                raise serializers.ValidationError(
                    _("start_date doit précéder end_date, de 90 jours au plus (spécification Open311).")
                )
            return data

    @extend_schema(
        tags=["open311"],
        parameters=[FORMAT_PARAMETER, JURISDICTION_PARAMETER, FilterSerializer],
        responses=ServiceRequestSerializer(many=True),
    )
    def get(self, request, fmt=None):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = open311.RequestFilters(
            ids=data.get("service_request_id") or None,
            service_codes=_comma_list(data.get("service_code")),
            statuses=data.get("status", []),
            start=data.get("start_date"),
            end=data.get("end_date"),
            jurisdiction=_jurisdiction(request),
        )
        size = data.get("page_size") or settings.STANDARDS_OPEN311_PAGE_SIZE
        offset = (data["page"] - 1) * size
        rows = open311.requests_filtered(open311.request_rows(request.user), filters)
        with without_jit():
            page = page_of(rows, offset=offset, size=size + 1)
        response = Response([open311.service_request(alert) for alert in page[:size]])
        if len(page) > size:
            query = request.query_params.copy()
            query["page"] = data["page"] + 1
            response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
        return response

    class InputSerializer(serializers.Serializer):
        api_key = serializers.CharField(max_length=200)
        service_code = serializers.CharField(max_length=40)
        lat = serializers.CharField(max_length=40, required=False)
        long = serializers.CharField(max_length=40, required=False)
        address_string = serializers.CharField(max_length=500, required=False)
        description = serializers.CharField(max_length=20000, allow_blank=True, default="", trim_whitespace=True)

    @extend_schema(
        tags=["open311"],
        parameters=[FORMAT_PARAMETER],
        request=InputSerializer,
        responses={201: dict, 400: ErrorSerializer(many=True), 403: ErrorSerializer(many=True)},
    )
    def post(self, request, fmt=None):
        user = open311_api_key_user(request.data.get("api_key") if hasattr(request.data, "get") else None)
        if user is None:
            raise PermissionDenied(_("api_key absente, inconnue ou révoquée."))
        eligibility = posting.posting_eligibility(user)
        if eligibility.refusal:
            raise PermissionDenied(eligibility.refusal)
        fields = self.InputSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        if "lat" not in fields.validated_data or "long" not in fields.validated_data:
            raise ParseError(_("lat et long sont requis : Vigie ne géocode pas les adresses."))
        _jurisdiction(request)
        alert = self._post(user, eligibility.residence, fields.validated_data, request.data)
        answer = {
            "token": open311.request_token(alert),
            "service_notice": str(posting.EMERGENCY_NOTICE),
            "account_id": None,
        }
        return Response([answer], status=status.HTTP_201_CREATED)

    def _post(self, user, residence, fields: dict, raw) -> Alert:
        attribute = {key[len("attribute[") : -1]: raw.get(key) for key in raw if key.startswith("attribute[")}
        occurred_at = dates.DateTimeField(required=False, allow_null=True)
        try:
            when = occurred_at.run_validation(attribute.get("occurred_at") or None)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"attribute[occurred_at]": error.detail}) from None
        data = posting.PostingInput(
            lon=fields["long"],
            lat=fields["lat"],
            occurred_at=when,
            category=fields["service_code"],
            description=fields["description"],
            emergency_notice_acknowledged=str(attribute.get("emergency_notice_acknowledged")).lower() == "true",
        )
        try:
            return posting.alert_post(author=user, residence=residence, data=data)
        except posting.PostingRateLimited as error:
            raise Throttled(
                wait=error.retry_after, detail=_("Vous avez atteint le nombre d'alertes autorisé par heure.")
            ) from None
        except posting.PostingInvalid as error:
            raise serializers.ValidationError(_open311_field_names(error.errors)) from None
        except posting.PostingNotAllowed:
            raise PermissionDenied(
                _("Seuls les habitants dont le domicile est vérifié peuvent publier une alerte.")
            ) from None


# Posting's field names, as an Open311 client sent them.
_FIELD_NAMES = {
    "lon": "long",
    "location": "lat/long",
    "category": "service_code",
    "emergency_notice_acknowledged": "attribute[emergency_notice_acknowledged]",
    "occurred_at": "attribute[occurred_at]",
}


def _open311_field_names(errors: dict) -> dict:
    return {_FIELD_NAMES.get(field, field): messages for field, messages in errors.items()}


class ServiceRequestDetailApi(Open311Api, APIView):
    """One published alert as a service request (a list of one, as the specification says)."""

    xml_root = "service_requests"

    @extend_schema(tags=["open311"], parameters=[FORMAT_PARAMETER], responses=ServiceRequestSerializer(many=True))
    def get(self, request, request_id: int, fmt=None):
        alert = get_object_or_404(open311.request_rows(request.user), pk=request_id)
        return Response([open311.service_request(alert)])


class TokenApi(Open311Api, APIView):
    """What became of a posted request: its `service_request_id` once a moderator published it;
    none while it waits, with a notice saying so."""

    xml_root = "service_requests"

    @extend_schema(tags=["open311"], parameters=[FORMAT_PARAMETER], responses=dict)
    def get(self, request, token: str, fmt=None):
        alert_id = open311.alert_of_token(token)
        alert = Alert.objects.filter(pk=alert_id).only("status").first() if alert_id else None
        if alert is None:
            raise NotFound(_("Jeton inconnu."))
        published = alert.status == Alert.Status.PUBLISHED
        answer = {
            "service_request_id": alert.pk if published else None,
            "token": token,
            "service_notice": "" if published else str(alert.get_status_display()),
        }
        return Response([answer])
