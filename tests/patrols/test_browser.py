"""On the phone (390 x 844), in real Chromium against the real server: a resident declares an
absence; the agent opens the day's round, records the visit from the phone's position (the resident
gets a notice of passage), then closes an alert from the live map's popup with its outcome."""

import datetime

import pytest
from django.utils import timezone

from alerts.models import Alert
from delivery.models import Delivery
from patrols.models import Absence
from tests.auth import resident_client, staff_client
from tests.browser.conftest import BROWSER_TIMEOUT_MS, screenshot
from tests.browser.test_maps import marker_shown_js, publish_committed
from tests.maps.live.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("categories")]

PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def phone_page(chromium, server, client, **options):
    context = chromium.new_context(locale="fr-FR", viewport=PHONE, **options)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    context.add_cookies(
        [{"name": name, "value": morsel.value, "url": server.url} for name, morsel in client.cookies.items()]
    )
    return context, context.new_page()


def test_declare_patrol_visit_and_close_an_alert_from_the_phone(chromium, server):
    world = build_world()
    home = world.resident.residence.home
    today = timezone.localdate()

    # The resident declares from the phone.
    context, page = phone_page(chromium, server, resident_client(world.resident))
    page.goto(f"{server.url}/tranquillite-vacances/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_ends_on", (today + datetime.timedelta(days=7)).isoformat())
    page.fill("#id_contact_phone", "0611223344")
    page.click(".absence-form button[type=submit]")
    page.wait_for_selector(".absence-item")
    screenshot(page, "absence-declared-phone")
    context.close()
    absence = Absence.objects.get(resident=world.resident)

    # The agent, at the door: the phone says it is 8 m from the home.
    alert, _event = publish_committed(world)
    where = {"longitude": home.x + 0.0001, "latitude": home.y}
    context, page = phone_page(
        chromium, server, staff_client(world.agent), geolocation=where, permissions=["geolocation"]
    )
    page.goto(f"{server.url}/patrouille/")
    stop = page.locator(f'.round-stop[data-absence-id="{absence.id}"]')
    assert stop.locator(".stop-rank").inner_text() == "1"
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    stop.locator(".record-visit").click()
    stop.locator(".stop-visited").wait_for(state="visible")
    assert "avis de passage" in stop.locator(".visit-message").inner_text()
    screenshot(page, "patrol-round-phone")
    assert Delivery.objects.filter(kind=Delivery.Kind.PATROL_VISIT, recipient=world.resident).count() == 1

    # Then closes an alert from the map's popup, with its outcome, first time.
    page.goto(f"{server.url}/carte/police/")
    page.wait_for_function(marker_shown_js(alert.id))
    page.locator("#map").evaluate("element => element.scrollIntoView()")  # the agent scrolls to the map
    page.evaluate(f"window.vigieLive.alerts.get({alert.id}).marker.openPopup()")
    popup = page.locator(".leaflet-popup-content")
    popup.locator(".move-closed").click()
    popup.locator(".close-form .outcome").fill("Voisin prévenu, porte sécurisée.")
    popup.locator(".confirm-close").click()
    page.wait_for_function("() => document.getElementById('action-message').textContent.startsWith('Enregistré')")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, "alert-closed-from-popup-phone")
    alert.refresh_from_db()
    assert (alert.follow_up, alert.follow_up_outcome) == (Alert.FollowUp.CLOSED, "Voisin prévenu, porte sécurisée.")
    assert popup.locator(".move").count() == 0  # nothing left to offer on a closed alert
    context.close()
