from django.urls import path

from maps.live import apis, views

urlpatterns = [
    path("carte/police/", views.police_live_map, name="maps-police-live"),
    path("carte/police/flux/", views.police_alert_stream, name="maps-police-stream"),
    path("carte/commune/<str:code>/", views.commune_map, name="maps-commune"),
]

api_urlpatterns = [
    path("maps/police/alerts/", apis.PoliceAlertListApi.as_view(), name="maps-police-alert-list"),
    path("maps/police/alerts/<int:alert_id>/", apis.PoliceAlertDetailApi.as_view(), name="maps-police-alert-detail"),
    path("maps/police/sectors/", apis.PoliceSectorListApi.as_view(), name="maps-police-sector-list"),
    path("maps/neighbourhood/alerts/", apis.NeighbourhoodAlertListApi.as_view(), name="maps-neighbourhood-alerts"),
]
