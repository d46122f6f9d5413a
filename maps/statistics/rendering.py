"""Folium maps and SVG charts of the statistics pages: pure functions of data already fetched.

Folium's defaults load Leaflet, jQuery and Bootstrap from CDNs; the maps here load only the
Leaflet shipped with the app (static/vendor) and draw everything as GeoJSON, so no external
library is fetched at run time."""

import json
import re
from dataclasses import dataclass

import folium
import numpy as np
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from scipy import stats

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


@dataclass(frozen=True)
class RenderedMap:
    head: str
    body: str
    script: str


def class_breaks(values: list[float]) -> list[float]:
    finite = np.array([v for v in values if v is not None], dtype=float)
    if finite.size == 0:
        return []
    return list(np.unique(np.quantile(finite, [0.2, 0.4, 0.6, 0.8])))


def colour_of(value: float | None, breaks: list[float]) -> str:
    if value is None:
        return "#dddddd"
    return PALETTE[int(np.searchsorted(breaks, value, side="right"))] if breaks else PALETTE[2]


def _style(layer: MapLayer, breaks: list[float]):
    def style(feature):
        properties = feature["properties"]
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


def statistics_map(
    *, center: tuple[float, float], layers: list[MapLayer], tile_url: str, tile_attribution: str
) -> RenderedMap:
    """A Leaflet map (lat, lon centre) with one toggleable GeoJSON layer per entry of `layers`."""
    folium_map = folium.Map(location=center, zoom_start=14, tiles=None, control_scale=True)
    local_leaflet(folium_map)
    folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="Fond de carte").add_to(folium_map)
    for layer in layers:
        data = json.loads(layer.geojson)
        if not data.get("features"):
            continue
        breaks = class_breaks([f["properties"].get(layer.value) for f in data["features"]]) if layer.value else []
        fields, labels = zip(*layer.tooltip, strict=True) if layer.tooltip else ((), ())
        geojson = folium.GeoJson(data, name=layer.name, show=layer.show, style_function=_style(layer, breaks))
        if fields:
            geojson.add_child(PropertiesTooltip(list(fields), list(labels)))
        geojson.add_to(folium_map)
    folium.LayerControl(collapsed=False).add_to(folium_map)
    figure = folium_map.get_root()
    figure.render()
    # Folium's header sets Leaflet's switches to their defaults in an inline script; without it, the
    # page's only inline script is `script`, which the template gives the CSP nonce.
    head = LEAFLET_SWITCHES.sub("", figure.header.render())
    return RenderedMap(head=head, body=figure.html.render(), script=figure.script.render())


def series_svg(*, months: list, values: list[int], width: int = 640, height: int = 160, small: int = 5) -> str:
    """A monthly line chart as inline SVG. Months under `small` events are drawn as hollow marks at
    mid-height of the 0-4 band, so the chart never shows a count the tables hide."""
    if not values:
        return ""
    pad, top = 30, max(max(values), small)
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * v / top

    shown = [v if v >= small else (small - 1) / 2 for v in values]
    points = " ".join(f"{pad + i * step:.1f},{y(v):.1f}" for i, v in enumerate(shown))
    marks = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3" class="{}"><title>{} : {}</title></circle>',
        (
            (
                f"{pad + i * step:.1f}",
                f"{y(v):.1f}",
                "hidden" if raw < small else "shown",
                m.strftime("%m/%Y"),
                str(raw) if raw >= small else "< 5",
            )
            for i, (v, raw, m) in enumerate(zip(shown, values, months, strict=True))
        ),
    )
    return format_html(
        '<svg class="series" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">'
        '<rect x="{p}" y="{band_y}" width="{band_w}" height="{band_h}" class="small-band"/>'
        '<polyline points="{points}" fill="none" stroke="#a50f15" stroke-width="2"/>{marks}'
        '<text x="2" y="{ty}" class="axis">{top}</text><text x="2" y="{by}" class="axis">0</text>'
        '<text x="{p}" y="{h2}" class="axis">{first}</text>'
        '<text x="{xl}" y="{h2}" class="axis" text-anchor="end">{last}</text></svg>',
        w=width,
        h=height,
        label="série mensuelle",
        p=pad,
        band_y=f"{y(small):.1f}",
        band_w=width - 2 * pad,
        band_h=f"{y(0) - y(small):.1f}",
        points=points,
        marks=marks,
        ty=pad,
        top=top,
        by=height - pad,
        h2=height - 8,
        first=months[0].strftime("%m/%Y"),
        last=months[-1].strftime("%m/%Y"),
        xl=width - pad,
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
