"""Server-side maps (folium + branca): pure functions from data a selector already fetched and a
serializer already shaped. Nothing here touches the ORM.

Folium loads Leaflet, jQuery, Bootstrap and Font Awesome from CDNs by default; `LocalMap` replaces
that list with the Leaflet served by the app (installed by npm), and the maps only use plain
Leaflet layers (GeoJson, CircleMarker, tooltips), which need nothing else."""

from dataclasses import dataclass

import branca.element
import folium
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.translation import gettext as _

from maps.tooltips import TextTooltip

# Colour per category family, shared by the folium maps and the page scripts (passed as JSON).
# Chosen from the Okabe-Ito palette, readable by colour-blind people.
FAMILY_COLOURS = {
    "burglary": "#D55E00",
    "theft": "#0072B2",
    "incivility": "#CC79A7",
    "suspicious": "#E69F00",
    "other": "#009E73",
}
ZONE_STYLE = {"color": "#1f3b73", "weight": 2, "fillOpacity": 0.06}


class LocalMap(folium.Map):
    """A folium map whose scripts and styles come from this server only."""

    default_js = [("leaflet", static("vendor/leaflet/leaflet.js"))]
    default_css = [("leaflet_css", static("vendor/leaflet/leaflet.css"))]


@dataclass(frozen=True)
class RenderedMap:
    """The three parts of a folium page, to place in our own template."""

    head: str
    body: str
    script: str


LEGEND_TEMPLATE = """{% macro html(this, kwargs) %}
<div class="map-legend" aria-hidden="true">{{ this.items }}</div>
{% endmacro %}"""


class Legend(branca.element.MacroElement):
    _template = branca.element.Template(LEGEND_TEMPLATE)

    def __init__(self, items: str):
        super().__init__()
        self._name = "Legend"
        self.items = items


def family_legend(family_labels: dict[str, str]) -> Legend:
    items = "".join(
        f'<span><i style="background:{FAMILY_COLOURS.get(code, "#555")}"></i>{escape(label)}</span>'
        for code, label in family_labels.items()
    )
    return Legend(items)


def neighbourhood_map(
    *,
    area: dict,
    alerts: dict,
    family_labels: dict[str, str],
    tile_url: str,
    tile_attribution: str,
) -> RenderedMap:
    """The resident's neighbourhoods (a GeoJSON feature or collection) and their alerts (a FeatureCollection whose
    points are already generalised), fitted to the neighbourhood."""
    fmap = LocalMap(location=None, tiles=None, height=480, prefer_canvas=True, control_scale=True)
    folium.TileLayer(tiles=tile_url, attr=tile_attribution, name=_("Fond de carte")).add_to(fmap)
    boundary = folium.GeoJson(area, name=_("Mon quartier"), style_function=lambda _feature: ZONE_STYLE)
    boundary.add_to(fmap)
    for feature in alerts["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        props = feature["properties"]
        marker = folium.CircleMarker(
            location=(lat, lon),
            radius=9,
            color="#222",
            weight=1,
            fill=True,
            fill_color=FAMILY_COLOURS.get(props["family"], "#555"),
            fill_opacity=0.9,
        )
        marker.add_child(TextTooltip(f"{props['category_label']} · {props['occurred_on']}"))
        marker.add_to(fmap)
    fmap.get_root().html.add_child(family_legend(family_labels))
    fmap.fit_bounds(geojson_bounds(area))
    return rendered_parts(fmap)


def rendered_parts(fmap: LocalMap) -> RenderedMap:
    """Render a map into parts for our own page. Folium's header assumes a full-window map: it
    blocks zooming on phones (user-scalable=no, an accessibility failure) and resets the page's
    body; only its size rule is kept. Its inline script setting Leaflet's switches to their
    defaults goes too: the only inline script of the page is `script`, which the template gives
    the Content-Security-Policy nonce."""
    root = fmap.get_root()
    root.render()
    drop_full_window_header(fmap)
    return RenderedMap(head=root.header.render(), body=root.html.render(), script=root.script.render())


def drop_full_window_header(fmap: folium.Map) -> None:
    """Replace the header of a rendered Folium map (a viewport that forbids zooming, a body reset)
    by its size rule alone."""
    header = fmap.get_root().header._children
    header.pop("meta_http", None)
    header[fmap.get_name()] = branca.element.Element(
        f"<style>#{fmap.get_name()} {{position: relative; width: 100%; height: {fmap.height[0]}{fmap.height[1]};}}"
        "</style>"
    )


def geojson_bounds(feature: dict) -> list[list[float]]:
    """[[south, west], [north, east]] of a Polygon/MultiPolygon feature, or of a collection of them,
    as Leaflet wants."""
    features = feature["features"] if feature["type"] == "FeatureCollection" else [feature]
    polygons = [
        polygon
        for geometry in (f["geometry"] for f in features)
        for polygon in (geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]])
    ]
    lons = [lon for polygon in polygons for ring in polygon for lon, _lat in ring]
    lats = [lat for polygon in polygons for ring in polygon for _lon, lat in ring]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]
