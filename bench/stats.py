"""Benchmarks of the statistics part; prints figures (see bench/RESULTS.md).

    .venv/bin/python bench/stats.py            # builds the data once, then measures

Runs on its own database (BENCH_STATS_DATABASE_URL, default vigie_bench_stats, created beforehand:
`runuser -u postgres -- psql -c "CREATE DATABASE vigie_bench_stats OWNER vigie"` then, as vigie,
`CREATE EXTENSION postgis`). Data: 20 communes of 25 neighbourhoods (500 zones), 1,000,000 published
alerts over 36 months: 100,000 in the first commune, about 47,000 in each other one.

BENCH_STATS_MONTHS=60 (in its own database) builds 60 months of history at the same monthly rate:
166,666 alerts in the first commune, 1,666,666 in all."""

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_STATS_DATABASE_URL", "postgis://vigie:vigie@127.0.0.1:5432/vigie_bench_stats"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")  # the dashboard is requested through the test client

import django  # noqa: E402

django.setup()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from esda import G_Local  # noqa: E402

from accounts.models import User  # noqa: E402
from alerts.models import Alert, AlertCategory  # noqa: E402
from maps.models import MonthlyCount, RecordedCrime  # noqa: E402
from maps.statistics import caching, counts, dashboard, reports  # noqa: E402
from maps.statistics.apis import statistics_query  # noqa: E402
from maps.statistics.crime_import import POLICE_UK_COLUMNS, crimes_import  # noqa: E402
from maps.statistics.hotspots import getis_ord_hot_spots, neighbour_weights  # noqa: E402
from tests.factories import square  # noqa: E402
from zones import services  # noqa: E402
from zones.models import Commune  # noqa: E402

COMMUNES, SIDE, GRID = 20, 0.05, 5  # each commune a 0.05° square (about 4 x 5.5 km) cut in 5 x 5
MONTHS = int(os.environ.get("BENCH_STATS_MONTHS", "36"))
TOTAL, FIRST = 1_000_000 * MONTHS // 36, 100_000 * MONTHS // 36
END = dt.date(2026, 11, 1)
START = dt.date(END.year - MONTHS // 12, END.month, 1)
ADOPTED = dt.date(2025, 5, 1)

ALERTS_SQL = """
    INSERT INTO alerts_alert
        (category_id, commune_id, location, occurred_at, description, status, follow_up, created_at, published_at)
    SELECT (%(categories)s::bigint[])[1 + (g %% cardinality(%(categories)s::bigint[]))], %(commune)s,
           ST_SetSRID(ST_MakePoint(
               %(x0)s + %(side)s * CASE WHEN g %% 5 = 0 THEN 0.3 + 0.05 * random() ELSE random() END,
               %(y0)s + %(side)s * CASE WHEN g %% 5 = 0 THEN 0.6 + 0.05 * random() ELSE random() END),
               4326),
           t.at, 'bench', 'published', 'none', t.at, t.at
    FROM generate_series(1, %(n)s) g
    -- g in the subquery makes it run once per row (uncorrelated, random() would be drawn once).
    CROSS JOIN LATERAL (SELECT %(start)s::timestamptz + (random() + 0 * g) * %(span)s AS at) t"""


def build() -> list[Commune]:
    call_command("migrate", verbosity=0)
    existing = list(Commune.objects.filter(code__startswith="98").order_by("code"))
    if len(existing) == COMMUNES and Alert.objects.count() >= TOTAL:
        return existing
    print("building the data set (once)...", flush=True)
    categories = list(AlertCategory.objects.values_list("id", flat=True))
    communes = []
    for k in range(COMMUNES):
        x0, y0 = 4.0 + k * (SIDE + 0.01), 43.5
        commune = services.commune_upsert(
            code=f"98{k:03d}",
            name=f"Banc {k}",
            boundary=square(x0, y0, x0 + SIDE, y0 + SIDE),
            adopted_on=ADOPTED,
        )
        step = SIDE / GRID
        for i in range(GRID):
            for j in range(GRID):
                services.zone_create(
                    commune=commune,
                    kind="neighbourhood",
                    name=f"Q{i}{j}",
                    boundary=square(x0 + i * step, y0 + j * step, x0 + (i + 1) * step, y0 + (j + 1) * step),
                    households=800,
                )
        n = (
            FIRST
            if k == 0
            else (TOTAL - FIRST) // (COMMUNES - 1) + (1 if k <= (TOTAL - FIRST) % (COMMUNES - 1) else 0)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                ALERTS_SQL,
                {
                    "categories": categories,
                    "commune": commune.id,
                    "x0": x0,
                    "y0": y0,
                    "side": SIDE,
                    "n": n,
                    "start": START,
                    "span": END - START - dt.timedelta(days=1),
                },
            )
        communes.append(commune)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return communes


def timed(function, repeat: int = 7) -> tuple[float, object]:
    function()  # warm: imports, plans, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def police_uk_file(rows: int) -> Path:
    rng = np.random.default_rng(1)
    path = Path(tempfile.mkdtemp()) / "street.csv"
    types = ["Burglary", "Vehicle crime", "Shoplifting", "Other theft", "Public order", "Criminal damage and arson"]
    with path.open("w") as out:
        out.write(",".join(POLICE_UK_COLUMNS) + "\n")
        for i in range(rows):
            asb = i % 3 == 0
            crime_id = "" if asb else f"{i:064x}"
            kind = "Anti-social behaviour" if asb else types[i % len(types)]
            lon, lat = -0.1 + rng.random() * 0.01, 51.5 + rng.random() * 0.01
            out.write(f"{crime_id},2024-{1 + i % 12:02d},Met,Met,{lon:.6f},{lat:.6f},On or near X,E01,L,{kind},,\n")
    return path


def mayor_client(commune: Commune):
    """A mayor of the commune, logged in with a verified second factor, as the API sees them."""
    from accounts.models import Role, User
    from tests.auth import staff_client

    user, _ = User.objects.get_or_create(email="maire@banc.invalid")
    Role.objects.get_or_create(user=user, kind=Role.Kind.MAYOR, commune=commune)
    return staff_client(user)


def spread(function, repeat: int = 7) -> tuple[float, float]:
    """(min, median) in ms of `repeat` runs after one warm-up: the machine is shared, both are reported."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def maintenance_figures(commune: Commune) -> None:
    """What keeping the counts costs a write, each rolled back: a publication (against the same INSERT with
    the triggers off, its floor), and redrawing one of the commune's zones (a recount of its kind)."""
    from django.contrib.gis.geos import MultiPolygon
    from django.db import transaction

    category = AlertCategory.objects.first()
    at = timezone.now()

    def publication(triggers: bool):
        with transaction.atomic():
            if not triggers:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")  # no trigger fires
            Alert.objects.create(
                category=category, commune=commune, location=commune.boundary.point_on_surface, occurred_at=at,
                description="bench", status="published", published_at=at,
            )  # fmt: skip
            transaction.set_rollback(True)

    def redraw():
        zone = commune.zones.filter(valid_until__isnull=True).first()
        with transaction.atomic():
            services.zone_update_boundary(zone=zone, boundary=MultiPolygon(zone.boundary.buffer(-0.0005), srid=4326))
            transaction.set_rollback(True)

    published = spread(lambda: publication(True))
    bare = spread(lambda: publication(False))
    redrawn = spread(redraw, repeat=3)
    print(
        f"one publication with its monthly counts: min {published[0]:.1f} / median {published[1]:.1f} ms; the same "
        f"INSERT with the triggers off {bare[1]:.1f} ms (x{published[1] / bare[1]:.1f}); redrawing one zone "
        f"(its kind recounted for {commune.alerts.count():,} alerts): {redrawn[0]:.0f} / {redrawn[1]:.0f} ms"
    )


def monthly_counts_figures() -> None:
    """The figures read from the monthly counts against the same figures scanned from the events (the
    path they replace), and the floors of each: the bare aggregate over the monthly counts, the bare
    scan of the events."""
    communes = build()
    first = communes[0]
    kind = "neighbourhood"
    print(
        f"{MONTHS} months, first commune {first.alerts.count():,} alerts; monthly count rows "
        f"{MonthlyCount.objects.filter(commune=first).count():,} (all communes {MonthlyCount.objects.count():,}); "
        f"load average {Path('/proc/loadavg').read_text()[:14]}"
    )
    query = reports.StatisticsQuery(commune=first, start=START, end=END)
    floor = spread(lambda: counts.zone_month_counts(query.events(), kind=kind))
    stats = spread(lambda: reports.zone_statistics(query))
    with counts.raw_scans():
        raw_floor = spread(lambda: counts.zone_month_counts(query.events(), kind=kind), repeat=3)
        raw_stats = spread(lambda: reports.zone_statistics(query), repeat=3)
    print(
        f"zone statistics with cell-key perturbation, {MONTHS} months, 5 families, computed afresh: "
        f"min {stats[0]:.0f} / median {stats[1]:.0f} ms; floor (bare aggregate over the monthly counts) "
        f"{floor[1]:.0f} ms (x{stats[1] / floor[1]:.1f}); the same figures from the events (the old path) "
        f"{raw_stats[0]:.0f} / {raw_stats[1]:.0f} ms (x{stats[1] / raw_stats[1]:.2f}); its bare zone scan "
        f"{raw_floor[1]:.0f} ms (x{stats[1] / raw_floor[1]:.2f})"
    )
    maintenance_figures(first)
    client = mayor_client(first)
    mayor = User.objects.get(email="maire@banc.invalid")
    for year in ({"from": "2025-01", "to": "2025-12"}, {"from": "2023-01", "to": "2023-12"}):
        key = caching.cache_key(
            "dashboard", dashboard.dashboard_query(mayor, year, first.code), today=timezone.localdate()
        )

        def cold_page(key=key, year=year):
            cache.delete(key)  # as after any change of the commune's data (its fingerprint is in the key)
            response = client.get(f"/statistiques/{first.code}/", year)
            assert response.status_code == 200, response.status_code

        page = spread(cold_page, repeat=5)
        fingerprint = spread(lambda: counts.statistics_fingerprint(first.id))
        with counts.raw_scans():
            raw_page = spread(cold_page, repeat=3)
        print(
            f"mayor's dashboard page computed afresh, server side, {year['from']} to {year['to']}: min {page[0]:.0f} "
            f"/ median {page[1]:.0f} ms (of which the data fingerprint {fingerprint[1]:.0f} ms); from the events "
            f"(the old path, same fingerprint): {raw_page[0]:.0f} / {raw_page[1]:.0f} ms "
            f"(x{page[1] / raw_page[1]:.2f}); "
            f"load average {Path('/proc/loadavg').read_text()[:14]}"
        )


def main() -> None:
    communes = build()
    first, other = communes[0], communes[1]
    end = END
    print(f"alerts: {Alert.objects.count():,}, zones: {sum(c.zones.count() for c in communes)}, months: {MONTHS}")

    def query(commune, **kwargs):
        return reports.StatisticsQuery(commune=commune, start=START, end=end, **kwargs)

    ms, stats = timed(lambda: reports.zone_statistics(query(other)))
    print(
        f"zone statistics with cell-key perturbation, one commune ({other.alerts.count():,} alerts, 25 zones, "
        f"5 families x 36 months): {ms:.0f} ms"
    )
    ms, _ = timed(lambda: reports.zone_statistics(query(first)))
    floor_ms, _ = timed(lambda: counts.zone_month_counts(query(first).events(), kind="neighbourhood"))
    print(
        f"zone statistics with cell-key perturbation, the 100,000-alert commune: {ms:.0f} ms "
        f"(the SQL aggregate alone: {floor_ms:.0f} ms, x{ms / floor_ms:.2f})"
    )
    client = mayor_client(first)
    params = {"commune": first.code, "from": "2025-01", "to": "2025-12"}

    def api_call():
        response = client.get("/api/statistics/zones/", params)
        assert response.status_code == 200, response.content
        return response

    mayor = User.objects.get(email="maire@banc.invalid")
    zones_key = caching.cache_key("zones", statistics_query(mayor, params))

    def api_call_afresh():
        cache.delete(zones_key)  # as after any change of the commune's data (its fingerprint is in the key)
        return api_call()

    cold_ms, response = timed(api_call_afresh)
    ms, response = timed(api_call)
    print(
        f"zone statistics API end to end (HTTP through Django, JSON of {len(response.content) // 1024} KiB), "
        f"the 100,000-alert commune: computed afresh {cold_ms:.0f} ms; with the data unchanged since (cache "
        f"keyed by the data fingerprint) {ms:.0f} ms (x{ms / cold_ms:.2f})"
    )
    ms, _ = timed(lambda: reports.before_after_table(query(first, reference=ADOPTED), today=dt.date(2026, 11, 25)))
    print(f"before/after table, the 100,000-alert commune: {ms:.0f} ms")
    ms, density = timed(lambda: reports.density_layer(query(first)))
    print(
        f"heatmap (KDE 200 m on 50 m cells), commune with {first.alerts.count():,} points: {ms:.0f} ms "
        f"({len(density)} cells drawn)"
    )
    rows = counts.hexagon_counts(query(first).events(), srid=first.metric_srid, size=65)
    raw = np.array([row[2] for row in rows], dtype=np.int64)
    cells = gpd.GeoSeries(shapely.from_wkb([bytes(row[3]) for row in rows]), crs=4326).to_crs(first.metric_srid)
    centroids = np.column_stack([cells.centroid.x, cells.centroid.y])
    ms, result = timed(lambda: getis_ord_hot_spots(raw, centroids, hexagon_edge=65), repeat=3)
    weights = neighbour_weights(centroids, 65)
    floor_ms, _ = timed(
        lambda: G_Local(raw.astype(float), weights, transform="B", star=True, permutations=0), repeat=3
    )
    esda_ms, _ = timed(
        lambda: G_Local(raw.astype(float), weights, transform="B", star=True, permutations=999, seed=1, n_jobs=1),
        repeat=3,
    )
    print(
        f"Gi* exact conditional p-values + BH over {len(raw):,} hexagons (mean {raw.mean():.0f} events): {ms:.0f} ms "
        f"({int(result.hot.sum())} hot); floor (esda z-scores alone, no p-value): {floor_ms:.0f} ms "
        f"(x{ms / floor_ms:.1f}); esda 999 permutations (what it replaces): {esda_ms:.0f} ms (x{ms / esda_ms:.2f})"
    )
    sparse = np.random.default_rng(1).poisson(0.3, len(raw))
    ms, result = timed(lambda: getis_ord_hot_spots(sparse, centroids, hexagon_edge=65), repeat=3)
    print(f"Gi* exact p-values, sparse counts (mean 0.3) over {len(raw):,} hexagons: {ms:.0f} ms")
    ms, _ = timed(lambda: reports.hexagon_layer(query(first, hexagon=65)), repeat=3)
    print(
        f"hexagon layer end to end (SQL counts + Gi* on the period and on each half + BH + places) over "
        f"{len(raw):,} hexagons: {ms:.0f} ms"
    )
    page_client = mayor_client(first)
    year = {"from": "2025-01", "to": "2025-12"}

    def page():
        response = page_client.get(f"/statistiques/{first.code}/", year)
        assert response.status_code == 200, response.status_code
        return response

    today = timezone.localdate()
    key = caching.cache_key("dashboard", dashboard.dashboard_query(mayor, year, first.code), today=today)

    def cold_page():
        cache.delete(key)  # as after any change of the commune's data (its fingerprint is in the key)
        return page()

    cold_ms, response = timed(cold_page, repeat=5)
    ms, response = timed(page, repeat=7)
    fingerprint_ms, _ = timed(lambda: counts.statistics_fingerprint(first.id))
    read_ms, _ = timed(lambda: cache.get(key))
    print(
        f"mayor's dashboard page, server side (Django test client, one year, {len(response.content) // 1024} KiB): "
        f"{ms:.0f} ms with the data unchanged since it was computed (of which the data fingerprint "
        f"{fingerprint_ms:.0f} ms and the cache read {read_ms:.0f} ms: x{ms / (fingerprint_ms + read_ms):.1f} that "
        f"floor); computed afresh (as after a change of the data): {cold_ms:.0f} ms (x{ms / cold_ms:.2f})"
    )
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        cold_page()
        one_cold_ms = (time.perf_counter() - start) * 1000
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    print(
        f"mayor's dashboard computed afresh, one more load: {one_cold_ms:.0f} ms, of which its "
        f"{len(queries.captured_queries)} SQL statements {sql_ms:.0f} ms (the floor of the same work without "
        f"the statistics and the page: x{one_cold_ms / sql_ms:.1f}); "
        f"load average {Path('/proc/loadavg').read_text()[:14]}"
    )
    path = police_uk_file(100_000)
    RecordedCrime.objects.filter(source="police-uk").delete()
    start = time.perf_counter()
    report = crimes_import(path=path, source="police-uk", commit=True)
    first_import = time.perf_counter() - start
    start = time.perf_counter()
    again = crimes_import(path=path, source="police-uk", commit=True)
    print(
        f"import_crimes police-uk 100,000 rows: {first_import:.1f} s ({report.rows_added:,} added); "
        f"re-import {time.perf_counter() - start:.1f} s ({again.rows_added} added)"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--build"]:
        build()
    elif sys.argv[1:] == ["--monthly-counts"]:
        monthly_counts_figures()
    else:
        main()
