"""The models of routing and delivery, moved from `alerts` with their tables (`db_table` keeps the
names alerts_*). State only: the tables, indexes, constraints and rows already exist."""

import django.contrib.gis.db.models.fields
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("alerts", "0006_delivery_models_moved"),
        ("zones", "0002_zone_origin"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are: only Django's idea of which app owns them changes.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AlertRouting",
                    fields=[
                        (
                            "alert",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="routing",
                                serialize=False,
                                to="alerts.alert",
                            ),
                        ),
                        (
                            "routed_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="diffusée le"),
                        ),
                        ("radius_m", models.PositiveIntegerField(verbose_name="rayon utilisé (m)")),
                        ("recipients", models.PositiveIntegerField(default=0, verbose_name="destinataires")),
                    ],
                    options={
                        "verbose_name": "diffusion d'alerte",
                        "verbose_name_plural": "diffusions d'alertes",
                        "db_table": "alerts_alertrouting",
                    },
                ),
                migrations.CreateModel(
                    name="Broadcast",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("information", "information"),
                                    ("prevention", "prévention"),
                                    ("weather", "alerte météo"),
                                    ("road_works", "travaux"),
                                    ("public_safety", "sécurité publique"),
                                ],
                                max_length=20,
                                verbose_name="type",
                            ),
                        ),
                        ("title", models.CharField(max_length=150, verbose_name="titre")),
                        ("body", models.TextField(max_length=2000, verbose_name="message")),
                        (
                            "target",
                            models.CharField(
                                choices=[
                                    ("commune", "toute la commune"),
                                    ("neighbourhoods", "quartiers choisis"),
                                    ("area", "zone dessinée"),
                                ],
                                max_length=20,
                                verbose_name="destinataires",
                            ),
                        ),
                        (
                            "area",
                            django.contrib.gis.db.models.fields.MultiPolygonField(
                                blank=True, null=True, srid=4326, verbose_name="zone dessinée"
                            ),
                        ),
                        ("by_email", models.BooleanField(default=True, verbose_name="par courriel")),
                        ("by_sms", models.BooleanField(default=False, verbose_name="par SMS")),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="envoyé le"),
                        ),
                        ("recipients", models.PositiveIntegerField(default=0, verbose_name="destinataires")),
                        (
                            "author",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "commune",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="broadcasts",
                                to="zones.commune",
                            ),
                        ),
                        (
                            "neighbourhoods",
                            models.ManyToManyField(
                                blank=True, related_name="+", to="zones.zone", verbose_name="quartiers"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "message de la mairie",
                        "verbose_name_plural": "messages de la mairie",
                        "db_table": "alerts_broadcast",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="Delivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("alert", "alerte"),
                                    ("broadcast", "message de la mairie"),
                                    ("near_repeat", "conseil de prévention"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "à envoyer"),
                                    ("sent", "envoyé"),
                                    ("failed", "échec"),
                                    ("skipped", "non envoyé"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("reason", models.CharField(blank=True, max_length=300)),
                        (
                            "email_status",
                            models.CharField(
                                choices=[
                                    ("pending", "à envoyer"),
                                    ("sent", "envoyé"),
                                    ("failed", "échec"),
                                    ("skipped", "non envoyé"),
                                ],
                                default="skipped",
                                max_length=10,
                            ),
                        ),
                        (
                            "sms_status",
                            models.CharField(
                                choices=[
                                    ("pending", "à envoyer"),
                                    ("sent", "envoyé"),
                                    ("failed", "échec"),
                                    ("skipped", "non envoyé"),
                                ],
                                default="skipped",
                                max_length=10,
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("send_after", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "alert",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="alerts.alert",
                            ),
                        ),
                        (
                            "broadcast",
                            models.ForeignKey(
                                blank=True,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="delivery.broadcast",
                            ),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "envoi",
                        "verbose_name_plural": "envois",
                        "db_table": "alerts_delivery",
                    },
                ),
                migrations.CreateModel(
                    name="NotificationPreference",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("by_email", models.BooleanField(default=True, verbose_name="par courriel")),
                        ("by_sms", models.BooleanField(default=False, verbose_name="par SMS")),
                        (
                            "phone_number",
                            models.CharField(blank=True, max_length=20, verbose_name="numéro de téléphone mobile"),
                        ),
                        (
                            "quiet_start",
                            models.TimeField(blank=True, null=True, verbose_name="début des heures calmes"),
                        ),
                        ("quiet_end", models.TimeField(blank=True, null=True, verbose_name="fin des heures calmes")),
                        (
                            "prevention_notices",
                            models.BooleanField(
                                default=True,
                                help_text="Conseils reçus quand un cambriolage a lieu près de chez vous.",
                                verbose_name="conseils de prévention",
                            ),
                        ),
                        (
                            "muted_categories",
                            models.ManyToManyField(
                                blank=True,
                                related_name="+",
                                to="alerts.alertcategory",
                                verbose_name="catégories non souhaitées",
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notification_pref",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "préférence de notification",
                        "verbose_name_plural": "préférences de notification",
                        "db_table": "alerts_notificationpreference",
                    },
                ),
                migrations.CreateModel(
                    name="RoutedZone",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                choices=[
                                    ("covers", "le lieu est dans la zone"),
                                    ("nearby", "zone à proximité du lieu"),
                                ],
                                max_length=10,
                                verbose_name="motif",
                            ),
                        ),
                        (
                            "alert",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="routed_zones",
                                to="alerts.alert",
                            ),
                        ),
                        (
                            "zone",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="routed_alerts",
                                to="zones.zone",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "zone prévenue",
                        "verbose_name_plural": "zones prévenues",
                        "db_table": "alerts_routedzone",
                    },
                ),
                migrations.AddIndex(
                    model_name="broadcast",
                    index=models.Index(fields=["commune", "-created_at"], name="alerts_broa_commune_fcf3e8_idx"),
                ),
                migrations.AddIndex(
                    model_name="delivery",
                    index=models.Index(fields=["recipient", "-id"], name="delivery_inbox"),
                ),
                migrations.AddIndex(
                    model_name="delivery",
                    index=models.Index(
                        condition=models.Q(("status", "pending")), fields=["send_after"], name="delivery_pending"
                    ),
                ),
                migrations.AddIndex(
                    model_name="delivery",
                    index=models.Index(
                        condition=models.Q(("kind", "near_repeat")),
                        fields=["recipient", "created_at"],
                        name="delivery_near_repeat",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="delivery",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("alert__isnull", False), ("broadcast__isnull", True), ("kind", "alert")),
                            models.Q(("alert__isnull", False), ("broadcast__isnull", True), ("kind", "near_repeat")),
                            models.Q(("alert__isnull", True), ("broadcast__isnull", False), ("kind", "broadcast")),
                            _connector="OR",
                        ),
                        name="delivery_points_at_its_message",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="delivery",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("kind", "alert")),
                        fields=("alert", "recipient"),
                        name="delivery_once_per_alert",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="delivery",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("kind", "broadcast")),
                        fields=("broadcast", "recipient"),
                        name="delivery_once_per_broadcast",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="delivery",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("kind", "near_repeat")),
                        fields=("alert", "recipient"),
                        name="near_repeat_once_per_alert",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="notificationpreference",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("quiet_end__isnull", True), ("quiet_start__isnull", True)),
                            models.Q(("quiet_end__isnull", False), ("quiet_start__isnull", False)),
                            _connector="OR",
                        ),
                        name="quiet_hours_both_or_none",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="routedzone",
                    constraint=models.UniqueConstraint(fields=("alert", "zone"), name="routed_zone_once"),
                ),
            ],
        ),
    ]
