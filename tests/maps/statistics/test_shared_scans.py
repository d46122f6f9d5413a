"""The dashboard's faster path gives the same figures: scans shared across a page, the density drawn
as merged shapes, hexagon centres computed instead of projected, GeoJSON serialised in bulk."""

import datetime as dt
import json

import numpy as np
import shapely
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maps.statistics import counts, reports
from maps.statistics.heatmap import cell_polygons, kernel_density, level_shapes, shown_cells
from tests.maps.statistics.conftest import BORDER_LON, publish, spread
from tests.maps.statistics.test_apis import history  # noqa: F401 - fixture

TODAY = dt.date(2026, 11, 25)


def _figures(query):
    return (
        reports.before_after_table(query, today=TODAY),
        reports.zone_statistics(query),
        reports.monthly_series(query),
    )


def _scans(queries) -> int:
    """Reads of the commune's events or of their monthly counts."""
    return sum(1 for q in queries if "FROM alerts_alert a" in q["sql"] or "FROM maps_monthlycount m" in q["sql"])


def test_figures_cut_from_shared_scans_equal_their_own_scans(town, west, east, history):  # noqa: F811
    publish(town, spread(9, 5.0, BORDER_LON), category="vol-vehicule", day=dt.date(2025, 7, 3))
    for family in ("burglary", None):
        query = reports.StatisticsQuery(
            commune=town, start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1), family=family
        )
        with CaptureQueriesContext(connection) as alone:
            separate = _figures(query)
        with CaptureQueriesContext(connection) as together, counts.shared_scans():
            shared = _figures(query)
        assert shared == separate
        # One scan of the commune and one zone scan (plus the events outside every zone), where
        # each figure made its own.
        assert _scans(together.captured_queries) == 3 < _scans(alone.captured_queries)


def test_a_shared_zone_scan_serves_only_windows_inside_its_own(town, west, east, history):  # noqa: F811
    wide = counts.EventFilter(commune_id=town.id, source="alerts", family="burglary", start=dt.date(2024, 1, 1))
    with counts.shared_scans():
        rows = counts.zone_month_counts(wide, kind="neighbourhood")
        narrow = counts.zone_month_counts(
            counts.EventFilter(commune_id=town.id, source="alerts", family="burglary", start=dt.date(2025, 3, 1),
                               end=dt.date(2025, 4, 1)),
            kind="neighbourhood",
        )  # fmt: skip
        with CaptureQueriesContext(connection) as older:
            earlier = counts.zone_month_counts(
                counts.EventFilter(commune_id=town.id, source="alerts", family="burglary", end=dt.date(2024, 1, 1)),
                kind="neighbourhood",
            )
    assert narrow == [row for row in rows if row[2] == dt.date(2025, 3, 1)] and sum(r[3] for r in narrow) == 20
    assert _scans(older.captured_queries) == 1 and earlier and all(row[2] < dt.date(2024, 1, 1) for row in earlier)


def test_the_drawn_density_covers_the_same_cells_at_the_same_levels():
    rng = np.random.default_rng(3)
    grid = {"x0": 1000.0, "y0": 2000.0, "nx": 80, "ny": 60, "cell": 50.0, "srid": 2154}
    bins = [(int(x), int(y), int(n)) for x, y, n in zip(rng.integers(10, 70, 400), rng.integers(10, 50, 400),
                                                        rng.integers(1, 4, 400), strict=True)]  # fmt: skip
    result = kernel_density(grid, bins, bandwidth=200.0)
    rows, cols = shown_cells(result)
    levels = np.searchsorted([0.25, 0.5, 0.75], result.density[rows, cols] / result.density.max(), side="right") + 1
    shapes = level_shapes(result, rows, cols, levels)
    assert sorted(shapes) == sorted(set(levels.tolist())) and len(shapes) >= 3
    for level, shape in shapes.items():
        cells = cell_polygons(result, rows[levels == level], cols[levels == level])
        assert abs(shape.area - shapely.area(cells).sum()) < 1e-6
        assert shapely.union_all(cells).symmetric_difference(shape).area < 1e-6


def test_hexagon_centres_are_those_of_the_grid_drawn(town):
    rows = counts.hexagon_counts(
        counts.EventFilter(commune_id=town.id, source="alerts"), srid=town.metric_srid, size=174
    )
    drawn = shapely.from_wkb([bytes(r[3]) for r in rows])
    projected = reports.gpd.GeoSeries(drawn, crs=4326).to_crs(town.metric_srid).centroid
    centres = reports.hexagon_centres(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), 174)
    assert len(rows) > 10
    assert np.abs(centres - np.column_stack([projected.x, projected.y])).max() < 0.01  # metres


def test_feature_collection_is_the_frame_as_geojson(town, west, east, history):  # noqa: F811
    query = reports.StatisticsQuery(commune=town, start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1))
    layer = reports.zone_layer(query, reports.zone_statistics(query))
    ours, theirs = json.loads(reports.feature_collection(layer)), json.loads(layer.to_json(drop_id=True))
    assert len(ours["features"]) == len(theirs["features"]) > 0
    for mine, reference in zip(ours["features"], theirs["features"], strict=True):
        assert mine["properties"] == reference["properties"]
        assert shapely.geometry.shape(mine["geometry"]).equals(shapely.geometry.shape(reference["geometry"]))
