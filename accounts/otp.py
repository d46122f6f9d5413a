"""Two-factor authentication for staff: TOTP devices (django-otp), their QR code, and the
middleware that keeps a staff person who has not entered a code out of everything but the pages
that let them enter one.

Install after `django_otp.middleware.OTPMiddleware` (which sets `request.user.is_verified()`)."""

from base64 import b32decode
from functools import wraps
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.permissions import BasePermission

from accounts.models import User
from accounts.selectors import needs_two_factor


def is_verified_staff(user) -> bool:
    """Signed in and past the second factor in this session: what every staff action requires.
    The one check; the middleware, the API permission and the live maps all ask it."""
    return bool(user is not None and user.is_authenticated and getattr(user, "is_verified", lambda: False)())


def staff_page(view):
    """A staff page: an anonymous visitor is sent to log in; a signed-in person who is not staff
    (past the second factor) reads that the page is refused and why, never a login form they could
    not get past. Staff who have not entered their code never reach here: the middleware below
    sends them to the code page."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_verified_staff(request.user):
            raise PermissionDenied(
                _("Accès refusé : cette page est réservée au personnel (modération, police municipale, mairie).")
            )
        return view(request, *args, **kwargs)

    return wrapped


class IsVerifiedStaff(BasePermission):
    """Moderators, police agents and municipal staff act only after two-factor authentication."""

    message = gettext_lazy("Connectez-vous avec votre second facteur d'authentification.")

    def has_permission(self, request, view):
        return is_verified_staff(request.user)


# Pages a staff person may reach before entering a code: the code pages themselves, logging out,
# the language switch, their own account summary (which tells a client that a code is needed).
OTP_EXEMPT_URL_NAMES = {
    "accounts-otp-setup",
    "accounts-otp-verify",
    "api-otp-setup",
    "api-otp-verify",
    "api-logout",
    "api-me",
    "logout",
    "set_language",
    "healthz",
}


def totp_device_confirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def totp_device_pending(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (created on first call, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=_("Application d'authentification"), confirmed=False)


def totp_device_install(*, user: User, base32_secret: str, name: str) -> TOTPDevice:
    """A confirmed device with a known secret (demo accounts only)."""
    key = b32decode(base32_secret).hex()
    device, _created = TOTPDevice.objects.update_or_create(
        user=user, name=name, defaults={"key": key, "confirmed": True}
    )
    return device


def totp_verify(request, token: str) -> bool:
    """Check a code against the person's confirmed device, or the one being set up (which it
    then confirms), and mark the session as verified. Devices throttle repeated failures."""
    token = (token or "").strip().replace(" ", "")
    device = totp_device_confirmed(request.user)
    if device is None:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("id").first()
    if device is None or not token.isdigit() or not device.verify_token(token):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    otp_login(request, device)
    # More rights now: a new session key (no fixation), and a shorter life than a resident's.
    request.session.cycle_key()
    request.session.set_expiry(settings.ACCOUNTS_STAFF_SESSION_SECONDS)
    return True


def qr_svg(data: str) -> str:
    """An inline SVG QR code: no image request leaves the page, no external service sees the secret."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


class StaffOTPRequiredMiddleware:
    """Staff without a verified second factor: web pages redirect to the code page, the API
    answers 403 with a message saying so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if self._unverified_staff(user) and not self._exempt(request):
            return self._refuse(request, user)
        return self.get_response(request)

    @staticmethod
    def _unverified_staff(user) -> bool:
        return user is not None and user.is_authenticated and not is_verified_staff(user) and needs_two_factor(user)

    @staticmethod
    def _exempt(request) -> bool:
        if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True
        return match.url_name in OTP_EXEMPT_URL_NAMES

    @staticmethod
    def _refuse(request, user):
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": _(
                        "Double authentification requise : envoyez le code de votre application "
                        "d'authentification à %(url)s."
                    )
                    % {"url": reverse("api-otp-verify")},
                    "code": "otp_required",
                },
                status=403,
            )
        name = "accounts-otp-verify" if totp_device_confirmed(user) else "accounts-otp-setup"
        return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
