from django.urls import path

from standards.apis.tiles import TileGetApi, TileJsonGetApi

urlpatterns: list = [
    path("tiles/<str:collection>.json", TileJsonGetApi.as_view(), name="tilejson"),
    path("tiles/<str:collection>/<int:z>/<int:x>/<int:y>.pbf", TileGetApi.as_view(), name="tile"),
]
