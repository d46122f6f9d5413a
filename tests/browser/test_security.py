"""In Chromium: every page runs under a Content-Security-Policy with a nonce and raises no
violation, and labels an admin typed (category labels, zone names) are shown as text on every map,
never run."""

import re
from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction

from accounts.models import Role
from alerts.models import AlertCategory
from tests.auth import resident_client, staff_client
from tests.browser.test_maps import publish_committed
from tests.factories import UserFactory, make_role
from tests.maps.live.world import build_world
from zones.models import Zone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("categories")]

# A backtick and ${...} break out of a JavaScript template string; <img onerror> runs if read as HTML.
HOSTILE = 'Q`${window.__pwned = 1}` <img src=x onerror="window.__pwned = 2"> `+(window.__pwned = 3)+`'

WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__csp.push(event.violatedDirective + " " + event.blockedURI + " " + (event.sample || ""));
});
"""

# Every tooltip of every Leaflet map on the page, opened, and their text.
OPEN_TOOLTIPS = """(() => {
    const maps = Object.keys(window).filter((key) => key.startsWith("map_") && window[key] instanceof L.Map)
        .map((key) => window[key]);
    if (window.vigieMap) maps.push(window.vigieMap.map);
    if (window.vigieLive) maps.push(window.vigieLive.map);
    const texts = [];
    maps.forEach((map) => map.eachLayer((layer) => {
        // A boundary drawn from vector tiles (VectorGrid): its name shows as the pointer reaches it.
        Object.values(layer._vectorTiles || {}).forEach((tile) => {
            Object.values(tile._features || {}).forEach(({feature}) => {
                layer.fire("mouseover", {layer: feature, latlng: map.getCenter()});
                document.querySelectorAll(".leaflet-tooltip").forEach((element) => texts.push(element.textContent));
            });
        });
        if (!layer.getTooltip || !layer.getTooltip()) return;
        layer.openTooltip();
        const element = layer.getTooltip().getElement();
        if (element) texts.push(element.textContent);
    }));
    return texts;
})()"""


@pytest.fixture
def hostile_world():
    world = build_world()
    with transaction.atomic():
        Zone.objects.filter(commune=world.commune).update(name=HOSTILE)
        AlertCategory.objects.filter(code="cambriolage").update(label=HOSTILE)
        world.commune.adopted_on = date(2025, 1, 1)
        world.commune.save(update_fields=["adopted_on"])
    publish_committed(world, location=Point(5.005, 43.005, srid=4326))
    return world


def watched(open_page, client):
    page = open_page(client)
    page.add_init_script(WATCH_CSP)
    errors = []

    def console(message):
        # Tiles cannot load without a network here; any other error is a broken page.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def visit(page, url: str, ready: str | None = None):
    response = page.goto(url)
    assert response.ok, (url, response.status)
    if ready:
        # A function, not an expression: Playwright evaluates a bare expression with eval(), which the
        # policy forbids.
        page.wait_for_function(f"() => {ready}")
    return response


def test_admin_labels_show_as_text_on_every_map_and_no_page_breaks_the_policy(open_page, server, hostile_world):
    world = hostile_world
    make_role(user=(clerk := UserFactory()), kind=Role.Kind.MUNICIPAL_STAFF, commune=world.commune)
    mayor_page, mayor_errors = watched(open_page, staff_client(world.mayor))
    maps = [
        (*watched(open_page, resident_client(world.resident)), "/carte/quartier/", "window.L"),
        (*watched(open_page, staff_client(clerk)), f"/carte/commune/{world.commune.code}/", "window.vigieMap"),
        (
            *watched(open_page, staff_client(world.agent)),
            "/carte/police/",
            "window.vigieLive && window.vigieLive.ready",
        ),
        (mayor_page, mayor_errors, f"/statistiques/{world.commune.code}/", "window.L"),
    ]
    for page, errors, path, ready in maps:
        response = visit(page, f"{server.url}{path}", ready)
        if path.startswith("/carte/"):  # boundaries from the vector tiles: wait for a layer's tiles
            page.wait_for_function("() => Number(document.getElementById('map').dataset.tilesLoaded || 0) > 0")
        texts = page.evaluate(OPEN_TOOLTIPS)

        assert any(HOSTILE in text for text in texts), (path, texts)
        assert page.evaluate("window.__pwned") is None, path
        assert page.locator(".leaflet-tooltip img").count() == 0, path
        assert page.evaluate("window.__csp") == [], path
        assert errors == [], (path, errors)
        nonce = re.search(r"script-src [^;]*'nonce-([^']+)'", response.headers["content-security-policy"])
        inline = page.locator("script:not([src]):not([type='application/json'])")
        for i in range(inline.count()):
            assert inline.nth(i).get_attribute("nonce") is not None, path  # Chromium hides its value
        assert nonce or inline.count() == 0, path


@pytest.mark.parametrize("who", ["anonymous", "resident", "admin"])
def test_the_other_pages_work_under_the_policy(open_page, server, who, django_user_model):
    from django.test import Client

    world = build_world()
    if who == "admin":
        admin = django_user_model.objects.create_superuser(email="root@example.org", password="correct horse battery")
        client = staff_client(admin)
        paths = ["/admin/", f"/admin/zones/zone/{world.neighbourhood.pk}/change/", "/api/docs/", "/api/redoc/"]
    elif who == "resident":
        client = resident_client(world.resident)
        paths = ["/", "/alertes/nouvelle/", "/compte/domicile/", "/messages/"]
    else:
        client = Client()
        paths = ["/", "/comptes/login/", "/inscription/", "/nulle-part/"]
    page, errors = watched(open_page, client)
    for path in paths:
        response = page.goto(f"{server.url}{path}")
        page.wait_for_load_state("load")
        policy = response.headers.get("content-security-policy", "")

        assert "script-src 'self'" in policy and "object-src 'none'" in policy, path
        assert page.evaluate("window.__csp") == [], (path, page.evaluate("window.__csp"))
        assert errors == [], (path, errors)
        errors.clear()
