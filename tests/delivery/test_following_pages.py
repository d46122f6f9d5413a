"""The page of followed places and "près de moi": what a resident does there, and the clear 4xx
answers when a limit or a place is wrong (nothing is written then)."""

import pytest
from django.utils import timezone

from accounts.models import Residence
from delivery.models import FollowedPlace
from tests.auth import resident_client
from tests.delivery.conftest import resident_at

pytestmark = pytest.mark.django_db

PAGE = "/preferences/lieux-suivis/"
ADD = "/preferences/lieux-suivis/ajouter/"
NEAR_ME = "/preferences/pres-de-moi/"


@pytest.fixture
def person(town):
    town.commune.adopted_on = timezone.now().date()
    town.commune.save()
    return resident_at(town, 5.019)


def place(label="rue de ma mère", lon="5.005", lat="43.01", radius_m="500"):
    return {"label": label, "lon": lon, "lat": lat, "radius_m": radius_m}


def test_a_resident_follows_changes_and_stops_following_a_place(person):
    client = resident_client(person)
    assert client.post(ADD, place()).status_code == 302
    followed = FollowedPlace.objects.get(user=person)
    assert "rue de ma mère" in client.get(PAGE).content.decode()

    assert client.get(f"{PAGE}?modifier={followed.id}").status_code == 200
    assert client.post(f"{PAGE}{followed.id}/", place(label="travail", radius_m="1000")).status_code == 302
    followed.refresh_from_db()
    assert (followed.label, followed.radius_m) == ("travail", 1000)

    assert client.post(f"{PAGE}{followed.id}/supprimer/").status_code == 302
    assert not FollowedPlace.objects.filter(user=person).exists()


def test_the_third_place_is_refused_with_the_limit_named(person):
    client = resident_client(person)
    for label in ("mère", "travail"):
        assert client.post(ADD, place(label=label)).status_code == 302

    response = client.post(ADD, place(label="club"))

    assert response.status_code == 400
    assert "Vous suivez déjà 2 lieux, le maximum dans votre commune" in response.content.decode()
    assert FollowedPlace.objects.filter(user=person).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (place(lon="6.01", lat="44.01"), "aucune commune qui utilise Vigie"),
        (place(lon="", lat=""), "Choisissez le lieu sur la carte"),
        (place(lon="500"), "La longitude (lon) doit être comprise"),
        (place(radius_m="5000"), "Sélectionnez un choix valide"),
        (place(label=""), "Ce champ est obligatoire"),
    ],
)
def test_a_wrong_place_is_refused_clearly_and_nothing_is_written(person, data, message):
    response = resident_client(person).post(ADD, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FollowedPlace.objects.exists()


def test_near_me_starts_with_the_phone_s_position_and_stopping_deletes_it(person):
    client = resident_client(person)
    assert client.post(NEAR_ME, {"lon": "5.005", "lat": "43.01", "radius_m": "500", "hours": "3"}).status_code == 302
    near_me = FollowedPlace.objects.get(user=person, kind="near_me")
    assert 2.9 * 3600 < (near_me.expires_at - timezone.now()).total_seconds() <= 3 * 3600
    assert "Arrêter et effacer ma position" in client.get(PAGE).content.decode()

    assert client.post(NEAR_ME, {"stop": "1"}).status_code == 302
    assert not FollowedPlace.objects.filter(user=person).exists()


def test_near_me_longer_than_the_commune_allows_is_refused(person, town):
    town.commune.near_me_max_hours = 4
    town.commune.save()

    response = resident_client(person).post(NEAR_ME, {"lon": "5.005", "lat": "43.01", "radius_m": "500", "hours": "5"})

    assert response.status_code == 400
    assert not FollowedPlace.objects.exists()


def test_without_a_position_near_me_says_why(person):
    response = resident_client(person).post(NEAR_ME, {"radius_m": "500", "hours": "3"})

    assert response.status_code == 400
    assert "Votre position n&#x27;a pas pu être lue" in response.content.decode()


def test_somebody_else_s_place_is_not_found_and_unverified_people_cannot_follow(person, town):
    other = resident_at(town, 5.018)
    resident_client(other).post(ADD, place())
    theirs = FollowedPlace.objects.get(user=other)
    client = resident_client(person)
    assert client.get(f"{PAGE}?modifier={theirs.id}").status_code == 404
    assert client.post(f"{PAGE}{theirs.id}/", place(label="à moi")).status_code == 404
    assert client.post(f"{PAGE}{theirs.id}/supprimer/").status_code == 404

    Residence.objects.filter(user=person).update(status=Residence.Status.PENDING)
    assert client.post(ADD, place()).status_code == 403
    assert "réservé aux habitants dont le domicile est vérifié" in client.get(PAGE).content.decode()


def test_the_page_reads_in_english(person):
    page = resident_client(person).get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Followed places" in page
    assert "Turn on “near me”" in page
    assert "you may follow 2 places" in page
