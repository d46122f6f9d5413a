"""Deliveries and the police event stream live in monthly partitions: made ahead, never refusing a row
(the default partition catches it, and maintenance moves it out and says so), dropped a whole month at
a time once their retention ends, and the "once per message" guarantees as strong as before."""

import logging
from datetime import UTC, date, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from psycopg import sql

from alerts.models import AlertEvent
from delivery import retention
from delivery.models import AlertRouting, Broadcast, Delivery
from delivery.notices import resident_notice_send
from delivery.routing import alert_deliveries_create, alert_route
from delivery.sending import deliveries_insert
from partitions.monthly import current_month, month_add, partition_months
from tests.delivery.conftest import home, resident_at
from tests.factories import make_alert


@pytest.fixture
def this_month() -> date:
    """The month when the test runs, not when the module was collected: a suite that crosses the 1st
    at midnight UTC would otherwise count the months from the one before."""
    return current_month()


def moment_in(month: date, day: int = 15) -> datetime:
    return datetime(month.year, month.month, day, 12, tzinfo=UTC)


def partition_of(table: str, **filters) -> set[str]:
    """The partitions holding the rows of `table` matching `filters` (column = value)."""
    where = sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(column)) for column in filters)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT DISTINCT tableoid::regclass::text FROM {} WHERE {}").format(sql.Identifier(table), where),
            list(filters.values()),
        )
        return {name for (name,) in cursor.fetchall()}


def routed_alert(town, *, created_at: datetime):
    alert = make_alert(
        commune=town.commune, location=home(5.005), status="published", category="degradation", created_at=created_at
    )
    alert_route(alert_id=alert.id)
    return alert


def test_partitions_are_made_ahead_and_only_once(db, settings):
    settings.PARTITIONS_MONTHS_AHEAD = 2
    report = retention.partitions_maintain(today=date(2031, 5, 10))
    months = [date(2031, 5, 1), date(2031, 6, 1), date(2031, 7, 1)]
    for table in ("alerts_delivery", "delivery_pushreceipt", "alerts_alertevent"):
        assert set(months) <= set(partition_months(table))
        assert f"{table}_p2031_07" in report.created
    assert date(2031, 8, 1) not in partition_months("alerts_delivery")
    assert retention.partitions_maintain(today=date(2031, 5, 10)).created == []


def test_maintenance_gathers_the_statistics_of_each_whole_partitioned_table(town, this_month):
    resident_at(town, 5.004)
    routed_alert(town, created_at=moment_in(this_month))
    report = retention.partitions_maintain()
    tables = ["alerts_delivery", "delivery_pushreceipt", "alerts_alertevent"]
    assert sorted(report.analysed) == sorted(tables)
    with connection.cursor() as cursor:
        # Statistics of a parent over all its partitions are the "inherited" rows of pg_stats.
        cursor.execute(
            "SELECT DISTINCT tablename FROM pg_stats WHERE inherited AND tablename = ANY(%s) ORDER BY 1", [tables]
        )
        assert [row[0] for row in cursor.fetchall()] == ["alerts_alertevent", "alerts_delivery"]


def test_a_message_of_a_month_without_partition_lands_in_the_default_and_is_moved_out(
    town, settings, caplog, this_month
):
    """An alert made months ago (its month has no partition in a fresh database) is delivered all the
    same; maintenance reports the rows and gives them their month's partition."""
    settings.DELIVERY_RETENTION_MONTHS = 13
    resident = resident_at(town, 5.004)
    old_month = month_add(this_month, -2)
    alert = routed_alert(town, created_at=moment_in(old_month))
    assert partition_of("alerts_delivery", alert_id=alert.id) == {"alerts_delivery_default"}
    with caplog.at_level(logging.ERROR, logger="partitions.monthly"):
        report = retention.partitions_maintain()
    assert report.defaulted["alerts_delivery"][old_month] >= 1
    assert "default partition" in caplog.text
    assert partition_of("alerts_delivery", alert_id=alert.id) == {f"alerts_delivery_p{old_month:%Y_%m}"}
    assert Delivery.objects.filter(alert=alert, recipient=resident, month=old_month).count() == 1
    assert retention.partitions_maintain().defaulted == {}


def test_retention_drops_only_the_months_past_it(town, settings, this_month):
    settings.DELIVERY_RETENTION_MONTHS = 13
    settings.ALERTS_EVENT_RETENTION_MONTHS = 3
    resident = resident_at(town, 5.004)
    alerts = {
        months: routed_alert(town, created_at=moment_in(month_add(this_month, -months))) for months in (14, 13, 0)
    }
    for months in (4, 3):
        month = month_add(this_month, -months)
        AlertEvent.objects.create(
            police_service=town.west_service,
            alert=alerts[0],
            kind=AlertEvent.Kind.STATUS_CHANGED,
            created_at=moment_in(month),
            month=month,
        )
    with connection.cursor() as cursor:
        # Maintenance commits each step; inside the test's transaction, deferred foreign-key checks of
        # the rows just moved would otherwise still be pending when a month is dropped.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    retention.partitions_maintain()  # the old months get their partitions, then the oldest goes

    assert not Delivery.objects.filter(alert=alerts[14]).exists()
    assert Delivery.objects.filter(alert=alerts[13], recipient=resident).exists()
    assert Delivery.objects.filter(alert=alerts[0], recipient=resident).exists()
    assert month_add(this_month, -14) not in partition_months("alerts_delivery")
    assert month_add(this_month, -14) not in partition_months("delivery_pushreceipt")
    event_months = set(AlertEvent.objects.values_list("month", flat=True))
    assert month_add(this_month, -4) not in event_months
    assert {month_add(this_month, -3), this_month} <= event_months
    assert month_add(this_month, -4) not in partition_months("alerts_alertevent")


def test_an_alert_delivered_again_a_month_later_still_has_one_delivery_per_resident(town, this_month):
    """The delivery's month is the alert's, not the moment of sending: routing the same alert again
    after the 1st (its routing record lost) meets the first deliveries in the unique index."""
    resident = resident_at(town, 5.004)
    last_month = month_add(this_month, -1)
    alert = routed_alert(town, created_at=datetime(last_month.year, last_month.month, 28, 23, 59, tzinfo=UTC))
    assert set(Delivery.objects.filter(alert=alert).values_list("month", flat=True)) == {last_month}
    AlertRouting.objects.filter(alert=alert).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        alert_deliveries_create(
            alert=alert, neighbourhood_ids=[town.north.id], police_service_ids=[town.west_service.id]
        )
    assert Delivery.objects.filter(alert=alert, recipient=resident).count() == 1


def test_a_broadcast_and_a_notice_are_unique_across_months_too(town, this_month):
    resident = resident_at(town, 5.004)
    last_month = month_add(this_month, -1)
    broadcast = Broadcast.objects.create(
        commune=town.commune, kind="information", title="Travaux", body="Rue fermée.", target="commune"
    )
    Broadcast.objects.filter(id=broadcast.id).update(created_at=moment_in(last_month, day=28))
    broadcast.refresh_from_db()
    one_resident = sql.SQL("SELECT %(resident_id)s::bigint AS user_id, false AS is_police")

    def send_broadcast():
        return deliveries_insert(
            kind=Delivery.Kind.BROADCAST,
            recipients=one_resident,
            params={"resident_id": resident.id},
            broadcast_id=broadcast.id,
            time_zone="Europe/Paris",
            message_at=broadcast.created_at,
        )

    assert send_broadcast() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        send_broadcast()

    noticed_at = moment_in(last_month)
    assert resident_notice_send(
        kind=Delivery.Kind.PATROL_VISIT,
        notice_id=77,
        resident_id=resident.id,
        time_zone="Europe/Paris",
        noticed_at=noticed_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        deliveries_insert(
            kind=Delivery.Kind.PATROL_VISIT,
            recipients=one_resident,
            params={"resident_id": resident.id},
            notice_id=77,
            time_zone="Europe/Paris",
            message_at=noticed_at,
        )
    assert Delivery.objects.filter(recipient=resident, broadcast=broadcast).count() == 1
    assert Delivery.objects.get(recipient=resident, notice_id=77).month == last_month


@pytest.mark.django_db(transaction=True)
def test_a_month_held_by_a_long_reader_is_dropped_at_the_next_run_and_blocks_nobody(settings, this_month):
    """While another session reads the deliveries, the drop gives up after its lock timeout instead of
    queueing (which would stall every insert behind it); once the reader is done, it goes."""
    from django.db import connections

    from partitions.monthly import monthly_table_maintain, partition_create, partitions_drop_before

    old_month = month_add(this_month, -20)
    partition_create(retention.DELIVERIES, old_month)
    reader = connections.create_connection("default")
    try:
        reader.set_autocommit(False)
        with reader.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM alerts_delivery")
        dropped, postponed = partitions_drop_before(retention.DELIVERIES, month_add(old_month, 1))
        assert (dropped, postponed) == ([], [f"alerts_delivery_p{old_month:%Y_%m}"])
        assert old_month in partition_months("alerts_delivery")
        # Making a month ahead locks the table as well: postponed too, never an error.
        ahead = monthly_table_maintain(retention.DELIVERIES, months_ahead=0, keep_months=None, today=date(2031, 1, 1))
        assert (ahead.created, ahead.postponed) == ([], ["alerts_delivery_p2031_01"])
        reader.rollback()
        dropped, postponed = partitions_drop_before(retention.DELIVERIES, month_add(old_month, 1))
        assert (dropped, postponed) == ([f"alerts_delivery_p{old_month:%Y_%m}"], [])
    finally:
        reader.close()
    assert old_month not in partition_months("alerts_delivery")
