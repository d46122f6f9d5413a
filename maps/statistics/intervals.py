"""Exact intervals and tests for counts of events: pure functions, no database.

Counts of burglaries or incivilities are modelled as Poisson. The formulas and the figures they
must reproduce are in docs/statistics.md."""

import math
from dataclasses import dataclass

from scipy import stats

LEVEL = 0.95
Z_95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None
    high: float | None
    p_value: float | None = None

    @property
    def significant(self) -> bool:
        """The interval excludes "no change" (1 for a ratio)."""
        if self.low is None or self.high is None:
            return False
        return self.high < 1 or self.low > 1


def garwood(k: int, level: float = LEVEL) -> tuple[float, float]:
    """Exact (Garwood) interval for the mean of a Poisson count k: chi-square quantiles."""
    alpha = 1 - level
    low = 0.0 if k == 0 else float(stats.chi2.ppf(alpha / 2, 2 * k)) / 2
    return low, float(stats.chi2.ppf(1 - alpha / 2, 2 * k + 2)) / 2


def clopper_pearson(successes: int, trials: int, level: float = LEVEL) -> tuple[float, float]:
    alpha = 1 - level
    low = 0.0 if successes == 0 else float(stats.beta.ppf(alpha / 2, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    return low, high


def rate_ratio(before: int, after: int, exposure_before: float = 1.0, exposure_after: float = 1.0) -> Estimate:
    """Rate after / rate before, with the exact conditional interval.

    Given the total n = before + after, `after` is binomial with p = R e1 / (R e1 + e0): the
    Clopper-Pearson interval on p, mapped through R = p / (1 - p) * e0 / e1, is exact. The p-value is
    the matching central two-sided binomial test of R = 1, so "significant" and "1 outside the
    interval" always agree."""
    total = before + after
    if total == 0:
        return Estimate(None, None, None, None)
    scale = exposure_before / exposure_after
    p_low, p_high = clopper_pearson(after, total)
    low = p_low / (1 - p_low) * scale
    high = math.inf if p_high >= 1 else p_high / (1 - p_high) * scale
    value = math.inf if before == 0 else (after / exposure_after) / (before / exposure_before)
    p_null = exposure_after / (exposure_before + exposure_after)
    tails = stats.binom.cdf(after, total, p_null), stats.binom.sf(after - 1, total, p_null)
    return Estimate(value, low, high, min(1.0, 2 * float(min(tails))))


def ratio_of_ratios(*, treated_before: int, treated_after: int, control_before: int, control_after: int) -> Estimate:
    """Change in the treated area relative to the comparison area: (b / a) / (d / c).

    This is the inverse of Farrington's relative effect size (a/b)/(c/d), read as a ratio below 1 =
    the treated area did better. var(ln) = 1/a + 1/b + 1/c + 1/d, so every count must be positive."""
    a, b, c, d = treated_before, treated_after, control_before, control_after
    if min(a, b, c, d) <= 0:
        return Estimate(None, None, None, None)
    value = (b / a) / (d / c)
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    z = math.log(value) / se
    return Estimate(value, value * math.exp(-Z_95 * se), value * math.exp(Z_95 * se), 2 * float(stats.norm.sf(abs(z))))


def weighted_displacement_difference(
    *, treated_before: int, treated_after: int, control_before: int, control_after: int
) -> Estimate:
    """WDD = (T1 - T0) - (C1 - C0), variance T1 + T0 + C1 + C0 (Wheeler & Ratcliffe 2018).

    Negative: fewer events in the treated area than the comparison trend predicts. Significant when
    the 95 % interval excludes 0 (the `significant` property of Estimate tests 1, so callers use
    `wdd_significant`)."""
    wdd = (treated_after - treated_before) - (control_after - control_before)
    variance = treated_after + treated_before + control_after + control_before
    if variance == 0:
        return Estimate(0.0, None, None, None)
    se = math.sqrt(variance)
    return Estimate(float(wdd), wdd - Z_95 * se, wdd + Z_95 * se, 2 * float(stats.norm.sf(abs(wdd) / se)))


def wdd_significant(estimate: Estimate) -> bool:
    return estimate.low is not None and (estimate.high < 0 or estimate.low > 0)


def screening_z(before: int, after: int) -> float:
    """Z = 2 (sqrt(after) - sqrt(before)): variance-stabilised difference of two Poisson counts."""
    return 2 * (math.sqrt(after) - math.sqrt(before))


def events_needed(drop: float = 0.30, z: float = 2.0) -> int:
    """Smallest baseline B whose drop to (1 - drop) B reaches |Z| = z.

    2 (sqrt(B) - sqrt((1 - drop) B)) = z  gives  B = (z / (2 (1 - sqrt(1 - drop))))^2;
    for a 30 % drop at |Z| = 2 that is 37.5, so 38 events."""
    return math.ceil((z / (2 * (1 - math.sqrt(1 - drop)))) ** 2)
