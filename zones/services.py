"""Writes of communes and zones. Whoever writes a boundary also rewrites its subdivided copy, so
the routing selectors always query pieces that match the boundary."""

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection, transaction

from geo.projection import metric_srid
from zones.models import Commune, PoliceService, Zone

# ST_Subdivide's vertex budget per piece: small pieces keep point-in-polygon tests cheap while
# keeping the number of index entries moderate.
SUBDIVIDE_MAX_VERTICES = 64


def as_multipolygon(geometry) -> MultiPolygon:
    if isinstance(geometry, Polygon):
        return MultiPolygon(geometry, srid=geometry.srid)
    return geometry


def commune_parts_rebuild(*, commune_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM zones_communepart WHERE commune_id = ANY(%s)", [commune_ids])
        cursor.execute(
            """
            INSERT INTO zones_communepart (commune_id, geom)
            SELECT c.id, ST_Subdivide(c.boundary, %s)
            FROM zones_commune c WHERE c.id = ANY(%s)
            """,
            [SUBDIVIDE_MAX_VERTICES, commune_ids],
        )


def zone_parts_rebuild(*, zone_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM zones_zonepart WHERE zone_id = ANY(%s)", [zone_ids])
        cursor.execute(
            """
            INSERT INTO zones_zonepart (zone_id, kind, geom)
            SELECT z.id, z.kind, ST_Subdivide(z.boundary, %s)
            FROM zones_zone z WHERE z.id = ANY(%s)
            """,
            [SUBDIVIDE_MAX_VERTICES, zone_ids],
        )


@transaction.atomic
def commune_upsert(
    *,
    code: str,
    name: str,
    boundary,
    population: int | None = None,
    town_hall: Point | None = None,
    adopted_on=None,
) -> Commune:
    boundary = as_multipolygon(boundary)
    anchor = boundary.point_on_surface
    commune, _ = Commune.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "boundary": boundary,
            "population": population,
            "town_hall": town_hall,
            "metric_srid": metric_srid(anchor.x, anchor.y),
            **({"adopted_on": adopted_on} if adopted_on is not None else {}),
        },
    )
    commune.full_clean()
    commune_parts_rebuild(commune_ids=[commune.id])
    return commune


@transaction.atomic
def zone_create(
    *,
    commune: Commune,
    kind: str,
    name: str,
    boundary,
    police_service: PoliceService | None = None,
    households: int | None = None,
    population: int | None = None,
) -> Zone:
    zone = Zone(
        commune=commune,
        kind=kind,
        name=name,
        boundary=as_multipolygon(boundary),
        police_service=police_service,
        households=households,
        population=population,
    )
    zone.full_clean()
    zone.save()
    zone_parts_rebuild(zone_ids=[zone.id])
    return zone


@transaction.atomic
def zone_update_boundary(*, zone: Zone, boundary) -> Zone:
    zone.boundary = as_multipolygon(boundary)
    zone.full_clean()
    zone.save(update_fields=["boundary"])
    zone_parts_rebuild(zone_ids=[zone.id])
    return zone


@transaction.atomic
def police_service_create(*, name: str, communes: list[Commune], kind: str = PoliceService.Kind.MUNICIPAL):
    service = PoliceService(name=name, kind=kind)
    service.full_clean()
    service.save()
    service.communes.set(communes)
    return service
