"""The mayor's dashboard of a commune with five years of history, read from a real hot standby (#20).

    .venv/bin/python bench/dashboard_replica.py

Starts a PostgreSQL primary of its own (tests/postgres.py: a cluster in a temporary directory on a
free port, as the replica tests do), builds bench/stats.py's data in its database
`vigie_bench_aggregates_replica` (BENCH_STATS_MONTHS, 60 by default: 1,666,666 alerts, 166,666 in the
first commune), makes a hot standby of it with `pg_basebackup -R` and starts Vigie in this process
with DATABASE_REPLICA_URL naming the standby. Then, for the first commune's mayor, the whole dashboard
page (2025) computed afresh (nothing kept in the cache), through the test client:

1. where its queries ran: a few loads read from the standby, then a few with the standby left out,
   each counted by the servers themselves (pg_stat_database of the benchmark database);
2. caught up, no writes: the page read from the standby and from the primary, alternately;
3. the same while the primary takes publications (pgbench inserting published alerts, with their
   monthly-count triggers, at BENCH_REPLICA_WRITES_PER_S), with the replication lag seen;
4. the standby stopped (immediate shutdown) between two loads: errors, and what reads cost once
   they are back on the primary.

Both clusters are stopped and their directories removed at the end, whatever happens."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.postgres import PrivatePostgres  # noqa: E402

DATABASE = "vigie_bench_aggregates_replica"
LOADS = int(os.environ.get("BENCH_REPLICA_LOADS", "20"))
WRITES_PER_S = int(os.environ.get("BENCH_REPLICA_WRITES_PER_S", "20"))
YEAR = {"from": "2025-01", "to": "2025-12"}


def loadavg() -> str:
    return Path("/proc/loadavg").read_text()[:14]


def percentile_95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


def figures(times: list[float]) -> str:
    return f"median {statistics.median(times):.0f} / p95 {percentile_95(times):.0f} ms (min {min(times):.0f})"


class Dashboard:
    """The first commune's dashboard page, loaded by its mayor, computed afresh every time, with the
    SQL each load sent to each database alias (the replica probe's own statements apart)."""

    def __init__(self, stats, commune):
        from maps.statistics import dashboard

        self.client = stats.mayor_client(commune)
        self.url = f"/statistiques/{commune.code}/"
        self.computed = 0
        compute = dashboard.dashboard_data

        def counted(query, *, today):
            self.computed += 1
            return compute(query, today=today)

        # Counted so that every load below is known to have computed the figures, not found them cached.
        dashboard.dashboard_data = counted

    def load(self) -> dict:
        """One page load: its time, whether it answered, and the statements sent to each alias."""
        computed = self.computed
        with sql_by_alias() as sql:
            start = time.perf_counter()
            try:
                status = self.client.get(self.url, YEAR).status_code
            except Exception as error:  # noqa: BLE001 - an error page is a figure here
                status = type(error).__name__
            ms = (time.perf_counter() - start) * 1000
        return {"ms": ms, "status": status, "afresh": self.computed == computed + 1, **sql}


@contextmanager
def sql_by_alias():
    """Counts and times the statements each alias runs, the probe's (WAL positions) left out."""
    from django.db import connections

    seen = {"default": 0, "replica": 0, "default_ms": 0.0, "replica_ms": 0.0}

    def recorder(alias):
        def record(execute, sql, params, many, context):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                if "pg_current_wal_lsn" not in str(sql) and "pg_is_in_recovery" not in str(sql):
                    seen[alias] += 1
                    seen[f"{alias}_ms"] += (time.perf_counter() - start) * 1000

        return record

    with ExitStack() as stack:
        for alias in ("default", "replica"):
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield seen


@contextmanager
def on_primary():
    """The standby left out as the router leaves it out when it lags: a lag limit no standby meets."""
    from django.test import override_settings

    from edge.replica import probe

    with override_settings(DATABASE_REPLICA_MAX_LAG_S=-1.0):
        probe.reset()
        yield
    probe.reset()


def server_counts(server: PrivatePostgres) -> tuple[int, int]:
    """(transactions, rows read) the server counted in the benchmark database, once every Vigie
    connection has closed (a backend's counts are flushed when it exits)."""
    from django.db import connections

    connections.close_all()
    deadline = time.monotonic() + 30
    while int(
        server.psql(
            DATABASE,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
    ):
        if time.monotonic() > deadline:
            raise TimeoutError("Vigie's connections did not close")
        time.sleep(0.05)
    row = server.psql(
        DATABASE,
        "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched FROM pg_stat_database "
        "WHERE datname = current_database()",
    )
    transactions, rows = row.split("|")
    return int(transactions), int(rows)


def where_queries_ran(page: Dashboard, primary: PrivatePostgres, standby: PrivatePostgres) -> dict:
    """Three loads reading from the standby, then three with it left out, as each server counted them."""
    result = {}
    for name, mode in (("replica", ExitStack), ("primary", on_primary)):
        before = server_counts(primary), server_counts(standby)
        with mode():
            loads = [page.load() for _ in range(3)]
        after = server_counts(primary), server_counts(standby)
        result[name] = {
            "primary_transactions": after[0][0] - before[0][0],
            "primary_rows": after[0][1] - before[0][1],
            "standby_transactions": after[1][0] - before[1][0],
            "standby_rows": after[1][1] - before[1][1],
            "django_statements": {alias: sum(load[alias] for load in loads) for alias in ("default", "replica")},
        }
        print(f"3 loads {'from the standby' if name == 'replica' else 'with the standby left out'}: {result[name]}")
    return result


def alternate(page: Dashboard, loads: int, on_each=None) -> dict[str, list[dict]]:
    """`loads` loads from the standby and as many from the primary, one after the other, the order
    swapped every round so that neither side always runs second."""
    from edge.replica import probe

    runs = {"replica": [], "primary": []}
    for i in range(loads):
        for name in ("replica", "primary") if i % 2 == 0 else ("primary", "replica"):
            probe.reset()  # each load probes the standby once, as the first statistics read of a process does
            with on_primary() if name == "primary" else ExitStack():
                runs[name].append(page.load())
            if on_each:
                on_each(name, runs[name][-1])
    return runs


def summary(runs: dict[str, list[dict]]) -> dict:
    out = {}
    for name, loads in runs.items():
        times = [load["ms"] for load in loads]
        out[name] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile_95(times), 1),
            "min_ms": round(min(times), 1),
            "errors": sum(load["status"] != 200 for load in loads),
            "afresh": sum(load["afresh"] for load in loads),
            "on_standby": sum(load["replica"] > 0 for load in loads),
            # (primary, standby) statements of each load: a load the router sent back to the primary
            # part way shows as more statements on the primary than the page's own session and access.
            "statements": [(load["default"], load["replica"]) for load in loads],
            "sql_ms_median": round(
                statistics.median(load[f"{'replica' if name == 'replica' else 'default'}_ms"] for load in loads), 1
            ),
        }
    out["ratio_replica_to_primary"] = round(out["replica"]["median_ms"] / out["primary"]["median_ms"], 2)
    return out


def print_phase(title: str, result: dict, load_at_start: str) -> None:
    replica, primary = result["replica"], result["primary"]
    print(
        f"{title}: from the standby {replica['median_ms']:.0f} / p95 {replica['p95_ms']:.0f} ms "
        f"(min {replica['min_ms']:.0f}, SQL {replica['sql_ms_median']:.0f} ms, {replica['on_standby']} of "
        f"{LOADS} loads with statements on the standby, {replica['errors']} errors); from the primary "
        f"{primary['median_ms']:.0f} / p95 {primary['p95_ms']:.0f} ms (min {primary['min_ms']:.0f}, SQL "
        f"{primary['sql_ms_median']:.0f} ms); ratio x{result['ratio_replica_to_primary']:.2f}; "
        f"every load afresh: {replica['afresh'] + primary['afresh'] == 2 * LOADS}; "
        f"load average {load_at_start} -> {loadavg()}",
        flush=True,
    )


def under_writes(page: Dashboard, primary: PrivatePostgres, commune) -> dict:
    """The alternating loads while pgbench publishes alerts in the same commune on the primary, with
    the standby's lag (bytes of WAL not replayed, seconds) read after each load."""
    from alerts.models import AlertCategory
    from edge.replica import replica_lag

    script = Path(tempfile.mkdtemp()) / "publish.sql"
    script.write_text(
        "\\set dx random(0, 999999)\n\\set dy random(0, 999999)\n"
        "INSERT INTO alerts_alert (category_id, commune_id, location, occurred_at, description, status, "
        "follow_up, created_at, published_at) VALUES (:category, :commune, ST_SetSRID(ST_MakePoint("
        ":x0 + :dx / 20000000.0, :y0 + :dy / 20000000.0), 4326), now(), 'bench-write', 'published', 'none', "
        "now(), now());\n"
    )
    x0, y0, _, _ = commune.boundary.extent
    writer = subprocess.Popen(  # noqa: S603
        [
            str(primary.bin / "pgbench"),
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "vigie", "-n", "-f", str(script)),
            *("-R", str(WRITES_PER_S), "-T", "3600", "-D", f"category={AlertCategory.objects.first().id}"),
            *("-D", f"commune={commune.id}", "-D", f"x0={x0}", "-D", f"y0={y0}", DATABASE),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    lags = []

    def sample_lag(name, load):
        lags.append(replica_lag())

    try:
        started = time.monotonic()
        runs = alternate(page, LOADS, on_each=sample_lag)
        elapsed = time.monotonic() - started
    finally:
        writer.terminate()
        writer.wait()
    published = int(primary.psql(DATABASE, "SELECT count(*) FROM alerts_alert WHERE description = 'bench-write'"))
    result = summary(runs)
    result["publications"] = published
    result["publications_per_s"] = round(published / elapsed, 1)
    result["lag_bytes_median_max"] = [statistics.median(b for b, _ in lags), max(b for b, _ in lags)]
    result["lag_s_median_max"] = [round(statistics.median(s for _, s in lags), 3), round(max(s for _, s in lags), 3)]
    return result


def standby_stopped(page: Dashboard, standby: PrivatePostgres, before: int = 4, after: int = 12) -> dict:
    """Loads from the standby in the process's ordinary rhythm (probe every DATABASE_REPLICA_CHECK_S
    seconds, not reset), the standby killed after `before` of them."""
    from django.conf import settings

    from edge.replica import probe

    probe.reset()
    loads = [page.load() for _ in range(before)]
    stopped_at = time.monotonic()
    standby.kill()
    for _ in range(after):
        loads.append(page.load())
        loads[-1]["since_stop_s"] = round(time.monotonic() - stopped_at, 2)
    fallen_back = [load for load in loads[before:] if load["status"] == 200 and load["replica"] == 0]
    return {
        "check_s": settings.DATABASE_REPLICA_CHECK_S,
        "before_ms": [round(load["ms"]) for load in loads[:before]],
        "after": [
            {key: load[key] for key in ("ms", "status", "default", "replica", "since_stop_s")}
            for load in loads[before:]
        ],
        "errors_after_stop": sum(load["status"] != 200 for load in loads[before:]),
        "fallback_median_ms": round(statistics.median(load["ms"] for load in fallen_back), 1) if fallen_back else None,
    }


def measure(primary: PrivatePostgres, standby: PrivatePostgres) -> dict:
    print(f"load average at start {loadavg()}", flush=True)
    from bench import stats

    started = time.monotonic()
    first = stats.build()[0]
    print(
        f"built in {time.monotonic() - started:.0f} s: {stats.MONTHS} months, "
        f"{first.alerts.count():,} alerts in the first commune",
        flush=True,
    )
    started = time.monotonic()
    # As autovacuum would have left a database with years of history: visibility maps set and hint
    # bits written, so neither side pays for the bulk load while it is timed, and the standby copies it.
    primary.psql(DATABASE, "VACUUM (ANALYZE)")
    print(f"vacuumed in {time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    standby.start_standby_of(primary)
    standby.wait_replaying()
    size = primary.psql(DATABASE, "SELECT pg_size_pretty(pg_database_size(current_database()))")
    print(f"hot standby by pg_basebackup -R in {time.monotonic() - started:.0f} s (database {size})", flush=True)

    from django.test import override_settings

    from edge.replica import replica_lag

    result = {"months": stats.MONTHS, "alerts_first_commune": first.alerts.count()}
    with override_settings(MAPS_STATISTICS_CACHE_S=0):  # computed afresh: nothing is kept for the next load
        page = Dashboard(stats, first)
        deadline = time.monotonic() + 120
        while replica_lag()[0]:  # the mayor's account has to reach the standby first
            if time.monotonic() > deadline:
                raise TimeoutError("the standby never caught up")
            time.sleep(0.05)
        for _ in range(2):  # warm: imports, plans, both servers' buffers
            with on_primary():
                page.load()
            page.load()
        result["where"] = where_queries_ran(page, primary, standby)

        at = loadavg()
        result["caught_up"] = summary(alternate(page, LOADS))
        print_phase("caught up, no writes", result["caught_up"], at)

        at = loadavg()
        result["under_writes"] = under_writes(page, primary, first)
        print_phase(f"primary taking {WRITES_PER_S} publications/s", result["under_writes"], at)
        writes = result["under_writes"]
        print(
            f"  {writes['publications']} publications ({writes['publications_per_s']}/s); standby lag after each "
            f"load: median/max {writes['lag_bytes_median_max']} bytes, {writes['lag_s_median_max']} s",
            flush=True,
        )

        at = loadavg()
        result["standby_stopped"] = standby_stopped(page, standby)
        print(
            f"standby stopped (load average {at} -> {loadavg()}): {json.dumps(result['standby_stopped'])}", flush=True
        )
    print(f"load average at end {loadavg()}")
    return result


def main() -> None:
    primary, standby = PrivatePostgres(DATABASE), PrivatePostgres(DATABASE)
    try:
        primary.start()
        # Vigie's settings are read once, when bench.stats sets Django up: both servers are named first.
        os.environ["BENCH_STATS_DATABASE_URL"] = primary.url(scheme="postgis")
        os.environ["DATABASE_REPLICA_URL"] = standby.url(scheme="postgis")
        os.environ.setdefault("BENCH_STATS_MONTHS", "60")
        os.environ.setdefault("LOG_LEVEL", "WARNING")  # the probe's "left out"/"back in use" on every switch
        result = measure(primary, standby)
        print(json.dumps(result, default=str))
    finally:
        standby.stop()
        primary.stop()


if __name__ == "__main__":
    main()
