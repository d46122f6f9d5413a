"""The routing questions, answered exactly against the subdivided boundaries.

`ST_Covers` rather than `ST_Contains`: a point on a shared border belongs to both sides. Distances
are measured on the geography type (metres on the WGS 84 spheroid), which is correct everywhere,
metropolitan or overseas, and the `&&` pre-filter on an expanded box keeps the GiST index in use."""

import math

from django.contrib.gis.geos import Point
from django.db import connection

from zones.models import Commune, Zone

# Degrees of latitude per metre, with margin; the box is widened by 1/cos(lat) for longitude.
_DEGREES_PER_METRE = 1 / 110_000


def _expand_degrees(point: Point, radius_m: float) -> tuple[float, float]:
    dlat = radius_m * _DEGREES_PER_METRE
    dlon = dlat / max(math.cos(math.radians(point.y)), 0.01)
    return dlon, dlat


def commune_ids_covering(point: Point) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT commune_id FROM zones_communepart
            WHERE geom && ST_SetSRID(ST_MakePoint(%s, %s), 4326)
              AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))
            """,
            [point.x, point.y, point.x, point.y],
        )
        return [row[0] for row in cursor.fetchall()]


def commune_of_point(point: Point) -> Commune | None:
    """The commune covering the point; on a border between communes, the one of lowest code."""
    return Commune.objects.filter(id__in=commune_ids_covering(point)).order_by("code").first()


def zone_ids_covering(point: Point, *, kind: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT zone_id FROM zones_zonepart
            WHERE kind = %s
              AND geom && ST_SetSRID(ST_MakePoint(%s, %s), 4326)
              AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))
            """,
            [kind, point.x, point.y, point.x, point.y],
        )
        return [row[0] for row in cursor.fetchall()]


def zone_ids_within(point: Point, *, kind: str, radius_m: float) -> list[int]:
    """Zones whose boundary lies within `radius_m` metres of the point (covering ones included)."""
    dlon, dlat = _expand_degrees(point, radius_m)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT zone_id FROM zones_zonepart
            WHERE kind = %s
              AND geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
              AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s)
            """,
            [kind, point.x - dlon, point.y - dlat, point.x + dlon, point.y + dlat, point.x, point.y, radius_m],
        )
        return [row[0] for row in cursor.fetchall()]


def zones_covering(point: Point, *, kind: str):
    return Zone.objects.filter(id__in=zone_ids_covering(point, kind=kind)).order_by("name")


def neighbourhood_of_point(point: Point) -> Zone | None:
    """The neighbourhood a home belongs to; on a border, the one of lowest id, so it is stable."""
    return Zone.objects.filter(id__in=zone_ids_covering(point, kind=Zone.Kind.NEIGHBOURHOOD)).order_by("id").first()
