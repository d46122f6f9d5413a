"""The figures of a commune's statistics dashboard, API and exports, assembled from the SQL
aggregates (maps.statistics.counts) and the pure statistics (before_after, heatmap, hotspots).

Every published count of events goes through `disclosure.protected` (cell-key perturbation; under 5 it reads "< 5")."""

import datetime as dt
import functools
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from scipy import stats

from alerts.models import Family
from edge.replica import reads_from_replica
from maps.statistics import counts
from maps.statistics.before_after import (
    EARLIER_YEARS,
    Periods,
    add_months,
    against_comparison,
    before_after,
    benchmark_sentence,
    count_display,
    months_between,
    peak_before,
    periods_around,
)
from maps.statistics.disclosure import display, protected
from maps.statistics.heatmap import cell_polygons, kernel_density, level_shapes, shown_cells
from maps.statistics.hotspots import getis_ord_hot_spots, neighbour_lists, prediction_accuracy_index
from maps.statistics.intervals import dispersion_from_blocks, garwood
from zones.models import Commune, Zone

METHOD = _(
    "Comptage : un événement compte dans chaque zone dont la limite le couvre (ST_Covers) ; un point situé "
    "exactement sur la limite entre deux zones compte donc dans les deux, et la somme des zones peut dépasser "
    "le total de la commune. Les alertes publiées et la délinquance enregistrée sont deux sources distinctes, "
    "jamais additionnées. Taux annualisés pour 1 000 ménages (ou habitants à défaut), non calculés pour une zone "
    "de moins de 100 ménages (ou 250 habitants), où un seul événement ferait varier le taux autant que celui "
    "d'une commune entière. Les effectifs inférieurs "
    "à 5 sont affichés « < 5 »."
)


class StatisticsInputError(ValueError):
    """A request the statistics cannot answer as asked (grid too fine, too many hexagons...)."""


@dataclass
class StatisticsQuery:
    commune: Commune
    start: dt.date
    end: dt.date  # exclusive: first day of the month after the last one
    kind: str = Zone.Kind.NEIGHBOURHOOD
    source: str = counts.ALERTS
    family: str | None = None
    reference: dt.date | None = None
    months: int = 12
    comparison: list[int] = field(default_factory=list)
    bandwidth: float = 200.0
    cell: float = 50.0
    hexagon: float = 174.0

    def events(self, **changes) -> counts.EventFilter:
        values = {"source": self.source, "start": self.start, "end": self.end, "family": self.family, **changes}
        return counts.EventFilter(commune_id=self.commune.id, time_zone=self.commune.time_zone, **values)

    @property
    def families(self) -> list[str]:
        """The families this source can have: police.uk has no type for "suspicious", so that family is
        left out for it (never shown as "< 5", which would read as a small count)."""
        possible = [f for f in Family.values if not (self.source != counts.ALERTS and f == Family.SUSPICIOUS)]
        return [self.family] if self.family else possible


def natural_key(name: str) -> list:
    """Sorts "Quartier 2" before "Quartier 10", as a reader expects."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", name)]


def zones_of(query: StatisticsQuery) -> list[dict]:
    """The commune's current zones of the chosen kind, in natural order of their names."""
    zones = (
        Zone.objects.current()
        .filter(commune=query.commune, kind=query.kind)
        .values("id", "name", "households", "population")
    )
    return sorted(zones, key=lambda zone: natural_key(zone["name"]))


def boundaries_of(query: StatisticsQuery) -> dict:
    """Which boundaries the figures use: always the zones in force today, every event (past ones
    included) counted in the zone its location lies in by them; earlier versions say only that the
    town has redrawn, which a mayor comparing with an older report should know."""
    zones = Zone.objects.filter(commune=query.commune, kind=query.kind)
    since = zones.current().aggregate(since=Max("valid_from"))["since"]
    return {
        "version": "current",
        "in_force_since": timezone.localtime(since, ZoneInfo(query.commune.time_zone)).date().isoformat()
        if since
        else None,
        "events_assigned_by": "location",
        "earlier_versions": zones.filter(valid_until__isnull=False).count(),
    }


# Below these bases a rate is withheld: with fewer than 100 households one event more or less moves
# the yearly rate by 10 per 1,000 or more, as much as a whole commune's yearly burglary rate
# (about 6 per 1,000 dwellings in France), so the rate would describe the base, not the crime.
# 250 inhabitants is about 100 households (2.2 persons per household in France).
MIN_RATE_BASE = {"households": 100, "population": 250}


def _rate_base(zone: dict) -> tuple[str | None, str | None]:
    for basis, label in (("households", "ménages"), ("population", "habitants")):
        if zone.get(basis):
            return basis, label
    return None, None


def annual_rate(count: int, zone: dict, months: int) -> tuple[float | None, str | None]:
    """Events per 1,000 households a year, or per 1,000 inhabitants when households are unknown;
    None when the base is under MIN_RATE_BASE."""
    basis, label = _rate_base(zone)
    if basis is None or months <= 0:
        return None, None
    if zone[basis] < MIN_RATE_BASE[basis]:
        return None, label
    return round(count * 12 / months / zone[basis] * 1000, 2), label


def rate_note(zone: dict) -> str | None:
    """Why a zone has no rate when its base is too small to give one."""
    basis, _label = _rate_base(zone)
    if basis is None or zone[basis] >= MIN_RATE_BASE[basis]:
        return None
    labels = {"households": _("ménages"), "population": _("habitants")}
    return _("taux non calculé : %(n)d %(label)s seulement, il en faut au moins %(min)d") % {
        "n": zone[basis],
        "label": labels[basis],
        "min": MIN_RATE_BASE[basis],
    }


def type_rows(query: StatisticsQuery, type_counts: list[tuple]) -> list[dict]:
    """The commune's counts by type under each family (the alert category, the police.uk crime type),
    published like every count: violence and sexual offences, drugs or weapons no longer vanish into
    "other"."""
    rows = []
    for family, category, n, cell_key in type_counts:
        if family not in query.families:
            continue
        shown = protected(n, cell_key)
        rows.append(
            {
                "family": family,
                "family_label": str(Family(family).label),
                "type": category,
                "count": shown,
                "count_display": display(shown),
            }
        )
    return sorted(rows, key=lambda row: (list(Family.values).index(row["family"]), row["type"]))


def coverage(query: StatisticsQuery) -> dict:
    """Which months of the period have data for the source: alerts from the commune's first month with
    alerts on (a month without alerts then is a true 0), recorded crime only the months imported. Rates
    divide by the covered months only; the others read "pas de données"."""
    period = [add_months(query.start, i) for i in range(months_between(query.start, query.end))]
    if query.source == counts.ALERTS:
        first = counts.first_month(query.events(start=None, end=None, family=None))
        covered = [m for m in period if first is not None and m >= first]
    else:
        present = set(counts.months_with_data(query.events(family=None)))
        covered = [m for m in period if m in present]
    outside = protected(*counts.outside_zones(query.events(), kind=query.kind))
    unlocated = 0 if query.source == counts.ALERTS else counts.rows_without_location(query.source)
    return {
        "months_in_period": len(period),
        "months_covered": len(covered),
        "months_without_data": [m.strftime("%Y-%m") for m in period if m not in covered],
        "outside_zones": outside,
        "outside_zones_display": display(outside),
        "rows_without_location": unlocated,
    }


@reads_from_replica
@counts.shared_scans()
def zone_statistics(query: StatisticsQuery) -> dict:
    zones = zones_of(query)
    rows = counts.zone_month_counts(query.events(), kind=query.kind)
    covered = coverage(query)
    months = covered["months_covered"]
    totals = counts.by_key(rows, 2)
    # The commune's totals are its types added up (cell keys add modulo 256): one scan fewer.
    type_counts = counts.commune_type_counts(query.events())
    commune_totals = counts.by_key(type_counts, 1)
    total_rows = []
    for zone in zones:
        for family in query.families:
            shown = protected(*totals.get((zone["id"], family), (0, 0)))
            rate, basis = annual_rate(shown or 0, zone, months)
            total_rows.append(
                {
                    "zone_id": zone["id"],
                    "zone": zone["name"],
                    "family": family,
                    "source": query.source,
                    "count": shown,
                    "count_display": display(shown),
                    "rate_per_1000_per_year": rate if shown is not None else None,
                    "rate_basis": basis,
                    "rate_note": rate_note(zone),
                    **_interval(shown, zone, months),
                }
            )
    _funnel(total_rows, zones, months)
    names = {zone["id"]: zone["name"] for zone in zones}
    month_rows = [
        {
            "zone_id": zone_id,
            "zone": names[zone_id],
            "family": family,
            "source": query.source,
            "month": month.strftime("%Y-%m"),
            "count": protected(n, cell_key),
            "count_display": display(protected(n, cell_key)),
        }
        for zone_id, family, month, n, cell_key in sorted(
            rows, key=lambda r: (natural_key(names.get(r[0], "")), r[1], r[2])
        )
        if zone_id in names
    ]
    commune_rows = [
        {"family": f, "count": protected(*commune_totals.get((f,), (0, 0))), "count_display": ""}
        for f in query.families
    ]
    for row in commune_rows:
        row["count_display"] = display(row["count"])
    return {
        "commune": query.commune.code,
        "source": query.source,
        "kind": query.kind,
        "start": query.start.strftime("%Y-%m"),
        "end": add_months(query.end, -1).strftime("%Y-%m"),
        "method": str(METHOD),
        "coverage": covered,
        "boundaries": boundaries_of(query),
        "commune_totals": commune_rows,
        "types": type_rows(query, type_counts),
        "totals": total_rows,
        "months": month_rows,
    }


def _interval(shown: int | None, zone: dict, months: int) -> dict:
    """Garwood 95 % interval of a published count and of its rate (none for "< 5")."""
    if shown is None:
        return {"count_low": None, "count_high": None, "rate_low": None, "rate_high": None}
    low, high = garwood(shown)
    rate_low, _basis = annual_rate(low, zone, months)
    rate_high, _basis = annual_rate(high, zone, months)
    return {"count_low": round(low, 1), "count_high": round(high, 1), "rate_low": rate_low, "rate_high": rate_high}


FUNNEL_LABELS = {
    "above_998": gettext_lazy("nettement au-dessus de la commune (limite à 99,8 %)"),
    "above_95": gettext_lazy("au-dessus de la commune (limite à 95 %)"),
    "inside": gettext_lazy("dans l'entonnoir : pas différent de la commune"),
    "below_95": gettext_lazy("en dessous de la commune (limite à 95 %)"),
    "below_998": gettext_lazy("nettement en dessous de la commune (limite à 99,8 %)"),
}


def _funnel(rows: list[dict], zones: list[dict], months: int) -> None:
    """Funnel plot positions (Spiegelhalter 2005): each zone's published count against the Poisson limits
    (95 % and 99.8 %) around what the commune-wide rate would give on its base, per family and basis.
    Zones are compared this way rather than ranked by colour; a hidden count gets no position (the
    limits would narrow it down)."""
    by_id = {zone["id"]: zone for zone in zones}
    groups: dict = defaultdict(list)
    for row in rows:
        if row["rate_basis"] and row["rate_per_1000_per_year"] is not None:
            groups[(row["family"], row["rate_basis"])].append(row)
        row["funnel"], row["funnel_label"], row["expected"] = None, None, None
    for group in groups.values():
        basis = _rate_base(by_id[group[0]["zone_id"]])[0]
        total_base = sum(by_id[row["zone_id"]][basis] for row in group)
        rate = sum(row["count"] for row in group) / total_base
        for row in group:
            expected = rate * by_id[row["zone_id"]][basis]
            position = _funnel_position(row["count"], expected)
            row["expected"], row["funnel"] = round(expected, 1), position
            row["funnel_label"] = str(FUNNEL_LABELS[position])


def _funnel_position(count: int, expected: float) -> str:
    for level, above, below in ((0.998, "above_998", "below_998"), (0.95, "above_95", "below_95")):
        tail = (1 - level) / 2
        if count > stats.poisson.ppf(1 - tail, expected):
            return above
        if count < stats.poisson.ppf(tail, expected):
            return below
    return "inside"


def _monthly(rows, key_len: int) -> dict:
    """{key: {month: (events, cell key)}} from rows (key..., month, events, cell key)."""
    by: dict = defaultdict(dict)
    for row in rows:
        n, cell_key = by[tuple(row[:key_len])].get(row[key_len], (0, 0))
        by[tuple(row[:key_len])][row[key_len]] = (n + row[-2], (cell_key + row[-1]) % 256)
    return by


def _blocks(periods: Periods) -> list[tuple[str, str]]:
    """The before period as its runs of consecutive months, for the page: [("2024-03", "2025-02")]."""
    runs: list[list[dt.date]] = []
    for month in periods.before:
        if runs and add_months(runs[-1][-1], 1) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return [(run[0].strftime("%Y-%m"), run[-1].strftime("%Y-%m")) for run in runs]


@reads_from_replica
@counts.shared_scans()
def before_after_table(query: StatisticsQuery, *, today: dt.date) -> dict:
    """One row per zone and family (and the whole commune): the exact rate ratio of the months after the
    adoption month against the same months of up to 3 earlier years, the change it could detect, the
    regression-to-the-mean check and, when it fires, the estimate without the peak months. Zones chosen
    with `comparison` give a ratio of ratios; they adopted on the same date, so they are no control
    of the scheme, and the page says so."""
    reference = query.reference or query.commune.adopted_on
    if reference is None:
        return {"available": False, "message": _("Aucune date de référence : la commune n'a pas de date d'adhésion.")}
    first = counts.first_month(query.events(start=None, end=None, family=None))
    periods = periods_around(reference, months=query.months, today=today, first_month=first)
    if periods is None:
        return {
            "available": False,
            "message": _(
                "Pas encore de mois complet après le mois de la date de référence, ou aucune année de données "
                "avant elle : pas de comparaison possible."
            ),
        }
    adoption = periods.reference
    events = query.events(start=add_months(adoption, -6 - 12 * EARLIER_YEARS), end=add_months(periods.after[-1], 1))
    zone_monthly = _monthly(counts.zone_month_counts(events, kind=query.kind), 2)
    commune_monthly = _monthly(counts.commune_month_counts(events), 1)
    chosen = list(query.comparison)
    chosen_monthly = _monthly(counts.covered_month_counts(events, zone_ids=chosen), 1) if chosen else None
    rows = []
    for family in query.families:
        monthly = commune_monthly.get((family,), {})
        if not any(m in monthly for m in periods.before + periods.after):
            continue
        rows.append(_row(_("Toute la commune"), None, family, monthly, periods, first))
        for zone in zones_of(query):
            row = _row(zone["name"], zone["id"], family, zone_monthly.get((zone["id"], family), {}), periods, first)
            if chosen_monthly is not None and zone["id"] not in chosen:
                control = chosen_monthly.get((family,), {})
                treated = zone_monthly.get((zone["id"], family), {})
                row["comparison"] = against_comparison(
                    treated_before=_published_sum(treated, periods.before),
                    treated_after=_published_sum(treated, periods.after),
                    control_before=_published_sum(control, periods.before),
                    control_after=_published_sum(control, periods.after),
                    dispersion=row["dispersion"],
                )
            rows.append(row)
    return {
        "available": True,
        "reference": reference.isoformat(),
        "adoption_month": adoption.strftime("%Y-%m"),
        "before": _blocks(periods),
        "after": [periods.after[0].strftime("%Y-%m"), periods.after[-1].strftime("%Y-%m")],
        "months": periods.months,
        "years_before": periods.years,
        "source": query.source,
        "source_note": str(SOURCE_NOTES.get(query.source, SOURCE_NOTES["recorded"])),
        "comparison": str(COMPARISON_NOTE) if chosen else None,
        "benchmark": benchmark_sentence(),
        "rows": rows,
    }


SOURCE_LABELS = {
    counts.ALERTS: gettext_lazy("alertes publiées par les habitants"),
    "police-uk": gettext_lazy("délinquance enregistrée (police.uk)"),
}
SOURCE_NOTES = {
    counts.ALERTS: gettext_lazy(
        "Alertes des habitants : ce sont des signalements, qui augmentent avec le nombre d'inscrits ; elles ne "
        "mesurent pas la délinquance. Pour juger le dispositif, lire d'abord la délinquance enregistrée."
    ),
    "recorded": gettext_lazy("Délinquance enregistrée par la police (police.uk), par mois."),
}
COMPARISON_NOTE = gettext_lazy(
    "Zones choisies : elles ont adopté le dispositif à la même date ; la comparaison dit si une zone a évolué "
    "autrement qu'elles, pas l'effet du dispositif."
)


def _published_sum(monthly: dict, months) -> int:
    """The period's count as published (cell-key perturbed; 0 for "< 5", which callers treat as hidden):
    every figure derived from it (ratio, comparison) is computed from what is published, so no
    statistic carries the true count past the perturbation."""
    n = sum(monthly.get(m, (0, 0))[0] for m in months)
    cell_key = sum(monthly.get(m, (0, 0))[1] for m in months) % 256
    return protected(n, cell_key) or 0


def _counts(monthly: dict, months) -> list[int]:
    return [monthly.get(m, (0, 0))[0] for m in months]


def _estimate(monthly: dict, periods: Periods) -> dict:
    before, after = _counts(monthly, periods.before), _counts(monthly, periods.after)
    result = before_after(
        before=_published_sum(monthly, periods.before),
        after=_published_sum(monthly, periods.after),
        months_before=len(before),
        months_after=len(after),
        dispersion=round(dispersion_from_blocks([before, after]), 1),
    )
    return result.__dict__


def _row(name, zone_id, family, monthly, periods: Periods, first_month) -> dict:
    peak = peak_before(
        {month: n for month, (n, _key) in monthly.items()}, reference=periods.reference, first_month=first_month
    )
    if peak:
        # The sentence quotes counts: the published ones, never the true ones.
        peak = peak.published(_published_sum(monthly, peak.months), _published_sum(monthly, peak.earlier))
    row = {
        "zone": name,
        "zone_id": zone_id,
        "family": family,
        "family_label": str(Family(family).label),
        **_estimate(monthly, periods),
        "peak_warning": peak.sentence if peak else None,
        "without_peak": None,
    }
    if peak:
        trimmed = periods.without(peak.calendar_months)
        if trimmed.after and len(trimmed.before) < len(periods.before):
            without = _estimate(monthly, trimmed)
            row["without_peak"] = {**without, "left_out": sorted(peak.calendar_months)}
    return row


@reads_from_replica
@counts.shared_scans()
def monthly_series(query: StatisticsQuery) -> list[dict]:
    """Per family, the commune's monthly counts (published or "< 5") of the chosen source only, with
    the same calendar months of the year before for comparison (published the same way)."""
    series = []
    months = [add_months(query.start, i) for i in range(months_between(query.start, query.end))]
    earlier = [add_months(month, -12) for month in months]
    window = {"start": earlier[0], "end": query.end} if months else {}
    monthly = _monthly(counts.commune_month_counts(query.events(family=None, **window)), 1)
    for family in Family.values:
        cells = [monthly.get((family,), {}).get(m, (0, 0)) for m in months]
        before = [monthly.get((family,), {}).get(m, (0, 0)) for m in earlier]
        if any(n for n, _key in cells):
            series.append(
                {
                    "source": query.source,
                    "family": family,
                    "family_label": str(Family(family).label),
                    "months": months,
                    "values": [protected(n, cell_key) or 0 for n, cell_key in cells],
                    "previous": [protected(n, cell_key) or 0 for n, cell_key in before],
                }
            )
    return series


def sources_of(commune: Commune) -> list[str]:
    """The point sources worth offering for a commune: alerts always, police.uk only where it has data."""
    return [source for source in counts.POINT_SOURCES if source == counts.ALERTS or counts.has_source(commune, source)]


@reads_from_replica
def ssmsi_table(commune: Commune) -> dict:
    """The SSMSI yearly series as indicator x year; a figure not diffused, or a year missing from the
    file, reads "non diffusé" (unknown), never 0."""
    figures = {}
    for year, family, indicator, n in counts.ssmsi_yearly(commune_id=commune.id, commune_code=commune.code):
        figures[(indicator, family), year] = count_display(n) if n is not None else _("non diffusé")
    years = sorted({year for _key, year in figures})
    indicators = sorted({key for key, _year in figures}, key=lambda key: (list(Family.values).index(key[1]), key[0]))
    return {
        "years": years,
        "rows": [
            {
                "indicator": indicator,
                "family_label": str(Family(family).label),
                "values": [figures.get(((indicator, family), year), _("non diffusé")) for year in years],
            }
            for indicator, family in indicators
        ],
    }


MAX_GRID_CELLS = 1_000_000
MAX_BANDWIDTH_IN_CELLS = 20  # the Gaussian filter's cost grows with the bandwidth in cells
MAX_HEXAGONS = 20_000


DENSITY_LEVELS = (
    (0.75, gettext_lazy("très forte")),
    (0.50, gettext_lazy("forte")),
    (0.25, gettext_lazy("moyenne")),
    (0.0, gettext_lazy("faible")),
)


def density_level(share_of_peak: float) -> str:
    return str(next(label for floor, label in DENSITY_LEVELS if share_of_peak >= floor))


def _density(query: StatisticsQuery):
    """The kernel density grid, its cells worth drawing and their levels (1 to 4)."""
    events = query.events()
    if query.bandwidth / query.cell > MAX_BANDWIDTH_IN_CELLS:
        raise StatisticsInputError(_("Noyau trop large pour ces cellules : 20 cellules par rayon de noyau au plus."))
    grid = counts.density_grid(events, srid=query.commune.metric_srid, cell=query.cell, margin=3 * query.bandwidth)
    if grid["nx"] * grid["ny"] > MAX_GRID_CELLS:
        raise StatisticsInputError(_("Grille trop fine pour cette commune : augmentez la taille des cellules."))
    result = kernel_density(grid, counts.binned_points(events, grid=grid), bandwidth=query.bandwidth)
    rows, cols = shown_cells(result)
    shares = result.density[rows, cols] / result.density.max() if len(rows) else np.array([])
    levels = np.searchsorted([0.25, 0.5, 0.75], shares, side="right") + 1 if len(rows) else np.array([], dtype=int)
    return result, rows, cols, levels.astype(int)


@reads_from_replica
def density_layer(query: StatisticsQuery) -> gpd.GeoDataFrame:
    """Kernel density cells worth drawing, as polygons in EPSG:4326, published as a level (share of the
    commune's peak: faible, moyenne, forte, très forte), never as a value that could be turned back
    into counts."""
    result, rows, cols, levels = _density(query)
    labels = {level: density_level(floor) for level, floor in zip((1, 2, 3, 4), (0.0, 0.25, 0.5, 0.75), strict=True)}
    frame = gpd.GeoDataFrame(
        {"level": levels, "level_label": [labels[level] for level in levels.tolist()]},
        geometry=cell_polygons(result, rows, cols),
        crs=query.commune.metric_srid,
    )
    return frame.to_crs(4326)


def density_map_layer(query: StatisticsQuery) -> gpd.GeoDataFrame:
    """The same cells and levels as `density_layer`, each level's cells merged into one shape: what
    the map draws (four features instead of thousands of cells)."""
    result, rows, cols, levels = _density(query)
    shapes = level_shapes(result, rows, cols, levels)
    labels = {level: density_level(floor) for level, floor in zip((1, 2, 3, 4), (0.0, 0.25, 0.5, 0.75), strict=True)}
    to_wgs84 = _to_wgs84(query.commune.metric_srid)
    return gpd.GeoDataFrame(
        {"level": list(shapes), "level_label": [labels[level] for level in shapes]},
        geometry=[
            shapely.transform(shape, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1])))
            for shape in shapes.values()
        ],
        crs=4326,
    )


@functools.lru_cache(maxsize=32)
def _to_wgs84(srid: int):
    """A reusable projection from the commune's metric system to EPSG:4326 (lon, lat)."""
    return pyproj.Transformer.from_crs(srid, 4326, always_xy=True).transform


COUNT_BANDS = ((50, "50+"), (20, "20-49"), (10, "10-19"), (5, "5-9"), (0, "< 5"))


def count_band(count: int) -> str:
    """A hexagon's count as a band: exact small-area counts are never published."""
    return next(label for floor, label in COUNT_BANDS if count >= floor)


def _hot_hexagons(counts_: np.ndarray, centroids: np.ndarray, edge: float, neighbours: list):
    result = getis_ord_hot_spots(counts_, centroids, hexagon_edge=edge, neighbours=neighbours)
    return result, (result.hot if result is not None else np.zeros(len(counts_), dtype=bool))


def hexagon_centres(i: np.ndarray, j: np.ndarray, edge: float) -> np.ndarray:
    """Centres, in the metric projection, of ST_HexagonGrid's hexagons (i, j): column i at x = 1.5 edge i,
    row j at y = sqrt(3) edge (j + 1/2 when i is odd). Exact, where projecting the drawn hexagons
    back from EPSG:4326 cost more than the hot spot test."""
    return np.column_stack([1.5 * edge * i, np.sqrt(3) * edge * (j + 0.5 * (i % 2))])


@reads_from_replica
def hexagon_layer(query: StatisticsQuery) -> tuple[gpd.GeoDataFrame, dict]:
    """Hexagons with a count band and a hot/cold label (exact conditional Gi* p-values, two-sided,
    Benjamini-Hochberg at 5 %), and a summary with the prediction accuracy index scored out of sample:
    hot spots chosen on the first half of the period, scored on the second half, with their stability."""
    srid = query.commune.metric_srid
    hexagon_area = 3 * np.sqrt(3) / 2 * query.hexagon**2
    if counts.commune_metric_area(query.commune.id, srid) / hexagon_area > MAX_HEXAGONS:
        raise StatisticsInputError(_("Hexagones trop petits pour cette commune : augmentez leur taille."))
    split = add_months(query.start, months_between(query.start, query.end) // 2)
    rows = counts.hexagon_counts(query.events(), srid=srid, size=query.hexagon, split=split)
    if not rows:
        return gpd.GeoDataFrame({"count_band": []}, geometry=[], crs=4326), {"tested": False}
    n = np.array([r[2] for r in rows], dtype=np.int64)
    first = np.array([r[5] for r in rows], dtype=np.int64)
    areas = np.array([r[4] for r in rows], dtype=float)
    keys = [r[6] for r in rows]
    frame = gpd.GeoDataFrame(
        {"count_band": [count_band(protected(int(v), key) or 0) for v, key in zip(n, keys, strict=True)]},
        geometry=shapely.from_wkb([bytes(r[3]) for r in rows]),
        crs=4326,
    )
    centroids = hexagon_centres(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), query.hexagon)
    neighbours = neighbour_lists(centroids, query.hexagon)
    hot_spots, hot = _hot_hexagons(n, centroids, query.hexagon, neighbours)
    if hot_spots is None:
        frame["spot"], frame["place"] = "", ""
        return frame, {"tested": False, "hexagons": len(rows), "hot": 0, "sentence": str(NO_HOT_SPOT)}
    frame["spot"] = np.where(hot_spots.hot, "chaud", np.where(hot_spots.cold, "froid", ""))
    frame["place"] = places_of(query, frame.geometry)
    frame["_strength"] = -hot_spots.p_value  # for ordering only, never published
    summary = {
        "tested": True,
        "hexagons": len(rows),
        "hot": int(hot_spots.hot.sum()),
        "cold": int(hot_spots.cold.sum()),
        "fdr_threshold": hot_spots.p_threshold,
        "sentence": str(NO_HOT_SPOT) if not hot_spots.hot.any() else "",
        **_out_of_sample(first, n - first, centroids, areas, query.hexagon, split, neighbours),
    }
    return frame, summary


NO_HOT_SPOT = gettext_lazy(
    "Aucun point chaud : aucun hexagone ne résiste à la correction du taux de fausses découvertes."
)


def _out_of_sample(first, second, centroids, areas, edge, split, neighbours) -> dict:
    """Hot spots of the first half scored on the second: PAI = share of the second half's events in
    them / share of the area; stability = share of them hot again in the second half."""
    if first.sum() == 0 or second.sum() == 0:
        return {"prediction_accuracy_index": None, "stability": None, "split": split.strftime("%Y-%m")}
    _result, hot_first = _hot_hexagons(first, centroids, edge, neighbours)
    _result, hot_second = _hot_hexagons(second, centroids, edge, neighbours)
    stability = float((hot_first & hot_second).sum() / hot_first.sum()) if hot_first.any() else None
    return {
        "prediction_accuracy_index": prediction_accuracy_index(second, areas, hot_first),
        "hot_first_half": int(hot_first.sum()),
        "hot_second_half": int(hot_second.sum()),
        "stability": stability,
        "split": split.strftime("%Y-%m"),
    }


def places_of(query: StatisticsQuery, hexagons: gpd.GeoSeries) -> list[str]:
    """Where each hexagon lies, for a mayor: the neighbourhoods (or else the zones of the chosen kind)
    sharing more than a sliver of its area, largest share first. Never finer than the hexagon."""
    for kind in (Zone.Kind.NEIGHBOURHOOD, query.kind):
        zones = (
            Zone.objects.current()
            .filter(commune=query.commune, kind=kind)
            .order_by("name")
            .values_list("name", "boundary")
        )
        if zones:
            break
    names = [name for name, _boundary in zones]
    shapes = shapely.from_wkb([bytes(boundary.wkb) for _name, boundary in zones])
    hexes = np.asarray(hexagons.values)
    # Only the hexagon-zone pairs whose boxes meet are intersected, all at once (an STRtree query).
    hexagon_index, zone_index = shapely.STRtree(shapes).query(hexes, predicate="intersects")
    shares = shapely.area(shapely.intersection(hexes[hexagon_index], shapes[zone_index])) / shapely.area(
        hexes[hexagon_index]
    )
    found: dict = {}
    for h, z, share in zip(hexagon_index.tolist(), zone_index.tolist(), shares.tolist(), strict=True):
        if share > 0.05:
            found.setdefault(h, []).append((-share, names[z]))
    return [
        ", ".join(name for _share, name in sorted(found[h])) if h in found else _("hors des quartiers")
        for h in range(len(hexes))
    ]


def hot_spot_rows(hexagons: gpd.GeoDataFrame, *, limit: int = 20) -> list[dict]:
    """The hot spots for the page, strongest first: where, and the band of their count."""
    if not len(hexagons) or "_strength" not in hexagons:
        return []
    hot = hexagons[hexagons["spot"] == "chaud"].sort_values("_strength", ascending=False).head(limit)
    return [{"place": row.place, "count_band": row.count_band} for row in hot.itertuples()]


def published_hexagons(hexagons: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return hexagons.drop(columns=[c for c in hexagons.columns if c.startswith("_")])


def feature_collection(frame: gpd.GeoDataFrame) -> str:
    """The frame as GeoJSON text, like `to_json(drop_id=True)`, with the geometries and properties
    serialised in bulk (shapely and pandas, in C) rather than feature by feature in Python."""
    properties = json.loads(frame.drop(columns=frame.geometry.name).to_json(orient="records"))
    geometries = shapely.to_geojson(np.asarray(frame.geometry.values))
    features = [
        {"type": "Feature", "properties": p, "geometry": json.loads(g) if g is not None else None}
        for p, g in zip(properties, geometries.tolist(), strict=True)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features})


def zone_label_points(layer: gpd.GeoDataFrame) -> list[tuple[str, float, float]]:
    """(name, lat, lon) of a point inside each zone, once per zone, to write its name on the map."""
    if not len(layer):
        return []
    unique = layer.drop_duplicates(subset="zone")
    points = unique.geometry.representative_point()
    return [(name, point.y, point.x) for name, point in zip(unique["zone"], points, strict=True)]


@reads_from_replica
def zone_layer(query: StatisticsQuery, statistics: dict) -> gpd.GeoDataFrame:
    """Zones with their totals for the selected family (all families summed per source otherwise)."""
    zones = (
        Zone.objects.current()
        .filter(commune=query.commune, kind=query.kind)
        .order_by("name")
        .values_list("id", "boundary")
    )
    geometry = {zone_id: shapely.from_wkb(bytes(boundary.wkb)) for zone_id, boundary in zones}
    records = [row for row in statistics["totals"] if row["zone_id"] in geometry]
    return (
        gpd.GeoDataFrame(records, geometry=[geometry[row["zone_id"]] for row in records], crs=4326)
        if records
        else gpd.GeoDataFrame({"zone": []}, geometry=[], crs=4326)
    )
