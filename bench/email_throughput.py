"""Email throughput: two Celery worker processes send the deliveries of one alert to a local SMTP
server (aiosmtpd, in this process). Target: at least 200 emails per second.

    .venv/bin/python bench/email_throughput.py [--residents 3000] [--workers 2]

Uses the bench database (vigie_bench_routing) and this worktree's Redis (REDIS_URL in .env), whose
queue it purges first. The clock runs from the publish call to the last delivery marked sent."""

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading

from aiosmtpd.controller import Controller
from routing_setup import (
    BASE_DIR,
    BENCH_ENV,
    bench_database_ready,
    machine,
    published_alert,
    route_until_settled,
    town_with_residents,
    workers_await,
)


class CountingSink:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        with self.lock:
            self.count += 1
        return "250 OK"


def start_workers(count: int, smtp_port: int, *, first: int = 0) -> list[subprocess.Popen]:
    """`count` workers named bench<first>@localhost, bench<first + 1>@localhost, ..."""
    env = {**os.environ, **BENCH_ENV, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}"}
    return [
        subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=WARNING",
                "--concurrency=1",
                f"--hostname=bench{first + index}@localhost",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
        )
        for index in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    bench_database_ready()
    from config.celery import app as celery_app

    sink = CountingSink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    celery_app.control.purge()
    commune = town_with_residents(args.residents)
    workers = start_workers(args.workers, smtp_port)
    try:
        workers_await([f"bench{index}@localhost" for index in range(args.workers)])
        total, elapsed, failed = route_until_settled(published_alert(commune))
        print(f"machine: {machine()}")
        print(
            f"{total} deliveries, {sink.count} emails received, {failed} failed, {args.workers} workers: "
            f"{elapsed:.2f} s, {sink.count / elapsed:.0f} emails/s"
        )
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        controller.stop()


if __name__ == "__main__":
    main()
