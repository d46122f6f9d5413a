"""Chaos runs with real processes: what was sent, what was lost, what was duplicated.

    .venv/bin/python bench/chaos.py [--residents 800] [--repeats 2] [--scenarios worker,redis,reimport]

- worker: two Celery workers send one alert's emails to a local SMTP server (aiosmtpd, in this
  process); once a fifth of them arrived, one worker's whole process group is killed (SIGKILL)
  and a fresh worker is started.
- redis: a town hall message to the whole commune; once a fifth of the emails arrived, the Redis
  server is killed (SIGKILL, no persistence: every queued task is gone) and started again on the
  same port.
- reimport: alerts are published and routed one after another in this process while another
  process re-imports the commune's neighbourhoods (`manage.py import_zones --replace --commit`),
  alternating two layouts. Each alert must reach every verified resident of the neighbourhoods it
  was routed to, whichever version was in force, and every routing record must survive.

Delivery is at least once and made exactly once per recipient by the rows' state: what these runs
count is whether a fault loses a message or sends one twice. The sweep that Celery beat runs every
minute (re-queue pending deliveries older than ALERTS_DELIVERY_SWEEP_AFTER_S) is called here every
few seconds, with that delay set to 5 s, so a run takes seconds rather than minutes.

Uses its own database (vigie_bench_chaos) and its own Redis server, started here on a free port
(`redis-server`, no persistence): the shared Redis is never restarted. PostgreSQL is not restarted:
the machine's server is shared, and this run does not start a private one."""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("BENCH_DB", "vigie_bench_chaos")

from aiosmtpd.controller import Controller  # noqa: E402 - BENCH_DB first
from email_throughput import start_workers  # noqa: E402
from routing_setup import BASE_DIR, BENCH_ENV, bench_database_ready, machine, town_with_residents  # noqa: E402

SWEEP_AFTER_S = 5
SWEEP_EVERY_S = 3.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    """Counts the emails each recipient received."""

    def __init__(self):
        self.per_recipient: Counter = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        with self.lock:
            for address in envelope.rcpt_tos:
                self.per_recipient[address.lower()] += 1
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return sum(self.per_recipient.values())


class PrivateRedis:
    """A redis-server of our own, without persistence, so it can be killed and restarted."""

    def __init__(self):
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="vigie-chaos-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        argv = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        argv += ["--dir", self.directory]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, start_new_session=True)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return self
            time.sleep(0.05)
        raise SystemExit("private redis did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)

    def restart(self) -> None:
        self.kill()
        self.start()


def wait_until(predicate, *, timeout: float, what: str, every=None) -> None:
    """Poll until true; `every` runs between polls (the sweep). Fails loudly on timeout."""
    deadline = time.monotonic() + timeout
    last_every = time.monotonic()
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        if every is not None and time.monotonic() - last_every > SWEEP_EVERY_S:
            every()
            last_every = time.monotonic()
        time.sleep(0.05)


def wait_workers(names: list[str]) -> None:
    from config.celery import app as celery_app

    def answering() -> bool:
        try:
            return len(celery_app.control.ping(destination=names, timeout=1)) == len(names)
        except Exception:  # noqa: BLE001 - this process's broker connection died with the last Redis restart
            return False

    wait_until(answering, timeout=600, what="workers to answer ping")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)


def sweep() -> None:
    from delivery.tasks import deliveries_sweep

    with contextlib.suppress(Exception):  # the broker may be down for a moment: the next sweep will do
        deliveries_sweep()


def email_outcome(sink: Sink, *, expected: set[str]) -> dict:
    received = sink.per_recipient
    return {
        "expected": len(expected),
        "sent": sum(received.values()),
        "lost": len([r for r in expected if received[r] == 0]),
        "duplicated": sum(n - 1 for n in received.values() if n > 1),
        "strangers": len(set(received) - expected),
    }


def resident_emails(commune, *, with_police: bool = False) -> set[str]:
    """The verified residents of the commune, and its police agents when the message is an alert."""
    from accounts.models import Residence, Role

    residents = Residence.objects.filter(commune=commune, status="verified").values_list("user__email", flat=True)
    agents = Role.objects.filter(kind=Role.Kind.POLICE_AGENT, police_service__communes=commune)
    emails = {*residents, *(agents.values_list("user__email", flat=True) if with_police else [])}
    return {email.lower() for email in emails}


def all_sent(**filters) -> bool:
    from delivery.models import Delivery

    deliveries = Delivery.objects.filter(**filters)
    return deliveries.exists() and not deliveries.filter(status=Delivery.Status.PENDING).exists()


@contextlib.contextmanager
def email_rig(residents: int):
    """A town of `residents`, an SMTP sink and two workers sending to it; yields (commune, sink, workers,
    smtp_port), workers being a list the caller may add to; everything is stopped on the way out."""
    sink, smtp_port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    commune = town_with_residents(residents)
    workers = start_workers(2, smtp_port)
    try:
        wait_workers(["bench0@localhost", "bench1@localhost"])
        yield commune, sink, workers, smtp_port
    finally:
        stop(workers)
        controller.stop()


def run_worker_killed(residents: int) -> dict:
    from routing_setup import published_alert

    from delivery.routing import alert_route

    with email_rig(residents) as (commune, sink, workers, smtp_port):
        alert = published_alert(commune)
        alert_route(alert_id=alert.id)
        wait_until(lambda: sink.count() >= residents // 5, timeout=600, what="a fifth of the emails")
        os.killpg(workers[0].pid, signal.SIGKILL)
        killed_at = sink.count()
        workers += start_workers(1, smtp_port, first=2)
        wait_until(lambda: all_sent(alert=alert), timeout=900, what="every delivery sent", every=sweep)
        return {**email_outcome(sink, expected=resident_emails(commune, with_police=True)), "fault_after": killed_at}


def run_redis_restarted(residents: int, redis: PrivateRedis) -> dict:
    from accounts.models import User
    from delivery.broadcasts import broadcast_send
    from delivery.models import Broadcast

    with email_rig(residents) as (commune, sink, _workers, _port):
        broadcast = broadcast_send(
            author=User.objects.filter(email__startswith="bench-").order_by("-id").first(),
            commune=commune,
            kind=Broadcast.Kind.INFORMATION,
            title="Coupure d'eau",
            body="Coupure d'eau demain matin.",
            target=Broadcast.Target.COMMUNE,
            whole_commune_confirmed=True,
        )
        wait_until(lambda: sink.count() >= residents // 5, timeout=600, what="a fifth of the emails")
        restarted_at = sink.count()
        redis.restart()
        wait_until(lambda: all_sent(broadcast=broadcast), timeout=900, what="every delivery sent", every=sweep)
        return {**email_outcome(sink, expected=resident_emails(commune)), "fault_after": restarted_at}


def layouts(directory: Path) -> list[str]:
    """Two neighbourhood layouts of Benchville (lon 4.60-4.63, lat 43.80-43.82): one whole, two halves."""
    import geopandas as gpd
    from shapely.geometry import box

    paths = []
    for index, cells in enumerate(
        [
            [("Centre", box(4.60, 43.80, 4.63, 43.82))],
            [("Ouest", box(4.60, 43.80, 4.615, 43.82)), ("Est", box(4.615, 43.80, 4.63, 43.82))],
        ]
    ):
        path = directory / f"layout{index}.geojson"
        frame = gpd.GeoDataFrame({"name": [n for n, _g in cells]}, geometry=[g for _n, g in cells], crs=4326)
        frame.to_file(path, engine="pyogrio")
        paths.append(str(path))
    return paths


def reimport(path: str) -> int:
    """`manage.py import_zones --replace --commit` of one layout, in a process of its own as an operator
    would run it; returns its exit status."""
    argv = [sys.executable, "manage.py", "import_zones", path, "--commune", "99999", "--kind", "neighbourhood"]
    argv += ["--name-field", "name", "--replace", "--commit"]
    env = {**os.environ, **BENCH_ENV}
    return subprocess.run(argv, cwd=BASE_DIR, env=env, capture_output=True, check=False).returncode  # noqa: S603


def reimports(paths: list[str], count: int, done: threading.Event, log: list) -> None:
    """Re-import the layouts in turn."""
    for index in range(count):
        log.append(reimport(paths[(index + 1) % len(paths)]))
    done.set()


# Who should have been told of each alert: verified residents (not the author) whose home is covered
# by one of the neighbourhood versions it was routed to, as those boundaries read at routing; then
# how many of them got nothing, how many residents were told without being expected, and how many
# deliveries repeat an (alert, recipient) pair.
_OUTCOME_SQL = """
    WITH expected AS (
        SELECT DISTINCT rz.alert_id, res.user_id
        FROM alerts_routedzone rz JOIN zones_zone z ON z.id = rz.zone_id AND z.kind = 'neighbourhood'
        JOIN accounts_residence res
          ON res.status = 'verified' AND res.home && z.boundary AND ST_Covers(z.boundary, res.home)
        WHERE rz.alert_id = ANY(%(alerts)s)
    ),
    told AS (
        SELECT d.alert_id, d.recipient_id AS user_id FROM alerts_delivery d
        WHERE d.kind = 'alert' AND d.alert_id = ANY(%(alerts)s)
          AND EXISTS (SELECT 1 FROM accounts_residence res WHERE res.user_id = d.recipient_id)
    )
    SELECT (SELECT count(*) FROM expected),
           (SELECT count(*) FROM told),
           (SELECT count(*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM told) missing),
           (SELECT count(*) FROM (SELECT * FROM told EXCEPT SELECT * FROM expected) extra),
           (SELECT count(*) - count(DISTINCT (alert_id, user_id)) FROM told)
"""


def run_reimport_while_publishing(residents: int, imports: int) -> dict:
    from django.db import connection
    from routing_setup import published_alert

    from delivery.models import RoutedZone
    from delivery.routing import alert_route
    from zones.models import Zone

    commune = town_with_residents(residents)
    directory = Path(tempfile.mkdtemp(prefix="vigie-chaos-zones-"))
    paths = layouts(directory)
    if reimport(paths[0]) != 0:
        raise SystemExit("the first import failed")
    done, log = threading.Event(), []
    importer = threading.Thread(target=reimports, args=(paths, imports, done, log))
    importer.start()
    alert_ids, routed_records = [], 0
    while not done.is_set():
        # West, on the border of the two halves, east: every layout and the border rule get their turn.
        alert = published_alert(commune, lon=(4.607, 4.615, 4.622)[len(alert_ids) % 3])
        alert_route(alert_id=alert.id)
        alert_ids.append(alert.id)
        routed_records += RoutedZone.objects.filter(alert=alert).count()
    importer.join()
    with connection.cursor() as cursor:
        cursor.execute(_OUTCOME_SQL, {"alerts": alert_ids})
        expected, sent, lost, strangers, duplicated = cursor.fetchone()
    return {
        "alerts": len(alert_ids),
        "imports": len(log),
        "imports_failed": sum(1 for code in log if code != 0),
        "expected": expected,
        "sent": sent,
        "lost": lost,
        "duplicated": duplicated,
        "strangers": strangers,
        "routing_records_lost": routed_records - RoutedZone.objects.filter(alert_id__in=alert_ids).count(),
        "versions": Zone.objects.filter(commune=commune, kind="neighbourhood").count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=800)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--imports", type=int, default=6)
    parser.add_argument("--scenarios", default="worker,redis,reimport")
    args = parser.parse_args()
    redis = PrivateRedis().start()
    os.environ.update({"REDIS_URL": redis.url, "CELERY_BROKER_URL": redis.url})
    BENCH_ENV.update({"REDIS_URL": redis.url, "CELERY_BROKER_URL": redis.url, "LOG_LEVEL": "ERROR"})
    os.environ["ALERTS_DELIVERY_SWEEP_AFTER_S"] = str(SWEEP_AFTER_S)
    try:
        bench_database_ready()
        print(f"machine: {machine()}, load average {os.getloadavg()[0]:.1f} at start")
        scenarios = args.scenarios.split(",")
        for run in range(1, args.repeats + 1):
            if "worker" in scenarios:
                print(f"worker killed mid-batch, run {run}: {run_worker_killed(args.residents)}", flush=True)
            if "redis" in scenarios:
                print(f"redis restarted during a broadcast, run {run}: {run_redis_restarted(args.residents, redis)}")
            if "reimport" in scenarios:
                outcome = run_reimport_while_publishing(min(args.residents, 300), args.imports)
                print(f"boundary re-import while publishing, run {run}: {outcome}", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        redis.kill()


if __name__ == "__main__":
    main()
