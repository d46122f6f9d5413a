"""Exact intervals, tests and power for counts of events: pure functions, no database.

Counts of burglaries or incivilities are modelled as Poisson, with an overdispersion allowance
(quasi-Poisson: variance = dispersion x mean) estimated from the series itself. The formulas, their
references and the figures they must reproduce are in docs/statistics.md."""

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

LEVEL = 0.95
ALPHA = 1 - LEVEL
POWER = 0.80


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


def clopper_pearson(successes: float, trials: float, level: float = LEVEL) -> tuple[float, float]:
    """Clopper-Pearson through beta quantiles; non-integer counts (counts divided by an
    overdispersion factor) give the quasi-likelihood interval of the same form."""
    alpha = 1 - level
    low = 0.0 if successes <= 0 else float(stats.beta.ppf(alpha / 2, successes, trials - successes + 1))
    high = 1.0 if successes >= trials else float(stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    return low, high


def _binomial_tails(x: float, n: float, p: float) -> tuple[float, float]:
    """P(X <= x) and P(X >= x) for X ~ Bin(n, p), through the incomplete beta function so that
    non-integer (overdispersion-scaled) counts work; equal to binom.cdf / binom.sf for integers."""
    below = 1.0 if x >= n else float(stats.beta.sf(p, x + 1, n - x))
    above = 1.0 if x <= 0 else float(stats.beta.cdf(p, x, n - x + 1))
    return below, above


def rate_ratio(
    before: int, after: int, exposure_before: float = 1.0, exposure_after: float = 1.0, dispersion: float = 1.0
) -> Estimate:
    """Rate after / rate before, with the exact conditional interval.

    Given the total n = before + after, `after` is binomial with p = R e1 / (R e1 + e0): the
    Clopper-Pearson interval on p, mapped through R = p / (1 - p) * e0 / e1, is exact. The p-value is
    the matching central two-sided test of R = 1, so "significant" and "1 outside the interval"
    always agree. With a dispersion factor phi > 1 both counts are divided by phi first (the
    quasi-Poisson allowance: same estimate, variance phi times larger)."""
    total = before + after
    if total == 0:
        return Estimate(None, None, None, None)
    b, a = before / dispersion, after / dispersion
    scale = exposure_before / exposure_after
    p_low, p_high = clopper_pearson(a, a + b)
    low = p_low / (1 - p_low) * scale
    high = math.inf if p_high >= 1 else p_high / (1 - p_high) * scale
    value = math.inf if before == 0 else (after / exposure_after) / (before / exposure_before)
    below, above = _binomial_tails(a, a + b, exposure_after / (exposure_before + exposure_after))
    return Estimate(value, low, high, min(1.0, 2 * min(below, above)))


def ratio_of_ratios(
    *, treated_before: int, treated_after: int, control_before: int, control_after: int, dispersion: float = 1.0
) -> Estimate:
    """Change in the treated area relative to the comparison: (b / a) / (d / c), with the exact
    conditional interval and central p-value.

    (b / a) / (d / c) is the odds ratio of the 2 x 2 table [[b, a], [d, c]]; given its margins, b is
    non-central hypergeometric, and the exact interval is the one of the conditional odds ratio
    (scipy `odds_ratio(kind="conditional")`). Below 1: the treated area did better. Counts are divided
    by the dispersion factor (and rounded) before the exact computation."""
    a, b, c, d = (round(n / dispersion) for n in (treated_before, treated_after, control_before, control_after))
    if min(treated_before, treated_after, control_before, control_after) <= 0 or min(a, b, c, d) <= 0:
        return Estimate(None, None, None, None)
    value = (treated_after / treated_before) / (control_after / control_before)
    interval = stats.contingency.odds_ratio([[b, a], [d, c]], kind="conditional").confidence_interval(LEVEL)
    total, after_total, treated_total = a + b + c + d, b + d, a + b
    below = float(stats.hypergeom.cdf(b, total, after_total, treated_total))
    above = float(stats.hypergeom.sf(b - 1, total, after_total, treated_total))
    return Estimate(value, float(interval.low), float(interval.high), min(1.0, 2 * min(below, above)))


def dispersion_from_blocks(blocks: list[list[int]]) -> float:
    """Quasi-Poisson dispersion of a series cut into blocks of constant mean (the periods): Pearson's
    X^2 / degrees of freedom, never below 1 (a Poisson series gives about 1). 1 when there is too
    little to estimate it (fewer than 3 degrees of freedom)."""
    chi2, df = 0.0, 0
    for block in blocks:
        values = np.asarray(block, dtype=float)
        if len(values) < 2 or values.mean() <= 0:
            continue
        chi2 += float(((values - values.mean()) ** 2).sum() / values.mean())
        df += len(values) - 1
    return max(1.0, chi2 / df) if df >= 3 else 1.0


def dispersion_two_way(table: np.ndarray) -> float:
    """Quasi-Poisson dispersion of a places x years table under the log-linear model place + year
    (fitted values row total x column total / grand total, the Poisson maximum likelihood): Pearson's
    X^2 / ((places - 1)(years - 1)), never below 1."""
    table = np.asarray(table, dtype=float)
    rows, cols = table.shape
    if rows < 2 or cols < 2 or table.sum() == 0:
        return 1.0
    fitted = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    keep = fitted > 0
    chi2 = float((((table - fitted) ** 2)[keep] / fitted[keep]).sum())
    return max(1.0, chi2 / ((rows - 1) * (cols - 1)))


_CRITICAL: dict[float, tuple[np.ndarray, np.ndarray]] = {}


def _critical_counts(n_max: int, p0: float) -> tuple[np.ndarray, np.ndarray]:
    """For each total n in 0..n_max, the largest `after` rejected low and the smallest rejected high by
    the central two-sided exact binomial test of p = p0 at 5 %. Cached per p0 (the exposures'
    share), grown on demand: the quantile search is the slow part of a power computation."""
    cached = _CRITICAL.get(p0)
    if cached is None or len(cached[0]) <= n_max:
        n = np.arange(0, max(2 * n_max, 256))
        low = stats.binom.ppf(ALPHA / 2, n, p0)
        low = np.where(stats.binom.cdf(low, n, p0) <= ALPHA / 2, low, low - 1)
        high = stats.binom.isf(ALPHA / 2, n, p0) + 1
        high = np.where(stats.binom.sf(high - 2, n, p0) <= ALPHA / 2, high - 1, high)
        cached = _CRITICAL[p0] = (low, high)
    return cached[0][: n_max + 1], cached[1][: n_max + 1]


def power_rate_ratio(
    expected_before: float, ratio: float, exposure_before: float = 1.0, exposure_after: float = 1.0
) -> float:
    """Power of the exact conditional test (5 %, two-sided) when `expected_before` events are expected
    before and the rate is multiplied by `ratio` after: sum over the total n of P(n) x P(reject | n)."""
    expected_after = expected_before * ratio * exposure_after / exposure_before
    mean = expected_before + expected_after
    n_max = int(mean + 12 * math.sqrt(mean) + 20)
    n = np.arange(0, n_max + 1)
    low, high = _critical_counts(n_max, exposure_after / (exposure_before + exposure_after))
    p1 = expected_after / mean
    # scipy.special's binomial tails directly: the distribution objects' checks cost more than the sums.
    below = np.where(low >= 0, special.bdtr(np.maximum(low, 0), n, p1), 0.0)
    above = np.where(high <= n, special.bdtrc(np.minimum(high - 1, n), n, p1), 0.0)
    reject = below + above
    return float(np.sum(np.exp(n * math.log(mean) - mean - special.gammaln(n + 1)) * reject))


@functools.lru_cache(maxsize=4096)
def minimum_detectable_change(
    before: float, exposure_before: float = 1.0, exposure_after: float = 1.0, dispersion: float = 1.0
) -> tuple[float | None, float | None]:
    """The smallest fall and rise (as ratios after / before) that the exact conditional test would
    detect with 80 % power, taking the count before (divided by the dispersion) as the expected one.
    None when no change of that direction reaches 80 % power (a fall to zero, or a rise of 100 times)."""
    expected = before / dispersion
    if expected <= 0:
        return None, None
    args = (exposure_before, exposure_after)
    fall = None
    if power_rate_ratio(expected, 1e-9, *args) >= POWER:
        low, high = 1e-9, 1.0  # power(low) >= 80 % > power(high)
        for _ in range(20):
            middle = (low + high) / 2
            low, high = (middle, high) if power_rate_ratio(expected, middle, *args) >= POWER else (low, middle)
        fall = low
    rise = None
    if power_rate_ratio(expected, 100.0, *args) >= POWER:
        low, high = 0.0, math.log(100.0)  # on the log scale: power(exp(high)) >= 80 % > power(exp(low))
        for _ in range(20):
            middle = (low + high) / 2
            low, high = (
                (low, middle) if power_rate_ratio(expected, math.exp(middle), *args) >= POWER else (middle, high)
            )
        rise = math.exp(high)
    return fall, rise
