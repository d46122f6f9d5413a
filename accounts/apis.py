from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import ValidationError as DjangoValidationError
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import otp, services
from accounts.geocoding import geocoder
from accounts.localtime import local_time_forget
from accounts.lockout import lockout_message
from accounts.models import Residence
from accounts.personal_data import personal_data_export
from accounts.selectors import (
    can_post_alerts,
    charter_accepted,
    charter_current,
    is_platform_admin,
    needs_two_factor,
    proof_pending,
    residences_to_verify,
    verifier_communes,
)
from edge.throttling import ScopedRateThrottle
from geo.points import InvalidCoordinates, parse_lon_lat


def django_errors(exc: DjangoValidationError) -> exceptions.ValidationError:
    return exceptions.ValidationError(serializers.as_serializer_error(exc))


class CharterAccepted(BasePermission):
    message = gettext_lazy("Acceptez d'abord la version en vigueur de la charte (POST /api/charter/accept/).")

    def has_permission(self, request, view):
        return charter_accepted(request.user)


class IsResidentVerifier(BasePermission):
    message = gettext_lazy("Réservé aux modérateurs et vérificateurs municipaux.")

    def has_permission(self, request, view):
        return is_platform_admin(request.user) or verifier_communes(request.user).exists()


class ResidenceOutputSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.name")
    neighbourhood = serializers.CharField(source="neighbourhood.name", default=None)
    # Every neighbourhood the home belongs to: two for a home on a shared border.
    neighbourhoods = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    lon = serializers.FloatField(source="home.x")
    lat = serializers.FloatField(source="home.y")
    proof_waiting = serializers.SerializerMethodField()

    class Meta:
        model = Residence
        fields = [
            "address", "lon", "lat", "commune", "neighbourhood", "neighbourhoods", "status", "decided_at",
            "rejection_reason", "proof_waiting",
        ]  # fmt: skip

    def get_proof_waiting(self, residence) -> bool:
        return proof_pending(residence) is not None


# --- the person's own account ---------------------------------------------------------------


class UserMeApi(APIView):
    """The account of the person making the request."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        display_name = serializers.CharField()
        date_joined = serializers.DateTimeField()
        otp_required = serializers.BooleanField()
        otp_verified = serializers.BooleanField()
        charter_accepted = serializers.BooleanField()
        residence_status = serializers.CharField(allow_null=True)
        can_post_alerts = serializers.BooleanField()

    @extend_schema(responses=OutputSerializer, operation_id="me_retrieve")
    def get(self, request):
        user = request.user
        residence = Residence.objects.filter(user=user).first()
        data = {
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": user.date_joined,
            "otp_required": needs_two_factor(user),
            "otp_verified": user.is_verified(),
            "charter_accepted": charter_accepted(user),
            "residence_status": residence.status if residence else None,
            "can_post_alerts": can_post_alerts(user),
        }
        return Response(self.OutputSerializer(data).data)


class AccountRegisterApi(APIView):
    """Create a resident account; a confirmation link is sent by email."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(write_only=True, max_length=128)
        display_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")

    @extend_schema(request=InputSerializer, responses={202: None}, operation_id="account_register")
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.user_register(**serializer.validated_data)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"password": exc.messages}) from exc
        # The same answer whether the address was new or not: nobody learns who is registered.
        return Response(
            {"detail": _("Si l'adresse est valide, un message de confirmation vient d'y être envoyé.")},
            status=status.HTTP_202_ACCEPTED,
        )


class AccountEmailConfirmApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    class InputSerializer(serializers.Serializer):
        token = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses={200: None}, operation_id="account_email_confirm")
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.user_confirm_email(token=serializer.validated_data["token"])
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"token": exc.messages}) from exc
        return Response({"detail": _("Adresse confirmée : vous pouvez vous connecter.")})


class AccountCsrfTokenApi(APIView):
    """The CSRF token (also set as the `csrftoken` cookie) that a client sends back in the
    `X-CSRFToken` header of its login."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AccountCsrfTokenOutput"

        csrf_token = serializers.CharField()

    @extend_schema(responses=OutputSerializer, operation_id="account_csrf_token")
    def get(self, request):
        return Response({"csrf_token": get_token(request._request)})


class AccountLoginApi(APIView):
    """Log in with email and password (a session cookie). Staff then send a TOTP code to
    /api/accounts/otp/verify/. Failures are counted by django-axes (address + network address).

    Like the web form, the login needs the CSRF token (GET /api/accounts/csrf/): otherwise another
    site could sign a visitor in to an account of its choosing (login CSRF)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # DRF only checks CSRF for session-authenticated requests; a login has none yet.
        SessionAuthentication().enforce_csrf(request)

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=128, write_only=True)

    @extend_schema(request=InputSerializer, responses={200: UserMeApi.OutputSerializer}, operation_id="account_login")
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        http_request = request._request  # django-axes marks the lock-out on the Django request
        user = authenticate(
            request=http_request,
            username=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        if getattr(http_request, "axes_locked_out", False):
            return Response({"detail": lockout_message(), "code": "locked_out"}, status=429)
        if user is None:
            return Response(
                {"detail": _("Adresse ou mot de passe incorrect, ou adresse pas encore confirmée.")}, status=400
            )
        login(http_request, user)
        return Response({"detail": _("Connecté."), "otp_required": needs_two_factor(user), "otp_verified": False})


class AccountLogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, operation_id="account_logout")
    def post(self, request):
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OtpSetupApi(APIView):
    """Start setting up an authenticator app: returns the provisioning URI and its QR code (SVG).
    The device is confirmed by the first valid code sent to /api/accounts/otp/verify/."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        provisioning_uri = serializers.CharField()
        qr_svg = serializers.CharField()

    @extend_schema(request=None, responses=OutputSerializer, operation_id="account_otp_setup")
    def post(self, request):
        if otp.totp_device_confirmed(request.user) is not None:
            raise exceptions.PermissionDenied(
                _("Une application d'authentification est déjà configurée ; un administrateur peut la réinitialiser.")
            )
        uri = otp.totp_device_pending(request.user).config_url
        return Response({"provisioning_uri": uri, "qr_svg": otp.qr_svg(uri)})


class OtpVerifyApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        token = serializers.CharField(max_length=12)

    @extend_schema(request=InputSerializer, responses={200: None}, operation_id="account_otp_verify")
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not otp.totp_verify(request._request, serializer.validated_data["token"]):
            raise exceptions.ValidationError({"token": [_("Code incorrect ou expiré.")]})
        return Response({"detail": _("Double authentification validée.")})


# --- charter --------------------------------------------------------------------------------


class CharterCurrentApi(APIView):
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        version = serializers.IntegerField()
        text = serializers.CharField()
        published_at = serializers.DateTimeField()

    @extend_schema(responses=OutputSerializer, operation_id="charter_current")
    def get(self, request):
        charter = charter_current()
        if charter is None:
            raise exceptions.NotFound(_("Aucune charte n'est publiée pour le moment."))
        return Response(self.OutputSerializer(charter).data)


class CharterAcceptApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(help_text="La version lue, qui doit être celle en vigueur.")

    @extend_schema(request=InputSerializer, responses={201: None}, operation_id="charter_accept")
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        charter = charter_current()
        if charter is None or charter.version != serializer.validated_data["version"]:
            raise exceptions.ValidationError({"version": [_("Ce n'est pas la version en vigueur de la charte.")]})
        acceptance = services.charter_accept(user=request.user, charter=charter)
        return Response({"version": charter.version, "accepted_at": acceptance.accepted_at}, status=201)


# --- home and proof -------------------------------------------------------------------------


class ResidenceApi(APIView):
    """The resident's home: read it, or set it (address and point). A new home is checked again."""

    permission_classes = [IsAuthenticated, CharterAccepted]

    class InputSerializer(serializers.Serializer):
        address = serializers.CharField(max_length=300)
        lon = serializers.FloatField()
        lat = serializers.FloatField()

    @extend_schema(responses=ResidenceOutputSerializer, operation_id="residence_retrieve")
    def get(self, request):
        residence = get_object_or_404(Residence.objects.select_related("commune", "neighbourhood"), user=request.user)
        return Response(ResidenceOutputSerializer(residence).data)

    @extend_schema(request=InputSerializer, responses=ResidenceOutputSerializer, operation_id="residence_set")
    def put(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            home = parse_lon_lat(data["lon"], data["lat"])
            residence = services.residence_set(user=request.user, address=data["address"], home=home)
        except InvalidCoordinates as exc:
            raise exceptions.ValidationError({field: [message] for field, message in exc.errors.items()}) from exc
        except DjangoValidationError as exc:
            raise django_errors(exc) from exc
        local_time_forget(request)
        return Response(ResidenceOutputSerializer(residence).data)


class ProofUploadApi(APIView):
    """Send a proof of residence: PDF, JPEG or PNG, 5 MB at most, checked from its content."""

    permission_classes = [IsAuthenticated, CharterAccepted]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(
        request={"multipart/form-data": InputSerializer}, responses={201: None}, operation_id="proof_upload"
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            proof = services.proof_upload(user=request.user, upload=serializer.validated_data["file"])
        except DjangoValidationError as exc:
            raise django_errors(exc) from exc
        return Response(
            {"content_type": proof.content_type, "size": proof.size, "uploaded_at": proof.uploaded_at}, status=201
        )


class GeocoderThrottle(ScopedRateThrottle):
    """One budget per person for suggestions and nearby addresses: a request per keystroke."""

    scope_attr = "throttle_scope"

    def get_rate(self):
        return settings.ACCOUNTS_GEOCODER_THROTTLE_RATE


class GeocoderSuggestApi(APIView):
    """Addresses suggested while typing by the configured geocoder (the offline address index)."""

    throttle_classes = [GeocoderThrottle]
    throttle_scope = "geocoder"

    class OutputSerializer(serializers.Serializer):
        label = serializers.CharField()
        lon = serializers.FloatField()
        lat = serializers.FloatField()

    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(max_length=300, error_messages={"blank": gettext_lazy("Indiquez une adresse.")})
        # The posting form passes the resident's commune: fewer, nearer suggestions, found faster.
        commune = serializers.RegexField(
            r"^[0-9][0-9AB][0-9]{3}$",
            required=False,
            error_messages={"invalid": gettext_lazy("Code INSEE de commune attendu (5 caractères, 2A/2B en Corse).")},
        )

    @extend_schema(
        parameters=[InputSerializer], responses=OutputSerializer(many=True), operation_id="geocoder_suggest"
    )
    def get(self, request):
        serializer = self.InputSerializer(data=request.query_params)
        if not request.query_params.get("q", "").strip():
            raise exceptions.ValidationError({"q": [_("Indiquez une adresse.")]})
        serializer.is_valid(raise_exception=True)
        found = geocoder().suggest(serializer.validated_data["q"], commune=serializer.validated_data.get("commune"))
        return Response(self.OutputSerializer(found, many=True).data)


class GeocoderNearApi(APIView):
    """The address near a clicked point, in general words ("près du 12 rue des Halles, Tarascon"),
    or null when none is within ACCOUNTS_GEOCODER_NEAR_M."""

    throttle_classes = [GeocoderThrottle]
    throttle_scope = "geocoder"

    class InputSerializer(serializers.Serializer):
        lon = serializers.FloatField(min_value=-180, max_value=180)
        lat = serializers.FloatField(min_value=-90, max_value=90)

    class OutputSerializer(serializers.Serializer):
        near = serializers.CharField(allow_null=True)

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer, operation_id="geocoder_near")
    def get(self, request):
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        point = serializer.validated_data
        return Response({"near": geocoder().near(point["lon"], point["lat"])})


# --- personal data --------------------------------------------------------------------------


class PersonalDataExportApi(APIView):
    """Everything held about the person, as JSON."""

    @extend_schema(responses={200: dict}, operation_id="personal_data_export")
    def get(self, request):
        response = Response(personal_data_export(request.user))
        response["Content-Disposition"] = 'attachment; filename="mes-donnees-vigie.json"'
        response["Cache-Control"] = "no-store"
        return response


class AccountDeleteApi(APIView):
    """Delete the account: personal data removed, published alerts kept without an author."""

    class InputSerializer(serializers.Serializer):
        password = serializers.CharField(max_length=128, write_only=True)

    @extend_schema(request=InputSerializer, responses={204: None}, operation_id="account_delete")
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not request.user.check_password(serializer.validated_data["password"]):
            raise exceptions.ValidationError({"password": [_("Mot de passe incorrect.")]})
        user = request.user
        logout(request._request)
        services.user_delete(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- verification of homes ------------------------------------------------------------------


class ResidenceVerificationOutputSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    display_name = serializers.CharField(source="user.display_name")
    commune = serializers.CharField(source="commune.name")
    neighbourhood = serializers.CharField(source="neighbourhood.name", default=None)
    proof_url = serializers.SerializerMethodField()

    class Meta:
        model = Residence
        fields = [
            "id", "email", "display_name", "address", "commune", "neighbourhood", "status", "decided_at",
            "rejection_reason", "proof_url",
        ]  # fmt: skip

    def get_proof_url(self, residence) -> str | None:
        if proof_pending(residence) is None:
            return None
        return reverse("accounts-proof-file", kwargs={"residence_id": residence.pk})


class ResidenceVerificationListApi(APIView):
    """Homes waiting for a decision, in the communes the person verifies."""

    permission_classes = [IsAuthenticated, IsResidentVerifier]

    @extend_schema(
        responses=ResidenceVerificationOutputSerializer(many=True), operation_id="residence_verification_list"
    )
    def get(self, request):
        residences = residences_to_verify(request.user).filter(status=Residence.Status.PENDING).order_by("id")[:500]
        return Response(ResidenceVerificationOutputSerializer(residences, many=True).data)


class ResidenceDecisionApi(APIView):
    permission_classes = [IsAuthenticated, IsResidentVerifier]

    class InputSerializer(serializers.Serializer):
        verified = serializers.BooleanField()
        reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")

    @extend_schema(responses=ResidenceVerificationOutputSerializer, operation_id="residence_verification_retrieve")
    def get(self, request, residence_id: int):
        residence = get_object_or_404(residences_to_verify(request.user), pk=residence_id)
        return Response(ResidenceVerificationOutputSerializer(residence).data)

    @extend_schema(
        request=InputSerializer, responses=ResidenceVerificationOutputSerializer, operation_id="residence_decide"
    )
    def post(self, request, residence_id: int):
        residence = get_object_or_404(residences_to_verify(request.user), pk=residence_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            residence = services.residence_decide(
                residence=residence, decider=request.user, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise django_errors(exc) from exc
        return Response(ResidenceVerificationOutputSerializer(residence).data)
