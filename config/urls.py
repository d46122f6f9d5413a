from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

import accounts.urls
import alerts.urls
import maps.urls
import zones.urls
from config.health import healthz

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    *zones.urls.api_urlpatterns,
    *accounts.urls.api_urlpatterns,
    *alerts.urls.api_urlpatterns,
    *maps.urls.api_urlpatterns,
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("comptes/", include("django.contrib.auth.urls")),
    path("", include(zones.urls.urlpatterns)),
    path("", include(accounts.urls.urlpatterns)),
    path("", include(alerts.urls.urlpatterns)),
    path("", include(maps.urls.urlpatterns)),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
