"""The mayor's dashboard: its map layers, built from the reports, and everything the page shows,
computed once per state of the data and kept in the cache."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext

from alerts.models import Family
from maps.statistics import caching, counts, evaluation, rendering, reports
from maps.statistics.apis import statistics_query
from maps.statistics.before_after import benchmark_sentence
from maps.statistics.rendering import MapLayer
from maps.statistics.summary import dashboard_summary

BAND_RANK = {label: rank for rank, (_floor, label) in enumerate(reversed(reports.COUNT_BANDS))}


@dataclass
class DashboardLayers:
    map_layers: list[MapLayer] = field(default_factory=list)
    hot_spots: list = field(default_factory=list)
    hot_spot_summary: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    names: list = field(default_factory=list)


def dashboard_layers(query: reports.StatisticsQuery, statistics) -> DashboardLayers:
    """Zone rates first, then density, hexagons and hot spots; a query the hexagon statistics cannot
    answer (too few events, say) keeps the zone layer and reports why the others are missing."""
    layers = DashboardLayers()
    try:
        density = reports.density_map_layer(query)
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
            MapLayer(
                gettext("Densité des événements"),
                reports.feature_collection(density),
                "level",
                (("level_label", gettext("densité")),),
                categories=tuple(str(label) for _floor, label in reversed(reports.DENSITY_LEVELS)),
            ),
            MapLayer(
                gettext("Hexagones (5 événements ou plus)"),
                reports.feature_collection(occupied),
                "band_rank",
                (("count_band", gettext("événements")),),
                show=False,
                categories=tuple(
                    gettext("%(band)s événements") % {"band": label}
                    for _floor, label in reversed(reports.COUNT_BANDS[:-1])
                ),
            ),
            MapLayer(
                gettext("Points chauds"),
                reports.feature_collection(hot),
                None,
                (("place", gettext("où")),),
                show=False,
            ),
        ]
    zone_layer = reports.zone_layer(query, statistics)
    layers.map_layers.insert(
        0,
        MapLayer(
            gettext("Taux par zone (pour 1 000 par an)"),
            reports.feature_collection(zone_layer),
            "rate_per_1000_per_year",
            (
                ("zone", gettext("zone")),
                ("count_display", gettext("événements")),
                ("rate_per_1000_per_year", gettext("taux / 1 000 / an")),
                ("rate_note", gettext("note")),
            ),
            missing_label=gettext("pas de taux (moins de 5 événements ou base trop petite)"),
        ),
    )
    layers.names = reports.zone_label_points(zone_layer)
    return layers


def dashboard_query(user, params: dict, code: str) -> reports.StatisticsQuery:
    """The page's query: the API's filters and access check, burglary unless a family is chosen."""
    query = statistics_query(user, {**params, "commune": code})
    if query.family is None:
        query.family = Family.BURGLARY
    return query


def dashboard_data(query: reports.StatisticsQuery, *, today: dt.date) -> dict:
    """Everything the dashboard shows for one query, in the active language. The before/after comes
    first: its zone scan spans the widest window, and the zone statistics are cut from it."""
    with counts.shared_scans():
        return _dashboard_data(query, today=today)


def _dashboard_data(query: reports.StatisticsQuery, *, today: dt.date) -> dict:
    before_after = reports.before_after_table(query, today=today)
    statistics = reports.zone_statistics(query)
    layers = dashboard_layers(query, statistics)
    town = query.commune.boundary.centroid
    summary = dashboard_summary(
        statistics=statistics, before_after=before_after, family=query.family, source=query.source
    )
    return {
        "summary": summary,
        "statistics": statistics,
        "funnel": rendering.funnel_svg(rows=[row for row in statistics["totals"] if row["family"] == query.family]),
        "before_after": before_after,
        "series": [
            {
                **s,
                "svg": rendering.series_svg(
                    months=s["months"], values=s["values"], previous=s["previous"], adoption=query.commune.adopted_on
                ),
            }
            for s in reports.monthly_series(query)
        ],
        "ssmsi": reports.ssmsi_table(query.commune),
        "evaluation": evaluation.recorded_evaluation(query.commune),
        "benchmark": str(benchmark_sentence()),
        "sources": reports.sources_of(query.commune),
        "map": rendering.statistics_map(
            center=(town.y, town.x),
            layers=layers.map_layers,
            tile_url=settings.MAPS_TILE_URL,
            tile_attribution=settings.MAPS_TILE_ATTRIBUTION,
            bounds=query.commune.boundary.extent,
            names=layers.names,
        ),
        "hot_spots": layers.hot_spots,
        "hot_spot_summary": layers.hot_spot_summary,
        "problems": layers.problems,
    }


def cached_dashboard_data(query: reports.StatisticsQuery, *, today: dt.date) -> dict:
    """`dashboard_data`, computed once per state of the data. Several web processes share the cache,
    and `maps.dashboards_warm` fills it for the mayors' default view in the background."""
    return caching.cached("dashboard", query, lambda: dashboard_data(query, today=today), today=today)
