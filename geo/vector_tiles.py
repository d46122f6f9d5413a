"""Mapbox Vector Tiles cut by PostGIS around any SQL that yields rows with a `geom` column (EPSG:4326)
and an `id`: one statement, `ST_AsMVT` over the rows moved to the tile's grid. Shared by the open
collections (standards.vector_tiles, rows from querysets) and the statistics layers
(maps.statistics.tiles, rows from a layer's GeoJSON), so both cut tiles the same way.

Polygons go to the tile's grid by one affine map, a clip by box and a snap to whole units, which is
a third of the time of ST_AsMVTGeom: that one also repairs every polygon with GEOS, and the polygons
drawn here are valid already (boundaries were repaired when imported, statistics cells are built
valid). Rings are turned counter-clockwise first: the y axis flips on the way, and MVT wants exterior
rings clockwise on screen. Points need none of this and keep ST_AsMVTGeom."""

from django.db import connection
from psycopg import sql

from geo.tiles import EXTENT, tile_mercator_box

# Of the tile's side, kept around it so that lines and labels do not stop at its edge.
BUFFER_UNITS = 64

_POLYGON_TO_TILE = sql.SQL(
    """ST_RemoveRepeatedPoints(ST_SnapToGrid(ST_ClipByBox2D(
        ST_Affine(ST_ForcePolygonCCW(ST_Transform(geom, 3857)), %s, 0, 0, %s, %s, %s),
        ST_MakeEnvelope({low}, {low}, {high}, {high})), 1))"""
).format(low=sql.Literal(-BUFFER_UNITS), high=sql.Literal(EXTENT + BUFFER_UNITS))
_POINT_TO_TILE = sql.SQL(
    "ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(%s, %s, %s), {extent}, {buffer}, true)"
).format(extent=sql.Literal(EXTENT), buffer=sql.Literal(BUFFER_UNITS))


def _to_tile(points: bool, z: int, x: int, y: int) -> tuple[sql.Composable, list]:
    if points:
        return _POINT_TO_TILE, [z, x, y]
    west, south, east, north = tile_mercator_box(z, x, y)
    scale = EXTENT / (east - west)
    return _POLYGON_TO_TILE, [scale, -scale, -west * scale, north * scale]


def tile_sql(
    *,
    name: str,
    rows_sql: str | sql.Composable,
    rows_params: list,
    columns: list[str],
    points: bool,
    z: int,
    x: int,
    y: int,
) -> tuple[sql.Composed, list]:
    """The statement that turns the rows into one MVT layer `name` of tile z/x/y, with `columns` as
    the features' properties."""
    to_tile, to_tile_params = _to_tile(points, z, x, y)
    query = sql.SQL(
        """WITH tile_rows AS ({rows})
        SELECT ST_AsMVT(tile, {name}, {extent}, 'geom', 'id') FROM (
            SELECT {to_tile} AS geom, {columns} FROM tile_rows) AS tile
        WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom)"""
    ).format(
        rows=sql.SQL(rows_sql) if isinstance(rows_sql, str) else rows_sql,
        name=sql.Literal(name),
        extent=sql.Literal(EXTENT),
        to_tile=to_tile,
        columns=sql.SQL(", ").join(sql.Identifier(column) for column in dict.fromkeys(columns)),
    )
    return query, [*rows_params, *to_tile_params]


def tile_fetch(query: sql.Composed, params: list) -> bytes:
    """Run a `tile_sql` statement: the tile's bytes, empty when nothing lies in it."""
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
