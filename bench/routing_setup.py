"""Shared set-up of the routing benchmarks: a dedicated database (vigie_bench_routing, created and
migrated if missing) with a town whose one neighbourhood holds N verified residents, made in SQL."""

import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("BENCH_DB", "vigie_bench_routing")
PG = os.environ.get("BENCH_PG", "postgresql://vigie:vigie@127.0.0.1:5432")
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    "DATABASE_URL": f"postgis://{PG.split('://', 1)[1]}/{BENCH_DB}",
    "DEBUG": "false",
    "LOG_LEVEL": "WARNING",
}


def bench_database_ready() -> None:
    """Create and migrate the bench database, then set up Django on it."""
    exists = subprocess.run(  # noqa: S603 - fixed argv
        ["psql", f"{PG}/postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{BENCH_DB}'"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {BENCH_DB}"], check=True)  # noqa: S603, S607
    os.environ.update(BENCH_ENV)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def town_with_residents(count: int):
    """A fresh commune with one 2 km neighbourhood and sector, `count` verified residents in it (made
    by one INSERT ... SELECT each for users and homes) and 5 police agents. Earlier bench towns and
    their deliveries are removed first."""
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.db import connection

    from zones import services as zone_services
    from zones.models import Zone

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE alerts_delivery, delivery_pushreceipt, alerts_routedzone, alerts_alertrouting, alerts_alertevent"
        )
        cursor.execute("DELETE FROM alerts_alert")
        cursor.execute("DELETE FROM alerts_broadcast_neighbourhoods")
        cursor.execute("DELETE FROM alerts_broadcast")
        cursor.execute("DELETE FROM accounts_residenceneighbourhood")
        cursor.execute("DELETE FROM accounts_residence")
        cursor.execute("DELETE FROM accounts_role")
        cursor.execute("DELETE FROM delivery_pushsubscription")
        cursor.execute("DELETE FROM alerts_notificationpreference_muted_categories")
        cursor.execute("DELETE FROM alerts_notificationpreference")
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE 'bench-%%'")
        cursor.execute("DELETE FROM zones_zonepart")
        cursor.execute("DELETE FROM zones_zone")
        cursor.execute("DELETE FROM zones_policeservice_communes")
        cursor.execute("DELETE FROM zones_policeservice")
    square = MultiPolygon(Polygon(((4.60, 43.80), (4.63, 43.80), (4.63, 43.82), (4.60, 43.82), (4.60, 43.80))))
    square.srid = 4326
    commune = zone_services.commune_upsert(code="99999", name="Benchville", boundary=square)
    service = zone_services.police_service_create(name="PM Benchville", communes=[commune])
    neighbourhood = zone_services.zone_create(
        commune=commune, kind=Zone.Kind.NEIGHBOURHOOD, name="Centre", boundary=square
    )
    zone_services.zone_create(
        commune=commune, kind=Zone.Kind.POLICE_SECTOR, name="Secteur", boundary=square, police_service=service
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (email, display_name, password, is_active, is_staff, is_superuser, date_joined)
            SELECT 'bench-' || n || '@example.org', 'Habitant ' || n, '!', true, false, false, now()
            FROM generate_series(1, %s) AS n
            """,
            [count + 5],
        )
        cursor.execute(
            """
            INSERT INTO accounts_residence
                (user_id, address, home, commune_id, neighbourhood_id, status, rejection_reason)
            SELECT u.id, 'adresse', ST_SetSRID(ST_MakePoint(4.60 + random() * 0.03, 43.80 + random() * 0.02), 4326),
                   %s, %s, 'verified', ''
            FROM accounts_user u WHERE u.email LIKE 'bench-%%' ORDER BY u.id LIMIT %s
            """,
            [commune.id, neighbourhood.id, count],
        )
        cursor.execute(
            """
            INSERT INTO accounts_residenceneighbourhood (residence_id, zone_id)
            SELECT r.id, %s FROM accounts_residence r WHERE r.commune_id = %s
            """,
            [neighbourhood.id, commune.id],
        )
        cursor.execute(
            """
            INSERT INTO accounts_role (user_id, kind, police_service_id, can_verify_residents)
            SELECT u.id, 'police_agent', %s, false FROM accounts_user u
            WHERE u.email LIKE 'bench-%%' AND NOT EXISTS (SELECT 1 FROM accounts_residence r WHERE r.user_id = u.id)
            """,
            [service.id],
        )
        cursor.execute(
            "ANALYZE accounts_user; ANALYZE accounts_residence; ANALYZE accounts_residenceneighbourhood; "
            "ANALYZE alerts_delivery"
        )
    return commune


def published_alert(commune, *, category: str = "degradation", lon: float = 4.615, lat: float = 43.81):
    """An alert row already published (moderation's part), not yet routed."""
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from alerts.models import Alert, AlertCategory

    now = timezone.now()
    return Alert.objects.create(
        category=AlertCategory.objects.get(code=category),
        commune=commune,
        location=Point(lon, lat, srid=4326),
        occurred_at=now,
        description="Banc public dégradé.",
        status=Alert.Status.PUBLISHED,
        published_at=now,
    )


def machine() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    return f"{model}, {os.cpu_count()} cores"


def workers_await(names: list[str], timeout: float = 60) -> None:
    """Return once every named Celery worker answers a ping (their readiness signal)."""
    from config.celery import app as celery_app

    deadline = time.monotonic() + timeout
    while len(celery_app.control.ping(destination=names, timeout=0.5)) < len(names):
        if time.monotonic() > deadline:
            raise SystemExit("workers did not start")


def route_until_settled(alert, timings: dict | None = None, done=None) -> tuple[int, float, int]:
    """Route a published alert and wait until no delivery is pending: (deliveries, seconds, failed);
    `timings` gets how long routing took ("routed", seconds). `done`, when given, says without a
    query whether the sending looks over (a push service's count): the deliveries are then checked
    when it does, and once a second otherwise, instead of twenty times, so that the benchmark's own
    queries cost the server little while it is measured."""
    from delivery.models import Delivery
    from delivery.routing import alert_route

    start = time.perf_counter()
    alert_route(alert_id=alert.id)
    if timings is not None:
        timings["routed"] = time.perf_counter() - start
    total = Delivery.objects.filter(alert=alert).count()
    checked = time.perf_counter()
    while True:
        if done is None or done() or time.perf_counter() - checked >= 1:
            checked = time.perf_counter()
            if not Delivery.objects.filter(alert=alert, status="pending").exists():
                break
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    return total, elapsed, Delivery.objects.filter(alert=alert, status="failed").count()
