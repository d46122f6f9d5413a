"""Generalised locations: what residents see instead of an alert's exact place.

Every point is moved to the centre of the square grid cell (side `MAPS_RESIDENT_GRID_M`, 250 m by
default) that holds it, on a grid laid in the commune's metric projection (Lambert-93 in
metropolitan France) with its origin at the projection's origin. The rule is deterministic: the
same alert lands on the same point on every request, so the exact place cannot be recovered by
averaging answers, as it could with a random jitter.

The computation is one SQL expression (`GridCellCentre`) used by every query that shows a
generalised location, so the page, the API and the tests cannot disagree. It uses `floor`, not
`ST_SnapToGrid`: the latter rounds to the nearest grid node (a cell corner) with half-to-even
rounding, which would put a point on a node rather than in a cell centre. Cells are half-open,
[k·s, (k+1)·s): a point exactly on a grid line belongs to the cell east (or north) of it. Metric
coordinates are rounded to the millimetre first, so a point on a line stays on it whatever the
floating-point noise of the reprojection."""

from django.contrib.gis.db.models import PointField
from django.db.models import Expression, F, Func, Value


class GridCellCentre(Func):
    """The centre, in EPSG:4326, of the `grid_m` metre cell that holds `location`, on a grid in the
    projection `metric_srid` (an expression: usually the commune's `metric_srid` column)."""

    output_field = PointField(srid=4326)

    def __init__(self, location: Expression | str, metric_srid: Expression | str | int, grid_m: int):
        if grid_m <= 0:
            raise ValueError("the grid side must be a positive number of metres")
        location = F(location) if isinstance(location, str) else location
        metric_srid = F(metric_srid) if isinstance(metric_srid, str) else metric_srid
        metric_srid = Value(metric_srid) if isinstance(metric_srid, int) else metric_srid
        super().__init__(location, metric_srid, Value(float(grid_m)))

    def as_sql(self, compiler, connection, **extra_context):
        (location_sql, location_params), (srid_sql, srid_params), (grid_sql, grid_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        metric = f"ST_Transform({location_sql}, ({srid_sql})::integer)"
        metric_params = [*location_params, *srid_params]
        # (floor(round(x, 3) / s) + 0.5) * s for each axis, then back to lon/lat.
        axis = "((floor(round(ST_{axis}({metric})::numeric, 3) / ({grid})::numeric) + 0.5) * ({grid})::numeric)"
        x_sql = axis.format(axis="X", metric=metric, grid=grid_sql)
        y_sql = axis.format(axis="Y", metric=metric, grid=grid_sql)
        sql = f"ST_Transform(ST_SetSRID(ST_MakePoint({x_sql}::float8, {y_sql}::float8), ({srid_sql})::integer), 4326)"
        params = [*metric_params, *grid_params, *grid_params, *metric_params, *grid_params, *grid_params, *srid_params]
        return sql, params
