"""The pages in a real browser (Debian's chromium): the moderation queue works with the keyboard
alone, and the posting map fills the coordinates."""

import json

import pytest
from django.contrib.gis.geos import Point
from django.test import override_settings

from accounts.models import Role
from alerts.models import Alert
from delivery.models import Broadcast
from tests.alerts.conftest import staff
from tests.auth import resident_client, staff_client
from tests.factories import make_alert

pytestmark = pytest.mark.django_db(transaction=True)


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
    assert f"Alerte n° {alert.pk} publiée." in browser_page.content()
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


def tiles_requested(page) -> list[str]:
    return page.eval_on_selector_all(".leaflet-tile-pane img", "tiles => tiles.map(tile => tile.src)")


def outline_share_of_map(page, map_selector: str) -> float:
    """How much of the map's width or height the drawn outline fills: near 1 once the map fits it."""
    box = page.locator(map_selector).bounding_box()
    outline = page.locator(f"{map_selector} .leaflet-overlay-pane path").first.bounding_box()
    return max(outline["width"] / box["width"], outline["height"] / box["height"])


@pytest.fixture
def mayor(commune):
    return staff(Role.Kind.MAYOR, commune=commune)


def test_the_mayor_draws_the_area_of_a_message_on_a_map_of_the_commune(
    browser_page, live_server, settings, mayor, commune, resident
):
    settings.MAPS_TILE_URL = f"{live_server.url}/tuiles/{{z}}/{{x}}/{{y}}.png"
    log_in(browser_page, live_server, staff_client(mayor))
    browser_page.goto(f"{live_server.url}/mairie/messages/")

    # The only commune the mayor staffs is already chosen; the GeoJSON box is for pages without JavaScript.
    assert browser_page.input_value("#id_commune") == str(commune.pk)
    assert not browser_page.is_visible("#id_area")
    assert not browser_page.is_visible("#area-map")  # the whole commune is the first choice
    browser_page.select_option("#id_target", "area")
    assert browser_page.is_visible("#area-map") and not browser_page.is_visible("#field-neighbourhoods")
    assert tiles_requested(browser_page) and all(
        src.startswith(f"{live_server.url}/tuiles/") for src in tiles_requested(browser_page)
    )
    assert outline_share_of_map(browser_page, "#area-map") > 0.5

    browser_page.locator("#area-map").scroll_into_view_if_needed()
    outline = browser_page.locator("#area-map .leaflet-overlay-pane path").first.bounding_box()
    for fx, fy in ((0.3, 0.3), (0.7, 0.3), (0.5, 0.8)):
        browser_page.mouse.click(outline["x"] + outline["width"] * fx, outline["y"] + outline["height"] * fy)
    area = json.loads(browser_page.input_value("#id_area"))
    assert area["type"] == "Polygon" and len(area["coordinates"][0]) == 4
    assert "3 points" in browser_page.inner_text("#area-status")

    browser_page.fill("#id_title", "Travaux rue Haute")
    browser_page.fill("#id_body", "La rue Haute est fermée demain.")
    with browser_page.expect_navigation():
        browser_page.get_by_role("button", name="Prévisualiser avant envoi").click()
    assert "Aperçu avant envoi" in browser_page.inner_text("#broadcast-preview")
    assert "La rue Haute est fermée demain." in browser_page.inner_text("#broadcast-preview")
    with browser_page.expect_navigation():
        browser_page.get_by_role("button", name="Envoyer à 1 habitant").click()
    broadcast = Broadcast.objects.get()
    assert (broadcast.target, broadcast.recipients) == (Broadcast.Target.AREA, 1)  # the resident at the centre
    assert broadcast.area.covers(Point(5.01, 43.01, srid=4326))


@override_settings(MAPS_TILE_URL="")
def test_a_place_typed_with_decimal_commas_is_marked_where_it_is(browser_page, live_server, resident, commune):
    log_in(browser_page, live_server, resident_client(resident))
    browser_page.goto(f"{live_server.url}/alertes/nouvelle/")
    browser_page.fill("#id_lon", "5,01")
    browser_page.fill("#id_lat", "43,01")
    with browser_page.expect_navigation():  # sent back: no category nor description
        browser_page.get_by_role("button", name="Envoyer à la modération").click()

    assert browser_page.input_value("#id_lon") == "5,01"
    outline = browser_page.locator("#carte-lieu .leaflet-overlay-pane path").first.bounding_box()
    marker = browser_page.locator("#carte-lieu .leaflet-marker-icon").bounding_box()
    # The marker's tip is at the bottom centre of its icon; 5,01 / 43,01 is the commune's centre.
    tip_x, tip_y = marker["x"] + marker["width"] / 2, marker["y"] + marker["height"]
    assert abs(tip_x - (outline["x"] + outline["width"] / 2)) < outline["width"] * 0.1
    assert abs(tip_y - (outline["y"] + outline["height"] / 2)) < outline["height"] * 0.1
