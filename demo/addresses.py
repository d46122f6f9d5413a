"""Demo data of the addresses part: a small file in the Base Adresse Nationale's format for the four
demo communes, generated from their town halls and boundaries (fixtures/seed-communes.geojson),
shipped as fixtures/adresses-demo.csv and imported like any national file.

Regenerate it with `manage.py generate_demo_addresses`: twelve streets leave each town hall like
spokes, numbered every 20 m (odd on the left, even on the right, 6 m off the axis), kept inside the
commune. The names are common French ones; "Rue des Halles" is Tarascon's."""

import json
import math
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Point

from addresses.importing import addresses_import
from addresses.national_format import NationalAddress, national_file_write

SEED_COMMUNES = settings.BASE_DIR / "fixtures" / "seed-communes.geojson"
DEMO_ADDRESSES = settings.BASE_DIR / "fixtures" / "adresses-demo.csv"
POSTCODES = {"13074": "13860", "13108": "13150", "31088": "31490", "84088": "84210"}
STREETS = [
    "Place de la Mairie",
    "Rue des Halles",
    "Avenue de la République",
    "Rue Victor Hugo",
    "Boulevard Jean Jaurès",
    "Rue de l'Église",
    "Chemin des Écoliers",
    "Allée des Platanes",
    "Rue Frédéric Mistral",
    "Impasse des Lilas",
    "Route de la Gare",
    "Rue du Moulin",
]
NUMBERS_EVERY_M = 20
NUMBERS_PER_SIDE = 20
SIDE_OFFSET_M = 6
_METRES_PER_DEGREE = 111_320


def _street_addresses(feature: dict, boundary: GEOSGeometry, index: int, street: str):
    code, (lon0, lat0) = feature["code"], feature["town_hall"]
    angle = 2 * math.pi * index / len(STREETS)
    per_lon = _METRES_PER_DEGREE * math.cos(math.radians(lat0))
    for n in range(1, 2 * NUMBERS_PER_SIDE + 1):
        along = NUMBERS_EVERY_M * ((n + 1) // 2) + (0 if index == 0 else 30)
        side = SIDE_OFFSET_M if n % 2 else -SIDE_OFFSET_M
        east = along * math.cos(angle) - side * math.sin(angle)
        north = along * math.sin(angle) + side * math.cos(angle)
        lon, lat = round(lon0 + east / per_lon, 6), round(lat0 + north / _METRES_PER_DEGREE, 6)
        if boundary.covers(Point(lon, lat, srid=4326)):
            yield NationalAddress(code, POSTCODES[code], feature["name"], f"{index + 1:04d}", street, n, "", lon, lat)


def demo_addresses() -> list[NationalAddress]:
    """The demo communes' addresses, in a stable order (the file does not change between runs)."""
    features = json.loads(SEED_COMMUNES.read_text())["features"]
    addresses = []
    for feature in sorted(features, key=lambda f: f["properties"]["code"]):
        boundary = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
        for index, street in enumerate(STREETS):
            addresses += _street_addresses(feature["properties"], boundary, index, street)
    return addresses


def demo_addresses_write(path: Path = DEMO_ADDRESSES) -> int:
    addresses = demo_addresses()
    national_file_write(path, addresses)
    return len(addresses)


def demo_addresses_import() -> None:
    """Addresses of the four communes (fixtures/adresses-demo.csv, national format)."""
    addresses_import(path=str(DEMO_ADDRESSES), commit=True)


STEPS = [demo_addresses_import]
