"""Web Push: a notification on each device the recipient subscribed (RFC 8030), its payload
encrypted for that device (RFC 8291, aes128gcm) by pywebpush and signed with the site's VAPID key
(RFC 8292, py-vapid). No cryptography is written here.

Each device gets a delivery once: a device the push service accepted is recorded (`PushReceipt`)
by the statement that settles the delivery, under its row lock, so a retry caused by another device skips it. A
device the push service no longer knows (404, 410) is removed. The notification opens the
delivery's message page, which marks it read."""

import json
import time
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils import translation
from py_vapid import Vapid02, b64urlencode
from pywebpush import WebPusher

from delivery.messages import message_of
from delivery.models import Delivery, PushReceipt, PushSubscription

BODY_MAX_LENGTH = 300
# How long the push service keeps a notification for a device that is offline, and how eagerly it
# wakes the device (RFC 8030 TTL and Urgency): an urgent alert wakes it now and is stale after a few
# hours; a prevention notice can wait for the phone to be on a charger.
URGENT = ("high", 6 * 3600)
NORMAL = ("normal", 24 * 3600)
LOW = ("low", 3 * 24 * 3600)
# A VAPID token is valid 24 hours at most (RFC 8292); ours are signed for 12 and renewed an hour early.
VAPID_TOKEN_S = 12 * 3600


class PushTransientError(Exception):
    """A device's push service may accept later (timeout, 429, 5xx): the delivery is retried."""


class PushPermanentError(Exception):
    """No device accepted the notification and none ever will (payload or key refused)."""


class PushNoDevice(Exception):
    """The recipient has no device left to push to (all removed since the delivery was created, or
    answered 404/410 now) and none got it before: the notification reached nobody."""


@cache
def _vapid(private_key: str) -> Vapid02:
    return Vapid02.from_string(private_key)


def vapid() -> Vapid02:
    if not settings.VAPID_PRIVATE_KEY:
        raise PushPermanentError("VAPID_PRIVATE_KEY is not set (make services writes one into .env)")
    return _vapid(settings.VAPID_PRIVATE_KEY)


def application_server_key() -> str:
    """The public key a browser subscribes with (`applicationServerKey`), base64url; empty when the
    site has no VAPID key, and then pages offer no notifications."""
    if not settings.VAPID_PRIVATE_KEY:
        return ""
    raw = vapid().public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64urlencode(raw)


@dataclass
class PushSender:
    """What a batch shares: one HTTP session (kept-alive connections to each push service) and one
    VAPID token per push service, signed once and reused until it is close to expiry."""

    session: requests.Session = field(default_factory=requests.Session)
    tokens: dict = field(default_factory=dict)

    def authorization(self, endpoint: str) -> dict:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        headers, renew_at = self.tokens.get(audience, (None, 0))
        now = time.time()
        if headers is None or now >= renew_at:
            expires = int(now) + VAPID_TOKEN_S
            headers = vapid().sign({"aud": audience, "sub": settings.VAPID_SUBJECT, "exp": expires})
            self.tokens[audience] = (headers, expires - 3600)
        return headers

    def push(self, subscription: PushSubscription, payload: bytes, *, urgency: str, ttl: int) -> int:
        """POST the encrypted payload; the push service's status code."""
        info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
        headers = {**self.authorization(subscription.endpoint), "Urgency": urgency}
        response = WebPusher(info, requests_session=self.session).send(
            payload, headers=headers, ttl=ttl, timeout=settings.PUSH_TIMEOUT_S
        )
        return response.status_code

    def close(self) -> None:
        self.session.close()


def urgency_of(delivery: Delivery, urgent: bool) -> tuple[str, int]:
    if urgent:
        return URGENT
    if delivery.kind in (Delivery.Kind.ALERT, Delivery.Kind.BROADCAST):
        return NORMAL
    return LOW


def payload_of(delivery: Delivery, *, cache: dict | None = None) -> tuple[bytes, bool]:
    """The notification as the service worker shows it, in the recipient's language."""
    with translation.override(delivery.recipient.language or settings.LANGUAGE_CODE):
        message = message_of(delivery, cache=cache)
        body = ", ".join(message.places) or message.commune
        if message.body:
            body = f"{body} · {message.body}" if body else message.body
    data = {
        "title": message.title,
        "body": body[:BODY_MAX_LENGTH],
        "url": message.link,
        "tag": f"vigie-{delivery.id}",
        "urgent": message.urgent,
    }
    return json.dumps(data, ensure_ascii=False).encode(), message.urgent


def devices_of(user_ids) -> dict[int, list[PushSubscription]]:
    """The devices of these people, by person, in one query (a batch's recipients)."""
    devices: dict[int, list[PushSubscription]] = {}
    for device in PushSubscription.objects.filter(user_id__in=list(user_ids)).order_by("id"):
        devices.setdefault(device.user_id, []).append(device)
    return devices


def devices_to_push(delivery: Delivery, context) -> list[PushSubscription]:
    """The recipient's devices that did not get this delivery yet. Receipts are only written by an
    attempt (which counts in `attempts`, read under the row lock), so a first attempt skips the query."""
    devices = context.devices_of(delivery.recipient_id)
    if delivery.attempts == 0 or not devices:
        return devices
    reached = set(PushReceipt.objects.filter(delivery_id=delivery.id).values_list("subscription_id", flat=True))
    return [device for device in devices if device.id not in reached]


def send(*, delivery, context) -> None:
    """Push to every device of the recipient not reached yet; raise if one must be retried, or if
    none was reached and none ever will be."""
    devices = devices_to_push(delivery, context)
    if not devices:
        if not context.devices_of(delivery.recipient_id) and _never_reached(delivery):
            raise PushNoDevice("no device left")
        return  # all reached before this retry: nothing left to push
    payload, urgent = payload_of(delivery, cache=context.messages)
    urgency, ttl = urgency_of(delivery, urgent)
    sender = context.push_ready()
    reached, transient, refused, removed = context.push_reached, [], [], 0
    for device in devices:
        try:
            status = sender.push(device, payload, urgency=urgency, ttl=ttl)
        except requests.RequestException as error:
            transient.append(f"{type(error).__name__}: {error}")
            continue
        if 200 <= status < 300:
            reached.append(device.id)  # recorded by the statement that settles the delivery
        elif status in (404, 410):
            PushSubscription.objects.filter(id=device.id).delete()
            removed += 1
        elif status == 429 or status >= 500:
            transient.append(f"HTTP {status}")
        else:
            refused.append(f"HTTP {status}")
    if transient:
        raise PushTransientError("; ".join(transient))
    if refused and not reached:
        raise PushPermanentError("; ".join(refused))
    if removed == len(devices) and _never_reached(delivery):
        raise PushNoDevice("every device is gone (404/410)")


def _never_reached(delivery: Delivery) -> bool:
    """No device got this delivery in an earlier attempt (a first attempt has none)."""
    return delivery.attempts == 0 or not PushReceipt.objects.filter(delivery_id=delivery.id).exists()
