"""Routing selectors at the edges: borders, radii in metres overseas, and the national file."""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from tests.factories import make_commune, make_neighbourhood, make_police_sector, square
from tests.zones.conftest import NATIONAL_COMMUNES
from zones.importing import communes_import
from zones.models import Commune, Zone
from zones.selectors import (
    commune_ids_covering,
    point_lookup,
    police_service_ids_covering,
    routes_of_points,
    zone_ids_within,
)
from zones.services import police_service_create

pytestmark = pytest.mark.django_db


def offset(point: Point, *, srid: int, dx: float) -> Point:
    """The point `dx` metres east of `point`, measured in the projection `srid`."""
    moved = point.transform(srid, clone=True)
    moved.x += dx
    return moved.transform(4326, clone=True)


@pytest.mark.parametrize(
    ("where", "bounds", "srid"),
    [
        ("metropolitan (Lambert-93)", (5.0, 43.0, 5.05, 43.03), 2154),
        ("Réunion (UTM 40S)", (55.44, -20.90, 55.49, -20.87), 32740),
    ],
)
def test_a_300_m_radius_is_300_metres_on_the_ground(where, bounds, srid):
    commune = make_commune(code="97411" if srid != 2154 else "13001", bounds=bounds)
    assert commune.metric_srid == srid, where
    west, south, east, north = bounds
    middle = (west + east) / 2
    east_zone = make_neighbourhood(commune=commune, name="Est", bounds=(middle, south, east, north))
    edge = Point(middle, (south + north) / 2, srid=4326)

    near = offset(edge, srid=srid, dx=-290)
    far = offset(edge, srid=srid, dx=-310)

    assert zone_ids_within(near, kind=Zone.Kind.NEIGHBOURHOOD, radius_m=300) == [east_zone.id]
    assert zone_ids_within(far, kind=Zone.Kind.NEIGHBOURHOOD, radius_m=300) == []
    # On the border itself the distance is zero.
    assert zone_ids_within(edge, kind=Zone.Kind.NEIGHBOURHOOD, radius_m=0) == [east_zone.id]


def test_a_point_on_the_border_of_two_communes_belongs_to_both():
    west = make_commune(code="99001", bounds=(5.0, 43.0, 5.01, 43.01))
    east = make_commune(code="99002", bounds=(5.01, 43.0, 5.02, 43.01))

    assert sorted(commune_ids_covering(Point(5.01, 43.005, srid=4326))) == sorted([west.id, east.id])
    assert [c.code for c in point_lookup(Point(5.01, 43.005, srid=4326)).communes] == ["99001", "99002"]


def test_an_intercommunal_sector_routes_points_of_both_communes():
    west = make_commune(code="99001", bounds=(5.0, 43.0, 5.01, 43.01))
    east = make_commune(code="99002", bounds=(5.01, 43.0, 5.02, 43.01))
    service = police_service_create(name="PI", communes=[west, east], kind="intercommunal")
    sector = make_police_sector(service=service, commune=west, name="Tout", bounds=(5.0, 43.0, 5.02, 43.01))

    routes = routes_of_points([5.005, 5.015, 6.0], [43.005, 43.005, 43.005])

    assert [r.police_sector_ids for r in routes] == [[sector.id], [sector.id], []]
    assert police_service_ids_covering(Point(5.015, 43.005, srid=4326)) == [service.id]
    assert routes[2].commune_ids == [] and routes[2].neighbourhood_ids == []


def test_a_sector_drawn_beyond_its_commune_keeps_its_shape():
    commune = make_commune(code="99001", bounds=(5.0, 43.0, 5.01, 43.01))
    service = police_service_create(name="PM", communes=[commune])

    sector = make_police_sector(service=service, commune=commune, name="Large", bounds=(5.0, 43.0, 5.03, 43.01))

    assert sector.boundary.equals(square(5.0, 43.0, 5.03, 43.01))


@pytest.mark.skipif(
    not NATIONAL_COMMUNES.exists(), reason=f"national file absent ({NATIONAL_COMMUNES}); seed town halls still tested"
)
def test_town_halls_of_the_national_file_are_routed_to_their_own_commune():
    report = communes_import(path=str(NATIONAL_COMMUNES), town_hall_field="town_hall", commit=True)
    assert report.created == 34_867 and any("13055 Marseille" in line for line in report.repairs)
    halls = list(Commune.objects.exclude(town_hall=None).values_list("id", "town_hall"))

    routes = routes_of_points([hall.x for _, hall in halls], [hall.y for _, hall in halls])

    # The file's town-hall points are not all inside their (simplified) commune: about 5.6 % lie a
    # few kilometres out. Routing must agree exactly with ST_Covers on the unsubdivided boundaries.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM zones_commune WHERE ST_Covers(boundary, town_hall)")
        inside = {row[0] for row in cursor.fetchall()}
    routed_home = {
        commune_id for (commune_id, _), route in zip(halls, routes, strict=True) if commune_id in route.commune_ids
    }
    assert routed_home == inside
    assert len(inside) / len(halls) > 0.94


def test_within_a_radius_finds_both_kinds_when_no_kind_is_given():
    commune = make_commune(code="99001", bounds=(5.0, 43.0, 5.02, 43.01))
    neighbourhood = make_neighbourhood(commune=commune, name="Est", bounds=(5.01, 43.0, 5.02, 43.01))
    service = police_service_create(name="PM", communes=[commune])
    sector = make_police_sector(service=service, commune=commune, name="Est", bounds=(5.01, 43.0, 5.02, 43.01))
    near = offset(Point(5.01, 43.005, srid=4326), srid=2154, dx=-100)

    assert sorted(zone_ids_within(near, kind=None, radius_m=150)) == sorted([neighbourhood.id, sector.id])
    assert zone_ids_within(near, kind=None, radius_m=50) == []
