"""Parsing and checking of lon/lat points at the edge of the system."""

import math

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from geo.projection import WGS84


class InvalidCoordinates(ValueError):
    """Raised with a message naming the field that is wrong; `errors` has one message per wrong
    field, so a form can flag longitude and latitude together."""

    def __init__(self, field: str, message: str, *, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.errors = errors or {field: message}


def parse_number(value) -> float | None:
    """A finite number from what a person typed, with a decimal point or, as French keyboards give
    it, a decimal comma ("4,6603"); None if it is not one."""
    if isinstance(value, str):
        value = value.strip().replace("\u00a0", "").replace(" ", "")
        if value.count(",") == 1 and "." not in value:
            value = value.replace(",", ".")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def parse_coordinate(value, *, field: str, low: float, high: float) -> float:
    number = parse_number(value)
    if number is None:
        raise InvalidCoordinates(field, _("« {value} » n'est pas un nombre.").format(value=value))
    if not low <= number <= high:
        names = {"lon": _("La longitude (lon)"), "lat": _("La latitude (lat)")}
        raise InvalidCoordinates(
            field,
            _("{name} doit être comprise entre {low} et {high} (reçu : {value}).").format(
                name=names.get(field, field), low=f"{low:g}", high=f"{high:g}", value=value
            ),
        )
    return number


def parse_lon_lat(lon, lat) -> Point:
    """A WGS 84 point from longitude and latitude, refusing values outside their ranges. Both are
    checked before refusing, so each wrong one is reported."""
    values, errors = {}, {}
    for field, value, limit in (("lon", lon, 180), ("lat", lat, 90)):
        try:
            values[field] = parse_coordinate(value, field=field, low=-limit, high=limit)
        except InvalidCoordinates as error:
            errors[field] = error.message
    if errors:
        field = next(iter(errors))
        raise InvalidCoordinates(field, errors[field], errors=errors)
    return Point(values["lon"], values["lat"], srid=WGS84)


EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


def great_circle_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres on the sphere (haversine): ample for telling near from tens of km away."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
