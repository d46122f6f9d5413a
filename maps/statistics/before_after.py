"""Before/after comparison around the adoption date, in plain French: pure functions, no database.

The selector (maps.statistics.counts) fetches the counts; this module decides what may be said about
them. The month of adoption belongs to neither period; "before" is the same calendar months of up to
three earlier years; every row carries its exact interval and the change it could have detected
(80 % power, falls and rises) instead of a gate; a peak just before the date (against the same months
of earlier years) gives the estimate without the peak beside the plain one."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from scipy import stats

from maps.statistics.intervals import (
    Estimate,
    minimum_detectable_change,
    rate_ratio,
    ratio_of_ratios,
)

SMALL_CELL = 5  # counts below this are published as "< 5"
EARLIER_YEARS = 3  # "before" is the same months of up to this many earlier years
PEAK_WINDOWS = ((1, 3), (4, 6))  # months before the adoption month checked for a peak
PEAK_FACTOR = 1.25
PEAK_ALPHA = 0.05
# Bennett, Holloway & Farrington (2008), Campbell Systematic Reviews 2008:18: mean odds ratio 1.19 to
# 1.36 across neighbourhood watch evaluations, i.e. crime 16 % to 26 % lower.
BENCHMARK = (-0.26, -0.16)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def month_range(start: dt.date, end: dt.date) -> list[dt.date]:
    return [add_months(start, i) for i in range(months_between(start, end))]


@dataclass(frozen=True)
class Periods:
    """The months compared: `after` starts the month after the adoption month; `before` is the same
    calendar months in each of `years` earlier blocks (whole years when `after` is a year or more)."""

    reference: dt.date  # first day of the adoption month, in neither period
    after: tuple[dt.date, ...]
    before: tuple[dt.date, ...]
    years: int

    @property
    def months(self) -> int:
        return len(self.after)

    def without(self, calendar_months: set[int]) -> "Periods":
        """The same design with some calendar months left out of both periods (seasons stay balanced)."""
        return Periods(
            self.reference,
            tuple(m for m in self.after if m.month not in calendar_months),
            tuple(m for m in self.before if m.month not in calendar_months),
            self.years,
        )


def periods_around(
    reference: dt.date, *, months: int = 12, today: dt.date, first_month: dt.date | None = None
) -> Periods | None:
    """The after period (complete months after the adoption month, up to `months`, whole years when a
    year or more) and the before period: the same calendar months of up to 3 earlier years that lie
    wholly after `first_month` (the first month with data) and before the adoption month.

    None when no complete month has passed since the adoption month or no earlier year has data."""
    adoption = month_start(reference)
    after_start = add_months(adoption, 1)
    length = min(months, months_between(after_start, month_start(today)))
    if length < 1:
        return None
    if length >= 12:
        length -= length % 12
        # Whole years: each before block is the `length` months just before the adoption month,
        # shifted by whole blocks; every calendar month appears as often before as after.
        starts = [add_months(adoption, -length * k) for k in range(1, max(1, EARLIER_YEARS * 12 // length) + 1)]
    else:
        starts = [add_months(after_start, -12 * k) for k in range(1, EARLIER_YEARS + 1)]
    starts = [s for s in starts if first_month is None or s >= month_start(first_month)]
    if not starts:
        return None
    before = tuple(sorted(m for s in starts for m in month_range(s, add_months(s, length))))
    return Periods(adoption, tuple(month_range(after_start, add_months(after_start, length))), before, len(starts))


def count_display(count: int | None) -> str:
    if count is None:
        return _("inconnu")
    return _("< 5") if count < SMALL_CELL else str(count)


def published_count(count: int | None) -> int | None:
    return count if count is not None and count >= SMALL_CELL else None


def signed_percent(ratio: float) -> str:
    if ratio == float("inf"):
        return "+∞"
    return f"{(ratio - 1) * 100:+.0f} %".replace("+0 %", "0 %")


def change_sentence(estimate: Estimate) -> str:
    """ "baisse de 32 % (IC 95 % : -51 % à -7 %), significative"."""
    change = (estimate.value - 1) * 100
    if round(change) == 0:
        lead = _("stable")
    elif change < 0:
        lead = _("baisse de %(pct)s %%") % {"pct": f"{-change:.0f}"}
    else:
        lead = _("hausse de %(pct)s %%") % {"pct": f"{change:.0f}"}
    verdict = _("significative") if estimate.significant else _("non significative")
    return _("%(lead)s (IC 95 %% : %(low)s à %(high)s), %(verdict)s") % {
        "lead": lead,
        "low": signed_percent(estimate.low),
        "high": signed_percent(estimate.high),
        "verdict": verdict,
    }


def detectable_sentence(fall: float | None, rise: float | None) -> str:
    """ "décelable (puissance 80 %) : baisse de 57 % ou hausse de 110 %"."""
    fall_text = _("baisse de %(pct)s %%") % {"pct": f"{(1 - fall) * 100:.0f}"} if fall else _("aucune baisse")
    rise_text = _("hausse de %(pct)s %%") % {"pct": f"{(rise - 1) * 100:.0f}"} if rise else _("aucune hausse")
    return _("évolution décelable avec une puissance de 80 %% : %(fall)s ou %(rise)s") % {
        "fall": fall_text,
        "rise": rise_text,
    }


def benchmark_sentence() -> str:
    return _(
        "Repère : les évaluations de la surveillance de voisinage trouvent en moyenne %(low)d %% à %(high)d %% de "
        "délits en moins (Bennett, Holloway et Farrington, revue Campbell 2008:18). Une baisse bien plus forte, sans "
        "communes comparables qui n'ont pas adopté le dispositif, n'est pas crédible."
    ) % {"low": round(-BENCHMARK[1] * 100), "high": round(-BENCHMARK[0] * 100)}


@dataclass
class BeforeAfter:
    """What the page and the API may publish for one zone and one family."""

    before: int | None
    after: int | None
    before_display: str
    after_display: str
    months_before: int
    months_after: int
    dispersion: float
    detectable_fall: float | None
    detectable_rise: float | None
    detectable: str
    sentence: str
    ratio: float | None = None
    ratio_low: float | None = None
    ratio_high: float | None = None
    percent_change: float | None = None
    p_value: float | None = None
    significant: bool = False
    comparison: dict | None = field(default=None)


def before_after(
    *, before: int, after: int, months_before: int = 12, months_after: int = 12, dispersion: float = 1.0
) -> BeforeAfter:
    """The rate ratio (exposures: months in each period) with its exact interval, rises and falls
    alike, and the change detectable with 80 % power. A count under 5 is not published, nor any
    figure that would give it away (the ratio; the detectable change when the count before is hidden)."""
    if before >= SMALL_CELL:
        fall, rise = minimum_detectable_change(float(before), float(months_before), float(months_after), dispersion)
        detectable = detectable_sentence(fall, rise)
    else:
        fall = rise = None
        detectable = _("moins de 5 événements avant : aucune évolution ne peut être décelée")
    result = BeforeAfter(
        before=published_count(before),
        after=published_count(after),
        before_display=count_display(before),
        after_display=count_display(after),
        months_before=months_before,
        months_after=months_after,
        dispersion=round(dispersion, 2),
        detectable_fall=fall,
        detectable_rise=rise,
        detectable=detectable,
        sentence="",
    )
    if before < SMALL_CELL or after < SMALL_CELL:
        result.sentence = _("moins de 5 événements sur une période : trop peu pour publier une évolution chiffrée")
        return result
    estimate = rate_ratio(before, after, months_before, months_after, dispersion)
    result.ratio, result.ratio_low, result.ratio_high = estimate.value, estimate.low, estimate.high
    result.percent_change = (estimate.value - 1) * 100
    result.p_value, result.significant = estimate.p_value, estimate.significant
    result.sentence = change_sentence(estimate)
    return result


def against_comparison(
    *, treated_before: int, treated_after: int, control_before: int, control_after: int, dispersion: float = 1.0
) -> dict:
    """Ratio of ratios with its exact conditional interval. Nothing of the comparison is published
    when the treated counts are hidden (its counts would be a complement of theirs), and no ratio
    when a comparison count is hidden."""
    if min(treated_before, treated_after) < SMALL_CELL:
        return {"published": False, "sentence": _("comparaison non publiée : effectifs de la zone inférieurs à 5")}
    shown = {
        "control_before": published_count(control_before),
        "control_after": published_count(control_after),
        "control_before_display": count_display(control_before),
        "control_after_display": count_display(control_after),
    }
    if min(control_before, control_after) < SMALL_CELL:
        return {**shown, "published": False, "sentence": _("comparaison impossible : effectifs trop faibles")}
    ror = ratio_of_ratios(
        treated_before=treated_before,
        treated_after=treated_after,
        control_before=control_before,
        control_after=control_after,
        dispersion=dispersion,
    )
    return {
        **shown,
        "published": True,
        "ratio_of_ratios": ror.value,
        "ratio_of_ratios_low": ror.low,
        "ratio_of_ratios_high": ror.high,
        "ratio_of_ratios_p": ror.p_value,
        "ratio_of_ratios_significant": ror.significant,
        "sentence": _("par rapport à la comparaison : %(change)s") % {"change": change_sentence(ror)},
    }


@dataclass(frozen=True)
class PeakWarning:
    months: tuple[dt.date, ...]
    recent: int
    expected: float
    years: int
    earlier: tuple[dt.date, ...] = ()  # the same months in the earlier years

    def published(self, shown_recent: int, shown_earlier: int) -> "PeakWarning":
        """The same warning with the counts as published (cell-key perturbed), for the page and API."""
        return PeakWarning(self.months, shown_recent, shown_earlier / self.years, self.years, self.earlier)

    @property
    def calendar_months(self) -> set[int]:
        return {m.month for m in self.months}

    @property
    def sentence(self) -> str:
        return _(
            "Attention : de %(first)s à %(last)s, juste avant l'adhésion, %(recent)d événements contre %(expected)s "
            "en moyenne les mêmes mois des %(years)d années précédentes. Une baisse ensuite peut n'être qu'un retour "
            "à la normale (régression vers la moyenne) : voir l'estimation sans ces mois."
        ) % {
            "first": date_format(self.months[0], "YEAR_MONTH_FORMAT"),
            "last": date_format(self.months[-1], "YEAR_MONTH_FORMAT"),
            "recent": self.recent,
            "expected": number_format(self.expected, 1),
            "years": self.years,
        }


def peak_before(monthly: dict[dt.date, int], *, reference: dt.date, first_month: dt.date) -> PeakWarning | None:
    """A peak just before the adoption month, judged against the same calendar months of up to 3
    earlier years (so seasons alone never raise it).

    Windows of 1-3 and 4-6 months before the adoption month; for each, R = its events and S = the
    events of the same months in the K earlier years with data. Given R + S, R is binomial with
    p = 1 / (1 + K) when nothing changed: warn when R >= 5, R > 1.25 S / K and the one-sided exact
    p-value is under 5 %."""
    adoption = month_start(reference)
    for first, last in PEAK_WINDOWS:
        window = tuple(add_months(adoption, -k) for k in range(last, first - 1, -1))
        years = [k for k in range(1, EARLIER_YEARS + 1) if add_months(window[0], -12 * k) >= month_start(first_month)]
        if not years:
            continue
        recent = sum(monthly.get(m, 0) for m in window)
        earlier = sum(monthly.get(add_months(m, -12 * k), 0) for m in window for k in years)
        expected = earlier / len(years)
        if recent < SMALL_CELL or recent <= PEAK_FACTOR * expected:
            continue
        if float(stats.binom.sf(recent - 1, recent + earlier, 1 / (1 + len(years)))) < PEAK_ALPHA:
            same_months = tuple(add_months(m, -12 * k) for m in window for k in years)
            return PeakWarning(window, recent, expected, len(years), same_months)
    return None
