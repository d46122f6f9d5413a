"""Moderation queue figures: a commune with a few hundred pending alerts and two months of published
ones. Prints the time of the queries a moderator's queue page makes. Runs inside a transaction that
is rolled back, on the database of DATABASE_URL.

    .venv/bin/python bench/alerts_queue.py [--pending 300] [--published 20000]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from alerts.selectors import duplicate_suggestions, moderation_delays, moderation_queue  # noqa: E402
from tests.factories import make_commune  # noqa: E402

# A 4 km × 3 km commune near Tarascon.
BOUNDS = (4.62, 43.79, 4.67, 43.817)


class Rollback(Exception):
    pass


def fill(commune_id: int, *, pending: int, published: int) -> None:
    """Alerts at random places and times, in one INSERT ... SELECT."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO alerts_alert (category_id, commune_id, location, occurred_at, description, status,
                                      follow_up, created_at, published_at, decided_at, rejection_reason,
                                      rejection_note, follow_up_outcome)
            SELECT (SELECT id FROM alerts_alertcategory ORDER BY id OFFSET (n %% 17) LIMIT 1), %(commune)s,
                   ST_SetSRID(ST_MakePoint(%(x0)s + random() * %(dx)s, %(y0)s + random() * %(dy)s), 4326),
                   t - interval '30 minutes', 'Texte de test assez long pour une alerte.',
                   CASE WHEN n <= %(pending)s THEN 'pending' ELSE 'published' END, 'none', t,
                   CASE WHEN n <= %(pending)s THEN NULL ELSE t + random() * interval '3 hours' END,
                   CASE WHEN n <= %(pending)s THEN NULL ELSE t + random() * interval '3 hours' END, '', '', ''
            FROM (SELECT n, CASE WHEN n <= %(pending)s THEN now() - random() * interval '24 hours'
                                 ELSE now() - random() * interval '60 days' END AS t
                  FROM generate_series(1, %(total)s) AS n) AS s
            """,
            {
                "commune": commune_id,
                "x0": BOUNDS[0],
                "y0": BOUNDS[1],
                "dx": BOUNDS[2] - BOUNDS[0],
                "dy": BOUNDS[3] - BOUNDS[1],
                "pending": pending,
                "total": pending + published,
            },
        )
        cursor.execute("ANALYZE alerts_alert")


def timed(label: str, function, repeat: int = 5):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    print(f"{label}: {best * 1000:.1f} ms (best of {repeat})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=300)
    parser.add_argument("--published", type=int, default=20000)
    args = parser.parse_args()
    try:
        with transaction.atomic():
            commune = make_commune(code="99999", name="Banc d'essai", bounds=BOUNDS)
            moderator = User.objects.create_user(email="bench-moderator@example.org")
            Role.objects.create(user=moderator, kind=Role.Kind.MODERATOR, commune=commune)
            start = time.perf_counter()
            fill(commune.pk, pending=args.pending, published=args.published)
            print(f"{args.pending} pending + {args.published} published alerts in {time.perf_counter() - start:.1f} s")
            page = timed("queue page (100 oldest pending)", lambda: list(moderation_queue(moderator)[:100]))
            ids = [alert.pk for alert in page]
            found = timed("duplicate suggestions for that page (one query)", lambda: duplicate_suggestions(ids))
            print(f"  {sum(len(v) for v in found.values())} suggestions for {len(ids)} alerts")
            timed("median and p90 decision delay", lambda: moderation_delays(commune=commune))
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
