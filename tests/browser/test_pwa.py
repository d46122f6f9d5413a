"""The installable app in Chromium on a phone-sized screen: the service worker installs, and with the
network gone a page opens as the offline page and the map library still loads from the cache."""

from tests.browser.conftest import BROWSER_TIMEOUT_MS


def test_without_a_network_pages_fall_back_to_the_offline_page_and_the_map_library_is_kept(
    chromium, server, transactional_db
):
    context = chromium.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/")
        # Readiness signal: the worker is active and controls the page (clients.claim()).
        page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
        manifest = page.evaluate(
            "() => fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())"
        )
        assert manifest["short_name"] == "Vigie" and manifest["lang"] == "fr"

        context.set_offline(True)
        page.goto(f"{server.url}/messages/")
        assert "Pas de connexion" in page.content() and "112" in page.content()
        library = page.evaluate("() => fetch('/static/vendor/leaflet/leaflet.js').then((r) => r.ok)")
        assert library is True
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390
    finally:
        context.close()
