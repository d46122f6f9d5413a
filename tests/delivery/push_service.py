"""A Web Push service on the loopback interface, for the tests and the benchmark: it accepts RFC 8030
requests, checks the VAPID token (RFC 8292) against the key the device subscribed with, decrypts
the payload (RFC 8291, aes128gcm) with the device's own private key, and records what it received.

Each device is a real key pair and authentication secret, as a browser makes them; `device()` gives
the subscription (`PushSubscription.toJSON()`) a browser would send to the site. `answer` makes the
service reply with another status for one device (410 once it is gone, 500 for a failure).

`PushServicePool` is the same service for the benchmark: several processes on one port
(SO_REUSEPORT), so the service is not what limits the senders. During the timed run they check each
request as a push service does (device known, VAPID token signed by the subscription's key, for this
origin, not expired; a token already verified is not verified again, as real services cache it)
and keep the body; every body is decrypted afterwards with its device's key."""

import asyncio
import base64
import contextlib
import json
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import http_ece
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02, b64urldecode, b64urlencode

from delivery.channels.event_loop import new_event_loop
from tests.delivery.processes import free_port


def vapid_private_key() -> str:
    """A fresh VAPID private key, as scripts/vapid-keys.sh writes it into .env."""
    vapid = Vapid02()
    vapid.generate_keys()
    return b64urlencode(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))


def vapid_public_key(private_key: str) -> str:
    raw = Vapid02.from_string(private_key).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64urlencode(raw)


@dataclass
class Device:
    token: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    answers: list = field(
        default_factory=list
    )  # statuses (a hang, a drop, work meanwhile) to give, in order, before 201


@dataclass
class Received:
    token: str
    payload: dict
    urgency: str
    ttl: int
    claims: dict


class PushService:
    def __init__(self, *, application_server_key: str, decrypt_later: bool = False):
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.application_server_key = application_server_key
        self.decrypt_later = decrypt_later
        self.devices: dict[str, Device] = {}
        self.received: list[Received] = []
        self.raw: list[tuple[str, bytes, dict]] = []
        self.refused: list[str] = []  # requests refused: bad token, unknown device, undecryptable
        self.answered: Counter = Counter()
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.accepted_at: list[float] = []  # time.monotonic() of each accepted push, for latencies
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    # -- devices, as a browser makes them
    def device(self) -> dict:
        token = base64.urlsafe_b64encode(os.urandom(12)).decode().rstrip("=")
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth_secret = os.urandom(16)
        public = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.devices[token] = Device(token=token, private_key=private_key, auth_secret=auth_secret)
        return {
            "endpoint": f"{self.origin}/push/{token}",
            "keys": {"p256dh": b64urlencode(public), "auth": b64urlencode(auth_secret)},
        }

    def answer(self, endpoint: str, *statuses: int) -> None:
        self.devices[endpoint.rsplit("/", 1)[1]].answers.extend(statuses)

    def hang(self, endpoint: str, seconds: float) -> None:
        """The next push to this device gets no answer for `seconds`, then a 503: the sender has
        given up before, and nothing was accepted."""
        self.devices[endpoint.rsplit("/", 1)[1]].answers.append(("hang", seconds))

    def later(self, endpoint: str, status: int, retry_after: str) -> None:
        """The next push to this device is refused with this status (429, 503) and `Retry-After`."""
        self.devices[endpoint.rsplit("/", 1)[1]].answers.append(("later", status, retry_after))

    def meanwhile(self, endpoint: str, work) -> None:
        """The next push to this device runs `work` (in a thread of its own) before it is accepted:
        something the site does while that push is in flight."""
        self.devices[endpoint.rsplit("/", 1)[1]].answers.append(("meanwhile", work))

    def drop(self, endpoint: str) -> None:
        """The next push to this device has its connection closed, unanswered and not accepted."""
        self.devices[endpoint.rsplit("/", 1)[1]].answers.append("drop")

    # -- what arrived
    def count(self) -> int:
        with self._lock:
            return len(self.received) + len(self.raw)

    def per_device(self) -> Counter:
        with self._lock:
            return Counter(item.token for item in self.received)

    def endpoint_of(self, token: str) -> str:
        return f"{self.origin}/push/{token}"

    def decrypt_all(self) -> None:
        """Decrypt what was kept encrypted during a timed run; a payload that fails is refused."""
        with self._lock:
            raw, self.raw = self.raw, []
        for token, body, headers in raw:
            self._accept(token, body, headers)

    # -- the server
    def _check(self, request: web.Request) -> tuple[str, dict]:
        """The device token and the VAPID claims; ValueError when the request is not acceptable."""
        token = request.match_info["token"]
        if token not in self.devices:
            raise ValueError("unknown device")
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("vapid "):
            raise ValueError("no VAPID authorization")
        parts = dict(part.split("=", 1) for part in authorization[len("vapid ") :].split(","))
        if parts.get("k") != self.application_server_key:
            raise ValueError("signed with another key than the subscription's")
        if not self._vapid_verified(authorization):
            raise ValueError("bad VAPID signature")
        claims = json.loads(b64urldecode(parts["t"].split(".")[1].encode()))
        if claims.get("aud") != self.origin or claims.get("exp", 0) <= time.time() or not claims.get("sub"):
            raise ValueError(f"bad VAPID claims {claims}")
        if request.headers.get("Content-Encoding") != "aes128gcm" or "TTL" not in request.headers:
            raise ValueError("not an RFC 8291 aes128gcm request with a TTL")
        return token, claims

    def _accept(self, token: str, body: bytes, headers: dict) -> None:
        device = self.devices[token]
        try:
            clear = http_ece.decrypt(
                body, private_key=device.private_key, auth_secret=device.auth_secret, version="aes128gcm"
            )
            payload = json.loads(clear)
        except Exception as error:  # noqa: BLE001 - whatever fails, the push is refused and recorded
            with self._lock:
                self.refused.append(f"{token}: {type(error).__name__}: {error}")
            return
        item = Received(
            token=token,
            payload=payload,
            urgency=headers.get("Urgency", "normal"),
            ttl=int(headers["TTL"]),
            claims=headers["claims"],
        )
        with self._lock:
            self.received.append(item)

    def _vapid_verified(self, authorization: str) -> bool:
        return Vapid02.verify(authorization)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            token, claims = self._check(request)
        except ValueError as error:
            with self._lock:
                self.refused.append(str(error))
            return web.Response(status=401 if "VAPID" in str(error) else 404, text=str(error))
        device = self.devices[token]
        if device.answers and isinstance(device.answers[0], tuple) and device.answers[0][0] == "meanwhile":
            await asyncio.get_running_loop().run_in_executor(None, device.answers.pop(0)[1])
        elif device.answers:
            status, headers = device.answers.pop(0), {}
            if status == "drop":
                request.transport.close()
                status = 503
            elif isinstance(status, tuple) and status[0] == "later":
                status, headers = status[1], {"Retry-After": status[2]}
            elif isinstance(status, tuple):
                await asyncio.sleep(status[1])
                status = 503
            with self._lock:
                self.answered[status] += 1
            return web.Response(status=status, headers=headers)
        headers = {
            "Urgency": request.headers.get("Urgency", "normal"),
            "TTL": request.headers["TTL"],
            "claims": claims,
        }
        now = time.monotonic()
        with self._lock:
            self.first_at = self.first_at or now
            self.last_at = now
            self.accepted_at.append(now)
        if self.decrypt_later:
            with self._lock:
                self.raw.append((token, body, headers))
        else:
            self._accept(token, body, headers)
        return web.Response(status=201, headers={"Location": f"{self.origin}/message/{token}"})

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/push/{token}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> "PushService":
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise RuntimeError("the push service did not start")
        return self

    def stop(self) -> None:
        if not self._ready.is_set():
            return
        future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        with contextlib.suppress(Exception):
            future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


class PushServicePool(PushService):
    """The push service as `processes` forked processes sharing one port. Devices are made before
    `start()` (the processes inherit them); `collect()` brings back what they kept, then
    `decrypt_all()` decrypts it here."""

    def __init__(self, *, application_server_key: str, processes: int = 2):
        super().__init__(application_server_key=application_server_key, decrypt_later=True)
        self.processes = processes
        self._children: list[tuple[multiprocessing.Process, object]] = []
        self._counters: list = []
        self._verified: set[str] = set()

    def start(self) -> "PushServicePool":
        context = multiprocessing.get_context("fork")
        for _ in range(self.processes):
            parent_end, child_end = context.Pipe()
            counter = context.RawValue("i", 0)
            child = context.Process(target=self._serve, args=(child_end, counter), daemon=True)
            child.start()
            self._children.append((child, parent_end))
            self._counters.append(counter)
        for _, pipe in self._children:
            if not pipe.poll(30) or pipe.recv() != "ready":
                raise RuntimeError("the push service did not start")
        return self

    def count(self) -> int:
        return sum(counter.value for counter in self._counters)

    def pids(self) -> list[int]:
        return [child.pid for child, _ in self._children]

    def collect(self) -> None:
        """Bring back the requests the processes kept (their counts go back to zero)."""
        for _, pipe in self._children:
            pipe.send("collect")
        for counter, (_, pipe) in zip(self._counters, self._children, strict=True):
            raw, accepted_at, refused = pipe.recv()
            counter.value = 0
            self.raw.extend(raw)
            self.accepted_at.extend(accepted_at)
            self.refused.extend(refused)

    def stop(self) -> None:
        for child, pipe in self._children:
            with contextlib.suppress(OSError):
                pipe.send("stop")
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
        self._children = []

    def _vapid_verified(self, authorization: str) -> bool:
        if authorization in self._verified:
            return True  # the expiry and audience are still checked on every request
        if not Vapid02.verify(authorization):
            return False
        self._verified.add(authorization)
        return True

    def _serve(self, pipe, counter) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the benchmark, which stops us
        # uvloop's loop, as a push service of its own would run: its CPU is the benchmark machine's.
        self._loop = new_event_loop()
        self.raw, self.accepted_at, self.refused = [], [], []
        self._count = counter

        async def serve() -> None:
            app = web.Application()
            app.router.add_post("/push/{token}", self._handle)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.port, reuse_port=True).start()
            pipe.send("ready")
            while True:
                await self._loop.run_in_executor(None, pipe.poll, None)
                order = pipe.recv()
                pipe.send((self.raw, self.accepted_at, self.refused))
                self.raw, self.accepted_at, self.refused = [], [], []
                if order == "stop":
                    break
            await runner.cleanup()

        self._loop.run_until_complete(serve())

    async def _handle(self, request: web.Request) -> web.Response:
        response = await super()._handle(request)
        if response.status == 201:
            self._count.value += 1
        return response
