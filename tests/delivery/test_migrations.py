"""Moving the routing and delivery models from alerts to delivery changes no table and no row: a
database migrated before the move, with deliveries, a broadcast and preferences in it, migrates
forward with every row intact, read through the new app, and its content types (hence permissions
and admin history) follow the models."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.delivery.conftest import home
from tests.factories import make_commune, make_resident

# Just before the move, with the alert columns added beside it (cell keys). Alerts are written through
# the model of that state: today's has columns added after it (the agent an alert is given to).
BEFORE = [("alerts", "0006_cell_keys"), ("delivery", None)]
MOVED = ["alertrouting", "routedzone", "notificationpreference", "broadcast", "delivery"]


def _migrate(targets):
    """Migrate to the targets; the models as they were at the first one."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets[0]).apps


def _rows_made_before_the_move(old_apps) -> dict:
    """Rows written through the models as they were in alerts, with their content types."""
    ContentType = old_apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        ContentType.objects.get_or_create(app_label="alerts", model=model)
    commune = make_commune()
    resident = make_resident(commune=commune, home=home(5.005))
    OldAlert = old_apps.get_model("alerts", "Alert")
    category = old_apps.get_model("alerts", "AlertCategory").objects.get(code="cambriolage")
    alert = OldAlert.objects.create(
        category_id=category.id,
        commune_id=commune.id,
        location=home(5.006),
        occurred_at=timezone.now(),
        description="Porte fracturée constatée ce matin.",
        status="published",
        published_at=timezone.now(),
    )
    Broadcast = old_apps.get_model("alerts", "Broadcast")
    Delivery = old_apps.get_model("alerts", "Delivery")
    Preference = old_apps.get_model("alerts", "NotificationPreference")
    Routing = old_apps.get_model("alerts", "AlertRouting")
    Routing.objects.create(alert_id=alert.id, radius_m=300, recipients=1)
    broadcast = Broadcast.objects.create(
        commune_id=commune.id, kind="information", title="Travaux", body="Rue fermée lundi.", target="commune"
    )
    Delivery.objects.create(recipient_id=resident.id, kind="alert", alert_id=alert.id, status="sent")
    Delivery.objects.create(recipient_id=resident.id, kind="broadcast", broadcast_id=broadcast.id, status="pending")
    preference = Preference.objects.create(user_id=resident.id, by_sms=True, phone_number="0600000000")
    preference.muted_categories.set(old_apps.get_model("alerts", "AlertCategory").objects.all()[:2])
    ids = dict(ContentType.objects.filter(app_label="alerts", model__in=MOVED).values_list("model", "id"))
    return {"alert": alert, "resident": resident, "broadcast": broadcast, "content_type_ids": ids}


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_row_and_the_content_types():
    try:
        before = _rows_made_before_the_move(_migrate(BEFORE))
        _migrate(sorted(MigrationExecutor(connection).loader.graph.leaf_nodes()))
        from django.contrib.contenttypes.models import ContentType

        from delivery.models import AlertRouting, Broadcast, Delivery, NotificationPreference

        ContentType.objects.clear_cache()
        kinds = sorted(Delivery.objects.filter(recipient=before["resident"]).values_list("kind", "status"))
        assert kinds == [("alert", "sent"), ("broadcast", "pending")]
        assert AlertRouting.objects.get(alert_id=before["alert"].id).recipients == 1
        assert Broadcast.objects.get(id=before["broadcast"].id).title == "Travaux"
        assert NotificationPreference.objects.get(user=before["resident"]).muted_categories.count() == 2
        # Only the moved models: models added to delivery later have content types of their own.
        moved = dict(ContentType.objects.filter(app_label="delivery", model__in=MOVED).values_list("model", "id"))
        assert moved == before["content_type_ids"]
        assert not ContentType.objects.filter(app_label="alerts", model__in=MOVED).exists()
    finally:
        _migrate(sorted(MigrationExecutor(connection).loader.graph.leaf_nodes()))
