"""The installable app in Chromium on a phone-sized screen: the service worker installs, and with the
network gone a page opens as the offline page and the map library still loads from the cache; a push
delivered through the DevTools protocol is shown as a notification."""

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


def test_a_push_delivered_to_the_service_worker_shows_a_notification_with_the_message_link(
    chromium, server, transactional_db
):
    context = chromium.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    context.grant_permissions(["notifications"], origin=server.url)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/")
        page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
        session = context.new_cdp_session(page)
        registrations = []
        session.on(
            "ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"])
        )
        session.send("ServiceWorker.enable")
        for _ in range(100):  # the registration arrives as a protocol event; each call lets it in
            if any(r["scopeURL"].startswith(server.url) and not r["isDeleted"] for r in registrations):
                break
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        [registration] = [r for r in registrations if r["scopeURL"].startswith(server.url) and not r["isDeleted"]][:1]
        payload = '{"title": "Tag à Testville", "body": "Nord · Tag rue", "url": "/messages/42/", "tag": "vigie-42"}'
        session.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": server.url, "registrationId": registration["registrationId"], "data": payload},
        )
        # Readiness: the worker's notification exists (polled in the page, bounded by the timeout).
        shown = page.evaluate(
            """async () => {
                const registration = await navigator.serviceWorker.ready;
                for (;;) {
                    const shown = await registration.getNotifications();
                    if (shown.length) {
                        return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}));
                    }
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
            }"""
        )
        assert shown == [
            {"title": "Tag à Testville", "body": "Nord · Tag rue", "tag": "vigie-42", "url": "/messages/42/"}
        ]
    finally:
        context.close()
