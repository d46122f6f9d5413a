"""Real Celery worker processes for the tests that are about Celery."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)


def worker_env() -> dict[str, str]:
    """Environment for a worker that talks to the test database and the test Redis."""
    db = connection.settings_dict
    url = f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "TEST_REDIS_URL": settings.REDIS_URL,
    }


class WorkerProcess:
    def __init__(self, *, concurrency: int = 1, extra_args: tuple[str, ...] = ()):
        self.hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={concurrency}",
                f"--hostname={self.hostname}",
                "--without-gossip",
                "--without-mingle",
                *extra_args,
            ],
            cwd=BASE_DIR,
            env=worker_env(),
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = float(os.environ.get("TEST_WORKER_READY_TIMEOUT_S", "300"))) -> None:
        """Until the worker answers a ping: the signal that it consumes its queues. Starting one
        imports Django and the whole project, over a minute on a 2-core machine at load 8; the
        bound is only how long before silence counts as a failure."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with status {self.process.returncode}")
            if celery_app.control.ping(destination=[self.hostname], timeout=2.0):
                return
        raise RuntimeError("the Celery worker did not answer in time")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
