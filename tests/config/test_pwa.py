"""The installable app: a manifest browsers accept, a service worker that keeps the shell and never
a page, an offline page with the emergency numbers, and a favicon where browsers ask for it."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_manifest_names_the_app_in_each_language_with_icons_that_exist():
    client = Client()
    french = client.get("/manifest.webmanifest")
    assert french.status_code == 200 and french["Content-Type"] == "application/manifest+json"
    data = json.loads(french.content)
    assert data["lang"] == "fr" and data["name"].startswith("Vigie") and "alertes" in data["name"]
    assert data["display"] == "standalone" and data["start_url"] == "/" and data["scope"] == "/"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= sizes
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]

    english = client.get("/manifest.webmanifest", headers={"accept-language": "en"})
    english_data = json.loads(english.content)
    assert english_data["lang"] == "en" and english_data["name"] != data["name"]


def test_icons_have_the_sizes_they_claim():
    from PIL import Image

    for name, side in (("icon-192.png", 192), ("icon-512.png", 512), ("apple-touch-icon.png", 180)):
        with Image.open(finders.find(f"icons/{name}")) as image:
            assert image.size == (side, side)


def test_service_worker_keeps_the_shell_and_the_map_library_never_a_page():
    response = Client().get("/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/" and "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    precache = json.loads(script.split("const PRECACHE = ", 1)[1].split(";\n", 1)[0])
    assert reverse("pwa-offline") in precache
    assert "/static/vendor/leaflet/leaflet.js" in precache and "/static/css/vigie.css" in precache
    assert not [url for url in precache if url.startswith("/api/") or url in ("/", "/messages/")]
    # Pages go to the network; the cache answers them only with the offline page.
    assert 'request.mode === "navigate"' in script and "caches.match(OFFLINE)" in script
    # The shell is fetched past the browser's HTTP cache, which may hold the previous release's files.
    assert 'new Request(url, { cache: "reload" })' in script
    # A renewed push subscription is sent to the API the preferences page uses.
    assert f"const PUSH_API = {json.dumps(reverse('api-push-subscriptions'))};" in script
    assert 'addEventListener("pushsubscriptionchange"' in script


def test_offline_page_tells_the_emergency_numbers_and_nothing_personal(django_user_model):
    user = django_user_model.objects.create_user(email="habitant@example.fr", password="x")
    client = Client()
    client.force_login(user)
    html = client.get("/hors-ligne/").content.decode()
    assert "17" in html and "112" in html and "Pas de connexion" in html
    assert "habitant@example.fr" not in html


def test_favicon_is_served():
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("/static/icons/favicon.ico")


def test_every_page_links_the_manifest_and_the_icons():
    html = Client().get("/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert 'rel="apple-touch-icon"' in html and 'name="theme-color"' in html
    assert '<meta name="vigie-service-worker" content="/sw.js">' in html and 'id="install-app" hidden' in html


def test_pages_tell_the_scripts_who_is_signed_in_and_mark_the_logout_form(django_user_model):
    anonymous = Client().get("/").content.decode()
    assert '<meta name="vigie-user" content="">' in anonymous and "data-logout" not in anonymous
    user = django_user_model.objects.create_user(email="habitant@example.fr", password="x")
    client = Client()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert f'<meta name="vigie-user" content="{user.pk}">' in html
    assert f'data-logout data-push-api="{reverse("api-push-subscriptions")}"' in html
    assert html.index("js/outbox.js") < html.index("</body>")
