"""The content types of the moved models follow them to `delivery`, so their permissions, the
admin's history and any generic relation keep pointing at the same rows."""

from django.db import migrations

MOVED = ["alertrouting", "routedzone", "notificationpreference", "broadcast", "delivery"]


def _relabel(apps, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue  # a fresh database: post_migrate creates them under the right label
        # Created by a post_migrate that ran between the two migrations: empty, the old one wins.
        ContentType.objects.filter(app_label=target, model=model).delete()
        old.app_label = target
        old.save(update_fields=["app_label"])


def forwards(apps, schema_editor):
    _relabel(apps, source="alerts", target="delivery")


def backwards(apps, schema_editor):
    _relabel(apps, source="delivery", target="alerts")


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
