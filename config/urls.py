import django.contrib.auth.urls
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

import accounts.urls
import alerts.urls
import delivery.urls
import maps.urls
import patrols.urls
import solidarity.urls
import standards.urls
import zones.urls
from accounts.views import ResidentLoginView
from config import pwa
from config.health import healthz

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's start-up script from its own URL rather than inline: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    *zones.urls.api_urlpatterns,
    *accounts.urls.api_urlpatterns,
    *alerts.urls.api_urlpatterns,
    *delivery.urls.api_urlpatterns,
    *patrols.urls.api_urlpatterns,
    *maps.urls.api_urlpatterns,
]

# Django's account pages, with a login that reads right for an email address and leads a new
# resident to the step of signing up they stopped at.
account_patterns = [
    path("login/", ResidentLoginView.as_view(), name="login"),
    *(pattern for pattern in django.contrib.auth.urls.urlpatterns if pattern.name != "login"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("manifest.webmanifest", pwa.manifest, name="pwa-manifest"),
    path("sw.js", pwa.service_worker, name="pwa-service-worker"),
    path("hors-ligne/", pwa.offline, name="pwa-offline"),
    path("favicon.ico", pwa.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("comptes/", include(account_patterns)),
    path("", include(zones.urls.urlpatterns)),
    path("", include(accounts.urls.urlpatterns)),
    path("", include(alerts.urls.urlpatterns)),
    path("", include(solidarity.urls.urlpatterns)),
    path("", include(delivery.urls.urlpatterns)),
    path("", include(patrols.urls.urlpatterns)),
    path("", include(standards.urls.urlpatterns)),
    path("", include(maps.urls.urlpatterns)),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
