"""The web map tile grid (XYZ, "slippy map", EPSG:3857): which lon/lat box a tile covers.

Tiles are numbered from the north-west corner: x grows eastwards, y southwards, and zoom z has
2^z by 2^z tiles. Web Mercator stops at about 85.05° north and south."""

import math

from django.utils.translation import gettext as _

MAX_ZOOM = 22
# Vector tiles are drawn on a 4096 by 4096 grid (the Mapbox Vector Tile default).
EXTENT = 4096
# Metres of Web Mercator across the whole world at zoom 0.
WORLD_M = 2 * math.pi * 6_378_137


class InvalidTile(ValueError):
    pass


def tile_check(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidTile(_("z doit être compris entre 0 et {max} (reçu : {z}).").format(max=MAX_ZOOM, z=z))
    side = 2**z
    if not (0 <= x < side and 0 <= y < side):
        raise InvalidTile(
            _("x et y doivent être compris entre 0 et {last} au zoom {z} (reçu : {x}, {y}).").format(
                last=side - 1, z=z, x=x, y=y
            )
        )


def _lon(x: float, z: int) -> float:
    return x / 2**z * 360 - 180


def _lat(y: float, z: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2**z))))


def tile_box(z: int, x: int, y: int, *, margin: float = 0.0) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of the tile, widened by `margin` tiles on each side
    (the buffer a vector tile keeps around itself so lines do not stop at its edge)."""
    return _lon(x - margin, z), _lat(y + 1 + margin, z), _lon(x + 1 + margin, z), _lat(y - margin, z)


def tile_unit_m(z: int) -> float:
    """Metres of Web Mercator in one unit of a vector tile's grid at zoom z: below it, detail is lost."""
    return WORLD_M / 2**z / EXTENT


def tile_mercator_box(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) of the tile in Web Mercator metres (EPSG:3857), as ST_TileEnvelope."""
    side = WORLD_M / 2**z
    west = -WORLD_M / 2 + x * side
    north = WORLD_M / 2 - y * side
    return west, north - side, west + side, north
