"""Demo data of the zones part; see demo/loading.py. The four seed communes go through the same
import service as any file; neighbourhoods are generated hexagons; each commune gets a municipal
police with sectors, and Peyrolles and Pernes share an intercommunal service."""

import datetime
import math

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from zones.importing import communes_import
from zones.models import Commune, PoliceService, Zone
from zones.services import municipal_police_ensure, neighbourhoods_generate, police_service_create, zone_create

SEED_COMMUNES = settings.BASE_DIR / "fixtures" / "seed-communes.geojson"
ADOPTED_ON = {"13108": datetime.date(2025, 3, 1), "31088": datetime.date(2024, 9, 1)}
# Whole hexagons per commune area; clipping at the boundary roughly doubles the count of cells.
WHOLE_HEXAGONS_PER_COMMUNE = 6
INTERCOMMUNAL = ("Police intercommunale Peyrolles-Pernes", ["13074", "84088"])


def demo_communes_load() -> None:
    """Communes Brax, Peyrolles-en-Provence, Pernes-les-Fontaines, Tarascon (fixtures/seed-communes.geojson)."""
    communes_import(path=str(SEED_COMMUNES), population_field="population", town_hall_field="town_hall", commit=True)
    for code, adopted_on in ADOPTED_ON.items():
        Commune.objects.filter(code=code, adopted_on=None).update(adopted_on=adopted_on)


def commune_area_m2(commune: Commune) -> float:
    return commune.boundary.transform(commune.metric_srid, clone=True).area


def demo_neighbourhoods_generate() -> None:
    """Hexagonal neighbourhoods (about 10 to 15 per commune), population spread by area."""
    for commune in Commune.objects.filter(code__in=[*ADOPTED_ON, *INTERCOMMUNAL[1]]):
        if Zone.objects.current().filter(commune=commune, kind=Zone.Kind.NEIGHBOURHOOD).exists():
            continue
        # A hexagon of side s covers 3√3/2 s²; clipping at the boundary adds a few partial cells.
        side = math.sqrt(commune_area_m2(commune) / WHOLE_HEXAGONS_PER_COMMUNE / (3 * math.sqrt(3) / 2))
        neighbourhoods_generate(commune=commune, hex_size_m=round(side, -1), estimate_population=True)


_QUARTERS_SQL = """
    WITH c AS (SELECT boundary, ST_Transform(boundary, metric_srid) AS g, metric_srid AS srid
               FROM zones_commune WHERE id = %s),
    centre AS (SELECT ST_X(ST_Centroid(g)) AS x, ST_Y(ST_Centroid(g)) AS y, ST_Envelope(g) AS box, srid FROM c),
    halves AS (
        SELECT name, ST_Transform(ST_MakeEnvelope(x0, y0, x1, y1, srid), 4326) AS cut FROM centre,
        LATERAL (VALUES
            ('Nord-Ouest', ST_XMin(box), y, x, ST_YMax(box)), ('Nord-Est', x, y, ST_XMax(box), ST_YMax(box)),
            ('Sud-Ouest', ST_XMin(box), ST_YMin(box), x, y), ('Sud-Est', x, ST_YMin(box), ST_XMax(box), y)
        ) AS q(name, x0, y0, x1, y1)
    )
    SELECT name, ST_AsEWKT(ST_Multi(ST_CollectionExtract(ST_Intersection(c.boundary, cut), 3)))
    FROM halves, c ORDER BY name
"""


def commune_quarters(commune: Commune) -> dict[str, GEOSGeometry]:
    """The commune cut into four quarters around its centroid, in its metric projection."""
    with connection.cursor() as cursor:
        cursor.execute(_QUARTERS_SQL, [commune.id])
        return {name: GEOSGeometry(ewkt) for name, ewkt in cursor.fetchall() if not GEOSGeometry(ewkt).empty}


def demo_police_sectors_create() -> None:
    """A municipal police per commune with its sectors (quarters), and one intercommunal service."""
    for commune in Commune.objects.filter(code__in=[*ADOPTED_ON, *INTERCOMMUNAL[1]]):
        service = municipal_police_ensure(commune=commune)
        if service.sectors.exists():
            continue
        for name, boundary in commune_quarters(commune).items():
            zone_create(
                commune=commune,
                kind=Zone.Kind.POLICE_SECTOR,
                name=f"Secteur {name}",
                boundary=boundary,
                police_service=service,
            )
    name, codes = INTERCOMMUNAL
    if PoliceService.objects.filter(name=name).exists():
        return
    communes = list(Commune.objects.filter(code__in=codes).order_by("code"))
    service = police_service_create(name=name, communes=communes, kind=PoliceService.Kind.INTERCOMMUNAL)
    union = communes[0].boundary.union(communes[1].boundary)
    zone_create(
        commune=communes[0],
        kind=Zone.Kind.POLICE_SECTOR,
        name="Secteur intercommunal",
        boundary=union,
        police_service=service,
    )


STEPS: list = [demo_communes_load, demo_neighbourhoods_generate, demo_police_sectors_create]
