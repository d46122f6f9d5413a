"""Folium maps and SVG charts of the statistics pages: pure functions of data already fetched.

Folium's defaults load Leaflet, jQuery and Bootstrap from CDNs; the maps here load only the
Leaflet shipped with the app (static/vendor) and draw everything as GeoJSON, so no external
library is fetched at run time."""

import datetime as dt
import json
import re
from dataclasses import dataclass

import branca.element
import folium
import folium.map
import numpy as np
import shapely.geometry
from django.templatetags.static import static
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from scipy import stats

from maps.live.rendering import drop_full_window_header
from maps.tooltips import PropertiesTooltip

LEAFLET_SWITCHES = re.compile(r"<script>\s*L_NO_TOUCH = false;\s*L_DISABLE_3D = false;\s*</script>")
PALETTE = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
SPOT_COLOURS = {"chaud": "#c0392b", "froid": "#2c7fb8", "": "#bbbbbb"}


@dataclass(frozen=True)
class MapLayer:
    name: str
    geojson: str
    value: str | None  # property coloured on the PALETTE; None for hot spots
    tooltip: tuple[tuple[str, str], ...]  # (property, label)
    show: bool = True
    categories: tuple[str, ...] = ()  # labels of the classes, lowest first, when `value` is a class rank
    missing_label: str = ""  # what grey means on this layer, if it can be grey


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    label: str
    hollow: bool = False


@dataclass(frozen=True)
class Legend:
    """What a layer's colours mean, shown beside the map for every layer drawn."""

    layer: str
    entries: list[LegendEntry]


@dataclass(frozen=True)
class RenderedMap:
    head: str
    body: str
    script: str
    legends: list[Legend] = ()


def class_breaks(values: list[float]) -> list[float]:
    finite = np.array([v for v in values if v is not None], dtype=float)
    if finite.size == 0:
        return []
    return list(np.unique(np.quantile(finite, [0.2, 0.4, 0.6, 0.8])))


def colour_of(value: float | None, breaks: list[float]) -> str:
    if value is None:
        return "#dddddd"
    return PALETTE[int(np.searchsorted(breaks, value, side="right"))] if breaks else PALETTE[2]


def category_colours(n: int) -> tuple[str, ...]:
    """The darkest `n` colours of the palette, lightest first: class k (1-based) gets the k-th."""
    return PALETTE[-n:]


def _style(layer: MapLayer, breaks: list[float]):
    colours = category_colours(len(layer.categories)) if layer.categories else ()

    def style(feature):
        properties = feature["properties"]
        if colours:
            rank = properties.get(layer.value)
            colour = colours[min(max(int(rank), 1), len(colours)) - 1] if rank is not None else "#dddddd"
            return {"fillColor": colour, "color": "#555555", "weight": 0.4, "fillOpacity": 0.6}
        if layer.value is None:
            colour = SPOT_COLOURS.get(properties.get("spot") or "", SPOT_COLOURS[""])
            return {
                "fillColor": colour,
                "color": colour,
                "weight": 0.5,
                "fillOpacity": 0.6 if properties.get("spot") else 0.05,
            }
        return {
            "fillColor": colour_of(properties.get(layer.value), breaks),
            "color": "#555555",
            "weight": 0.6,
            "fillOpacity": 0.65,
        }

    return style


def local_leaflet(folium_map: folium.Map) -> None:
    """Only the Leaflet served by the app; no jQuery, Bootstrap or awesome-markers from a CDN."""
    folium_map.default_js = [("leaflet", static("vendor/leaflet/leaflet.js"))]
    folium_map.default_css = [("leaflet_css", static("vendor/leaflet/leaflet.css"))]


def _number(value: float) -> str:
    return number_format(round(value, 1), decimal_pos=1 if value % 1 else 0, use_l10n=True)


def layer_legend(layer: MapLayer, breaks: list[float]) -> Legend:
    """The classes of a coloured layer (bounds in the page's number format), or the hot spot colour."""
    if layer.value is None:
        return Legend(layer.name, [LegendEntry(SPOT_COLOURS["chaud"], gettext("point chaud"))])
    if layer.categories:
        colours = category_colours(len(layer.categories))
        return Legend(
            layer.name, [LegendEntry(c, str(label)) for c, label in zip(colours, layer.categories, strict=True)]
        )
    if not breaks:
        entries = [LegendEntry(PALETTE[2], gettext("toutes les zones"))]
    else:
        bounds = [None, *breaks, None]
        entries = []
        for low, high, colour in zip(bounds, bounds[1:], PALETTE, strict=False):
            if low is None:
                label = gettext("moins de %(high)s") % {"high": _number(high)}
            elif high is None:
                label = gettext("%(low)s ou plus") % {"low": _number(low)}
            else:
                label = gettext("de %(low)s à moins de %(high)s") % {"low": _number(low), "high": _number(high)}
            entries.append(LegendEntry(colour, label))
    if layer.missing_label:
        entries.append(LegendEntry("#dddddd", str(layer.missing_label)))
    return Legend(layer.name, entries)


ZONE_NAMES = branca.element.Template(
    """{% macro script(this, kwargs) %}
    {{ this.names|tojson }}.forEach(function (place) {
        L.circleMarker([place[1], place[2]], {radius: 0, opacity: 0, fill: false, interactive: false})
            .bindTooltip(function () { return document.createTextNode(place[0]); }, {{ this.options|tojson }})
            .addTo({{ this._parent.get_name() }});
    });
{% endmacro %}"""
)


class ZoneNames(branca.element.MacroElement):
    """Every zone's name in one element (one template, one loop in the page) rather than a marker
    and a tooltip element per zone: the text travels as JSON and reaches the page as a text node."""

    _template = ZONE_NAMES

    def __init__(self, names: list[tuple[str, float, float]]):
        super().__init__()
        self._name = "ZoneNames"
        self.names = [[str(name), lat, lon] for name, lat, lon in names]
        self.options = {"sticky": False, "permanent": True, "direction": "center", "className": "zone-name"}


def zone_names(*, names: list[tuple[str, float, float]]) -> folium.FeatureGroup:
    """The zones' names at a point inside each zone (lat, lon), as text that never hides a click."""
    group = folium.FeatureGroup(name=gettext("Noms des zones"), show=True)
    group.add_child(ZoneNames(names))
    return group


STYLED_GEOJSON = branca.element.Template(
    """{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = L.geoJson({{ this.data|tojson }}, {
        style: function (feature) { return feature.style; }
    });
{% endmacro %}"""
)


class StyledGeoJson(folium.map.Layer):
    """A GeoJSON layer whose features carry their style, computed here once: folium's `GeoJson`
    re-serialises the data, hashes every style and compiles a template per feature group, which
    cost more than the statistics behind the map."""

    _template = STYLED_GEOJSON

    def __init__(self, data: dict, *, name: str, show: bool, style):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "StyledGeoJson"
        for feature in data["features"]:
            feature["style"] = style(feature)
        self.data = data


def statistics_map(
    *,
    center: tuple[float, float],
    layers: list[MapLayer],
    tile_url: str,
    tile_attribution: str,
    bounds: tuple[float, float, float, float] | None = None,
    names: list[tuple[str, float, float]] = (),
) -> RenderedMap:
    """A Leaflet map (lat, lon centre) with one toggleable GeoJSON layer per entry of `layers`, fitted
    to `bounds` (lon/lat extent of the commune) so the whole commune is in view, the zones' `names`,
    a metric scale bar and a legend per layer drawn."""
    folium_map = folium.Map(location=center, zoom_start=14, tiles=None, control_scale=True)
    local_leaflet(folium_map)
    folium.TileLayer(tiles=tile_url, attr=tile_attribution, name=gettext("Fond de carte")).add_to(folium_map)
    legends = []
    for layer in layers:
        data = json.loads(layer.geojson)
        if not data.get("features"):
            continue
        breaks = class_breaks([f["properties"].get(layer.value) for f in data["features"]]) if layer.value else []
        fields, labels = zip(*layer.tooltip, strict=True) if layer.tooltip else ((), ())
        geojson = StyledGeoJson(data, name=layer.name, show=layer.show, style=_style(layer, breaks))
        if fields:
            geojson.add_child(PropertiesTooltip(list(fields), list(labels)))
        geojson.add_to(folium_map)
        legends.append(layer_legend(layer, breaks))
    if names:
        zone_names(names=names).add_to(folium_map)
    if bounds:
        west, south, east, north = bounds
        folium_map.fit_bounds([[south, west], [north, east]])
    folium.LayerControl(collapsed=False).add_to(folium_map)
    figure = folium_map.get_root()
    figure.render()
    drop_full_window_header(folium_map)
    # Folium's header sets Leaflet's switches to their defaults in an inline script; without it, the
    # page's only inline script is `script`, which the template gives the CSP nonce.
    head = LEAFLET_SWITCHES.sub("", figure.header.render())
    return RenderedMap(head=head, body=figure.html.render(), script=figure.script.render(), legends=legends)


def _tick_top(top: int) -> int:
    """A round axis maximum at or above `top`: 5, 10, 20, 25, 50, 100..."""
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top <= step:
            return step
    return int(np.ceil(top / 1000) * 1000)


def series_svg(
    *,
    months: list,
    values: list[int],
    previous: list[int] | None = None,
    adoption: dt.date | None = None,
    width: int = 680,
    height: int = 230,
    small: int = 5,
) -> str:
    """A monthly line chart as inline SVG with labelled axes: every month on the x axis (short name,
    year under January and the first month), events per month on the y axis (0, half, top, in the
    page's number format), the same months of the year before as a dashed grey line, and the
    adoption month marked. Months under `small` events are drawn as hollow marks at mid-height of
    the 0-4 band, so the chart never shows a count the tables hide."""
    if not values:
        return ""
    left, right, top_pad, bottom = 48, 12, 22, 52
    top = _tick_top(max([*values, *(previous or []), small]))
    step = (width - left - right) / max(len(values) - 1, 1)

    def x(i: float) -> float:
        return left + i * step

    def y(v: float) -> float:
        return height - bottom - (height - bottom - top_pad) * v / top

    def line(series: list[int]) -> str:
        shown = [v if v >= small else (small - 1) / 2 for v in series]
        return " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(shown))

    marks = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3" class="{}"><title>{} : {}</title></circle>',
        (
            (
                f"{x(i):.1f}",
                f"{y(raw if raw >= small else (small - 1) / 2):.1f}",
                "hidden" if raw < small else "shown",
                date_format(m, "YEAR_MONTH_FORMAT"),
                number_format(raw) if raw >= small else "< 5",
            )
            for i, (raw, m) in enumerate(zip(values, months, strict=True))
        ),
    )
    y_ticks = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="grid"/>'
        '<text x="{}" y="{}" class="axis" text-anchor="end">{}</text>',
        ((left, f"{y(v):.1f}", width - right, f"{y(v):.1f}", left - 4, f"{y(v) + 3:.1f}", number_format(v))
         for v in (0, top // 2, top)),
    )  # fmt: skip
    x_ticks = format_html_join(
        "",
        '<text x="{}" y="{}" class="axis month" text-anchor="middle">{}</text>{}',
        (
            (
                f"{x(i):.1f}",
                height - bottom + 14,
                date_format(m, "N") if len(months) <= 24 or m.month in (1, 4, 7, 10) else "",
                format_html(
                    '<text x="{}" y="{}" class="axis" text-anchor="middle">{}</text>',
                    f"{x(i):.1f}",
                    height - bottom + 27,
                    m.year,
                )
                if (i == 0 or m.month == 1)
                else "",
            )
            for i, m in enumerate(months)
        ),
    )
    adoption_mark = ""
    if adoption is not None:
        month = adoption.replace(day=1)
        if month in months:
            ax = x(months.index(month))
            adoption_mark = format_html(
                '<g class="adoption" data-month="{}"><line x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text x="{}" y="{}" text-anchor="middle">{}</text></g>',
                month.strftime("%Y-%m"),
                f"{ax:.1f}",
                top_pad - 4,
                f"{ax:.1f}",
                height - bottom,
                f"{ax:.1f}",
                top_pad - 8,
                gettext("adhésion (%(date)s)") % {"date": date_format(adoption, "SHORT_DATE_FORMAT")},
            )
    earlier = (
        format_html('<polyline points="{}" class="previous"/>', line(previous)) if previous and any(previous) else ""
    )
    return format_html(
        '<svg class="series" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">'
        '<rect x="{l}" y="{band_y}" width="{band_w}" height="{band_h}" class="small-band"/>{y_ticks}'
        '{earlier}<polyline points="{points}" fill="none" stroke="#a50f15" stroke-width="2"/>{marks}{x_ticks}'
        '{adoption}<text x="12" y="{mid}" class="axis title" transform="rotate(-90 12 {mid})" text-anchor="middle">'
        "{y_title}</text>"
        '<text x="{cx}" y="{h2}" class="axis title" text-anchor="middle">{x_title}</text></svg>',
        w=width,
        h=height,
        label=gettext("série mensuelle"),
        l=left,
        band_y=f"{y(small):.1f}",
        band_w=width - left - right,
        band_h=f"{y(0) - y(small):.1f}",
        y_ticks=y_ticks,
        earlier=earlier,
        points=line(values),
        marks=marks,
        x_ticks=x_ticks,
        adoption=adoption_mark,
        mid=f"{(height - bottom + top_pad) / 2:.0f}",
        y_title=gettext("événements par mois"),
        cx=f"{(width + left) / 2:.0f}",
        h2=height - 4,
        x_title=gettext("mois (trait gris pointillé : les mêmes mois un an plus tôt)") if earlier else gettext("mois"),
    )


FUNNEL_LIMITS = ((0.001, 0.999, "limit-998"), (0.025, 0.975, "limit-95"))


def funnel_svg(*, rows: list[dict], width: int = 640, height: int = 320) -> str:
    """The funnel plot of zones (Spiegelhalter 2005): each zone's published count over what the
    commune's rate gives on its base (O/E, y) against that expected count (E, x), inside the Poisson
    limits at 95 % and 99.8 %, which narrow as E grows. Zones whose count is hidden ("< 5") have no
    position and are not drawn: a point would narrow the hidden count down."""
    placed = [row for row in rows if row.get("funnel") and row.get("expected")]
    if not placed:
        return ""
    pad = 36
    e_max = max(row["expected"] for row in placed) * 1.1
    grid = np.linspace(max(e_max / 200, 0.5), e_max, 80)
    curves = {
        name: (stats.poisson.ppf(low, grid) / grid, stats.poisson.ppf(high, grid) / grid)
        for low, high, name in FUNNEL_LIMITS
    }
    ratios = [row["count"] / row["expected"] for row in placed]
    y_max = max(2.0, min(5.0, max(ratios) * 1.1))

    def x(e: float) -> float:
        return pad + (width - 2 * pad) * e / e_max

    def y(ratio: float) -> float:
        return height - pad - (height - 2 * pad) * min(ratio, y_max) / y_max

    def line(values) -> str:
        return " ".join(f"{x(e):.1f},{y(v):.1f}" for e, v in zip(grid, values, strict=True))

    limits = format_html_join(
        "",
        '<polyline points="{}" class="{}"/><polyline points="{}" class="{}"/>',
        ((line(low), name, line(high), name) for name, (low, high) in curves.items()),
    )
    points = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="4" class="zone {}"><title>{} : {} / {} ({})</title></circle>',
        (
            (
                f"{x(row['expected']):.1f}",
                f"{y(ratio):.1f}",
                row["funnel"],
                row["zone"],
                row["count"],
                row["expected"],
                row["funnel_label"],
            )
            for row, ratio in zip(placed, ratios, strict=True)
        ),
    )
    return format_html(
        '<svg class="funnel" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">'
        '<line x1="{p}" y1="{one}" x2="{xr}" y2="{one}" class="reference"/>{limits}{points}'
        '<text x="2" y="{ty}" class="axis">{top}</text><text x="2" y="{one_text}" class="axis">1</text>'
        '<text x="2" y="{by}" class="axis">0</text>'
        '<text x="{xr}" y="{h2}" class="axis" text-anchor="end">{x_label} {e_max}</text></svg>',
        w=width,
        h=height,
        label=gettext("entonnoir des zones"),
        p=pad,
        xr=width - pad,
        one=f"{y(1):.1f}",
        one_text=f"{y(1) + 3:.1f}",
        limits=limits,
        points=points,
        ty=pad,
        top=f"{y_max:.1f}",
        by=height - pad,
        h2=height - 8,
        x_label=gettext("événements attendus au taux de la commune :"),
        e_max=f"{e_max:.0f}",
    )


def _nice_distance(metres: float) -> int:
    for step in (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000):
        if metres <= step:
            return step
    return 100000


def zone_map_svg(*, geojson: str, value: str, bounds: tuple[float, float, float, float], width: int = 620) -> str:
    """A static map of the zones for print (the council report): each zone coloured like the page's
    map, its name at a point inside it, a metric scale bar. Longitudes are scaled by the cosine of
    the commune's latitude, so shapes and the scale bar are true to within a fraction of a percent at
    a commune's size."""
    data = json.loads(geojson)
    features = data.get("features") or []
    if not features:
        return ""
    west, south, east, north = bounds
    shrink = np.cos(np.radians((south + north) / 2))
    scale = width / max((east - west) * shrink, 1e-9)
    height = int((north - south) * scale) + 40
    breaks = class_breaks([f["properties"].get(value) for f in features])

    def point(lon: float, lat: float) -> str:
        return f"{(lon - west) * shrink * scale:.1f},{(north - lat) * scale:.1f}"

    shapes, names = [], []
    for feature in features:
        geometry = shapely.geometry.shape(feature["geometry"])
        polygons = geometry.geoms if hasattr(geometry, "geoms") else [geometry]
        path = " ".join(
            "M" + " L".join(point(lon, lat) for lon, lat in polygon.exterior.coords) + " Z" for polygon in polygons
        )
        shapes.append((path, colour_of(feature["properties"].get(value), breaks)))
        inside = geometry.representative_point()
        x, y = point(inside.x, inside.y).split(",")
        names.append((x, y, feature["properties"].get("zone", "")))
    metres_per_pixel = 111_320 / scale
    bar = _nice_distance(width / 4 * metres_per_pixel)
    bar_px = bar / metres_per_pixel
    bar_label = f"{number_format(bar // 1000)} km" if bar >= 1000 else f"{bar} m"
    return format_html(
        '<svg class="zone-map" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">{shapes}{names}'
        '<g class="scale"><line x1="10" y1="{sy}" x2="{sx}" y2="{sy}"/><text x="10" y="{ty}">{bar}</text></g></svg>',
        w=width,
        h=height,
        label=gettext("carte des zones"),
        shapes=format_html_join(
            "", '<path d="{}" fill="{}" stroke="#555" stroke-width="0.8" fill-opacity="0.8"/>', shapes
        ),
        names=format_html_join("", '<text x="{}" y="{}" class="zone-label" text-anchor="middle">{}</text>', names),
        sy=height - 12,
        sx=f"{10 + bar_px:.1f}",
        ty=height - 18,
        bar=bar_label,
    )
