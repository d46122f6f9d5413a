import django.db.models.deletion
from django.db import migrations, models

# The name each routed zone had when the alert was routed: the zone's name today, the best there is.
ZONE_NAMES_FILL = """
    UPDATE alerts_routedzone r SET zone_name = z.name FROM zones_zone z WHERE z.id = r.zone_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0002_content_types_from_alerts"),
        ("zones", "0003_zone_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="routedzone",
            name="zone_name",
            field=models.CharField(default="", max_length=200, verbose_name="nom de la zone à la diffusion"),
            preserve_default=False,
        ),
        migrations.RunSQL(ZONE_NAMES_FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="routedzone",
            name="zone",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="routed_alerts", to="zones.zone"
            ),
        ),
    ]
