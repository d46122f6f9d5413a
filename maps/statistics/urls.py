from django.urls import path

from maps.statistics import apis, views

urlpatterns = [
    path("statistiques/", views.statistics_index, name="statistics-index"),
    path("statistiques/<str:code>/", views.statistics_dashboard, name="statistics-dashboard"),
    path("statistiques/<str:code>/zones.csv", views.statistics_csv, name="statistics-csv"),
    path("statistiques/<str:code>/zones-analyse.csv", views.statistics_csv_analysis, name="statistics-csv-analysis"),
    path("statistiques/<str:code>/zones.geojson", views.statistics_geojson, name="statistics-geojson"),
    path("patrouille/chiffres/", views.patrol_figures, name="patrol-figures"),
    path("statistiques/<str:code>/rapport/", views.statistics_report_request, name="statistics-report-request"),
    path("statistiques/<str:code>/rapport/<slug:report_id>/", views.statistics_report, name="statistics-report"),
    path("statistiques/<str:code>/statistiques.gpkg", views.statistics_geopackage, name="statistics-geopackage"),
]

api_urlpatterns = [
    path("statistics/zones/", apis.StatisticsZonesApi.as_view(), name="statistics-zones"),
    path("statistics/before-after/", apis.StatisticsBeforeAfterApi.as_view(), name="statistics-before-after"),
    path("statistics/evaluation/", apis.StatisticsEvaluationApi.as_view(), name="statistics-evaluation"),
    path("statistics/heatmap/", apis.StatisticsHeatmapApi.as_view(), name="statistics-heatmap"),
    path("statistics/hexagons/", apis.StatisticsHexagonsApi.as_view(), name="statistics-hexagons"),
    path(
        "statistics/tiles/<str:layer>/<int:z>/<int:x>/<int:y>.pbf",
        apis.StatisticsTileApi.as_view(),
        name="statistics-tile",
    ),
]
