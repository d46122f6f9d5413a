"""Point routing at national scale: every French commune, about ten neighbourhoods per commune and
a police sector per commune, then 100,000 random points inside France routed through
`zones.selectors.routes_of_points`, the selector the lookup API and alert routing use.

Runs in its own database, `vigie_bench` (never the demo database): create it once with
    createdb -O vigie vigie_bench && psql -d vigie_bench -c 'CREATE EXTENSION postgis'
then `.venv/bin/python bench/lookup.py` (BENCH_DATABASE_URL overrides the address). It needs the
national file ../shared/data/communes-fr.geojson.gz beside the repository and says so when absent.

Prints: import and loading times (the national overlay of routing faces built when absent, or again
with BENCH_FACES_REBUILD=1, by `routing_faces_fill` on BENCH_FACES_CONNECTIONS connections, one per
CPU by default; with BENCH_IMPORT=1, a national re-import as a dry run with and without the faces),
batch points/second, single-lookup p50/p99 latency, and from the same run the ratio against a shapely STRtree held in
memory, against the subdivided parts alone (routing before the faces) and against unsubdivided
boundaries."""

import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NATIONAL_FILE = REPO.parent / "shared" / "data" / "communes-fr.geojson.gz"
POINTS = 100_000
BATCH = 10_000
SINGLE_LOOKUPS = 2_000
WHOLE_HEXAGONS_PER_COMMUNE = 5  # clipped at the boundary, this gives about ten cells per commune
# The overlay and the points can be limited to the communes whose code starts with this prefix
# ("0": departments 01 to 09), when the national overlay takes too long to build on a busy machine.
FACES_CODES = os.environ.get("BENCH_FACES_CODES", "")
FACES_CONNECTIONS = int(os.environ.get("BENCH_FACES_CONNECTIONS", os.cpu_count() or 1))

sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "False"  # no query log: it would format every 10,000-point array
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgis://vigie:vigie@127.0.0.1:5432/vigie_bench")


def timed(label: str, function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    print(f"{label}: {time.perf_counter() - start:.1f} s", flush=True)
    return result


def sql(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


# Every commune tessellated at once, in its own metric projection: whole hexagons are kept as they
# are, only the cells crossing the boundary are clipped.
NEIGHBOURHOODS_SQL = """
    INSERT INTO zones_zone (kind, commune_id, name, boundary, origin)
    SELECT 'neighbourhood', c.id, 'Quartier ' || row_number() OVER (PARTITION BY c.id ORDER BY h.j DESC, h.i),
           ST_Multi(CASE WHEN ST_Within(h.geom, c.g) THEN ST_Transform(h.geom, 4326)
                    ELSE ST_CollectionExtract(ST_Intersection(ST_Transform(h.geom, 4326), c.boundary), 3) END),
           'generated'
    FROM (SELECT id, boundary, ST_Transform(boundary, metric_srid) AS g FROM zones_commune) c,
         ST_HexagonGrid(sqrt(ST_Area(c.g) / %s / 2.598), c.g) AS h
    WHERE ST_Intersects(h.geom, c.g)
"""

# One police service per department, one sector per commune (the commune's own outline).
SECTORS_SQL = """
    WITH departments AS (
        INSERT INTO zones_policeservice (name, kind)
        SELECT DISTINCT 'Police départementale ' || left(code, CASE WHEN code LIKE '97%%' THEN 3 ELSE 2 END),
               'intercommunal'
        FROM zones_commune RETURNING id, name
    )
    INSERT INTO zones_zone (kind, commune_id, police_service_id, name, boundary, origin)
    SELECT 'police_sector', c.id, d.id, 'Secteur ' || c.code, c.boundary, 'generated'
    FROM zones_commune c JOIN departments d
      ON d.name = 'Police départementale ' || left(c.code, CASE WHEN c.code LIKE '97%%' THEN 3 ELSE 2 END)
"""

PARTS_SQL = """
    INSERT INTO zones_zonepart (zone_id, kind, geom)
    SELECT id, kind, ST_Subdivide(boundary, %s) FROM zones_zone
"""

# Points spread over communes in proportion to their area, so the sample is uniform over France.
POINTS_SQL = """
    WITH c AS (SELECT boundary, ST_Area(boundary::geography) AS area FROM zones_commune WHERE code LIKE %s || '%%'),
    quota AS (SELECT boundary, round(%s * area / sum(area) OVER ())::int AS n FROM c)
    SELECT ST_X(p.geom), ST_Y(p.geom) FROM quota, ST_Dump(ST_GeneratePoints(boundary, n, 7)) AS p WHERE n > 0
"""

UNSUBDIVIDED_SQL = """
    WITH p AS (
        SELECT t.i, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326) AS g
        FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, i)
    )
    SELECT p.i, 'commune', c.id FROM p JOIN zones_commune c ON c.boundary && p.g AND ST_Covers(c.boundary, p.g)
    UNION
    SELECT p.i, z.kind, z.id FROM p JOIN zones_zone z ON z.boundary && p.g AND ST_Covers(z.boundary, p.g)
"""


# Routing before the routing faces: every point probes the commune parts and the zone parts.
PARTS_ONLY_SQL = """
    WITH p AS MATERIALIZED (
        SELECT t.i, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326) AS g
        FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, i)
        ORDER BY ST_GeoHash(ST_SetSRID(ST_MakePoint(t.x, t.y), 4326), 10)
    )
    SELECT p.i, 'commune', cp.commune_id FROM p JOIN zones_communepart cp ON cp.geom && p.g AND ST_Covers(cp.geom, p.g)
    UNION ALL
    SELECT p.i, zp.kind, zp.zone_id FROM p JOIN zones_zonepart zp ON zp.geom && p.g AND ST_Covers(zp.geom, p.g)
"""


def load() -> None:
    from django.core.management import call_command

    from zones.importing import communes_import
    from zones.models import Commune, RoutingFace
    from zones.services import SUBDIVIDE_MAX_VERTICES

    call_command("migrate", verbosity=0)
    if Commune.objects.count() < 34_000 or os.environ.get("BENCH_RELOAD"):
        sql("TRUNCATE zones_commune, zones_policeservice RESTART IDENTITY CASCADE")
        with faces_left_out():  # built once below, when the zones are in
            timed(
                "import_communes (34,867 communes, repair, subdivided parts, no routing faces)",
                communes_import,
                path=str(NATIONAL_FILE),
                population_field="population",
                town_hall_field="town_hall",
                commit=True,
            )
        timed("neighbourhoods (hexagons clipped per commune)", sql, NEIGHBOURHOODS_SQL, [WHOLE_HEXAGONS_PER_COMMUNE])
        timed("police sectors (one per commune, one service per department)", sql, SECTORS_SQL)
        timed("zone parts (ST_Subdivide)", sql, PARTS_SQL, [SUBDIVIDE_MAX_VERTICES])
        sql("TRUNCATE zones_routingface")
    if os.environ.get("BENCH_FACES_REBUILD"):
        sql("TRUNCATE zones_routingface")
    if not RoutingFace.objects.exists():
        ids = list(Commune.objects.filter(code__startswith=FACES_CODES).values_list("id", flat=True))
        timed(f"routing faces of {len(ids):,} communes (codes {FACES_CODES or 'all'}...)", faces_build, ids)
        timed("ANALYZE", sql, "ANALYZE")
    counts = sql(
        """SELECT (SELECT count(*) FROM zones_commune), (SELECT count(*) FROM zones_communepart),
                  (SELECT count(*) FROM zones_zone WHERE kind = 'neighbourhood'),
                  (SELECT count(*) FROM zones_zone WHERE kind = 'police_sector'),
                  (SELECT count(*) FROM zones_zonepart), (SELECT count(*) FROM zones_routingface)"""
    )[0]
    print(
        "communes {:,}, commune parts {:,}, neighbourhoods {:,}, police sectors {:,}, zone parts {:,}, "
        "routing faces {:,}".format(*counts)
    )


def faces_build(commune_ids: list[int]) -> None:
    """The national overlay as it is built after an import, by `routing_faces_fill` (slices of 20
    communes, each its own transaction) on several connections; with BENCH_FACES_CODES, only those
    communes, in slices of the same size on one connection."""
    from django.db import transaction

    from zones.services import ROUTING_FACES_FILL_SLICE, routing_faces_fill, routing_faces_rebuild

    if not FACES_CODES:
        start = time.perf_counter()
        built = routing_faces_fill(connections=FACES_CONNECTIONS)
        rate = built / (time.perf_counter() - start)
        print(f"  {built:,} communes on {FACES_CONNECTIONS} connections: {rate:,.0f} communes/s", flush=True)
        return
    for offset in range(0, len(commune_ids), ROUTING_FACES_FILL_SLICE):
        with transaction.atomic():
            routing_faces_rebuild(commune_ids=commune_ids[offset : offset + ROUTING_FACES_FILL_SLICE])


@contextmanager
def faces_left_out():
    from zones import services

    rebuild, services.routing_faces_rebuild = services.routing_faces_rebuild, lambda **kwargs: None
    try:
        yield
    finally:
        services.routing_faces_rebuild = rebuild


def import_cost() -> None:
    """A national re-import of the communes as a dry run (rolled back, the data stay): every commune
    part and routing face rebuilt, then the same import with the faces left out, for their cost."""
    from zones.importing import communes_import

    options = {"path": str(NATIONAL_FILE), "population_field": "population", "town_hall_field": "town_hall"}
    timed("import_communes, national re-import (dry run), with routing faces", communes_import, **options)
    with faces_left_out():
        timed("import_communes, national re-import (dry run), without routing faces", communes_import, **options)


def zone_edit_cost(edits: int = 20) -> None:
    """Median time of redrawing one neighbourhood (a new version, its parts and the routing faces of
    the communes it reaches), each rolled back, with and without the faces."""
    from django.db import transaction

    from zones.models import Zone
    from zones.services import as_multipolygon, zone_update_boundary

    neighbourhoods = Zone.objects.filter(kind=Zone.Kind.NEIGHBOURHOOD).order_by("?")
    zone_ids = list(neighbourhoods.values_list("id", flat=True)[:edits])

    def redraw_all() -> float:
        times = []
        for zone in Zone.objects.filter(id__in=zone_ids):  # afresh: a redraw turns the instance into a new version
            shrunk = as_multipolygon(zone.boundary.buffer(-0.0001))  # about 10 m inward
            if shrunk.empty:
                continue
            start = time.perf_counter()
            with transaction.atomic():
                zone_update_boundary(zone=zone, boundary=shrunk)
                transaction.set_rollback(True)
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    with_faces = redraw_all()
    with faces_left_out():
        without = redraw_all()
    print(f"neighbourhood redraw, median of {edits}: {with_faces:.0f} ms with routing faces, {without:.0f} ms without")


def points_on_faces(lons, lats) -> float:
    (count,) = sql(
        """SELECT count(DISTINCT t.i) FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, i)
           JOIN zones_routingface f ON ST_Covers(f.geom, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326))""",
        [list(lons), list(lats)],
    )[0]
    return count / len(lons)


def backend_cpu_seconds() -> float:
    """CPU time used so far by this connection's PostgreSQL backend (same machine, /proc)."""
    (pid,) = sql("SELECT pg_backend_pid()")[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CPU_SECONDS = {}  # CPU time (database + client) of each route_all, by route


def route_all(route, lons, lats) -> tuple[float, list]:
    start, cpu = time.perf_counter(), backend_cpu_seconds() + time.process_time()
    results = []
    for offset in range(0, len(lons), BATCH):
        results += route(lons[offset : offset + BATCH], lats[offset : offset + BATCH])
    used = backend_cpu_seconds() + time.process_time() - cpu
    CPU_SECONDS[route] = used / len(lons)
    print(f"  (CPU: {used:.1f} s database + client, i.e. {len(lons) / used:,.0f} points per CPU-second)")
    return time.perf_counter() - start, results


# The floor of the same work in PostGIS: one GiST probe and one `ST_Covers` a point against the
# routing faces, in the same order, counted in the database with nothing sent back.
FLOOR_SQL = """
    WITH p AS MATERIALIZED (
        SELECT ST_SetSRID(ST_MakePoint(t.x, t.y), 4326) AS g FROM unnest(%s::float8[], %s::float8[]) AS t(x, y)
        ORDER BY ST_GeoHash(ST_SetSRID(ST_MakePoint(t.x, t.y), 4326), 10)
    )
    SELECT count(*) FROM p JOIN zones_routingface f ON f.geom && p.g AND ST_Covers(f.geom, p.g)
"""


def floor_routes(lons, lats) -> list:
    from django.db import transaction

    with transaction.atomic():
        sql("SET LOCAL jit = off")
        sql(FLOOR_SQL, [list(lons), list(lats)])
    return []


def parts_only_routes(lons, lats):
    from django.db import transaction

    with transaction.atomic():
        sql("SET LOCAL jit = off")
        return found_sets(sql(PARTS_ONLY_SQL, [list(lons), list(lats)]), len(lons))


def unsubdivided_routes(lons, lats):
    return found_sets(sql(UNSUBDIVIDED_SQL, [list(lons), list(lats)]), len(lons))


def found_sets(rows, count: int) -> list[set]:
    found = [set() for _ in range(count)]
    for index, kind, object_id in rows:
        found[index - 1].add((kind, object_id))
    return found


def as_sets(routes) -> list[set]:
    return [
        {("commune", i) for i in r.commune_ids}
        | {("neighbourhood", i) for i in r.neighbourhood_ids}
        | {("police_sector", i) for i in r.police_sector_ids}
        for r in routes
    ]


def route_concurrently(route, lons, lats, clients: int) -> float:
    """The same batches shared by `clients` threads, each on its own database connection, as as many
    web processes or workers would send them: PostgreSQL then runs one backend per core."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def one_share(share: int) -> None:
        try:
            for offset in range(share * BATCH, len(lons), clients * BATCH):
                route(lons[offset : offset + BATCH], lats[offset : offset + BATCH])
        finally:
            connection.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one_share, range(clients)))
    return time.perf_counter() - start


def single_latencies(route, lons, lats) -> list[float]:
    latencies = []
    for x, y in zip(lons[:SINGLE_LOOKUPS], lats[:SINGLE_LOOKUPS], strict=True):
        start = time.perf_counter()
        route([x], [y])
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def percentiles(latencies: list[float]) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return f"p50 {cuts[49]:.2f} ms, p99 {cuts[98]:.2f} ms"


def strtree_index():
    import numpy as np
    import shapely
    from shapely import STRtree

    rows = sql(
        """SELECT 'commune', id, ST_AsBinary(boundary) FROM zones_commune
           UNION ALL SELECT kind, id, ST_AsBinary(boundary) FROM zones_zone"""
    )
    labels = [(kind, object_id) for kind, object_id, _ in rows]
    geometries = shapely.from_wkb(np.array([bytes(wkb) for _, _, wkb in rows], dtype=object))
    shapely.prepare(geometries)
    return STRtree(geometries), labels


def strtree_route(tree, labels, lons, lats):
    import shapely

    points = shapely.points(lons, lats)
    pairs = tree.query(points, predicate="covered_by")
    found = [set() for _ in lons]
    for point_index, geometry_index in zip(*pairs, strict=True):
        found[point_index].add(labels[geometry_index])
    return found


def main() -> None:
    print(f"load average at start: {Path('/proc/loadavg').read_text().strip()} on {os.cpu_count()} CPUs")
    if not NATIONAL_FILE.exists():
        print(f"National file absent: {NATIONAL_FILE} - nothing measured.")
        sys.exit(1)
    import django

    django.setup()
    from zones.selectors import routes_of_points

    load()
    lons, lats = zip(*sql(POINTS_SQL, [FACES_CODES, POINTS]), strict=True)
    order = list(range(len(lons)))
    random.Random(11).shuffle(order)
    lons, lats = [lons[i] for i in order][:POINTS], [lats[i] for i in order][:POINTS]
    print(f"{len(lons):,} random points inside French communes (uniform by area), codes {FACES_CODES or 'all'}...")
    on_faces = points_on_faces(lons[:10_000], lats[:10_000])
    print(f"  answered by one routing face (the rest by the parts): {on_faces:.2%}")

    subdivided_s, routes = route_all(routes_of_points, lons, lats)
    print(f"routes_of_points, batches of {BATCH:,}: {len(lons) / subdivided_s:,.0f} points/s ({subdivided_s:.2f} s)")
    clients = os.cpu_count() or 1
    concurrent_s = route_concurrently(routes_of_points, lons, lats, clients)
    print(f"routes_of_points, {clients} connections at once: {len(lons) / concurrent_s:,.0f} points/s")
    print(f"routes_of_points, single point: {percentiles(single_latencies(routes_of_points, lons, lats))}")
    routed = as_sets(routes)
    print(
        "answers: points with a commune {:.2%}, with a neighbourhood {:.2%}, with a sector {:.2%}".format(
            *(
                sum(1 for r in routes if getattr(r, f)) / len(routes)
                for f in ("commune_ids", "neighbourhood_ids", "police_sector_ids")
            )
        )
    )

    floor_s, _ = route_all(floor_routes, lons, lats)
    print(f"floor: one probe of the faces a point, nothing returned: {len(lons) / floor_s:,.0f} points/s")
    print(
        f"  routes_of_points / floor: {floor_s / subdivided_s:.2f}x (wall), "
        f"{CPU_SECONDS[floor_routes] / CPU_SECONDS[routes_of_points]:.2f}x (CPU)"
    )

    parts_s, parts = route_all(parts_only_routes, lons, lats)
    print(f"subdivided parts alone, as before the faces: {len(lons) / parts_s:,.0f} points/s")
    print(f"  same answers: {parts == routed}; faces / parts alone: {parts_s / subdivided_s:.2f}x")
    parts_concurrent_s = route_concurrently(parts_only_routes, lons, lats, clients)
    print(f"subdivided parts alone, {clients} connections at once: {len(lons) / parts_concurrent_s:,.0f} points/s")

    sample = len(lons) // 10
    unsub_s, unsub = route_all(unsubdivided_routes, lons[:sample], lats[:sample])
    unsub_rate = sample / unsub_s
    print(f"unsubdivided boundaries ({sample:,} points): {unsub_rate:,.0f} points/s")
    print(f"  same answers as the subdivided parts: {unsub == routed[:sample]}")
    print(f"  ratio subdivided / unsubdivided: {len(lons) / subdivided_s / unsub_rate:.1f}x")

    start = time.perf_counter()
    tree, labels = strtree_index()
    print(f"shapely STRtree build ({len(labels):,} polygons, prepared): {time.perf_counter() - start:.1f} s")

    def tree_route(x, y):
        return strtree_route(tree, labels, x, y)

    tree_s, tree_routes = route_all(tree_route, lons, lats)
    print(f"shapely STRtree in memory: {len(lons) / tree_s:,.0f} points/s")
    print(f"  same answers: {tree_routes == routed}")
    print(f"  ratio PostGIS subdivided / STRtree: {tree_s / subdivided_s:.2f}x (one connection)")
    print(f"  ratio PostGIS, {clients} connections / STRtree: {tree_s / concurrent_s:.2f}x")
    print(f"  ratio PostGIS / STRtree per CPU-second: {CPU_SECONDS[tree_route] / CPU_SECONDS[routes_of_points]:.2f}x")
    print(
        f"  ratio parts alone / STRtree: {tree_s / parts_s:.2f}x (one connection), "
        f"{tree_s / parts_concurrent_s:.2f}x ({clients} connections)"
    )
    tree_single = single_latencies(tree_route, lons, lats)
    print(f"  STRtree single point: {percentiles(tree_single)}")
    zone_edit_cost()
    if os.environ.get("BENCH_IMPORT"):
        import_cost()
    print(f"load average at end: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
