import math

import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from maps.statistics.intervals import (
    events_needed,
    garwood,
    rate_ratio,
    ratio_of_ratios,
    screening_z,
    wdd_significant,
    weighted_displacement_difference,
)


@pytest.mark.parametrize(("k", "low", "high"), [(0, 0.0, 3.689), (1, 0.0253, 5.572), (10, 4.795, 18.390)])
def test_garwood_matches_published_values(k, low, high):
    assert garwood(k) == pytest.approx((low, high), abs=1e-3)


@pytest.mark.parametrize("k", [1, 3, 10, 57])
def test_garwood_is_the_chi_square_formula(k):
    assert garwood(k) == pytest.approx((stats.chi2.ppf(0.025, 2 * k) / 2, stats.chi2.ppf(0.975, 2 * k + 2) / 2))


@pytest.mark.parametrize(("before", "after"), [(50, 34), (40, 60), (12, 0), (7, 9)])
def test_rate_ratio_interval_is_the_exact_conditional_one(before, after):
    """At each bound, the binomial tail of `after` given the total is exactly 2.5 %."""
    estimate = rate_ratio(before, after)
    n = before + after
    if after > 0:
        p_low = estimate.low / (1 + estimate.low)
        assert stats.binom.sf(after - 1, n, p_low) == pytest.approx(0.025, abs=1e-9)
    else:
        assert estimate.low == 0
    p_high = estimate.high / (1 + estimate.high)
    assert stats.binom.cdf(after, n, p_high) == pytest.approx(0.025, abs=1e-9)
    low, high = proportion_confint(after, n, method="beta")
    assert estimate.high == pytest.approx(high / (1 - high))


def test_rate_ratio_significance_agrees_with_its_interval():
    drop = rate_ratio(100, 60)
    assert drop.value == pytest.approx(0.6)
    assert drop.high < 1 and drop.significant and drop.p_value < 0.05
    noise = rate_ratio(10, 7)
    assert noise.low < 1 < noise.high and not noise.significant and noise.p_value > 0.05


def test_rate_ratio_with_exposures_scales_the_ratio():
    assert rate_ratio(20, 20, exposure_before=2.0, exposure_after=1.0).value == pytest.approx(2.0)


def test_rate_ratio_of_nothing_is_undefined():
    assert rate_ratio(0, 0).value is None


def test_ratio_of_ratios_hand_computed():
    # Treated 60 -> 40, comparison 100 -> 95: (40/60)/(95/100) = 0.7018,
    # se = sqrt(1/60 + 1/40 + 1/100 + 1/95) = 0.2489, 95 % CI 0.7018 * exp(-/+ 1.96 * 0.2489).
    estimate = ratio_of_ratios(treated_before=60, treated_after=40, control_before=100, control_after=95)
    se = math.sqrt(1 / 60 + 1 / 40 + 1 / 100 + 1 / 95)
    assert estimate.value == pytest.approx(0.70175, abs=1e-5)
    assert estimate.low == pytest.approx(0.70175 * math.exp(-1.959964 * se), rel=1e-4)
    assert estimate.high == pytest.approx(0.70175 * math.exp(1.959964 * se), rel=1e-4)
    assert not estimate.significant


def test_ratio_of_ratios_needs_every_count():
    assert ratio_of_ratios(treated_before=10, treated_after=0, control_before=5, control_after=5).value is None


def test_weighted_displacement_difference_hand_computed():
    # (T1 - T0) - (C1 - C0) = (40 - 80) - (95 - 100) = -35; variance 40 + 80 + 95 + 100 = 315.
    estimate = weighted_displacement_difference(
        treated_before=80, treated_after=40, control_before=100, control_after=95
    )
    assert estimate.value == -35
    assert estimate.high == pytest.approx(-35 + 1.959964 * math.sqrt(315), rel=1e-5)
    assert wdd_significant(estimate)


def test_screening_z_and_events_needed():
    assert screening_z(10, 7) == pytest.approx(-1.033, abs=1e-3)  # a fall from 10 to 7 is noise
    assert events_needed(0.30, 2.0) == 38
    assert abs(screening_z(38, 38 * 0.7)) >= 2 > abs(screening_z(37, 37 * 0.7))
    assert events_needed(0.30, 3.0) == 85
