import pytest
from django.contrib.gis.geos import Point

from tests.accounts.conftest import World, resident, world  # noqa: F401 - the access tests' world
from tests.delivery.conftest import push_service, sink, start_worker  # noqa: F401 - a real worker, SMTP and push services


@pytest.fixture
def neighbours(world: World) -> dict:  # noqa: F811
    """Three more verified residents: two of Nord (A's northern neighbourhood, where resident_a
    lives), one of Sud."""
    return {
        "helper": resident(world.commune_a, Point(5.006, 43.016, srid=4326), display_name="Camille Martin"),
        "other": resident(world.commune_a, Point(5.007, 43.017, srid=4326), display_name="Dominique Roux"),
        "south": resident(world.commune_a, Point(5.006, 43.004, srid=4326), display_name="Sacha Petit"),
    }
