from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.test import override_settings
from django.utils import timezone

from accounts.models import CharterVersion, Residence
from alerts.models import Alert
from tests.alerts.conftest import accept
from tests.auth import resident_client
from tests.factories import make_commune, make_resident

pytestmark = pytest.mark.django_db

URL = "/api/alerts/"


def payload(**overrides):
    data = {
        "lon": 5.01,
        "lat": 43.01,
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "category": "cambriolage",
        "description": "Porte d'entrée fracturée au 3 rue des Lilas, constatée ce matin.",
        "emergency_notice_acknowledged": True,
    }
    data.update(overrides)
    return data


def post(client, **overrides):
    return client.post(URL, payload(**overrides), content_type="application/json")


def test_the_emergency_notice_names_every_number(client):
    response = client.get("/api/emergency-notice/")
    assert response.status_code == 200
    text = response.json()["text"]
    for number in ("17", "18", "112", "114"):
        assert number in text
    assert "ne remplace pas les secours" in text


def test_a_verified_resident_posts_a_pending_alert(resident_api, resident, commune):
    response = post(resident_api)
    assert response.status_code == 201, response.json()
    alert = Alert.objects.get(pk=response.json()["id"])
    assert (alert.status, alert.author, alert.commune) == ("pending", resident, commune)
    assert "location" not in response.json()


@pytest.mark.parametrize("acknowledged", [False, None, "no"])
def test_a_post_without_the_acknowledgement_is_refused_with_the_notice(resident_api, acknowledged):
    overrides = {"emergency_notice_acknowledged": acknowledged}
    response = post(resident_api, **overrides)
    assert response.status_code == 400
    body = response.json()
    assert body["emergency_notice_acknowledged"] == ["Cochez la case pour confirmer que vous avez lu ce rappel."]
    assert "112" in body["emergency_notice"]
    assert not Alert.objects.exists()


def test_a_post_missing_the_acknowledgement_field_is_refused(resident_api):
    data = payload()
    del data["emergency_notice_acknowledged"]
    response = resident_api.post(URL, data, content_type="application/json")
    assert response.status_code == 400
    assert "Cochez la case" in response.json()["emergency_notice_acknowledged"][0]
    assert "ne remplace pas les secours" in response.json()["emergency_notice"]


def test_swapped_coordinates_are_recognised(resident_api):
    response = post(resident_api, lon=43.01, lat=5.01)
    assert response.status_code == 400
    assert "inversées" in response.json()["lon"][0]


def test_swapped_coordinates_are_recognised_overseas_too(charter):
    """Saint-Denis de La Réunion: lon 55.45, lat -20.89; swapped, the pair falls in Somalia's waters."""
    saint_denis = make_commune(code="97411", name="Saint-Denis", bounds=(55.44, -20.90, 55.46, -20.88))
    islander = accept(make_resident(commune=saint_denis, home=Point(55.45, -20.89, srid=4326)), charter)

    response = post(resident_client(islander), lon=-20.891, lat=55.451)

    assert response.status_code == 400
    assert "inversées" in response.json()["lon"][0] and "lon=-20.891" in response.json()["lon"][0]
    assert not Alert.objects.exists()


def test_a_far_pair_whose_swap_is_far_too_is_not_called_swapped(resident_api):
    response = post(resident_api, lon=2.35, lat=48.85)  # Paris, far from a Provence home
    assert response.status_code == 400
    assert "inversées" not in str(response.json())


@pytest.mark.parametrize(("lon", "lat", "field"), [(200, 43.01, "lon"), (5.01, -95, "lat")])
def test_out_of_range_coordinates_are_refused(resident_api, lon, lat, field):
    response = post(resident_api, lon=lon, lat=lat)
    assert response.status_code == 400
    assert "comprise entre" in response.json()[field][0]


def test_a_point_outside_the_commune_and_far_from_home_is_refused(resident_api, neighbour):
    response = post(resident_api, lon=5.039, lat=43.01)
    assert response.status_code == 400
    assert "en dehors de Testville" in response.json()["location"][0]


def test_a_point_on_the_commune_border_belongs_to_the_residents_commune(resident_api, commune, neighbour):
    response = post(resident_api, lon=5.02, lat=43.01)
    assert response.status_code == 201, response.json()
    assert response.json()["commune"]["code"] == commune.code


@override_settings(ALERTS_HOME_DISTANCE_M=2000)
def test_a_point_near_home_in_the_next_commune_goes_to_that_commune(resident_api, neighbour):
    neighbour.adopted_on = date(2025, 1, 1)
    neighbour.save(update_fields=["adopted_on"])
    # Home at 5.01; 5.025 is about 1.2 km east, inside the neighbouring commune.
    response = post(resident_api, lon=5.025, lat=43.01)
    assert response.status_code == 201, response.json()
    assert response.json()["commune"]["code"] == neighbour.code


def test_a_point_near_home_in_a_commune_that_has_not_joined_is_refused(resident_api, neighbour):
    # 5.021 is about 900 m from home, inside the neighbouring commune, which has no moderator.
    assert neighbour.adopted_on is None
    response = post(resident_api, lon=5.021, lat=43.01)
    assert response.status_code == 400
    assert "aucune commune qui a rejoint Vigie" in response.json()["location"][0]
    assert not Alert.objects.exists()


@override_settings(ALERTS_HOME_DISTANCE_M=2000)
def test_a_point_near_home_but_outside_every_commune_is_refused(resident_api, commune):
    response = post(resident_api, lon=5.01, lat=42.995)
    assert response.status_code == 400
    assert "aucune commune" in response.json()["location"][0]


@pytest.mark.parametrize(
    "occurred_at",
    ["0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59", "9999-12-31T23:59:59-12:00"],
)
def test_a_date_at_the_ends_of_the_calendar_is_refused_with_a_message(resident_api, occurred_at):
    response = post(resident_api, occurred_at=occurred_at)
    assert response.status_code == 400
    assert "années 1900 à 2100" in response.json()["occurred_at"][0]
    assert not Alert.objects.exists()


def test_an_unknown_category_is_refused(resident_api):
    response = post(resident_api, category="ovni")
    assert response.status_code == 400
    assert "Catégorie inconnue" in response.json()["category"][0]


@pytest.mark.parametrize(
    ("description", "message"),
    [("", "Décrivez"), ("   ", "Décrivez"), ("Vol.", "trop courte"), ("x" * 2001, "trop longue")],
)
def test_bad_descriptions_are_refused(resident_api, description, message):
    response = post(resident_api, description=description)
    assert response.status_code == 400
    assert message in response.json()["description"][0]


def test_a_future_date_is_refused(resident_api):
    response = post(resident_api, occurred_at=(timezone.now() + timedelta(hours=2)).isoformat())
    assert response.status_code == 400
    assert "futur" in response.json()["occurred_at"][0]


@override_settings(ALERTS_MAX_AGE_DAYS=7)
def test_a_too_old_date_is_refused(resident_api):
    response = post(resident_api, occurred_at=(timezone.now() - timedelta(days=8)).isoformat())
    assert response.status_code == 400
    assert "7 jours" in response.json()["occurred_at"][0]


def test_every_wrong_field_is_reported_at_once(resident_api):
    response = post(resident_api, category="ovni", description="", emergency_notice_acknowledged=False)
    assert {"category", "description", "emergency_notice_acknowledged"} <= set(response.json())


def test_a_resident_awaiting_verification_may_not_post(commune, charter):
    user = accept(make_resident(commune=commune, home=Point(5.01, 43.01, srid=4326), status="pending"), charter)
    response = post(resident_client(user))
    assert response.status_code == 403
    assert "vérifié" in response.json()["detail"]


def test_a_resident_who_has_not_accepted_the_new_charter_may_not_post(resident_api, charter):
    CharterVersion.objects.create(version=charter.version + 1, text="Nouvelle charte.")
    response = post(resident_api)
    assert response.status_code == 403
    assert "charte" in response.json()["detail"]


def test_anonymous_posts_are_refused(client, commune):
    assert post(client).status_code == 403


@override_settings(ALERTS_MAX_POSTS_PER_HOUR=3)
def test_past_the_hourly_limit_a_resident_gets_429_with_retry_after(resident_api, resident, commune):
    for _ in range(3):
        assert post(resident_api).status_code == 201
    response = post(resident_api)
    assert response.status_code == 429
    assert 3500 <= int(response["Retry-After"]) <= 3600
    assert Alert.objects.filter(author=resident).count() == 3


@override_settings(ALERTS_MAX_POSTS_PER_HOUR=2)
def test_posts_older_than_an_hour_do_not_count(resident_api, resident, commune):
    for _ in range(2):
        assert post(resident_api).status_code == 201
    Alert.objects.filter(author=resident).update(created_at=timezone.now() - timedelta(minutes=61))
    assert post(resident_api).status_code == 201


def test_residence_status_is_checked_at_posting_time(resident_api, resident):
    Residence.objects.filter(user=resident).update(status="rejected")
    assert post(resident_api).status_code == 403
