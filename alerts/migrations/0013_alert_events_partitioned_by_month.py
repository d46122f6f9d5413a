"""The live map's event stream partitioned by month (PostgreSQL declarative partitioning), every row kept:
old months are then dropped whole (ALERTS_EVENT_RETENTION_MONTHS). See partitions/conversion.py."""

from django.db import migrations, models

import partitions.monthly
from partitions.conversion import table_partition_by_month, table_unpartition

TABLE = "alerts_alertevent"
STATEMENTS = [
    'CREATE INDEX "alerts_aler_police__73e261_idx" ON "alerts_alertevent" ("police_service_id", "id")',
    'CREATE INDEX "alerts_alertevent_alert_id_edd734b8" ON "alerts_alertevent" ("alert_id")',
    'CREATE INDEX "alerts_alertevent_police_service_id_8c0d98e2" ON "alerts_alertevent" ("police_service_id")',
    'ALTER TABLE "alerts_alertevent" ADD CONSTRAINT "alerts_alertevent_alert_id_edd734b8_fk_alerts_alert_id" '
    'FOREIGN KEY ("alert_id") REFERENCES "alerts_alert" ("id") DEFERRABLE INITIALLY DEFERRED',
    'ALTER TABLE "alerts_alertevent" ADD CONSTRAINT "alerts_alertevent_police_service_id_8c0d98e2_fk_zones_pol" '
    'FOREIGN KEY ("police_service_id") REFERENCES "zones_policeservice" ("id") DEFERRABLE INITIALLY DEFERRED',
]


def forwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        table_partition_by_month(
            cursor,
            table=TABLE,
            column="month",
            month_sql="date_trunc('month', o.created_at AT TIME ZONE 'UTC')::date",
            statements=STATEMENTS,
        )


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        table_unpartition(cursor, table=TABLE, column="month", statements=STATEMENTS)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0012_merge_offline_composition"), ("zones", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AddField(
                    model_name="alertevent",
                    name="month",
                    field=models.DateField(default=partitions.monthly.current_month, editable=False),
                )
            ],
        )
    ]
