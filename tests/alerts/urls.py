"""The project's routes plus those of routing and delivery, until alerts/urls.py includes them."""

from django.urls import include, path

from alerts import delivery_urls
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("api/", include(delivery_urls.api_urlpatterns)),
    path("", include(delivery_urls.urlpatterns)),
    *project_urlpatterns,
]
