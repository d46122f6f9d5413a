"""The dashboard in Chromium, as a mayor opens it: the whole commune in view, a legend per layer,
the adoption month on the charts, and no French label left on the English page."""

import pytest

from accounts.models import Role
from tests.alerts.test_browser import log_in
from tests.auth import staff_client
from tests.factories import UserFactory, make_role
from tests.maps.statistics.test_apis import history  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)

FRENCH_LEFT = (
    "Fond de carte",
    "Taux par zone",
    "Densité",
    "Points chauds",
    "En bref",
    "Méthode",
    "événements par mois",
)


def test_the_dashboard_shows_the_whole_commune_with_legends_and_the_adoption_mark(
    browser_page,
    live_server,
    settings,
    town,
    west,
    east,
    history,  # noqa: F811
):
    settings.MAPS_TILE_URL = f"{live_server.url}/tuiles/{{z}}/{{x}}/{{y}}.png"
    mayor = UserFactory()
    make_role(user=mayor, kind=Role.Kind.MAYOR, commune=town)
    log_in(browser_page, live_server, staff_client(mayor))
    browser_page.goto(f"{live_server.url}/statistiques/99001/?family=burglary")
    browser_page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path').length > 0")
    west_lon, south, east_lon, north = town.boundary.extent
    in_view = browser_page.evaluate(
        """([s, w, n, e]) => {
            const map = Object.values(window).find((v) => v && v._leaflet_id && v.getBounds && v.getZoom);
            return map.getBounds().contains(L.latLngBounds([s, w], [n, e]));
        }""",
        [south, west_lon, north, east_lon],
    )
    assert in_view
    overlays = browser_page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    legends = browser_page.locator("#legends figure").evaluate_all("els => els.map((e) => e.dataset.layer)")
    assert set(legends) <= {o.strip() for o in overlays} and "Taux par zone (pour 1 000 par an)" in legends
    assert all(o.strip() in legends for o in overlays if o.strip() != "Noms des zones")  # every drawn layer
    assert browser_page.locator("svg.series .adoption").count() >= 1
    assert browser_page.locator(".zone-name").filter(has_text="Ouest").count() == 1

    browser_page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    browser_page.goto(f"{live_server.url}/statistiques/99001/?family=burglary")
    text = browser_page.inner_text("body")
    for french in FRENCH_LEFT:
        assert french not in text, french
    assert "Rate by zone (per 1,000 a year)" in text and "Base map" in text


def test_a_filter_change_swaps_the_parts_without_reloading_the_page(
    browser_page,
    live_server,
    settings,
    town,
    west,
    east,
    history,  # noqa: F811
):
    settings.MAPS_TILE_URL = f"{live_server.url}/tuiles/{{z}}/{{x}}/{{y}}.png"
    mayor = UserFactory()
    make_role(user=mayor, kind=Role.Kind.MAYOR, commune=town)
    log_in(browser_page, live_server, staff_client(mayor))
    browser_page.goto(f"{live_server.url}/statistiques/99001/?family=burglary&from=2025-01")
    browser_page.wait_for_function("() => performance.getEntriesByName('statistics-map-drawn').length === 1")
    assert "2025-01" in browser_page.inner_text("[data-part=head]")
    browser_page.evaluate("() => { window.sameDocument = true; }")

    browser_page.select_option("#dashboard-filters select[name=from]", "2024-01")
    browser_page.wait_for_function(
        """() => document.querySelector('[data-part=head]').innerText.includes('2024-12')
                 && !document.getElementById('dashboard-filters').hasAttribute('aria-busy')
                 && document.querySelectorAll('.leaflet-overlay-pane path').length > 0"""
    )
    state = browser_page.evaluate(
        """() => ({
            same: window.sameDocument === true,
            url: location.search,
            maps: document.querySelectorAll('.leaflet-container').length,
            csv: document.querySelector('a[href*="csv"]').getAttribute('href'),
            report: document.querySelector('#council-report input[name=from]').value,
            legends: document.querySelectorAll('#legends figure').length,
            names: document.querySelectorAll('.zone-name').length,
        })"""
    )
    assert state["same"], "the page was reloaded"
    assert "from=2024-01" in state["url"] and "from=2024-01" in state["csv"] and state["report"] == "2024-01"
    assert state["maps"] == 1 and state["legends"] >= 1 and state["names"] >= 2

    browser_page.go_back()
    browser_page.wait_for_function(
        """() => document.querySelector('[data-part=head]').innerText.includes('2025-12')
                 && !document.getElementById('dashboard-filters').hasAttribute('aria-busy')"""
    )
    assert browser_page.evaluate("() => window.sameDocument === true")
    assert browser_page.input_value("#dashboard-filters select[name=from]") == "2025-01"
