"""Run by test_replica.py in a process of its own, whose DATABASE_URL is a private primary and
DATABASE_REPLICA_URL its streaming standby: writes data through the ORM, reads statistics with and
without `reads_from_replica` while the standby is caught up, held back and stopped, and prints
what each read saw and where its queries went, as JSON, for the test to check.

    python -m tests.config.replica_scenario PG_CTL STANDBY_DATA_DIRECTORY"""

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack, contextmanager

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connections  # noqa: E402

from alerts.models import Alert, Family  # noqa: E402
from edge.replica import probe, reads_from_replica, replica_lag, replica_usable  # noqa: E402
from maps.statistics import dashboard, reports  # noqa: E402
from tests.factories import make_alert, make_commune, make_neighbourhood  # noqa: E402


@contextmanager
def counting():
    """Counts the data queries sent to each alias (the replica probe's own queries left out)."""
    counts = Counter()

    def recorder(alias):
        def record(execute, sql, params, many, context):
            text = sql if isinstance(sql, str) else sql.as_string(context["connection"].connection)
            if "pg_current_wal_lsn" not in text and "pg_is_in_recovery" not in text:
                counts[alias] += 1
            return execute(sql, params, many, context)

        return record

    with ExitStack() as stack:
        for alias in ("default", "replica"):
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield counts


def wait_until(predicate, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


def caught_up() -> bool:
    return replica_lag()[0] == 0


def read(query) -> dict:
    """Published alerts counted by the ORM and the zone statistics, both where statistics read."""
    with counting() as counts, reads_from_replica():
        published = Alert.objects.filter(status=Alert.Status.PUBLISHED).count()
        statistics = reports.zone_statistics(query)
    return {"published": published, "statistics": statistics, "queries": dict(counts)}


def dashboard_read(query) -> dict:
    """The mayor's whole dashboard as its page computes it (the cache is empty), and where its
    queries went."""
    with counting() as counts:
        data = dashboard.cached_dashboard_data(
            dataclasses.replace(query, family=Family.BURGLARY), today=dt.datetime.now(dt.UTC).date()
        )
    return {"zones": sorted({row["zone"] for row in data["statistics"]["totals"]}), "queries": dict(counts)}


def main() -> None:
    now = dt.datetime.now(dt.UTC)
    town = make_commune(code="99001", name="Réplique", adopted_on=dt.date(2024, 1, 1))
    make_neighbourhood(commune=town, name="Nord", bounds=(5.0, 43.01, 5.02, 43.02))
    make_neighbourhood(commune=town, name="Sud", bounds=(5.0, 43.0, 5.02, 43.01))
    for i in range(12):
        make_alert(commune=town, location=Point(5.001 + i / 1000, 43.005 + (i % 2) / 100), status="published")
    query = reports.StatisticsQuery(
        commune=town,
        start=dt.date(now.year - 1, now.month, 1),
        end=(now + dt.timedelta(days=40)).date().replace(day=1),
    )
    result = {}

    wait_until(caught_up, "the standby never caught up")
    result["caught_up"] = read(query)
    result["dashboard"] = dashboard_read(query)
    with counting() as counts:
        writes_side = Alert.objects.filter(status=Alert.Status.PUBLISHED).count()
        primary_statistics = reports.zone_statistics.__wrapped__(query)
    result["without_asking"] = {"published": writes_side, "queries": dict(counts)}
    result["primary_statistics"] = primary_statistics

    # Held back: replay paused on the standby, one more alert published on the primary.
    connections["replica"].cursor().execute("SELECT pg_wal_replay_pause()")
    make_alert(commune=town, location=Point(5.01, 43.005), status="published")
    wait_until(lambda: replica_lag()[1] > 1.0, "the paused standby never fell behind")
    result["primary_statistics_after"] = reports.zone_statistics.__wrapped__(query)
    result["held_back"] = read(query)
    result["held_back"]["lag"] = [probe.lag_bytes, probe.lag_s]

    connections["replica"].cursor().execute("SELECT pg_wal_replay_resume()")
    wait_until(caught_up, "the standby never caught up after resuming")
    result["resumed"] = read(query)

    # Stopped: the standby's process is killed between two probes, while the last verdict ("usable")
    # still holds. The dashboard still answers, read again from the primary, and the replica is left out.
    settings.DATABASE_REPLICA_CHECK_S = 3600
    result["usable_before_the_kill"] = replica_usable()
    pg_ctl, data = sys.argv[1:3]
    subprocess.run(["runuser", "-u", "postgres", "--", pg_ctl, "-D", data, "stop", "-m", "immediate"], check=True)  # noqa: S603, S607
    result["died_between_probes"] = dashboard_read(query)
    result["stopped_usable"] = replica_usable()
    settings.DATABASE_REPLICA_CHECK_S = 0
    result["stopped"] = read(query)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
