"""Address suggestions for the home form. No network is assumed, so no real geocoder ships: the
setting `ACCOUNTS_GEOCODER` names a class (dotted path) with a `suggest(address)` method; the
default suggests nothing and the resident places the point on the map or types lon/lat."""

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Suggestion:
    label: str
    lon: float
    lat: float


class Geocoder(Protocol):
    def suggest(self, address: str) -> list[Suggestion]: ...


class NullGeocoder:
    """Suggests nothing: the resident places their home on the map."""

    def suggest(self, address: str) -> list[Suggestion]:
        return []


@cache
def _geocoder(path: str) -> Geocoder:
    return import_string(path)()


def geocoder() -> Geocoder:
    return _geocoder(settings.ACCOUNTS_GEOCODER)
