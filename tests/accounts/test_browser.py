"""The resident's onboarding pages in a real browser (Debian's chromium)."""

import pytest
from django.contrib.gis.geos import Point

from accounts.models import ProofOfResidence, Residence
from accounts.selectors import charter_current
from accounts.services import charter_accept
from tests.accounts.conftest import PDF, resident
from tests.auth import resident_client
from tests.factories import UserFactory, make_commune

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, user) -> None:
    """The browser carries the session of `user`, logged in through Django's test client."""
    client = resident_client(user)
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
    page.context.add_cookies([cookie])


def test_a_new_resident_sends_a_pdf_proof_from_the_page(browser_page, live_server, private_storage, tmp_path):
    commune = make_commune(adopted_on="2025-01-01")
    applicant = resident(commune, Point(5.01, 43.01, srid=4326), status=Residence.Status.PENDING)
    log_in(browser_page, live_server, applicant)
    scan = tmp_path / "facture.pdf"
    scan.write_bytes(PDF)

    browser_page.goto(f"{live_server.url}/compte/justificatif/")
    browser_page.set_input_files('input[type="file"]', str(scan))
    with browser_page.expect_navigation():
        browser_page.get_by_role("button", name="Envoyer").click()

    assert "Justificatif reçu" in browser_page.content()
    proof = ProofOfResidence.objects.get(residence__user=applicant)
    assert (proof.content_type, proof.outcome) == ("application/pdf", "")


def test_a_newcomer_places_their_home_on_a_map_of_the_communes_that_joined(browser_page, live_server, settings):
    settings.MAPS_TILE_URL = f"{live_server.url}/tuiles/{{z}}/{{x}}/{{y}}.png"
    joined = make_commune(adopted_on="2025-01-01")
    make_commune(code="99007", name="Pas encore", bounds=(7.0, 45.0, 7.1, 45.1))  # not joined: not shown
    newcomer = UserFactory()
    charter_accept(user=newcomer, charter=charter_current())
    log_in(browser_page, live_server, newcomer)

    browser_page.goto(f"{live_server.url}/compte/domicile/")

    tiles = browser_page.eval_on_selector_all(".leaflet-tile-pane img", "tiles => tiles.map(tile => tile.src)")
    assert tiles and all(src.startswith(f"{live_server.url}/tuiles/") for src in tiles)
    assert browser_page.locator("#home-map .leaflet-overlay-pane path").count() == 1
    map_box = browser_page.locator("#home-map").bounding_box()
    outline = browser_page.locator("#home-map .leaflet-overlay-pane path").first.bounding_box()
    assert max(outline["width"] / map_box["width"], outline["height"] / map_box["height"]) > 0.5
    assert browser_page.locator("#home-commune option").all_inner_texts()[1:] == [joined.name]

    browser_page.locator("#home-map").scroll_into_view_if_needed()
    outline = browser_page.locator("#home-map .leaflet-overlay-pane path").first.bounding_box()
    browser_page.mouse.click(outline["x"] + outline["width"] / 2, outline["y"] + outline["height"] / 2)
    browser_page.fill("#id_address", "1 place de la Mairie")
    with browser_page.expect_navigation():
        browser_page.get_by_role("button", name="Enregistrer").click()

    residence = Residence.objects.get(user=newcomer)
    assert residence.commune == joined and residence.status == Residence.Status.PENDING


def test_with_many_joined_communes_the_home_map_loads_those_in_view(browser_page, live_server, settings):
    """Past ACCOUNTS_HOME_MAP_EMBEDDED_COMMUNES the page carries no outline: zoomed in, the map asks
    the geography API for the joined communes in view."""
    settings.ACCOUNTS_HOME_MAP_EMBEDDED_COMMUNES = 0
    settings.MAPS_TILE_URL = f"{live_server.url}/tuiles/{{z}}/{{x}}/{{y}}.png"
    joined = make_commune(adopted_on="2025-01-01")
    make_commune(code="99008", name="Pas encore", bounds=(5.02, 43.0, 5.04, 43.02))  # next door, not joined
    newcomer = UserFactory()
    charter_accept(user=newcomer, charter=charter_current())
    log_in(browser_page, live_server, newcomer)
    browser_page.goto(f"{live_server.url}/compte/domicile/")
    assert browser_page.locator("#home-map .leaflet-overlay-pane path").count() == 0
    assert not browser_page.locator("#home-commune").is_visible()

    with browser_page.expect_response(lambda response: "/api/communes/" in response.url) as answer:
        browser_page.fill("#id_lon", "5,01")
        browser_page.fill("#id_lat", "43,01")
        browser_page.locator("#id_lat").dispatch_event("change")

    assert "joined=true" in answer.value.url and answer.value.ok
    browser_page.wait_for_function(
        "() => document.querySelectorAll('#home-map .leaflet-overlay-pane path').length === 1"
    )
    with browser_page.expect_navigation():
        browser_page.fill("#id_address", "1 place de la Mairie")
        browser_page.get_by_role("button", name="Enregistrer").click()
    assert Residence.objects.get(user=newcomer).commune == joined
