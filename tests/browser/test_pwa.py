"""The installable app in Chromium on a phone-sized screen: the service worker installs, and with the
network gone a page opens as the offline page and the map library still loads from the cache; a push
delivered through the DevTools protocol is shown as a notification; an alert written without a
network is sent once when it returns, with its time of writing."""

from django.contrib.gis.geos import Point
from django.utils import timezone

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


def test_an_alert_written_offline_is_kept_then_sent_once_with_its_time_of_writing(
    chromium, server, transactional_db, categories
):
    from accounts.models import CharterVersion
    from accounts.selectors import charter_current
    from alerts.models import Alert
    from tests.alerts.conftest import accept
    from tests.auth import resident_client
    from tests.factories import make_commune, make_resident

    commune = make_commune(code="99001", name="Testville", bounds=(5.0, 43.0, 5.02, 43.02))
    charter = charter_current() or CharterVersion.objects.create(version=1, text="Informer, jamais intervenir.")
    resident = accept(make_resident(commune=commune, home=Point(5.01, 43.01, srid=4326)), charter)
    client = resident_client(resident)
    context = chromium.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])
    try:
        page = context.new_page()
        page.goto(f"{server.url}/alertes/nouvelle/")
        page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")

        context.set_offline(True)
        written_from = timezone.now()
        page.check("#id_emergency_notice_acknowledged")
        page.select_option("#id_category", "cambriolage")
        page.fill("#id_lon", "5.01")
        page.fill("#id_lat", "43.01")
        page.fill("#id_description", "Porte d'entrée fracturée au 3 rue des Lilas.")
        page.click("form[data-outbox] button[type=submit]")
        pending = page.locator("#outbox li.outbox-pending")
        pending.wait_for()
        assert "En attente d’envoi" in pending.inner_text()
        assert page.url.endswith("/alertes/nouvelle/")  # the page stayed: nothing was sent
        back_online = timezone.now()
        assert not Alert.objects.exists()

        context.set_offline(False)
        page.locator("#outbox li.outbox-sent").wait_for()
        [alert] = Alert.objects.filter(author=resident)
        assert written_from <= alert.composed_at <= back_online < alert.created_at
        assert alert.description == "Porte d'entrée fracturée au 3 rue des Lilas."

        # The same alert sent again, as after an answer lost on the way back: the one already made.
        replay = page.evaluate(
            """async () => {
                const [entry] = await VigieOutbox.all();
                const response = await fetch(entry.api, {
                    method: "POST",
                    headers: {"Content-Type": "application/json", "X-CSRFToken": entry.csrf},
                    body: JSON.stringify({...entry.fields, client_key: entry.key, composed_at: entry.composed_at}),
                });
                return {status: response.status, id: (await response.json()).id};
            }"""
        )
        assert replay == {"status": 200, "id": alert.pk}
        assert Alert.objects.filter(author=resident).count() == 1
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390
    finally:
        context.close()
