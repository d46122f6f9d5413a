"""Following a place and "près de moi" on a 390x844 phone, in Chromium against the real server:
a tap on the map chooses the centre, the phone's position turns "près de moi" on, and stopping it
deletes the position."""

import pytest

from delivery.models import FollowedPlace
from tests.accounts.conftest import world  # noqa: F401 - the access tests' world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_a_resident_follows_a_place_and_turns_near_me_on_and_off_on_a_phone(server, open_page, world):  # noqa: F811
    resident = world.people["resident_a"]
    page = open_page(
        world.client("resident_a"),
        permissions=["geolocation"],
        geolocation={"latitude": 43.0123, "longitude": 5.0111},
        **PHONE,
    )
    page.goto(f"{server.url}/preferences/lieux-suivis/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    map_box = page.locator("#place-map").bounding_box()
    assert map_box["y"] < 844 and map_box["width"] <= 390

    page.locator("#place-map").tap(position={"x": map_box["width"] / 2, "y": map_box["height"] / 2})
    page.wait_for_function("() => document.getElementById('id_lon').value !== ''")
    assert page.locator("#place-map path.leaflet-interactive, #place-map path").count() >= 1
    page.locator("#id_label").fill("Rue de ma mère")
    page.locator("#id_radius_m").select_option("200")
    page.locator("#place-form button[type=submit]").tap()
    page.wait_for_selector("#followed-places")
    assert "Rue de ma mère" in page.locator("#followed-places").inner_text()
    place = FollowedPlace.objects.get(user=resident, kind="place")
    assert (place.radius_m, place.commune_id) == (200, world.commune_a.id)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    page.locator("#near-me-start").tap()
    page.wait_for_selector("#near-me-on")
    near_me = FollowedPlace.objects.get(user=resident, kind="near_me")
    assert (round(near_me.centre.x, 4), round(near_me.centre.y, 4)) == (5.0111, 43.0123)

    page.locator("#near-me button[name=stop]").tap()
    page.wait_for_selector("#near-me-start")
    assert not FollowedPlace.objects.filter(user=resident, kind="near_me").exists()
