"""Partitioning deliveries, push receipts and events by month keeps every row of a database that has
them: same ids, each delivery in its message's month, new rows numbered after the old ones, and the
way back gives plain tables again."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from partitions.monthly import month_of
from tests.delivery.conftest import home
from tests.factories import make_commune, make_police_sector, make_resident
from zones import services as zone_services

BEFORE = [("alerts", "0012_merge_offline_composition"), ("delivery", "0007_broadcast_corrections")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _latest():
    return sorted(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _is_partitioned(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0] == "p"


def _rows_before(old_apps) -> dict:
    commune = make_commune()
    resident = make_resident(commune=commune, home=home(5.005))
    service = zone_services.police_service_create(name="PM Testville", communes=[commune])
    make_police_sector(service=service, commune=commune, name="Ouest", bounds=(5.0, 43.0, 5.02, 43.02))
    long_ago = timezone.now() - timedelta(days=70)
    Alert = old_apps.get_model("alerts", "Alert")
    alert = Alert.objects.create(
        category_id=old_apps.get_model("alerts", "AlertCategory").objects.get(code="cambriolage").id,
        commune_id=commune.id,
        location=home(5.006),
        occurred_at=long_ago,
        description="Porte fracturée constatée ce matin.",
        status="published",
        published_at=long_ago,
        created_at=long_ago,
    )
    broadcast = old_apps.get_model("delivery", "Broadcast").objects.create(
        commune_id=commune.id, kind="information", title="Travaux", body="Rue fermée lundi.", target="commune"
    )
    Delivery = old_apps.get_model("delivery", "Delivery")
    by_alert = Delivery.objects.create(recipient_id=resident.id, kind="alert", alert_id=alert.id, status="sent")
    by_broadcast = Delivery.objects.create(recipient_id=resident.id, kind="broadcast", broadcast_id=broadcast.id)
    device = old_apps.get_model("delivery", "PushSubscription").objects.create(
        user_id=resident.id, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    receipt = old_apps.get_model("delivery", "PushReceipt").objects.create(
        delivery_id=by_alert.id, subscription_id=device.id
    )
    event = old_apps.get_model("alerts", "AlertEvent").objects.create(
        police_service_id=service.id, alert_id=alert.id, kind="published", created_at=long_ago
    )
    return {
        "alert": alert,
        "resident": resident,
        "by_alert": by_alert.id,
        "by_broadcast": by_broadcast.id,
        "receipt": receipt.id,
        "event": event.id,
        "long_ago": long_ago,
    }


@pytest.mark.django_db(transaction=True)
def test_partitioning_keeps_every_row_in_its_month():
    try:
        before = _rows_before(_migrate(BEFORE))
        _migrate(_latest())
        from alerts.models import AlertEvent
        from delivery.models import Delivery, PushReceipt

        assert all(_is_partitioned(t) for t in ("alerts_delivery", "delivery_pushreceipt", "alerts_alertevent"))
        old_month, this_month = month_of(before["long_ago"]), month_of(timezone.now())
        by_alert = Delivery.objects.get(id=before["by_alert"])
        assert (by_alert.kind, by_alert.status, by_alert.month) == ("alert", "sent", old_month)
        assert Delivery.objects.get(id=before["by_broadcast"]).month == this_month
        assert PushReceipt.objects.get(id=before["receipt"]).delivery_month == old_month
        assert AlertEvent.objects.get(id=before["event"]).month == old_month
        newer = Delivery.objects.create(recipient=before["resident"], kind="alert", alert_id=before["alert"].id + 1)
        assert newer.id > max(before["by_alert"], before["by_broadcast"])

        _migrate(BEFORE)
        assert not any(_is_partitioned(t) for t in ("alerts_delivery", "delivery_pushreceipt", "alerts_alertevent"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM alerts_delivery WHERE recipient_id = %s", [before["resident"].id])
            assert cursor.fetchone()[0] == 3
            cursor.execute("SELECT count(*) FROM delivery_pushreceipt WHERE id = %s", [before["receipt"]])
            assert cursor.fetchone()[0] == 1
    finally:
        _migrate(_latest())
