"""Publication-to-agent latency of the police live map.

Starts uvicorn (config.asgi) on a free port against the database of `.env`, connects N agents of one
police service to the Server-Sent Events stream (plain asyncio HTTP clients, as many browsers
would), then publishes alerts one after another: each publication is `alert_event_record` inside a
transaction plus its commit, timed from the start of the transaction to the moment each agent's
client has read the event off the socket. Prints p50/p95/p99/max over every (event, agent) pair.

    .venv/bin/python bench/live_map.py --agents 50 --alerts 100 --interval 0.2 [--workers 1]

Bench rows live in their own commune (code 99990) and are deleted at the end."""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.gis.geos import MultiPolygon, Point, Polygon  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from nginx_proxy import free_port, wait_listening  # noqa: E402 - the other benches import them from here

from accounts.models import Role, User  # noqa: E402
from alerts.models import Alert, AlertCategory  # noqa: E402
from delivery.events import alert_event_record  # noqa: E402
from zones import services as zone_services  # noqa: E402
from zones.models import Commune, Zone  # noqa: E402

BENCH_CODE = "99990"
BOUNDS = (5.3, 43.5, 5.34, 43.54)


def square(x0, y0, x1, y1):
    return MultiPolygon(Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))), srid=4326)


def cleanup() -> None:
    commune = Commune.objects.filter(code=BENCH_CODE).first()
    if commune is not None:
        Alert.objects.filter(commune=commune).delete()
        for service in commune.police_services.all():
            service.delete()
        commune.delete()
    User.objects.filter(email__endswith="@bench.vigie.invalid").delete()


def setup(agents: int):
    cleanup()
    commune = zone_services.commune_upsert(code=BENCH_CODE, name="Banc d'essai", boundary=square(*BOUNDS))
    service = zone_services.police_service_create(name="PM banc d'essai", communes=[commune])
    zone_services.zone_create(
        commune=commune,
        kind=Zone.Kind.POLICE_SECTOR,
        name="Secteur banc",
        boundary=square(*BOUNDS),
        police_service=service,
    )
    cookies = []
    for index in range(agents):
        user = User.objects.create_user(email=f"agent{index}@bench.vigie.invalid", password=None)
        Role.objects.create(user=user, kind=Role.Kind.POLICE_AGENT, police_service=service)
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        cookies.append(session.session_key)
    return commune, service, cookies


def publish(commune, service, sent_at: dict[int, float]) -> None:
    """One publication as routing does it: the alert's event recorded, then committed."""
    category = AlertCategory.objects.get(code="cambriolage")
    started = time.perf_counter()
    with transaction.atomic():
        alert = Alert.objects.create(
            category=category,
            commune=commune,
            location=Point(5.31, 43.51, srid=4326),
            occurred_at=django.utils.timezone.now(),
            published_at=django.utils.timezone.now(),
            description="Banc d'essai",
            status=Alert.Status.PUBLISHED,
        )
        for event in alert_event_record(alert=alert, kind="published", police_service_ids=[service.id]):
            sent_at[event.id] = started


async def agent(port: int, session_key: str, sent_at: dict, latencies: list, connected: asyncio.Event, counter):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"GET /carte/police/flux/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
            f"Cookie: sessionid={session_key}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"stream refused: {status!r}")
    try:
        while line := await reader.readline():
            if line.startswith(b"retry:"):
                counter.append(1)
                connected.set()
            elif line.startswith(b"id: "):
                received = time.perf_counter()
                latencies.append(received - sent_at[int(line[4:])])
    finally:
        writer.close()


def start_server(port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
        + ["--lifespan", "off", "--log-level", "warning", "--workers", str(workers)],
        cwd=BASE_DIR,
        start_new_session=True,
    )
    wait_listening(port)
    return server


async def run(args) -> list[float]:
    commune, service, cookies = await asyncio.to_thread(setup, args.agents)
    port = free_port()
    server = start_server(port, args.workers)
    sent_at: dict[int, float] = {}
    latencies: list[float] = []
    opened: list[int] = []
    try:
        connected = asyncio.Event()
        tasks = [asyncio.create_task(agent(port, key, sent_at, latencies, connected, opened)) for key in cookies]
        deadline = time.monotonic() + 30
        while len(opened) < args.agents and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        print(f"{len(opened)} agents connected")
        for _ in range(args.alerts):
            await asyncio.to_thread(publish, commune, service, sent_at)
            await asyncio.sleep(args.interval)
        await asyncio.sleep(2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        await asyncio.to_thread(cleanup)
    expected = args.agents * args.alerts
    print(f"deliveries: {len(latencies)} of {expected} expected ({args.agents} agents x {args.alerts} alerts)")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--alerts", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between two publications")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    latencies = sorted(asyncio.run(run(args)))
    if not latencies:
        print("no event received")
        sys.exit(1)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))] * 1000

    print(
        f"publication -> agent latency (ms): p50 {pct(50):.1f}  p95 {pct(95):.1f}  p99 {pct(99):.1f}  "
        f"max {latencies[-1] * 1000:.1f}  mean {statistics.mean(latencies) * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
