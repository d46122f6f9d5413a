"""Fan-out with followers (#21): one alert in a neighbourhood of 5,000 verified residents while
20,000 residents of the next commune follow circles (200 m, 500 m or 1 km) spread across the town.
Target: every delivery row committed with p95 under 100 ms.

    .venv/bin/python bench/fanout_followers.py [--runs 20] [--residents 5000] [--followers 20000]

Printed from the same run:
- the fan-out as routing does it (one INSERT ... SELECT, residents and followers together);
- the floor: a bare INSERT of the same rows into a table indexed like alerts_delivery, committed;
- what one would write otherwise: (a) two statements, residents then followers minus those already
  told; (b) residents by the statement, followers by the ORM (ids in Python, bulk_create);
- the follower selection alone, by the stored circle (`ST_Covers` on its GiST index) and by the
  centre (`ST_DWithin` on geography, with and without a box the index can answer).

Runs against its own database (vigie_bench_routing, see routing_setup.py); residents and followers
are made in SQL."""

import argparse
import statistics
import time

from routing_setup import bench_database_ready, machine, published_alert, town_with_residents

FOLLOWER_COMMUNE = "99998"


def p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def summary(timings: list[float]) -> str:
    return f"median {statistics.median(timings):.1f} ms, p95 {p95(timings):.1f} ms"


def town_with_followers(residents: int, followers: int):
    """Benchville with `residents` in its one neighbourhood, and `followers` verified residents of
    Benchville-Est each following one circle whose centre is anywhere in Benchville."""
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.db import connection

    from zones import services as zone_services
    from zones.models import Zone

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM delivery_followedplace")
    commune = town_with_residents(residents)
    east = MultiPolygon(Polygon(((4.63, 43.80), (4.66, 43.80), (4.66, 43.82), (4.63, 43.82), (4.63, 43.80))))
    east.srid = 4326
    other = zone_services.commune_upsert(code=FOLLOWER_COMMUNE, name="Benchville-Est", boundary=east)
    neighbourhood = zone_services.zone_create(commune=other, kind=Zone.Kind.NEIGHBOURHOOD, name="Est", boundary=east)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (email, display_name, password, is_active, is_staff, is_superuser, date_joined)
            SELECT 'bench-f' || n || '@example.org', 'Voisin ' || n, '!', true, false, false, now()
            FROM generate_series(1, %s) AS n
            """,
            [followers],
        )
        cursor.execute(
            """
            INSERT INTO accounts_residence
                (user_id, address, home, commune_id, neighbourhood_id, status, rejection_reason)
            SELECT u.id, 'adresse', ST_SetSRID(ST_MakePoint(4.63 + random() * 0.03, 43.80 + random() * 0.02), 4326),
                   %s, %s, 'verified', ''
            FROM accounts_user u WHERE u.email LIKE 'bench-f%%'
            """,
            [other.id, neighbourhood.id],
        )
        # Circles drawn as the service draws them: the circumscribed 64-gon in the local azimuthal
        # equidistant projection, here by PostGIS's geography buffer, which is close enough for load.
        cursor.execute(
            """
            INSERT INTO delivery_followedplace (user_id, kind, label, commune_id, centre, radius_m, area, created_at)
            SELECT c.user_id, 'place', 'lieu', %s, c.centre, c.radius_m,
                   ST_Buffer(c.centre::geography, c.radius_m / cos(pi() / 64), 16)::geometry, now()
            FROM (
                SELECT u.id AS user_id,
                       ST_SetSRID(ST_MakePoint(4.60 + random() * 0.03, 43.80 + random() * 0.02), 4326) AS centre,
                       (ARRAY[200, 500, 1000])[1 + floor(random() * 3)::int] AS radius_m
                FROM accounts_user u WHERE u.email LIKE 'bench-f%%'
            ) AS c
            """,
            [commune.id],
        )
        cursor.execute("ANALYZE accounts_user; ANALYZE accounts_residence; ANALYZE delivery_followedplace")
    return commune


def timed_route(commune, runs: int) -> tuple[list[float], list[int]]:
    """Route `runs` alerts at the centre of the town; time from the call to the on-commit callback."""
    from delivery import sending
    from delivery.models import Delivery
    from delivery.routing import alert_route

    committed: list[float] = []
    sending.deliveries_dispatch_enqueue = lambda **kwargs: committed.append(time.perf_counter())
    timings, alert_ids = [], []
    for _ in range(runs):
        alert = published_alert(commune)
        committed.clear()
        start = time.perf_counter()
        alert_route(alert_id=alert.id)
        timings.append((committed[0] - start) * 1000)
        alert_ids.append(alert.id)
        assert Delivery.objects.filter(alert=alert, kind="alert").exists()
    return timings, alert_ids


def floor_timings(alert_ids: list[int]) -> list[float]:
    """A bare INSERT of each alert's delivery rows into a table with alerts_delivery's indexes, committed."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_delivery_floor, bench_delivery_rows")
        cursor.execute("CREATE TABLE bench_delivery_floor (LIKE alerts_delivery INCLUDING ALL)")
        cursor.execute(
            "CREATE TABLE bench_delivery_rows AS SELECT * FROM alerts_delivery WHERE alert_id = ANY(%s)", [alert_ids]
        )
        cursor.execute("ANALYZE bench_delivery_rows")
    timings = []
    for alert_id in alert_ids:
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_delivery_floor SELECT * FROM bench_delivery_rows WHERE alert_id = %s "
                "ORDER BY recipient_id",
                [alert_id],
            )
        timings.append((time.perf_counter() - start) * 1000)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_delivery_floor, bench_delivery_rows")
    return timings


def naive_routes(commune, runs: int, *, orm: bool) -> list[float]:
    """Routing with the followers added by a second step: a second INSERT ... SELECT of the
    followers not already told, or (orm) their ids read in Python and written by bulk_create."""
    from django.db.models import Q
    from django.utils import timezone
    from psycopg import sql

    from delivery import routing, sending
    from delivery.models import Delivery, FollowedPlace

    original_create, original_followers = routing.alert_deliveries_create, routing.followers_sql
    nobody = (sql.SQL("SELECT NULL::bigint AS user_id WHERE false"), {})

    def two_steps(*, alert, neighbourhood_ids, police_service_ids):
        routing.followers_sql = lambda **kwargs: nobody
        created = original_create(
            alert=alert, neighbourhood_ids=neighbourhood_ids, police_service_ids=police_service_ids
        )
        routing.followers_sql = original_followers
        point = routing.alert_public_location(alert)
        if orm:
            followers = set(
                FollowedPlace.objects.filter(area__covers=point)
                .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
                .filter(user__residence__status="verified")
                .values_list("user_id", flat=True)
            )
            followers -= set(Delivery.objects.filter(alert=alert).values_list("recipient_id", flat=True))
            rows = [
                Delivery(recipient_id=user_id, kind=Delivery.Kind.ALERT, alert=alert) for user_id in sorted(followers)
            ]
            return created + len(Delivery.objects.bulk_create(rows, batch_size=2000))
        followers, params = original_followers(public_location=point, excluding_user_id=alert.author_id)
        recipients = sql.SQL(
            "SELECT f.user_id, false AS is_police FROM ({followers}) AS f WHERE NOT EXISTS "
            "(SELECT 1 FROM alerts_delivery d WHERE d.alert_id = %(alert_id)s AND d.recipient_id = f.user_id)"
        ).format(followers=followers)
        return created + sending.deliveries_insert(
            kind=Delivery.Kind.ALERT,
            recipients=recipients,
            params=params,
            alert_id=alert.id,
            time_zone=commune.time_zone,
            message_at=alert.created_at,
        )

    routing.alert_deliveries_create = two_steps
    try:
        timed_route(commune, 2)  # warm-up
        return timed_route(commune, runs)[0]
    finally:
        routing.alert_deliveries_create = original_create


def selection_timings(runs: int) -> dict[str, list[float]]:
    """The follower selection alone (count of circles covering the town centre), four ways; the
    last on a narrow copy (no polygon column) with a GiST index on each row's own degree box."""
    from django.db import connection
    from psycopg import sql

    from geo.distance import expand

    point = "ST_SetSRID(ST_MakePoint(4.615, 43.81), 4326)"
    with connection.cursor() as cursor:
        box = expand(sql.SQL("centre"), sql.SQL("radius_m")).as_string(cursor.connection)
        cursor.execute("DROP TABLE IF EXISTS bench_followed_narrow")
        cursor.execute(
            "CREATE TABLE bench_followed_narrow AS SELECT id, user_id, expires_at, centre, radius_m "
            "FROM delivery_followedplace"
        )
        cursor.execute(f"CREATE INDEX ON bench_followed_narrow USING gist (({box}))")
        cursor.execute("ANALYZE bench_followed_narrow")
    queries = {
        "polygon, ST_Covers (GiST on the circle)": f"f.area && {point} AND ST_Covers(f.area, {point})",
        "centre, ST_DWithin geography + box (GiST on the centre)": (
            f"f.centre && ST_Expand({point}, 1000 / 110000.0 / cos(radians(43.81)), 1000 / 110000.0) "
            f"AND ST_DWithin(f.centre::geography, {point}::geography, f.radius_m)"
        ),
        "narrow table, ST_DWithin geography + GiST on each row's box": (
            f"({box}) && {point} AND ST_DWithin(f.centre::geography, {point}::geography, f.radius_m)"
        ),
        "centre, ST_DWithin geography alone (no index)": (
            f"ST_DWithin(f.centre::geography, {point}::geography, f.radius_m)"
        ),
    }
    timings: dict[str, list[float]] = {}
    with connection.cursor() as cursor:
        for name, condition in queries.items():
            table = "bench_followed_narrow" if name.startswith("narrow") else "delivery_followedplace"
            statement = f"SELECT count(*) FROM {table} f WHERE {condition}"
            cursor.execute(statement)
            timings[name] = []
            for _ in range(runs):
                start = time.perf_counter()
                cursor.execute(statement)
                count = cursor.fetchone()[0]
                timings[name].append((time.perf_counter() - start) * 1000)
            timings[name + f" [{count} circles]"] = timings.pop(name)
        cursor.execute("DROP TABLE bench_followed_narrow")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--followers", type=int, default=20000)
    args = parser.parse_args()
    bench_database_ready()
    from delivery.models import Delivery

    print(f"machine: {machine()}")
    commune = town_with_followers(args.residents, args.followers)
    timed_route(commune, 2)  # warm-up: plans, caches
    timings, alert_ids = timed_route(commune, args.runs)
    per_alert = Delivery.objects.filter(alert_id=alert_ids[0]).count()
    followers_told = Delivery.objects.filter(alert_id=alert_ids[0], recipient__email__startswith="bench-f").count()
    floor = floor_timings(alert_ids)
    two_statements = naive_routes(commune, args.runs, orm=False)
    orm = naive_routes(commune, args.runs, orm=True)
    print(
        f"{args.residents} residents + {args.followers} followers: {per_alert} deliveries per alert "
        f"({followers_told} followers), {args.runs} runs"
    )
    print(f"  one statement (routing):        {summary(timings)}, max {max(timings):.1f} ms")
    print(f"  floor, bare INSERT same rows:   {summary(floor)}  -> routing p95 is {p95(timings) / p95(floor):.1f}x")
    ratio = p95(two_statements) / p95(timings)
    print(f"  two statements:                 {summary(two_statements)}  -> {ratio:.2f}x routing")
    print(f"  statement + ORM for followers:  {summary(orm)}  -> {p95(orm) / p95(timings):.2f}x routing")
    print("  follower selection alone:")
    for name, selection in selection_timings(args.runs).items():
        print(f"    {name}: {summary(selection)}")


if __name__ == "__main__":
    main()
