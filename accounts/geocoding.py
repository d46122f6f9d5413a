"""Address suggestions (home form, posting form, town hall's drawing map) and the address near a
point. No network is assumed: the setting `ACCOUNTS_GEOCODER` names a class (dotted path) with
`suggest(address)` and `near(lon, lat)`; the default searches the offline address index
(`addresses`, filled by `import_addresses`), which suggests nothing until a file is imported. The
resident can always place the point on the map instead."""

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from pyproj import Geod

from addresses.selectors import address_nearest, address_suggest


@dataclass(frozen=True)
class Suggestion:
    label: str
    lon: float
    lat: float


class Geocoder(Protocol):
    def suggest(self, address: str, *, commune: str | None = None) -> list[Suggestion]:
        """The best matches of what is typed, best first; only in the commune of INSEE code
        `commune` when given."""

    def near(self, lon: float, lat: float) -> str | None:
        """ "près du 12 rue des Halles, Tarascon" for a point, or None when no address is close."""


class NullGeocoder:
    """Suggests nothing: the resident places their home on the map."""

    def suggest(self, address: str, *, commune: str | None = None) -> list[Suggestion]:
        return []

    def near(self, lon: float, lat: float) -> str | None:
        return None


class AddressIndexGeocoder:
    """The offline index of the Base Adresse Nationale: typos and missing accents tolerated."""

    def suggest(self, address: str, *, commune: str | None = None) -> list[Suggestion]:
        found = address_suggest(address, insee_code=commune)
        return [Suggestion(address.label, address.lon, address.lat) for address in found]

    def near(self, lon: float, lat: float) -> str | None:
        found = address_nearest(lon=lon, lat=lat, within_m=settings.ACCOUNTS_GEOCODER_NEAR_M)
        return found.near if found else None


@cache
def _geocoder(path: str) -> Geocoder:
    return import_string(path)()


def geocoder() -> Geocoder:
    return _geocoder(settings.ACCOUNTS_GEOCODER)


_WGS84 = Geod(ellps="WGS84")


@dataclass(frozen=True)
class HomeAddressCheck:
    """What a verifier compares: the typed address, where the geocoder puts it, the clicked home."""

    typed: str
    found: Suggestion | None
    home_lon: float
    home_lat: float
    distance_m: float | None
    warn_past_m: int

    @property
    def warning(self) -> bool:
        return self.distance_m is None or self.distance_m > self.warn_past_m


def home_address_check(*, address: str, commune_name: str, home) -> HomeAddressCheck:
    """The best match of the typed address in its commune and its distance to the clicked point
    (on the WGS 84 ellipsoid); a warning past ACCOUNTS_HOME_ADDRESS_WARNING_M or when not found."""
    found = next(iter(geocoder().suggest(f"{address} {commune_name}")), None)
    distance = None if found is None else _WGS84.inv(found.lon, found.lat, home.x, home.y)[2]
    return HomeAddressCheck(
        address, found, home.x, home.y, distance, warn_past_m=settings.ACCOUNTS_HOME_ADDRESS_WARNING_M
    )
