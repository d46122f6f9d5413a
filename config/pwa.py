"""The installable web app: manifest, service worker, offline page and favicon, served by the app.

The service worker keeps the app shell (style sheet, scripts, icons, the offline page) and the map
libraries in the browser's cache, so a page opens without a network on the pieces it can; pages
themselves always come from the network (they hold personal data and must be current), and when
the network is gone the offline page says so, with the emergency numbers. Its cache is named after
a hash of the files it holds, so a new release replaces it."""

import hashlib
import json
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

THEME_COLOUR = "#0b2540"
ICONS = (
    ("icons/icon-192.png", "192x192", "any"),
    ("icons/icon-512.png", "512x512", "any"),
    ("icons/icon-maskable-192.png", "192x192", "maskable"),
    ("icons/icon-maskable-512.png", "512x512", "maskable"),
)
# What every page needs, and the map libraries the maps load: kept for use without a network.
SHELL = (
    "css/vigie.css",
    "css/maps.css",
    "js/site.js",
    "js/dates.js",
    "js/menu.js",
    "js/map-common.js",
    "js/outbox.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "vendor/leaflet.markercluster/MarkerCluster.css",
    "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    "icons/icon-192.png",
    "icons/favicon.ico",
)


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    """The web app manifest, in the visitor's language."""
    data = {
        "name": _("Vigie : alertes de voisinage"),
        "short_name": "Vigie",
        "description": _(
            "Les alertes de votre quartier, relues par des modérateurs, et les messages de votre mairie. "
            "Ne remplace pas les secours : 17, 18, 112."
        ),
        "lang": request.LANGUAGE_CODE,
        "dir": "ltr",
        "id": "/",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Vary"] = "Cookie, Accept-Language"
    return response


@lru_cache(maxsize=1)
def _shell() -> tuple[list[str], str]:
    """The shell's URLs, and a version that changes whenever one of its files does."""
    present = [path for path in SHELL if finders.find(path)]
    digest = hashlib.sha256()
    for path in present:
        with open(finders.find(path), "rb") as file:
            digest.update(file.read())
    return [static(path) for path in present], digest.hexdigest()[:12]


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    urls, version = _shell()
    offline = reverse("pwa-offline")
    body = render(
        request,
        "pwa/sw.js",
        {
            "version": version,
            "precache": json.dumps([offline, *urls]),
            "offline": json.dumps(offline),
            "icon": json.dumps(static("icons/icon-192.png")),
            "outbox": json.dumps(static("js/outbox.js")),
            "push_api": json.dumps(reverse("api-push-subscriptions")),
        },
        content_type="text/javascript; charset=utf-8",
    ).content
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request):
    """Shown by the service worker when a page cannot be reached; it holds nothing personal."""
    return render(request, "pwa/offline.html")


@require_GET
def favicon(request):
    return redirect(static("icons/favicon.ico"), permanent=True)
