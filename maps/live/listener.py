"""One PostgreSQL LISTEN connection per server process, fanned out to every connected live map.

A connection per browser would cost one PostgreSQL backend per agent on shift; here the process
holds one listening connection, and each notification ('<police_service_id>:<event_id>') is read
from the database once (one query per burst, whatever the number of agents) and handed to the
subscribers whose police services it concerns. NOTIFY is only a wake-up: rows in AlertEvent are
the truth, and subscribers re-read them after a listener reconnection (`RESYNC`), so a dropped
listening connection loses nothing."""

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from psycopg.conninfo import make_conninfo

from alerts.events import NOTIFY_CHANNEL
from alerts.models import AlertEvent
from maps.live import selectors
from maps.live.geojson import PoliceAlertFeatureSerializer

logger = logging.getLogger(__name__)

RESYNC = object()  # queued to a subscriber when it must re-read its stream from the database
QUEUE_SIZE = 1000


def database_conninfo() -> str:
    db = connections["default"].settings_dict
    return make_conninfo(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"] or None, port=db["PORT"] or None
    )


def event_message(event: AlertEvent) -> str:
    """One Server-Sent Events message: the event id, its kind and the alert as a GeoJSON feature."""
    data = json.dumps(
        {"event": event.id, "kind": event.kind, "feature": PoliceAlertFeatureSerializer(event.alert).data},
        separators=(",", ":"),
        default=str,
    )
    return f"id: {event.id}\nevent: alert\ndata: {data}\n\n"


def database_call(function: Callable) -> Callable:
    """Run ORM reads off the event loop, and give the thread's connection back afterwards: these
    threads outlive requests, so nothing else would ever close it."""

    def call_and_close(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()
            connections["default"].close()

    return sync_to_async(call_and_close, thread_sensitive=False)


@database_call
def events_after(service_ids: list[int], after_id: int) -> list[tuple[int, str]]:
    return [(event.id, event_message(event)) for event in selectors.alert_events_after(service_ids, after_id)]


def events_by_ids(event_ids: list[int]) -> list[tuple[int, int, str]]:
    """Runs in the hub's own database thread, whose connection stays open between bursts:
    opening one per notification costs more than the query (the benchmark showed it)."""
    try:
        events = list(selectors.alert_events_by_ids(event_ids))
    except (OperationalError, InterfaceError):
        connections["default"].close()  # a dropped connection: the next burst opens a new one
        raise
    return [(event.id, event.police_service_id, event_message(event)) for event in events]


@database_call
def last_event_id(service_ids: list[int]) -> int:
    return selectors.alert_event_last_id(service_ids)


@dataclass(eq=False)
class Subscription:
    service_ids: frozenset[int]
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, item) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            # A stalled client: drop the backlog and let it re-read the database when it wakes.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)


class AlertEventHub:
    def __init__(self, conninfo: Callable[[], str] = database_conninfo):
        self._conninfo = conninfo
        self._subscribers: set[Subscription] = set()
        self._pending: set[int] = set()
        self._flushing: asyncio.Task | None = None
        self._listener: asyncio.Task | None = None
        self._listening = asyncio.Event()
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alert-events-hub")

    async def subscribe(self, service_ids: Iterable[int], *, wait_s: float = 5.0) -> Subscription:
        """Register a live map; returns once LISTEN is active, so nothing committed after the
        caller's replay query can be missed."""
        subscription = Subscription(frozenset(service_ids))
        self._subscribers.add(subscription)
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen(), name="alert-events-listener")
        try:
            async with asyncio.timeout(wait_s):
                await self._listening.wait()
        except TimeoutError:
            logger.warning("live maps: LISTEN not active yet, the stream falls back on polling")
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def close(self) -> None:
        for task in (self._listener, self._flushing):
            if task is not None:
                task.cancel()
        await asyncio.get_running_loop().run_in_executor(self._database, connections.close_all)
        self._database.shutdown(wait=False)

    async def _listen(self) -> None:
        delay = 0.5
        reconnected = False
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo(), autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._listening.set()
                    if reconnected:
                        self._broadcast(RESYNC)
                    delay = 0.5
                    async for notify in conn.notifies():
                        self._received(notify.payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live maps: the LISTEN connection failed, reconnecting in %.1f s", delay)
            self._listening.clear()
            reconnected = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    def _received(self, payload: str) -> None:
        try:
            _service_id, event_id = (int(part) for part in payload.split(":", 1))
        except ValueError:
            logger.warning("live maps: ignored a malformed notification %r", payload)
            return
        self._pending.add(event_id)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        """Read the notified events, one query per burst, and hand each to its subscribers."""
        while self._pending:
            event_ids, self._pending = sorted(self._pending), set()
            try:
                events = await asyncio.get_running_loop().run_in_executor(self._database, events_by_ids, event_ids)
            except Exception:
                logger.exception("live maps: could not read events %s, subscribers will re-read", event_ids)
                self._broadcast(RESYNC)
                continue
            for event_id, service_id, message in events:
                for subscription in list(self._subscribers):
                    if service_id in subscription.service_ids:
                        subscription.offer((event_id, message))

    def _broadcast(self, item) -> None:
        for subscription in list(self._subscribers):
            subscription.offer(item)


_hubs: dict[asyncio.AbstractEventLoop, AlertEventHub] = {}


def hub() -> AlertEventHub:
    """The hub of the running event loop (one per server process under uvicorn)."""
    loop = asyncio.get_running_loop()
    for other in [other for other in _hubs if other.is_closed()]:
        del _hubs[other]
    if loop not in _hubs:
        _hubs[loop] = AlertEventHub()
    return _hubs[loop]
