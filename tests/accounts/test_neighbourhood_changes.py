"""Homes follow their neighbourhoods: when a town redraws, imports, regenerates or deletes
neighbourhoods, every home gets the neighbourhood its point is now in, so its resident keeps
receiving the alerts of their street."""

import pytest
from django.contrib.gis.geos import Point
from shapely.geometry import box

from accounts.models import Residence
from delivery.models import Delivery
from delivery.routing import alert_route
from tests.factories import make_alert, make_commune, make_neighbourhood, make_resident, square
from tests.zones.conftest import write_layer
from zones import services as zone_services
from zones.importing import zones_import
from zones.models import Zone

pytestmark = pytest.mark.django_db

WEST_HOME = Point(5.005, 43.01, srid=4326)
EAST_HOME = Point(5.015, 43.01, srid=4326)


@pytest.fixture
def town():
    return make_commune(adopted_on="2025-01-01")


def neighbourhood_of(user) -> Zone | None:
    return Residence.objects.get(user=user).neighbourhood


def test_a_reimport_with_replace_puts_every_home_in_its_new_neighbourhood(town, tmp_path):
    old = make_neighbourhood(commune=town, name="Tout", bounds=(5.0, 43.0, 5.02, 43.02))
    west, east = make_resident(commune=town, home=WEST_HOME), make_resident(commune=town, home=EAST_HOME)
    assert neighbourhood_of(west) == neighbourhood_of(east) == old
    path = write_layer(
        tmp_path / "quartiers.geojson",
        [
            {"name": "Ouest", "geometry": box(5.0, 43.0, 5.01, 43.02)},
            {"name": "Est", "geometry": box(5.01, 43.0, 5.02, 43.02)},
        ],
    )

    zones_import(path=path, commune_code=town.code, kind="neighbourhood", name_field="name", replace=True, commit=True)

    assert Zone.objects.get(id=old.id).valid_until is not None  # retired, kept for its history
    assert neighbourhood_of(west).name == "Ouest"
    assert neighbourhood_of(east).name == "Est"


def test_the_resident_of_a_redrawn_town_still_receives_its_alerts(town, tmp_path):
    make_neighbourhood(commune=town, name="Tout", bounds=(5.0, 43.0, 5.02, 43.02))
    resident = make_resident(commune=town, home=WEST_HOME)
    path = write_layer(tmp_path / "q.geojson", [{"name": "Ouest", "geometry": box(5.0, 43.0, 5.01, 43.02)}])
    zones_import(path=path, commune_code=town.code, kind="neighbourhood", name_field="name", replace=True, commit=True)
    alert = make_alert(commune=town, location=Point(5.004, 43.012, srid=4326), status="published")

    alert_route(alert_id=alert.id)

    assert Delivery.objects.filter(alert=alert, recipient=resident, kind="alert").count() == 1


def test_a_boundary_edit_moves_the_homes_it_no_longer_covers_and_takes_the_ones_it_now_covers(town):
    west_zone = make_neighbourhood(commune=town, name="Ouest", bounds=(5.0, 43.0, 5.01, 43.02))
    east_zone = make_neighbourhood(commune=town, name="Est", bounds=(5.01, 43.0, 5.02, 43.02))
    near_border = make_resident(commune=town, home=Point(5.0095, 43.01, srid=4326))
    far_east = make_resident(commune=town, home=EAST_HOME)
    assert neighbourhood_of(near_border) == west_zone

    zone_services.zone_update_boundary(zone=west_zone, boundary=square(5.0, 43.0, 5.008, 43.02))
    zone_services.zone_update_boundary(zone=east_zone, boundary=square(5.008, 43.0, 5.02, 43.02))

    assert neighbourhood_of(near_border) == east_zone
    assert neighbourhood_of(far_east) == east_zone


def test_a_home_no_neighbourhood_covers_any_more_has_none(town):
    zone = make_neighbourhood(commune=town, name="Ouest", bounds=(5.0, 43.0, 5.01, 43.02))
    resident = make_resident(commune=town, home=WEST_HOME)

    zone_services.zone_update_boundary(zone=zone, boundary=square(5.0, 43.0, 5.002, 43.02))

    assert neighbourhood_of(resident) is None


def test_deleting_a_neighbourhood_hands_its_homes_to_one_that_still_covers_them(town):
    small = make_neighbourhood(commune=town, name="Petit", bounds=(5.0, 43.0, 5.01, 43.02))
    resident = make_resident(commune=town, home=WEST_HOME)
    assert neighbourhood_of(resident) == small
    large = make_neighbourhood(commune=town, name="Grand", bounds=(5.0, 43.0, 5.02, 43.02))
    assert neighbourhood_of(resident) == small  # a home keeps the lowest id on overlaps

    small.delete()

    assert neighbourhood_of(resident) == large


def test_a_new_neighbourhood_takes_in_the_homes_that_had_none(town):
    resident = make_resident(commune=town, home=WEST_HOME)
    assert neighbourhood_of(resident) is None

    zone = make_neighbourhood(commune=town, name="Ouest", bounds=(5.0, 43.0, 5.01, 43.02))

    assert neighbourhood_of(resident) == zone


def test_regenerated_hexagons_take_every_home_and_other_towns_are_left_alone(town):
    zone_services.neighbourhoods_generate(commune=town, hex_size_m=400)
    resident = make_resident(commune=town, home=WEST_HOME)
    other_town = make_commune(
        code="99002", name="Autreville", bounds=(5.03, 43.0, 5.05, 43.02), adopted_on="2025-01-01"
    )
    other_zone = make_neighbourhood(commune=other_town, name="Centre", bounds=(5.03, 43.0, 5.05, 43.02))
    neighbour = make_resident(commune=other_town, home=Point(5.04, 43.01, srid=4326))
    before = neighbourhood_of(resident)

    zone_services.neighbourhoods_generate(commune=town, hex_size_m=300, replace=True)

    after = neighbourhood_of(resident)
    assert after is not None and after != before
    assert after.origin == Zone.Origin.GENERATED
    assert Zone.objects.filter(id=after.id, boundary__covers=WEST_HOME).exists()
    assert neighbourhood_of(neighbour) == other_zone
