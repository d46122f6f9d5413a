"""Web Push: a notification on each device the recipient subscribed (RFC 8030), its payload
encrypted for that device (RFC 8291, aes128gcm) by http_ece, the library pywebpush encrypts with,
and signed with the site's VAPID key (RFC 8292, py-vapid). No cryptography is written here.

Each device gets a delivery once: a device the push service accepted is recorded (`PushReceipt`)
by the statement that settles the delivery, under its row lock, so a retry caused by another device skips it. A
device the push service no longer knows (404, 410) is removed. The notification opens the
delivery's message page, which marks it read.

A worker posts the pushes of the deliveries it claimed together concurrently, from an event loop
in a thread of its own (`PushSender`), over kept-alive connections to each push service
(`PUSH_CONCURRENCY` at most to each): a push spends most of its time waiting for the push service,
not encrypting. The loop never touches the database; deciding what to push and recording what
arrived stay in the worker's own thread."""

import asyncio
import atexit
import json
import os
import threading
import time
from concurrent.futures import Future
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import NamedTuple
from urllib.parse import urlsplit

import aiohttp
import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.utils import translation
from psycopg import sql
from py_vapid import Vapid02, b64urldecode, b64urlencode

from delivery.arrays import int_array
from delivery.channels.event_loop import new_event_loop
from delivery.devices import push_service_refusal
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
    """A device's push service may accept later (timeout, 429, 5xx): the delivery is retried, not
    before the longest `Retry-After` a push service asked for (seconds, or None)."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Answer(NamedTuple):
    """A push service's answer to one push: its status, and for a refusal to come back later (429,
    503) how many seconds it asked to wait (`Retry-After`, RFC 9110), if it said."""

    status: int
    retry_after: float | None = None


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds from now: a number of seconds, or an HTTP date; None if absent or
    unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


class PushPermanentError(Exception):
    """No device accepted the notification and none ever will (payload or key refused)."""


class PushDeviceUnusable(Exception):
    """The device can never be pushed to, whatever the push service: its address is not a push
    service the workers may post to (`PUSH_SERVICE_HOSTS`, saved before the list changed), or its
    key cannot be encrypted for. It is removed as a device its push service no longer knows is; the
    browser subscribes again on its next visit, and is told why it cannot."""


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


class PushSender:
    """What a process keeps from batch to batch to post pushes: an event loop in a thread of its own,
    an aiohttp session holding kept-alive connections to each push service (`PUSH_CONCURRENCY` at
    most to each), and the process's VAPID tokens. Pushes are encrypted by `encrypted` in that
    thread and posted concurrently by the loop: a push spends most of its time waiting for the
    push service. Posting threads cost more CPU than the encryption itself, in switching and in
    `http.client`'s Python; aiohttp's parser is compiled, and one loop switches between pushes
    for almost nothing (bench/RESULTS.md).

    A connection that breaks or times out fails its push only: the delivery is retried later for
    the devices that did not get it (their receipts are the ledger's), so nothing is posted twice
    here. The loop reads idle connections too, so one the push service closes is dropped from the
    pool as it closes, not found broken by the next push; aiohttp closes its own after 15 s idle."""

    def __init__(self) -> None:
        self.loop = new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="push", daemon=True)
        self._thread.start()
        self.session = asyncio.run_coroutine_threadsafe(self._session(), self.loop).result()
        self._pid = os.getpid()
        atexit.register(self.close)

    def close(self) -> None:
        """Close the connections and stop the loop; in a forked child, which inherited this exit
        handler but not the thread, there is nothing to close."""
        if os.getpid() != self._pid or not self.loop.is_running():
            return
        asyncio.run_coroutine_threadsafe(self.session.close(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)

    @staticmethod
    async def _session():
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, limit_per_host=settings.PUSH_CONCURRENCY),
            skip_auto_headers=("User-Agent",),
        )

    @staticmethod
    def authorization(endpoint: str) -> dict:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        headers, renew_at = _TOKENS.get(audience, (None, 0))
        now = time.time()
        if headers is None or now >= renew_at:
            expires = int(now) + VAPID_TOKEN_S
            headers = vapid().sign({"aud": audience, "sub": settings.VAPID_SUBJECT, "exp": expires})
            _TOKENS[audience] = (headers, expires - 3600)
        return headers

    def push_all(self, pushes: list[tuple[Device, bytes, str, int]]) -> Future:
        """Post these pushes (device, payload, urgency, TTL) together; a future of their outcomes in
        the same order: the push service's answer, or the exception that stopped the push."""
        return asyncio.run_coroutine_threadsafe(self._gather([self.push(*push) for push in pushes]), self.loop)

    @staticmethod
    async def _gather(pushes) -> list:
        return await asyncio.gather(*pushes, return_exceptions=True)

    async def push(self, subscription: Device, payload: bytes, urgency: str, ttl: int) -> Answer:
        """POST the encrypted payload (RFC 8030, aes128gcm); the push service's answer."""
        refusal = push_service_refusal(subscription.endpoint)
        if refusal:
            raise PushDeviceUnusable(refusal)
        try:
            body = encrypted(payload, p256dh=subscription.p256dh, auth=subscription.auth)
        except ValueError as error:  # saved before its key was checked as a point of the curve
            raise PushDeviceUnusable(f"unreadable key: {error}") from error
        headers = {
            **self.authorization(subscription.endpoint),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(ttl),
            "Urgency": urgency,
        }
        return await self.post(subscription.endpoint, body, headers)

    async def post(self, endpoint: str, body: bytes, headers: dict) -> Answer:
        # Connecting and each wait for the service are timed, not the wait for a free connection of
        # the pool: a group queued behind others is not a push service that hangs. A push service
        # answers itself (201); a redirect, which could lead anywhere, is not followed.
        seconds = settings.PUSH_TIMEOUT_S
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=seconds, sock_read=seconds)
        async with self.session.post(
            endpoint, data=body, headers=headers, timeout=timeout, allow_redirects=False
        ) as response:
            await response.read()
            if response.status in (429, 503):
                return Answer(response.status, retry_after_seconds(response.headers.get("Retry-After")))
            return Answer(response.status)


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


# Each person's devices by the index on their account, one person at a time (`OFFSET 0` keeps the
# LATERAL subquery from becoming a join): planned as one join, a month-old estimate of the table could
# make it a parallel scan of every device in the country for a hundred people (bench/RESULTS.md).
_DEVICES_SQL = sql.SQL(
    """
    SELECT {columns}
    FROM unnest(%s::bigint[]) AS person(id)
    CROSS JOIN LATERAL (SELECT * FROM {table} s WHERE s.user_id = person.id OFFSET 0) s
    ORDER BY s.id"""
).format(
    columns=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(name)) for name in Device._fields),
    table=sql.Identifier(PushSubscription._meta.db_table),
)


def devices_of(user_ids) -> dict[int, list[Device]]:
    """The devices of these people, by person, in one query (a batch's recipients)."""
    devices: dict[int, list[Device]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_DEVICES_SQL, [int_array(user_ids)])
        for device in map(Device._make, cursor.fetchall()):
            devices.setdefault(device.user_id, []).append(device)
    return devices


_senders: dict[int, PushSender] = {}
_senders_lock = threading.Lock()


def sender() -> PushSender:
    """The process's sender, made on first use in each process (never across a fork)."""
    with _senders_lock:
        found = _senders.get(os.getpid())
        if found is None:
            found = _senders[os.getpid()] = PushSender()
        return found


def devices_to_push(delivery: Delivery, context) -> list[Device]:
    """The recipient's devices that did not get this delivery yet. Receipts are only written by an
    attempt (which counts in `attempts`, read under the row lock), so a first attempt skips the query."""
    devices = context.devices_of(delivery.recipient_id)
    if delivery.attempts == 0 or not devices:
        return devices
    reached = set(PushReceipt.objects.filter(delivery_id=delivery.id).values_list("subscription_id", flat=True))
    return [device for device in devices if device.id not in reached]


def start(*, deliveries, context) -> None:
    """Start posting to every device of these deliveries' recipients not reached yet, all together
    in the process's sender; `send` waits for each delivery's answers. A worker starts the pushes of
    the deliveries it claimed together before waiting for any."""
    pushes: list[tuple[Device, bytes, str, int]] = []
    spans = []
    for delivery in deliveries:
        devices = devices_to_push(delivery, context)
        if devices:
            try:
                payload, urgent = payload_of(delivery, cache=context.messages)
            except ObjectDoesNotExist as error:
                # What the message tells of is gone (a neighbour's request deleted with its
                # author's account): this delivery fails, not the group it was claimed with.
                context.push_started[delivery.id] = error
                continue
            urgency, ttl = urgency_of(delivery, urgent)
            pushes.extend((device, payload, urgency, ttl) for device in devices)
        spans.append((delivery.id, devices, len(pushes) - len(devices)))
    outcomes = sender().push_all(pushes) if pushes else None
    for delivery_id, devices, offset in spans:
        context.push_started[delivery_id] = (devices, outcomes, offset)


def send(*, delivery, context) -> None:
    """Push to every device of the recipient not reached yet (or wait for the pushes `start`
    began); raise if one must be retried, or if none was reached and none ever will be."""
    if delivery.id not in context.push_started:
        start(deliveries=[delivery], context=context)
    started = context.push_started.pop(delivery.id)
    if isinstance(started, Exception):
        raise started
    devices, outcomes, offset = started
    if not devices:
        if not context.devices_of(delivery.recipient_id) and _never_reached(delivery):
            raise PushNoDevice("no device left")
        return  # all reached before this retry: nothing left to push
    reached, transient, refused, removed, waits = context.push_reached, [], [], 0, []
    for device, answer in zip(devices, outcomes.result()[offset : offset + len(devices)], strict=True):
        if isinstance(answer, PushDeviceUnusable) or (isinstance(answer, Answer) and answer.status in (404, 410)):
            PushSubscription.objects.filter(id=device.id).delete()
            removed += 1
        elif isinstance(answer, BaseException):  # a broken connection, a timeout, anything else: retried
            transient.append(f"{type(answer).__name__}: {answer}")
        elif 200 <= answer.status < 300:
            reached.append(device.id)  # recorded by the statement that settles the delivery
        elif answer.status == 429 or answer.status >= 500:
            transient.append(f"HTTP {answer.status}")
            if answer.retry_after is not None:
                waits.append(answer.retry_after)
        else:
            refused.append(f"HTTP {answer.status}")
    if transient:
        raise PushTransientError("; ".join(transient), retry_after=max(waits, default=None))
    if refused and not reached:
        raise PushPermanentError("; ".join(refused))
    if removed == len(devices) and _never_reached(delivery):
        raise PushNoDevice("every device is gone (404/410) or unusable")


def _never_reached(delivery: Delivery) -> bool:
    """No device got this delivery in an earlier attempt (a first attempt has none)."""
    return delivery.attempts == 0 or not PushReceipt.objects.filter(delivery_id=delivery.id).exists()
