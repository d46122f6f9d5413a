"""Real processes for the delivery tests: an SMTP sink that counts what it receives, Celery workers
that send to it, and the Celery client pointed at a broker that is down."""

import asyncio
import contextlib
import email
import socket
import threading
import time
from collections import Counter

from aiosmtpd.controller import Controller

from config.celery import app as celery_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """Collects the messages an SMTP client hands over; `hold_rcpt_number` makes the sink stop
    answering on that recipient (counted from 1) until released, so a test can kill the sender
    while it is in the middle of a message."""

    def __init__(self, port: int | None = None, *, hold_rcpt_number: int | None = None):
        self.port = port or free_port()
        self.messages: list[email.message.Message] = []
        self.rcpt_seen = 0
        self.hold_rcpt_number = hold_rcpt_number
        self.holding = threading.Event()
        self.released = threading.Event()
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd API
        self.rcpt_seen += 1
        if self.rcpt_seen == self.hold_rcpt_number:
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.01)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.released.set()
        with contextlib.suppress(Exception):
            self.controller.stop()

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def per_recipient(self) -> Counter:
        with self._lock:
            return Counter(message["To"] for message in self.messages)


def wait_for(predicate, *, timeout: float = 240.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def broker_at(url: str):
    """Point this process's Celery client at another broker (a dead port: Redis is down)."""
    original = celery_app.conf.broker_url

    def reset_pools():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    celery_app.conf.broker_url = url
    reset_pools()
    try:
        yield
    finally:
        celery_app.conf.broker_url = original
        reset_pools()
