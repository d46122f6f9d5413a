"""The mayor's dashboard (and the heavy statistics) are computed once per state of the data: any write
to what they read, through the ORM or bulk SQL, gives a new key; nothing else does. Each change below runs in its own
(sub)transaction, as each request does in production."""

import datetime as dt
import uuid

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import Role
from alerts.models import Alert, AlertCategory
from maps.models import RecordedCrime
from maps.statistics import counts, dashboard
from maps.statistics.reports import StatisticsQuery
from maps.tasks import dashboards_warm
from tests.factories import UserFactory, make_commune, make_role
from tests.maps.statistics.conftest import publish, spread

TODAY = dt.date(2026, 11, 29)


def _query(town) -> StatisticsQuery:
    return StatisticsQuery(commune=town, start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1), family="burglary")


def _reads(queries) -> list[str]:
    """The statements that read data (savepoints and SET LOCAL left out)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].split()[0].upper() not in ("SAVEPOINT", "RELEASE", "SET")
    ]


def _fingerprint(town) -> str:
    return counts.statistics_fingerprint(town.id)


def test_every_write_the_statistics_read_changes_the_fingerprint(town, west):
    with transaction.atomic():
        alerts = publish(town, spread(6, 5.0, 5.01), day=dt.date(2025, 6, 1))
    before = _fingerprint(town)
    assert _fingerprint(town) == before

    with transaction.atomic():  # a bulk UPDATE fires no signal: the row's xmin still moves
        Alert.objects.filter(pk=alerts[0].pk).update(status=Alert.Status.REJECTED)
    after_rejection = _fingerprint(town)
    assert after_rejection != before

    with transaction.atomic():
        AlertCategory.objects.filter(code="cambriolage").update(label="Cambriolage (renommé)")
    after_category = _fingerprint(town)
    assert after_category != after_rejection

    with transaction.atomic():
        west.households = 1200
        west.save(update_fields=["households"])
    after_zone = _fingerprint(town)
    assert after_zone != after_category

    with transaction.atomic():
        RecordedCrime.objects.create(
            source=RecordedCrime.Source.POLICE_UK,
            commune=town,
            family="burglary",
            category="Burglary",
            month=dt.date(2025, 6, 1),
            year=2025,
            dedup_key=uuid.uuid4(),
        )
    assert _fingerprint(town) != after_zone


def test_another_communes_alerts_leave_the_fingerprint_alone(town, west):
    elsewhere = make_commune(code="99002", name="Ailleurs", bounds=(6.0, 43.0, 6.02, 43.02))
    before = _fingerprint(town)
    with transaction.atomic():
        publish(elsewhere, spread(3, 6.0, 6.01))
    assert _fingerprint(town) == before


def test_the_second_reading_is_one_query_and_a_new_alert_is_counted_at_once(town, west):
    with transaction.atomic():
        publish(town, spread(12, 5.0, 5.01), day=dt.date(2025, 6, 1))
    first = dashboard.cached_dashboard_data(_query(town), today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        again = dashboard.cached_dashboard_data(_query(town), today=TODAY)
    assert len(_reads(queries)) == 1 and "xmin" in _reads(queries)[0]  # the fingerprint alone
    assert again["statistics"] == first["statistics"]

    with transaction.atomic():
        publish(town, spread(7, 5.0, 5.01), day=dt.date(2025, 7, 1))
    fresh = dashboard.cached_dashboard_data(_query(town), today=TODAY)
    west_total = next(r for r in fresh["statistics"]["totals"] if r["zone"] == "Ouest")
    assert west_total["count"] is not None and west_total["count"] >= 15  # 19 events, perturbed by at most a few
    assert fresh["statistics"] != first["statistics"]


def test_the_beat_task_fills_each_mayors_default_view(town, west):
    with transaction.atomic():
        publish(town, spread(12, 5.0, 5.01), day=dt.date(TODAY.year - 1, 6, 1))
    mayor = UserFactory()
    make_role(user=mayor, kind=Role.Kind.MAYOR, commune=town)
    make_role(user=UserFactory(), kind=Role.Kind.MAYOR, commune=town)  # a second one: warmed once

    assert dashboards_warm() == 1

    query = dashboard.dashboard_query(mayor, {}, town.code)
    with CaptureQueriesContext(connection) as queries:
        dashboard.cached_dashboard_data(query, today=dt.date.today())
    assert len(_reads(queries)) == 1 and "xmin" in _reads(queries)[0]


def test_each_language_has_its_own_entry(town, west):
    with translation.override("fr"):
        french = dashboard.cached_dashboard_data(_query(town), today=TODAY)
    with translation.override("en"):
        english = dashboard.cached_dashboard_data(_query(town), today=TODAY)
    assert french["benchmark"].startswith("Repère") and not english["benchmark"].startswith("Repère")
