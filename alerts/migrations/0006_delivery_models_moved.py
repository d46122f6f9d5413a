"""Routing and delivery models move to the `delivery` app (see delivery/migrations/0001_initial.py).
State only: no table, column, index or row changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0005_text_columns_database_defaults"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are: only Django's idea of which app owns them changes.
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="broadcast",
                    name="author",
                ),
                migrations.RemoveField(
                    model_name="broadcast",
                    name="commune",
                ),
                migrations.RemoveField(
                    model_name="broadcast",
                    name="neighbourhoods",
                ),
                migrations.RemoveField(
                    model_name="delivery",
                    name="broadcast",
                ),
                migrations.RemoveField(
                    model_name="delivery",
                    name="alert",
                ),
                migrations.RemoveField(
                    model_name="delivery",
                    name="recipient",
                ),
                migrations.RemoveField(
                    model_name="notificationpreference",
                    name="muted_categories",
                ),
                migrations.RemoveField(
                    model_name="notificationpreference",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="routedzone",
                    name="alert",
                ),
                migrations.RemoveField(
                    model_name="routedzone",
                    name="zone",
                ),
                migrations.DeleteModel(
                    name="AlertRouting",
                ),
                migrations.DeleteModel(
                    name="Broadcast",
                ),
                migrations.DeleteModel(
                    name="Delivery",
                ),
                migrations.DeleteModel(
                    name="NotificationPreference",
                ),
                migrations.DeleteModel(
                    name="RoutedZone",
                ),
            ],
        ),
    ]
