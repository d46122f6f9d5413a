"""Retention: dropping a month of deliveries (DETACH + DROP of its partition) against DELETE of the same
rows, for months of several sizes: the drop should cost the same whatever the month holds.

    BENCH_DB=vigie_bench_retention .venv/bin/python bench/retention.py [--sizes 250000 1000000]

Runs in its own database (vigie_bench_retention by default, created and migrated if missing). Each
month is filled with one INSERT ... SELECT of synthetic deliveries (the fan-out's statement shape,
with every index of the table), which is also the floor the figures are compared to: the drop against
writing the month, the DELETE (and the VACUUM it leaves to do) against the drop."""

import argparse
import os
import time
from datetime import date

os.environ.setdefault("BENCH_DB", "vigie_bench_retention")

from routing_setup import bench_database_ready, machine  # noqa: E402

MONTH = date(2001, 1, 1)  # far from any real month, so nothing else lives in it


def _fill(cursor, rows: int) -> float:
    """Write `rows` deliveries of one month, 1,000 recipients per alert; seconds taken."""
    start = time.perf_counter()
    cursor.execute(
        """
        INSERT INTO alerts_delivery (recipient_id, kind, alert_id, month, status, reason, email_status, sms_status,
                                     push_status, attempts, last_error, created_at, send_after, sent_at)
        SELECT i %% 1000 + 1, 'alert', i / 1000 + 1, %s, 'sent', '', 'sent', 'skipped', 'skipped', 1, '',
               %s::timestamptz + make_interval(secs => i %% 86400), %s::timestamptz, %s::timestamptz
        FROM generate_series(1, %s) AS i
        """,
        [MONTH, MONTH, MONTH, MONTH, rows],
    )
    return time.perf_counter() - start


def _month_filled(rows: int) -> float:
    """A month of `rows` deliveries, vacuumed and analysed as a month past its retention long has been
    (otherwise autovacuum, busy with the fresh rows, holds the drop until it is cancelled)."""
    from django.db import connection, transaction

    from delivery.retention import DELIVERIES
    from partitions.monthly import partition_create, partition_name

    with transaction.atomic(), connection.cursor() as cursor:
        partition_create(DELIVERIES, MONTH)
        fill = _fill(cursor, rows)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {partition_name(DELIVERIES.name, MONTH)}")
    return fill


def measure(rows: int) -> tuple[float, float, float, float, float]:
    """(fill, detach, detach and drop, delete, vacuum after the delete) seconds for a month of `rows`."""
    from django.db import connection, transaction

    from delivery.retention import DELIVERIES
    from partitions.monthly import month_add, partition_detach, partition_name, partitions_drop_before

    fill = _month_filled(rows)
    start = time.perf_counter()
    assert partition_detach(DELIVERIES, MONTH), "the month was not detached"
    detach = time.perf_counter() - start
    dropped, _ = partitions_drop_before(DELIVERIES, month_add(MONTH, 1))
    drop = time.perf_counter() - start
    assert dropped, "the month was not dropped"
    _month_filled(rows)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM alerts_delivery WHERE month = %s", [MONTH])
        assert cursor.rowcount == rows
    delete = time.perf_counter() - start
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {partition_name(DELIVERIES.name, MONTH)}")
    vacuum = time.perf_counter() - start
    partitions_drop_before(DELIVERIES, month_add(MONTH, 1))
    return fill, detach, drop, delete, vacuum


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000])
    args = parser.parse_args()
    bench_database_ready()
    print(f"machine: {machine()}, load {os.getloadavg()[0]:.1f}")
    for rows in args.sizes:
        fill, detach, drop, delete, vacuum = measure(rows)
        print(
            f"{rows:>9,} deliveries in the month: table locked {detach * 1000:.0f} ms (detach), "
            f"drop {drop * 1000:.0f} ms in all; DELETE {delete * 1000:.0f} ms "
            f"({delete / drop:.1f}x the drop), with the VACUUM it needs {(delete + vacuum) * 1000:.0f} ms "
            f"({(delete + vacuum) / drop:.1f}x); writing the month {fill:.1f} s (the drop is {drop / fill:.4f}x "
            f"of it); load {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
