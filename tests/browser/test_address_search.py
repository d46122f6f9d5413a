"""Typing an address in real Chromium: the home form and the posting form suggest addresses from
the offline index while typing (misspelt and unaccented input tolerated), a suggestion is chosen
with the keyboard, and the point follows; the posting form says which address the point is near;
the town hall's drawing map recentres on a chosen address."""

import pytest

from addresses.importing import addresses_import
from addresses.national_format import NationalAddress, national_file_write
from tests.accounts.conftest import world  # noqa: F401 - the access tests' world
from tests.browser.conftest import screenshot
from tests.browser.test_phone_pages import AXE, AXE_RUN_JS, MIN_TARGET_PX, PHONE_CHECKS_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# The same street name in Alpha (99001, the resident's commune) and in Beta next door.
ECOLES_ALPHA = [
    NationalAddress("99001", "99100", "Alpha", "0100", "Rue des Écoles", n, "", 5.0100 + n * 1e-4, 43.0110)
    for n in range(1, 15)
]
ECOLES_BETA = [
    NationalAddress("99002", "99200", "Beta", "0100", "Rue des Écoles", n, "", 5.0300 + n * 1e-4, 43.0110)
    for n in range(1, 15)
]


def choose_with_keyboard(page, field, text: str) -> tuple[list[str], str]:
    """Types `text`, waits for the list, goes down to the first suggestion and presses Enter;
    returns the suggestions that were offered and what the live region announced of them."""
    field.click()
    field.press_sequentially(text)
    page.wait_for_function(f"() => document.getElementById('{field.get_attribute('id')}').ariaExpanded === 'true'")
    offered = page.locator('[role="option"]').all_inner_texts()
    # With the list open: no axe violation, nothing wider than the phone, options big enough to tap.
    page.evaluate(AXE.read_text())
    assert page.evaluate(AXE_RUN_JS) == []
    assert page.evaluate(PHONE_CHECKS_JS, [MIN_TARGET_PX, False]) == []
    assert min(box["height"] for box in (o.bounding_box() for o in page.locator('[role="option"]').all())) >= 44
    announced = page.locator('.address-search [role="status"]').text_content()
    field.press("ArrowDown")
    active = field.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    field.press("Enter")
    assert field.get_attribute("aria-expanded") == "false"
    return offered, announced


def test_an_address_typed_and_chosen_with_the_keyboard_places_the_home_and_the_alert(
    request, open_page, server, tmp_path
):
    path = tmp_path / "adresses-99.csv"
    national_file_write(path, [*ECOLES_ALPHA, *ECOLES_BETA])
    addresses_import(path=str(path), commit=True)
    client = request.getfixturevalue("world").client("resident_a")

    home = open_page(client, **PHONE)
    home.goto(f"{server.url}/compte/domicile/")
    address = home.locator("#id_address")
    assert address.get_attribute("role") == "combobox"
    address.fill("")
    offered, announced = choose_with_keyboard(home, address, "12 rue des ecole alpha")
    assert offered[0] == "12 Rue des Écoles, 99100 Alpha"
    assert announced.startswith(f"{len(offered)} adresse")
    assert address.input_value() == "12 Rue des Écoles, 99100 Alpha"
    assert (home.locator("#id_lon").input_value(), home.locator("#id_lat").input_value()) == ("5.011200", "43.011000")
    assert home.locator("#home-map .leaflet-marker-icon").count() == 1
    assert home.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    screenshot(home, "address-search-home")

    post = open_page(client, **PHONE)
    post.goto(f"{server.url}/alertes/nouvelle/")
    search = post.locator("#lieu-adresse")
    offered, _ = choose_with_keyboard(post, search, "7 rue des ecoles")
    assert offered and all(label.endswith("99100 Alpha") for label in offered)  # the resident's commune only
    post.wait_for_function("() => document.getElementById('lieu-pres').textContent.includes('près du')")
    assert post.locator("#lieu-pres").inner_text() == "Lieu : près du 7 rue des Écoles, Alpha"
    assert (post.locator("#id_lon").input_value(), post.locator("#id_lat").input_value()) == ("5.010700", "43.011000")
    assert post.locator("#carte-lieu .leaflet-marker-icon").count() == 1
    assert search.bounding_box()["height"] >= 44
    screenshot(post, "address-search-posting")

    # The town hall's drawing map: a chosen address recentres it, Enter never sends the message.
    hall = open_page(request.getfixturevalue("world").client("mayor_a"))
    hall.goto(f"{server.url}/mairie/messages/")
    hall.wait_for_function("() => !document.getElementById('area-drawing').hidden")
    hall.select_option("#id_target", "area")
    choose_with_keyboard(hall, hall.locator("#area-address"), "3 rue des ecoles alpha")
    # The pin's tip (bottom centre of its icon) comes to the middle of the map once it has moved.
    hall.wait_for_function(
        """() => {
            const pin = document.querySelector('#area-map .leaflet-marker-icon');
            if (!pin) return false;
            const box = pin.getBoundingClientRect();
            const frame = document.getElementById('area-map').getBoundingClientRect();
            return Math.abs(box.left + box.width / 2 - (frame.left + frame.width / 2)) < 3
                && Math.abs(box.bottom - (frame.top + frame.height / 2)) < 3;
        }"""
    )
    assert hall.locator("#area-map .leaflet-marker-icon").count() == 1
    assert hall.url.endswith("/mairie/messages/")
