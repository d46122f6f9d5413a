"""Mapbox Vector Tiles cut by PostGIS (`ST_AsMVTGeom`, `ST_AsMVT`), one layer per collection.

Each layer is a queryset of the rows a tile shows (its boundary box overlapping the tile and its
buffer, which the GiST index answers), turned into one MVT by one SQL statement composed with
psycopg.sql around the queryset's own SQL. Boundaries are simplified in the database to half a
unit of the tile's 4,096 grid before they are projected: detail finer than that would be snapped
away by the encoding anyway, and leaving it out is what keeps a zoom-5 tile of 9,000 communes fast.

Alerts are points at the centre of their grid cell, as on the residents' map; the exact point only
for a police agent of the commune (`standards.selectors.published_alerts`)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.core.cache import cache
from django.db.models import BooleanField, CharField, ExpressionWrapper, F, Func, Q, QuerySet, Value
from django.db.models.functions import Cast, TruncDate
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from psycopg import sql

from accounts.models import User
from geo.distance import METRES_PER_DEGREE
from geo.tiles import EXTENT, tile_box
from geo.vector_tiles import BUFFER_UNITS, tile_fetch, tile_sql
from standards import selectors
from standards.tile_cache import tile_key
from zones.models import Zone

# Below this zoom the communes layer holds only the communes that joined Vigie: a zoom-5 tile of
# every commune would hold 23,000 polygons of one to three pixels (2.3 MB, over a second to cut),
# a grey wash on screen. From zoom 8 a tile holds at most about 1,100 communes (Paris).
COMMUNES_ALL_FROM_ZOOM = 8


class Simplified(Func):
    """A polygon simplified by `tolerance` degrees, small parts kept (`preserveCollapsed`) so no
    commune vanishes from the national map at low zoom."""

    output_field = GeometryField(srid=4326)
    template = "ST_Simplify(%(expressions)s, true)"


@dataclass(frozen=True)
class TileRequest:
    user: User
    z: int
    # (west, south, east, north) in degrees of the tile and its buffer.
    box: tuple[float, float, float, float]
    # Half a unit of the tile's grid, in degrees of longitude (Mercator's units are the same everywhere).
    tolerance: float


@dataclass(frozen=True)
class TileLayer:
    name: str
    description: str
    fields: dict[str, str]
    rows: Callable[["TileRequest"], QuerySet]
    minzoom: int = 0
    maxzoom: int = 16
    # Whether the rows can depend on who asks (exact alert locations for police agents).
    personal: bool = False
    points: bool = False

    def cache_seconds(self) -> int:
        if self.name == "alerts":
            return settings.STANDARDS_ALERT_TILE_SECONDS
        return settings.STANDARDS_BOUNDARY_TILE_SECONDS


def _boundaries(queryset: QuerySet, tile: TileRequest) -> QuerySet:
    return selectors.within_box(queryset, field="boundary", box=tile.box).annotate(
        geom=Simplified(F("boundary"), Value(tile.tolerance))
    )


def _commune_rows(tile: TileRequest):
    communes = _boundaries(selectors.communes(), tile)
    if tile.z < COMMUNES_ALL_FROM_ZOOM:
        communes = communes.filter(adopted_on__isnull=False)
    return communes.annotate(
        joined=ExpressionWrapper(Q(adopted_on__isnull=False), output_field=BooleanField())
    ).values("id", "code", "name", "population", "joined", "geom")


def _zone_rows(kind: str):
    def rows(tile: TileRequest):
        zones = _boundaries(selectors.zones_of_kind(kind), tile)
        zones = zones.annotate(commune_code=F("commune__code"), police_service_name=F("police_service__name"))
        columns = ["id", "name", "commune_code", "geom"]
        if kind == Zone.Kind.POLICE_SECTOR:
            columns.insert(-1, "police_service_name")
        return zones.values(*columns)

    return rows


def _alert_rows(tile: TileRequest):
    # The shown point is up to half a cell's diagonal from the exact one the index holds.
    margin = settings.MAPS_RESIDENT_GRID_M / METRES_PER_DEGREE
    west, south, east, north = tile.box
    wide = (west - 2 * margin, south - margin, east + 2 * margin, north + margin)
    alerts = selectors.within_box(selectors.published_alerts(tile.user), field="location", box=wide)
    return alerts.annotate(
        geom=F("shown_location"),
        category_code=F("category__code"),
        category_label=F("category__label"),
        category_family=F("category__family"),
        commune_code=F("commune__code"),
        occurred_on=Cast(TruncDate("occurred_at"), CharField()),
    ).values("id", "category_code", "category_label", "category_family", "commune_code", "occurred_on", "geom")


LAYERS = {
    layer.name: layer
    for layer in [
        TileLayer(
            "communes",
            _("Communes françaises, avec leur adhésion à Vigie (sous le zoom 8, seulement celles qui ont adhéré)"),
            {"code": "String", "name": "String", "population": "Number", "joined": "Boolean"},
            _commune_rows,
            minzoom=4,
        ),
        TileLayer(
            "neighbourhoods",
            _("Quartiers des communes"),
            {"name": "String", "commune_code": "String"},
            _zone_rows(Zone.Kind.NEIGHBOURHOOD),
            minzoom=9,
        ),
        TileLayer(
            "police_sectors",
            _("Secteurs de police municipale"),
            {"name": "String", "commune_code": "String", "police_service_name": "String"},
            _zone_rows(Zone.Kind.POLICE_SECTOR),
            minzoom=9,
        ),
        TileLayer(
            "alerts",
            _("Alertes publiées, au centre de leur maille (jamais le lieu exact hors police municipale)"),
            {
                "category_code": "String",
                "category_label": "String",
                "category_family": "String",
                "commune_code": "String",
                "occurred_on": "String",
            },
            _alert_rows,
            minzoom=9,
            personal=True,
            points=True,
        ),
    ]
}


def tile_url_template(collection: str) -> str:
    """/tiles/{collection}/{z}/{x}/{y}.pbf, with the placeholders Leaflet fills in."""
    tile = reverse("tile", kwargs={"collection": collection, "z": 0, "x": 0, "y": 0})
    return tile.removesuffix("/0/0/0.pbf") + "/{z}/{x}/{y}.pbf"


def _tile_sql(layer: TileLayer, rows: QuerySet, z: int, x: int, y: int) -> tuple[sql.Composed, list]:
    rows_sql, rows_params = rows.query.sql_with_params()
    columns = [name for name in rows.query.values_select + tuple(rows.query.annotation_select) if name != "geom"]
    return tile_sql(
        name=layer.name,
        rows_sql=rows_sql,
        rows_params=list(rows_params),
        columns=["id", *columns],
        points=layer.points,
        z=z,
        x=x,
        y=y,
    )


def tile_render(layer: TileLayer, *, user: User, z: int, x: int, y: int) -> bytes:
    """The layer's tile z/x/y as Mapbox Vector Tile bytes (empty when nothing lies in it)."""
    if not layer.minzoom <= z <= layer.maxzoom:
        return b""
    tile = TileRequest(user, z, tile_box(z, x, y, margin=BUFFER_UNITS / EXTENT), 360 / 2**z / EXTENT / 2)
    return tile_fetch(*_tile_sql(layer, layer.rows(tile), z, x, y))


def tile_cached(layer: TileLayer, *, user: User, z: int, x: int, y: int) -> tuple[bytes, bool]:
    """The tile and whether it may be kept by shared caches: a tile that can hold exact points
    (a police agent's) is neither stored nor served from the cache."""
    if layer.personal and selectors.exact_location_commune_ids(user):
        return tile_render(layer, user=user, z=z, x=x, y=y), False
    key = tile_key(layer.name, z, x, y)
    tile = cache.get(key)
    if tile is None:
        tile = tile_render(layer, user=user, z=z, x=x, y=y)
        cache.set(key, tile, timeout=layer.cache_seconds())
    return tile, True
