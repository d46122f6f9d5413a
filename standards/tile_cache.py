"""The server's cache of public vector tiles, in Redis through Django's cache.

Each layer has a version number in the cache; a tile's key holds it, so a change to the layer
(a publication, a redrawn neighbourhood) forgets every tile of the layer at once by moving the
version on, without listing keys. Old tiles expire on their own."""

from django.core.cache import cache

_VERSION_KEY = "standards:tiles:version:{layer}"
_TILE_KEY = "standards:tiles:{layer}:{version}:{z}/{x}/{y}"


def _version(layer: str) -> int:
    return cache.get_or_set(_VERSION_KEY.format(layer=layer), 1, timeout=None)


def tile_key(layer: str, z: int, x: int, y: int) -> str:
    return _TILE_KEY.format(layer=layer, version=_version(layer), z=z, x=x, y=y)


def tile_layer_changed(layer: str) -> None:
    key = _VERSION_KEY.format(layer=layer)
    try:
        cache.incr(key)
    except ValueError:  # no version yet: nothing cached under one either
        cache.set(key, 2, timeout=None)
