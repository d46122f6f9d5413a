"""Fan-out: from the publish call to every delivery row committed, for one alert in a neighbourhood
of 5,000 and of 50,000 verified residents. Targets: p95 under 50 ms and under 500 ms.

    .venv/bin/python bench/fanout.py [--runs 20] [--sizes 5000 50000]

Runs against its own database (vigie_bench_routing). The clock stops in the on-commit callback that
would queue the sending, i.e. when the deliveries are committed; the queueing itself is replaced by
the time stamp so the broker is not measured.

The floor, from the same run: after each routing, the same rows copied by a bare INSERT into a plain
table with the same columns, defaults and indexes (`LIKE alerts_delivery INCLUDING ALL`) and
committed; no audience to find, no partition to choose. Its median is printed with the ratio of the
routing's to it."""

import argparse
import statistics
import time

from routing_setup import bench_database_ready, machine, published_alert, town_with_residents


def measure(commune, runs: int, category: str, floors: list[float]) -> list[float]:
    from delivery import sending
    from delivery.models import Delivery
    from delivery.routing import alert_route

    committed: list[float] = []
    sending.deliveries_dispatch_enqueue = lambda **kwargs: committed.append(time.perf_counter())
    timings = []
    for _ in range(runs):
        alert = published_alert(commune, category=category)
        committed.clear()
        start = time.perf_counter()
        alert_route(alert_id=alert.id)
        timings.append((committed[0] - start) * 1000)
        assert Delivery.objects.filter(alert=alert, kind="alert").exists()
        floors.append(floor_ms(alert.id))
    return timings


def floor_ms(alert_id: int) -> float:
    """The bare INSERT of this alert's delivery rows into an equally indexed plain table, committed."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_delivery_floor (LIKE alerts_delivery INCLUDING ALL)")
        cursor.execute("TRUNCATE bench_delivery_floor")
        cursor.execute("DROP TABLE IF EXISTS bench_floor_rows")
        cursor.execute(
            "CREATE TEMP TABLE bench_floor_rows AS SELECT * FROM alerts_delivery WHERE alert_id = %s", [alert_id]
        )
        start = time.perf_counter()
        with transaction.atomic():
            cursor.execute("INSERT INTO bench_delivery_floor SELECT * FROM bench_floor_rows")
        return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--category", default="degradation")
    args = parser.parse_args()
    bench_database_ready()
    from delivery.models import Delivery

    print(f"machine: {machine()}")
    for size in args.sizes:
        commune = town_with_residents(size)
        measure(commune, 2, args.category, [])  # warm-up: plans, caches
        floors: list[float] = []
        timings = sorted(measure(commune, args.runs, args.category, floors))
        per_alert = Delivery.objects.filter(alert__commune=commune).count() // (args.runs + 2)
        p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
        print(
            f"{size:>6} residents ({per_alert} deliveries per alert, {args.runs} runs): "
            f"median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms; "
            f"floor (bare INSERT of the same rows, committed) median {statistics.median(floors):.1f} ms, "
            f"routing / floor {statistics.median(timings) / statistics.median(floors):.2f}x at the median"
        )


if __name__ == "__main__":
    main()
