import html

import pytest
from django.contrib.gis.geos import Point

from accounts.models import CharterAcceptance, CharterVersion, Residence
from accounts.selectors import can_post_alerts, charter_current
from tests.accounts.conftest import resident
from tests.auth import resident_client
from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_seeded_charter_says_inform_never_act_and_gives_the_emergency_numbers(client):
    body = client.get("/api/charter/").json()

    assert body["version"] == 1
    for words in ("jamais agir", "Aucune accusation", "17", "18", "112", "114"):
        assert words in body["text"]


def test_a_resident_must_accept_the_charter_before_giving_a_home(world):
    newcomer = UserFactory()
    client = resident_client(newcomer)

    refused = client.put(
        "/api/me/residence/", {"address": "2 rue Haute", "lon": 5.01, "lat": 43.015}, content_type="application/json"
    )
    page = client.get("/compte/domicile/")

    assert refused.status_code == 403
    assert "charte" in refused.json()["detail"]
    assert page.status_code == 302 and page.url.startswith("/charte/")

    accepted = client.post("/api/charter/accept/", {"version": 1})
    assert accepted.status_code == 201
    acceptance = CharterAcceptance.objects.get(user=newcomer)
    assert acceptance.charter.version == 1 and acceptance.accepted_at is not None


def test_a_new_charter_version_must_be_accepted_again_before_the_next_post(world):
    person = world.people["resident_a"]
    assert can_post_alerts(person)

    CharterVersion.objects.create(version=2, text="Charte v2 : informer, jamais agir.")

    assert charter_current().version == 2
    assert not can_post_alerts(person)
    client = resident_client(person)
    assert client.post("/api/charter/accept/", {"version": 1}).status_code == 400
    client.post("/charte/", {"version": "2"})
    assert can_post_alerts(person)
    assert list(CharterAcceptance.objects.filter(user=person).values_list("charter__version", flat=True)) == [1, 2]


def test_the_home_sets_commune_and_neighbourhood(world):
    person = resident(world.commune_a, Point(5.001, 43.001, srid=4326), charter=True)
    client = resident_client(person)

    response = client.put(
        "/api/me/residence/", {"address": "3 rue du Nord", "lon": 5.01, "lat": 43.015}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["commune"] == "Alpha"
    assert response.json()["neighbourhood"] == "Nord"
    assert response.json()["status"] == "pending"  # a new home must be proven again


def test_a_home_exactly_on_the_border_of_two_neighbourhoods_belongs_to_both(world):
    client = resident_client(resident(world.commune_a, Point(5.001, 43.001, srid=4326)))

    response = client.put(
        "/api/me/residence/", {"address": "limite", "lon": 5.01, "lat": 43.01}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["neighbourhood"] == "Nord"  # the one named: the lowest id, so always the same one
    assert sorted(response.json()["neighbourhoods"]) == ["Nord", "Sud"]


def test_a_home_exactly_on_the_border_of_two_communes_is_accepted(world):
    client = resident_client(resident(world.commune_a, Point(5.001, 43.001, srid=4326)))

    response = client.put(
        "/api/me/residence/", {"address": "limite", "lon": 5.02, "lat": 43.005}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["commune"] == "Alpha"


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(5.05, 43.01), (2.35, 48.85)],
    ids=["commune-that-has-not-joined", "outside-every-commune"],
)
def test_a_home_outside_every_joined_commune_is_refused_clearly(world, lon, lat):
    person = resident(world.commune_a, Point(5.001, 43.001, srid=4326))
    client = resident_client(person)

    response = client.put(
        "/api/me/residence/", {"address": "ailleurs", "lon": lon, "lat": lat}, content_type="application/json"
    )
    page = client.post("/compte/domicile/", {"address": "ailleurs", "lon": lon, "lat": lat})

    assert response.status_code == 400
    assert "aucune commune qui a rejoint Vigie" in response.json()["home"][0]
    assert page.status_code == 400
    assert "aucune commune qui a rejoint Vigie" in page.content.decode()
    assert Residence.objects.get(user=person).commune == world.commune_a


def test_out_of_range_coordinates_are_a_400(world):
    client = resident_client(world.people["resident_a"])

    response = client.put(
        "/api/me/residence/", {"address": "x", "lon": 500, "lat": 43}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "lon" in response.json()


def test_the_null_geocoder_suggests_nothing(world):
    response = resident_client(world.people["resident_a"]).get("/api/geocoder/", {"q": "1 place de la Mairie"})

    assert response.status_code == 200
    assert response.json() == []


def test_a_home_typed_with_decimal_commas_is_saved(world):
    person = resident(world.commune_a, Point(5.001, 43.001, srid=4326), charter=True)

    page = resident_client(person).post(
        "/compte/domicile/", {"address": "3 rue du Nord", "lon": "5,01", "lat": "43,015"}
    )

    assert page.status_code == 302
    assert Residence.objects.get(user=person).home.coords == (5.01, 43.015)


def test_a_home_with_both_coordinates_wrong_flags_both_fields(world):
    person = resident(world.commune_a, Point(5.001, 43.001, srid=4326), charter=True)

    page = resident_client(person).post("/compte/domicile/", {"address": "x", "lon": "abc", "lat": "95"})

    body = html.unescape(page.content.decode())
    assert page.status_code == 400
    assert "« abc » n'est pas un nombre." in body and "-90 et 90" in body
