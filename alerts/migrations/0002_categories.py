"""The categories every commune starts with. Admins can edit them afterwards; this migration
only creates the missing ones, so it never overwrites an edit."""

from django.db import migrations

CATEGORIES = [
    ("burglary", [("cambriolage", "Cambriolage", True), ("tentative-cambriolage", "Tentative de cambriolage", True)]),
    (
        "incivility",
        [
            ("degradation", "Dégradation", False),
            ("tag", "Tag", False),
            ("depot-sauvage", "Dépôt sauvage", False),
            ("nuisance", "Nuisance", False),
            ("rodeo", "Rodéo", False),
        ],
    ),
    (
        "theft",
        [
            ("vol-vehicule", "Vol de véhicule", False),
            ("vol-dans-vehicule", "Vol dans un véhicule", False),
            ("vol-jardin", "Vol de jardin", False),
        ],
    ),
    (
        "suspicious",
        [
            ("demarchage-suspect", "Démarchage suspect", False),
            ("vehicule-suspect", "Véhicule suspect", False),
            ("comportement-suspect", "Comportement suspect", False),
        ],
    ),
    (
        "other",
        [
            ("incendie", "Incendie", True),
            ("danger-voie", "Danger sur la voie", True),
            ("animal-perdu", "Animal perdu", False),
            ("information", "Information", False),
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
