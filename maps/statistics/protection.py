"""What one statistics query publishes together, and what complementary suppression hides in it.

The zone table, its months, the commune's monthly series, the before/after rows, the comparison
counts and the regression-to-the-mean warning of one query are all sums of the same cells: the
events of one zone in one month. They are listed here as such sums (maps.statistics.disclosure)
so that no figure hidden as "< 5" can be worked out from the others, whichever of the page, the
API or the CSV shows them. The commune is taken as the exact sum of its zones, the most an outsider
could assume."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from alerts.models import Family
from maps.statistics import counts
from maps.statistics.before_after import (
    PEAK_RECENT_MONTHS,
    Periods,
    add_months,
    month_start,
    months_between,
    peak_before,
    periods_around,
)
from maps.statistics.disclosure import Figure, suppressed
from zones.models import Zone

PEAK_HISTORY_MONTHS = 24
# When a further figure must be hidden, comparison counts go first, then zone figures; the
# commune's own figures, what a mayor reads first, last.
COMPARISON, ZONE, COMMUNE = 0, 1, 2


def _monthly(rows, key_len: int) -> dict:
    by: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        by[tuple(row[:key_len])][row[key_len]] += row[-1]
    return by


def month_range(start: dt.date, end: dt.date) -> list[dt.date]:
    return [add_months(start, i) for i in range(months_between(start, end))]


@dataclass
class Plan:
    """The counts behind every figure of one query, fetched once."""

    zones: list[dict]
    display: list[dt.date]
    reference: dt.date | None
    periods: Periods | None
    zone_monthly: dict
    commune_monthly: dict
    chosen: list[int]
    chosen_monthly: dict | None
    first_month: dt.date | None
    _hidden: dict = field(default_factory=dict)

    @property
    def units(self) -> list[int | None]:
        return [zone["id"] for zone in self.zones] or [None]

    def zone_count(self, zone_id: int | None, family: str, months) -> int:
        series = self.commune_monthly if zone_id is None else self.zone_monthly
        key = (family,) if zone_id is None else (zone_id, family)
        return sum(series.get(key, {}).get(month, 0) for month in months)

    def chosen_count(self, family: str, months) -> int:
        return sum(self.chosen_monthly.get((family,), {}).get(month, 0) for month in months)

    def history(self) -> list[dt.date]:
        """The months before the reference the regression-to-the-mean check reads (24 at most)."""
        if self.reference is None or self.first_month is None:
            return []
        return month_range(self.first_month, month_start(self.reference))[-PEAK_HISTORY_MONTHS:]

    def peak(self, zone_id: int | None, family: str):
        months = self.history()
        return peak_before([self.zone_count(zone_id, family, [m]) for m in months]) if months else None

    def hidden(self, family: str) -> set:
        if family not in self._hidden:
            self._hidden[family] = suppressed(figures(self, family))
        return self._hidden[family]


def plan_of(query, *, today: dt.date) -> Plan:
    zones = list(
        Zone.objects.filter(commune=query.commune, kind=query.kind)
        .order_by("name")
        .values("id", "name", "households", "population")
    )
    reference = query.reference or query.commune.adopted_on
    periods = periods_around(reference, months=query.months, today=today) if reference else None
    start, end = query.start, query.end
    if periods is not None:
        start = min(start, periods.before_start, add_months(month_start(reference), -PEAK_HISTORY_MONTHS))
        end = max(end, periods.after_end)
    events = query.events(start=start, end=end, family=None)
    commune_monthly = _monthly(counts.commune_month_counts(events), 1)
    chosen = list(query.comparison)
    return Plan(
        zones=zones,
        display=month_range(query.start, query.end),
        reference=reference if periods is not None else None,
        periods=periods,
        zone_monthly=_monthly(counts.zone_month_counts(events, kind=query.kind), 2),
        commune_monthly=commune_monthly,
        chosen=chosen,
        chosen_monthly=_monthly(counts.covered_month_counts(events, zone_ids=chosen), 1) if chosen else None,
        first_month=min((m for series in commune_monthly.values() for m in series), default=None),
    )


def _cells(units, months) -> frozenset:
    return frozenset((unit, month) for unit in units for month in months)


def figures(plan: Plan, family: str) -> list[Figure]:
    """Every figure of `family` the query publishes, as sums of zone-month cells."""
    commune = plan.units
    result = [
        Figure(("total", None), _cells(commune, plan.display), plan.zone_count(None, family, plan.display), COMMUNE)
    ]
    result += [_commune_figure(plan, family, ("month", None, m), [m]) for m in plan.display]
    for zone in plan.zones:
        result.append(_zone_figure(plan, family, ("total", zone["id"]), zone["id"], plan.display))
        result += [_zone_figure(plan, family, ("month", zone["id"], m), zone["id"], [m]) for m in plan.display]
    if plan.periods is not None:
        result += _before_after_figures(plan, family)
    return result


def _commune_figure(plan: Plan, family: str, key, months: list) -> Figure:
    return Figure(key, _cells(plan.units, months), plan.zone_count(None, family, months), COMMUNE)


def _zone_figure(plan: Plan, family: str, key, zone_id: int | None, months: list) -> Figure:
    if zone_id is None:
        return _commune_figure(plan, family, key, months)
    return Figure(key, _cells([zone_id], months), plan.zone_count(zone_id, family, months), ZONE)


def _control_figure(plan: Plan, family: str, name: str, zone_id: int, months: list) -> Figure | None:
    """The comparison count shown beside a zone: the chosen zones, or the rest of the commune."""
    if plan.chosen_monthly is not None:
        if zone_id in plan.chosen:
            return None
        value = plan.chosen_count(family, months)
        return Figure(("control_" + name, "chosen"), _cells(plan.chosen, months), value, COMPARISON)
    rest = [unit for unit in plan.units if unit != zone_id]
    value = plan.zone_count(None, family, months) - plan.zone_count(zone_id, family, months)
    return Figure(("control_" + name, zone_id), _cells(rest, months), value, COMPARISON)


def _before_after_figures(plan: Plan, family: str) -> list[Figure]:
    periods = plan.periods
    spans = {
        "before": month_range(periods.before_start, periods.before_end),
        "after": month_range(periods.after_start, periods.after_end),
    }
    result = []
    for zone_id in [None, *[zone["id"] for zone in plan.zones]]:
        for name, months in spans.items():
            result.append(_zone_figure(plan, family, (name, zone_id), zone_id, months))
            control = _control_figure(plan, family, name, zone_id, months) if zone_id is not None else None
            if control is not None:
                result.append(control)
        if plan.peak(zone_id, family) is not None:
            history = plan.history()
            split = len(history) - PEAK_RECENT_MONTHS
            result.append(_zone_figure(plan, family, ("peak_earlier", zone_id), zone_id, history[:split]))
            result.append(_zone_figure(plan, family, ("peak_recent", zone_id), zone_id, history[split:]))
    return result


def families_of(query) -> list[str]:
    return [query.family] if query.family else list(Family.values)
