"""The police live map served by several web processes behind nginx, one of them killed mid-run.

    .venv/bin/python bench/live_map_processes.py [--processes 2] [--agents 50] [--alerts 60] [--interval 0.1]

Starts N separate uvicorn processes (config.asgi, one port each, each with its own PostgreSQL
LISTEN connection) against the database of `.env`, and nginx in front of them with the project's
own proxy configuration (deploy/nginx-vigie.conf.template: SSE unbuffered). Agents connect through
nginx, which spreads their streams over the processes; alerts are then published one after another
and, halfway, one web process is SIGKILLed. Its agents' streams end; their clients reconnect as a
browser's EventSource does (after `retry:`, with Last-Event-ID) and nginx sends them to a live
process, which replays what they missed.

Counted per agent over every committed event: lost and duplicated (both must be 0), plus the
publication-to-client latency (p50/p95 over every event and agent) for the events published
while all processes were up, beside the same measure for agents connected straight to one process
without nginx (the floor the proxy is compared with). nginx must be installed (Debian: nginx)."""

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))

import live_map  # noqa: E402 - sets Django up on the database of .env
from chaos_live_map import watching_agent  # noqa: E402
from live_map import cleanup, free_port, publish, setup, start_server  # noqa: E402
from nginx_proxy import Nginx  # noqa: E402
from routing_setup import machine  # noqa: E402


def latencies_of(received_at: dict, committed: dict, events: set) -> list[float]:
    return [received_at[(agent, event)] - committed[event] for agent, event in received_at if event in events]


async def run(args) -> dict:
    commune, service, cookies = await asyncio.to_thread(setup, args.agents)
    ports = [free_port() for _ in range(args.processes)]
    servers = [start_server(port, 1) for port in ports]
    nginx = Nginx(ports).start()
    committed: dict[int, float] = {}
    received = {key: Counter() for key in cookies}
    received_at: dict[tuple[str, int], float] = {}
    connected: list[str] = []
    stop = asyncio.Event()

    def timed(key):
        class Stamping(Counter):
            def __setitem__(self, event, count):
                received_at.setdefault((key, event), time.perf_counter())
                super().__setitem__(event, count)

        received[key] = Stamping()
        return received[key]

    tasks = [asyncio.create_task(watching_agent(nginx.port, key, timed(key), connected, stop)) for key in cookies]
    killed_after = None
    try:
        while len(set(connected)) < args.agents:
            await asyncio.sleep(0.05)
        for index in range(args.alerts):
            if index == args.alerts // 2:
                os.killpg(servers[0].pid, signal.SIGKILL)
                killed_after = set(committed)
            await asyncio.to_thread(publish, commune, service, committed)
            await asyncio.sleep(args.interval)
        deadline = time.monotonic() + 120  # how long silence may last before the rest counts as lost
        while time.monotonic() < deadline and any(set(committed) - set(r) for r in received.values()):
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # nginx logs a stream when it ends: wait for every stream the agents opened to be logged.
        deadline = time.monotonic() + 15
        while sum(nginx.streams_per_upstream().values()) < len(connected) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        streams = nginx.streams_per_upstream()
        nginx.stop()
        for server in servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
        await asyncio.to_thread(cleanup)
    expected = set(committed)
    before_kill = latencies_of(received_at, committed, killed_after or set())
    return {
        "processes": args.processes,
        "agents": args.agents,
        "published": len(expected),
        "expected": len(expected) * args.agents,
        "lost": sum(len(expected - set(r)) for r in received.values()),
        "duplicated": sum(n - 1 for r in received.values() for n in r.values() if n > 1),
        "streams_per_process": dict(streams),
        "p50_ms": round(1000 * statistics.median(before_kill), 1),
        "p95_ms": round(1000 * statistics.quantiles(before_kill, n=20)[18], 1),
    }


async def floor(args) -> dict:
    """The same agents and publications straight to one process, no proxy, nothing killed."""
    commune, service, cookies = await asyncio.to_thread(setup, args.agents)
    port = free_port()
    server = start_server(port, 1)
    sent_at: dict[int, float] = {}
    latencies: list[float] = []
    opened: list[int] = []
    connected = asyncio.Event()
    tasks = [asyncio.create_task(live_map.agent(port, key, sent_at, latencies, connected, opened)) for key in cookies]
    try:
        while len(opened) < args.agents:
            await asyncio.sleep(0.05)
        for _ in range(args.alerts // 2):
            await asyncio.to_thread(publish, commune, service, sent_at)
            await asyncio.sleep(args.interval)
        deadline = time.monotonic() + 60
        while len(latencies) < len(sent_at) * args.agents and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        server.terminate()
        server.wait(timeout=30)
        await asyncio.to_thread(cleanup)
    return {
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * statistics.quantiles(latencies, n=20)[18], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--alerts", type=int, default=60)
    parser.add_argument("--interval", type=float, default=0.1)
    args = parser.parse_args()
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        sys.exit("nginx is not installed (Debian: apt-get install nginx)")
    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    outcome = asyncio.run(run(args))
    print(f"{args.processes} web processes behind nginx, one SIGKILLed halfway: {outcome}", flush=True)
    direct = asyncio.run(floor(args))
    print(f"floor, one process without nginx: {direct}", flush=True)
    print(
        f"ratio to the floor (p95, all processes up): {outcome['p95_ms'] / max(direct['p95_ms'], 0.1):.2f}; "
        f"load average {os.getloadavg()[0]:.1f} at the end",
        flush=True,
    )


if __name__ == "__main__":
    main()
