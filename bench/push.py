"""Web Push throughput: two Celery worker processes (two prefork children each, each child posting
from its event loop, 16 pushes in flight at most) push the deliveries of one alert to a local push
service, every payload encrypted for its device and signed with VAPID. Target: at least 1,000
pushes per second, every device once; from publication to the push received, p95 under 2 s for
5,000 residents.

    .venv/bin/python bench/push.py [--residents 5000] [--devices 1] [--workers 2] [--children 2]
                                   [--concurrency 16] [--group 50] [--service-processes 2]

Uses its own database (vigie_bench_push, created and migrated if missing; BENCH_DB to change it) and
this worktree's Redis (REDIS_URL in .env), whose queues it purges first: run no test suite on the
same Redis database meanwhile. Every process it starts is stopped at the end, Ctrl-C included.

The push service (tests/delivery/push_service.py, `PushServicePool`) runs as several processes on
one port; during the timed run they check each request (device, VAPID token) and keep the body,
and every body is decrypted afterwards with its device's key: each device must have exactly one
correctly encrypted push. The clock runs from the routing call to the last delivery settled.
Two alerts are sent one after the other: the first meets workers that never sent (connections to
open, first queries), the second warm ones, as production's long-lived workers are; both are printed,
the second is the one held against the targets, and the floor's best rate bounds its p95 from below.
From the same run, on the same devices and push service, with the same processes and pushes in
flight as the workers: the floor (encrypting and posting, no database, no ledger), bare HTTP POSTs
of ready bodies, the encryption alone (one process) and the naive alternative
(`pywebpush.webpush()` per push: requests, a new connection and a new VAPID signature each time)."""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time

os.environ.setdefault("BENCH_DB", "vigie_bench_push")

from routing_setup import (  # noqa: E402 - after the database is chosen
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
from tests.delivery.push_service import PushServicePool, vapid_private_key, vapid_public_key  # noqa: E402

NAIVE_SAMPLE = 600  # pushes timed for the naive alternative (requests is slow; the floors use every device)


def start_workers(count: int, vapid_key: str, children: int) -> list[subprocess.Popen]:
    # Connections kept between tasks, as in production (config/settings/prod.py).
    env = {
        **os.environ,
        **BENCH_ENV,
        "VAPID_PRIVATE_KEY": vapid_key,
        "EMAIL_URL": "dummymail://",
        "CONN_MAX_AGE": "60",
    }
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
                f"--concurrency={children}",
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


def devices_subscribe(service: PushServicePool, commune, per_person: int) -> list[dict]:
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
    with connection.cursor() as cursor:  # as autovacuum would have, for devices made over months
        cursor.execute("ANALYZE delivery_pushsubscription; ANALYZE alerts_notificationpreference")
    return subscriptions


def alert_pushed(commune, service: PushServicePool, devices: int, worker_pids: list[int]) -> dict:
    """Publish an alert in the town, route it as moderation's commit does, and wait until every
    delivery is settled: what the push service received (kept encrypted until the end), when, and the
    CPU the workers, the push service and PostgreSQL spent meanwhile."""
    cpu_before = cpu_seconds(worker_pids), cpu_seconds(service.pids()), postgres_cpu_seconds()
    refused_before = len(service.refused)
    alert = published_alert(commune)
    published_at = time.monotonic()  # the publication has committed; routing follows on commit
    timings = {}
    pushed = lambda: service.count() >= devices  # noqa: E731 - read by the waiting loop
    total, elapsed, failed = route_until_settled(alert, timings, done=pushed)
    measured = {
        "workers_cpu": cpu_seconds(worker_pids) - cpu_before[0],
        "service_cpu": cpu_seconds(service.pids()) - cpu_before[1],
        "postgres_cpu": postgres_cpu_seconds() - cpu_before[2],
    }
    service.collect()
    latencies = sorted(at - published_at for at in service.accepted_at)
    measured.update(
        total=total,
        elapsed=elapsed,
        failed=failed,
        raw=service.raw,
        received=len(service.raw),
        refused=len(service.refused) - refused_before,
        rate=len(service.raw) / elapsed,
        routed=timings["routed"],
        first=latencies[0],
        p50=latencies[len(latencies) // 2],
        p95=latencies[int(len(latencies) * 0.95)],
    )
    service.raw, service.accepted_at = [], []
    return measured


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) used so far by these processes and all their descendants: unlike the
    wall clock, it hardly depends on what else the machine runs."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat:
                parents[int(entry)] = int(stat[1])
    tree, frontier = set(pids), list(pids)
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid and child not in tree]
        tree.update(children)
        frontier.extend(children)
    ticks = sum(int(stat[11]) + int(stat[12]) for stat in map(_stat, tree) if stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time used so far by the PostgreSQL server's processes (its backends, the postmaster, the
    background workers) still running; a backend that exited takes its time with it. On a quiet
    machine that is the time the workers' queries and the benchmark's own polling cost the server."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/comm") as comm:
                if comm.read().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry))
    ticks = sum(int(stat[11]) + int(stat[12]) for stat in map(_stat, pids) if stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat from the state on (the process name may hold spaces)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def floor_rates(
    subscriptions: list[dict], processes: int, service_pids: list[int], *, naive: bool
) -> dict[str, float]:
    """The same pushes without the ledger, pushes per second and CPU milliseconds per push (the
    posting processes' and the push service's): `processes` forked processes (as many as the
    workers' children), each posting as the workers do (delivery/channels/push.py)."""
    import multiprocessing

    chunks = [subscriptions[index::processes] for index in range(processes)]
    kinds = [("bare_post", chunks), ("floor", chunks)]
    if naive:
        kinds.append(("naive", [chunk[: NAIVE_SAMPLE // processes] for chunk in chunks]))
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        rates = {"encryption": pool.apply(_encryption_rate, (subscriptions[:2000],))}
        for name, work in kinds:
            service_cpu = cpu_seconds(service_pids)
            spans = pool.starmap(_pushes, [(name, chunk) for chunk in work])
            count = sum(map(len, work))
            rates[name] = count / (max(span[1] for span in spans) - min(span[0] for span in spans))
            cpu = sum(span[2] for span in spans) + cpu_seconds(service_pids) - service_cpu
            rates[f"{name}_cpu_ms"] = 1000 * cpu / count
    return rates


PAYLOAD = b'{"title": "Vigie", "body": "floor", "url": "https://vigie.example/alertes/1/"}'


def _encryption_rate(subscriptions: list[dict]) -> float:
    from delivery.channels.push import encrypted

    start = time.perf_counter()
    for subscription in subscriptions:
        encrypted(PAYLOAD, **subscription["keys"])
    return len(subscriptions) / (time.perf_counter() - start)


def _pushes(name: str, subscriptions: list[dict]) -> tuple[float, float, float]:
    """Post these pushes as the workers do (the process's sender, delivery/channels/push.py); when
    the posting began and ended (monotonic clock, the same in every process) and the CPU it took,
    ready bodies being made before for the bare POSTs. The naive alternative posts from a pool of
    as many threads as the sender has connections."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor, wait

    from django.conf import settings
    from pywebpush import WebPusher, webpush

    from delivery.channels.push import Device, sender

    push_sender = sender()
    devices = [Device(0, 0, s["endpoint"], **s["keys"]) for s in subscriptions]
    bodies = [WebPusher(s).encode(PAYLOAD, "aes128gcm")["body"] for s in subscriptions] if name == "bare_post" else []
    start, cpu = time.monotonic(), time.process_time()
    if name == "floor":
        outcomes = push_sender.push_all([(device, PAYLOAD, "normal", 60) for device in devices]).result()
    elif name == "bare_post":
        headers = {**push_sender.authorization(devices[0].endpoint), "Content-Encoding": "aes128gcm", "TTL": "60"}

        async def posts() -> list:
            return await asyncio.gather(
                *(push_sender.post(d.endpoint, b, headers) for d, b in zip(devices, bodies, strict=True)),
                return_exceptions=True,
            )

        outcomes = asyncio.run_coroutine_threadsafe(posts(), push_sender.loop).result()
    else:
        claims = {"sub": settings.VAPID_SUBJECT}
        with ThreadPoolExecutor(settings.PUSH_CONCURRENCY) as pool:
            futures = [
                pool.submit(
                    webpush,
                    s,
                    data=PAYLOAD.decode(),
                    vapid_private_key=settings.VAPID_PRIVATE_KEY,
                    vapid_claims=dict(claims),
                    ttl=60,
                )
                for s in subscriptions
            ]
            done, _ = wait(futures)
        outcomes = [future.result() for future in done]
    end, cpu = time.monotonic(), time.process_time() - cpu
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return start, end, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--devices", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--children", type=int, default=2, help="prefork children of each worker")
    parser.add_argument("--service-processes", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16, help="pushes in flight in each worker process")
    parser.add_argument("--group", type=int, default=50, help="push-only deliveries claimed and settled together")
    args = parser.parse_args()
    vapid_key = vapid_private_key()
    os.environ.update(
        VAPID_PRIVATE_KEY=vapid_key,
        PUSH_CONCURRENCY=str(args.concurrency),
        PUSH_GROUP_SIZE=str(args.group),
        # The local push service listens on the loopback interface, over plain HTTP.
        PUSH_ALLOW_HTTP_ENDPOINTS="true",
        PUSH_SERVICE_HOSTS="127.0.0.1",
    )
    bench_database_ready()
    from config.celery import app as celery_app

    service = PushServicePool(application_server_key=vapid_public_key(vapid_key), processes=args.service_processes)
    celery_app.control.purge()
    commune = town_with_residents(args.residents)
    subscriptions = devices_subscribe(service, commune, args.devices)
    workers = []
    processes = args.workers * args.children
    try:
        service.start()
        floors_before = floor_rates(subscriptions, processes, service.pids(), naive=False)
        service.collect()  # the floor's pushes are not the ledger's
        floor_refused, service.raw, service.accepted_at, service.refused = service.refused, [], [], []
        load_before = os.getloadavg()[0]
        workers = start_workers(args.workers, vapid_key, args.children)
        workers_await([f"benchpush{index}@localhost" for index in range(args.workers)], timeout=600)
        worker_pids = [worker.pid for worker in workers]
        # The first alert meets processes that never sent (their connections, imports and first
        # queries to make); production's workers and web processes are long-lived, as for the
        # second, which is the one measured against the targets. Both are printed.
        cold = alert_pushed(commune, service, len(subscriptions), worker_pids)
        run = alert_pushed(commune, service, len(subscriptions), worker_pids)
        load_after = os.getloadavg()[0]
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        workers = []
        for measured in (cold, run):
            service.raw, service.received = measured["raw"], []
            service.decrypt_all()
            measured["per_device"] = service.per_device()
        floors_after = floor_rates(subscriptions, processes, service.pids(), naive=True)
        load_end = os.getloadavg()[0]
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGKILL)
        service.stop()

    print(
        f"machine: {machine()}; load average {load_before:.1f} before, {load_after:.1f} after the runs, "
        f"{load_end:.1f} after the floors"
    )
    print(
        f"{args.workers} workers ({args.children} prefork children each, {args.concurrency} pushes in flight, "
        f"groups of {args.group}), "
        f"push service in {args.service_processes} processes"
    )
    for measured, label in ((cold, "first alert, workers that never sent"), (run, "next alert, measured")):
        per_device = measured["per_device"]
        once = len(per_device) == len(subscriptions) and set(per_device.values()) == {1}
        print(
            f"{label}: {measured['total']} deliveries ({args.residents} residents x {args.devices} devices + 5 "
            f"agents without device), {measured['received']} pushes received, {sum(per_device.values())} "
            f"decrypted, {measured['refused']} refused, {measured['failed']} failed, every device once: {once}; "
            f"{measured['elapsed']:.2f} s, {measured['rate']:.0f} pushes/s; publication to push received: "
            f"p50 {measured['p50']:.2f} s, p95 {measured['p95']:.2f} s (routing, deliveries written and committed, "
            f"after {measured['routed']:.2f} s; first push after {measured['first']:.2f} s)"
        )
    rate = run["rate"]
    per_push = 1000 * (run["workers_cpu"] + run["service_cpu"]) / run["received"]
    workers_ms = 1000 * run["workers_cpu"] / run["received"]
    postgres_ms = 1000 * run["postgres_cpu"] / run["received"]
    print(
        f"CPU per push: {per_push:.2f} ms, of which {workers_ms:.2f} ms in the workers and "
        f"{1000 * run['service_cpu'] / run['received']:.2f} ms in the local push service; PostgreSQL "
        f"{postgres_ms:.2f} ms more (its processes, the benchmark's polling included); on {os.cpu_count()} idle "
        f"cores that is at most {os.cpu_count() * 1000 / (per_push + postgres_ms):.0f} pushes/s, "
        f"{os.cpu_count() * 1000 / (workers_ms + postgres_ms):.0f} with the push service elsewhere, as in production"
    )
    best_floor = max(floors_before["floor"], floors_after["floor"])
    bound = run["first"] + 0.95 * run["received"] / best_floor
    print(
        f"p95 at the floor: were the ledger free, 95 % of the pushes at the floor's best rate of this run "
        f"({best_floor:.0f}/s) after this first push would still put p95 at {bound:.2f} s"
    )
    same = f"{processes} processes x {args.concurrency} in flight"
    print(f"the same pushes without the ledger, measured before and after the run (refused: {len(floor_refused)}):")
    for name, label in (
        ("floor", f"floor: encrypting and posting, no database or ledger ({same})"),
        ("bare_post", f"bare HTTP POSTs of ready bodies ({same})"),
        ("encryption", "encryption alone (http_ece, as the workers encrypt, one process)"),
    ):
        mean = (floors_before[name] + floors_after[name]) / 2
        cpu = ""
        if name != "encryption":
            cpu_ms = (floors_before[f"{name}_cpu_ms"] + floors_after[f"{name}_cpu_ms"]) / 2
            cpu = f"; {cpu_ms:.2f} ms CPU per push, ledger / this = {per_push / cpu_ms:.2f}x"
        print(
            f"  {label}: {floors_before[name]:.0f} and {floors_after[name]:.0f} pushes/s; "
            f"ledger / their mean = {rate / mean:.2f}x{cpu}"
        )
    naive = floors_after["naive"]
    print(f"  naive: pywebpush.webpush() per push ({same}): {naive:.0f} pushes/s; ledger / this = {rate / naive:.2f}x")


if __name__ == "__main__":
    main()
