from django.urls import path

from maps import views
from maps.accountability import urls as accountability_urls
from maps.live import urls as live_urls
from maps.neighbourhood import views as neighbourhood_views
from maps.statistics import urls as statistics_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibilite/", views.accessibility_statement, name="accessibility-statement"),
    path("carte/quartier/", neighbourhood_views.neighbourhood_map, name="maps-neighbourhood"),
    *live_urls.urlpatterns,
    *statistics_urls.urlpatterns,
    *accountability_urls.urlpatterns,
]

api_urlpatterns = [*live_urls.api_urlpatterns, *statistics_urls.api_urlpatterns]
