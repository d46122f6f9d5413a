"""One PostgreSQL LISTEN connection per server process, fanned out to every connected live map.

A connection per browser would cost one PostgreSQL backend per agent on shift; here the process
holds one listening connection and two reading connections, each in a dedicated thread: one passes
the live events on and checks access, the other serves the streams' replays. Each
notification ('<police_service_id>:<event_id>') is read from the database once, whatever the
number of agents, and handed to the subscribers whose police services it concerns. Replays for
reconnecting browsers go through the replay thread, so fifty agents reconnecting at once cost
fifty short queries on one open connection, not fifty new connections, and the live events do not
wait behind them.

NOTIFY is only a wake-up: rows in AlertEvent are the truth. After the listening connection drops,
subscribers re-read their streams (`RESYNC`), and a periodic sweep picks up any event whose
notification never came (a row written without `alert_event_record`).

Open streams re-check their agent's access (`access`): the checks asked at the same moment (an
event reaching every agent of a service, heartbeats falling together) are answered by one batch of
queries in the same thread, not one set of queries per agent queued before the next event's read;
and the sessions of the streams in use are re-checked ahead of their need, every half re-check
period, so that an event does not wait for a query.

With MAPS_LIVE_TRACE set to a directory, each process appends to `live-<pid>.log` one line per
event when its notification arrives (N), once read (R), and per stream when written live (W) or
in a replay (P), with the wall clock: what the load test uses to split the publication's latency into its stages."""

import asyncio
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import environ
import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.db.models import Max
from psycopg.conninfo import make_conninfo

from alerts.models import AlertEvent
from delivery.events import NOTIFY_CHANNEL
from maps.live import access, selectors
from maps.live.geojson import PoliceAlertFeatureSerializer

logger = logging.getLogger(__name__)

RESYNC = object()  # queued to a subscriber when it must re-read its stream from the database
QUEUE_SIZE = 1000
REPLAY_BATCH = 500  # events per replay read
TRACE_DIRECTORY = os.environ.get("MAPS_LIVE_TRACE", "")
_trace_file = None


def trace(stage: str, event_id: int) -> None:
    """One timing line (stage, event id, wall clock) when MAPS_LIVE_TRACE names a directory."""
    global _trace_file
    if not TRACE_DIRECTORY:
        return
    if _trace_file is None:
        _trace_file = open(os.path.join(TRACE_DIRECTORY, f"live-{os.getpid()}.log"), "a", buffering=1)  # noqa: SIM115
    _trace_file.write(f"{stage} {event_id} {time.time():.6f}\n")


def database_conninfo() -> str:
    """Where the LISTEN connection goes: straight to PostgreSQL, past any transaction pooler
    (DATABASE_DIRECT_URL), since a pooled server connection is not the listener's for long."""
    db = environ.Env.db_url_config(settings.DATABASE_DIRECT_URL) if settings.DATABASE_DIRECT_URL else None
    db = db or connections["default"].settings_dict
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


def events_after(service_ids: list[int], after_id: int) -> list[tuple[int, str]]:
    events = selectors.alert_events_after(service_ids, after_id, limit=REPLAY_BATCH)
    return [(event.id, event_message(event)) for event in events]


def events_by_ids(event_ids: list[int]) -> list[tuple[int, int, str]]:
    return [
        (event.id, event.police_service_id, event_message(event)) for event in selectors.alert_events_by_ids(event_ids)
    ]


def last_event_id(service_ids: list[int]) -> int:
    return selectors.alert_event_last_id(service_ids)


def event_ids_after(after_id: int) -> list[int]:
    """Every service's events after `after_id`: what the sweep checks was notified."""
    return list(AlertEvent.objects.filter(id__gt=after_id).order_by("id").values_list("id", flat=True)[:1000])


def newest_event_id() -> int:
    return AlertEvent.objects.aggregate(last=Max("id"))["last"] or 0


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
    def __init__(self, *, conninfo: Callable[[], str] = database_conninfo, sweep_s: float | None = None):
        self._conninfo = conninfo
        self._sweep_s = sweep_s if sweep_s is not None else settings.MAPS_LIVE_HEARTBEAT_S
        self._subscribers: set[Subscription] = set()
        self._pending: set[int] = set()
        self._newest = 0  # the newest event id handed out, for the sweep
        self._tasks: dict[str, asyncio.Task] = {}
        self._listening = asyncio.Event()
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alert-events-hub")
        self._replays = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alert-events-replay")
        self._replays_lock = threading.Lock()
        self._replays_waiting: dict[tuple, asyncio.Future] = {}
        self._access_asked: dict[str, asyncio.Future] = {}
        self._access_known: dict[str, tuple[float, list[int]]] = {}  # key -> (checked at, services)
        self._access_used: dict[str, float] = {}  # key -> when a stream last asked

    async def read(self, function: Callable, *args):
        """Run an ORM read in the hub's database thread, whose connection stays open."""
        return await asyncio.get_running_loop().run_in_executor(self._database, self._read, function, args)

    async def read_for_replay(self, function: Callable, *args):
        """Run a stream's own reads (where it starts, what it missed) in the hub's second thread and
        connection: a crowd of agents connecting at once queues there, never before the reads that
        pass the live events on and the access checks. A read asked with the same (hashable)
        arguments as one still waiting for the thread shares its answer: the agents of one service
        connecting together cost one read, not one each. A read already running is never shared,
        since it may have begun before the caller subscribed."""
        key = (function, args)
        with self._replays_lock:
            future = self._replays_waiting.get(key)
            if future is None:
                future = asyncio.get_running_loop().run_in_executor(self._replays, self._replay_read, key)
                self._replays_waiting[key] = future
        return await asyncio.shield(future)

    def _replay_read(self, key: tuple):
        with self._replays_lock:  # from now on a new caller gets a read of its own
            self._replays_waiting.pop(key, None)
        function, args = key
        return self._read(function, args)

    @staticmethod
    def _read(function: Callable, args: tuple):
        try:
            return function(*args)
        except (OperationalError, InterfaceError):
            connections["default"].close()  # dropped: the next read opens a new connection
            raise

    async def access(self, session_key: str, *, max_age_s: float) -> tuple[float, list[int]]:
        """(when it was checked, on the monotonic clock; the police services the stream of this
        session may serve, as `access.stream_service_ids` says), checked at most `max_age_s` ago.
        Every check asked while the hub's thread is busy goes into the next batch: one set of
        queries for all of them."""
        self._access_used[session_key] = time.monotonic()
        if settings.MAPS_LIVE_ACCESS_RECHECK_S > 0:
            self._start("access-refresh", self._access_refresh)
        known = self._access_known.get(session_key)
        if known is not None and time.monotonic() - known[0] < max_age_s:
            return known
        future = self._access_asked.get(session_key)
        if future is None:
            future = self._access_asked[session_key] = asyncio.get_running_loop().create_future()
            self._start("access", self._access_check)
        return await asyncio.shield(future)

    async def _access_refresh(self) -> None:
        """Every half re-check period, one batch re-checks the sessions of the streams in use whose
        answer is that old: an event then finds every answer fresh and waits for no query, even
        while the database is busy with a commune-wide message. A session no stream asked about for
        two heartbeats (its stream is gone) is no longer re-checked."""
        while True:
            period = settings.MAPS_LIVE_ACCESS_RECHECK_S / 2
            await asyncio.sleep(period)
            now = time.monotonic()
            forgotten = now - 2 * settings.MAPS_LIVE_HEARTBEAT_S
            self._access_used = {key: used for key, used in self._access_used.items() if used > forgotten}
            due = [
                key
                for key in self._access_used
                if key not in self._access_asked and now - self._access_known.get(key, (-math.inf,))[0] >= period
            ]
            for key in due:
                self._access_asked[key] = asyncio.get_running_loop().create_future()
            if due:
                self._start("access", self._access_check)

    async def _access_check(self) -> None:
        while self._access_asked:
            asked, self._access_asked = self._access_asked, {}
            checked_at = time.monotonic()  # the answers hold as of the start of the queries
            try:
                answers = await self.read(access.streams_service_ids, list(asked))
            except Exception as error:
                for future in asked.values():
                    if not future.done():
                        future.set_exception(error)
                        future.exception()  # a stream gone meanwhile never retrieves it
                continue
            horizon = checked_at - settings.MAPS_LIVE_ACCESS_RECHECK_S
            self._access_known = {key: known for key, known in self._access_known.items() if known[0] > horizon}
            for key, future in asked.items():
                self._access_known[key] = (checked_at, answers.get(key, []))
                if not future.done():
                    future.set_result(self._access_known[key])

    async def subscribe(self, service_ids: Iterable[int], *, wait_s: float = 5.0) -> Subscription:
        """Register a live map; returns once LISTEN is active, so nothing committed after the
        caller's replay query can be missed."""
        subscription = Subscription(frozenset(service_ids))
        self._subscribers.add(subscription)
        self._start("listener", self._listen)
        try:
            async with asyncio.timeout(wait_s):
                await self._listening.wait()
        except TimeoutError:
            logger.warning("live maps: LISTEN not active yet, the stream relies on the sweep")
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        for executor in (self._database, self._replays):
            await asyncio.get_running_loop().run_in_executor(executor, connections.close_all)
            executor.shutdown(wait=False)

    def _start(self, name: str, coroutine_function) -> None:
        task = self._tasks.get(name)
        if task is None or task.done():
            self._tasks[name] = asyncio.create_task(coroutine_function(), name=f"alert-events-{name}")

    async def _listen(self) -> None:
        delay = 0.5
        reconnected = False
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo(), autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    if not self._newest:
                        self._newest = await self.read(newest_event_id)
                    self._listening.set()
                    self._start("sweep", self._sweep)
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

    async def _sweep(self) -> None:
        """One query per process and period, not one per agent: events newer than the newest one
        handed out that no notification announced."""
        while True:
            await asyncio.sleep(self._sweep_s)
            try:
                missed = await self.read(event_ids_after, self._newest)
            except Exception:
                logger.exception("live maps: the sweep could not read the events")
                continue
            for event_id in missed:
                if event_id not in self._pending:
                    self._pending.add(event_id)
            if missed:
                self._start("flush", self._flush)

    def _received(self, payload: str) -> None:
        try:
            _service_id, event_id = (int(part) for part in payload.split(":", 1))
        except ValueError:
            logger.warning("live maps: ignored a malformed notification %r", payload)
            return
        trace("N", event_id)
        self._pending.add(event_id)
        self._start("flush", self._flush)

    async def _flush(self) -> None:
        """Read the notified events, one query per burst, and hand each to its subscribers."""
        while self._pending:
            event_ids, self._pending = sorted(self._pending), set()
            try:
                events = await self.read(events_by_ids, event_ids)
            except Exception:
                logger.exception("live maps: could not read events %s, subscribers will re-read", event_ids)
                self._broadcast(RESYNC)
                continue
            for event_id, service_id, message in events:
                trace("R", event_id)
                self._newest = max(self._newest, event_id)
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
