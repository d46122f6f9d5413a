"""Vector tiles (`/tiles/{collection}/{z}/{x}/{y}.pbf`) and their TileJSON description
(`/tiles/{collection}.json`). Public and throttled; alert tiles hold grid cell centres, except
for a police agent of the commune, whose tiles are neither shared nor stored."""

import hashlib

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.tiles import InvalidTile, tile_check
from standards.apis.common import OpenApi
from standards.vector_tiles import LAYERS, TileLayer, tile_cached

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


def _layer(collection: str) -> TileLayer:
    layer = LAYERS.get(collection)
    if layer is None:
        raise Http404(_("Couche inconnue : « {name} ».").format(name=collection))
    return layer


class TileGetApi(OpenApi, APIView):
    """One vector tile of a collection (Mapbox Vector Tile 2.1, one layer named after the collection)."""

    throttle_scope = "standards-tiles"

    @extend_schema(
        tags=["tiles"],
        responses={
            (200, MVT_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Tuile vectorielle."),
            304: OpenApiResponse(description="Inchangée depuis l'ETag envoyé."),
        },
    )
    def get(self, request, collection: str, z: int, x: int, y: int):
        layer = _layer(collection)
        try:
            tile_check(z, x, y)
        except InvalidTile as error:
            raise ParseError(str(error)) from None
        tile, shared = tile_cached(layer, user=request.user, z=z, x=x, y=y)
        etag = f'"{hashlib.sha256(tile).hexdigest()[:32]}"'
        if shared and etag in request.headers.get("If-None-Match", ""):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(tile, content_type=MVT_MEDIA_TYPE)
        if shared:
            response["Cache-Control"] = f"public, max-age={layer.cache_seconds()}"
            response["ETag"] = etag
        else:
            response["Cache-Control"] = "private, no-store"
        if layer.personal:
            response["Vary"] = "Cookie"
        return response


class TileJsonGetApi(OpenApi, APIView):
    """The TileJSON 3.0.0 description of a collection's tiles: their URL, zooms, fields."""

    @extend_schema(
        tags=["tiles"],
        responses=inline_serializer(
            "TileJson",
            {
                "tilejson": serializers.CharField(),
                "name": serializers.CharField(),
                "description": serializers.CharField(),
                "tiles": serializers.ListField(child=serializers.URLField()),
                "minzoom": serializers.IntegerField(),
                "maxzoom": serializers.IntegerField(),
                "bounds": serializers.ListField(child=serializers.FloatField()),
                "vector_layers": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request, collection: str):
        layer = _layer(collection)
        template = reverse("tile", kwargs={"collection": layer.name, "z": 0, "x": 0, "y": 0})
        template = template.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")
        description = str(layer.description)
        return Response(
            {
                "tilejson": "3.0.0",
                "name": layer.name,
                "description": description,
                "version": "1.0.0",
                "scheme": "xyz",
                "tiles": [request.build_absolute_uri(template).replace("%7B", "{").replace("%7D", "}")],
                "minzoom": layer.minzoom,
                "maxzoom": layer.maxzoom,
                "bounds": [-180, -85.051129, 180, 85.051129],
                "attribution": "Vigie",
                "vector_layers": [
                    {
                        "id": layer.name,
                        "description": description,
                        "minzoom": layer.minzoom,
                        "maxzoom": layer.maxzoom,
                        "fields": layer.fields,
                    }
                ],
            }
        )
