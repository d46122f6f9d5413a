from django.urls import path, re_path

import standards.ogc_urls
from standards.apis import open311
from standards.apis.cap import CapFeedApi
from standards.apis.tiles import TileGetApi, TileJsonGetApi

FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns: list = [
    path("tiles/<str:collection>.json", TileJsonGetApi.as_view(), name="tilejson"),
    path("tiles/<str:collection>/<int:z>/<int:x>/<int:y>.pbf", TileGetApi.as_view(), name="tile"),
    re_path(r"^open311/v2/discovery" + FORMAT, open311.DiscoveryApi.as_view(), name="open311-discovery"),
    re_path(r"^open311/v2/services" + FORMAT, open311.ServiceListApi.as_view(), name="open311-services"),
    re_path(
        r"^open311/v2/services/(?P<code>[\w-]+)" + FORMAT,
        open311.ServiceDefinitionApi.as_view(),
        name="open311-service-definition",
    ),
    re_path(r"^open311/v2/requests" + FORMAT, open311.ServiceRequestListApi.as_view(), name="open311-requests"),
    re_path(
        r"^open311/v2/requests/(?P<request_id>[0-9]{1,12})" + FORMAT,
        open311.ServiceRequestDetailApi.as_view(),
        name="open311-request",
    ),
    *standards.ogc_urls.urlpatterns,
    path("cap/<str:commune_code>.xml", CapFeedApi.as_view(), name="cap-feed"),
    re_path(r"^open311/v2/tokens/(?P<token>[\w:.-]+)" + FORMAT, open311.TokenApi.as_view(), name="open311-token"),
]
