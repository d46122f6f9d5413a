"""The routing questions, answered exactly against the subdivided boundaries.

`ST_Covers` rather than `ST_Contains`: a point on a shared border belongs to both sides. Distances
are measured on the geography type (metres on the WGS 84 spheroid), which is correct everywhere,
metropolitan or overseas, with the box of geo.distance keeping the GiST index in use. Point-in-area
questions are QuerySet methods (`Commune.objects.covering(point)`, `Zone.objects.covering(point)`)."""

import gc
import json
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.db import connection
from django.utils.translation import gettext as _
from psycopg import sql

from geo.distance import within_metres
from geo.jit import without_jit
from zones.models import Commune, Zone


def commune_ids_covering(point: Point) -> list[int]:
    return list(Commune.objects.covering(point).values_list("id", flat=True))


def commune_of_point(point: Point) -> Commune | None:
    """The commune covering the point; on a border between communes, the one of lowest code."""
    return Commune.objects.filter(id__in=commune_ids_covering(point)).order_by("code").first()


def zone_ids_covering(point: Point, *, kind: str) -> list[int]:
    return list(Zone.objects.covering(point, kind=kind).values_list("id", flat=True))


def _zones_near_sql(point: Point, *, radius_m: float, kinds: list[str] | None) -> tuple[sql.Composed, dict]:
    """Zone parts within the radius, grouped by zone, with whether one of them covers the point."""
    near, params = within_metres(sql.Identifier("geom"), point.x, point.y, radius_m)
    query = sql.SQL(
        """SELECT zone_id, kind, bool_or(ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(near_lon)s, %(near_lat)s), 4326)))
            AS covers
        FROM zones_zonepart WHERE (%(kinds)s::text[] IS NULL OR kind = ANY(%(kinds)s::text[])) AND {near}
        GROUP BY zone_id, kind"""
    ).format(near=near)
    return query, {**params, "kinds": kinds}


def zone_ids_within(point: Point, *, kind: str | None, radius_m: float) -> list[int]:
    """Zones whose boundary lies within `radius_m` metres of the point (covering ones included);
    `kind=None` for neighbourhoods and police sectors alike."""
    query, params = _zones_near_sql(point, radius_m=radius_m, kinds=None if kind is None else [kind])
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("{} ORDER BY zone_id").format(query), params)
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class NearbyZone:
    zone_id: int
    kind: str
    police_service_id: int | None
    covers: bool
    name: str


def zones_near(point: Point, *, radius_m: float, kinds: list[str]) -> list[NearbyZone]:
    """In one query, the zones of these kinds within `radius_m` metres of the point, each with its
    police service and whether it covers the point itself: what routing an alert needs."""
    query, params = _zones_near_sql(point, radius_m=radius_m, kinds=kinds)
    query = sql.SQL(
        """SELECT near.zone_id, near.kind, z.police_service_id, near.covers, z.name
        FROM ({near}) AS near JOIN zones_zone z ON z.id = near.zone_id ORDER BY near.zone_id"""
    ).format(near=query)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return [NearbyZone(*row) for row in cursor.fetchall()]


def zones_covering(point: Point, *, kind: str):
    return Zone.objects.current().filter(id__in=zone_ids_covering(point, kind=kind)).order_by("name")


def neighbourhood_of_point(point: Point) -> Zone | None:
    """The neighbourhood a home belongs to; on a border, the one of lowest id, so it is stable."""
    return Zone.objects.filter(id__in=zone_ids_covering(point, kind=Zone.Kind.NEIGHBOURHOOD)).order_by("id").first()


def commune_by_code(code: str) -> Commune | None:
    return Commune.objects.filter(code=code).first()


def police_sectors_covering(point: Point):
    return zones_covering(point, kind=Zone.Kind.POLICE_SECTOR).select_related("police_service")


def police_service_ids_covering(point: Point) -> list[int]:
    """Police services with a sector covering the point: the ones an alert there must reach."""
    ids = zone_ids_covering(point, kind=Zone.Kind.POLICE_SECTOR)
    return sorted(set(Zone.objects.filter(id__in=ids).values_list("police_service_id", flat=True)))


@dataclass
class PointRoutes:
    """What covers one point: commune ids (two on a border), neighbourhood ids, police sector ids."""

    commune_ids: list[int] = field(default_factory=list)
    neighbourhood_ids: list[int] = field(default_factory=list)
    police_sector_ids: list[int] = field(default_factory=list)


# The points go through the GiST index in geohash order, so that consecutive probes read the same
# index pages. Each point is answered by the routing face covering it (one probe, one `ST_Covers`,
# see RoutingFace); the few covered by none (within a millimetre of a border, or outside every
# commune) are answered by the parts of communes and zones themselves, joined as before the faces
# existed. Every answer is a row (point, kind, id), a face's arrays unnested in SQL: after an import,
# until its communes' faces are filled, every point takes the parts' path, and arrays per point or
# correlated subqueries made it 1.2 to 1.5 times slower than before the faces. A point can meet two faces
# (communes that overlap, or the cut line of a subdivided face): duplicates are dropped in Python.
_ROUTES_SQL = """
    WITH p AS MATERIALIZED (
        SELECT t.i, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326) AS g
        FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, i)
        ORDER BY CASE WHEN abs(t.x) <= 180 AND abs(t.y) <= 90
                      THEN ST_GeoHash(ST_SetSRID(ST_MakePoint(t.x, t.y), 4326), 10) END
    ),
    faced AS MATERIALIZED (
        SELECT p.i, f.commune_ids, f.neighbourhood_ids, f.police_sector_ids FROM p
        JOIN zones_routingface f ON f.geom && p.g AND ST_Covers(f.geom, p.g)
    ),
    rest AS MATERIALIZED (SELECT p.i, p.g FROM p WHERE NOT EXISTS (SELECT FROM faced WHERE faced.i = p.i))
    SELECT i, 'commune', unnest(commune_ids) FROM faced
    UNION ALL
    SELECT i, 'neighbourhood', unnest(neighbourhood_ids) FROM faced
    UNION ALL
    SELECT i, 'police_sector', unnest(police_sector_ids) FROM faced
    UNION ALL
    SELECT rest.i, 'commune', cp.commune_id FROM rest
    JOIN zones_communepart cp ON cp.geom && rest.g AND ST_Covers(cp.geom, rest.g)
    UNION ALL
    SELECT rest.i, zp.kind, zp.zone_id FROM rest
    JOIN zones_zonepart zp ON zp.geom && rest.g AND ST_Covers(zp.geom, rest.g)
"""


# PostGIS functions carry high planner costs, so a batch of a few thousand points crosses
# PostgreSQL's JIT threshold and spends longer compiling (about 1.5 s) than routing. Small batches
# stay under it and keep to one round trip.
_JIT_PRONE_BATCH = 200


@contextmanager
def _without_jit(*, large: bool):
    if not large:
        yield
        return
    with without_jit():
        yield


_KIND_SLOT = {"commune": 0, Zone.Kind.NEIGHBOURHOOD: 1, Zone.Kind.POLICE_SECTOR: 2}


@contextmanager
def _cyclic_gc_paused():
    """A batch makes about seven containers a point (three rows, three lists, the answer), none in a
    cycle, so reference counting frees them all; the cyclic collector, which allocations trigger,
    would sweep the whole process heap again and again meanwhile: half the client's CPU of a batch."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def routes_of_points(lons: list[float], lats: list[float]) -> list[PointRoutes]:
    """Route many points in one query against the routing faces, or the subdivided boundaries near a
    border (GiST `&&`, then an exact `ST_Covers`, so a point on a shared border belongs to both
    sides). One point is a batch of one: the lookup API and the benchmark go through this same
    function."""
    with _without_jit(large=len(lons) >= _JIT_PRONE_BATCH), connection.cursor() as cursor:
        cursor.execute(_ROUTES_SQL, [list(lons), list(lats)])
        with _cyclic_gc_paused():
            found = [([], [], []) for _ in lons]
            for index, kind, object_id in cursor.fetchall():
                ids = found[index - 1][_KIND_SLOT[kind]]
                if object_id not in ids:
                    ids.append(object_id)
            return [PointRoutes(*lists) for lists in found]


@dataclass
class PointLookup:
    communes: list = field(default_factory=list)
    neighbourhoods: list = field(default_factory=list)
    police_sectors: list = field(default_factory=list)


def point_lookup(point: Point) -> PointLookup:
    """The communes, neighbourhoods and police sectors covering a point (all empty outside France)."""
    (routes,) = routes_of_points([point.x], [point.y])
    zones = Zone.objects.filter(id__in=routes.neighbourhood_ids + routes.police_sector_ids).select_related(
        "police_service", "commune"
    )
    return PointLookup(
        communes=list(Commune.objects.filter(id__in=routes.commune_ids).order_by("code")),
        neighbourhoods=[z for z in zones if z.kind == Zone.Kind.NEIGHBOURHOOD],
        police_sectors=[z for z in zones if z.kind == Zone.Kind.POLICE_SECTOR],
    )


@dataclass
class Overlap:
    first: str
    second: str
    area_m2: float
    percent: float


@dataclass
class Coverage:
    """How well the zones of one kind tile a commune, measured in the commune's metric projection."""

    commune_area_m2: float
    gap_m2: float
    overlaps: list[Overlap]

    @property
    def gap_percent(self) -> float:
        return 100 * self.gap_m2 / self.commune_area_m2 if self.commune_area_m2 else 0.0

    def lines(self) -> list[str]:
        lines = [
            _("Lacunes : %(area).0f m² de la commune hors de toute zone (%(percent).2f %%).")
            % {"area": self.gap_m2, "percent": self.gap_percent}
        ]
        lines += [
            _("Chevauchement : « %(a)s » et « %(b)s » se recouvrent sur %(area).0f m² (%(percent).2f %%).")
            % {"a": o.first, "b": o.second, "area": o.area_m2, "percent": o.percent}
            for o in self.overlaps
        ]
        return lines


# Shared borders intersect with zero area; anything under half a square metre is rounding noise.
_OVERLAP_MIN_M2 = 0.5

_COVERAGE_SQL = """
    WITH c AS (SELECT ST_Transform(boundary, metric_srid) AS g, metric_srid AS srid FROM zones_commune WHERE id = %s),
    z AS (
        SELECT z.id, z.name, ST_Transform(z.boundary, c.srid) AS g FROM zones_zone z, c
        WHERE z.commune_id = %s AND z.kind = %s AND (%s::bigint IS NULL OR z.police_service_id = %s::bigint)
          AND z.valid_until IS NULL
    )
    SELECT ST_Area(c.g), coalesce(ST_Area(ST_Difference(c.g, (SELECT ST_Union(g) FROM z))), ST_Area(c.g)),
        (SELECT coalesce(json_agg(json_build_array(a.name, b.name, ST_Area(ST_Intersection(a.g, b.g)))
                ORDER BY a.name, b.name), '[]'::json)
         FROM z a JOIN z b ON a.id < b.id AND ST_Intersects(a.g, b.g))
    FROM c
"""


def zone_coverage(*, commune: Commune, kind: str, police_service=None) -> Coverage:
    """Gaps (commune area covered by no zone) and overlaps (between zones) in m² and percent of the
    commune, computed in the commune's metric projection (Lambert-93 or local UTM)."""
    service_id = police_service.id if police_service else None
    with connection.cursor() as cursor:
        cursor.execute(_COVERAGE_SQL, [commune.id, commune.id, kind, service_id, service_id])
        area, gap, pairs = cursor.fetchone()
    if isinstance(pairs, str):
        pairs = json.loads(pairs)
    overlaps = [
        Overlap(first, second, overlap, 100 * overlap / area if area else 0.0)
        for first, second, overlap in pairs
        if overlap > _OVERLAP_MIN_M2
    ]
    return Coverage(commune_area_m2=area, gap_m2=gap, overlaps=overlaps)
