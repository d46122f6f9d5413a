"""The world of the open-standards tests: two joined communes with a neighbourhood, a police
service and sector each (tests/maps/live/world.py), a published alert in each, a pending one and a
rejected one, which no interface may show."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.gis.geos import Point

from alerts.models import Alert
from tests.factories import make_alert
from tests.maps.live.world import World, build_world


@dataclass
class Standards:
    world: World
    published: Alert
    other_published: Alert
    pending: Alert
    rejected: Alert


@pytest.fixture
def standards(db) -> Standards:
    world = build_world()
    for commune in (world.commune, world.other_commune):
        commune.adopted_on = date(2025, 1, 1)
        commune.save(update_fields=["adopted_on"])
    published = make_alert(
        commune=world.commune, location=Point(5.00412, 43.00631, srid=4326), status="published", author=world.resident
    )
    other = make_alert(
        commune=world.other_commune,
        location=Point(5.10733, 43.01222, srid=4326),
        status="published",
        category="vol-vehicule",
    )
    pending = make_alert(commune=world.commune, location=Point(5.0151, 43.0152, srid=4326))
    rejected = make_alert(commune=world.commune, location=Point(5.0152, 43.0153, srid=4326), status="rejected")
    return Standards(world, published, other, pending, rejected)
