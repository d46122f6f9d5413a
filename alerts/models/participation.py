"""What residents add to alerts after posting: "je l'ai vu aussi" confirmations, and appeals against
a refusal, decided by another moderator of the commune."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models.core import Alert


class AlertConfirmation(models.Model):
    """A resident saw what an existing alert describes and said so instead of posting a duplicate.
    Staff see how many; nobody sees who, and the resident never sees the first author."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="confirmations")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_confirmations"
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("confirmation d'alerte")
        verbose_name_plural = _("confirmations d'alertes")
        constraints = [models.UniqueConstraint(fields=["alert", "resident"], name="one_confirmation_per_resident")]

    def __str__(self) -> str:
        return f"{self.alert_id} · {self.created_at:%d/%m/%Y %H:%M}"


class AlertAppeal(models.Model):
    """A rejected author's one request for a second reading. `rejected_by` (the moderator who
    refused) may not decide it: another moderator of the commune upholds the refusal or publishes.

    Erasing the author's account deletes the appeal and its statement; the audit trail keeps the
    transitions (filed, upheld or published, by whom), which the public account counts."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("en attente d'un autre modérateur")
        UPHELD = "upheld", _("refus confirmé")
        PUBLISHED = "published", _("alerte publiée après recours")

    alert = models.OneToOneField(Alert, on_delete=models.CASCADE, related_name="appeal")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_appeals")
    statement = models.TextField(_("votre demande"), max_length=1000)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("issue"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("réponse du modérateur"), blank=True, default="", max_length=2000)
    created_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("recours")
        verbose_name_plural = _("recours")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["outcome", "created_at"])]

    def __str__(self) -> str:
        return f"{self.alert_id} · {self.get_outcome_display()}"
