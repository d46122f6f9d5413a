"""The map layers of the mayor's dashboard, built from the reports (no ORM, no folium here)."""

from dataclasses import dataclass, field

from maps.statistics import reports
from maps.statistics.rendering import MapLayer

BAND_RANK = {label: rank for rank, (_floor, label) in enumerate(reversed(reports.COUNT_BANDS))}


@dataclass
class DashboardLayers:
    map_layers: list[MapLayer] = field(default_factory=list)
    hot_spots: list = field(default_factory=list)
    hot_spot_summary: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def dashboard_layers(query: reports.StatisticsQuery, statistics) -> DashboardLayers:
    """Zone rates first, then density, hexagons and hot spots; a query the hexagon statistics cannot
    answer (too few events, say) keeps the zone layer and reports why the others are missing."""
    layers = DashboardLayers()
    try:
        density = reports.density_layer(query)
        hexagons, layers.hot_spot_summary = reports.hexagon_layer(query)
    except reports.StatisticsInputError as error:
        layers.problems.append(str(error))
    else:
        # Cold spots over empty countryside say nothing to a mayor: the page lists and maps hot spots.
        layers.hot_spots = reports.hot_spot_rows(hexagons)
        hexagons = reports.published_hexagons(hexagons)
        hot = hexagons[hexagons["spot"] == "chaud"] if len(hexagons) else hexagons
        occupied = hexagons[hexagons["count_band"] != "< 5"] if len(hexagons) else hexagons
        if len(occupied):
            occupied = occupied.assign(band_rank=occupied["count_band"].map(BAND_RANK))
        layers.map_layers = [
            MapLayer("Densité (noyau)", density.to_json(drop_id=True), "level", (("level_label", "densité"),)),
            MapLayer(
                "Hexagones (5 événements ou plus)",
                occupied.to_json(drop_id=True),
                "band_rank",
                (("count_band", "événements"),),
                show=False,
            ),
            MapLayer("Points chauds (Gi*)", hot.to_json(drop_id=True), None, (("place", "où"),), show=False),
        ]
    zone_layer = reports.zone_layer(query, statistics)
    layers.map_layers.insert(
        0,
        MapLayer(
            "Taux par zone",
            zone_layer.to_json(drop_id=True),
            "rate_per_1000_per_year",
            (
                ("zone", "zone"),
                ("count_display", "événements"),
                ("rate_per_1000_per_year", "taux / 1 000 / an"),
                ("rate_note", "note"),
            ),
        ),
    )
    return layers
