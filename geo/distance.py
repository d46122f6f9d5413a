"""The one way this project asks "within N metres of a lon/lat point" in SQL.

`ST_DWithin` on the geography type measures metres on the WGS 84 spheroid, which is right
everywhere, metropolitan or overseas; but it cannot use a GiST index built on a geometry column.
So every such question comes with `&&` against a box in degrees around the point, just large enough
for the radius at that latitude, which the index answers first. The box is computed here, once:
in Python for a fixed centre (`degree_box`, `within_metres`), in SQL for a centre read from a row
(`expand`). SQL is composed with psycopg.sql; values are always parameters."""

import math

from psycopg import sql

# A degree of latitude is 110.6 km at the equator and 111.7 km at the poles: dividing by a little
# less makes the box a little larger than the circle, never smaller. A degree of longitude shrinks
# with cos(latitude), floored so the box stays finite near the poles.
METRES_PER_DEGREE = 110_000
MIN_COS_LATITUDE = 0.01


def degree_box(lon: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a box in degrees holding every point within `metres`."""
    dlat = metres / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(lat)), MIN_COS_LATITUDE)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def within_metres(geom: sql.Composable, lon: float, lat: float, metres: float, *, name: str = "near"):
    """The condition "`geom` lies within `metres` of (lon, lat)" and its parameters, named after
    `name` so several conditions can sit in one statement."""
    keys = [f"{name}_{key}" for key in ("west", "south", "east", "north", "lon", "lat", "metres")]
    west, south, east, north, lon_, lat_, metres_ = (sql.Placeholder(key) for key in keys)
    condition = sql.SQL(
        "{geom} && ST_MakeEnvelope({west}, {south}, {east}, {north}, 4326) AND "
        "ST_DWithin({geom}::geography, ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)::geography, {metres})"
    ).format(geom=geom, west=west, south=south, east=east, north=north, lon=lon_, lat=lat_, metres=metres_)
    return condition, dict(zip(keys, [*degree_box(lon, lat, metres), lon, lat, metres], strict=True))


def expand(centre: sql.Composable, metres: sql.Composable) -> sql.Composed:
    """The box of `degree_box` around a point read from a row, `metres` being SQL too."""
    return sql.SQL(
        "ST_Expand({centre}, ({metres})::float8 / {per_degree} / greatest(cos(radians(ST_Y({centre}))), {min_cos}),"
        " ({metres})::float8 / {per_degree})"
    ).format(
        centre=centre,
        metres=metres,
        per_degree=sql.Literal(METRES_PER_DEGREE),
        min_cos=sql.Literal(MIN_COS_LATITUDE),
    )
