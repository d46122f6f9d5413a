"""Opération Tranquillité Vacances: a resident's declared absence and the police's visits to the home.

The home's point and address are the residence's; they are shown only to the police agents whose
sector covers the home (patrols/selectors.py), never to other residents."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AbsenceQuerySet(models.QuerySet):
    def active_on(self, day):
        """Absences in force on that day (both ends included), cancelled ones left out."""
        return self.filter(cancelled_at__isnull=True, starts_on__lte=day, ends_on__gte=day)


class Absence(models.Model):
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences", verbose_name=_("habitant")
    )
    residence = models.ForeignKey(
        "accounts.Residence", on_delete=models.CASCADE, related_name="+", verbose_name=_("domicile")
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    contact_phone = models.CharField(
        _("téléphone à appeler"), max_length=20, blank=True, help_text=_("Pour vous joindre en cas d'anomalie.")
    )
    key_holder = models.CharField(
        _("personne qui a une clé"),
        max_length=200,
        blank=True,
        help_text=_("Nom et téléphone, si quelqu'un a une clé."),
    )
    notes = models.TextField(
        _("précisions"), max_length=1000, blank=True, help_text=_("Par exemple : lumières sur minuterie, alarme.")
    )
    created_at = models.DateTimeField(_("déclarée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("absence déclarée")
        verbose_name_plural = _("absences déclarées")
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(
                fields=["starts_on", "ends_on"], condition=Q(cancelled_at__isnull=True), name="absence_active"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="absence_ends_after_start",
                violation_error_message=_("La date de retour doit suivre la date de départ."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.starts_on} → {self.ends_on}"


class Visit(models.Model):
    """A patrol's visit to a home under watch, recorded from the agent's phone at the place."""

    class Observation(models.TextChoices):
        NOTHING = "nothing", _("rien à signaler")
        ANOMALY = "anomaly", _("anomalie")

    absence = models.ForeignKey(Absence, on_delete=models.CASCADE, related_name="visits")
    # The resident too, so their export and the deletion of their account reach the visits.
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patrol_visits")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    visited_at = models.DateTimeField(_("passage le"), default=timezone.now)
    day = models.DateField(_("jour (heure locale)"))
    position = models.PointField(_("position du téléphone"), srid=4326)
    distance_m = models.FloatField(_("distance au domicile (m)"), help_text=_("Sur l'ellipsoïde WGS 84."))
    observation = models.CharField(_("constat"), max_length=10, choices=Observation.choices)
    anomaly = models.TextField(_("anomalie constatée"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["absence", "day"]), models.Index(fields=["visited_at"])]

    def __str__(self) -> str:
        return f"{self.absence_id} · {self.visited_at:%d/%m/%Y %H:%M}"
