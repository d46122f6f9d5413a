"""The residents', police and commune maps in real Chromium on a 390x844 phone: each draws its
boundaries from the vector tiles (Leaflet.VectorGrid served by the app) and its page no longer
carries them as GeoJSON."""

import pytest

from accounts.models import Role
from tests.auth import resident_client, staff_client
from tests.browser.conftest import screenshot
from tests.browser.test_maps import publish_committed
from tests.factories import UserFactory, make_role
from tests.maps.live.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("categories")]

# Some vector tile of the map, drawn on its canvas: a tile with no feature of the style stays blank.
TILE_DRAWN_JS = """() => {
  const tiles = document.querySelectorAll('#map .leaflet-overlay-pane canvas.leaflet-tile');
  return [...tiles].some((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) return true; }
    return false;
  });
}"""


def test_the_residents_police_and_commune_maps_draw_their_boundaries_from_vector_tiles(open_page, server):
    world = build_world()
    publish_committed(world)
    make_role(user=(clerk := UserFactory()), kind=Role.Kind.MUNICIPAL_STAFF, commune=world.commune)
    pages = [
        ("resident", resident_client(world.resident), "/carte/quartier/", {"neighbourhoods"}, "window.vigieMap"),
        (
            "police",
            staff_client(world.agent),
            "/carte/police/",
            {"police_sectors"},
            "window.vigieLive && window.vigieLive.ready",
        ),
        (
            "commune",
            staff_client(clerk),
            f"/carte/commune/{world.commune.code}/",
            {"communes", "neighbourhoods", "police_sectors"},
            "window.vigieMap",
        ),
    ]
    for name, client, path, collections, ready in pages:
        page = open_page(client, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
        requested = []
        page.on("request", lambda request, requested=requested: requested.append(request.url))
        responses = []
        page.on("response", lambda response, responses=responses: responses.append(response))

        html = page.goto(f"{server.url}{path}").text()
        page.wait_for_function(f"() => !!({ready})")
        page.wait_for_function(TILE_DRAWN_JS)
        scroll = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")

        tiles = [r for r in responses if r.url.endswith(".pbf")]
        assert tiles and all(r.ok and r.headers["content-type"] == "application/vnd.mapbox-vector-tile" for r in tiles)
        assert {r.url.split("/tiles/")[1].split("/")[0] for r in tiles} == collections, name
        assert '"Polygon"' not in html and '"MultiPolygon"' not in html, name  # no boundary embedded
        assert not any("/api/maps/police/sectors/" in url for url in requested), name
        assert scroll <= 0, name
        screenshot(page, f"{name}-map-vector-tiles")
