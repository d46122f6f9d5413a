"""Chaos run of the police live map: PostgreSQL restarted while agents watch.

    .venv/bin/python bench/chaos_live_map.py [--agents 20] [--alerts 60] [--interval 0.1] [--repeats 2]

Starts a PostgreSQL server of its own (initdb in a temporary directory, run as the `postgres` system
user on a free port: the machine's shared server is never touched), migrates a database on it,
starts uvicorn (config.asgi) against it and connects N agents to the Server-Sent Events stream.
Alerts are then published one after another; halfway, the private PostgreSQL is restarted
(`pg_ctl restart -m fast`, which cuts every connection: the server's LISTEN connection and the
streams' reads). The publisher retries a publication the restart refused, as moderation's page
would. Each agent's client behaves as a browser's EventSource does: when the stream ends it
reconnects after the `retry:` delay with `Last-Event-ID`.

Counted per agent over every committed event: received (sent), never received (lost) and received
more than once (duplicated)."""

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.postgres import PrivatePostgres, free_port  # noqa: E402

DATABASE = "vigie_chaos_live"


async def watching_agent(port: int, session_key: str, received: Counter, connected: list, stop: asyncio.Event):
    """A browser's EventSource: read events, and on any end of the stream reconnect after the retry
    delay with the last id seen."""
    last_id = None
    retry_s = 1.0
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(retry_s)
            continue
        header = f"Last-Event-ID: {last_id}\r\n" if last_id is not None else ""
        writer.write(
            (
                f"GET /carte/police/flux/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
                f"Cookie: sessionid={session_key}\r\n{header}\r\n"
            ).encode()
        )
        try:
            await writer.drain()
            status = await reader.readline()
            if b" 200 " in status:
                while line := await reader.readline():
                    if line.startswith(b"retry:"):
                        retry_s = int(line[6:]) / 1000
                        connected.append(session_key)
                    elif line.startswith(b"id: "):
                        last_id = int(line[4:])
                        received[last_id] += 1
        except (OSError, ValueError):
            pass
        finally:
            writer.close()
        await asyncio.sleep(retry_s)


def publish_retrying(commune, service, committed: dict) -> int:
    """One publication; a refusal while the database restarts is retried, as a moderator would."""
    from django.db import InterfaceError, OperationalError, close_old_connections
    from live_map import publish

    attempts = 0
    while True:
        attempts += 1
        try:
            publish(commune, service, committed)
            return attempts
        except (OperationalError, InterfaceError):
            close_old_connections()
            time.sleep(0.2)


async def one_run(args, postgres: PrivatePostgres) -> dict:
    from live_map import cleanup, setup, start_server

    commune, service, cookies = await asyncio.to_thread(setup, args.agents)
    port = free_port()
    server = start_server(port, 1)
    committed: dict[int, float] = {}
    received = {key: Counter() for key in cookies}
    connected: list[str] = []
    stop = asyncio.Event()
    tasks = [asyncio.create_task(watching_agent(port, key, received[key], connected, stop)) for key in cookies]
    retries = 0
    try:
        while len(set(connected)) < args.agents:
            await asyncio.sleep(0.1)
        for index in range(args.alerts):
            if index == args.alerts // 2:
                await asyncio.to_thread(postgres.restart)
            retries += await asyncio.to_thread(publish_retrying, commune, service, committed) - 1
            await asyncio.sleep(args.interval)
        deadline = time.monotonic() + 120  # how long silence may last before the rest counts as lost
        while time.monotonic() < deadline and any(set(committed) - set(r) for r in received.values()):
            await asyncio.sleep(0.2)
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        server.terminate()
        server.wait(timeout=30)
        await asyncio.to_thread(cleanup)
    expected = set(committed)
    return {
        "agents": args.agents,
        "published": len(expected),
        "publish_retries": retries,
        "expected": len(expected) * args.agents,
        "sent": sum(sum(r.values()) for r in received.values()),
        "lost": sum(len(expected - set(r)) for r in received.values()),
        "duplicated": sum(n - 1 for r in received.values() for n in r.values() if n > 1),
        "connections": len(connected),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--alerts", type=int, default=60)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    postgres = PrivatePostgres(database=DATABASE).start()
    try:
        os.environ["DATABASE_URL"] = postgres.url(scheme="postgis")
        os.environ.setdefault("LOG_LEVEL", "ERROR")
        sys.path.insert(0, str(BASE_DIR / "bench"))
        import live_map  # noqa: F401 - sets Django up on the private database
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from routing_setup import machine

        print(f"machine: {machine()}, load average {os.getloadavg()[0]:.1f} at start", flush=True)
        for run in range(1, args.repeats + 1):
            outcome = asyncio.run(one_run(args, postgres))
            print(f"PostgreSQL restarted while {args.agents} agents watch, run {run}: {outcome}", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        postgres.stop()


if __name__ == "__main__":
    main()
