import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from maps.statistics.intervals import (
    dispersion_from_blocks,
    dispersion_two_way,
    garwood,
    minimum_detectable_change,
    power_rate_ratio,
    rate_ratio,
    ratio_of_ratios,
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


def test_ratio_of_ratios_interval_is_the_exact_conditional_one():
    # The case: treated 50 -> 45 against a control ten times larger, 500 -> 400: +12 %, noise.
    estimate = ratio_of_ratios(treated_before=50, treated_after=45, control_before=500, control_after=400)
    assert estimate.value == pytest.approx(1.125)
    assert estimate.low < 1 < estimate.high and not estimate.significant
    # At each bound the non-central hypergeometric tail of the treated "after" count is 2.5 %.
    table = [[45, 50], [400, 500]]
    for bound, tail in ((estimate.low, "sf"), (estimate.high, "cdf")):
        dist = stats.nchypergeom_fisher(995, 445, 95, bound)
        value = dist.sf(44) if tail == "sf" else dist.cdf(45)
        assert value == pytest.approx(0.025, abs=1e-6), table
    # And the second case, whose sign WDD reversed: 40 -> 44 against 400 -> 420, +5 %, noise.
    other = ratio_of_ratios(treated_before=40, treated_after=44, control_before=400, control_after=420)
    assert other.value == pytest.approx(44 / 40 / (420 / 400)) and not other.significant


def test_ratio_of_ratios_needs_every_count():
    assert ratio_of_ratios(treated_before=10, treated_after=0, control_before=5, control_after=5).value is None


def test_power_of_the_exact_test_matches_the_reference_sheet():
    assert power_rate_ratio(150, 0.7) == pytest.approx(0.79, abs=0.01)  # about 150 before for 80 %
    assert power_rate_ratio(38, 0.7) < 0.3  # at 38 a 30 % drop is mostly missed
    fall, rise = minimum_detectable_change(38)
    assert 1 - fall == pytest.approx(0.56, abs=0.01)  # "at 38, the detectable drop is about 57 %"
    assert power_rate_ratio(38, fall) == pytest.approx(0.80, abs=1e-3)
    assert power_rate_ratio(38, rise) == pytest.approx(0.80, abs=1e-3) and rise > 1.6
    fall_150, _rise = minimum_detectable_change(150)
    assert 1 - fall_150 == pytest.approx(0.30, abs=0.01)


def test_overdispersion_widens_and_poisson_series_do_not():
    assert dispersion_from_blocks([[10, 11, 9, 10, 12, 8], [7, 8, 6, 7]]) == 1.0
    wild = dispersion_from_blocks([[2, 25, 4, 30, 1, 18], [5, 22, 3, 15]])
    assert wild > 5
    plain, wide = rate_ratio(100, 60), rate_ratio(100, 60, dispersion=wild)
    assert wide.value == plain.value and wide.low < plain.low and wide.high > plain.high
    assert plain.significant and not wide.significant
    assert dispersion_two_way([[10, 10, 10], [20, 20, 20], [5, 5, 5]]) == 1.0
    assert dispersion_two_way([[10, 40, 5], [20, 5, 60], [5, 30, 2]]) > 3
