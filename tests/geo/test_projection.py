import pytest
from django.db import connection

from geo.projection import LAMBERT_93, metric_srid, metric_srid_sql

PLACES = {
    "Paris": (2.35, 48.85, LAMBERT_93),
    "Ajaccio (Corse)": (8.74, 41.92, LAMBERT_93),
    "Brest": (-4.49, 48.39, LAMBERT_93),
    "Saint-Denis (Réunion)": (55.45, -20.88, 32740),
    "Pointe-à-Pitre (Guadeloupe)": (-61.53, 16.24, 32620),
    "Cayenne (Guyane)": (-52.33, 4.92, 32622),
    "Mamoudzou (Mayotte)": (45.23, -12.78, 32738),
    "Saint-Pierre-et-Miquelon": (-56.17, 46.78, 32621),
}


@pytest.mark.parametrize("place", PLACES)
def test_python_and_sql_choose_the_same_metric_projection(place, db):
    lon, lat, expected = PLACES[place]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {metric_srid_sql('ST_SetSRID(ST_MakePoint(%s, %s), 4326)')}", [lon, lat] * 4)
        (from_sql,) = cursor.fetchone()

    assert metric_srid(lon, lat) == from_sql == expected
