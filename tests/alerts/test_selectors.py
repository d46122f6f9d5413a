import pytest
from django.contrib.gis.geos import Point

from accounts.models import AccessLog, Role
from tests.auth import resident_client, staff_client
from tests.factories import make_alert, make_role

pytestmark = pytest.mark.django_db


def here(lon=5.01, lat=43.01):
    return Point(lon, lat, srid=4326)


@pytest.fixture
def alerts(commune, neighbour, resident, neighbour_resident):
    return {
        "mine_pending": make_alert(commune=commune, location=here(), author=resident),
        "theirs_pending": make_alert(commune=commune, location=here(), author=neighbour_resident),
        "published": make_alert(commune=commune, location=here(), status="published"),
        "rejected": make_alert(commune=commune, location=here(), status="rejected"),
        "neighbour_published": make_alert(commune=neighbour, location=here(5.03), status="published"),
    }


def listed_ids(client):
    return {item["id"] for item in client.get("/api/alerts/").json()["results"]}


def test_residents_see_their_own_and_published_alerts_of_their_commune(resident_api, alerts):
    assert listed_ids(resident_api) == {alerts["mine_pending"].pk, alerts["published"].pk}


def test_residents_never_get_exact_locations_nor_authors(resident_api, alerts):
    for item in resident_api.get("/api/alerts/").json()["results"]:
        assert "location" not in item and "author" not in item
    detail = resident_api.get(f"/api/alerts/{alerts['published'].pk}/").json()
    assert "location" not in detail and detail["is_mine"] is False


def test_another_territory_is_404(resident_api, alerts):
    for key in ("theirs_pending", "rejected", "neighbour_published"):
        assert resident_api.get(f"/api/alerts/{alerts[key].pk}/").status_code == 404


def test_moderators_see_every_alert_of_their_communes_with_locations(moderator_api, alerts):
    response = moderator_api.get("/api/alerts/").json()["results"]
    assert {item["id"] for item in response} == {
        alerts[key].pk for key in ("mine_pending", "theirs_pending", "published", "rejected")
    }
    assert all(item["location"]["type"] == "Point" for item in response)


def test_police_agents_see_published_alerts_of_their_services_communes(police_agent, alerts):
    response = staff_client(police_agent).get("/api/alerts/").json()["results"]
    assert [item["id"] for item in response] == [alerts["published"].pk]
    assert response[0]["location"]["coordinates"] == [5.01, 43.01]


def test_municipal_staff_see_published_alerts_of_their_commune(municipal_staff, neighbour, alerts):
    make_role(user=municipal_staff, kind=Role.Kind.MAYOR, commune=neighbour)
    client = staff_client(municipal_staff)
    assert listed_ids(client) == {alerts["published"].pk, alerts["neighbour_published"].pk}


def test_anonymous_readers_see_nothing(client, alerts):
    assert client.get("/api/alerts/").status_code == 403


def test_a_resident_with_a_pending_residence_sees_only_their_own(commune, charter, alerts):
    from tests.factories import make_resident

    user = make_resident(commune=commune, home=here(), status="pending")
    own = make_alert(commune=commune, location=here(), author=user)
    assert listed_ids(resident_client(user)) == {own.pk}


def alert_location_lines(viewer):
    return list(
        AccessLog.objects.filter(viewer=viewer, kind=AccessLog.Kind.ALERT_LOCATION).values_list(
            "object_id", "subject_id", "commune_id"
        )
    )


def test_opening_one_alert_at_its_exact_place_is_logged(police_agent, moderator_api, moderator, resident, alerts):
    published = alerts["published"]
    staff_client(police_agent).get(f"/api/alerts/{published.pk}/")
    moderator_api.get(f"/api/alerts/{alerts['theirs_pending'].pk}/")

    assert alert_location_lines(police_agent) == [(published.pk, published.author_id, published.commune_id)]
    pending = alerts["theirs_pending"]
    assert alert_location_lines(moderator) == [(pending.pk, pending.author_id, pending.commune_id)]


def test_lists_and_residents_readings_write_no_location_line(police_agent, resident_api, resident, alerts):
    staff_client(police_agent).get("/api/alerts/")
    resident_api.get(f"/api/alerts/{alerts['published'].pk}/")

    assert not AccessLog.objects.filter(kind=AccessLog.Kind.ALERT_LOCATION).exists()
