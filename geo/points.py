"""Parsing and checking of lon/lat points at the edge of the system."""

from django.contrib.gis.geos import Point

from geo.projection import WGS84


class InvalidCoordinates(ValueError):
    """Raised with a message naming the field that is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def parse_coordinate(value, *, field: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidCoordinates(field, f"« {value} » n'est pas un nombre.") from None
    if number != number or not low <= number <= high:  # NaN compares unequal to itself
        raise InvalidCoordinates(field, f"{field} doit être compris entre {low:g} et {high:g} (reçu : {value}).")
    return number


def parse_lon_lat(lon, lat) -> Point:
    """A WGS 84 point from longitude and latitude, refusing values outside their ranges."""
    return Point(
        parse_coordinate(lon, field="lon", low=-180, high=180),
        parse_coordinate(lat, field="lat", low=-90, high=90),
        srid=WGS84,
    )
