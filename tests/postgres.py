"""PostgreSQL servers of a test's or a benchmark's own: initdb in a temporary directory, run as the
`postgres` system user (initdb refuses root) on a free port of the loopback interface, so the
machine's shared server is never touched. A server can be started as a streaming standby of
another (`pg_basebackup -R`), which is how a read replica runs in production."""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _pg_bin() -> Path:
    if "VIGIE_PG_BIN" in os.environ:
        return Path(os.environ["VIGIE_PG_BIN"])
    versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda path: int(path.name))
    return versions[-1] / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivatePostgres:
    """One server in a directory of its own. `start()` makes a new cluster; `start_standby_of(primary)`
    a hot standby streaming from `primary`."""

    def __init__(self, database: str = "vigie"):
        self.database = database
        self.port = free_port()
        self.bin = _pg_bin()
        self.directory = Path(tempfile.mkdtemp(prefix="vigie-pg-"))
        self.data = self.directory / "data"
        owner = pwd.getpwnam("postgres")
        os.chown(self.directory, owner.pw_uid, owner.pw_gid)

    def _as_postgres(self, *argv: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True, capture_output=True)  # noqa: S603, S607

    def _pg_ctl(self, *argv: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        log = str(self.directory / "log")
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", log, "-w", "-o", options, *argv)

    def start(self) -> "PrivatePostgres":
        # initdb's pg_hba.conf trusts local replication connections too, which pg_basebackup uses.
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "vigie")
        self._pg_ctl("start")
        self.psql("postgres", f"CREATE DATABASE {self.database}")
        return self

    def start_standby_of(self, primary: "PrivatePostgres") -> "PrivatePostgres":
        """A hot standby: a base backup of the primary with `standby.signal` and the connection to
        stream from (-R), started read-only."""
        self._as_postgres(
            str(self.bin / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "vigie"),
            *("-D", str(self.data), "-R", "-X", "stream", "--checkpoint=fast"),
        )
        self._pg_ctl("start")
        return self

    def psql(self, database: str, command: str) -> str:
        return subprocess.run(  # noqa: S603
            ["psql", self.url(database), "-v", "ON_ERROR_STOP=1", "-qAtc", command],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def load(self, dump: bytes) -> None:
        """Load a plain-SQL dump (pg_dump's output) into this server's database."""
        subprocess.run(  # noqa: S603
            ["psql", self.url(), "-v", "ON_ERROR_STOP=1", "-q"],  # noqa: S607
            input=dump,
            check=True,
            capture_output=True,
        )

    def wait_replaying(self, timeout: float = 60) -> None:
        """Until the standby accepts connections and replays (its readiness signal)."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(subprocess.CalledProcessError):
                if self.psql("postgres", "SELECT pg_is_in_recovery()") == "t":
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby on port {self.port} did not start replaying")
            time.sleep(0.1)

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def kill(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg_ctl("stop", "-m", "immediate")

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, database: str | None = None, scheme: str = "postgresql") -> str:
        return f"{scheme}://vigie@127.0.0.1:{self.port}/{database or self.database}"


def run_scenario(module: str, *argv: str, **settings: str) -> dict:
    """Run `python -m module argv...` as a Vigie process configured by `settings` (environment
    variables such as DATABASE_URL, on top of the test settings) and return the JSON it printed last."""
    import json
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **settings}
    run = subprocess.run(  # noqa: S603
        [sys.executable, "-m", module, *argv],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])
