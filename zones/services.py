"""Writes of communes and zones. Whoever writes a boundary also rewrites its subdivided copy, so
the routing selectors always query pieces that match the boundary."""

from dataclasses import dataclass, field

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from geo.projection import metric_srid
from zones import signals
from zones.models import Commune, PoliceService, Zone

# ST_Subdivide's vertex budget per piece: small pieces keep point-in-polygon tests cheap while
# keeping the number of index entries moderate.
SUBDIVIDE_MAX_VERTICES = 64


def as_multipolygon(geometry) -> MultiPolygon:
    if isinstance(geometry, Polygon):
        return MultiPolygon(geometry, srid=geometry.srid)
    return geometry


@dataclass
class CheckedBoundary:
    boundary: MultiPolygon
    notes: list[str] = field(default_factory=list)


_CHECK_SQL = """
    WITH given AS (SELECT ST_Transform(ST_Force2D(%s::geometry), 4326) AS g),
    repaired AS (
        SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason,
               ST_Multi(ST_CollectionExtract(ST_MakeValid(g), 3)) AS g FROM given
    ),
    clip AS (SELECT boundary, metric_srid FROM zones_commune WHERE id = %s)
    SELECT r.valid, r.reason,
        ST_AsEWKB(CASE WHEN clip.boundary IS NULL THEN r.g
                       ELSE ST_Multi(ST_CollectionExtract(ST_Intersection(r.g, clip.boundary), 3)) END),
        CASE WHEN clip.boundary IS NOT NULL
             THEN ST_Area(ST_Transform(ST_Difference(r.g, clip.boundary), clip.metric_srid)) END
    FROM repaired r LEFT JOIN clip ON true
"""


def boundary_check(*, boundary, clip_to: Commune | None = None) -> CheckedBoundary:
    """The checks every boundary goes through, whether imported, drawn in the admin or generated:
    reprojected to EPSG:4326, repaired when invalid (keeping only polygonal parts), optionally
    clipped to a commune; each change is reported. Refuses a boundary left with no surface."""
    if boundary.srid is None:
        boundary = GEOSGeometry(boundary.wkt, srid=4326)
    with connection.cursor() as cursor:
        cursor.execute(_CHECK_SQL, [boundary.hexewkb.decode(), clip_to.id if clip_to else None])
        valid, reason, ewkb, outside_m2 = cursor.fetchone()
    checked = CheckedBoundary(GEOSGeometry(memoryview(ewkb)))
    if not valid:
        checked.notes.append(_("Limite invalide (%(reason)s), réparée.") % {"reason": reason})
    if checked.boundary.empty:
        raise ValidationError(_("La limite ne contient aucune surface à l'intérieur de la commune."), code="empty")
    if outside_m2 and outside_m2 > 0.5:
        checked.notes.append(
            _("Limite découpée à la commune : %(area).0f m² hors commune retirés.") % {"area": outside_m2}
        )
    return checked


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
    """Rebuild the parts the lookups use; every change of a zone boundary goes through here, so
    this is also where the change of neighbourhoods is announced."""
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
    neighbourhoods = Zone.objects.filter(id__in=zone_ids, kind=Zone.Kind.NEIGHBOURHOOD)
    changed = dict(neighbourhoods.values_list("id", "commune_id"))
    if changed:
        signals.neighbourhoods_changed.send(
            sender=Zone, commune_ids=sorted(set(changed.values())), zone_ids=sorted(changed)
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
    boundary = boundary_check(boundary=as_multipolygon(boundary)).boundary
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
    origin: str = Zone.Origin.DRAWN,
) -> Zone:
    zone = Zone(
        commune=commune,
        kind=kind,
        name=name,
        boundary=zone_boundary_check(kind=kind, commune=commune, boundary=boundary).boundary,
        police_service=police_service,
        households=households,
        population=population,
        origin=origin,
    )
    zone.full_clean()
    zone.save()
    zone_parts_rebuild(zone_ids=[zone.id])
    return zone


def zone_boundary_check(*, kind: str, commune: Commune, boundary) -> CheckedBoundary:
    """Neighbourhoods are clipped to their commune; police sectors may reach over several communes."""
    clip_to = commune if kind == Zone.Kind.NEIGHBOURHOOD else None
    return boundary_check(boundary=as_multipolygon(boundary), clip_to=clip_to)


@transaction.atomic
def zone_update_boundary(*, zone: Zone, boundary) -> Zone:
    zone.boundary = zone_boundary_check(kind=zone.kind, commune=zone.commune, boundary=boundary).boundary
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


def municipal_police_ensure(*, commune: Commune) -> PoliceService:
    """The municipal police of a commune, created the first time a sector needs it."""
    service = PoliceService.objects.filter(kind=PoliceService.Kind.MUNICIPAL, communes=commune).first()
    if service is None:
        service = police_service_create(
            name=_("Police municipale de %(name)s") % {"name": commune.name}, communes=[commune]
        )
    return service


# Persons per household used to estimate households from an area-share of the population (INSEE
# puts the French average at about 2.2).
PERSONS_PER_HOUSEHOLD = 2.2

_HEXAGONS_SQL = """
    WITH c AS (SELECT id, boundary, population, ST_Transform(boundary, metric_srid) AS g, metric_srid AS srid
               FROM zones_commune WHERE id = %(commune)s),
    cells AS (
        SELECT h.i, h.j, ST_Multi(ST_CollectionExtract(
                   ST_Intersection(ST_Transform(h.geom, 4326), c.boundary), 3)) AS g
        FROM c, ST_HexagonGrid(%(size)s, c.g) AS h WHERE ST_Intersects(h.geom, c.g)
    ),
    kept AS (
        SELECT row_number() OVER (ORDER BY cells.j DESC, cells.i) AS n, cells.g,
               ST_Area(ST_Transform(cells.g, c.srid)) AS area
        FROM cells, c WHERE NOT ST_IsEmpty(cells.g)
    ),
    shares AS (SELECT n, g, area / sum(area) OVER () AS share FROM kept)
    INSERT INTO zones_zone (kind, commune_id, police_service_id, name, boundary, population, households, origin)
    SELECT 'neighbourhood', c.id, NULL, %(prefix)s || ' ' || n, shares.g,
           CASE WHEN %(estimate)s THEN round(c.population * share) END,
           CASE WHEN %(estimate)s THEN round(c.population * share / %(persons)s) END,
           'generated'
    FROM shares, c
    RETURNING id
"""


@transaction.atomic
def neighbourhoods_generate(
    *, commune: Commune, hex_size_m: float, replace: bool = False, estimate_population: bool = False
) -> list[int]:
    """Tessellate a commune into hexagons of `hex_size_m` metres a side, drawn in the commune's metric
    projection and clipped to its boundary, named "Quartier 1..n" from north-west to south-east.

    With `estimate_population`, the commune's population is spread by area (and households at
    PERSONS_PER_HOUSEHOLD): a stand-in until the town enters its own figures."""
    if not 50 <= hex_size_m <= 50_000:
        raise ValidationError(_("Taille d'hexagone hors limites (50 à 50 000 m)."), code="hex_size")
    existing = Zone.objects.filter(commune=commune, kind=Zone.Kind.NEIGHBOURHOOD)
    if existing.exclude(origin=Zone.Origin.GENERATED).exists():
        raise ValidationError(
            _(
                "%(commune)s a déjà des quartiers importés ou dessinés : "
                "ils ne sont jamais remplacés par des hexagones."
            )
            % {"commune": commune.name},
            code="has_neighbourhoods",
        )
    if existing.exists() and not replace:
        raise ValidationError(
            _("%(commune)s a déjà des quartiers générés : --replace pour les remplacer.") % {"commune": commune.name},
            code="has_generated",
        )
    existing.delete()
    with connection.cursor() as cursor:
        cursor.execute(
            _HEXAGONS_SQL,
            {
                "commune": commune.id,
                "size": hex_size_m,
                "prefix": _("Quartier"),
                "estimate": estimate_population and commune.population is not None,
                "persons": PERSONS_PER_HOUSEHOLD,
            },
        )
        zone_ids = [row[0] for row in cursor.fetchall()]
    zone_parts_rebuild(zone_ids=zone_ids)
    return zone_ids


@transaction.atomic
def commune_boundary_save(*, commune: Commune) -> Commune:
    """Save a commune edited by hand: boundary checked, projection chosen, parts rebuilt."""
    commune.boundary = boundary_check(boundary=as_multipolygon(commune.boundary)).boundary
    anchor = commune.boundary.point_on_surface
    commune.metric_srid = metric_srid(anchor.x, anchor.y)
    commune.full_clean()
    commune.save()
    commune_parts_rebuild(commune_ids=[commune.id])
    return commune


@transaction.atomic
def zone_save(*, zone: Zone) -> Zone:
    """Save a zone edited by hand (any field): boundary checked and clipped, parts rebuilt."""
    zone.boundary = zone_boundary_check(kind=zone.kind, commune=zone.commune, boundary=zone.boundary).boundary
    zone.full_clean()
    zone.save()
    zone_parts_rebuild(zone_ids=[zone.id])
    return zone
