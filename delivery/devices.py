"""The devices a person receives notifications on (Web Push subscriptions): saved or refreshed each
time a page of Vigie opens in a browser that accepted notifications, removed when the person turns
them off there, and by the push channel when the push service says the device is gone."""

import base64
import binascii
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from delivery.models import NotificationPreference, PushSubscription

P256DH_LENGTH = 65  # an uncompressed P-256 point
AUTH_LENGTH = 16


def _b64url_bytes(value: str) -> bytes | None:
    """The bytes of a base64url value, or None if any character is not base64url (the standard
    decoder would skip it, and an over-long value would reach the database)."""
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None


def _device_key_readable(raw: bytes | None) -> bool:
    """An uncompressed point of P-256, the curve of Web Push (RFC 8291): anything else could never
    be encrypted for, and every push to the device would fail."""
    if raw is None or len(raw) != P256DH_LENGTH or raw[0] != 4:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


def push_service_refusal(endpoint: str) -> str | None:
    """Why the workers may not post to this device's address, or None: it must be a push service of
    the browsers' (`PUSH_SERVICE_HOSTS`, each host with its subdomains) over HTTPS. The address
    comes from the browser, so without this any signed-in person could make the workers post to a
    server of the site's own network."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:  # an unclosed IPv6 bracket, a host NFKC normalisation changes
        return _("Adresse du service de notification illisible.")
    if parts.scheme not in (("https", "http") if settings.PUSH_ALLOW_HTTP_ENDPOINTS else ("https",)):
        return _("L'adresse du service de notification doit être en https.")
    allowed_hosts = [allowed.lower().rstrip(".") for allowed in settings.PUSH_SERVICE_HOSTS]
    # A push service's address names its host plainly: a user part or a backslash in it would be
    # read as another host by another URL parser.
    if (
        "@" in parts.netloc
        or "\\" in endpoint
        or not any(host == allowed or host.endswith(f".{allowed}") for allowed in allowed_hosts)
    ):
        return _("Ce service de notification n'est pas celui d'un navigateur connu : %(host)s.") % {"host": host}
    return None


def push_subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = "", enabled: bool = False
) -> PushSubscription:
    """Create the device's subscription, or refresh it (new keys, or the same browser now used by
    another person of the household: the endpoint belongs to the browser, so it moves to them).
    Enabling notifications on a phone (`enabled`: the person's own click) is the choice of the
    channel, and so is a person's first device: either turns push on in their preferences when they
    have no other device; they can still turn the channel off there. A page refreshing a device it
    found (a browser another person left subscribed) changes nobody's choice."""
    refusal = push_service_refusal(endpoint)
    if refusal:
        raise ValidationError({"endpoint": refusal})
    if not _device_key_readable(_b64url_bytes(p256dh)):
        raise ValidationError({"p256dh": _("Clé de l'appareil illisible.")})
    secret = _b64url_bytes(auth)
    if secret is None or len(secret) != AUTH_LENGTH:
        raise ValidationError({"auth": _("Secret de l'appareil illisible.")})
    with transaction.atomic():
        subscription, created = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={
                "user": user,
                "p256dh": p256dh,
                "auth": auth,
                "user_agent": user_agent[:300],
                "refreshed_at": timezone.now(),
            },
        )
        if (created or enabled) and not PushSubscription.objects.filter(user=user).exclude(
            id=subscription.id
        ).exists():
            NotificationPreference.objects.update_or_create(user=user, defaults={"by_push": True})
    return subscription


def push_subscription_remove(*, user: User, endpoint: str) -> int:
    """Forget one of the person's devices; another person's endpoint is left alone."""
    deleted, _by_model = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted


def push_devices_of(user: User):
    return PushSubscription.objects.filter(user=user).order_by("-refreshed_at")
