"""Statistics read from a real streaming replica: a private PostgreSQL primary holding the test
database's schema and reference rows, a hot standby made from it by pg_basebackup, and a process
of Vigie configured with both (tests/config/replica_scenario.py). Reads that ask for the replica go
there while it is caught up, fall back to the primary while it lags or is down, and nothing else
ever reads from it."""

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.postgres import PrivatePostgres, run_scenario

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.services


@pytest.fixture
def primary_and_standby(db):
    database = settings.DATABASES["default"]
    dump = subprocess.run(  # noqa: S603
        ["pg_dump", "--no-owner", "--no-privileges", connection.settings_dict["NAME"]],  # noqa: S607
        env={
            **os.environ,
            "PGHOST": database["HOST"],
            "PGPORT": str(database["PORT"]),
            "PGUSER": database["USER"],
            "PGPASSWORD": database["PASSWORD"],
        },
        check=True,
        capture_output=True,
    ).stdout
    primary = PrivatePostgres().start()
    standby = PrivatePostgres()
    try:
        primary.load(dump)
        standby.start_standby_of(primary)
        standby.wait_replaying()
        yield primary, standby
    finally:
        standby.stop()
        primary.stop()


def test_statistics_read_from_the_replica_only_while_it_is_usable(primary_and_standby):
    primary, standby = primary_and_standby
    result = run_scenario(
        "tests.config.replica_scenario",
        str(standby.bin / "pg_ctl"),
        str(standby.data),
        DATABASE_URL=primary.url(scheme="postgis"),
        DATABASE_REPLICA_URL=standby.url(scheme="postgis"),
        DATABASE_REPLICA_CHECK_S="0",
        DATABASE_REPLICA_MAX_LAG_S="0.5",
    )

    caught_up = result["caught_up"]
    assert caught_up["published"] == 12
    assert caught_up["queries"].get("replica", 0) > 0 and caught_up["queries"].get("default", 0) == 0
    assert caught_up["statistics"] == result["primary_statistics"]  # the same figures, read on the standby

    # The mayor's whole dashboard (reports, layers, map, evaluation, sources) reads only the standby.
    dashboard = result["dashboard"]
    assert dashboard["zones"] == ["Nord", "Sud"]
    assert dashboard["queries"].get("replica", 0) > 0 and dashboard["queries"].get("default", 0) == 0

    # Code that did not ask for the replica (posting, moderation, routing...) never reads from it.
    assert result["without_asking"]["published"] == 12
    assert result["without_asking"]["queries"].get("replica", 0) == 0

    held_back = result["held_back"]
    assert held_back["lag"][0] > 0 and held_back["lag"][1] > 0.5
    assert held_back["published"] == 13  # read on the primary: the alert the standby has not replayed
    assert held_back["queries"].get("replica", 0) == 0 and held_back["queries"]["default"] > 0
    # Published counts are perturbed (cell keys), so 12 and 13 events may read the same: compare
    # with what the primary itself gives once the alert is in.
    assert held_back["statistics"] == result["primary_statistics_after"]

    resumed = result["resumed"]
    assert resumed["published"] == 13 and resumed["queries"].get("default", 0) == 0
    assert resumed["statistics"] == result["primary_statistics_after"]

    assert result["usable_before_the_kill"] is True
    died = result["died_between_probes"]
    assert died["zones"] == ["Nord", "Sud"] and died["queries"]["default"] > 0
    assert result["stopped_usable"] is False
    stopped = result["stopped"]
    assert stopped["published"] == 13 and stopped["statistics"] == resumed["statistics"]
    assert stopped["queries"].get("replica", 0) == 0
