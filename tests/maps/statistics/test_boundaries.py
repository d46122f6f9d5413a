"""Statistics use the boundaries in force and say so: after a town redraws a zone, its past events
are counted again by where they happened, against the new boundary, and the retired version is
never counted beside it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Role
from tests.auth import staff_client
from tests.factories import UserFactory, make_role, square
from tests.maps.statistics.conftest import BORDER_LON, publish, spread
from zones import services as zone_services
from zones.models import Zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def mayor(town):
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.MAYOR, commune=town)
    return staff_client(user)


def today_in(commune) -> str:
    return timezone.localtime(timezone.now(), ZoneInfo(commune.time_zone)).date().isoformat()


def zone_totals(mayor) -> dict:
    params = {"commune": "99001", "family": "burglary", "from": "2024-01", "to": "2024-12"}
    response = mayor.get("/api/statistics/zones/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_past_events_are_counted_in_the_current_boundaries_and_the_page_says_so(mayor, town, west, east):
    # Twenty burglaries in June 2024 in the strip 5.008-5.010 (west of the border), eight deep in the east.
    publish(town, spread(20, 5.008, 5.0099), day=dt.date(2024, 6, 15))
    publish(town, spread(8, 5.015, 5.019), day=dt.date(2024, 6, 15))
    before = {row["zone"]: row["count"] for row in zone_totals(mayor)["totals"]}
    assert before["Ouest"] is not None and abs(before["Ouest"] - 20) <= 2

    # The town moves the border west: the strip now lies in Est.
    zone_services.zone_update_boundary(zone=west, boundary=square(5.0, 43.0, 5.007, 43.02))
    zone_services.zone_update_boundary(zone=east, boundary=square(5.007, 43.0, 5.02, 43.02))

    data = zone_totals(mayor)
    rows = [row for row in data["totals"] if row["family"] == "burglary"]
    assert sorted(row["zone"] for row in rows) == ["Est", "Ouest"]  # one row each: no retired version
    after = {row["zone"]: row["count"] for row in rows}
    assert after["Ouest"] is None  # no event left west of the new border ("< 5")
    assert abs(after["Est"] - 28) <= 2
    current = set(Zone.objects.current().values_list("id", flat=True))
    assert {row["zone_id"] for row in rows} == current
    boundaries = data["boundaries"]
    assert boundaries["version"] == "current" and boundaries["events_assigned_by"] == "location"
    assert boundaries["earlier_versions"] == 2 and boundaries["in_force_since"] == today_in(town)
    page = mayor.get("/statistiques/99001/", {"family": "burglary", "from": "2024-01"}).content.decode()
    assert "Limites des zones : celles en vigueur" in page
    assert "2 versions antérieures des limites ne sont pas utilisées" in page


def test_neighbouring_zones_of_a_retired_version_are_not_offered_for_comparison(mayor, town, west, east):
    old_west_id = west.id
    zone_services.zone_update_boundary(zone=west, boundary=square(5.0, 43.0, BORDER_LON - 0.001, 43.02))
    assert not Zone.objects.current().filter(id=old_west_id).exists()
    response = mayor.get("/api/statistics/zones/", {"commune": "99001", "from": "2024-01", "to": "2024-12"})
    assert old_west_id not in {row["zone_id"] for row in response.json()["totals"]}
