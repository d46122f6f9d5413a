"""The OGC API's routes under /ogc/, kept in their own module so its API definition (/ogc/api) is
generated from them alone."""

from django.urls import include, path

from standards.apis import ogc

ogc_patterns = [
    path("", ogc.LandingApi.as_view(), name="ogc-landing"),
    path("conformance", ogc.ConformanceApi.as_view(), name="ogc-conformance"),
    path("api", ogc.ApiDefinitionApi.as_view(), name="ogc-api"),
    path("collections", ogc.CollectionListApi.as_view(), name="ogc-collections"),
    path("collections/<str:collection_id>", ogc.CollectionDetailApi.as_view(), name="ogc-collection"),
    path("collections/<str:collection_id>/items", ogc.FeatureListApi.as_view(), name="ogc-items"),
    path("collections/<str:collection_id>/items/<str:feature_id>", ogc.FeatureDetailApi.as_view(), name="ogc-item"),
]

urlpatterns = [path("ogc/", include(ogc_patterns))]
