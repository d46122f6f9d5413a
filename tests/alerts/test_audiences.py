"""One serializer per audience: a resident's reading of alerts never even loads an exact location,
and someone who sees exact places in one commune only gets them there."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from tests.alerts.test_selectors import alerts, here  # noqa: F401 - the shared alerts fixture
from tests.auth import resident_client, staff_client
from tests.factories import UserFactory, make_alert, make_resident, make_role

pytestmark = pytest.mark.django_db


def _alert_queries(queries) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if 'FROM "alerts_alert"' in query["sql"]]


def test_a_residents_list_and_detail_never_read_a_location(resident, alerts):  # noqa: F811
    api = resident_client(resident)
    with CaptureQueriesContext(connection) as queries:
        listed = api.get("/api/alerts/").json()["results"]
        detail = api.get(f"/api/alerts/{alerts['published'].pk}/").json()
    assert listed and all("location" not in item for item in listed)
    assert "location" not in detail
    assert _alert_queries(queries)
    assert not any('"alerts_alert"."location"' in sql for sql in _alert_queries(queries))


def test_a_resident_who_is_municipal_staff_elsewhere_gets_places_only_there(commune, neighbour, charter):
    person = make_resident(commune=commune, home=here(5.01, 43.01))
    make_role(user=person, kind=Role.Kind.MUNICIPAL_STAFF, commune=neighbour)
    at_home = make_alert(commune=commune, location=here(), status="published", author=UserFactory())
    over_there = make_alert(commune=neighbour, location=here(5.03), status="published", author=UserFactory())
    listed = {item["id"]: item for item in staff_client(person).get("/api/alerts/").json()["results"]}
    assert "location" not in listed[at_home.pk] and listed[at_home.pk]["occurred_at"] is None
    assert listed[over_there.pk]["location"]["coordinates"] == [5.03, 43.01]
    assert listed[over_there.pk]["occurred_at"] is not None
