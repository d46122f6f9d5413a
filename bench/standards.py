"""Benchmarks of the open standards (standards/); prints figures (see bench/RESULTS.md).

    .venv/bin/python bench/standards.py

Runs on its own database (BENCH_STANDARDS_DATABASE_URL, default vigie_bench_standards, created
beforehand: `createdb -O vigie vigie_bench_standards` then `CREATE EXTENSION postgis`). It imports
every French commune from ../shared/data/communes-fr.geojson.gz the first time (and says so when
the file is absent), then adds 100,000 published alerts in Tarascon (13108) over the last 80 days.
Requests go through Django's whole stack (test client: middleware, throttles in Redis, views);
the throttle rates are raised for the run so the benchmark measures work, not refusals.

Targets (issue 19): tiles of the national communes layer p95 < 50 ms uncached at zooms 5-12 and
< 5 ms cached; Open311 requests.json for a commune of 100,000 alerts, paged, < 200 ms; OGC API
items pages of 1,000 features < 200 ms. Each figure is printed with, from the same run, its ratio
to the floor of the same work (PostGIS reading the same rows, or encoding them itself) and to the
naive alternative (ST_AsMVTGeom on raw boundaries; one unpaged answer)."""

import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Beside the checkout (../shared), or two levels up from a worktree (../../shared), or where the
# BENCH_COMMUNES_FILE environment variable says.
NATIONAL_FILE = Path(
    os.environ.get("BENCH_COMMUNES_FILE")
    or next(
        (path for path in (REPO.parent / "shared", REPO.parent.parent / "shared") if path.exists()),
        REPO.parent / "shared",
    )
    / "data"
    / "communes-fr.geojson.gz"
)
sys.path.insert(0, str(REPO))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_STANDARDS_DATABASE_URL", "postgis://vigie:vigie@127.0.0.1:5432/vigie_bench_standards"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "False"
# Persistent connections, as production runs (config/settings/prod.py): with the dev default of 0,
# every request would open a new PostgreSQL connection, which no deployed request pays.
os.environ["CONN_MAX_AGE"] = "60"
os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
os.environ["STANDARDS_TILES_THROTTLE_RATE"] = "10000000/minute"
os.environ["STANDARDS_API_THROTTLE_RATE"] = "10000000/minute"

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from psycopg import sql  # noqa: E402

from standards import open311  # noqa: E402
from standards.tile_cache import tile_layer_changed  # noqa: E402
from standards.vector_tiles import BUFFER_UNITS, LAYERS, tile_cached, tile_render  # noqa: E402
from zones.models import Commune  # noqa: E402

TARASCON = "13108"
ALERTS = 100_000
SAMPLE_PER_ZOOM = 40
NAIVE_PER_ZOOM = 4


def ms(seconds: float) -> float:
    return seconds * 1000


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, math.ceil(0.95 * len(values)) - 1)]


def summary(label: str, values: list[float]) -> str:
    median, top = statistics.median(values), max(values)
    return f"{label}: n={len(values)} p50 {median:.1f} ms, p95 {p95(values):.1f} ms, max {top:.1f} ms"


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return ms(time.perf_counter() - start)


def fetch(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def build() -> None:
    if Commune.objects.count() < 30_000:
        if not NATIONAL_FILE.exists():
            sys.exit(f"The national communes file is absent ({NATIONAL_FILE}): this benchmark needs it.")
        call_command(
            "import_communes",
            str(NATIONAL_FILE),
            population_field="population",
            town_hall_field="town_hall",
            commit=True,
        )
    tarascon = Commune.objects.get(code=TARASCON)
    have = fetch("SELECT count(*) FROM alerts_alert WHERE commune_id = %s AND status = 'published'", [tarascon.id])[0][
        0
    ]
    if have < ALERTS:
        fetch("SELECT setseed(0.19)")
        fetch(
            """INSERT INTO alerts_alert (category_id, commune_id, location, occurred_at, created_at, published_at,
                   decided_at, description, status, follow_up)
               SELECT cats[1 + n %% array_length(cats, 1)], c.id,
                      ST_SetSRID(ST_MakePoint(
                          ST_XMin(c.boundary) + random() * (ST_XMax(c.boundary) - ST_XMin(c.boundary)),
                          ST_YMin(c.boundary) + random() * (ST_YMax(c.boundary) - ST_YMin(c.boundary))), 4326),
                      t, t, t + interval '1 hour', t + interval '1 hour', 'Porte fracturée constatée, rue ' || n,
                      'published', CASE WHEN n %% 7 = 0 THEN 'closed' ELSE 'none' END
               FROM zones_commune c,
                    (SELECT array_agg(id ORDER BY id) AS cats FROM alerts_alertcategory) categories,
                    LATERAL (SELECT n, now() - (n %% 115200) * interval '1 minute' AS t
                             FROM generate_series(1, %(count)s) n) s
               WHERE c.id = %(commune)s""",
            {"commune": tarascon.id, "count": ALERTS - have},
        )
        fetch("ANALYZE alerts_alert")


def metropolitan_tiles(z: int) -> list[tuple[int, int, int]]:
    def tile_x(lon):
        return int((lon + 180) / 360 * 2**z)

    def tile_y(lat):
        return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)

    return [(z, x, y) for x in range(tile_x(-5), tile_x(8.5) + 1) for y in range(tile_y(51), tile_y(42.3) + 1)]


FLOOR_SQL = sql.SQL(
    """SELECT sum(ST_NPoints(boundary)) FROM zones_commune
       WHERE boundary && ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => {margin}), 4326)
       AND (%s >= 8 OR adopted_on IS NOT NULL)"""
).format(margin=sql.Literal(BUFFER_UNITS / 4096))
NAIVE_SQL = """SELECT ST_AsMVT(t, 'communes', 4096, 'geom', 'id') FROM (
    SELECT id, code, name, population, adopted_on IS NOT NULL AS joined,
           ST_AsMVTGeom(ST_Transform(boundary, 3857), ST_TileEnvelope(%s, %s, %s), 4096, 64, true) AS geom
    FROM zones_commune WHERE boundary && ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => 64.0 / 4096), 4326)) t"""


def bench_tiles(client: Client) -> None:
    print("\n## Vector tiles, national communes layer (34,867 communes)")
    layer, anonymous = LAYERS["communes"], AnonymousUser()
    random.seed(19)
    client.get("/tiles/communes/10/523/374.pbf")  # warm-up: URL resolver, translations, PROJ in the backend
    uncached_all, cached_all, floor_all, naive_all, in_process, sql_only = [], [], [], [], [], []
    for z in range(5, 13):
        tiles = metropolitan_tiles(z)
        sample = random.sample(tiles, min(SAMPLE_PER_ZOOM, len(tiles)))
        uncached, cached, floor = [], [], []
        for z_, x, y in sample:
            url = f"/tiles/communes/{z_}/{x}/{y}.pbf"
            tile_layer_changed("communes")  # a new version: nothing of this layer is cached
            uncached.append(timed(lambda url=url: client.get(url)))
            cached.append(timed(lambda url=url: client.get(url)))
            in_process.append(timed(lambda t=(z_, x, y): tile_cached(layer, user=anonymous, z=t[0], x=t[1], y=t[2])))
            sql_only.append(timed(lambda t=(z_, x, y): tile_render(layer, user=anonymous, z=t[0], x=t[1], y=t[2])))
            floor.append(timed(lambda t=(z_, x, y): fetch(FLOOR_SQL, [*t, t[0]])))
        naive = [timed(lambda t=t: fetch(NAIVE_SQL, [*t, *t])) for t in sample[:NAIVE_PER_ZOOM]]
        print(f"zoom {z} ({len(tiles)} tiles over metropolitan France, {len(sample)} sampled)")
        print("  " + summary("uncached, HTTP", uncached))
        print("  " + summary("cached, HTTP", cached))
        print("  " + summary("floor: PostGIS reading the same boundaries", floor))
        print("  " + summary("naive: ST_AsMVTGeom on raw boundaries, every commune", naive))
        uncached_all += uncached
        cached_all += cached
        floor_all += floor
        naive_all += naive
    print(summary("zooms 5-12 uncached", uncached_all) + " (target p95 < 50 ms)")
    print(summary("zooms 5-12 cached", cached_all) + " (target p95 < 5 ms)")
    print(summary("zooms 5-12 cached, the cache layer alone (Redis read, no HTTP stack)", in_process))
    print(summary("zooms 5-12 uncached, the tile's SQL alone (tile_render)", sql_only))
    print(
        f"ratios of p95, uncached HTTP: {p95(uncached_all) / p95(floor_all):.1f}x the floor; the tile's SQL alone "
        f"{p95(sql_only) / p95(floor_all):.1f}x the floor and {p95(sql_only) / p95(naive_all):.2f}x the naive "
        f"query (naive p95 {p95(naive_all):.1f} ms)"
    )


def bench_open311(client: Client) -> None:
    print("\n## Open311 requests.json, Tarascon with 100,000 published alerts")
    rows = open311.requests_filtered(
        open311.request_rows(AnonymousUser()),
        open311.RequestFilters(None, [], [], None, None, TARASCON),
    )
    print(f"alerts in the default 90-day window: {rows.count()}")
    client.get("/open311/v2/requests.json?jurisdiction_id=13108")  # warm-up
    for label, query in (
        ("page 1 (100)", "jurisdiction_id=13108"),
        ("page 500 (100)", "jurisdiction_id=13108&page=500"),
        ("page 1 (1,000)", "jurisdiction_id=13108&page_size=1000"),
        ("page 1, status=closed", "jurisdiction_id=13108&status=closed"),
    ):
        times = [timed(lambda q=query: client.get(f"/open311/v2/requests.json?{q}")) for _ in range(20)]
        print(summary(f"{label}, HTTP", times) + " (target < 200 ms)")
    floor = [timed(lambda: list(rows.values_list("id", "created_at", "description")[:100])) for _ in range(20)]
    print(summary("floor: the same 100 rows read, no serialisation", floor))
    naive = timed(lambda: [open311.service_request(alert) for alert in rows[:20_000]])
    print(
        f"naive, no paging: 20,000 of the window's alerts in one answer, in process: {naive:.0f} ms "
        f"(the whole 100,000 would take about {5 * naive / 1000:.0f} s)"
    )


def bench_ogc(client: Client) -> None:
    print("\n## OGC API items, pages of 1,000 features")
    client.get("/ogc/collections/communes/items?limit=1")  # warm-up
    floor_sql = """SELECT json_agg(ST_AsGeoJSON(t.*)::json) FROM (
        SELECT code, name, population, adopted_on IS NOT NULL AS joined, boundary FROM zones_commune
        ORDER BY code LIMIT 1000 OFFSET %s) t"""
    for label, url, offset in (
        ("communes, first page", "/ogc/collections/communes/items?limit=1000", 0),
        ("communes, offset 20,000", "/ogc/collections/communes/items?limit=1000&offset=20000", 20000),
        ("alerts of Tarascon (bbox)", "/ogc/collections/alerts/items?limit=1000&bbox=4.55,43.7,4.75,43.85", None),
    ):
        times = [timed(lambda u=url: client.get(u)) for _ in range(15)]
        print(summary(f"{label}, HTTP", times) + " (target < 200 ms)")
        if offset is not None:
            floor = [timed(lambda o=offset: fetch(floor_sql, [o])) for _ in range(15)]
            print(
                "  "
                + summary("floor: PostGIS writing the same page's GeoJSON itself", floor)
                + f", ratio of p95 {p95(times) / p95(floor):.1f}x"
            )
    naive = timed(lambda: client.get("/ogc/collections/communes/items?limit=10000"))
    print(f"naive, 10,000 communes in one answer: {naive:.0f} ms ({naive / 10:.0f} ms per 1,000)")


def main() -> None:
    build()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    print(subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip())  # noqa: S603, S607
    client = Client()
    bench_tiles(client)
    bench_open311(client)
    bench_ogc(client)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
