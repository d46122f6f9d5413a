"""Files for the import tests, written by each test with geopandas/pyogrio, and the seed communes."""

import geopandas as gpd
import pytest
from django.conf import settings
from shapely.geometry import Polygon, box

from zones.importing import communes_import

SEED_COMMUNES = settings.BASE_DIR / "fixtures" / "seed-communes.geojson"
NATIONAL_COMMUNES = settings.BASE_DIR.parent / "shared" / "data" / "communes-fr.geojson.gz"

# A 1 km square commune in Lambert-93 near Aix-en-Provence: areas below are exact in metres.
X0, Y0 = 893_000, 6_270_000


def lambert_box(x0, y0, x1, y1) -> Polygon:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def write_layer(path, records: list[dict], *, crs="EPSG:4326", driver=None):
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs=crs)
    frame.to_file(path, driver=driver, engine="pyogrio")
    return str(path)


@pytest.fixture
def seed_communes(db):
    return communes_import(
        path=str(SEED_COMMUNES), population_field="population", town_hall_field="town_hall", commit=True
    )


@pytest.fixture
def square_commune(tmp_path, db):
    """Commune 13999 "Carréville", a 1 km × 1 km square given in Lambert-93."""
    path = write_layer(
        tmp_path / "carreville.gpkg",
        [{"code": "13999", "name": "Carréville", "geometry": lambert_box(0, 0, 1000, 1000)}],
        crs="EPSG:2154",
    )
    communes_import(path=path, commit=True)
    from zones.models import Commune

    return Commune.objects.get(code="13999")
