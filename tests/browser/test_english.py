"""The police live map for an English-speaking agent: every sentence the script writes, and the
dates, in English."""

import re

import pytest
from django.contrib.gis.geos import Point

from tests.auth import staff_client
from tests.browser.test_maps import marker_shown_js, publish_committed
from tests.maps.live.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("categories")]

FRENCH = ["Direct", "alerte(s)", "Nouvelle alerte", "Cambriolage", "Enregistré", "Prendre en compte", "Confiée", " à "]


def test_an_english_agent_reads_the_live_map_in_english(open_page, server):
    world = build_world()
    page = open_page(staff_client(world.agent), locale="en-GB")
    page.goto(f"{server.url}/carte/police/")
    page.wait_for_function("() => window.vigieLive && window.vigieLive.state === 'open'")

    assert page.locator("#live-status").inner_text() == "Live"
    alert, _event = publish_committed(world, location=Point(5.015, 43.012, srid=4326))
    page.wait_for_function(marker_shown_js(alert.id))

    row = page.locator(f'tr[data-alert-id="{alert.id}"]')
    assert row.locator(".category").inner_text() == "Burglary"
    # The English short date and time, as the server writes it (config/formats/en): "30 Nov 2026, 14:05"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", row.locator(".published").inner_text())
    assert page.locator("#live-announcer").inner_text() == "New alert: Burglary in Testville"
    assert page.locator("#filter-count").inner_text() == "1 of 1 alert(s) shown"

    row.locator(".move-acknowledged").click()
    page.wait_for_function("() => document.getElementById('action-message').textContent !== ''")
    assert page.locator("#action-message").inner_text().startswith("Saved. Follow-up: ")

    page.evaluate(f"window.vigieLive.alerts.get({alert.id}).marker.openPopup()")
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "Intervention in progress" in popup and "Close" in popup

    page.evaluate("window.vigieLive.disconnect()")
    assert page.locator("#live-status").inner_text() == "Live feed cut"
    body = page.locator("body").inner_text()
    assert [word for word in FRENCH if word in body] == []
