"""One metre-radius question for the whole project: the box in degrees must hold the whole circle
(else the index would drop true answers) at every latitude, and the SQL must answer in metres."""

import math

import pytest
from django.db import connection
from psycopg import sql

from geo.distance import degree_box, within_metres


def _destination(lon: float, lat: float, bearing_deg: float, metres: float) -> tuple[float, float]:
    """The point `metres` away on a sphere of the Earth's mean radius (enough to test a box)."""
    radius = 6_371_008.8
    d, b = metres / radius, math.radians(bearing_deg)
    phi1, lam1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(math.sin(phi1) * math.cos(d) + math.cos(phi1) * math.sin(d) * math.cos(b))
    lam2 = lam1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(phi1), math.cos(d) - math.sin(phi1) * math.sin(phi2))
    return math.degrees(lam2), math.degrees(phi2)


@pytest.mark.parametrize("lat", [-21.1, 0.0, 43.8, 48.9, 70.0])
def test_the_box_holds_every_point_of_the_circle(lat):
    west, south, east, north = degree_box(4.66, lat, 1000)
    for bearing in range(0, 360, 15):
        lon, point_lat = _destination(4.66, lat, bearing, 1000)
        assert west <= lon <= east and south <= point_lat <= north


@pytest.mark.django_db
@pytest.mark.parametrize(("metres", "expected"), [(150, True), (50, False)])
def test_within_metres_answers_in_metres(metres, expected):
    """A point 100 m east of Tarascon's town hall, asked at 150 m and at 50 m."""
    lon, lat = _destination(4.66, 43.806, 90, 100)
    condition, params = within_metres(
        sql.SQL("ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"), 4.66, 43.806, metres
    )
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT {}").format(condition), {**params, "lon": lon, "lat": lat})
        assert cursor.fetchone()[0] is expected
