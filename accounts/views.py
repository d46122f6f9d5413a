"""French web pages of the accounts part: registration, the account page, charter, home, proof,
deletion, two-factor authentication, and the verification queue of moderators and verifiers."""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import otp, referents, services
from accounts.forms import (
    DecisionForm,
    InvitationCompleteForm,
    LoginForm,
    OtpTokenForm,
    PasswordConfirmForm,
    ProofForm,
    ReferentInviteForm,
    ReferentNameForm,
    RegisterForm,
    ResidenceForm,
)
from accounts.geocoding import home_address_check
from accounts.localtime import local_time_forget
from accounts.models import AccessLog, Referent, ReferentInvitation, Residence, User
from accounts.onboarding import onboarding_of
from accounts.selectors import (
    can_post_alerts,
    charter_accepted,
    charter_current,
    is_platform_admin,
    needs_two_factor,
    proof_pending,
    referent_naming_communes,
    referent_terms_of,
    residences_to_verify,
    verifier_communes,
)
from edge.private_files import IMAGE_CSP, PDF_CSP, inline_file_response
from geo.points import InvalidCoordinates, parse_lon_lat
from zones.models import Commune, Zone
from zones.outlines import commune_outlines


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _onboarding_next(user) -> str:
    """After a step of the way in, the next one; the account page once there is none left."""
    onboarding = onboarding_of(user)
    return onboarding.next_url if onboarding else reverse("accounts-account")


class ResidentLoginView(LoginView):
    """Django's login, with a refusal that reads right for an email address; a resident who has
    not finished signing up lands on the step they stopped at, unless a page asked for them."""

    authentication_form = LoginForm

    def get_default_redirect_url(self):
        onboarding = onboarding_of(self.request.user)
        return onboarding.next_url if onboarding else super().get_default_redirect_url()


def charter_required(view):
    """Beyond browsing, a resident must have accepted the charter in force."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not charter_accepted(request.user):
            messages.info(request, _("Avant de continuer, lisez et acceptez la charte de Vigie."))
            return redirect(f"{reverse('accounts-charter')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapped


def verifier_required(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not (is_platform_admin(request.user) or verifier_communes(request.user).exists()):
            return render(request, "accounts/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


# --- registration ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
            )
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            return render(request, "accounts/register_done.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
def email_confirm(request, token: str):
    """The link of the email opens a page with a button: following a link (a mail scanner, a link
    preview) changes nothing; the person's POST confirms."""
    if request.method == "GET":
        return render(request, "accounts/email_confirm.html", {"action": request.path})
    try:
        services.user_confirm_email(token=token)
    except ValidationError as exc:
        return render(request, "accounts/email_confirm_failed.html", {"errors": exc.messages}, status=400)
    messages.success(request, _("Adresse confirmée : connectez-vous pour continuer."))
    return redirect("login")


# --- the account page -----------------------------------------------------------------------


@login_required
@never_cache
def account(request):
    residence = Residence.objects.filter(user=request.user).select_related("commune", "neighbourhood").first()
    context = {
        "residence": residence,
        "proof": proof_pending(residence) if residence else None,
        "charter": charter_current(),
        "charter_accepted": charter_accepted(request.user),
        "can_post": can_post_alerts(request.user),
        "needs_two_factor": needs_two_factor(request.user),
        "is_verifier": is_platform_admin(request.user) or verifier_communes(request.user).exists(),
        "onboarding": onboarding_of(request.user),
    }
    return render(request, "accounts/account.html", context)


@require_http_methods(["GET", "POST"])
def charter(request):
    current = charter_current()
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
        if current is None or str(current.version) != request.POST.get("version"):
            messages.error(request, _("La charte a changé entre-temps : relisez la version en vigueur."))
            return redirect("accounts-charter")
        services.charter_accept(user=request.user, charter=current)
        messages.success(request, _("Merci : vous avez accepté la charte."))
        return redirect(_next_url(request, _onboarding_next(request.user)))
    accepted = request.user.is_authenticated and charter_accepted(request.user)
    context = {"charter": current, "accepted": accepted, "onboarding": onboarding_of(request.user)}
    return render(request, "accounts/charter.html", context)


@charter_required
@require_http_methods(["GET", "POST"])
def residence(request):
    current = Residence.objects.filter(user=request.user).first()
    initial = {"address": current.address, "lon": current.home.x, "lat": current.home.y} if current else None
    form = ResidenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            home = parse_lon_lat(form.cleaned_data["lon"], form.cleaned_data["lat"])
            services.residence_set(user=request.user, address=form.cleaned_data["address"], home=home)
        except InvalidCoordinates as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            local_time_forget(request)
            messages.success(request, _("Domicile enregistré."))
            return redirect(_onboarding_next(request.user))
    status = 400 if form.errors else 200
    # Homes can only be in a commune that has joined: show those, so a resident finds theirs. A
    # handful come with the page; when the whole country has joined, the map asks for those in view.
    joined = Commune.objects.filter(adopted_on__isnull=False)
    embedded = joined.count() <= settings.ACCOUNTS_HOME_MAP_EMBEDDED_COMMUNES
    map_config = {
        "tiles": settings.MAPS_TILE_URL,
        "attribution": settings.MAPS_TILE_ATTRIBUTION,
        "communes": commune_outlines(joined) if embedded else None,
        "communes_url": None if embedded else reverse("api-commune-list"),
    }
    context = {"form": form, "residence": current, "map_config": map_config, "onboarding": onboarding_of(request.user)}
    return render(request, "accounts/residence.html", context, status=status)


@charter_required
@require_http_methods(["GET", "POST"])
def proof_upload(request):
    form = ProofForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proof_upload(user=request.user, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Justificatif reçu : une personne de votre commune va le vérifier."))
            return redirect("accounts-account")
    status = 400 if form.errors else 200
    context = {"form": form, "onboarding": onboarding_of(request.user)}
    return render(request, "accounts/proof.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    form = PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not request.user.check_password(form.cleaned_data["password"]):
            form.add_error("password", _("Mot de passe incorrect."))
        else:
            user = request.user
            logout(request)
            services.user_delete(user=user)
            messages.success(request, _("Votre compte et vos données personnelles ont été supprimés."))
            return redirect("home")
    return render(request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200)


# --- two-factor authentication --------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    if otp.totp_device_confirmed(request.user) is not None:
        return redirect(f"{reverse('accounts-otp-verify')}?{urlencode({'next': _next_url(request, '/')})}")
    device = otp.totp_device_pending(request.user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp.totp_verify(request, form.cleaned_data["token"]):
            messages.success(request, _("Application d'authentification configurée."))
            return redirect(_next_url(request, reverse("accounts-account")))
        form.add_error("token", _("Code incorrect ou expiré."))
    context = {"form": form, "uri": device.config_url, "qr_svg": otp.qr_svg(device.config_url)}
    return render(request, "accounts/otp_setup.html", context, status=400 if form.errors else 200)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    if otp.totp_device_confirmed(request.user) is None:
        return redirect(f"{reverse('accounts-otp-setup')}?{urlencode({'next': _next_url(request, '/')})}")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp.totp_verify(request, form.cleaned_data["token"]):
            return redirect(_next_url(request, reverse("accounts-account")))
        form.add_error("token", _("Code incorrect ou expiré."))
    return render(request, "accounts/otp_verify.html", {"form": form}, status=400 if form.errors else 200)


# --- verification of homes ------------------------------------------------------------------


@verifier_required
def verification_list(request):
    residences = residences_to_verify(request.user).filter(status=Residence.Status.PENDING).order_by("id")[:500]
    return render(request, "accounts/verification_list.html", {"residences": residences})


def _address_check_map(check) -> dict:
    return {
        "tiles": settings.MAPS_TILE_URL,
        "attribution": settings.MAPS_TILE_ATTRIBUTION,
        "home": [check.home_lon, check.home_lat],
        "homeLabel": _("Point cliqué"),
        "found": [check.found.lon, check.found.lat] if check.found else None,
        "foundLabel": check.found.label if check.found else "",
    }


@verifier_required
@require_http_methods(["GET", "POST"])
def verification_detail(request, residence_id: int):
    residence = get_object_or_404(residences_to_verify(request.user), pk=residence_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.residence_decide(residence=residence, decider=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Décision enregistrée ; le justificatif a été supprimé."))
            return redirect("accounts-verification-list")
    context = {"residence": residence, "proof": proof_pending(residence), "form": form}
    check = home_address_check(address=residence.address, commune_name=residence.commune.name, home=residence.home)
    context |= {"address_check": check, "check_map": _address_check_map(check)}
    return render(request, "accounts/verification_detail.html", context, status=400 if form.errors else 200)


@verifier_required
@never_cache
def proof_file(request, residence_id: int):
    """Stream the pending proof to a verifier of its commune, and log the opening."""
    residence = get_object_or_404(residences_to_verify(request.user), pk=residence_id)
    if not services.can_verify(user=request.user, residence=residence):
        raise Http404
    proof = proof_pending(residence)
    if proof is None or not proof.file:
        raise Http404(_("Aucun justificatif en attente."))
    services.access_log_record(
        viewer=request.user,
        kind=AccessLog.Kind.PROOF_OF_RESIDENCE,
        object_id=proof.pk,
        subject=residence.user,
        commune=residence.commune,
    )
    # Opened in the tab, never downloaded to the town hall's computer (the resident was told the
    # proof is deleted after the decision). The type was sniffed at upload and nosniff is on. An
    # image runs in a sandbox; a browser's PDF viewer does not start in a sandboxed document, so a
    # PDF gets a policy that lets the viewer embed it and nothing else (no script of ours, no fetch).
    is_pdf = proof.content_type == "application/pdf"
    return inline_file_response(
        proof.file,
        content_type=proof.content_type,
        filename=f"justificatif-{proof.pk}{services.PROOF_TYPES[proof.content_type]}",
        csp=PDF_CSP if is_pdf else IMAGE_CSP,
    )


# --- référents --------------------------------------------------------------------------------


def _naming_commune(request):
    """The commune whose référents the page shows: `?commune=<code>` among those the user names for."""
    communes = referent_naming_communes(request.user).order_by("name")
    if not communes.exists():
        raise Http404
    code = request.GET.get("commune")
    return get_object_or_404(communes, code=code) if code else communes.first()


@login_required
@require_http_methods(["GET", "POST"])
def referents_manage(request):
    """The town hall names référents of its neighbourhoods and sees the terms, current and past."""
    commune = _naming_commune(request)
    neighbourhoods = Zone.objects.current().filter(commune=commune, kind=Zone.Kind.NEIGHBOURHOOD).order_by("name")
    form = ReferentNameForm(
        request.POST or None, neighbourhoods=neighbourhoods, initial={"starts_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        person = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        try:
            if person is None:
                raise ValidationError({"email": [_("Aucun habitant inscrit avec cette adresse.")]})
            referents.referent_name(
                named_by=request.user,
                commune=commune,
                user=person,
                neighbourhoods=list(form.cleaned_data["neighbourhoods"]),
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("%(name)s est nommé référent.") % {"name": person})
            return redirect(f"{reverse('referents-manage')}?{urlencode({'commune': commune.code})}")
    terms = (
        Referent.objects.filter(commune=commune)
        .select_related("user", "named_by", "ended_by")
        .prefetch_related("neighbourhoods")
    )
    active_ids = set(Referent.objects.active().filter(commune=commune).values_list("id", flat=True))
    context = {"commune": commune, "form": form, "terms": terms, "active_ids": active_ids}
    return render(request, "accounts/referents_manage.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def referents_end(request, referent_id: int):
    referent = get_object_or_404(Referent, pk=referent_id, commune__in=referent_naming_communes(request.user))
    try:
        referents.referent_end(referent=referent, ended_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Le mandat de %(name)s est terminé.") % {"name": referent.user})
    return redirect(f"{reverse('referents-manage')}?{urlencode({'commune': referent.commune.code})}")


def referent_required(view):
    """A référent's pages: a resident with a term in force; 403 for anyone else."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not referent_terms_of(request.user).exists():
            return render(request, "accounts/referent_forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


@referent_required
@never_cache
def referent_home(request):
    """The référent's page: their charter until accepted; then the neighbours who agreed to be
    listed (the reading is logged), the registrations they started, and what they may do."""
    terms = referent_terms_of(request.user).prefetch_related("neighbourhoods")
    context = {"terms": terms, "charter_accepted": referents.referent_charter_accepted(request.user)}
    if context["charter_accepted"]:
        context |= {
            "neighbours": referents.referent_neighbours_open(user=request.user),
            "invite_form": ReferentInviteForm(),
            "invitations": ReferentInvitation.objects.filter(referent__user=request.user)[:50],
            "now": timezone.now(),
        }
    return render(request, "accounts/referent_home.html", context)


@referent_required
@require_POST
def referent_charter(request):
    referents.referent_charter_accept(user=request.user)
    messages.success(request, _("Merci : vous avez accepté la charte du référent."))
    return redirect("referent-home")


@referent_required
@require_POST
def referent_invite(request):
    form = ReferentInviteForm(request.POST)
    if form.is_valid():
        try:
            referents.referent_invitation_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Un lien d'inscription part vers %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("referent-home")
    context = {"form": form}
    return render(request, "accounts/referent_invite.html", context, status=400)


@require_http_methods(["GET", "POST"])
def invitation_complete(request, token: str):
    """The neighbour opens the link a référent started: a password and a name, then the normal way in."""
    try:
        invitation = referents.referent_invitation_of(token)
    except ValidationError as exc:
        return render(request, "accounts/email_confirm_failed.html", {"errors": exc.messages}, status=400)
    form = InvitationCompleteForm(request.POST or None, initial={"display_name": invitation.first_name})
    if request.method == "POST" and form.is_valid():
        try:
            user = referents.referent_invitation_complete(
                token=token, password=form.cleaned_data["password1"], display_name=form.cleaned_data["display_name"]
            )
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[-1])
            messages.success(request, _("Votre compte est créé. Il reste quelques étapes."))
            return redirect(_onboarding_next(user))
    context = {"form": form, "invitation": invitation}
    return render(request, "accounts/invitation.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def referent_visibility(request):
    visible = request.POST.get("visible") == "1"
    if not referents.residence_visibility_set(user=request.user, visible=visible):
        messages.error(request, _("Indiquez d'abord votre domicile."))
    elif visible:
        messages.success(request, _("Les référents de votre quartier voient votre prénom et votre rue."))
    else:
        messages.success(request, _("Les référents de votre quartier ne vous voient plus."))
    return redirect("accounts-account")
