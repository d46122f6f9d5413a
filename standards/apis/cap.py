"""The commune's CAP 1.2 feed (`/cap/{commune_code}.xml`): an Atom feed whose entries each carry
a CAP alert. Public and throttled."""

from django.http import Http404, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from standards.apis.common import OpenApi
from standards.cap import atom_feed, commune_messages
from zones.models import Commune


class CapFeedApi(OpenApi, APIView):
    """The town hall's messages and the alerts of public categories, newest first, as CAP 1.2 in Atom."""

    @extend_schema(
        tags=["cap"],
        responses={
            (200, "application/atom+xml"): OpenApiResponse(OpenApiTypes.STR, description="Flux Atom de CAP 1.2.")
        },
    )
    def get(self, request, commune_code: str):
        commune = Commune.objects.filter(code=commune_code).first()
        if commune is None:
            raise Http404(_("Commune introuvable."))
        language = "fr-FR" if (get_language() or "fr").startswith("fr") else "en-GB"
        body = atom_feed(
            commune,
            commune_messages(commune),
            feed_url=request.build_absolute_uri(),
            web=request.build_absolute_uri("/"),
            language=language,
        )
        response = HttpResponse(body, content_type="application/atom+xml; charset=utf-8")
        response["Cache-Control"] = "public, max-age=60"
        return response
