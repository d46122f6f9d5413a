from django.urls import path

from zones.apis import CommuneDetailApi, CommuneListApi, PointLookupApi, ZoneListApi

api_urlpatterns: list = [
    path("communes/", CommuneListApi.as_view(), name="api-commune-list"),
    path("communes/<str:code>/", CommuneDetailApi.as_view(), name="api-commune-detail"),
    path("zones/", ZoneListApi.as_view(), name="api-zone-list"),
    path("lookup/", PointLookupApi.as_view(), name="api-point-lookup"),
]
urlpatterns: list = []
