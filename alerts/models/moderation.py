"""Models of moderation: audit trail, redactions."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models.core import Alert


class AlertTransition(models.Model):
    """One change of an alert's moderation status, follow-up, text or assigned agent, or an internal
    note of the police or the town hall: who, when, from, to, why. Staff only: never shown to residents.

    Written by the services in the same transaction as the change; never edited."""

    class Field(models.TextChoices):
        STATUS = "status", _("statut")
        FOLLOW_UP = "follow_up", _("suivi")
        DESCRIPTION = "description", _("texte")
        ASSIGNEE = "assignee", _("agent chargé")
        NOTE = "note", _("note interne")
        APPEAL = "appeal", _("recours de l'auteur")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    field = models.CharField(_("changement"), max_length=20, choices=Field.choices)
    from_state = models.CharField(_("de"), max_length=30, blank=True)
    to_state = models.CharField(_("vers"), max_length=30, blank=True)
    reason = models.CharField(_("motif"), max_length=30, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("transition d'alerte")
        verbose_name_plural = _("transitions d'alertes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["alert", "created_at"])]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.field}: {self.from_state} → {self.to_state}"


class AlertRedaction(models.Model):
    """A moderator's edit of an alert's text before publication. The original stays here for audit
    and can be put back (`restored_at`)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="redactions")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    original_description = models.TextField(_("texte d'origine"))
    redacted_description = models.TextField(_("texte publié"))
    created_at = models.DateTimeField(_("caviardée le"), default=timezone.now)
    restored_at = models.DateTimeField(_("restaurée le"), null=True, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("caviardage")
        verbose_name_plural = _("caviardages")
        ordering = ["-created_at"]
        constraints = [
            # At most one redaction in force per alert: restoring closes it.
            models.UniqueConstraint(
                fields=["alert"], condition=models.Q(restored_at__isnull=True), name="one_active_redaction"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} · {self.created_at:%d/%m/%Y %H:%M}"
