"""Web Push throughput: two Celery worker processes push the deliveries of one alert to a local push
service (tests/delivery/push_service.py, aiohttp, in this process), every payload encrypted for its
device and signed with VAPID. Target: at least 1,000 pushes per second, every device once.

    .venv/bin/python bench/push.py [--residents 3000] [--devices 1] [--workers 2]

Uses the bench database (vigie_bench_routing) and this worktree's Redis (REDIS_URL in .env), whose
queue it purges first. The clock runs from the routing call to the last delivery settled; the push
service keeps the bodies during the run and decrypts them afterwards, each with its device's key.
From the same run, beside it, measured in a forked process on the same devices: the encryption
alone, bare HTTP POSTs of ready bodies, the floor (one loop encrypting and posting: no database, no
ledger, one kept-alive connection, one VAPID token) and the naive alternative
(`pywebpush.webpush()` per push: requests, a new connection and a new VAPID signature each time)."""

import argparse
import os
import signal
import subprocess
import sys
import time

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

sys.path.insert(0, str(BASE_DIR))
from tests.delivery.push_service import PushService, vapid_private_key, vapid_public_key  # noqa: E402

SAMPLE = 300  # pushes timed for the floor and the naive alternative


def start_workers(count: int, vapid_key: str) -> list[subprocess.Popen]:
    env = {**os.environ, **BENCH_ENV, "VAPID_PRIVATE_KEY": vapid_key, "EMAIL_URL": "consolemail://"}
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
                f"--hostname=benchpush{index}@localhost",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
        )
        for index in range(count)
    ]


def devices_subscribe(service: PushService, commune, per_person: int) -> list[dict]:
    """`per_person` devices for each resident, push chosen and email off: only push is measured."""
    from django.db import connection

    from delivery.models import NotificationPreference, PushSubscription

    people = list(
        connection.cursor().execute(
            "SELECT user_id FROM accounts_residence WHERE commune_id = %s ORDER BY user_id", [commune.id]
        )
    )
    rows, subscriptions = [], []
    for (user_id,) in people:
        for _ in range(per_person):
            device = service.device()
            subscriptions.append(device)
            rows.append(PushSubscription(user_id=user_id, endpoint=device["endpoint"], **device["keys"]))
    PushSubscription.objects.all().delete()
    PushSubscription.objects.bulk_create(rows, batch_size=2000)
    NotificationPreference.objects.filter(user_id__in=[user_id for (user_id,) in people]).delete()
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user_id=user_id, by_email=False, by_push=True) for (user_id,) in people],
        batch_size=2000,
    )
    return subscriptions


def floor_rates(service: PushService, subscriptions: list[dict], vapid_key: str) -> dict[str, float]:
    """The floors and the naive alternative, pushes per second, measured in a forked child: in this
    process every request would wait for the push service's thread to get the interpreter lock
    (5 ms switch interval), which once made the floor look slower than the ledger."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:
        return pool.apply(_floor_rates, (subscriptions[:SAMPLE], vapid_key))


def _floor_rates(subscriptions: list[dict], vapid_key: str) -> dict[str, float]:
    from django.conf import settings
    from pywebpush import WebPusher, webpush

    from delivery.channels.push import PushSender
    from delivery.models import PushSubscription

    payload = b'{"title": "Vigie", "body": "floor"}'
    pushers = [WebPusher(s) for s in subscriptions]
    rates = {"encryption": _rate(lambda: [p.encode(payload, "aes128gcm") for p in pushers], len(pushers))}
    sender = PushSender()
    devices = [PushSubscription(endpoint=s["endpoint"], **s["keys"]) for s in subscriptions]
    bodies = [p.encode(payload, "aes128gcm")["body"] for p in pushers]
    headers = {**sender.authorization(devices[0].endpoint), "Content-Encoding": "aes128gcm", "TTL": "60"}
    rates["bare_post"] = _rate(
        lambda: [sender.post(d.endpoint, body, headers) for d, body in zip(devices, bodies, strict=True)], len(devices)
    )
    rates["floor"] = _rate(lambda: [sender.push(d, payload, urgency="normal", ttl=60) for d in devices], len(devices))
    sender.close()
    claims = {"sub": settings.VAPID_SUBJECT}
    rates["naive"] = _rate(
        lambda: [
            webpush(s, data=payload.decode(), vapid_private_key=vapid_key, vapid_claims=dict(claims), ttl=60)
            for s in subscriptions
        ],
        len(subscriptions),
    )
    return rates


def _rate(work, count: int) -> float:
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=3000)
    parser.add_argument("--devices", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    vapid_key = vapid_private_key()
    os.environ["VAPID_PRIVATE_KEY"] = vapid_key
    bench_database_ready()
    from config.celery import app as celery_app

    load_before = os.getloadavg()[0]
    service = PushService(application_server_key=vapid_public_key(vapid_key), decrypt_later=True).start()
    celery_app.control.purge()
    commune = town_with_residents(args.residents)
    subscriptions = devices_subscribe(service, commune, args.devices)
    workers = start_workers(args.workers, vapid_key)
    try:
        workers_await([f"benchpush{index}@localhost" for index in range(args.workers)], timeout=600)
        alert = published_alert(commune)
        published_at = time.monotonic()
        total, elapsed, failed = route_until_settled(alert)
        received = service.count()
        latencies = sorted(at - published_at for at in service.accepted_at)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)

    load_after = os.getloadavg()[0]
    service.decrypt_all()
    per_device = service.per_device()
    once = len(per_device) == len(subscriptions) and set(per_device.values()) == {1}
    decrypted = sum(per_device.values())
    rates = floor_rates(service, subscriptions, vapid_key)
    service.stop()
    rate = received / elapsed
    print(f"machine: {machine()}; load average {load_before:.1f} before, {load_after:.1f} after")
    print(
        f"{total} deliveries ({args.residents} residents x {args.devices} devices + 5 agents without device), "
        f"{received} pushes received, {decrypted} decrypted, {len(service.refused)} refused, {failed} failed, "
        f"every device once: {once}; {args.workers} workers: {elapsed:.2f} s, {rate:.0f} pushes/s"
    )
    p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
    print(f"publication to push received by the push service: p50 {p50:.2f} s, p95 {p95:.2f} s")
    for name, label in (
        ("encryption", "encryption alone (pywebpush encode, one core)"),
        ("bare_post", "bare HTTP POSTs of ready bodies, one kept-alive connection"),
        ("floor", "floor, one loop encrypting and posting, no database or ledger"),
    ):
        print(
            f"{label}: {rates[name]:.0f} pushes/s; ledger ({args.workers} workers) / this = {rate / rates[name]:.2f}x"
        )
    print(
        f"naive, pywebpush.webpush() per push: {rates['naive']:.0f} pushes/s; "
        f"ledger with {args.workers} workers / naive = {rate / rates['naive']:.2f}x"
    )


if __name__ == "__main__":
    main()
