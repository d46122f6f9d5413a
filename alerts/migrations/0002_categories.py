"""The categories every commune starts with. Admins can edit them afterwards; this migration
only creates the missing ones, so it never overwrites an edit. The labels are marked for the
catalogue, which gives them in English (`AlertCategory.display_label`)."""

from django.db import migrations
from django.utils.translation import gettext_noop as _

CATEGORIES = [
    (
        "burglary",
        [("cambriolage", _("Cambriolage"), True), ("tentative-cambriolage", _("Tentative de cambriolage"), True)],
    ),
    (
        "incivility",
        [
            ("degradation", _("Dégradation"), False),
            ("tag", _("Tag"), False),
            ("depot-sauvage", _("Dépôt sauvage"), False),
            ("nuisance", _("Nuisance"), False),
            ("rodeo", _("Rodéo"), False),
        ],
    ),
    (
        "theft",
        [
            ("vol-vehicule", _("Vol de véhicule"), False),
            ("vol-dans-vehicule", _("Vol dans un véhicule"), False),
            ("vol-jardin", _("Vol de jardin"), False),
        ],
    ),
    (
        "suspicious",
        [
            ("demarchage-suspect", _("Démarchage suspect"), False),
            ("vehicule-suspect", _("Véhicule suspect"), False),
            ("comportement-suspect", _("Comportement suspect"), False),
        ],
    ),
    (
        "other",
        [
            ("incendie", _("Incendie"), True),
            ("danger-voie", _("Danger sur la voie"), True),
            ("animal-perdu", _("Animal perdu"), False),
            ("information", _("Information"), False),
        ],
    ),
]


def create_categories(apps, schema_editor):
    AlertCategory = apps.get_model("alerts", "AlertCategory")
    for family, categories in CATEGORIES:
        for position, (code, label, urgent) in enumerate(categories):
            AlertCategory.objects.get_or_create(
                code=code, defaults={"label": label, "family": family, "is_urgent": urgent, "position": position}
            )


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]
    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
