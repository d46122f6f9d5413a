"""Deliveries and their push receipts partitioned by month (PostgreSQL declarative partitioning), every
row kept, so a month whose retention has ended (DELIVERY_RETENTION_MONTHS) is dropped whole.

A delivery's month is its message's (the alert's or broadcast's creation; for a notice, when the
delivery was created), so the "once" unique indexes, which must now hold the month, stay as strong:
(alert, recipient, month) is (alert, recipient) when every delivery of an alert has the alert's month.
See partitions/conversion.py for the table swap."""

import django.db.models.deletion
from django.db import migrations, models

import partitions.monthly
from partitions.conversion import table_partition_by_month, table_unpartition

RECEIPT_FK = "delivery_pushreceipt_delivery_id_ab6cb48f_fk_alerts_delivery_id"
DELIVERY_MONTH = """date_trunc('month', CASE
    WHEN o.alert_id IS NOT NULL THEN (SELECT a.created_at FROM alerts_alert a WHERE a.id = o.alert_id)
    WHEN o.broadcast_id IS NOT NULL THEN (SELECT b.created_at FROM alerts_broadcast b WHERE b.id = o.broadcast_id)
END AT TIME ZONE 'UTC')::date"""
# A delivery whose alert or broadcast is gone (no database foreign key) keeps its own month.
DELIVERY_MONTH = f"coalesce({DELIVERY_MONTH}, date_trunc('month', o.created_at AT TIME ZONE 'UTC')::date)"


def _delivery_statements(month: str) -> list[str]:
    """Django's indexes of the delivery table; the unique ones hold the month when it is partitioned."""
    key = f', "{month}"' if month else ""
    return [
        'CREATE INDEX "delivery_inbox" ON "alerts_delivery" ("recipient_id", "id" DESC)',
        'CREATE INDEX "delivery_near_repeat" ON "alerts_delivery" ("recipient_id", "created_at") '
        "WHERE kind = 'near_repeat'",
        'CREATE INDEX "delivery_pending" ON "alerts_delivery" ("send_after") WHERE status = \'pending\'',
        f'CREATE UNIQUE INDEX "delivery_once_per_alert" ON "alerts_delivery" ("alert_id", "recipient_id"{key}) '
        "WHERE kind = 'alert'",
        f'CREATE UNIQUE INDEX "delivery_once_per_broadcast" ON "alerts_delivery" ("broadcast_id", "recipient_id"{key}) '
        "WHERE kind = 'broadcast'",
        f'CREATE UNIQUE INDEX "near_repeat_once_per_alert" ON "alerts_delivery" ("alert_id", "recipient_id"{key}) '
        "WHERE kind = 'near_repeat'",
        f'CREATE UNIQUE INDEX "notice_once" ON "alerts_delivery" ("kind", "notice_id"{key}) WHERE notice_id IS NOT NULL',
        'ALTER TABLE "alerts_delivery" ADD CONSTRAINT "alerts_delivery_broadcast_id_4354cbb5_fk_alerts_broadcast_id" '
        'FOREIGN KEY ("broadcast_id") REFERENCES "alerts_broadcast" ("id") DEFERRABLE INITIALLY DEFERRED',
    ]


def _receipt_statements(month: str) -> list[str]:
    key = f', "{month}"' if month else ""
    return [
        'CREATE INDEX "delivery_pushreceipt_subscription_id_35ef20fd" ON "delivery_pushreceipt" ("subscription_id")',
        f'ALTER TABLE "delivery_pushreceipt" ADD CONSTRAINT "push_once_per_device" '
        f'UNIQUE ("delivery_id", "subscription_id"{key})',
        'ALTER TABLE "delivery_pushreceipt" ADD CONSTRAINT "delivery_pushreceipt_subscription_id_35ef20fd_fk_delivery_" '
        'FOREIGN KEY ("subscription_id") REFERENCES "delivery_pushsubscription" ("id") DEFERRABLE INITIALLY DEFERRED',
    ]


def forwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "delivery_pushreceipt" DROP CONSTRAINT "{RECEIPT_FK}"')
        table_partition_by_month(
            cursor,
            table="alerts_delivery",
            column="month",
            month_sql=DELIVERY_MONTH,
            statements=_delivery_statements("month"),
        )
        table_partition_by_month(
            cursor,
            table="delivery_pushreceipt",
            column="delivery_month",
            month_sql="coalesce((SELECT d.month FROM alerts_delivery d WHERE d.id = o.delivery_id), "
            "date_trunc('month', o.pushed_at AT TIME ZONE 'UTC')::date)",
            statements=_receipt_statements("delivery_month"),
        )


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        table_unpartition(
            cursor, table="delivery_pushreceipt", column="delivery_month", statements=_receipt_statements("")
        )
        table_unpartition(cursor, table="alerts_delivery", column="month", statements=_delivery_statements(""))
        cursor.execute(
            f'ALTER TABLE "delivery_pushreceipt" ADD CONSTRAINT "{RECEIPT_FK}" FOREIGN KEY ("delivery_id") '
            'REFERENCES "alerts_delivery" ("id") DEFERRABLE INITIALLY DEFERRED'
        )


def _unique(model_name, fields, name, condition=None):
    return migrations.AddConstraint(
        model_name=model_name,
        constraint=models.UniqueConstraint(condition=condition, fields=fields, name=name),
    )


class Migration(migrations.Migration):
    dependencies = [("delivery", "0007_broadcast_corrections"), ("alerts", "0013_alert_events_partitioned_by_month")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.RemoveConstraint(model_name="delivery", name="delivery_once_per_alert"),
                migrations.RemoveConstraint(model_name="delivery", name="delivery_once_per_broadcast"),
                migrations.RemoveConstraint(model_name="delivery", name="near_repeat_once_per_alert"),
                migrations.RemoveConstraint(model_name="delivery", name="notice_once"),
                migrations.RemoveConstraint(model_name="pushreceipt", name="push_once_per_device"),
                migrations.AddField(
                    model_name="delivery",
                    name="month",
                    field=models.DateField(default=partitions.monthly.current_month, editable=False),
                ),
                migrations.AddField(
                    model_name="pushreceipt",
                    name="delivery_month",
                    field=models.DateField(default=partitions.monthly.current_month, editable=False),
                ),
                migrations.AlterField(
                    model_name="pushreceipt",
                    name="delivery",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="delivery.delivery",
                    ),
                ),
                _unique(
                    "delivery", ("alert", "recipient", "month"), "delivery_once_per_alert", models.Q(kind="alert")
                ),
                _unique(
                    "delivery",
                    ("broadcast", "recipient", "month"),
                    "delivery_once_per_broadcast",
                    models.Q(kind="broadcast"),
                ),
                _unique(
                    "delivery",
                    ("alert", "recipient", "month"),
                    "near_repeat_once_per_alert",
                    models.Q(kind="near_repeat"),
                ),
                _unique("delivery", ("kind", "notice_id", "month"), "notice_once", models.Q(notice_id__isnull=False)),
                _unique("pushreceipt", ("delivery", "subscription", "delivery_month"), "push_once_per_device"),
            ],
        )
    ]
