"""The pages in a real browser (Debian's chromium): the moderation queue works with the keyboard
alone, and the posting map fills the coordinates."""

import pytest
from django.contrib.gis.geos import Point
from django.db import connections
from django.test import override_settings

from alerts.models import Alert
from tests.auth import resident_client, staff_client
from tests.factories import make_alert

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            # A French browser, as the product's users have: the interface follows Accept-Language.
            yield browser.new_page(locale="fr-FR")
        finally:
            browser.close()
            # While the loop runs, Django keeps the ORM's connection in the loop's context, apart from
            # the test's own: close it here, or the test database cannot be dropped at the end.
            connections.close_all()


def log_in(page, live_server, client):
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_a_moderator_publishes_with_the_keyboard_alone(
    browser_page, live_server, moderator, commune, publication_calls
):
    alert = make_alert(
        commune=commune, location=Point(5.01, 43.01, srid=4326), description="Tags sur le mur du stade."
    )
    log_in(browser_page, live_server, staff_client(moderator))
    browser_page.goto(f"{live_server.url}/moderation/")
    # The site navigation comes before the queue.
    for _ in range(60):
        browser_page.keyboard.press("Tab")
        if browser_page.evaluate("document.activeElement.textContent.trim()") == "Publier":
            break
    else:
        pytest.fail("the publish button is not reachable with Tab")
    with browser_page.expect_navigation():
        browser_page.keyboard.press("Enter")
    assert "c'est fait" in browser_page.content()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.PUBLISHED
    assert publication_calls["published"] == [alert.pk]


@override_settings(MAPS_TILE_URL="")
def test_clicking_the_map_fills_the_coordinates(browser_page, live_server, resident, commune):
    log_in(browser_page, live_server, resident_client(resident))
    browser_page.goto(f"{live_server.url}/alertes/nouvelle/")
    assert browser_page.is_visible("#carte-lieu")
    browser_page.locator("#carte-lieu").click()  # scrolled into view, clicked in its centre
    lon = float(browser_page.input_value("#id_lon"))
    lat = float(browser_page.input_value("#id_lat"))
    assert 5.0 < lon < 5.02 and 43.0 < lat < 43.02
