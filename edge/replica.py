"""Reads that may go to a streaming replica of PostgreSQL.

When `DATABASE_REPLICA_URL` names a hot standby, the parts that only read and can live with data a
few seconds old (statistics, dashboards, exports, the public account) run their queries there, so
the primary keeps its time for what writes: posting, moderation, routing, delivery. Nothing reads
from the replica unless the code asks for it with `reads_from_replica`: a page that has just
written, or that decides something from what it reads, stays on the primary and reads its own
writes.

The replica is used only while it answers and is close enough behind the primary: a probe asks
both servers, at most once every `DATABASE_REPLICA_CHECK_S` seconds per process, how far the
standby's replayed WAL is behind the primary's, in bytes and in seconds. Past
`DATABASE_REPLICA_MAX_LAG_S`, or when the standby does not answer, reads go to the primary until a
later probe finds it usable again. Writes never go to the replica (it would refuse them anyway)."""

import contextvars
import functools
import logging
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction

logger = logging.getLogger(__name__)

REPLICA = "replica"
_wanted = contextvars.ContextVar("vigie_reads_from_replica", default=False)


@contextmanager
def _replica_reads():
    token = _wanted.set(True)
    try:
        yield
    except (OperationalError, InterfaceError):
        replica_failed()
        raise
    finally:
        _wanted.reset(token)


def reads_from_replica(function=None):
    """Decorator (or context manager, called without argument) for read-only work that may use the
    replica. Safe with threads and asyncio: the wish is held in a context variable.

    A replica that stops answering between two probes fails the reads sent to it meanwhile. The
    decorated function is then run again on the primary, once a fresh probe has left the replica
    out: it only reads, so running it twice changes nothing. The context manager cannot run its
    block again; it leaves the replica out at once, so the next read goes to the primary."""
    if function is None:
        return _replica_reads()

    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        try:
            with _replica_reads():
                return function(*args, **kwargs)
        except (OperationalError, InterfaceError):
            if not replica_failed():
                raise
        return function(*args, **kwargs)

    return wrapped


def replica_failed() -> bool:
    """After a connection error in reads that may have gone to the replica: whether the replica
    was the cause. It is probed again at once, and left out until a later probe finds it back."""
    if REPLICA not in settings.DATABASES:
        return False
    connections[REPLICA].close()
    probe.reset()
    failed = not replica_usable()
    if failed:
        logger.warning("a read failed on the read replica, which no longer answers: read again from the primary")
    return failed


class _Probe:
    """The last verdict on the replica, shared by the threads of one process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.usable = False
        self.lag_bytes: int | None = None
        self.lag_s: float | None = None

    def reset(self) -> None:
        with self.lock:
            self.checked_at = float("-inf")


probe = _Probe()


def replica_lag() -> tuple[int, float]:
    """(bytes, seconds) the replica's replayed WAL is behind the primary's current WAL. Seconds
    count only while bytes are outstanding: an idle primary with a caught-up standby is 0 behind,
    however old its last transaction."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        primary_lsn = cursor.fetchone()[0]
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            """
            SELECT pg_is_in_recovery(),
                   GREATEST(pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()), 0)::bigint,
                   COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float, 'Infinity'::float)
            """,
            [primary_lsn],
        )
        in_recovery, lag_bytes, since_last_replay = cursor.fetchone()
    if not in_recovery:
        raise DatabaseError("DATABASE_REPLICA_URL names a server that is not a standby")
    return lag_bytes, (since_last_replay if lag_bytes else 0.0)


def replica_usable() -> bool:
    """Whether reads that asked for the replica may go there now (probed at most every
    DATABASE_REPLICA_CHECK_S seconds)."""
    if REPLICA not in settings.DATABASES:
        return False
    now = time.monotonic()
    if now - probe.checked_at < settings.DATABASE_REPLICA_CHECK_S:
        return probe.usable
    with probe.lock:
        if now - probe.checked_at < settings.DATABASE_REPLICA_CHECK_S:
            return probe.usable
        try:
            probe.lag_bytes, probe.lag_s = replica_lag()
            usable = probe.lag_s <= settings.DATABASE_REPLICA_MAX_LAG_S
        except DatabaseError as exc:
            logger.warning("read replica unusable, reading from the primary: %s", exc)
            connections[REPLICA].close()
            probe.lag_bytes = probe.lag_s = None
            usable = False
        if usable != probe.usable:
            logger.info("read replica %s (lag %s s)", "back in use" if usable else "left out", probe.lag_s)
        probe.usable, probe.checked_at = usable, time.monotonic()
        return usable


class ReplicaRouter:
    """Django database router: reads to the replica where asked for and usable, all else to the
    primary. The replica is the same database, so relations across the two aliases are allowed,
    and only the primary is migrated."""

    def db_for_read(self, model, **hints):
        if _wanted.get() and replica_usable():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


def read_alias() -> str:
    """The database alias a raw read query should use now (routers see only ORM queries)."""
    return REPLICA if _wanted.get() and replica_usable() else "default"


def fetch_all(query, params) -> list[tuple]:
    """Run one raw read query where reads go now and return its rows. JIT is off: PostGIS
    declares its functions very costly, so spatial plans cross PostgreSQL's JIT thresholds, and
    compiling them took longer (1.7 s) than running them."""
    alias = read_alias()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(query, params)
        return cursor.fetchall()
