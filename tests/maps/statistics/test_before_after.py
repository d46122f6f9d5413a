import datetime as dt

import pytest

from maps.statistics.before_after import (
    add_months,
    against_comparison,
    before_after,
    change_sentence,
    count_display,
    peak_before,
    periods_around,
)
from maps.statistics.intervals import rate_ratio


def test_the_adoption_month_is_in_neither_period():
    # Adopted on 31 October: October is neither "before" nor "after".
    periods = periods_around(dt.date(2025, 10, 31), months=6, today=dt.date(2026, 11, 25))
    assert dt.date(2025, 10, 1) not in periods.after + periods.before
    assert periods.after[0] == dt.date(2025, 11, 1) and periods.months == 6


def test_before_is_the_same_months_of_up_to_three_earlier_years():
    periods = periods_around(dt.date(2025, 10, 31), months=6, today=dt.date(2026, 11, 25))
    assert periods.years == 3 and len(periods.before) == 18
    assert {m.month for m in periods.before} == {m.month for m in periods.after} == {11, 12, 1, 2, 3, 4}
    assert min(periods.before) == dt.date(2022, 11, 1)
    # Only the years with data count.
    short = periods_around(
        dt.date(2025, 10, 31), months=6, today=dt.date(2026, 11, 25), first_month=dt.date(2024, 1, 1)
    )
    assert short.years == 1 and min(short.before) == dt.date(2024, 11, 1)


def test_whole_years_after_are_compared_with_whole_years_before():
    periods = periods_around(dt.date(2025, 3, 14), months=24, today=dt.date(2026, 11, 25))
    # 19 complete months after March 2025: one whole year, April 2025 to March 2026 ...
    assert (periods.after[0], periods.after[-1]) == (dt.date(2025, 4, 1), dt.date(2026, 3, 1))
    # ... against the three years before the adoption month, each calendar month three times.
    assert (min(periods.before), max(periods.before)) == (dt.date(2022, 3, 1), dt.date(2025, 2, 1))
    assert len(periods.before) == 36 and dt.date(2025, 3, 1) not in periods.before


def test_no_period_before_a_complete_month_has_passed_or_without_history():
    assert periods_around(dt.date(2026, 10, 2), today=dt.date(2026, 11, 25)) is None
    assert periods_around(dt.date(2025, 3, 1), today=dt.date(2026, 11, 25), first_month=dt.date(2025, 1, 1)) is None


def test_plain_french_sentence_for_a_significant_drop():
    sentence = change_sentence(rate_ratio(200, 136))
    assert sentence.startswith("baisse de 32 % (IC 95 % : -")
    assert sentence.endswith("%), significative")


def test_every_row_says_what_it_could_detect_instead_of_a_gate():
    noise = before_after(before=10, after=7)
    assert noise.ratio == pytest.approx(0.7) and not noise.significant  # a fall from 10 to 7 is noise, and says so
    assert "non significative" in noise.sentence and "données insuffisantes" not in noise.sentence
    assert noise.detectable_fall < 0.3 and "puissance de 80 %" in noise.detectable
    # 38 -> 27 (the old note's threshold) is not significant; 80 % power needs a drop of about 56 %.
    borderline = before_after(before=38, after=27)
    assert not borderline.significant
    assert "baisse de 56 %" in borderline.detectable and "hausse de" in borderline.detectable


def test_a_significant_rise_is_shown():
    rise = before_after(before=10, after=40)
    assert rise.significant and rise.p_value < 1e-4
    assert rise.sentence.startswith("hausse de 300 % (IC 95 % : +") and rise.sentence.endswith(", significative")


def test_exposures_and_overdispersion_enter_the_interval():
    # 3 years before (36 months) against one year after: 90 before is 30 a year.
    result = before_after(before=90, after=21, months_before=36, months_after=12)
    assert round(result.percent_change) == -30
    wide = before_after(before=90, after=21, months_before=36, months_after=12, dispersion=3.0)
    assert wide.ratio_low < result.ratio_low and wide.detectable_fall < result.detectable_fall


def test_small_cells_are_not_published():
    result = before_after(before=3, after=0)
    assert (result.before, result.after) == (None, None)
    assert (result.before_display, result.after_display) == ("< 5", "< 5")
    assert result.detectable_fall is None and "moins de 5" in result.detectable
    assert count_display(5) == "5" and count_display(4) == "< 5"
    assert before_after(before=60, after=2).ratio is None  # the ratio would give the hidden count away


def test_comparison_has_no_wdd_and_is_withheld_with_a_hidden_zone_count():
    shown = against_comparison(treated_before=50, treated_after=45, control_before=500, control_after=400)
    assert shown["published"] and round(shown["ratio_of_ratios"], 3) == 1.125
    assert not shown["ratio_of_ratios_significant"] and "wdd" not in shown
    hidden = against_comparison(treated_before=60, treated_after=40, control_before=4, control_after=6)
    assert not hidden["published"] and "ratio_of_ratios" not in hidden
    assert hidden["control_before_display"] == "< 5"
    # A zone count under 5: the comparison's counts would be its complement, so nothing is published.
    complement = against_comparison(treated_before=3, treated_after=40, control_before=100, control_after=90)
    assert set(complement) == {"published", "sentence"}


def series(start: dt.date, values: list[int]) -> dict:
    return {add_months(start, i): v for i, v in enumerate(values)}


ADOPTION = dt.date(2025, 3, 1)


def test_seasons_alone_do_not_raise_the_regression_to_the_mean_check():
    # Every winter (December to February) is high, three years running: no peak.
    winter_high = [3, 3, 3, 3, 3, 3, 3, 3, 3, 9, 9, 9]  # March .. February
    history = series(dt.date(2022, 3, 1), winter_high * 3)
    assert peak_before(history, reference=ADOPTION, first_month=dt.date(2022, 3, 1)) is None


def test_a_peak_just_before_or_four_to_six_months_back_is_found():
    flat = [3] * 12
    recent_peak = series(dt.date(2022, 3, 1), flat * 2 + [3] * 9 + [9, 8, 10])
    warning = peak_before(recent_peak, reference=ADOPTION, first_month=dt.date(2022, 3, 1))
    assert warning and warning.calendar_months == {12, 1, 2} and warning.recent == 27
    older_peak = series(dt.date(2022, 3, 1), flat * 2 + [3] * 6 + [9, 9, 10] + [3] * 3)
    warning = peak_before(older_peak, reference=ADOPTION, first_month=dt.date(2022, 3, 1))
    assert warning and warning.calendar_months == {9, 10, 11}
    assert (
        peak_before(
            series(dt.date(2024, 3, 1), [3] * 9 + [9, 8, 10]), reference=ADOPTION, first_month=dt.date(2024, 3, 1)
        )
        is None
    )  # no earlier year to judge
    assert (
        peak_before(
            series(dt.date(2022, 3, 1), [0] * 33 + [1, 0, 1]), reference=ADOPTION, first_month=dt.date(2022, 3, 1)
        )
        is None
    )


def test_funnel_positions_against_the_commune_rate():
    from maps.statistics.reports import _funnel_position

    assert _funnel_position(30, 10.0) == "above_998"
    assert _funnel_position(18, 10.0) == "above_95"
    assert _funnel_position(12, 10.0) == "inside"
    assert _funnel_position(3, 10.0) == "below_95"
    assert _funnel_position(1, 10.0) == "below_998"
