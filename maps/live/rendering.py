"""What the live map pages share with the statistics maps: the family colours (passed to the page
scripts as JSON) and the clean-up of a rendered folium map's header.

The live maps themselves (police, neighbourhood, commune) are drawn by the page scripts
(static/js/), their boundaries from the vector tiles (standards/)."""

import branca.element
import folium

# Colour per category family, shared by the maps and the page scripts (passed as JSON).
# Chosen from the Okabe-Ito palette, readable by colour-blind people.
FAMILY_COLOURS = {
    "burglary": "#D55E00",
    "theft": "#0072B2",
    "incivility": "#CC79A7",
    "suspicious": "#E69F00",
    "other": "#009E73",
}


def drop_full_window_header(fmap: folium.Map) -> None:
    """Replace the header of a rendered Folium map (a viewport that forbids zooming, a body reset)
    by its size rule alone."""
    header = fmap.get_root().header._children
    header.pop("meta_http", None)
    header[fmap.get_name()] = branca.element.Element(
        f"<style>#{fmap.get_name()} {{position: relative; width: 100%; height: {fmap.height[0]}{fmap.height[1]};}}"
        "</style>"
    )
