"""The statistics layers as vector tiles, for the commune's staff: rates by zone, hexagon bands with
their hot/cold label, and density levels. Each tile is cut from the layer the statistics already
publish (reports.zone_layer, published_hexagons, density_layer), so the same disclosure rules hold:
perturbed zone counts ("< 5" below five), count bands and levels, never an exact per-hexagon count,
z-score or p-value. The layer is computed once per state of the data (caching.cached, keyed on the
commune's data fingerprint) and each tile is kept under the same key, so a change of the data forgets
both. Tiles are cut by the same PostGIS statement as the open collections (geo.vector_tiles)."""

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
from django.conf import settings
from django.core.cache import cache
from psycopg import sql

from geo.tiles import EXTENT, tile_box
from geo.vector_tiles import BUFFER_UNITS, tile_fetch, tile_sql
from maps.statistics import caching, reports


@dataclass(frozen=True)
class StatisticsTileLayer:
    name: str
    # property -> PostgreSQL type, read from each feature's GeoJSON properties
    fields: dict[str, str]
    frame: Callable[[reports.StatisticsQuery], gpd.GeoDataFrame]


def _zones(query: reports.StatisticsQuery) -> gpd.GeoDataFrame:
    return reports.zone_layer(query, caching.cached("zones", query, lambda: reports.zone_statistics(query)))


def _hexagons(query: reports.StatisticsQuery) -> gpd.GeoDataFrame:
    return reports.published_hexagons(reports.hexagon_layer(query)[0])


LAYERS = {
    layer.name: layer
    for layer in (
        StatisticsTileLayer(
            "zones",
            {
                "zone": "text",
                "family": "text",
                "source": "text",
                "count_display": "text",
                "rate_per_1000_per_year": "float8",
            },
            _zones,
        ),
        StatisticsTileLayer("hexagons", {"count_band": "text", "spot": "text", "place": "text"}, _hexagons),
        StatisticsTileLayer("density", {"level": "int4", "level_label": "text"}, reports.density_layer),
    )
}


def _rows_sql(layer: StatisticsTileLayer) -> sql.Composed:
    """One row per feature of the layer's GeoJSON (the first parameter) overlapping the box (the next four)."""
    properties = sql.SQL(", ").join(
        sql.SQL("(f -> 'properties' ->> {key})::{type} AS {name}").format(
            key=sql.Literal(key), type=sql.SQL(kind), name=sql.Identifier(key)
        )
        for key, kind in layer.fields.items()
    )
    return sql.SQL(
        """SELECT n AS id, geom, {properties} FROM (
            SELECT f, n, ST_SetSRID(ST_GeomFromGeoJSON(f -> 'geometry'), 4326) AS geom
            FROM jsonb_array_elements(%s::jsonb -> 'features') WITH ORDINALITY AS features(f, n)) AS feature
        WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"""
    ).format(properties=properties)


def statistics_tile(layer: StatisticsTileLayer, query: reports.StatisticsQuery, *, z: int, x: int, y: int) -> bytes:
    """Tile z/x/y of the layer (raises reports.StatisticsInputError as the layer does)."""
    key = caching.cache_key(f"tile-{layer.name}", query) + f":{z}/{x}/{y}"
    tile = cache.get(key)
    if tile is None:
        geojson = caching.cached(f"layer-{layer.name}", query, lambda: layer.frame(query).to_json(drop_id=True))
        box = tile_box(z, x, y, margin=BUFFER_UNITS / EXTENT)
        tile = tile_fetch(
            *tile_sql(
                name=layer.name,
                rows_sql=_rows_sql(layer),
                rows_params=[geojson, *box],
                columns=["id", *layer.fields],
                points=False,
                z=z,
                x=x,
                y=y,
            )
        )
        cache.set(key, tile, timeout=settings.MAPS_STATISTICS_CACHE_S)
    return tile
