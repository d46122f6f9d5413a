"""The maps in real headless Chromium against a real uvicorn server (ASGI, SSE, LISTEN/NOTIFY)."""

from urllib.parse import urlparse

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.db import transaction

from accounts.models import Role
from tests.auth import resident_client, staff_client
from tests.browser.conftest import screenshot
from tests.factories import UserFactory, make_alert, make_role
from tests.maps.live.helpers import publish
from tests.maps.live.test_pages import EXACT, exact_strings
from tests.maps.live.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("categories")]

SECTOR_POINT = Point(5.015, 43.012, srid=4326)


def publish_committed(world, location=SECTOR_POINT, **kwargs):
    """Publish and route in one transaction, as moderation and routing will: the NOTIFY leaves on
    commit."""
    with transaction.atomic():
        return publish(world=world, location=location, **kwargs)


def open_live_map(open_page, server, world):
    page = open_page(staff_client(world.agent))
    page.goto(f"{server.url}/carte/police/")
    page.wait_for_function("() => window.vigieLive && window.vigieLive.state === 'open'")
    return page


def marker_shown_js(alert_id: int) -> str:
    """A function, not an expression: Playwright polls a bare expression with eval(), which the
    Content-Security-Policy forbids."""
    return f"""() => {{
        const entry = window.vigieLive.alerts.get({alert_id});
        return !!entry && document.querySelector('tr[data-alert-id="{alert_id}"]') !== null;
    }}"""


def test_a_published_alert_appears_on_the_agent_live_map_without_reloading(open_page, server):
    # How fast is measured in bench/, not here: a loaded machine makes any time limit flaky.
    world = build_world()
    page = open_live_map(open_page, server, world)

    alert, _event = publish_committed(world)
    page.wait_for_function(marker_shown_js(alert.id))

    assert page.locator(f'tr[data-alert-id="{alert.id}"] .category').inner_text() == "Cambriolage"
    assert page.locator(".vigie-pin").count() >= 1
    assert "Nouvelle alerte : Cambriolage" in page.locator("#live-announcer").inner_text()
    screenshot(page, "police-live-map")


def test_after_the_connection_is_cut_the_missed_alerts_are_replayed_once_each(open_page, server):
    world = build_world()
    page = open_live_map(open_page, server, world)
    first, first_event = publish_committed(world)
    page.wait_for_function(marker_shown_js(first.id))

    # 1. The server goes away (every connection cut at once) and comes back: the browser
    # reconnects by itself and sends Last-Event-ID.
    server.kill()
    missed = [publish_committed(world) for _ in range(3)]
    server.start()
    # Chromium spaces out its reconnection attempts while the server is down (about 10 s here).
    for alert, _event in missed:
        page.wait_for_function(marker_shown_js(alert.id))

    # 2. The page closes its stream and opens a new one from the last id it saw.
    page.evaluate("window.vigieLive.disconnect()")
    missed_again = [publish_committed(world) for _ in range(2)]
    page.evaluate("window.vigieLive.connect()")
    for alert, _event in missed_again:
        page.wait_for_function(marker_shown_js(alert.id))

    arrivals = page.evaluate("window.vigieLive.arrivals")
    expected = [first_event.id] + [event.id for _alert, event in missed + missed_again]
    assert arrivals == expected  # each once, in order, nothing else
    assert page.locator("#alert-list tbody tr").count() == 6


# True when the element is what the page shows at its own centre: not clipped away, not covered.
SHOWN_AT_ITS_CENTRE = """element => {
    const box = element.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return box.width > 20 && (hit === element || element.contains(hit));
}"""


def test_an_agent_closes_from_the_list_with_the_outcome_and_a_colleagues_change_shows_the_servers_words(
    open_page, server
):
    world = build_world()
    alert, _event = publish_committed(world)
    page = open_live_map(open_page, server, world)
    follow_up_calls = []
    colleague = "Un collègue a modifié cette alerte entre-temps : suivi actuel « intervention en cours »."

    def answer_conflict(route):
        follow_up_calls.append((route.request.headers.get("x-csrftoken"), route.request.post_data_json))
        alert.follow_up = "in_progress"  # a colleague got there first
        alert.save(update_fields=["follow_up"])
        route.fulfill(status=409, json={"detail": colleague, "changed_by_colleague": True, "follow_up": "in_progress"})

    page.route(f"**/api/alerts/{alert.id}/follow-up/", answer_conflict)
    row = page.locator(f'tr[data-alert-id="{alert.id}"]')
    assert row.locator(".move").all_inner_texts() == ["Prendre en compte", "Intervention en cours", "Clôturer"]
    row.locator(".move-closed").click()
    # Closing asks for the outcome in place, and the agent sees the box.
    outcome = row.locator(".close-form .outcome")
    outcome.scroll_into_view_if_needed()
    assert outcome.evaluate(SHOWN_AT_ITS_CENTRE)
    outcome.fill("Porte sécurisée.")
    row.locator(".confirm-close").click()

    page.wait_for_function("() => document.getElementById('action-message').textContent.includes('Un collègue')")
    assert page.locator("#action-message").inner_text() == colleague
    [(csrf_token, body)] = follow_up_calls
    assert csrf_token and (body["follow_up"], body["outcome"], body["seen"]) == ("closed", "Porte sécurisée.", "none")
    assert row.locator(".follow-up").inner_text() == "intervention en cours"
    assert row.locator(".move").all_inner_texts() == ["Clôturer"]


def test_the_filters_hide_markers_and_rows_together(open_page, server):
    world = build_world()
    burglary, _e = publish_committed(world)
    graffiti, _e = publish_committed(world, category="tag", location=Point(5.016, 43.013, srid=4326))
    page = open_live_map(open_page, server, world)
    page.wait_for_function(marker_shown_js(graffiti.id))

    page.select_option("#filter-category", "tag")

    assert page.locator(f'tr[data-alert-id="{burglary.id}"]').is_hidden()
    assert page.locator(f'tr[data-alert-id="{graffiti.id}"]').is_visible()
    assert page.evaluate(f"window.vigieLive.alerts.get({burglary.id}).marker._map") is None
    assert "1 alerte(s) affichée(s) sur 2" in page.locator("#filter-count").inner_text()


def test_the_resident_page_and_every_request_it_makes_carry_no_exact_coordinates(open_page, server):
    world = build_world()
    publish_committed(world, location=EXACT, description="Porte forcée dans la nuit.")
    page = open_page(resident_client(world.resident))
    bodies = []
    page.on("response", lambda response: bodies.append((response.url, response)))

    page.goto(f"{server.url}/carte/quartier/")
    page.wait_for_selector(".leaflet-overlay-pane canvas")
    api_body = page.evaluate("fetch('/api/maps/neighbourhood/alerts/').then(r => r.text())")
    page.wait_for_load_state("networkidle")

    local = [response for url, response in bodies if urlparse(url).hostname == "127.0.0.1" and response.ok]
    tiles = [response for response in local if response.url.endswith(".pbf")]
    texts = [api_body] + [response.text() for response in local if response not in tiles]
    assert "Porte forcée dans la nuit." in texts[0]
    # The tiles the map asked for, asked again as the resident and decoded: the neighbourhoods'
    # outlines only, never an alert.
    client = resident_client(world.resident)
    decoded = [mapbox_vector_tile.decode(client.get(urlparse(response.url).path).content) for response in tiles]
    assert tiles and {layer for tile in decoded for layer in tile} == {"neighbourhoods"}
    for text in texts:
        for exact in exact_strings(EXACT):
            assert exact not in text
    screenshot(page, "resident-neighbourhood-map")


def circle_markers_js() -> str:
    return """(() => {
        let circles = 0;
        window.vigieMap.map.eachLayer((layer) => { if (layer instanceof L.CircleMarker) circles += 1; });
        return circles;
    })()"""


def test_the_maps_work_with_the_network_closed(open_page, server):
    world = build_world()
    publish_committed(world)
    publish_committed(world, location=EXACT)
    make_role(user=(clerk := UserFactory()), kind=Role.Kind.MUNICIPAL_STAFF, commune=world.commune)
    make_alert(commune=world.commune, location=EXACT, status="published")
    blocked = []

    def only_localhost(page):
        def handle(route):
            if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort("internetdisconnected")

        page.route("**/*", handle)
        return page

    police = only_localhost(open_page(staff_client(world.agent)))
    police.goto(f"{server.url}/carte/police/")
    police.wait_for_function("() => window.vigieLive && window.vigieLive.ready")
    assert police.locator(".leaflet-overlay-pane canvas").count() >= 1  # the sector, drawn on canvas
    assert police.locator(".vigie-pin, .marker-cluster").count() >= 1
    screenshot(police, "police-live-map-offline")

    resident = only_localhost(open_page(resident_client(world.resident)))
    resident.goto(f"{server.url}/carte/quartier/")
    resident.wait_for_function("() => window.vigieMap && window.vigieMap.markerCount === 2")
    assert resident.evaluate(circle_markers_js()) == 2
    resident.wait_for_selector(".leaflet-overlay-pane canvas.leaflet-tile")  # the neighbourhood, from the tiles
    screenshot(resident, "resident-neighbourhood-map-offline")

    town_hall = only_localhost(open_page(staff_client(clerk)))
    town_hall.goto(f"{server.url}/carte/commune/{world.commune.code}/")
    town_hall.wait_for_function("() => window.vigieMap && window.vigieMap.markerCount === 3")
    assert town_hall.locator(".leaflet-overlay-pane canvas").count() >= 1
    assert town_hall.locator(".vigie-pin, .marker-cluster").count() >= 1
    screenshot(town_hall, "commune-map-offline")

    assert blocked, "the tile server should have been asked for tiles"
    assert all(urlparse(url).hostname == "tile.openstreetmap.org" for url in blocked)


def test_an_alert_published_by_a_moderator_through_the_api_reaches_the_agent_map(open_page, server):
    world = build_world()
    moderator = UserFactory()
    make_role(user=moderator, kind=Role.Kind.MODERATOR, commune=world.commune)
    alert = make_alert(commune=world.commune, location=SECTOR_POINT, author=world.resident)
    page = open_live_map(open_page, server, world)

    response = staff_client(moderator).post(
        f"/api/moderation/alerts/{alert.id}/publish/", content_type="application/json"
    )
    assert response.status_code in (200, 201, 202), response.content
    page.wait_for_function(marker_shown_js(alert.id))

    screenshot(page, "police-live-map-published-by-moderator")


def test_the_live_map_carries_2000_alerts_in_clusters_and_in_the_list(open_page, server):
    world = build_world()
    from django.db import connection

    with connection.cursor() as cursor:  # one INSERT ... SELECT, as a busy weekend would leave them
        cursor.execute(
            """
            INSERT INTO alerts_alert (category_id, commune_id, location, occurred_at, description, status,
                                      follow_up, created_at, published_at)
            SELECT (SELECT id FROM alerts_alertcategory WHERE code = 'cambriolage'), %s,
                   ST_SetSRID(ST_MakePoint(5.0 + random() * 0.02, 43.0 + random() * 0.02), 4326),
                   now(), 'Alerte n°' || n, 'published', 'none', now(), now() - (n || ' seconds')::interval
            FROM generate_series(1, 2000) AS n
            """,
            [world.commune.id],
        )
    page = open_page(staff_client(world.agent))
    page.goto(f"{server.url}/carte/police/")
    page.wait_for_function("() => window.vigieLive && window.vigieLive.ready")
    page.wait_for_function("() => document.querySelectorAll('.marker-cluster').length > 0")

    assert page.evaluate("window.vigieLive.alerts.size") == 2000
    assert page.locator("#alert-list tbody tr").count() == 2000
    assert page.locator(".vigie-pin").count() < 500  # crowded markers are clustered, not drawn one by one
    # The visible map, not the whole 2,000-row page: a full-page capture that tall is what timed out
    # on a loaded machine, and the list is checked above.
    screenshot(page, "police-live-map-2000-alerts", full_page=False)
