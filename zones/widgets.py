"""A boundary editor for the admin that works offline: Leaflet from the app's own static files
(node_modules), not the OpenLayers build GeoDjango's default widget loads from a CDN."""

from django.conf import settings
from django.contrib.gis.forms.widgets import BaseGeometryWidget


class LeafletBoundaryWidget(BaseGeometryWidget):
    template_name = "zones/widgets/boundary_map.html"
    map_srid = 4326
    geom_type = "MULTIPOLYGON"

    class Media:
        css = {"all": ("vendor/leaflet/leaflet.css",)}
        js = ("vendor/leaflet/leaflet.js", "zones/js/boundary-editor.js")

    def serialize(self, value):
        return value.json if value else ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["tile_url"] = settings.MAPS_TILE_URL
        context["tile_attribution"] = settings.MAPS_TILE_ATTRIBUTION
        return context
