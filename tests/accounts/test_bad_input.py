"""Input no view can use gets a 4xx that says why, never a 500."""

import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("moderator_a", "/moderation/?commune=%00"),
        ("moderator_a", "/api/moderation/queue/?commune=%00"),
        ("moderator_a", "/api/moderation/stats/?commune=%00"),
        ("mayor_a", "/carte/commune/%00/"),
        ("anonymous", "/api/zones/?commune=99%00"),
        ("resident_a", "/api/alerts/?x%00=1"),
    ],
)
def test_a_nul_byte_in_the_address_is_refused_with_400(world, role, url):
    response = world.client(role).get(url)
    assert response.status_code == 400
    assert "caractère nul" in response.content.decode()


def test_the_nul_byte_refusal_speaks_the_visitors_language_whatever_came_before():
    from django.test import Client

    english = Client(headers={"accept-language": "en"}).get("/api/zones/?commune=99%00")
    french = Client(headers={"accept-language": "fr"}).get("/api/zones/?commune=99%00")
    assert english.status_code == french.status_code == 400
    assert "null character" in english.content.decode()
    assert "caractère nul" in french.content.decode()


def test_a_post_whose_body_is_not_an_object_is_refused_with_the_emergency_reminder(world):
    response = world.client("resident_a").post("/api/alerts/", "[]", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert "112" in body["emergency_notice"] and body["emergency_notice_acknowledged"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_mayor_s_map_refuses_dates_out_of_range_with_a_message(world, day):
    for field in ("since", "until"):
        response = world.client("mayor_a").get(f"/carte/commune/{world.commune_a.code}/", {field: day})
        assert response.status_code < 500
        assert "Date entre 2000 et 2100" in response.content.decode()


@pytest.mark.parametrize("since", ["²", "1" * 30, "-1", "12a"])
def test_the_police_stream_refuses_an_event_id_that_is_not_a_plain_integer(world, since):
    response = world.client("police_a").get("/carte/police/flux/", {"since": since})
    assert response.status_code == 400
    assert "identifiant d'événement entier" in response.content.decode()


def test_a_drawn_area_without_coordinates_is_unreadable_not_a_crash(world):
    body = {"kind": "prevention", "title": "T", "body": "B", "commune": world.commune_a.id, "target": "area"}
    response = world.client("mayor_a").post(
        "/api/broadcasts/send/", json.dumps({**body, "area": {"type": "Polygon"}}), content_type="application/json"
    )
    assert response.status_code == 400
    assert "lisible" in json.dumps(response.json(), ensure_ascii=False)
