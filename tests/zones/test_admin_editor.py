"""The admin boundary editor in a real browser: Leaflet from our own static files, a polygon drawn
with the mouse, saved through the same checks as an import."""

import pytest
from playwright.sync_api import sync_playwright

from tests.auth import staff_client
from tests.browser.conftest import BROWSER_TIMEOUT_MS
from tests.factories import make_commune
from zones.models import Zone


@pytest.fixture
def browser_page(live_server, admin_user, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are
    # still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    cookie = staff_client(admin_user).cookies["sessionid"].value
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        context = browser.new_context()
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        outside_requests = []
        page.on("request", lambda r: outside_requests.append(r.url) if not r.url.startswith(live_server.url) else None)
        context.route("https://**/*", lambda route: route.abort())  # no tiles, no CDN: must still work
        yield page, outside_requests
        browser.close()


@pytest.mark.django_db(transaction=True)
def test_a_neighbourhood_drawn_on_the_map_is_saved_and_clipped(browser_page, live_server, settings):
    settings.MAPS_TILE_URL = ""
    page, outside_requests = browser_page
    # With no boundary yet the map shows all of France; the commune lies inside the drawn square.
    commune = make_commune(code="99001", name="Testville", bounds=(2.0, 46.0, 2.5, 46.2))

    page.goto(f"{live_server.url}/admin/zones/zone/add/")
    page.select_option("select[name=kind]", "neighbourhood")
    add_option = "id => document.querySelector('select[name=commune]').add(new Option('Testville', id, true, true))"
    page.evaluate(add_option, str(commune.id))
    page.fill("input[name=name]", "Dessiné")
    page.click("button[data-action=draw]")
    map_box = page.locator(".boundary-editor-map").bounding_box()
    for fx, fy in ((0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8)):
        page.mouse.click(map_box["x"] + map_box["width"] * fx, map_box["y"] + map_box["height"] * fy)
    page.click("button[data-action=finish]")
    assert '"MultiPolygon"' in page.input_value("textarea[name=boundary]")
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/zones/zone/")

    zone = Zone.objects.get(name="Dessiné")
    assert zone.commune == commune and len(zone.boundary[0].exterior_ring) == 5
    assert zone.boundary.extent == pytest.approx((2.0, 46.0, 2.5, 46.2))  # clipped to the commune
    assert not [url for url in outside_requests if "leaflet" in url or "openlayers" in url or "ol@" in url]
