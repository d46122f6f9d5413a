"""Before/after comparison around a reference date, in plain French: pure functions, no database.

The selector (maps.statistics.counts) fetches the counts; this module decides what may be said
about them: small cells are hidden, baselines too small to show a 30 % change are called
"données insuffisantes", and a peak just before the date raises a regression-to-the-mean warning."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from scipy import stats

from maps.statistics.intervals import (
    Estimate,
    events_needed,
    rate_ratio,
    ratio_of_ratios,
    wdd_significant,
    weighted_displacement_difference,
)

SMALL_CELL = 5  # counts below this are published as "< 5"
DETECTABLE_DROP = 0.30
DETECTABLE_Z = 2.0
PEAK_RECENT_MONTHS = 3
PEAK_MIN_HISTORY = 12
PEAK_FACTOR = 1.25
PEAK_ALPHA = 0.05


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


@dataclass(frozen=True)
class Periods:
    """Half-open month ranges [start, end); both periods cover the same calendar months."""

    before_start: dt.date
    before_end: dt.date
    after_start: dt.date
    after_end: dt.date

    @property
    def months(self) -> int:
        return months_between(self.after_start, self.after_end)


def periods_around(reference: dt.date, *, months: int = 12, today: dt.date) -> Periods | None:
    """Equal periods before and after the month of `reference`, over the same calendar months.

    Only complete months after the date count. With a year or more of them, whole years are
    compared (up to `months`, rounded down to whole years); with less, the months after are compared
    with the same months one year earlier. None when no complete month has passed yet."""
    start = month_start(reference)
    available = min(months, months_between(start, month_start(today)))
    if available < 1:
        return None
    if available >= 12:
        length = available - available % 12
        return Periods(add_months(start, -length), start, start, add_months(start, length))
    return Periods(add_months(start, -12), add_months(start, available - 12), start, add_months(start, available))


def count_display(count: int | None) -> str:
    if count is None:
        return _("inconnu")
    return _("< 5") if count < SMALL_CELL else str(count)


def published_count(count: int | None) -> int | None:
    return count if count is not None and count >= SMALL_CELL else None


def signed_percent(ratio: float) -> str:
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


def insufficient_sentence(before: int) -> str:
    return _(
        "données insuffisantes : %(shown)s événements avant, il en faudrait au moins %(needed)d pour déceler une "
        "baisse de 30 %%"
    ) % {"shown": count_display(before), "needed": events_needed(DETECTABLE_DROP, DETECTABLE_Z)}


@dataclass
class BeforeAfter:
    """What the page and the API may publish for one zone and one family."""

    before: int | None
    after: int | None
    before_display: str
    after_display: str
    insufficient: bool
    events_needed: int
    sentence: str
    ratio: float | None = None
    ratio_low: float | None = None
    ratio_high: float | None = None
    percent_change: float | None = None
    p_value: float | None = None
    significant: bool = False
    comparison: dict | None = field(default=None)


def before_after(*, before: int, after: int) -> BeforeAfter:
    needed = events_needed(DETECTABLE_DROP, DETECTABLE_Z)
    result = BeforeAfter(
        before=published_count(before),
        after=published_count(after),
        before_display=count_display(before),
        after_display=count_display(after),
        insufficient=before < needed,
        events_needed=needed,
        sentence="",
    )
    if result.insufficient:
        result.sentence = insufficient_sentence(before)
    elif after < SMALL_CELL:
        result.sentence = _("moins de 5 événements après : trop peu pour publier une évolution chiffrée")
    else:
        estimate = rate_ratio(before, after)
        result.ratio, result.ratio_low, result.ratio_high = estimate.value, estimate.low, estimate.high
        result.percent_change = (estimate.value - 1) * 100
        result.p_value, result.significant = estimate.p_value, estimate.significant
        result.sentence = change_sentence(estimate)
    return result


def against_comparison(*, treated_before: int, treated_after: int, control_before: int, control_after: int) -> dict:
    """Ratio of ratios and WDD, published only when every one of the four counts is publishable
    and the treated baseline could show a 30 % change."""
    counts = {
        "treated_before": treated_before,
        "treated_after": treated_after,
        "control_before": control_before,
        "control_after": control_after,
    }
    shown = {
        "control_before": published_count(control_before),
        "control_after": published_count(control_after),
        "control_before_display": count_display(control_before),
        "control_after_display": count_display(control_after),
    }
    if treated_before < events_needed(DETECTABLE_DROP, DETECTABLE_Z) or min(counts.values()) < SMALL_CELL:
        return {**shown, "published": False, "sentence": _("comparaison impossible : effectifs trop faibles")}
    ror = ratio_of_ratios(**counts)
    wdd = weighted_displacement_difference(**counts)
    return {
        **shown,
        "published": True,
        "ratio_of_ratios": ror.value,
        "ratio_of_ratios_low": ror.low,
        "ratio_of_ratios_high": ror.high,
        "ratio_of_ratios_significant": ror.significant,
        "wdd": wdd.value,
        "wdd_low": wdd.low,
        "wdd_high": wdd.high,
        "wdd_significant": wdd_significant(wdd),
        "sentence": _(
            "par rapport à la zone de comparaison : %(change)s ; écart pondéré (WDD) %(wdd)+.0f (IC 95 %% : "
            "%(low)+.0f à %(high)+.0f)"
        )
        % {"change": change_sentence(ror), "wdd": wdd.value, "low": wdd.low, "high": wdd.high},
    }


@dataclass(frozen=True)
class PeakWarning:
    recent: int
    expected: float
    history_months: int

    @property
    def sentence(self) -> str:
        return _(
            "Attention : les %(recent_months)d mois précédant la date de référence comptent %(recent)d événements "
            "contre %(expected)s attendus d'après les %(history)d mois antérieurs. Une baisse ensuite peut n'être "
            "qu'un retour à la normale (régression vers la moyenne)."
        ) % {
            "recent_months": PEAK_RECENT_MONTHS,
            "recent": self.recent,
            "expected": f"{self.expected:.1f}".replace(".", ","),
            "history": self.history_months,
        }


def peak_before(monthly_counts: list[int]) -> PeakWarning | None:
    """Warn when the last 3 months before the date stand well above the months before them.

    Rule: with at least 12 months of history, the last 3 months' total R is compared with
    E = 3 x the mean of the earlier months; warn when R >= 5, R > 1.25 E and a Poisson(E) count
    would reach R with probability under 5 %."""
    if len(monthly_counts) < PEAK_MIN_HISTORY:
        return None
    earlier, recent = monthly_counts[:-PEAK_RECENT_MONTHS], monthly_counts[-PEAK_RECENT_MONTHS:]
    expected = PEAK_RECENT_MONTHS * sum(earlier) / len(earlier)
    total = sum(recent)
    if total < SMALL_CELL or total <= PEAK_FACTOR * expected:
        return None
    if expected > 0 and float(stats.poisson.sf(total - 1, expected)) >= PEAK_ALPHA:
        return None
    return PeakWarning(recent=total, expected=expected, history_months=len(earlier))
