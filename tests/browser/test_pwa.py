"""The installable app in Chromium on a phone-sized screen: the service worker installs, and with the
network gone a page opens as the offline page and the map library still loads from the cache; a push
delivered through the DevTools protocol is shown as a notification, even one that is not a JSON
object, and a click on it opens its page without navigating another window; an alert written without
a network is sent once when it returns, with its time of writing, and only ever as its author's on a
shared phone; logging out drops the browser's push subscription."""

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

        # A payload that is JSON but not an object is still shown (a silent push counts against the site).
        page.evaluate(
            """() => navigator.serviceWorker.ready
                .then((registration) => registration.getNotifications())
                .then((shown) => shown.forEach((notification) => notification.close()))"""
        )
        session.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": server.url, "registrationId": registration["registrationId"], "data": "null"},
        )
        fallback = page.evaluate(
            """async (timeout) => {
                const registration = await navigator.serviceWorker.ready;
                for (const deadline = Date.now() + timeout; Date.now() < deadline;) {
                    const shown = await registration.getNotifications();
                    if (shown.length) return shown.map((n) => ({title: n.title, body: n.body, url: n.data.url}));
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
                return [];
            }""",
            BROWSER_TIMEOUT_MS,
        )
        assert fallback == [{"title": "Vigie", "body": "", "url": "/"}]

        # A click on a notification: the window already on its page is brought forward, otherwise one
        # is opened; the page open elsewhere (here the home page) is never navigated. Headless Chromium
        # clicks no notification and lets no script-made event open or focus a window, so the click
        # is dispatched in the worker with the browser's window calls recorded instead of made.
        [worker] = [w for w in context.service_workers if w.url == f"{server.url}/sw.js"]
        clicks = worker.evaluate(
            """async () => {
                const calls = [];
                let called;
                const record = (call) => { calls.push(call); called(); };
                Clients.prototype.openWindow = function (url) { record(["open", url]); return Promise.resolve(null); };
                WindowClient.prototype.focus = function () {
                    record(["focus", this.url]);
                    return Promise.resolve(this);
                };
                WindowClient.prototype.navigate = function (url) {
                    record(["navigate", this.url, url]);
                    return Promise.resolve(this);
                };
                for (const url of ["/messages/42/", "/"]) {
                    const tag = "click" + url;
                    await self.registration.showNotification("Vigie", {tag: tag, data: {url: url}});
                    const [notification] = await self.registration.getNotifications({tag: tag});
                    const done = new Promise((resolve) => { called = resolve; });
                    self.dispatchEvent(new NotificationEvent("notificationclick", {notification: notification}));
                    await done;
                }
                return calls;
            }"""
        )
        assert clicks == [["open", f"{server.url}/messages/42/"], ["focus", f"{server.url}/"]]
        assert page.url == f"{server.url}/"
    finally:
        context.close()


def alert_written_offline(page, context, server, description: str, lon: str = "5.01", lat: str = "43.01") -> None:
    """Open the posting page once its service worker controls it, cut the network, write a burglary
    and send the form: the outbox keeps it."""
    page.goto(f"{server.url}/alertes/nouvelle/")
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.check("#id_emergency_notice_acknowledged")
    page.select_option("#id_category", "cambriolage")
    page.fill("#id_lon", lon)
    page.fill("#id_lat", lat)
    page.fill("#id_description", description)
    page.click("form[data-outbox] button[type=submit]")


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
        written_from = timezone.now()
        alert_written_offline(page, context, server, "Porte d'entrée fracturée au 3 rue des Lilas.")
        pending = page.locator("#outbox li.outbox-pending")
        pending.wait_for()
        assert "En attente d’envoi" in pending.inner_text()
        assert page.url.endswith("/alertes/nouvelle/")  # the page stayed: nothing was sent
        back_online = timezone.now()
        assert not Alert.objects.exists()
        [kept] = page.evaluate("() => VigieOutbox.all()")
        assert kept["user"] == str(resident.pk) and kept["fields"]["description"].startswith("Porte d'entrée")

        context.set_offline(False)
        page.locator("#outbox li.outbox-sent").wait_for()
        [alert] = Alert.objects.filter(author=resident)
        assert written_from <= alert.composed_at <= back_online < alert.created_at
        assert alert.description == "Porte d'entrée fracturée au 3 rue des Lilas."

        # Once sent, the phone keeps only what the list shows: no text, no position.
        [sent] = page.evaluate("() => VigieOutbox.all()")
        assert sent["state"] == "sent" and sent["alert"]["id"] == alert.pk
        assert "fields" not in sent and "csrf" not in sent

        # The same alert sent again, as after an answer lost on the way back: the one already made.
        replay = page.evaluate(
            """async (kept) => {
                const response = await fetch(kept.api, {
                    method: "POST",
                    headers: {"Content-Type": "application/json", "X-CSRFToken": kept.csrf},
                    body: JSON.stringify({...kept.fields, client_key: kept.key, composed_at: kept.composed_at}),
                });
                return {status: response.status, id: (await response.json()).id};
            }""",
            kept,
        )
        assert replay == {"status": 200, "id": alert.pk}
        assert Alert.objects.filter(author=resident).count() == 1
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390

        # One written far from home with a French decimal comma is refused when it leaves: its text
        # stays on the phone, and the author takes it back into the form to correct it.
        alert_written_offline(page, context, server, "Vitre brisée au garage, au bout du chemin.", lon="6,5")
        page.locator("#outbox li.outbox-pending").wait_for()
        context.set_offline(False)
        page.locator("#outbox li.outbox-refused").wait_for()
        assert Alert.objects.filter(author=resident).count() == 1
        refused = page.locator("#outbox li.outbox-refused")
        assert "Vitre brisée au garage" in refused.inner_text()
        refused.locator("a.outbox-resume").click()
        page.wait_for_function("() => document.querySelector('#id_description').value !== ''")
        assert page.input_value("#id_description") == "Vitre brisée au garage, au bout du chemin."
        assert (page.input_value("#id_lon"), page.input_value("#id_lat")) == ("6.5", "43.01")
        assert page.input_value("#id_category") == "cambriolage"
        assert [entry["state"] for entry in page.evaluate("() => VigieOutbox.all()")] == ["sent"]
    finally:
        context.close()


# Headless Chromium cannot subscribe to Web Push (pushManager.subscribe fails: "Registration failed -
# permission denied"), so the browser's subscription is stood in for: getSubscription() answers one
# with this endpoint, whose unsubscribe() is recorded in localStorage. The server's copy is real.
SHARED_PHONE_ENDPOINT = "https://fcm.googleapis.com/fcm/send/vigie-shared-phone"
STAND_IN_SUBSCRIPTION = """(() => {
    if (!self.PushManager) return;
    PushManager.prototype.getSubscription = function () {
        if (localStorage.getItem("unsubscribed")) return Promise.resolve(null);
        return Promise.resolve({
            endpoint: ENDPOINT,
            unsubscribe() { localStorage.setItem("unsubscribed", "yes"); return Promise.resolve(true); },
        });
    };
})();""".replace("ENDPOINT", f'"{SHARED_PHONE_ENDPOINT}"')


def test_on_a_shared_phone_an_alert_written_offline_leaves_only_as_its_author_and_logging_out_stops_push(
    chromium, server, transactional_db, categories
):
    from accounts.models import CharterVersion
    from accounts.selectors import charter_current
    from alerts.models import Alert
    from delivery.models import PushSubscription
    from tests.alerts.conftest import accept
    from tests.auth import resident_client
    from tests.factories import make_commune, make_resident

    commune = make_commune(code="99001", name="Testville", bounds=(5.0, 43.0, 5.02, 43.02))
    charter = charter_current() or CharterVersion.objects.create(version=1, text="Informer, jamais intervenir.")
    alice = accept(make_resident(commune=commune, home=Point(5.01, 43.01, srid=4326)), charter)
    bob = accept(make_resident(commune=commune, home=Point(5.011, 43.011, srid=4326)), charter)
    alice_client = resident_client(alice)
    context = chromium.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
    context.grant_permissions(["background-sync"], origin=server.url)
    context.add_init_script(STAND_IN_SUBSCRIPTION)

    def sign_in(person, client=None):
        client = client or resident_client(person)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])

    def outbox():
        return page.evaluate("() => VigieOutbox.all()")

    try:
        sign_in(alice, alice_client)
        page = context.new_page()
        alert_written_offline(page, context, server, "Volets forcés chez moi, au 12 impasse des Tilleuls.")
        page.locator("#outbox li.outbox-pending").wait_for()

        # Alice's session ends on the server meanwhile: when the network returns the alert cannot
        # leave, and says to sign in rather than "no network".
        alice_client.logout()
        context.set_offline(False)
        waiting = page.locator("#outbox li.outbox-signin")
        waiting.wait_for()
        assert "connectez-vous pour l’envoyer" in waiting.inner_text()
        assert not Alert.objects.exists()

        # Bob signs in on the same phone: Alice's alert is neither listed nor sent, by the page or
        # by the service worker (a Background Sync asked now runs with Bob recorded as signed in).
        sign_in(bob)
        page.goto(f"{server.url}/alertes/mes-alertes/")
        page.wait_for_selector("#outbox[data-listed]", state="attached")
        assert page.get_attribute("#outbox", "data-listed") == "0" and page.locator("#outbox").is_hidden()
        synced = page.evaluate(
            """async () => {
                const told = new Promise((resolve) => navigator.serviceWorker.addEventListener("message",
                    (event) => event.data && event.data.type === VigieOutbox.SYNC_TAG && resolve(true)));
                const registration = await navigator.serviceWorker.ready;
                await registration.sync.register(VigieOutbox.SYNC_TAG);
                return told;
            }"""
        )
        assert synced is True
        assert not Alert.objects.exists()
        [kept] = outbox()
        assert kept["user"] == str(alice.pk) and kept["state"] == "signin"
        assert kept["fields"]["description"].startswith("Volets forcés")
        assert page.evaluate("() => VigieOutbox.current()") == str(bob.pk)

        # Bob logs out through the menu: this browser's push subscription leaves the server (while
        # Bob is still signed in) and the browser, and the phone forgets who was signed in.
        PushSubscription.objects.create(user=bob, endpoint=SHARED_PHONE_ENDPOINT, p256dh="k", auth="a")
        page.click("#site-menu summary")
        with page.expect_navigation():
            page.click("form[data-logout] button[type=submit]")
        assert page.url == f"{server.url}/"
        assert page.evaluate("() => localStorage.getItem('unsubscribed')") == "yes"
        assert not PushSubscription.objects.filter(endpoint=SHARED_PHONE_ENDPOINT).exists()
        assert page.evaluate("() => VigieOutbox.current()") == ""

        # Alice signs in again: her alert leaves, as hers, and the phone keeps only its outcome.
        sign_in(alice)
        page.goto(f"{server.url}/alertes/mes-alertes/")
        page.locator("#outbox li.outbox-sent").wait_for()
        [alert] = Alert.objects.all()
        assert alert.author == alice and alert.description.startswith("Volets forcés")
        [sent] = outbox()
        assert sent["user"] == str(alice.pk) and sent["state"] == "sent" and "fields" not in sent
    finally:
        context.close()
