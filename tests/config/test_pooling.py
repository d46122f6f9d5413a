"""Vigie behind PgBouncer in transaction mode (a real pgbouncer, started by the test in front of the
test database): concurrent posting, locking and iteration work through the pooler, and the live
map's LISTEN connection goes past it, straight to PostgreSQL, and hears what was committed through
it."""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.postgres import free_port, run_scenario

ROOT = Path(__file__).resolve().parents[2]
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not Path(PGBOUNCER).exists(), reason="pgbouncer is installed by make test (system-deps)"),
]


def admin(port: int, command: str) -> list[list[str]]:
    out = subprocess.run(  # noqa: S603
        ["psql", f"postgresql://vigie@127.0.0.1:{port}/pgbouncer", "-qAtF", "|", "-c", command],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split("|") for line in out.splitlines()]


@pytest.fixture
def pgbouncer(transactional_db):
    db = connection.settings_dict
    port = free_port()
    directory = Path(tempfile.mkdtemp(prefix="vigie-pgbouncer-"))
    (directory / "users.txt").write_text('"vigie" ""\n')
    (directory / "pgbouncer.ini").write_text(
        f"[databases]\n{db['NAME']} = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} "
        f"user={db['USER']} password={db['PASSWORD']}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory}/users.txt\nadmin_users = vigie\n"
        "pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 200\n"
        f"logfile = {directory}/pgbouncer.log\nignore_startup_parameters = extra_float_digits,options\n"
    )
    shutil.chown(directory, "postgres")
    process = subprocess.Popen(["runuser", "-u", "postgres", "--", PGBOUNCER, str(directory / "pgbouncer.ini")])  # noqa: S603, S607
    deadline = time.monotonic() + 30
    while True:  # until the admin console answers: pgbouncer's readiness
        try:
            admin(port, "SHOW VERSION")
            break
        except subprocess.CalledProcessError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError((directory / "pgbouncer.log").read_text()) from None
            time.sleep(0.1)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)


def test_vigie_works_through_transaction_pooling_and_listens_past_it(pgbouncer):
    db = connection.settings_dict
    direct = f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    result = run_scenario(
        "tests.config.pooling_scenario",
        DATABASE_URL=f"postgis://vigie@127.0.0.1:{pgbouncer}/{db['NAME']}",
        DATABASE_TRANSACTION_POOLING=os.environ.get("VIGIE_TEST_POOLING_SETTING", "true"),
        DATABASE_DIRECT_URL=direct,
    )

    threads, rounds = 6, 10
    assert result["alerts"] == threads * rounds  # every transaction through the pooler committed
    assert result["iterated"] >= threads * rounds  # and every iteration read its rows to the end
    assert result["listen_port"] == int(db["PORT"] or 5432) != pgbouncer
    assert result["heard"] is True

    stats = {row[0]: row for row in admin(pgbouncer, "SHOW STATS")}
    header = (
        subprocess.run(  # noqa: S603
            ["psql", f"postgresql://vigie@127.0.0.1:{pgbouncer}/pgbouncer", "-qAF", "|", "-c", "SHOW STATS"],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.splitlines()[0]
        .split("|")
    )
    transactions = int(stats[db["NAME"]][header.index("total_xact_count")])
    assert transactions >= threads * rounds  # the work really went through PgBouncer
    pools = [row for row in admin(pgbouncer, "SHOW POOLS") if row[0] == db["NAME"]]
    assert pools and all(row[-1] == "transaction" for row in pools)
