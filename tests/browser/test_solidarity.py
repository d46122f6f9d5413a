""" "Je peux aider" on a 390x844 phone: the neighbour offers on the request page, the author accepts
on theirs and lands in the conversation. One page load each."""

import pytest
from django.contrib.gis.geos import Point

from solidarity.models import SolidarityOffer
from solidarity.services import RequestInput, solidarity_request_moderate, solidarity_request_post
from tests.accounts.conftest import resident, world  # noqa: F401 - the access tests' world
from tests.auth import resident_client
from tests.browser.conftest import screenshot
from tests.browser.test_phone_pages import MIN_TARGET_PX, PHONE, PHONE_CHECKS_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_neighbour_offers_help_and_the_author_accepts_on_a_phone(world, open_page, server):  # noqa: F811
    author = world.people["resident_a"]
    helper = resident(world.commune_a, Point(5.006, 43.016, srid=4326), display_name="Camille Martin")
    data = RequestInput(kind="check_on", person="elderly_alone", reason="heatwave", details="Sonner deux fois.")
    request = solidarity_request_post(author=author, residence=author.residence, data=data)
    solidarity_request_moderate(request=request, moderator=world.people["moderator_a"], action="publish")

    offering = open_page(resident_client(helper), viewport=PHONE, has_touch=True, is_mobile=True)
    offering.goto(f"{server.url}/entraide/{request.pk}/")
    assert offering.evaluate(PHONE_CHECKS_JS, [MIN_TARGET_PX, False]) == []
    assert "Sonner deux fois" not in offering.content()
    offering.fill("#id_note", "Je passe ce soir.")
    offering.get_by_role("button", name="Je peux aider").click()
    offering.locator("#offer-waiting").wait_for()
    screenshot(offering, "solidarity-offered-phone")

    answering = open_page(resident_client(author), viewport=PHONE, has_touch=True, is_mobile=True)
    answering.goto(f"{server.url}/entraide/{request.pk}/")
    assert answering.locator("#offers").inner_text().startswith("Camille")
    assert answering.evaluate(PHONE_CHECKS_JS, [MIN_TARGET_PX, False]) == []
    answering.get_by_role("button", name="Accepter et échanger").click()
    answering.locator("#thread").wait_for()

    assert "Conversation avec Camille" in answering.locator("h1").inner_text()
    assert answering.evaluate(PHONE_CHECKS_JS, [MIN_TARGET_PX, False]) == []
    assert SolidarityOffer.objects.get().status == SolidarityOffer.Status.ACCEPTED
    screenshot(answering, "solidarity-conversation-phone")
