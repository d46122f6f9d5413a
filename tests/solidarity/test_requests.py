"""Posting, moderation, "je peux aider", the conversation and expiry, through the pages, as the
residents and moderators of the access tests' world."""

import datetime as dt

import pytest
from django.utils import timezone

from solidarity.models import CommuneSolidarityRules, SolidarityEvent, SolidarityOffer, SolidarityRequest
from tests.auth import resident_client, staff_client

pytestmark = pytest.mark.django_db
CHECK_ON = {"person": "elderly_alone", "reason": "heatwave", "details": "Au 2e étage, sonner deux fois."}


def post(client, slug: str, data: dict) -> SolidarityRequest:
    response = client.post(f"/entraide/nouvelle/{slug}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return SolidarityRequest.objects.latest("id")


def published(world, slug="prendre-des-nouvelles", data=CHECK_ON) -> SolidarityRequest:
    request = post(resident_client(world.people["resident_a"]), slug, data)
    moderator = staff_client(world.people["moderator_a"])
    assert moderator.post(f"/moderation/entraide/{request.pk}/publier/").status_code == 302
    request.refresh_from_db()
    assert request.status == SolidarityRequest.Status.PUBLISHED
    return request


def test_a_request_waits_for_a_moderator_and_only_neighbours_see_it_once_published(world, neighbours):
    request = post(resident_client(world.people["resident_a"]), "prendre-des-nouvelles", CHECK_ON)
    helper = resident_client(neighbours["helper"])
    assert request.status == SolidarityRequest.Status.PENDING and request.neighbourhood == world.north_a
    assert helper.get(f"/entraide/{request.pk}/").status_code == 404
    queue = staff_client(world.people["moderator_a"]).get("/moderation/entraide/").content.decode()
    assert "une personne âgée seule" in queue
    assert (
        "une personne âgée seule"
        not in staff_client(world.people["moderator_b"]).get("/moderation/entraide/").content.decode()
    )
    assert (
        staff_client(world.people["moderator_b"]).post(f"/moderation/entraide/{request.pk}/publier/").status_code
        == 404
    )

    staff_client(world.people["moderator_a"]).post(f"/moderation/entraide/{request.pk}/publier/")

    assert f"/entraide/{request.pk}/" in helper.get("/entraide/").content.decode()
    assert helper.get(f"/entraide/{request.pk}/").status_code == 200
    # Sud is another neighbourhood, B another commune, an unverified home no one's neighbour.
    assert resident_client(neighbours["south"]).get(f"/entraide/{request.pk}/").status_code == 404
    assert resident_client(world.people["resident_b"]).get(f"/entraide/{request.pk}/").status_code == 404
    assert resident_client(world.people["unverified"]).get(f"/entraide/{request.pk}/").status_code == 403


def test_two_neighbours_are_put_in_touch_only_after_both_agree(world, neighbours):
    asker_user, helper_user = world.people["resident_a"], neighbours["helper"]
    asker_user.display_name = "Louise Bernard"
    asker_user.save()
    request = published(world)
    asker, helper, other = (
        resident_client(asker_user),
        resident_client(helper_user),
        resident_client(neighbours["other"]),
    )

    # Before the offer the helper reads the request but not its private details, nor anything of the author.
    page = helper.get(f"/entraide/{request.pk}/").content.decode()
    assert "une personne âgée seule" in page and "sonner deux fois" not in page
    assert asker_user.email not in page and "Louise" not in page and "1 rue de l&#x27;Exemple" not in page
    assert helper.post(f"/entraide/{request.pk}/je-peux-aider/", {"note": "Je passe ce soir."}).status_code == 302
    offer = SolidarityOffer.objects.get(request=request, helper=helper_user)

    # The author sees the helper's first name and note, nothing else; no conversation is open yet.
    page = asker.get(f"/entraide/{request.pk}/").content.decode()
    assert "Camille" in page and "Je passe ce soir." in page
    assert "Martin" not in page and helper_user.email not in page
    for client in (asker, helper):
        assert client.get(f"/entraide/conversations/{offer.pk}/").status_code == 404
    assert helper.post(f"/entraide/propositions/{offer.pk}/accepter/").status_code == 404  # only the author answers

    assert asker.post(f"/entraide/propositions/{offer.pk}/accepter/").status_code == 302

    assert helper.post(f"/entraide/conversations/{offer.pk}/", {"body": "Je viens à 19 h."}).status_code == 302
    # Each sees the other's first name and the messages; no email address, surname or home (the page
    # header shows only the reader's own name).
    for client, other_user in ((asker, helper_user), (helper, asker_user)):
        thread = client.get(f"/entraide/conversations/{offer.pk}/").content.decode()
        assert "Je viens à 19 h." in thread and "sonner deux fois" in thread
        first, surname = other_user.display_name.split()
        assert other_user.email not in thread and surname not in thread and first in thread
        assert "1 rue de l&#x27;Exemple" not in thread
    assert other.get(f"/entraide/conversations/{offer.pk}/").status_code == 404
    assert other.post(f"/entraide/conversations/{offer.pk}/", {"body": "Moi aussi"}).status_code == 404
    assert asker.post(f"/entraide/{request.pk}/resolue/").status_code == 302
    request.refresh_from_db()
    assert request.status == SolidarityRequest.Status.RESOLVED
    assert f"/entraide/{request.pk}/" not in other.get("/entraide/").content.decode()
    trail = list(SolidarityEvent.objects.filter(request=request).values_list("action", "actor"))
    assert trail == [
        ("posted", asker_user.pk),
        ("published", world.people["moderator_a"].pk),
        ("offered", helper_user.pk),
        ("accepted", asker_user.pk),
        ("resolved", asker_user.pk),
    ]


def test_a_declined_offer_opens_nothing(world, neighbours):
    request = published(world, "animal-perdu", {"species": "cat", "what": "Chat roux", "place": "parc du Nord"})
    helper = resident_client(neighbours["helper"])
    helper.post(f"/entraide/{request.pk}/je-peux-aider/")
    offer = SolidarityOffer.objects.get()
    assert helper.post(f"/entraide/{request.pk}/je-peux-aider/").status_code == 302  # a second offer is refused
    assert SolidarityOffer.objects.count() == 1

    resident_client(world.people["resident_a"]).post(f"/entraide/propositions/{offer.pk}/decliner/")

    assert helper.get(f"/entraide/conversations/{offer.pk}/").status_code == 404
    assert "décliné" in helper.get(f"/entraide/{request.pk}/").content.decode()


def test_each_kind_asks_its_own_fields_and_refuses_a_missing_one_clearly(world):
    client = resident_client(world.people["resident_a"])
    response = client.post("/entraide/nouvelle/animal-perdu/", {"species": "dog", "what": "Labrador"})
    assert response.status_code == 400 and "Ce champ est obligatoire" in response.content.decode()
    form = client.get("/entraide/nouvelle/prendre-des-nouvelles/").content.decode()
    assert 'name="person"' in form and 'name="species"' not in form and 'name="place"' not in form
    assert client.get("/entraide/nouvelle/pas-un-type/").status_code == 404
    assert SolidarityRequest.objects.count() == 0


def test_expired_requests_leave_the_lists_and_take_no_more_offers(world, neighbours):
    request = published(world, "coup-de-main", {"what": "Porter des courses", "when": "samedi"})
    assert request.expires_at - request.published_at == dt.timedelta(days=7)
    check_on = published(world)
    assert check_on.expires_at - check_on.published_at == dt.timedelta(hours=48)
    helper = resident_client(neighbours["helper"])
    SolidarityRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    listing = helper.get("/entraide/").content.decode()
    assert f"/entraide/{request.pk}/" not in listing and f"/entraide/{check_on.pk}/" in listing
    assert helper.get(f"/entraide/{request.pk}/").status_code == 404
    assert helper.post(f"/entraide/{request.pk}/je-peux-aider/").status_code == 404
    assert SolidarityOffer.objects.count() == 0


def test_light_moderation_publishes_plain_requests_at_once_but_never_a_check_on(world):
    CommuneSolidarityRules.objects.create(commune=world.commune_a, light_moderation=True)
    client = resident_client(world.people["resident_a"])

    plain = post(client, "coup-de-main", {"what": "Monter une armoire", "when": "dimanche matin"})
    with_phone = post(client, "coup-de-main", {"what": "Appelez-moi au 06 12 34 56 78"})
    check_on = post(client, "prendre-des-nouvelles", CHECK_ON)

    assert plain.status == SolidarityRequest.Status.PUBLISHED
    assert with_phone.status == SolidarityRequest.Status.PENDING
    assert check_on.status == SolidarityRequest.Status.PENDING


def test_a_moderator_can_withdraw_a_published_request_and_decisions_are_not_replayed(world, neighbours):
    request = published(world, "coup-de-main", {"what": "Tondre la pelouse"})
    moderator = staff_client(world.people["moderator_a"])
    assert "Tondre la pelouse" in moderator.get("/moderation/entraide/").content.decode().split('id="published"')[1]

    moderator.post(f"/moderation/entraide/{request.pk}/retirer/", {"note": "annonce commerciale"})
    moderator.post(f"/moderation/entraide/{request.pk}/publier/")

    request.refresh_from_db()
    assert request.status == SolidarityRequest.Status.WITHDRAWN
    assert resident_client(neighbours["helper"]).get(f"/entraide/{request.pk}/").status_code == 404
    assert moderator.post(f"/moderation/entraide/{request.pk}/effacer/").status_code == 404


def test_the_pages_speak_english_when_asked(world):
    client = resident_client(world.people["resident_a"])
    client.cookies["django_language"] = "en"

    assert "What would you like to do?" in client.get("/signaler/").content.decode()
    form = client.get("/entraide/nouvelle/animal-perdu/").content.decode()
    assert "Where was it last seen?" in form and "Lost animal" in form
