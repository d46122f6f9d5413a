"""Web Push: a notification on each device the recipient subscribed (RFC 8030), its payload
encrypted for that device (RFC 8291, aes128gcm) by http_ece, the library pywebpush encrypts with,
and signed with the site's VAPID key (RFC 8292, py-vapid). No cryptography is written here.

Each device gets a delivery once: a device the push service accepted is recorded (`PushReceipt`)
by the statement that settles the delivery, under its row lock, so a retry caused by another device skips it. A
device the push service no longer knows (404, 410) is removed. The notification opens the
delivery's message page, which marks it read.

A worker posts the pushes of the deliveries it holds concurrently, from a small pool of threads
(`PUSH_CONCURRENCY`), each with its own kept-alive connection to each push service: a push spends
most of its time waiting for the push service, not encrypting. The threads never touch the
database; deciding what to push and recording what arrived stay in the worker's own thread."""

import http.client
import json
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple
from urllib.parse import urlsplit

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import translation
from py_vapid import Vapid02, b64urldecode, b64urlencode

from delivery.messages import delivery_link, message_of
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


class Device(NamedTuple):
    """What a push needs of a `PushSubscription`, read as a plain tuple: a model instance per
    device of a batch is Python work no push needs (bench/RESULTS.md)."""

    id: int
    user_id: int
    endpoint: str
    p256dh: str
    auth: str


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


# VAPID tokens by push service (audience), shared by the batches a worker process sends: signed once
# per push service and renewed an hour before they expire, not once per batch or per push.
_TOKENS: dict[str, tuple[dict, float]] = {}
# What a push over a broken or timed-out connection raises: the delivery is retried.
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)
# A kept-alive connection the push service closed while idle fails before any answer: sent again
# once on a new connection (the service never read it, so nothing can arrive twice).
_STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


@dataclass
class PushSender:
    """What one posting thread keeps from batch to batch: a kept-alive HTTP connection to each push
    service, and the process's VAPID tokens. The payload is encrypted by `encrypted` and posted with
    `http.client`: requests and urllib3 cost more per push than the encryption (bench/RESULTS.md)."""

    connections: dict = field(default_factory=dict)

    def authorization(self, endpoint: str) -> dict:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        headers, renew_at = _TOKENS.get(audience, (None, 0))
        now = time.time()
        if headers is None or now >= renew_at:
            expires = int(now) + VAPID_TOKEN_S
            headers = vapid().sign({"aud": audience, "sub": settings.VAPID_SUBJECT, "exp": expires})
            _TOKENS[audience] = (headers, expires - 3600)
        return headers

    def push(self, subscription: Device, payload: bytes, *, urgency: str, ttl: int) -> int:
        """POST the encrypted payload (RFC 8030, aes128gcm); the push service's status code."""
        body = encrypted(payload, p256dh=subscription.p256dh, auth=subscription.auth)
        headers = {
            **self.authorization(subscription.endpoint),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(ttl),
            "Urgency": urgency,
        }
        return self.post(subscription.endpoint, body, headers)

    def post(self, endpoint: str, body: bytes, headers: dict) -> int:
        parts = urlsplit(endpoint)
        path = f"{parts.path or '/'}?{parts.query}" if parts.query else parts.path or "/"
        reused = parts.netloc in self.connections
        connection = self._connection(parts)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except _STALE_CONNECTION:
            self._drop(parts.netloc)
            if not reused:
                raise
            return self.post(endpoint, body, headers)
        except TRANSPORT_ERRORS:
            self._drop(parts.netloc)
            raise
        if response.will_close:
            self._drop(parts.netloc)
        return response.status

    def _connection(self, parts) -> http.client.HTTPConnection:
        connection = self.connections.get(parts.netloc)
        if connection is None:
            kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            connection = kind(parts.hostname, parts.port, timeout=settings.PUSH_TIMEOUT_S)
            self.connections[parts.netloc] = connection
        return connection

    def _drop(self, netloc: str) -> None:
        connection = self.connections.pop(netloc, None)
        if connection is not None:
            connection.close()

    def close(self) -> None:
        for netloc in list(self.connections):
            self._drop(netloc)


def encrypted(payload: bytes, *, p256dh: str, auth: str) -> bytes:
    """The aes128gcm body (RFC 8291) of `payload` for the device with these keys, under a new
    ephemeral key as the RFC requires: the call pywebpush's `WebPusher.encode` makes, without the
    copy of the subscription and the headers it builds around it for every push."""
    return http_ece.encrypt(
        payload,
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=b64urldecode(p256dh.encode()),
        auth_secret=b64urldecode(auth.encode()),
        version="aes128gcm",
    )


def urgency_of(delivery: Delivery, urgent: bool) -> tuple[str, int]:
    if urgent:
        return URGENT
    # A neighbourhood's mutual help may be a check-on during a heatwave: it should not wait for the
    # phone to leave battery saving, as a one-person notice may.
    if delivery.kind in (Delivery.Kind.ALERT, Delivery.Kind.BROADCAST, Delivery.Kind.SOLIDARITY):
        return NORMAL
    return LOW


def payload_of(delivery: Delivery, *, cache: dict | None = None) -> tuple[bytes, bool]:
    """The notification as the service worker shows it, in the recipient's language. What every
    recipient of a message in one language shares is built once per batch (`cache`); each
    delivery adds its own link and tag."""
    language = delivery.recipient.language or settings.LANGUAGE_CODE
    key = ("push", delivery.kind, delivery.alert_id, delivery.broadcast_id, delivery.notice_id, language)
    shared = cache.get(key) if cache is not None else None
    if shared is None:
        with translation.override(language):
            message = message_of(delivery, cache=cache)
            body = ", ".join(message.places) or message.commune
            if message.body:
                body = f"{body} · {message.body}" if body else message.body
        shared = (message.title, body[:BODY_MAX_LENGTH], message.page, message.urgent)
        if cache is not None:
            cache[key] = shared
    title, body, page, urgent = shared
    data = {
        "title": title,
        "body": body,
        "url": page or delivery_link(delivery),
        "tag": f"vigie-{delivery.id}",
        "urgent": urgent,
    }
    return json.dumps(data, ensure_ascii=False).encode(), urgent


def devices_of(user_ids) -> dict[int, list[Device]]:
    """The devices of these people, by person, in one query (a batch's recipients)."""
    devices: dict[int, list[Device]] = {}
    rows = PushSubscription.objects.filter(user_id__in=list(user_ids)).order_by("id").values_list(*Device._fields)
    for device in map(Device._make, rows):
        devices.setdefault(device.user_id, []).append(device)
    return devices


_local = threading.local()
_pool_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}


def _thread_sender() -> PushSender:
    """The calling thread's sender: its connections stay open from one batch to the next."""
    sender = getattr(_local, "sender", None)
    if sender is None:
        sender = _local.sender = PushSender()
    return sender


def _pool() -> ThreadPoolExecutor:
    """The threads that post pushes, made on first use in each process (never across a fork)."""
    with _pool_lock:
        pool = _pools.get(os.getpid())
        if pool is None:
            pool = _pools[os.getpid()] = ThreadPoolExecutor(settings.PUSH_CONCURRENCY, thread_name_prefix="push")
        return pool


def _push(subscription: Device, payload: bytes, urgency: str, ttl: int) -> int:
    return _thread_sender().push(subscription, payload, urgency=urgency, ttl=ttl)


def devices_to_push(delivery: Delivery, context) -> list[Device]:
    """The recipient's devices that did not get this delivery yet. Receipts are only written by an
    attempt (which counts in `attempts`, read under the row lock), so a first attempt skips the query."""
    devices = context.devices_of(delivery.recipient_id)
    if delivery.attempts == 0 or not devices:
        return devices
    reached = set(PushReceipt.objects.filter(delivery_id=delivery.id).values_list("subscription_id", flat=True))
    return [device for device in devices if device.id not in reached]


def start(*, delivery, context) -> None:
    """Start posting to every device of the recipient not reached yet, in the pool's threads;
    `send` waits for the answers. A worker starts the pushes of several claimed deliveries before
    waiting for any."""
    devices = devices_to_push(delivery, context)
    pushes: list[Future] = []
    if devices:
        payload, urgent = payload_of(delivery, cache=context.messages)
        urgency, ttl = urgency_of(delivery, urgent)
        pushes = [_pool().submit(_push, device, payload, urgency, ttl) for device in devices]
    context.push_started[delivery.id] = (devices, pushes)


def send(*, delivery, context) -> None:
    """Push to every device of the recipient not reached yet (or wait for the pushes `start`
    began); raise if one must be retried, or if none was reached and none ever will be."""
    if delivery.id not in context.push_started:
        start(delivery=delivery, context=context)
    devices, pushes = context.push_started.pop(delivery.id)
    if not devices:
        if not context.devices_of(delivery.recipient_id) and _never_reached(delivery):
            raise PushNoDevice("no device left")
        return  # all reached before this retry: nothing left to push
    reached, transient, refused, removed = context.push_reached, [], [], 0
    for device, push in zip(devices, pushes, strict=True):
        try:
            status = push.result()
        except Exception as error:  # noqa: BLE001 - a broken connection, or anything else: retried
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
