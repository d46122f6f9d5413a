"""Writes of communes and zones. Whoever writes a boundary also rewrites its subdivided copy, so
the routing selectors always query pieces that match the boundary."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from geo.jit import without_jit
from geo.projection import metric_srid
from zones import signals
from zones.locking import boundaries_lock_for_routing, boundaries_lock_for_writing
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


# How far inside its face a routing face is cut (degrees, about a millimetre): far beyond the grid
# the overlay's linework is noded on (ROUTING_FACE_GRID_DEG), so every part either covers a whole
# face or misses it; a point nearer a border than this is routed against the parts themselves.
ROUTING_FACE_MARGIN_DEG = 1e-8
# Noding the linework on a fixed grid of about a micrometre lets GEOS's overlay skip the floating
# noder's failed attempts on the many coincident borders (a commune's outline is also its sector's,
# its neighbour's and its edge neighbourhoods'); a thousand times finer than the margin.
ROUTING_FACE_GRID_DEG = 1e-11

_REACHED_SQL = """
    SELECT DISTINCT cp.commune_id FROM {parts} changed
    JOIN zones_communepart cp ON cp.geom && changed.geom WHERE changed.{owner} = ANY(%s)
"""


def _communes_reached(cursor, parts: str, owner: str, ids: list[int]) -> set[int]:
    """Communes whose parts' boxes meet the given parts: those whose routing faces may change."""
    cursor.execute(sql.SQL(_REACHED_SQL).format(parts=sql.Identifier(parts), owner=sql.Identifier(owner)), [ids])
    return {row[0] for row in cursor.fetchall()}


# The overlay of each commune: the outlines of every part crossing it (its own, its neighbours',
# every neighbourhood and sector), cut to the commune's box (whatever lies outside only bounds
# faces that are not the commune's), noded and polygonised into faces that no boundary crosses.
# The commune's own faces (the neighbours' are theirs to build) are shrunk by the margin, labelled
# by what covers a point inside (the same for the whole shrunk face, since no part boundary comes
# within the margin) and subdivided for the GiST index. A face is kept only if every part meeting it
# covers it whole, checked with GEOS's exact predicates: the polygonizer can mis-assign a face (seen
# once in 3,135 communes, beside an enclave), and such a face is left to the parts.
_ROUTING_FACES_SQL = """
    WITH c AS (
        SELECT id, boundary, ST_Expand(boundary::box2d, %(margin)s * 100) AS box
        FROM zones_commune WHERE id = ANY(%(communes)s)
    ),
    linework AS (
        SELECT c.id, ST_UnaryUnion(ST_Collect(ST_ClipByBox2D(ST_Boundary(crossing.geom), c.box)), %(grid)s) AS lines
        FROM c CROSS JOIN LATERAL (
            SELECT geom FROM zones_communepart p WHERE p.geom && c.boundary AND ST_Intersects(p.geom, c.boundary)
            UNION ALL
            SELECT geom FROM zones_zonepart p WHERE p.geom && c.boundary AND ST_Intersects(p.geom, c.boundary)
        ) AS crossing
        GROUP BY c.id
    ),
    faces AS (SELECT id, ST_Polygonize(lines) AS faces FROM linework GROUP BY id),
    own_faces AS (
        SELECT f.id, face.geom FROM faces f JOIN c ON c.id = f.id, ST_Dump(f.faces) AS face
        WHERE ST_Covers(c.boundary, ST_PointOnSurface(face.geom))
    ),
    pieces AS MATERIALIZED (
        SELECT f.id, piece.geom, ST_PointOnSurface(piece.geom) AS label
        FROM own_faces f, ST_Dump(ST_Buffer(f.geom, -%(margin)s, 'join=mitre')) AS piece
        WHERE NOT ST_IsEmpty(piece.geom)
    ),
    labelled AS MATERIALIZED (
        SELECT p.id, p.geom,
            ARRAY(SELECT DISTINCT cp.commune_id FROM zones_communepart cp
                  WHERE cp.geom && p.label AND ST_Covers(cp.geom, p.label) ORDER BY 1) AS communes,
            coalesce(z.neighbourhoods, '{}') AS neighbourhoods, coalesce(z.sectors, '{}') AS sectors
        FROM pieces p CROSS JOIN LATERAL (
            SELECT array_agg(DISTINCT zp.zone_id ORDER BY zp.zone_id) FILTER (WHERE zp.kind = 'neighbourhood')
                       AS neighbourhoods,
                   array_agg(DISTINCT zp.zone_id ORDER BY zp.zone_id) FILTER (WHERE zp.kind = 'police_sector')
                       AS sectors
            FROM zones_zonepart zp WHERE zp.geom && p.label AND ST_Covers(zp.geom, p.label)
        ) AS z
    )
    INSERT INTO zones_routingface (commune_id, geom, commune_ids, neighbourhood_ids, police_sector_ids)
    SELECT l.id, part.geom, l.communes, l.neighbourhoods, l.sectors
    FROM labelled l, ST_Subdivide(l.geom, %(vertices)s) AS part(geom)
    WHERE l.id = ANY(l.communes)
      AND NOT EXISTS (SELECT FROM zones_communepart cp
                      WHERE cp.geom && l.geom AND ST_Intersects(cp.geom, l.geom) AND NOT ST_Covers(cp.geom, l.geom))
      AND NOT EXISTS (SELECT FROM zones_zonepart zp
                      WHERE zp.geom && l.geom AND ST_Intersects(zp.geom, l.geom) AND NOT ST_Covers(zp.geom, l.geom))
"""


def routing_faces_rebuild(*, commune_ids: list[int]) -> None:
    """Rebuild the communes' routing faces from the current parts, in the caller's transaction, so
    routing sees a boundary edit exactly when it sees the edited parts. JIT off: the overlay's
    PostGIS costs cross its threshold for a single commune, and compiling took about 0.7 s a
    statement, twice the work of a slice of 20 communes."""
    with without_jit(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM zones_routingface WHERE commune_id = ANY(%s)", [commune_ids])
        cursor.execute(
            _ROUTING_FACES_SQL,
            {
                "communes": commune_ids,
                "margin": ROUTING_FACE_MARGIN_DEG,
                "grid": ROUTING_FACE_GRID_DEG,
                "vertices": SUBDIVIDE_MAX_VERTICES,
            },
        )


# A boundary change reaching more communes than this (an import) does not wait for their routing
# faces: it deletes them in its own transaction, so routing there answers from the parts (the same
# answers, more slowly), and `routing_faces_fill` builds them afterwards, a slice of communes per
# transaction. Building every commune's faces inline made a national import last about 35 minutes.
ROUTING_FACES_INLINE_MAX = 64
ROUTING_FACES_FILL_SLICE = 20


def _routing_faces_follow(commune_ids: list[int]) -> None:
    """Faces of communes whose parts just changed: rebuilt now, or removed to be filled later."""
    if len(commune_ids) <= ROUTING_FACES_INLINE_MAX:
        routing_faces_rebuild(commune_ids=commune_ids)
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM zones_routingface WHERE commune_id = ANY(%s)", [commune_ids])


# The next communes without faces, locked so that a fill running at the same time (another
# connection, another worker) skips them instead of building them twice or waiting for them.
_UNFACED_SLICE_SQL = """
    SELECT c.id FROM zones_commune c
    WHERE c.id > %s AND NOT EXISTS (SELECT FROM zones_routingface f WHERE f.commune_id = c.id)
    ORDER BY c.id LIMIT %s FOR NO KEY UPDATE OF c SKIP LOCKED
"""


@dataclass
class _FillClaims:
    """What the connections of one fill share: the highest commune claimed so far (a commune left
    without faces by the exactness check is not claimed again) and how many may still be claimed."""

    left: int | None
    after: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reserve(self) -> tuple[int, int]:
        with self.lock:
            size = ROUTING_FACES_FILL_SLICE if self.left is None else min(ROUTING_FACES_FILL_SLICE, self.left)
            if self.left is not None:
                self.left -= size
            return self.after, size

    def claimed(self, ids: list[int], reserved: int) -> None:
        with self.lock:
            if self.left is not None:
                self.left += reserved - len(ids)
            if ids:
                self.after = max(self.after, ids[-1])


def _routing_faces_fill_slices(claims: _FillClaims) -> int:
    """One connection's share of a fill: slices claimed and built, each in its own transaction."""
    done = 0
    while True:
        after, size = claims.reserve()
        if not size:
            return done
        with transaction.atomic():
            boundaries_lock_for_routing()
            with connection.cursor() as cursor:
                cursor.execute(_UNFACED_SLICE_SQL, [after, size])
                ids = [row[0] for row in cursor.fetchall()]
            claims.claimed(ids, size)
            if not ids:
                return done
            routing_faces_rebuild(commune_ids=ids)
        done += len(ids)


def _routing_faces_fill_on_own_connection(claims: _FillClaims) -> int:
    try:
        return _routing_faces_fill_slices(claims)
    finally:
        connection.close()


def routing_faces_fill(*, limit: int | None = None, connections: int = 1) -> int:
    """Build the routing faces of communes that have none (after an import), in commune order, a
    slice per transaction, on `connections` database connections at once (one per core the
    database may use). Each slice holds the boundaries' lock as routing does, shared: slices and
    routings never wait for each other, while an edit, which holds it exclusively, cannot slip
    between reading the parts and writing their faces (it waits for the slices under way, and they
    for it). Returns the number of communes whose faces were built; a commune whose every face
    fails the exactness check keeps none and is routed by its parts."""
    claims = _FillClaims(left=limit)
    if connections <= 1:
        return _routing_faces_fill_slices(claims)
    with ThreadPoolExecutor(connections) as pool:
        return sum(pool.map(lambda _share: _routing_faces_fill_on_own_connection(claims), range(connections)))


def commune_parts_rebuild(*, commune_ids: list[int]) -> None:
    """Rebuild the communes' parts, then the routing faces of every commune their old or new
    outline reaches (a neighbour's faces are cut by the border they share). Holds the boundaries'
    lock for writing, as a zone edit does: a fill of routing faces reading the old parts commits
    before, and the faces it wrote are then deleted with the others reached."""
    boundaries_lock_for_writing()
    with connection.cursor() as cursor:
        reached = _communes_reached(cursor, "zones_communepart", "commune_id", commune_ids)
        cursor.execute("DELETE FROM zones_communepart WHERE commune_id = ANY(%s)", [commune_ids])
        cursor.execute(
            """
            INSERT INTO zones_communepart (commune_id, geom)
            SELECT c.id, ST_Subdivide(c.boundary, %s)
            FROM zones_commune c WHERE c.id = ANY(%s)
            """,
            [SUBDIVIDE_MAX_VERTICES, commune_ids],
        )
        reached |= _communes_reached(cursor, "zones_communepart", "commune_id", commune_ids)
        _routing_faces_follow(sorted(reached | set(commune_ids)))


def zone_parts_rebuild(*, zone_ids: list[int]) -> None:
    """Rebuild the parts the lookups use, for current zones only (a retired version loses its parts,
    so no lookup finds it); every change of a zone boundary or validity goes through here, so this
    is also where the change of neighbourhoods is announced."""
    boundaries_lock_for_writing()
    with connection.cursor() as cursor:
        reached = _communes_reached(cursor, "zones_zonepart", "zone_id", zone_ids)
        cursor.execute("DELETE FROM zones_zonepart WHERE zone_id = ANY(%s)", [zone_ids])
        cursor.execute(
            """
            INSERT INTO zones_zonepart (zone_id, kind, geom)
            SELECT z.id, z.kind, ST_Subdivide(z.boundary, %s)
            FROM zones_zone z WHERE z.id = ANY(%s) AND z.valid_until IS NULL
            """,
            [SUBDIVIDE_MAX_VERTICES, zone_ids],
        )
        reached |= _communes_reached(cursor, "zones_zonepart", "zone_id", zone_ids)
        _routing_faces_follow(sorted(reached))
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
    """A new boundary for a zone: a new version, as for an import (see `zone_save`)."""
    zone.boundary = boundary
    return zone_save(zone=zone)


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


# --- boundary versions ----------------------------------------------------------------------------

# Statements of `zones_version`. `{source}` is a table of (name, geom, households, population): the
# import's staging table or the generated hexagons. Only current versions of the commune's zones of
# that kind (and police service, for sectors) are compared; names identify a zone across versions.
_CURRENT = sql.SQL("z.commune_id = %(commune)s AND z.kind = %(kind)s AND z.valid_until IS NULL")
# Same boundary and police service: the zone stays as it is; only its figures may change in place.
_FIGURES_UPDATE = sql.SQL(
    """UPDATE zones_zone z SET households = s.households, population = s.population, origin = %(origin)s
       FROM {source} s
       WHERE {current} AND z.name = s.name AND ST_Equals(z.boundary, s.geom)
         AND z.police_service_id IS NOT DISTINCT FROM %(service)s::bigint
         AND (z.households IS DISTINCT FROM s.households OR z.population IS DISTINCT FROM s.population
              OR z.origin <> %(origin)s)
       RETURNING z.id"""
)
# A changed boundary (or police service) retires the version in force.
_CHANGED_RETIRE = sql.SQL(
    """UPDATE zones_zone z SET valid_until = %(now)s FROM {source} s
       WHERE {current} AND z.name = s.name
         AND (NOT ST_Equals(z.boundary, s.geom) OR z.police_service_id IS DISTINCT FROM %(service)s::bigint)
       RETURNING z.id"""
)
_MISSING_RETIRE = sql.SQL(
    """UPDATE zones_zone z SET valid_until = %(now)s
       WHERE {current} AND NOT EXISTS (SELECT 1 FROM {source} s WHERE s.name = z.name)
         AND (%(service)s::bigint IS NULL OR z.police_service_id = %(service)s::bigint)
       RETURNING z.id"""
)
# New names, and new versions of the zones just retired (which point at the version they replace).
_VERSIONS_INSERT = sql.SQL(
    """INSERT INTO zones_zone (kind, commune_id, police_service_id, name, boundary, households, population, origin,
                              valid_from, replaces_id)
       SELECT %(kind)s, %(commune)s, %(service)s::bigint, s.name, s.geom, s.households, s.population, %(origin)s,
              %(now)s, (SELECT max(old.id) FROM zones_zone old
                        WHERE old.commune_id = %(commune)s AND old.kind = %(kind)s AND old.name = s.name
                          AND old.valid_until = %(now)s)
       FROM {source} s
       WHERE NOT EXISTS (SELECT 1 FROM zones_zone z
                         WHERE z.commune_id = %(commune)s AND z.kind = %(kind)s AND z.name = s.name
                           AND z.valid_until IS NULL)
       RETURNING id, replaces_id IS NULL"""
)


@dataclass
class ZoneVersions:
    """What `zones_version` did: zones created under a new name, new versions of changed boundaries,
    figures updated in place, zones left as they were, versions retired."""

    created: int = 0
    versioned: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    zone_ids: list[int] = field(default_factory=list)


@transaction.atomic
def zones_version(
    *,
    source_table: str,
    commune: Commune,
    kind: str,
    origin: str,
    police_service: PoliceService | None = None,
    retire_missing: bool = False,
) -> ZoneVersions:
    """Bring the commune's current zones of that kind in line with the rows of `source_table`, the
    way MapIt keeps generations: a zone whose boundary changed is retired (`valid_until`) and a new
    version replaces it; with `retire_missing`, current zones absent from the source are retired;
    nothing is deleted, so every alert keeps the zones it was routed to. The same rows twice change
    nothing. Parts and homes follow the current zones."""
    source = sql.Identifier(source_table)
    params = {
        "commune": commune.id,
        "kind": kind,
        "origin": origin,
        "service": police_service.id if police_service else None,
        "now": timezone.now(),
    }

    boundaries_lock_for_writing()

    def run(statement: sql.SQL) -> list[tuple]:
        cursor.execute(statement.format(source=source, current=_CURRENT), params)
        return cursor.fetchall()

    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(source))
        (total,) = cursor.fetchone()
        updated = run(_FIGURES_UPDATE)
        replaced = run(_CHANGED_RETIRE)
        retired = run(_MISSING_RETIRE) if retire_missing else []
        inserted = run(_VERSIONS_INSERT)
    created = sum(1 for _id, is_new in inserted if is_new)
    result = ZoneVersions(
        created=created,
        versioned=len(inserted) - created,
        updated=len(updated),
        unchanged=total - len(inserted) - len(updated),
        retired=len(retired),
        zone_ids=[row[0] for row in inserted + replaced + retired],
    )
    if result.zone_ids:
        zone_parts_rebuild(zone_ids=result.zone_ids)
    return result


# Persons per household used to estimate households from an area-share of the population (INSEE
# puts the French average at about 2.2).
PERSONS_PER_HOUSEHOLD = 2.2

# The hexagons, as rows for `zones_version` (name, geom, households, population).
_HEXAGONS_SQL = """
    CREATE TEMP TABLE zones_generated_staging ON COMMIT DROP AS
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
    SELECT %(prefix)s || ' ' || n AS name, shares.g AS geom,
           CASE WHEN %(estimate)s THEN round(c.population * share)::bigint END AS population,
           CASE WHEN %(estimate)s THEN round(c.population * share / %(persons)s)::bigint END AS households
    FROM shares, c
"""


@transaction.atomic
def neighbourhoods_generate(
    *, commune: Commune, hex_size_m: float, replace: bool = False, estimate_population: bool = False
) -> ZoneVersions:
    """Tessellate a commune into hexagons of `hex_size_m` metres a side, drawn in the commune's metric
    projection and clipped to its boundary, named "Quartier 1..n" from north-west to south-east.
    A regeneration makes new versions of the hexagons that changed and retires the ones left over
    (`zones_version`): the same size again changes nothing.

    With `estimate_population`, the commune's population is spread by area (and households at
    PERSONS_PER_HOUSEHOLD): a stand-in until the town enters its own figures."""
    if not 50 <= hex_size_m <= 50_000:
        raise ValidationError(_("Taille d'hexagone hors limites (50 à 50 000 m)."), code="hex_size")
    existing = Zone.objects.current().filter(commune=commune, kind=Zone.Kind.NEIGHBOURHOOD)
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
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS zones_generated_staging")
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
    return zones_version(
        source_table="zones_generated_staging",
        commune=commune,
        kind=Zone.Kind.NEIGHBOURHOOD,
        origin=Zone.Origin.GENERATED,
        retire_missing=True,
    )


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
    """Save a zone edited by hand (any field): boundary checked and clipped, parts rebuilt. A changed
    boundary makes a new version and retires the one in force, as an import does; a retired version
    is history and is never edited."""
    zone.boundary = zone_boundary_check(kind=zone.kind, commune=zone.commune, boundary=zone.boundary).boundary
    previous = Zone.objects.select_for_update().filter(pk=zone.pk).first() if zone.pk else None
    if previous is not None and not previous.is_current:
        raise ValidationError(_("Cette version de la zone est retirée : modifiez la version en vigueur."))
    retired = []
    if previous is not None and not previous.boundary.equals(zone.boundary):
        now = timezone.now()
        Zone.objects.filter(pk=previous.pk).update(valid_until=now)
        retired = [previous.pk]
        zone.pk, zone.replaces, zone.valid_from, zone.valid_until = None, previous, now, None
        zone._state.adding = True
    zone.full_clean()
    zone.save()
    zone_parts_rebuild(zone_ids=[zone.id, *retired])
    return zone
