import gc

import pytest
from django.contrib.gis.geos import Point

from tests.factories import make_commune, make_neighbourhood
from zones.models import Zone
from zones.selectors import (
    commune_of_point,
    neighbourhood_of_point,
    routes_of_points,
    zone_ids_covering,
    zone_ids_within,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_neighbourhoods_sharing_a_border():
    commune = make_commune(bounds=(5.0, 43.0, 5.02, 43.01))
    west = make_neighbourhood(commune=commune, name="Ouest", bounds=(5.0, 43.0, 5.01, 43.01))
    east = make_neighbourhood(commune=commune, name="Est", bounds=(5.01, 43.0, 5.02, 43.01))
    return commune, west, east


def test_a_point_on_a_shared_border_belongs_to_both_sides(two_neighbourhoods_sharing_a_border):
    _, west, east = two_neighbourhoods_sharing_a_border

    covering = zone_ids_covering(Point(5.01, 43.005, srid=4326), kind=Zone.Kind.NEIGHBOURHOOD)

    assert sorted(covering) == sorted([west.id, east.id])


def test_a_point_inside_one_neighbourhood_belongs_to_it_alone(two_neighbourhoods_sharing_a_border):
    _, west, _ = two_neighbourhoods_sharing_a_border

    assert zone_ids_covering(Point(5.005, 43.005, srid=4326), kind=Zone.Kind.NEIGHBOURHOOD) == [west.id]
    assert neighbourhood_of_point(Point(5.005, 43.005, srid=4326)) == west


def test_radius_is_measured_in_metres(two_neighbourhoods_sharing_a_border):
    _, west, east = two_neighbourhoods_sharing_a_border
    # 5.0075 is about 203 m west of the border at 5.01 at this latitude (1° lon ≈ 81.3 km).
    point = Point(5.0075, 43.005, srid=4326)

    assert sorted(zone_ids_within(point, kind=Zone.Kind.NEIGHBOURHOOD, radius_m=250)) == sorted([west.id, east.id])
    assert zone_ids_within(point, kind=Zone.Kind.NEIGHBOURHOOD, radius_m=150) == [west.id]


def test_commune_of_a_point_outside_every_commune_is_none(two_neighbourhoods_sharing_a_border):
    commune, _, _ = two_neighbourhoods_sharing_a_border

    assert commune_of_point(Point(5.01, 43.005, srid=4326)) == commune
    assert commune_of_point(Point(6.0, 44.0, srid=4326)) is None


def test_routing_a_batch_leaves_the_process_garbage_collector_as_it_found_it():
    commune = make_commune()
    lons, lats = [5.01, 5.01, 6.0], [43.01, 43.02, 43.01]
    assert gc.isenabled()
    routes = routes_of_points(lons, lats)
    assert gc.isenabled()
    assert [r.commune_ids for r in routes] == [[commune.id], [commune.id], []]
    gc.disable()
    try:
        routes_of_points(lons, lats)
        assert not gc.isenabled()
    finally:
        gc.enable()
