"""A commune-wide message at national scale: the audience statement before and after it read each
recipient's account, preferences and devices by key (#20), and an urgent alert's fan-out while the
message's rows are being written.

    .venv/bin/python bench/broadcast_national.py [--runs 5] [--plans DIR]

Runs against `vigie_bench_national` (BENCH_NATIONAL_DATABASE_URL overrides it), the population of
`bench/national_data.py` (or the stand-in of `bench/broadcast_national_population.sql`), without
leaving anything behind: every insert is made in a transaction
that is rolled back (its dead rows are vacuumed as usual). For each run, alternately, the statement
as it was and as it is: time of the INSERT ... SELECT alone, and the floor, the same rows copied
into a bare copy of the table (no index) in the same transaction. Then one `EXPLAIN (ANALYZE,
BUFFERS)` of each, written to DIR. Then the urgent alert (fire, at a home of the same commune)
routed in another connection 0.2 s after the message's insert started, the message's transaction
held open until the alert's rows are written. The statement as it was is read from git
(BEFORE_COMMIT) and run with the server's JIT setting, as it was."""

import argparse
import ast
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_NATIONAL_DATABASE_URL", "postgis://vigie:vigie@127.0.0.1:5432/vigie_bench_national"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

import national_data as data  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from routing_setup import machine  # noqa: E402

from delivery import sending  # noqa: E402

# The audience as it was before #20, read from that commit: accounts and preferences joined plainly,
# which the planner may turn into hash joins over sequential scans of every account and preference.
BEFORE_COMMIT = "fba650e"


def audience_at(commit: str) -> str:
    source = subprocess.run(  # noqa: S603 - fixed argv
        ["git", "-C", str(BASE_DIR), "show", f"{commit}:delivery/sending.py"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_AUDIENCE":
            return ast.literal_eval(node.value)
    raise LookupError(f"no _AUDIENCE in delivery/sending.py at {commit}")


BEFORE_AUDIENCE = audience_at(BEFORE_COMMIT)
AFTER_INSERT = sending._INSERT
_, _, TAIL = sending._INSERT._obj.partition("), timed AS (")
BEFORE_INSERT = sending.sql.SQL(BEFORE_AUDIENCE.partition("), timed AS (")[0] + "), timed AS (" + TAIL)
STATEMENTS = {"before": BEFORE_INSERT, "after": AFTER_INSERT}


class Rollback(Exception):
    pass


def sql(statement: str, params=None):
    return data.sql(statement, params)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def mayor_and_commune():
    from accounts.models import User
    from zones.models import Commune

    commune = Commune.objects.get(pk=data.broadcast_commune_id())
    author = User.objects.filter(email=f"maire0@{data.DOMAIN}").first() or User.objects.order_by("id").first()
    return author, commune


def broadcast_unsaved(author, commune):
    from delivery.models import Broadcast

    broadcast = Broadcast(
        author=author,
        commune=commune,
        kind=Broadcast.Kind.INFORMATION,
        title="Fermeture de la mairie annexe",
        body="Banc d'essai national, annulé.",
        target=Broadcast.Target.COMMUNE,
        by_email=True,
        by_sms=False,
    )
    broadcast.chosen_neighbourhoods = []
    return broadcast


def insert_with(statement, broadcast, *, explain: bool = False):
    """The message's deliveries inserted by `statement` (before or after): (rows, seconds), or with
    `explain` the lines of its EXPLAIN (ANALYZE, BUFFERS). The statement as it was ran with the
    server's JIT setting: its `SET LOCAL jit = off` is skipped."""
    from delivery.broadcasts import _recipients_sql

    recipients, params = _recipients_sql(broadcast)
    plan: list[str] = []

    def as_it_was(execute, query, values, many, context):
        text = query if isinstance(query, str) else query.as_string(context["connection"].connection)
        if statement is BEFORE_INSERT and text.startswith("SET LOCAL jit"):
            return None
        result = execute(query, values, many, context)
        if explain and "EXPLAIN (ANALYZE" in text[:200]:
            plan.extend(row[0] for row in context["cursor"].fetchall())
        return result

    sending._INSERT = sending.sql.SQL("EXPLAIN (ANALYZE, BUFFERS) " + statement._obj) if explain else statement
    try:
        with connection.execute_wrapper(as_it_was):
            started = time.perf_counter()
            rows = sending.broadcast_deliveries_insert(broadcast=broadcast, recipients=recipients, params=params)
            seconds = time.perf_counter() - started
        return plan if explain else (rows, seconds)
    finally:
        sending._INSERT = AFTER_INSERT


def floor_s(broadcast_id: int) -> float:
    """The same rows, copied from the message's own deliveries into a bare copy of the table."""
    sql("CREATE TEMP TABLE bare_delivery (LIKE alerts_delivery INCLUDING DEFAULTS) ON COMMIT DROP")
    sql(
        "CREATE TEMP TABLE message_rows ON COMMIT DROP AS SELECT * FROM alerts_delivery WHERE broadcast_id = %s",
        [broadcast_id],
    )
    started = time.perf_counter()
    sql("INSERT INTO bare_delivery SELECT * FROM message_rows")
    return time.perf_counter() - started


def timed_run(which: str, author, commune) -> dict:
    """One insert by the `which` statement and its floor, rolled back."""
    try:
        with transaction.atomic():
            broadcast = broadcast_unsaved(author, commune)
            broadcast.save()
            rows, seconds = insert_with(STATEMENTS[which], broadcast)
            floor = floor_s(broadcast.id)
            raise Rollback({"rows": rows, "s": seconds, "floor_s": floor})
    except Rollback as done:
        return done.args[0]


def explained(which: str, author, commune) -> list[str]:
    try:
        with transaction.atomic():
            broadcast = broadcast_unsaved(author, commune)
            broadcast.save()
            raise Rollback(insert_with(STATEMENTS[which], broadcast, explain=True))
    except Rollback as done:
        return done.args[0]


def urgent_during_broadcast(which: str, author, commune) -> dict:
    """The message's insert in this connection; 0.2 s after it started, in another, a fire alert at
    a home of the commune published and routed. Both rolled back once the alert's rows are written."""
    from alerts.models import Alert
    from delivery.models import Delivery
    from delivery.routing import alert_route

    alert_done = threading.Event()
    urgent: dict = {}

    def route_urgent():
        try:
            with transaction.atomic():
                alert_id = data.pending_alerts_create(count=1, category="incendie", commune_id=commune.id)[0]
                Alert.objects.filter(pk=alert_id).update(status=Alert.Status.PUBLISHED, published_at=timezone.now())
                started = time.perf_counter()
                alert_route(alert_id=alert_id)
                urgent["s"] = time.perf_counter() - started
                urgent["rows"] = Delivery.objects.filter(alert_id=alert_id).count()
                urgent["started"] = started
                urgent["finished"] = time.perf_counter()
                raise Rollback
        except Rollback:
            pass
        finally:
            alert_done.set()
            connection.close()

    thread = threading.Thread(target=route_urgent)
    timer = threading.Timer(0.2, thread.start)
    try:
        with transaction.atomic():
            broadcast = broadcast_unsaved(author, commune)
            broadcast.save()
            timer.start()
            rows, seconds = insert_with(STATEMENTS[which], broadcast)
            written = time.perf_counter()
            alert_done.wait(120)
            raise Rollback
    except Rollback:
        pass
    timer.join()
    thread.join()
    return {
        "broadcast_rows": rows,
        "broadcast_s": seconds,
        "urgent_rows": urgent.get("rows"),
        "urgent_s": urgent.get("s"),
        "urgent_before_broadcast": urgent.get("finished", 1e12) < written,
    }


def plan_summary(lines: list[str]) -> str:
    """Execution time, the top buffers line and the scans of the whole tables, from a plan."""
    buffers = next((line.strip() for line in lines if "Buffers:" in line), "")
    execution = next((line.strip() for line in lines if line.startswith("Execution Time")), "")
    full = sorted({line.split("on ", 1)[1].split(" ")[0] for line in lines if "Seq Scan on" in line})
    return f"{execution}; top {buffers}; sequential scans: {', '.join(full) or 'none'}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--plans", default=str(BASE_DIR / "var" / "broadcast_plans"))
    parser.add_argument("--skip-urgent", action="store_true")
    args = parser.parse_args()
    author, commune = mayor_and_commune()
    residents = sql("SELECT count(*) FROM accounts_residence")[0][0]
    print(f"machine: {machine()}")
    print(f"database: {connection.settings_dict['NAME']}, {residents:,} residences; commune {commune.id}")
    print(f"random_page_cost {sql('SHOW random_page_cost')[0][0]}, load at start {loadavg()}", flush=True)
    timed_run("after", author, commune)  # warm-up: caches, plans
    results = {"before": [], "after": []}
    for run in range(args.runs):
        for which in ("before", "after") if run % 2 == 0 else ("after", "before"):
            outcome = timed_run(which, author, commune)
            results[which].append(outcome)
            print(
                f"  {which:6} {outcome['rows']:,} rows in {outcome['s']:.3f} s, floor {outcome['floor_s']:.3f} s "
                f"({outcome['s'] / outcome['floor_s']:.1f}x), load {loadavg()}",
                flush=True,
            )
    for which in ("before", "after"):
        times = sorted(o["s"] for o in results[which])
        floors = sorted(o["floor_s"] for o in results[which])
        print(
            f"{which}: median {times[len(times) // 2]:.3f} s (min {times[0]:.3f}, max {times[-1]:.3f}); "
            f"floor median {floors[len(floors) // 2]:.3f} s"
        )
    pairs = [b["s"] / a["s"] for b, a in zip(results["before"], results["after"], strict=True)]
    print(f"before / after, paired: {', '.join(f'{ratio:.1f}' for ratio in pairs)}")
    Path(args.plans).mkdir(parents=True, exist_ok=True)
    for which in ("before", "after"):
        lines = explained(which, author, commune)
        Path(args.plans, f"{which}.txt").write_text("\n".join(lines) + "\n")
        print(f"EXPLAIN {which}: {plan_summary(lines)}", flush=True)
    if not args.skip_urgent:
        for which in ("before", "after"):
            outcome = urgent_during_broadcast(which, author, commune)
            print(
                f"urgent alert during the {which} broadcast: {outcome['urgent_rows']} rows in "
                f"{outcome['urgent_s']:.2f} s (broadcast {outcome['broadcast_rows']:,} rows in "
                f"{outcome['broadcast_s']:.2f} s; alert first: {outcome['urgent_before_broadcast']}), "
                f"load {loadavg()}",
                flush=True,
            )
    print(f"load at end {loadavg()}")


if __name__ == "__main__":
    main()
