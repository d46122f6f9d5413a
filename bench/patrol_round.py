"""Tranquillité Vacances figures: a police service with 2,000 absences in force and 500 burglaries
published in the last 14 days (a 4 km x 3 km town of 12 neighbourhoods). Times, on the same data:

- the day's round ordered by risk (patrols/rounds.py + the GeoJSON serializer), through the HTTP API
  and in process; target < 300 ms;
- the live map's absence layer (patrols/selectors.absences_layer + serializer); target < 200 ms;

each beside its floor (the same rows read by one bare SELECT, no risk flag, no ordering, GeoJSON
built by PostgreSQL) and beside the naive alternative (one query per home for its risk, and the
nearest-neighbour chain in pure Python). Runs inside a transaction that is rolled back, on the
database of DATABASE_URL.

    .venv/bin/python bench/patrol_round.py [--absences 2000] [--burglaries 500] [--repeat 7]
"""

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from patrols import rounds, selectors  # noqa: E402
from patrols.geojson import AbsenceFeatureSerializer, RoundStopFeatureSerializer  # noqa: E402
from tests.auth import staff_client  # noqa: E402
from tests.factories import make_commune, make_neighbourhood, make_police_sector  # noqa: E402
from zones.services import police_service_create  # noqa: E402

BOUNDS = (4.62, 43.79, 4.67, 43.817)  # near Tarascon


class Rollback(Exception):
    pass


def world(absences: int, burglaries: int):
    commune = make_commune(code="99977", name="Banc OTV", bounds=BOUNDS)
    x0, y0, x1, y1 = BOUNDS
    for i in range(4):
        for j in range(3):
            bounds = (
                x0 + (x1 - x0) * i / 4,
                y0 + (y1 - y0) * j / 3,
                x0 + (x1 - x0) * (i + 1) / 4,
                y0 + (y1 - y0) * (j + 1) / 3,
            )
            make_neighbourhood(commune=commune, name=f"Q{i}{j}", bounds=bounds, households=800)
    service = police_service_create(name="PM banc OTV", communes=[commune])
    service.station = Point((x0 + x1) / 2, (y0 + y1) / 2, srid=4326)
    service.save()
    make_police_sector(service=service, commune=commune, name="Secteur", bounds=BOUNDS)
    params = {"commune": commune.id, "x0": x0, "y0": y0, "dx": x1 - x0, "dy": y1 - y0, "n": absences, "b": burglaries}
    with connection.cursor() as cursor:
        # Residents, their verified homes (neighbourhood by ST_Covers), their absences: set work in SQL.
        cursor.execute(
            """
            WITH people AS (
                INSERT INTO accounts_user (password, email, display_name, language, is_active, is_staff,
                                           is_superuser, date_joined)
                SELECT '!', 'otv' || n || '@bench.vigie.invalid', '', 'fr', true, false, false, now()
                FROM generate_series(1, %(n)s) AS n RETURNING id
            ), homes AS (
                INSERT INTO accounts_residence (user_id, address, home, commune_id, status, rejection_reason)
                SELECT id, 'adresse ' || id,
                       ST_SetSRID(ST_MakePoint(%(x0)s + random() * %(dx)s, %(y0)s + random() * %(dy)s), 4326),
                       %(commune)s, 'verified', '' FROM people RETURNING id, user_id
            )
            INSERT INTO patrols_absence (resident_id, residence_id, starts_on, ends_on, contact_phone, key_holder,
                                         notes, created_at, updated_at)
            SELECT user_id, id, current_date - 3, current_date + 10, '0600000000', '', '', now(), now() FROM homes
            """,
            params,
        )
        cursor.execute(
            """
            UPDATE accounts_residence r SET neighbourhood_id = z.id FROM zones_zone z
            WHERE r.commune_id = %(commune)s AND z.commune_id = %(commune)s AND z.kind = 'neighbourhood'
              AND ST_Covers(z.boundary, r.home)
            """,
            params,
        )
        cursor.execute(
            """
            WITH burglaries AS (
                INSERT INTO alerts_alert (category_id, commune_id, location, occurred_at, description, status,
                                          follow_up, created_at, published_at, decided_at, rejection_reason,
                                          rejection_note, follow_up_outcome)
                SELECT (SELECT id FROM alerts_alertcategory WHERE family = 'burglary' ORDER BY id LIMIT 1),
                       %(commune)s,
                       ST_SetSRID(ST_MakePoint(%(x0)s + random() * %(dx)s, %(y0)s + random() * %(dy)s), 4326),
                       t, 'Cambriolage de banc d''essai.', 'published', 'none', t, t, t, '', '', ''
                FROM (SELECT now() - random() * interval '14 days' AS t FROM generate_series(1, %(b)s)) AS s
                RETURNING id, location
            )
            INSERT INTO alerts_routedzone (alert_id, zone_id, zone_name, reason)
            SELECT b.id, z.id, z.name, 'covers' FROM burglaries b
            JOIN zones_zone z ON z.commune_id = %(commune)s AND z.kind = 'neighbourhood'
                              AND ST_Covers(z.boundary, b.location)
            """,
            params,
        )
        cursor.execute("ANALYZE patrols_absence; ANALYZE accounts_residence; ANALYZE alerts_alert")
    agent = User.objects.create_user(email="agent-otv@bench.vigie.invalid", password=None)
    Role.objects.create(user=agent, kind=Role.Kind.POLICE_AGENT, police_service=service)
    return service, agent


def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


FLOOR_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
    'type', 'Feature', 'id', a.id, 'geometry', ST_AsGeoJSON(r.home)::json,
    'properties', json_build_object('address', r.address, 'starts_on', a.starts_on, 'ends_on', a.ends_on)))
    , '[]'))::text
FROM patrols_absence a JOIN accounts_residence r ON r.id = a.residence_id
WHERE a.cancelled_at IS NULL AND a.starts_on <= current_date AND a.ends_on >= current_date AND r.commune_id = %s
"""


def floor(commune_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [commune_id])
        return len(cursor.fetchone()[0])


NAIVE_RISK_SQL = """
SELECT EXISTS (SELECT 1 FROM alerts_alert al JOIN alerts_alertcategory c ON c.id = al.category_id
               WHERE al.status = 'published' AND c.family = 'burglary' AND al.occurred_at >= now() - interval '14 days'
                 AND ST_DWithin(al.location::geography, %s::geography, 200))
"""


def naive_round(service_ids: list[int], day, start) -> list[int]:
    """What a first version would do: the homes through the ORM, one risk query per home, and the
    nearest-neighbour chain in pure Python with haversine distances."""
    absences = list(selectors.absences_watched_by(service_ids).active_on(day).select_related("residence"))
    risky = []
    with connection.cursor() as cursor:
        for absence in absences:
            cursor.execute(NAIVE_RISK_SQL, [absence.residence.home.ewkt])
            risky.append(cursor.fetchone()[0])

    def metres(a, b):
        (lon1, lat1), (lon2, lat2) = a, b
        p1, p2 = math.radians(lat1), math.radians(lat2)
        h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        return 2 * 6371000 * math.asin(math.sqrt(h))

    order = []
    for tier in (True, False):
        left = [
            (absence.id, absence.residence.home.coords)
            for absence, r in zip(absences, risky, strict=True)
            if r is tier
        ]
        while left:
            nearest = min(left, key=lambda item: metres(start, item[1]))
            left.remove(nearest)
            order.append(nearest[0])
            start = nearest[1]
    return order


def run(args) -> None:
    service, agent = world(args.absences, args.burglaries)
    service_ids, day = [service.id], timezone.localdate()
    commune_id = service.communes.get().id
    client = staff_client(agent)

    def round_in_process():
        stops = rounds.round_stops(service_ids=service_ids, day=day, time_zone="Europe/Paris")
        return RoundStopFeatureSerializer(rounds.round_rows(stops), many=True).data

    def layer_in_process():
        return AbsenceFeatureSerializer(selectors.absences_layer(service_ids, day), many=True).data

    def http(url):
        response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, response.content[:300]
        return response.content

    round_http, body = timed(lambda: http("/api/patrols/round/"), args.repeat)
    round_ms, features = timed(round_in_process, args.repeat)
    layer_http, _ = timed(lambda: http("/api/patrols/absences/"), args.repeat)
    layer_ms, layer = timed(layer_in_process, args.repeat)
    floor_ms, _ = timed(lambda: floor(commune_id), args.repeat)
    naive_ms, naive_order = timed(lambda: naive_round(service_ids, day, service.station.coords), 1)

    near = sum(1 for feature in features["features"] if feature["properties"]["near_repeat"])
    print(f"homes in the round: {len(features['features'])}, of which near a recent burglary: {near}")
    print(f"layer features: {len(layer['features'])}; round response {len(body) / 1024:.0f} KiB")
    print(f"load average: {os.getloadavg()[0]:.2f}")
    print(f"round, HTTP API           : {round_http:7.1f} ms  (target < 300)")
    print(f"round, in process         : {round_ms:7.1f} ms")
    print(f"absence layer, HTTP API   : {layer_http:7.1f} ms  (target < 200)")
    print(f"absence layer, in process : {layer_ms:7.1f} ms")
    print(f"floor, one bare SELECT with GeoJSON from PostgreSQL: {floor_ms:7.1f} ms")
    print(f"naive round (query per home, pure-Python chain): {naive_ms:7.1f} ms")
    print(f"round / floor = {round_http / floor_ms:.1f}x; naive / round = {naive_ms / round_http:.1f}x")
    print(f"layer / floor = {layer_http / floor_ms:.1f}x")
    assert sorted(naive_order) == sorted(f["id"] for f in features["features"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--absences", type=int, default=2000)
    parser.add_argument("--burglaries", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    try:
        with transaction.atomic():
            run(args)
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
