"""Commune outlines for the maps on which people click or draw (a home, an alert's place, the area
of a town-hall message): simplified, as GeoJSON, to show where the commune is and fit the map."""

from django.db.models import F, QuerySet
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from zones.apis import SimplifiedBoundary
from zones.models import Commune, Zone

# Enough to recognise the outline on screen, light enough to send every joined commune at once.
OUTLINE_TOLERANCE_M = 10


class CommuneOutlineSerializer(GeoFeatureModelSerializer):
    boundary = GeometryField(source="outline", read_only=True)

    class Meta:
        model = Commune
        geo_field = "boundary"
        fields = ["id", "code", "name"]


def commune_outlines(communes: QuerySet) -> dict:
    """A GeoJSON FeatureCollection of the communes' simplified boundaries (id, code, name)."""
    rows = communes.annotate(
        outline=SimplifiedBoundary(F("boundary"), F("metric_srid"), tolerance=float(OUTLINE_TOLERANCE_M))
    ).order_by("name")
    return CommuneOutlineSerializer(rows, many=True).data


class NeighbourhoodOutlineSerializer(GeoFeatureModelSerializer):
    boundary = GeometryField(source="outline", read_only=True)

    class Meta:
        model = Zone
        geo_field = "boundary"
        fields = ["id", "name", "commune"]


def neighbourhood_outlines(communes: QuerySet) -> dict:
    """The communes' neighbourhoods, simplified like the communes (id, name, commune id), to draw their
    outlines and names where a town hall chooses whom to tell."""
    rows = (
        Zone.objects.filter(commune__in=communes, kind=Zone.Kind.NEIGHBOURHOOD)
        .annotate(
            outline=SimplifiedBoundary(F("boundary"), F("commune__metric_srid"), tolerance=float(OUTLINE_TOLERANCE_M))
        )
        .order_by("name")
    )
    return NeighbourhoodOutlineSerializer(rows, many=True).data
