"""Routing through the faces of the overlay gives exactly what the boundaries themselves give, borders
included, and follows boundary edits inside the editing transaction."""

import random

import pytest
from django.db import connection, transaction

from tests.factories import make_commune, make_police_sector, square
from zones.models import Commune, RoutingFace
from zones.selectors import routes_of_points
from zones.services import neighbourhoods_generate, police_service_create, zone_update_boundary

pytestmark = pytest.mark.django_db

# What covers each point, asked of the unsubdivided boundaries of communes and current zones: the
# answer routing gave before the overlay existed.
_REFERENCE_SQL = """
    WITH p AS (SELECT t.i, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326) AS g
               FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, i))
    SELECT p.i, 'commune', c.id FROM p JOIN zones_commune c ON ST_Covers(c.boundary, p.g)
    UNION ALL
    SELECT p.i, z.kind, z.id FROM p JOIN zones_zone z ON z.valid_until IS NULL AND ST_Covers(z.boundary, p.g)
"""

# Points on borders: every vertex of every boundary, and points interpolated along their edges.
_BORDER_POINTS_SQL = """
    WITH b AS (SELECT boundary FROM zones_commune UNION ALL SELECT boundary FROM zones_zone WHERE valid_until IS NULL),
    rings AS (SELECT ST_ExteriorRing((ST_Dump(boundary)).geom) AS ring FROM b)
    SELECT ST_X(v.geom), ST_Y(v.geom) FROM rings, ST_DumpPoints(ring) AS v
    UNION ALL
    SELECT ST_X(q), ST_Y(q) FROM rings, generate_series(1, 9) AS k, ST_LineInterpolatePoint(ring, k / 10.0) AS q
"""


def reference_routes(lons, lats) -> list[tuple]:
    found = [(set(), set(), set()) for _ in lons]
    slot = {"commune": 0, "neighbourhood": 1, "police_sector": 2}
    with connection.cursor() as cursor:
        cursor.execute(_REFERENCE_SQL, [lons, lats])
        for index, kind, object_id in cursor.fetchall():
            found[index - 1][slot[kind]].add(object_id)
    return found


def routed(lons, lats) -> list[tuple]:
    return [
        (set(r.commune_ids), set(r.neighbourhood_ids), set(r.police_sector_ids)) for r in routes_of_points(lons, lats)
    ]


def points_on_faces(lons, lats) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(DISTINCT t.i) FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, i)
               JOIN zones_routingface f ON ST_Covers(f.geom, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326))""",
            [lons, lats],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def geography(seed_communes):
    """Two square communes side by side cut into hexagons, a sector over both, one reaching beyond
    them, and Tarascon's real outline in hexagons with its own sector."""
    west = make_commune(code="99001", bounds=(5.0, 43.0, 5.01, 43.01))
    east = make_commune(code="99002", bounds=(5.01, 43.0, 5.02, 43.01))
    tarascon = Commune.objects.get(code="13108")
    for commune, size in ((west, 150), (east, 220), (tarascon, 1500)):
        neighbourhoods_generate(commune=commune, hex_size_m=size)
    both = police_service_create(name="PI", communes=[west, east], kind="intercommunal")
    make_police_sector(service=both, commune=west, name="Nord", bounds=(5.0, 43.005, 5.02, 43.01))
    make_police_sector(service=both, commune=east, name="Large", bounds=(5.015, 42.995, 5.03, 43.004))
    own = police_service_create(name="PM Tarascon", communes=[tarascon])
    box = tarascon.boundary.extent
    make_police_sector(service=own, commune=tarascon, name="Centre", bounds=box[:2] + (box[0] + 0.05, box[1] + 0.05))
    return west, east, tarascon


def test_faces_route_random_and_border_points_exactly_as_the_boundaries(geography):
    rng = random.Random(20)
    west, east, tarascon = geography
    boxes = [(4.995, 42.99, 5.035, 43.015), tarascon.boundary.extent]
    inside = [(rng.uniform(x0, x1), rng.uniform(y0, y1)) for x0, y0, x1, y1 in boxes for _ in range(1500)]
    with connection.cursor() as cursor:
        cursor.execute(_BORDER_POINTS_SQL)
        borders = cursor.fetchall()
    shared_edge = [(5.01, rng.uniform(43.0, 43.01)) for _ in range(50)]
    outside = [(2.0, 60.0), (-61.0, 14.5)]
    lons, lats = (list(axis) for axis in zip(*(inside + borders + shared_edge + outside), strict=True))

    assert routed(lons, lats) == reference_routes(lons, lats)
    # The faces answer nearly every random point (the rest are near a border or outside); border
    # points are answered by the parts.
    assert points_on_faces(lons[: len(inside)], lats[: len(inside)]) > 0.9 * sum(
        1 for found in reference_routes(lons[: len(inside)], lats[: len(inside)]) if found[0]
    )
    assert points_on_faces(lons[len(inside) :], lats[len(inside) :]) < len(borders) / 10
    on_edge = routed([5.01], [43.005])[0]
    assert on_edge[0] == {west.id, east.id}


def faces_snapshot() -> list[tuple]:
    return sorted(
        (f.commune_id, f.geom.wkb.hex(), tuple(f.commune_ids), tuple(f.neighbourhood_ids), tuple(f.police_sector_ids))
        for f in RoutingFace.objects.all()
    )


def test_an_edit_is_routed_in_its_transaction_and_a_rollback_leaves_nothing(geography):
    west, east, _tarascon = geography
    sector = west.zones.get(name="Nord")
    before, faces_before = routed([5.005], [43.002]), faces_snapshot()
    assert before[0][2] == set()

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        redrawn = zone_update_boundary(zone=sector, boundary=square(5.0, 43.0, 5.02, 43.01))
        inside_transaction = routed([5.005, 5.005], [43.002, 43.0])
        assert [found[2] for found in inside_transaction] == [{redrawn.id}, {redrawn.id}]
        assert inside_transaction == reference_routes([5.005, 5.005], [43.002, 43.0])
        raise Undo

    assert routed([5.005], [43.002]) == before
    assert faces_snapshot() == faces_before


def test_a_commune_edit_reshapes_its_neighbours_faces(geography):
    west, east, _tarascon = geography
    from zones.services import commune_boundary_save

    east.boundary = square(5.008, 43.0, 5.02, 43.01)
    commune_boundary_save(commune=east)
    lons, lats = [5.009, 5.008, 5.0095], [43.005, 43.001, 43.0099]

    assert routed(lons, lats) == reference_routes(lons, lats)
    assert routed(lons, lats)[0][0] == {west.id, east.id}


def test_an_import_leaves_its_communes_to_the_parts_until_their_faces_are_filled(geography, monkeypatch):
    from zones import services

    west, east, tarascon = geography
    lons, lats = [5.005, 5.015, 5.01], [43.002, 43.007, 43.005]
    faces_before = faces_snapshot()
    monkeypatch.setattr(services, "ROUTING_FACES_INLINE_MAX", 1)  # as many communes as an import reaches
    east.boundary = square(5.01, 43.0, 5.021, 43.01)
    services.commune_boundary_save(commune=east)

    without_faces = set(
        Commune.objects.exclude(id__in=RoutingFace.objects.values("commune_id")).values_list("id", flat=True)
    )
    assert {west.id, east.id} <= without_faces and tarascon.id not in without_faces
    assert points_on_faces(lons, lats) == 0
    assert routed(lons, lats) == reference_routes(lons, lats)  # answered by the parts meanwhile

    assert services.routing_faces_fill(limit=1) == 1
    assert services.routing_faces_fill() == len(without_faces) - 1
    assert services.routing_faces_fill() == 0
    assert points_on_faces(lons[:2], lats[:2]) == 2
    assert routed(lons, lats) == reference_routes(lons, lats)
    assert {face[0] for face in faces_snapshot()} == {face[0] for face in faces_before}


def faces_removed_as_by_an_import() -> set[int]:
    """Every commune's faces deleted, as a national import leaves them; returns the communes."""
    RoutingFace.objects.all().delete()
    return set(Commune.objects.values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_fill_on_two_connections_builds_each_communes_faces_once(geography, monkeypatch):
    from zones import services

    faces_inline = faces_snapshot()
    unfaced = faces_removed_as_by_an_import()
    monkeypatch.setattr(services, "ROUTING_FACES_FILL_SLICE", 1)  # several slices for each connection

    assert services.routing_faces_fill(connections=2) == len(unfaced)
    assert faces_snapshot() == faces_inline  # every commune's faces, none twice
    assert services.routing_faces_fill(connections=2) == 0
    lons, lats = [5.005, 5.015, 5.01, 5.0105], [43.002, 43.007, 43.005, 43.005]
    assert routed(lons, lats) == reference_routes(lons, lats)


@pytest.mark.django_db(transaction=True)
def test_a_fill_skips_the_communes_another_is_building_and_never_waits_for_routing(geography):
    from zones import services
    from zones.locking import BOUNDARIES_LOCK

    west, _east, _tarascon = geography
    unfaced = faces_removed_as_by_an_import()
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        # Another connection routes an alert (the lock shared) and claims west as a fill's slice does.
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock_shared(%s)", [BOUNDARIES_LOCK])
        other.execute("SELECT id FROM zones_commune WHERE id = %s FOR NO KEY UPDATE", [west.id])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '30s'")  # a fill that waited would fail here, not hang
        assert services.routing_faces_fill() == len(unfaced) - 1
        assert not RoutingFace.objects.filter(commune=west).exists()
        other.execute("ROLLBACK")
    finally:
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert services.routing_faces_fill() == 1
    assert RoutingFace.objects.filter(commune=west).exists()


@pytest.mark.django_db(transaction=True)
def test_a_fill_limited_on_two_connections_builds_no_more_than_asked(geography):
    from zones import services

    unfaced = faces_removed_as_by_an_import()

    assert services.routing_faces_fill(limit=2, connections=2) == 2
    assert RoutingFace.objects.values("commune_id").distinct().count() == 2
    assert services.routing_faces_fill(connections=2) == len(unfaced) - 2
