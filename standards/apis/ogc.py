"""OGC API - Features, Part 1 Core with GeoJSON, at /ogc/: landing page, conformance, the API
definition (OpenAPI 3.0, generated from these views by drf-spectacular), collections, their
items with `bbox`, `datetime`, `limit` and `next` links, and each item alone.

Built in DRF rather than by embedding pygeoapi: the features come from the same selectors as the
pages, so the territory and privacy rules (grid cell centres for the public, exact points for the
commune's police agents, read from their Django session) hold by construction, and the endpoints
share the project's throttling and OpenAPI schema. pygeoapi would read the tables through its own
connection, outside those rules."""

import math
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.jit import without_jit
from standards import ogc
from standards.apis.common import OpenApi
from standards.selectors import exact_location_commune_ids, page_of


class GeoJsonRenderer(JSONRenderer):
    media_type = "application/geo+json"


class FirstRenderer(BaseContentNegotiation):
    """JSON whatever the client accepts: the API offers no other encoding (`f=json` only)."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OgcApi(OpenApi):
    content_negotiation_class = FirstRenderer
    renderer_classes = [JSONRenderer]
    allowed_params = {"f"}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        unknown = set(request.query_params) - self.allowed_params
        if unknown:
            raise ParseError(_("Paramètre inconnu : {names}.").format(names=", ".join(sorted(unknown))[:200]))
        if request.query_params.get("f", "json") != "json":
            raise ParseError(_("Seul le format f=json est proposé."))


def _url(request, name: str, query: dict | None = None, **kwargs) -> str:
    url = request.build_absolute_uri(reverse(name, kwargs=kwargs or None))
    return f"{url}?{urlencode(query)}" if query else url


def _link(href: str, rel: str, media_type: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


F_PARAMETER = OpenApiParameter("f", str, enum=["json"], description="Encodage : json (seul proposé).")


class LandingApi(OgcApi, APIView):
    @extend_schema(tags=["ogc"], parameters=[F_PARAMETER], responses=dict)
    def get(self, request):
        return Response(
            {
                "title": "Vigie",
                "description": _(
                    "Les couches de Vigie en OGC API - Features : communes, quartiers, secteurs, alertes."
                ),
                "links": [
                    _link(_url(request, "ogc-landing"), "self", "application/json", _("Cette page")),
                    _link(
                        _url(request, "ogc-api"),
                        "service-desc",
                        "application/vnd.oai.openapi+json;version=3.0",
                        _("Définition de l'API"),
                    ),
                    _link(_url(request, "ogc-conformance"), "conformance", "application/json", _("Conformité")),
                    _link(_url(request, "ogc-collections"), "data", "application/json", _("Collections")),
                ],
            }
        )


class ConformanceApi(OgcApi, APIView):
    @extend_schema(tags=["ogc"], parameters=[F_PARAMETER], responses=dict)
    def get(self, request):
        return Response({"conformsTo": ogc.CONFORMANCE})


class ApiDefinitionApi(SpectacularAPIView):
    """The OpenAPI 3.0 definition of /ogc/ alone, generated from the views below."""

    urlconf = "standards.ogc_urls"
    renderer_classes = [
        type("OpenApiJsonRenderer", (JSONRenderer,), {"media_type": "application/vnd.oai.openapi+json"})
    ]
    custom_settings = {"TITLE": "Vigie OGC API - Features", "VERSION": "1.0.0"}

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _collection(collection_id: str) -> ogc.Collection:
    collection = ogc.COLLECTIONS.get(collection_id)
    if collection is None:
        raise Http404(_("Collection inconnue : « {name} ».").format(name=collection_id[:40]))
    return collection


def _collection_data(request, collection: ogc.Collection) -> dict:
    items = _url(request, "ogc-items", collection_id=collection.id)
    data = {
        "id": collection.id,
        "title": str(collection.title),
        "description": str(collection.description),
        "itemType": "feature",
        "crs": [ogc.CRS84],
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]], "crs": ogc.CRS84}},
        "links": [
            _link(_url(request, "ogc-collection", collection_id=collection.id), "self", "application/json", "self"),
            _link(items, "items", "application/geo+json", str(collection.title)),
        ],
    }
    if collection.temporal:
        data["extent"]["temporal"] = {
            "interval": [[None, None]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return data


class CollectionListApi(OgcApi, APIView):
    @extend_schema(tags=["ogc"], parameters=[F_PARAMETER], responses=dict, operation_id="ogc_collections_list")
    def get(self, request):
        return Response(
            {
                "links": [_link(_url(request, "ogc-collections"), "self", "application/json", "self")],
                "collections": [_collection_data(request, collection) for collection in ogc.COLLECTIONS.values()],
            }
        )


class CollectionDetailApi(OgcApi, APIView):
    @extend_schema(tags=["ogc"], parameters=[F_PARAMETER], responses=dict)
    def get(self, request, collection_id: str):
        return Response(_collection_data(request, _collection(collection_id)))


def _bbox(raw: str) -> list[tuple[float, float, float, float]]:
    """The boxes of an OGC `bbox` (4 numbers, or 6 with heights): two when it crosses the antimeridian."""
    try:
        numbers = [float(value) for value in raw.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise ParseError(_("bbox : quatre nombres attendus, min_lon,min_lat,max_lon,max_lat."))
    west, south, east, north = numbers
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise ParseError(_("bbox hors des limites : longitudes -180 à 180, latitudes -90 à 90, sud avant nord."))
    return [(west, south, east, north)] if west <= east else [(west, south, 180, north), (-180, south, east, north)]


def _int_param(request, name: str, *, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12) or not low <= int(raw) <= high:
        raise ParseError(_("{name} : entier de {low} à {high} attendu.").format(name=name, low=low, high=high))
    return int(raw)


ITEM_PARAMETERS = [
    F_PARAMETER,
    OpenApiParameter("bbox", str, description="min_lon,min_lat,max_lon,max_lat (CRS84)."),
    OpenApiParameter("datetime", str, description="Instant ou intervalle RFC 3339 (alertes : date des faits)."),
    OpenApiParameter("limit", int, description="Nombre d'objets par page (1 à 10000)."),
    OpenApiParameter("offset", int, description="Rang du premier objet (donné par le lien next)."),
]


class FeatureListApi(OgcApi, APIView):
    """A page of the collection's features as a GeoJSON FeatureCollection, with `next` link."""

    renderer_classes = [GeoJsonRenderer]
    allowed_params = {"f", "bbox", "datetime", "limit", "offset"}

    @extend_schema(tags=["ogc"], parameters=ITEM_PARAMETERS, responses=dict, operation_id="ogc_items_list")
    def get(self, request, collection_id: str):
        collection = _collection(collection_id)
        features = self._filtered(request, collection)
        limit = _int_param(
            request,
            "limit",
            default=settings.STANDARDS_OGC_DEFAULT_LIMIT,
            low=1,
            high=settings.STANDARDS_OGC_MAX_LIMIT,
        )
        offset = _int_param(request, "offset", default=0, low=0, high=10_000_000)
        with without_jit():
            page = page_of(features, offset=offset, size=limit + 1)
            matched = features.order_by().count()
        body = collection.serializer(page[:limit], many=True).data
        query = request.query_params.dict()
        links = [
            _link(
                _url(request, "ogc-items", query, collection_id=collection.id), "self", "application/geo+json", "self"
            )
        ]
        if len(page) > limit:
            links.append(
                _link(
                    _url(request, "ogc-items", {**query, "offset": offset + limit}, collection_id=collection.id),
                    "next",
                    "application/geo+json",
                    _("Page suivante"),
                )
            )
        body["numberMatched"] = matched
        body["numberReturned"] = min(len(page), limit)
        body["timeStamp"] = timezone.now().isoformat(timespec="seconds")
        body["links"] = links
        return Response(body)

    def _filtered(self, request, collection: ogc.Collection):
        features = collection.features(request.user)
        if "bbox" in request.query_params:
            boxes = _bbox(request.query_params["bbox"])
            overlaps = Q()
            for box in boxes:
                overlaps |= Q(**{f"{collection.geometry_field}__bboverlaps": Polygon.from_bbox(box)})
            features = features.filter(overlaps)
        if collection.temporal and "datetime" in request.query_params:
            try:
                start, end, _instant = ogc.datetime_interval(request.query_params["datetime"])
            except ogc.InvalidInterval:
                raise ParseError(
                    _("datetime : instant ou intervalle RFC 3339 attendu (début/fin, « .. » ouvert).")
                ) from None
            exact = bool(exact_location_commune_ids(request.user))
            features = ogc.alerts_in_interval(features, start, end, exact=exact)
        return features.order_by(collection.id_lookup)


class FeatureDetailApi(OgcApi, APIView):
    renderer_classes = [GeoJsonRenderer]

    @extend_schema(tags=["ogc"], parameters=[F_PARAMETER], responses=dict)
    def get(self, request, collection_id: str, feature_id: str):
        collection = _collection(collection_id)
        if collection.id_lookup == "id" and not (
            feature_id.isascii() and feature_id.isdigit() and len(feature_id) < 12
        ):
            raise Http404(_("Objet introuvable."))
        feature = collection.features(request.user).filter(**{collection.id_lookup: feature_id}).first()
        if feature is None:
            raise Http404(_("Objet introuvable."))
        body = collection.serializer(feature).data
        body["links"] = [
            _link(
                _url(request, "ogc-item", collection_id=collection.id, feature_id=feature_id),
                "self",
                "application/geo+json",
                "self",
            ),
            _link(
                _url(request, "ogc-collection", collection_id=collection.id),
                "collection",
                "application/json",
                "collection",
            ),
        ]
        return Response(body)
