"""The national load test: the running stack under locust, with four million residents.

    .venv/bin/python bench/national_load.py --check                  # tiny scale, about a minute
    .venv/bin/python bench/national_load.py --residents 200000 --agents 50 --duration 60
    .venv/bin/python bench/national_load.py --residents 4000000 --agents 500 --rps 200 --duration 120 \\
        --web 1,2,4 --live 2 --workers 1,4 --staff 0,1

Runs in its own database, `vigie_bench_national` (BENCH_NATIONAL_DATABASE_URL overrides it), a copy
of the national geography of `bench/lookup.py`:
    createdb -O vigie -T vigie_bench vigie_bench_national && DATABASE_URL=... manage.py migrate
For `--check` alone, any migrated database with communes, neighbourhoods and police
sectors does, such as one where `manage.py load_demo` ran (through BENCH_NATIONAL_DATABASE_URL).
First it generates what is missing of the population in SQL (bench/national_data.py: joined
communes, verified residents, police agents, moderators, one commune of `--broadcast` residents),
timed, with the disk size per million rows. Then, for each point of the series (each count of web
processes in `--web` with the first counts of live processes, workers and staff processes, then each
other count of live processes in `--live`, then each other count of workers in `--workers`, then
each other count of staff processes in `--staff`, with the last count before), on the loopback
interface only:
- Celery workers (one process each, every queue), uvicorn web processes for residents' pages and
  the API, uvicorn live processes for the police live map's event stream alone and uvicorn staff
  processes for moderation, the town hall and the police's pages, behind nginx with the project's
  proxy configuration (bench/live_map_processes.py; `--live 0` or `--staff 0`: their requests go
  to the web processes, as in an install without such processes), all through PgBouncer in
  transaction mode: `--pool` server connections for the web processes and workers and, for the
  staff processes, `--staff-pool` of their own (0: they share the first);
- locust headless (bench/locustfile_national.py), two processes: one for the police agents holding
  the live map's event stream (so that their receipt times are not taken by a process busy with
  page requests), one for the residents opening their map and inbox at `--rps` requests per second
  in all and the moderators publishing `--alerts-per-hour` through the moderation API;
- halfway, the broadcast commune's mayor sends a message to the whole commune and, while its
  deliveries are being written, a moderator publishes an urgent alert (fire) in the same commune:
  both through nginx and the town hall's and moderation's API, as their browsers would.
Everything it started is stopped at the end of each point, also on Ctrl-C.

Prints per point: publication-to-agent p95 (all events, and those published during the broadcast),
the broadcast's rows and time, the urgent alert's inbox rows latency and its sending latency
behind the broadcast's queue, map and inbox p95 at the achieved request rate, the moderators'
publish answer p50 / p95, the sending drain rate, and where the time went (CPU per process group
from /proc: web, live, staff, workers, PostgreSQL...; PostgreSQL wait events, Redis); then the ratios
to the floors measured in the same run (pages fetched one at a time on the idle stack, the
broadcast's rows inserted bare) and to the targets. `--write-results` appends the table to
bench/RESULTS.md."""

import argparse
import csv
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_NATIONAL_DATABASE_URL", "postgis://vigie:vigie@127.0.0.1:5432/vigie_bench_national"
)
os.environ["DEBUG"] = "False"  # no query log in any process
os.environ["EMAIL_URL"] = "dummymail://"  # the sending is measured, not a mail server

import live_map  # noqa: E402,F401 - sets Django up on the database above
import national_data as data  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from live_map import free_port, start_server, wait_listening  # noqa: E402
from nginx_proxy import Nginx  # noqa: E402
from routing_setup import machine  # noqa: E402

LOCUSTFILE = BASE_DIR / "bench" / "locustfile_national.py"
TICKS = os.sysconf("SC_CLK_TCK")
CSRF = "nationalbenchcsrftokenvalue00000"  # 32 characters, as Django's unmasked token
CHECK = {"residents": 20_000, "broadcast": 5_000, "agents": 10, "moderators": 1, "rps": 10, "duration": 30}


def sql(statement: str, params=None):
    return data.sql(statement, params)


# --- the stack ---------------------------------------------------------------------------------


class PgBouncer:
    """PgBouncer in transaction mode in front of the bench database, as docs/deployment.md runs it:
    the web processes and workers share `pool` server connections however many requests run at
    once (each ASGI request runs its view in a thread of its own, with its own connection). With
    `staff_pool`, the staff processes reach the same database through a second entry of their own
    (`<name>_staff`), whose `staff_pool` server connections pages never take: a publication then
    never waits for a connection behind residents' page queries."""

    def __init__(self, *, pool: int, staff_pool: int = 0):
        self.port, self.directory = free_port(), Path(tempfile.mkdtemp(prefix="vigie-pgbouncer-"))
        db = connection.settings_dict
        self.name = db["NAME"]
        self.user = db["USER"]
        self.staff_pool = staff_pool
        server = (
            f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} dbname={db['NAME']} "
            f"user={db['USER']} password={db['PASSWORD']}"
        )
        databases = f"{db['NAME']} = {server}\n"
        if staff_pool:
            databases += f"{db['NAME']}_staff = {server} pool_size={staff_pool}\n"
        (self.directory / "users.txt").write_text(f'"{db["USER"]}" ""\n')
        (self.directory / "pgbouncer.ini").write_text(
            f"[databases]\n{databases}"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.directory}/users.txt\nadmin_users = {db['USER']}\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool}\nmax_client_conn = 4000\n"
            f"logfile = {self.directory}/pgbouncer.log\nignore_startup_parameters = extra_float_digits,options\n"
            "log_connections = 0\nlog_disconnections = 0\n"  # one line per request otherwise
        )
        shutil.chown(self.directory, "postgres")

    def start(self) -> "PgBouncer":
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        command = [binary, str(self.directory / "pgbouncer.ini")]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        self.process = subprocess.Popen(command, start_new_session=True)  # noqa: S603
        wait_listening(self.port)
        return self

    def waiting(self) -> tuple[int, float]:
        """(clients waiting for a server connection, the longest wait in seconds), from SHOW POOLS."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname="pgbouncer", autocommit=True
        ) as admin:
            cursor = admin.execute("SHOW POOLS")
            columns = [column.name for column in cursor.description]
            for row in cursor.fetchall():
                pool = dict(zip(columns, row, strict=True))
                if pool["database"] == self.name:
                    return pool["cl_waiting"], pool["maxwait"] + pool.get("maxwait_us", 0) / 1e6
        return 0, 0.0

    def environment(self, *, staff: bool = False) -> dict[str, str]:
        """What the web processes and workers are started with: the pooler, and past it the direct
        address for the live map's LISTEN. `staff`: the staff processes' own pool, when there is one."""
        direct = os.environ["DATABASE_URL"]
        name = f"{self.name}_staff" if staff and self.staff_pool else self.name
        return {
            "DATABASE_URL": direct.replace(direct.rsplit("@", 1)[1], f"127.0.0.1:{self.port}/{name}"),
            "DATABASE_DIRECT_URL": direct,
            "DATABASE_TRANSACTION_POOLING": "True",
            "CONN_MAX_AGE": "0",
        }


class Stack:
    """PgBouncer, Celery workers, uvicorn web, live and staff processes and nginx, on loopback; `stop`
    ends every one."""

    def __init__(
        self, *, web: int, live: int, workers: int, staff: int, directory: Path, pool: int, staff_pool: int = 0
    ):
        self.web, self.live, self.workers, self.staff, self.directory = web, live, workers, staff, directory
        self.servers: list[subprocess.Popen] = []
        self.live_servers: list[subprocess.Popen] = []
        self.staff_servers: list[subprocess.Popen] = []
        self.celery: list[subprocess.Popen] = []
        self.nginx = None
        self.bouncer = PgBouncer(pool=pool, staff_pool=staff_pool if staff else 0)

    def start(self) -> "Stack":
        self.bouncer.start()
        saved = dict(os.environ)
        os.environ.update(self.bouncer.environment())  # inherited by the processes started now
        try:
            for index in range(self.workers):
                self.celery.append(self._worker(index))
            self.ports, self.servers = uvicorn_processes(self.web)
            self.live_ports, self.live_servers = uvicorn_processes(self.live)
            os.environ.update(self.bouncer.environment(staff=True))
            self.staff_ports, self.staff_servers = uvicorn_processes(self.staff)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.nginx = Nginx(self.ports, self.live_ports, self.staff_ports).start()
        for index in range(self.workers):
            self._wait_ready(self.directory / f"worker{index}.log")
        return self

    def _worker(self, index: int) -> subprocess.Popen:
        log = self.directory / f"worker{index}.log"
        return subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "1", "-n", f"national{index}@%h"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info", f"--logfile={log}"],
            cwd=BASE_DIR,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )

    def _wait_ready(self, log: Path) -> None:
        """Until the worker logs that it consumes (its readiness signal)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if log.exists() and " ready." in log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker not ready, see {log}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx.port}"

    def groups(self) -> dict[str, list[int]]:
        return {
            "web": [server.pid for server in self.servers],
            "live": [server.pid for server in self.live_servers],
            "staff": [server.pid for server in self.staff_servers],
            "workers": [worker.pid for worker in self.celery],
            "nginx": [self.nginx.process.pid] if self.nginx else [],
            "pgbouncer": [self.bouncer.process.pid],
        }

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        for process in self.servers + self.live_servers + self.staff_servers + self.celery:
            stop_group(process)
        if getattr(self.bouncer, "process", None) is not None:
            stop_group(self.bouncer.process)
        shutil.rmtree(self.bouncer.directory, ignore_errors=True)


def uvicorn_processes(count: int) -> tuple[list[int], list[subprocess.Popen]]:
    """`count` uvicorn processes of one worker each, on ports of their own: (ports, processes)."""
    ports = [free_port() for _ in range(count)]
    return ports, [start_server(port, 1) for port in ports]


def stop_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- where the time goes -----------------------------------------------------------------------


def descendants(pids: list[int]) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(pids), set(pids)
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def cpu_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime


class Sampler(threading.Thread):
    """Once a second: CPU ticks of every process of each group (and of this database's PostgreSQL
    backends), PostgreSQL wait events of this database; Redis INFO before and after."""

    def __init__(self, groups: dict[str, list[int]], bouncer: PgBouncer):
        super().__init__(daemon=True)
        self.groups, self.bouncer, self.stopped = groups, bouncer, threading.Event()
        self.bouncer_waiting: list[int] = []
        self.bouncer_maxwait = 0.0
        self.first: dict[tuple[str, int], int] = {}
        self.last: dict[tuple[str, int], int] = {}
        self.waits: Counter = Counter()
        self.samples = 0

    def run(self) -> None:
        self.started = time.monotonic()
        self.redis_before = redis_info()
        try:
            while not self.stopped.wait(1.0):
                self.sample()
        finally:
            connection.close()

    def sample(self) -> None:
        rows = sql(
            "SELECT pid, coalesce(wait_event_type || ':' || wait_event, 'CPU'), state FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        self.samples += 1
        waiting, maxwait = self.bouncer.waiting()
        self.bouncer_waiting.append(waiting)
        self.bouncer_maxwait = max(self.bouncer_maxwait, maxwait)
        for _, wait, state in rows:
            if state == "active":
                self.waits[wait] += 1
        groups = {name: descendants(pids) for name, pids in self.groups.items()}
        groups["postgres"] = {pid for pid, _, _ in rows}
        for name, pids in groups.items():
            for pid in pids:
                ticks = cpu_ticks(pid)
                if ticks is not None:
                    self.first.setdefault((name, pid), ticks)
                    self.last[(name, pid)] = ticks

    def stop(self) -> dict:
        self.stopped.set()
        self.join()
        elapsed = time.monotonic() - self.started
        cpu, busiest, seconds = defaultdict(float), defaultdict(float), defaultdict(float)
        for key, ticks in self.last.items():
            share = (ticks - self.first[key]) / TICKS / elapsed * 100
            seconds[key[0]] += (ticks - self.first[key]) / TICKS
            cpu[key[0]] += share
            busiest[key[0]] = max(busiest[key[0]], share)
        after = redis_info()
        return {
            "cpu_percent": {name: round(value) for name, value in sorted(cpu.items())},
            "cpu_percent_busiest_process": {name: round(value) for name, value in sorted(busiest.items())},
            "cpu_seconds": {name: round(value, 2) for name, value in sorted(seconds.items())},
            "pg_active_waits": {wait: round(n / self.samples, 1) for wait, n in self.waits.most_common(6)},
            "pgbouncer_waiting_clients_mean": round(statistics.mean(self.bouncer_waiting or [0]), 1),
            "pgbouncer_longest_wait_s": round(self.bouncer_maxwait, 2),
            "redis": {
                "commands_per_s": round(
                    (after["total_commands_processed"] - self.redis_before["total_commands_processed"]) / elapsed
                ),
                "cpu_percent": round((redis_cpu(after) - redis_cpu(self.redis_before)) / elapsed * 100),
            },
        }


def redis_cpu(info: dict) -> float:
    return info["used_cpu_sys"] + info["used_cpu_user"]


def redis_info() -> dict:
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.CELERY_BROKER_URL).info()


# --- the broadcast and the urgent alert during it ---------------------------------------------


def staff_post(url: str, path: str, session: str, payload: dict) -> dict:
    """A POST of a signed-in person to the API, as their browser sends it (session and CSRF cookies,
    the token in its header); the answer's JSON."""
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url + path,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
        return json.loads(response.read() or b"{}")


def broadcast_with_urgent_alert(*, url: str, people: dict, urgent_alert_id: int, published: dict) -> dict:
    """The mayor's message to the whole commune through the town hall's API; 0.2 s later, a
    moderator publishes an urgent alert of the same commune through the moderation API while the
    broadcast's rows are being written. Both go through nginx, to the staff processes when there
    are some."""
    from delivery.models import Broadcast, Delivery

    urgent: dict = {}

    def publish_urgent():
        started = time.time()
        published[urgent_alert_id] = started
        staff_post(url, f"/api/moderation/alerts/{urgent_alert_id}/publish/", people["moderators"][0], {})
        # Routing ran on commit, in the request: its inbox rows exist when the answer comes.
        urgent["rows_s"] = time.time() - started
        urgent["started"] = started

    thread = threading.Thread(target=publish_urgent)
    started = time.time()
    timer = threading.Timer(0.2, thread.start)
    timer.start()
    broadcast = staff_post(
        url,
        "/api/broadcasts/send/",
        people["mayors"][0],
        {
            "commune": data.broadcast_commune_id(),
            "kind": Broadcast.Kind.INFORMATION,
            "title": "Fermeture de la mairie annexe",
            "body": "La mairie annexe sera fermée lundi. Banc d'essai national.",
            "target": Broadcast.Target.COMMUNE,
            "whole_commune_confirmed": True,
        },
    )
    committed = time.time()
    timer.join()
    thread.join()
    return {
        "broadcast_id": broadcast["id"],
        "broadcast_rows": Delivery.objects.filter(broadcast_id=broadcast["id"]).count(),
        "broadcast_s": round(committed - started, 2),
        "broadcast_started": started,
        "broadcast_committed": committed,
        "urgent_rows": Delivery.objects.filter(alert_id=urgent_alert_id).count() if "rows_s" in urgent else None,
        "urgent_rows_s": round(urgent["rows_s"], 2) if "rows_s" in urgent else None,
        "urgent_done_before_broadcast": urgent.get("started", 0) + urgent.get("rows_s", 1e9) < committed,
    }


def sending_progress(*, broadcast_id: int, urgent_alert_id: int, since: float, wait_s: float) -> dict:
    """Wait (up to wait_s) for the workers to send the urgent alert and the broadcast: when the urgent
    alert's last delivery left, and how many deliveries of every kind left per second meanwhile."""
    deadline = time.monotonic() + wait_s
    urgent_sent = None
    while True:
        pending_urgent, pending_broadcast, sent = sql(
            "SELECT count(*) FILTER (WHERE alert_id = %s AND status = 'pending'),"
            " count(*) FILTER (WHERE broadcast_id = %s AND status = 'pending'),"
            " count(*) FILTER (WHERE sent_at >= to_timestamp(%s))"
            " FROM alerts_delivery WHERE alert_id = %s OR broadcast_id = %s OR sent_at >= to_timestamp(%s)",
            [urgent_alert_id, broadcast_id, since, urgent_alert_id, broadcast_id, since],
        )[0]
        if urgent_sent is None and pending_urgent == 0:
            urgent_sent = time.time() - since
        if (pending_broadcast == 0 and urgent_sent is not None) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return {
        "urgent_sent_s": round(urgent_sent, 1) if urgent_sent is not None else f"> {wait_s}",
        "broadcast_pending": pending_broadcast,
        "sent_per_s": round(sent / (time.time() - since)),
    }


# --- one point of the series -------------------------------------------------------------------


def floors(url: str, resident_sessions: list[str]) -> dict:
    """The pages fetched one at a time on the idle stack: what the loaded p95 is compared with."""
    times: dict[str, list[float]] = {"resident map": [], "resident inbox": []}
    for index in range(20):
        for name, path in (("resident map", "/carte/quartier/"), ("resident inbox", "/messages/")):
            request = urllib.request.Request(  # noqa: S310 - loopback only
                url + path, headers={"Cookie": f"sessionid={resident_sessions[index % len(resident_sessions)]}"}
            )
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")
            times[name].append(time.perf_counter() - started)
    return {name: round(1000 * statistics.median(values)) for name, values in times.items()}


def streams_opened(ports: list[int], agent_session: str) -> None:
    """Opens the live map's stream on each process that serves it, straight (not through nginx), and
    waits for its first line: the processes have imported and connected everything before the
    agents come, as the floors do for the pages. An agent refused here stops the run."""
    for port in ports:
        request = urllib.request.Request(  # noqa: S310 - loopback only
            f"http://127.0.0.1:{port}/carte/police/flux/",
            headers={"Cookie": f"sessionid={agent_session}", "Accept": "text/event-stream"},
        )
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
            if response.status != 200 or not response.readline():
                raise RuntimeError(f"the live map's stream on port {port} answered {response.status}")


def staff_warmed(ports: list[int], moderator_session: str) -> None:
    """Asks each staff process, straight, for the moderation queue: they have loaded the URLs and
    the views before the first publication, as the floors do for the web processes' pages."""
    for port in ports:
        request = urllib.request.Request(  # noqa: S310 - loopback only
            f"http://127.0.0.1:{port}/api/moderation/queue/", headers={"Cookie": f"sessionid={moderator_session}"}
        )
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
            response.read()
            if response.status != 200:
                raise RuntimeError(f"the moderation queue on port {port} answered {response.status}")


def locust_stats(prefix: Path) -> dict:
    rows = {}
    with open(f"{prefix}_stats.csv") as stats:
        for row in csv.DictReader(stats):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": int(float(row["50%"] or 0)),
                "p95_ms": int(float(row["95%"] or 0)),
            }
    return rows


def agent_latencies(observations: dict, window: tuple[float, float], agent_services: list[int]) -> dict:
    """Publication (the moment before the publish request) to receipt by each agent, and the event
    row's own timestamp to receipt, over every (event, agent) where the agent's stream was open
    before the publication; how many of those never came; and how many agents got their stream."""
    published = {int(alert): at for alert, at in observations["published"].items()}
    connected = {int(agent): at for agent, at in observations["connected"].items()}
    events = dict(
        sql(
            "SELECT id, alert_id FROM alerts_alertevent WHERE alert_id = ANY(%s) AND kind = 'published'",
            [list(published)],
        )
    )
    services, written = {}, {}
    for event, service, at in sql(
        "SELECT id, police_service_id, extract(epoch FROM created_at) FROM alerts_alertevent WHERE id = ANY(%s)",
        [list(events)],
    ):
        services[event], written[event] = service, float(at)
    latencies, during, streamed, streamed_during = [], [], [], []
    received = set()
    for agent, event_id, at in observations["received"]:
        published_at = published.get(events.get(event_id), 0)
        if event_id in events and connected.get(agent, math.inf) <= published_at:
            received.add((agent, event_id))
            latencies.append(at - published_at)
            streamed.append(at - written[event_id])
            if window[0] <= published_at <= window[1]:
                during.append(at - published_at)
                streamed_during.append(at - written[event_id])
    expected = sum(
        1
        for event, alert in events.items()
        for agent, service in enumerate(agent_services)
        if service == services[event] and connected.get(agent, math.inf) <= published[alert]
    )
    return {
        "connected": len(connected),
        "connect_s": round(max(connected.values()) - min(connected.values()), 1) if connected else None,
        "events": len(events),
        "receipts": len(received),
        "expected": expected,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "during_broadcast_p95_ms": percentile(during, 95),
        "during_broadcast_receipts": len(during),
        # From the event row's timestamp (taken in the publishing transaction, before its commit):
        # the part of the latency after the web process's request, the stream's own share.
        "from_event_p95_ms": percentile(streamed, 95),
        "from_event_during_broadcast_p95_ms": percentile(streamed_during, 95),
    }


STAGES = (
    ("click -> moderation commit", "click", "decided"),
    ("moderation commit -> event row", "decided", "row"),
    ("event row -> NOTIFY at first live process", "row", "notified"),
    ("NOTIFY -> read by the live process", "notified", "read"),
    ("read -> written to the last agent stream", "read", "written_last"),
    ("written -> received by the last agent", "written_last", "received_last"),
    ("click -> received by the last agent", "click", "received_last"),
    ("click -> publish answer", "click", "answered"),
)


def stages_of_publication(directory: Path, seen: dict) -> dict:
    """Where each moderator publication's time went on its way to the agents, from the wall clocks
    of one run: the click (locust), the moderation commit (`Alert.decided_at`, taken just before it),
    the event row (`AlertEvent.created_at`, in the routing transaction), the notification's arrival
    and the read in each live process, the write to each agent's stream (trace lines of
    maps/live/listener.py), the receipt by each agent (locust). Per event: the first process to
    hear it, the last stream and the last agent; then the p50 / p95 over events of each stage, ms."""
    marks: dict[int, dict[str, float]] = defaultdict(dict)
    written: dict[int, list[float]] = defaultdict(list)
    for trace in directory.glob("live-*.log"):
        for line in trace.read_text().splitlines():
            stage, event, at = line.split()
            event, at = int(event), float(at)
            if stage in ("W", "P"):  # written live, or in a stream's replay
                written[event].append(at)
            else:
                key = {"N": "notified", "R": "read"}[stage]
                marks[event][key] = min(marks[event].get(key, math.inf), at)
    received: dict[int, list[float]] = defaultdict(list)
    for _agent, event, at in seen["received"]:
        received[event].append(at)
    published = {int(alert): at for alert, at in seen["published"].items()}
    answered = {int(alert): at for alert, at in seen.get("answered", {}).items()}
    rows = sql(
        "SELECT e.id, e.alert_id, extract(epoch FROM a.decided_at), extract(epoch FROM e.created_at)"
        " FROM alerts_alertevent e JOIN alerts_alert a ON a.id = e.alert_id"
        " WHERE e.alert_id = ANY(%s) AND e.kind = 'published'",
        [list(published)],
    )
    durations: dict[str, list[float]] = defaultdict(list)
    for event, alert, decided, row in rows:
        mark = {"click": published[alert], "decided": float(decided), "row": float(row), **marks.get(event, {})}
        if alert in answered:
            mark["answered"] = answered[alert]
        if written.get(event):
            mark["written_last"] = max(written[event])
        if received.get(event):
            mark["received_last"] = max(received[event])
        for name, start, end in STAGES:
            if start in mark and end in mark:
                durations[name].append(mark[end] - mark[start])
    return {
        name: {"events": len(values), "p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95)}
        for name, values in durations.items()
    }


def live_cpu_per_write(directory: Path, evidence: dict) -> float | None:
    """CPU of the processes serving the streams per event written to an agent's stream, ms: all
    their work (notifications, reads, access checks, heartbeats, writes) over the run."""
    writes = sum(
        line[:2] in ("W ", "P ") for trace in directory.glob("live-*.log") for line in trace.read_text().splitlines()
    )
    seconds = evidence["cpu_seconds"].get("live") or evidence["cpu_seconds"].get("web", 0)
    return round(1000 * seconds / writes, 2) if writes else None


def percentile(values: list[float], p: int) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)])


def locust_start(directory: Path, name: str, classes: list[str], users: int, args, url: str) -> subprocess.Popen:
    """One headless locust process running only `classes`; what it observed goes to
    `{name}_observations.json`, its request statistics to `{name}_stats.csv`."""
    return subprocess.Popen(  # noqa: S603 - fixed argv
        [str(Path(sys.executable).with_name("locust")), "-f", str(LOCUSTFILE), "--headless", "--only-summary"]
        + ["-u", str(users), "-r", str(max(1, users // 10)), "-t", f"{args.duration}s", "--stop-timeout", "2"]
        + ["--host", url, "--csv", str(directory / name), "-L", "WARNING", *classes],
        cwd=BASE_DIR,
        start_new_session=True,
        env={
            **os.environ,
            "NATIONAL_LOAD_CONFIG": str(directory / "config.json"),
            "NATIONAL_LOAD_OBSERVATIONS": str(directory / f"{name}_observations.json"),
        },
        stdout=subprocess.DEVNULL,
        stderr=open(directory / f"{name}.log", "w"),  # noqa: SIM115 - closed with the process
    )


def observations_read(directory: Path, names: list[str]) -> dict:
    seen: dict = {"received": [], "published": {}, "answered": {}, "connected": {}}
    for name in names:
        part = json.loads((directory / f"{name}_observations.json").read_text())
        seen["received"] += part["received"]
        seen["published"].update(part["published"])
        seen["answered"].update(part.get("answered", {}))
        seen["connected"].update(part["connected"])
    return seen


def point(args, *, web: int, live: int, workers: int, staff: int, people: dict) -> dict:
    directory = Path(tempfile.mkdtemp(prefix="vigie-national-"))
    load_start = round(os.getloadavg()[0], 1)
    redis_flush()
    publications = math.ceil(args.alerts_per_hour * args.duration / 3600 * 1.5) + 3
    pending = data.pending_alerts_create(count=publications)
    urgent_alert_id = data.pending_alerts_create(count=1, category="incendie", commune_id=data.broadcast_commune_id())[
        0
    ]
    pools = {"pool": args.pool, "staff_pool": args.staff_pool}
    stack = Stack(web=web, live=live, workers=workers, staff=staff, directory=directory, **pools)
    locusts: list[subprocess.Popen] = []
    sampler = None
    os.environ["MAPS_LIVE_TRACE"] = str(directory)  # the stream processes' timing lines (maps/live/listener.py)
    try:
        stack.start()
        floor = floors(stack.url, people["residents"])
        streams_opened(stack.live_ports or stack.ports, people["agents"][0])
        staff_warmed(stack.staff_ports, people["moderators"][0])
        config = directory / "config.json"
        resident_users = args.rps  # one request a second each: the rate holds while pages slow down
        config.write_text(
            json.dumps(
                {
                    "agents": len(people["agents"]),
                    "agent_sessions": people["agents"],
                    "resident_sessions": people["residents"],
                    "resident_rps_each": 1 if args.rps else 0,
                    "moderators": len(people["moderators"]),
                    "moderator_sessions": people["moderators"],
                    "publications_per_second": args.alerts_per_hour / 3600,
                    "pending_alert_ids": pending,
                    "csrf": CSRF,
                }
            )
        )
        agents_users, page_users = len(people["agents"]), len(people["moderators"]) + resident_users
        page_classes = ["Resident", "Moderator"] if args.rps else ["Moderator"]
        locusts = [
            locust_start(directory, "agents", ["PoliceAgent"], agents_users, args, stack.url),
            locust_start(directory, "pages", page_classes, page_users, args, stack.url),
        ]
        sampler = Sampler(
            {**stack.groups(), "locust agents": [locusts[0].pid], "locust pages": [locusts[1].pid]}, stack.bouncer
        )
        sampler.start()
        time.sleep(args.duration / 2)  # the broadcast goes out in the middle of the run
        moderator_published: dict = {}
        broadcast = broadcast_with_urgent_alert(
            url=stack.url, people=people, urgent_alert_id=urgent_alert_id, published=moderator_published
        )
        sending = sending_progress(
            broadcast_id=broadcast["broadcast_id"],
            urgent_alert_id=urgent_alert_id,
            since=broadcast["broadcast_started"],
            wait_s=args.drain,
        )
        for locust in locusts:
            locust.wait(timeout=args.duration * 3 + 60)
        evidence = sampler.stop()
        sampler = None
        seen = observations_read(directory, ["agents", "pages"])
        seen["published"].update(moderator_published)
        window = (broadcast["broadcast_started"], broadcast["broadcast_committed"] + 1.0)
        agents = agent_latencies(seen, window, people["agent_services"])
        agents["stages"] = stages_of_publication(directory, seen)
        agents["live_cpu_ms_per_receipt"] = live_cpu_per_write(directory, evidence)
        stats = locust_stats(directory / "pages")
    finally:
        os.environ.pop("MAPS_LIVE_TRACE", None)
        if sampler is not None:
            sampler.stop()
        for locust in locusts:
            stop_group(locust)
        stack.stop()
    bare = bare_insert_s(broadcast["broadcast_rows"])
    if not args.keep:
        shutil.rmtree(directory, ignore_errors=True)
    return {
        "web": web,
        "live": live,
        "workers": workers,
        "staff": staff,
        "staff_pool": args.staff_pool if staff else 0,
        "agents": agents,
        "broadcast": {k: v for k, v in broadcast.items() if not k.startswith("broadcast_st")},
        "bare_insert_s": bare,
        "sending": sending,
        "pages": {name: stats.get(name) for name in ("resident map", "resident inbox", "moderator publish")},
        "floor_ms": floor,
        "evidence": evidence,
        "load_start": load_start,
        "load": round(os.getloadavg()[0], 1),
        "logs": str(directory) if args.keep else None,
    }


def bare_insert_s(rows: int) -> float:
    """The floor of the broadcast: the same number of rows inserted into a bare copy of the table."""
    with transaction.atomic():
        sql(
            "CREATE TEMP TABLE bare_delivery (LIKE alerts_delivery INCLUDING DEFAULTS INCLUDING IDENTITY)"
            " ON COMMIT DROP"
        )
        started = time.perf_counter()
        sql(
            "INSERT INTO bare_delivery (recipient_id, kind, broadcast_id, status, reason, email_status, sms_status,"
            " push_status, attempts, last_error, created_at, send_after, month)"
            " SELECT user_id, 'broadcast', NULL, 'pending', '', 'pending', 'skipped', 'skipped', 0, '', now(), now(),"
            " date_trunc('month', now())::date"
            " FROM accounts_residence WHERE commune_id = %s LIMIT %s",
            [data.broadcast_commune_id(), rows],
        )
        return round(time.perf_counter() - started, 2)


def redis_flush() -> None:
    """This bench's own Redis database (REDIS_URL of .env): queues left by an earlier point go."""
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


# --- the population and the series -------------------------------------------------------------


def populate(args) -> None:
    print(f"population: {args.communes} joined communes, {args.residents:,} residents", flush=True)
    data.communes_join(args.communes)
    before = data.sizes()
    started = time.perf_counter()
    outcome = data.residents_generate(residents=args.residents, broadcast=args.broadcast, seed=args.seed)
    elapsed = time.perf_counter() - started
    data.staff_generate(agents=max(args.agents, 500), moderators=max(args.moderators, 4))
    after = data.sizes()
    if outcome["added"]:
        per_million = 1_000_000 / outcome["added"]
        print(
            f"  added {outcome['added']:,} residents (5 rows each) in {elapsed:.0f} s: "
            f"{elapsed * per_million:.0f} s and {(after['tables_mb'] - before['tables_mb']) * per_million:.0f} MB "
            f"per million residents",
            flush=True,
        )
    big = data.broadcast_commune_id()
    in_big, elsewhere = data.residents_present(big)
    print(
        f"  present: {in_big + elsewhere:,} residents ({in_big:,} in the broadcast commune); resident tables "
        f"{after['tables_mb']:,} MB, database {after['database_mb']:,} MB",
        flush=True,
    )


def people_signed_in(args) -> dict:
    agents = data.sessions_create(emails_like=f"agent%@{data.DOMAIN}", limit=args.agents)
    agent_services = [
        row[0]
        for row in sql(
            "SELECT r.police_service_id FROM accounts_role r JOIN accounts_user u ON u.id = r.user_id"
            " WHERE u.email LIKE %s ORDER BY u.id LIMIT %s",
            [f"agent%@{data.DOMAIN}", args.agents],
        )
    ]
    return {
        "agents": agents,
        "agent_services": agent_services,
        "moderators": data.sessions_create(emails_like=f"moderateur%@{data.DOMAIN}", limit=args.moderators),
        "mayors": data.sessions_create(emails_like=f"maire%@{data.DOMAIN}", limit=1),
        "residents": data.sessions_create(emails_like=data.RESIDENT_EMAIL, limit=args.browsing, every=97),
    }


def summary_line(outcome: dict) -> str:
    agents, broadcast, sending, pages = (outcome[key] for key in ("agents", "broadcast", "sending", "pages"))
    page = {name: pages.get(name) or {} for name in ("resident map", "resident inbox")}
    return (
        f"| {outcome['web']} | {outcome['live']} | {outcome['workers']} | {outcome['staff']} | {agents['p95_ms']} | "
        f"{agents['during_broadcast_p95_ms']} ({agents['during_broadcast_receipts']}) | "
        f"{agents['from_event_p95_ms']} / {agents['from_event_during_broadcast_p95_ms']} | "
        f"{agents['connected']} in {agents['connect_s']} s | {agents['receipts']}/{agents['expected']} | "
        f"{broadcast['broadcast_rows']:,} in {broadcast['broadcast_s']} s "
        f"({broadcast['broadcast_s'] / max(outcome['bare_insert_s'], 0.01):.1f}x bare) | "
        f"{broadcast['urgent_rows_s']} s ({broadcast['urgent_rows']} rows) | {sending['urgent_sent_s']} s | "
        f"{sending['sent_per_s']}/s | "
        f"{page['resident map'].get('p95_ms')} / {page['resident inbox'].get('p95_ms')} ms "
        f"(idle {outcome['floor_ms']['resident map']} / {outcome['floor_ms']['resident inbox']}) | "
        f"{sum(p.get('rps', 0) for p in page.values()):.0f} | {publish_cell(pages)} | "
        f"{cpu_cell(outcome['evidence'])} | "
        f"{outcome['load_start']} / {outcome['load']} |"
    )


def cpu_cell(evidence: dict) -> str:
    """CPU % of a core per process group (busiest process of the group in brackets)."""
    cpu, busiest = evidence["cpu_percent"], evidence["cpu_percent_busiest_process"]
    return ", ".join(
        f"{name} {cpu[name]} ({busiest[name]})"
        for name in ("web", "live", "staff", "postgres", "workers")
        if name in cpu
    )


def publish_cell(pages: dict) -> str:
    """The moderators' publish requests as locust saw them: p50 / p95 of the answer, ms."""
    publish = pages.get("moderator publish") or {}
    return f"{publish.get('p50_ms')} / {publish.get('p95_ms')} ms ({publish.get('requests', 0)})"


HEADER = (
    "| web | live | workers | staff | agent p95 ms | p95 during broadcast (receipts) "
    "| from event row p95: all / broadcast | agents connected | receipts "
    "| broadcast rows | urgent inbox rows | urgent sent | sending | map / inbox p95 | rps "
    "| publish answer p50 / p95 (requests) | CPU % (busiest process) | load start / end |\n|" + "---|" * 18
)


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="tiny scale, about a minute: the harness works")
    parser.add_argument("--communes", type=int, default=1000)
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--broadcast", type=int, default=100_000, help="residents of the broadcast commune")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--moderators", type=int, default=2)
    parser.add_argument("--browsing", type=int, default=2000, help="residents signed in to browse")
    parser.add_argument("--rps", type=int, default=200, help="map and inbox requests per second, in all")
    parser.add_argument("--alerts-per-hour", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=60, help="seconds of locust per point")
    parser.add_argument("--drain", type=int, default=60, help="seconds the sending may take after the broadcast")
    parser.add_argument("--web", default="1,2,4", help="counts of web processes (pages, API)")
    parser.add_argument(
        "--live", default="2", help="counts of live processes (the live map's stream; 0: on the web processes)"
    )
    parser.add_argument("--workers", default="1,4", help="counts of Celery workers")
    parser.add_argument(
        "--staff",
        default="1",
        help="counts of staff processes (moderation, the town hall, the police's pages; 0: on the web processes)",
    )
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--pool", type=int, default=16, help="PgBouncer server connections (the server is shared)")
    parser.add_argument(
        "--staff-pool",
        type=int,
        default=4,
        help="PgBouncer server connections of the staff processes' own pool (0: they share --pool with the pages)",
    )
    parser.add_argument("--write-results", action="store_true")
    parser.add_argument("--populate-only", action="store_true", help="generate the population, run nothing")
    parser.add_argument("--keep", action="store_true", help="keep each point's logs (printed as `logs`)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupted)  # `timeout` or a supervisor: stop the stack too
    if args.check:
        vars(args).update(CHECK, web="1", live="1", workers="1", drain=10, browsing=50)
    args.broadcast = min(args.broadcast, args.residents // 2)
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        sys.exit("nginx is not installed (Debian: apt-get install nginx)")
    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    populate(args)
    if args.populate_only:
        return
    people = people_signed_in(args)
    webs, lives, workers, staffs = (
        [int(n) for n in value.split(",")] for value in (args.web, args.live, args.workers, args.staff)
    )
    series = (
        [(web, lives[0], workers[0], staffs[0]) for web in webs]
        + [(webs[-1], live, workers[0], staffs[0]) for live in lives[1:]]
        + [(webs[-1], lives[-1], count, staffs[0]) for count in workers[1:]]
        + [(webs[-1], lives[-1], workers[-1], staff) for staff in staffs[1:]]
    )
    lines = []
    try:
        for web, live, count, staff in series:
            outcome = point(args, web=web, live=live, workers=count, staff=staff, people=people)
            print(json.dumps(outcome), flush=True)
            lines.append(summary_line(outcome))
            print(HEADER + "\n" + "\n".join(lines), flush=True)
    finally:
        data.sessions_delete(people["agents"] + people["moderators"] + people["mayors"] + people["residents"])
    if args.write_results:
        with open(BASE_DIR / "bench" / "RESULTS.md", "a") as results:
            results.write(
                f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}, "
                f"{args.residents:,} residents, {args.agents} agents, target {args.rps} rps, {args.duration} s "
                f"per point:\n\n{HEADER}\n" + "\n".join(lines) + "\n"
            )


if __name__ == "__main__":
    main()
