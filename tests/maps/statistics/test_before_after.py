import datetime as dt

from maps.statistics.before_after import (
    against_comparison,
    before_after,
    change_sentence,
    count_display,
    peak_before,
    periods_around,
)
from maps.statistics.intervals import rate_ratio


def test_periods_are_whole_years_over_the_same_months():
    periods = periods_around(dt.date(2025, 3, 14), months=24, today=dt.date(2026, 11, 25))
    # 20 complete months after March 2025: compare one whole year, March to February.
    assert (periods.before_start, periods.before_end) == (dt.date(2024, 3, 1), dt.date(2025, 3, 1))
    assert (periods.after_start, periods.after_end) == (dt.date(2025, 3, 1), dt.date(2026, 3, 1))


def test_short_after_period_is_compared_with_the_same_months_a_year_earlier():
    periods = periods_around(dt.date(2026, 3, 1), months=12, today=dt.date(2026, 11, 25))
    assert (periods.after_start, periods.after_end) == (dt.date(2026, 3, 1), dt.date(2026, 11, 1))
    assert (periods.before_start, periods.before_end) == (dt.date(2025, 3, 1), dt.date(2025, 11, 1))
    assert periods.months == 8


def test_no_period_before_a_complete_month_has_passed():
    assert periods_around(dt.date(2026, 11, 2), today=dt.date(2026, 11, 25)) is None


def test_plain_french_sentence_for_a_significant_drop():
    sentence = change_sentence(rate_ratio(200, 136))
    assert sentence.startswith("baisse de 32 % (IC 95 % : -")
    assert sentence.endswith("%), significative")


def test_hand_computed_before_after():
    result = before_after(before=50, after=34)
    assert result.ratio == 0.68 and round(result.percent_change) == -32
    assert not result.significant  # 50 -> 34: the interval still contains "no change"
    assert result.sentence == "baisse de 32 % (IC 95 % : -57 % à +7 %), non significative"


def test_baseline_too_small_says_insufficient_and_how_many_are_needed():
    result = before_after(before=10, after=7)
    assert result.insufficient and result.ratio is None
    assert result.sentence.startswith("données insuffisantes")
    assert "38" in result.sentence


def test_small_cells_are_not_published():
    result = before_after(before=3, after=0)
    assert (result.before, result.after) == (None, None)
    assert (result.before_display, result.after_display) == ("< 5", "< 5")
    assert count_display(5) == "5" and count_display(4) == "< 5"
    assert before_after(before=60, after=2).ratio is None  # the ratio would give the hidden count away


def test_comparison_hand_computed_and_protected():
    shown = against_comparison(treated_before=60, treated_after=40, control_before=100, control_after=95)
    assert shown["published"] and round(shown["ratio_of_ratios"], 4) == 0.7018
    assert shown["wdd"] == (40 - 60) - (95 - 100)
    hidden = against_comparison(treated_before=60, treated_after=40, control_before=4, control_after=6)
    assert not hidden["published"] and "ratio_of_ratios" not in hidden
    assert hidden["control_before_display"] == "< 5"


def test_peak_just_before_the_date_warns_of_regression_to_the_mean():
    assert peak_before([3] * 12 + [9, 8, 10]) is not None
    assert peak_before([3] * 12 + [3, 4, 3]) is None
    assert peak_before([9, 8, 10]) is None  # too little history to judge
    assert peak_before([0] * 12 + [1, 0, 1]) is None  # two events are not a peak
