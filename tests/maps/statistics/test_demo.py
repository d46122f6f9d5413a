import datetime as dt

from django.utils import timezone

from alerts.models import Alert
from demo.statistics import STEPS, demo_statistics_alerts
from maps.models import RecordedCrime
from maps.statistics import counts, reports
from tests.factories import make_commune, make_neighbourhood


def test_demo_history_is_idempotent_and_fills_the_dashboard(db):
    tarascon = make_commune(
        code="13108", name="Tarascon", bounds=(4.64, 43.79, 4.68, 43.82), adopted_on=dt.date(2025, 3, 1)
    )
    make_neighbourhood(commune=tarascon, name="Centre", bounds=(4.64, 43.79, 4.66, 43.82))
    make_neighbourhood(commune=tarascon, name="Nord", bounds=(4.66, 43.79, 4.68, 43.82))
    for step in STEPS:
        step()
    alerts = Alert.objects.filter(commune=tarascon).count()
    crimes = RecordedCrime.objects.count()
    assert alerts > 1000 and crimes == 12
    assert RecordedCrime.objects.filter(count__isnull=True).count() == 1
    for step in STEPS:
        step()
    assert Alert.objects.filter(commune=tarascon).count() == alerts and RecordedCrime.objects.count() == crimes
    query = reports.StatisticsQuery(
        commune=tarascon, start=dt.date(2024, 3, 1), end=dt.date(2026, 3, 1), family="burglary"
    )
    table = reports.before_after_table(query, today=dt.date(2026, 11, 25))
    commune_row = next(row for row in table["rows"] if row["zone_id"] is None)
    assert table["years_before"] == 3 and commune_row["months_before"] == 36
    assert commune_row["ratio"] < 1 and commune_row["detectable_fall"]
    # The planted peak before adoption is caught against the same months of earlier years, and the
    # estimate without those months is shown beside the plain one.
    assert commune_row["peak_warning"] and commune_row["without_peak"]["left_out"] == [1, 2, 12]
    assert commune_row["without_peak"]["months_before"] == 27 and commune_row["without_peak"]["sentence"]


def test_demo_history_runs_to_the_last_complete_month_before_loading(db):
    tarascon = make_commune(
        code="13108", name="Tarascon", bounds=(4.64, 43.79, 4.68, 43.82), adopted_on=dt.date(2025, 3, 1)
    )
    make_neighbourhood(commune=tarascon, name="Centre", bounds=(4.64, 43.79, 4.68, 43.82))
    demo_statistics_alerts(today=dt.date(2027, 2, 10))
    query = reports.StatisticsQuery(
        commune=tarascon, start=dt.date(2022, 3, 1), end=dt.date(2027, 3, 1), family="burglary"
    )
    rows = counts.zone_month_counts(query.events(), kind="neighbourhood")
    burglaries = {
        month: sum(n for _zone, _family, m, n, _key in rows if m == month)
        for month in (dt.date(2024, 3, 1), dt.date(2026, 10, 1), dt.date(2027, 1, 1), dt.date(2027, 2, 1))
    }
    assert burglaries[dt.date(2024, 3, 1)] > 0  # a year before the adoption date
    assert Alert.objects.filter(commune=tarascon, occurred_at__year=2022).exists()  # three years before
    assert burglaries[dt.date(2026, 10, 1)] > 0 and burglaries[dt.date(2027, 1, 1)] > 0  # no collapse
    assert burglaries[dt.date(2027, 2, 1)] == 0  # the month of loading is not complete
    first = Alert.objects.filter(commune=tarascon).earliest("occurred_at").occurred_at
    assert timezone.localtime(first).date() >= dt.date(2022, 3, 1)
