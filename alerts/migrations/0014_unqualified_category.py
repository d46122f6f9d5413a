"""The category of alerts sent by SMS until a moderator chooses one. Inactive, so the posting form
never offers it; created only if missing, so an admin's edit is kept."""

from django.db import migrations
from django.utils.translation import gettext_noop as _


def create(apps, schema_editor):
    AlertCategory = apps.get_model("alerts", "AlertCategory")
    AlertCategory.objects.get_or_create(
        code="a-qualifier", defaults={"label": _("À qualifier"), "family": "other", "is_active": False, "position": 99}
    )


class Migration(migrations.Migration):
    dependencies = [("alerts", "0013_alert_source")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
