"""Dates and times are shown in the local time of the person's territory."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from accounts.localtime import SESSION_KEY
from accounts.models import Role
from accounts.selectors import charter_current
from accounts.services import charter_accept
from tests.auth import resident_client, staff_client
from tests.factories import UserFactory, make_alert, make_commune, make_neighbourhood, make_role
from zones import services as zone_services

pytestmark = pytest.mark.django_db

OCCURRED = dt.datetime(2024, 6, 30, 20, 30, tzinfo=dt.UTC)


@pytest.fixture
def saint_denis():
    commune = make_commune(
        code="97411", name="Saint-Denis", bounds=(55.44, -20.90, 55.46, -20.88), adopted_on="2024-01-01"
    )
    make_neighbourhood(commune=commune, name="Centre", bounds=(55.44, -20.90, 55.46, -20.88))
    return commune


def police_agent_of(commune):
    service = zone_services.police_service_create(name=f"PM {commune.name}", communes=[commune])
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.POLICE_AGENT, police_service=service)
    return staff_client(user)


def occurred_as_shown(client, alert) -> str:
    response = client.get(f"/api/alerts/{alert.id}/")
    assert response.status_code == 200, response.content
    return response.json()["occurred_at"]


def test_an_agent_in_la_reunion_reads_the_island_time_and_one_in_the_mainland_paris_time(saint_denis):
    mainland = make_commune(code="99001", name="Testville", adopted_on="2024-01-01")
    island_alert = make_alert(
        commune=saint_denis, location=Point(55.45, -20.89, srid=4326), status="published", occurred_at=OCCURRED
    )
    mainland_alert = make_alert(
        commune=mainland, location=Point(5.01, 43.01, srid=4326), status="published", occurred_at=OCCURRED
    )

    assert occurred_as_shown(police_agent_of(saint_denis), island_alert) == "2024-07-01T00:30:00+04:00"
    assert occurred_as_shown(police_agent_of(mainland), mainland_alert) == "2024-06-30T22:30:00+02:00"


def test_a_resident_who_moves_to_the_island_gets_its_time_from_the_next_request(saint_denis):
    make_commune(code="99001", name="Testville", adopted_on="2024-01-01")
    user = UserFactory()
    charter_accept(user=user, charter=charter_current())
    client = resident_client(user)
    response = client.put(
        "/api/me/residence/", {"address": "1 rue de Paris", "lon": 5.01, "lat": 43.01}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    client.get("/api/me/")
    assert client.session[SESSION_KEY] == "Europe/Paris"

    response = client.put(
        "/api/me/residence/",
        {"address": "2 rue de Paris, Saint-Denis", "lon": 55.45, "lat": -20.89},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    client.get("/api/me/")

    assert client.session[SESSION_KEY] == "Indian/Reunion"
