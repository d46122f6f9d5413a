"""Photos attached to an alert. Three files live in private storage at different times, never at
once for long: the upload as received (until the worker has re-encoded it), the clean copy
without any metadata that moderators review (until the alert is decided), and the blurred copy
that readers of the published alert see."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.storage import PrivateStorage
from alerts.models.core import Alert


class AlertPhoto(models.Model):
    class Status(models.TextChoices):
        PROCESSING = "processing", _("en cours de traitement")
        READY = "ready", _("à relire par un modérateur")
        PUBLISHED = "published", _("publiée (zones floutées)")
        DISCARDED = "discarded", _("supprimée")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="photos", verbose_name=_("alerte"))
    # The author's own data: exported with the account and erased with it (the alert stays, anonymous).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_photos", verbose_name=_("auteur")
    )
    status = models.CharField(_("état"), max_length=20, choices=Status.choices, default=Status.PROCESSING)
    upload = models.FileField(
        _("fichier reçu"), storage=PrivateStorage(), upload_to="alert-photos/uploads/", max_length=200, blank=True
    )
    original = models.FileField(
        _("photo sans métadonnées, non floutée"),
        storage=PrivateStorage(),
        upload_to="alert-photos/originals/",
        max_length=200,
        blank=True,
    )
    published = models.FileField(
        _("photo floutée publiée"),
        storage=PrivateStorage(),
        upload_to="alert-photos/published/",
        max_length=200,
        blank=True,
    )
    content_type = models.CharField(_("type reçu (lu dans le contenu)"), max_length=50)
    size = models.PositiveIntegerField(_("taille reçue (octets)"))
    width = models.PositiveIntegerField(_("largeur"), null=True, blank=True)
    height = models.PositiveIntegerField(_("hauteur"), null=True, blank=True)
    blur_regions = models.JSONField(
        _("zones floutées"),
        default=list,
        blank=True,
        help_text=_("[x, y, largeur, hauteur] en fractions de la photo."),
    )
    suggested_regions = models.JSONField(
        _("visages suggérés"),
        default=list,
        blank=True,
        help_text=_(
            "[x, y, largeur, hauteur] en fractions de la photo : visages vus par le détecteur, proposés au "
            "modérateur, jamais floutés sans son choix."
        ),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("relue le"), null=True, blank=True)
    refusal = models.CharField(_("motif du refus"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    processed_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    original_deleted_at = models.DateTimeField(_("original supprimé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("photo d'alerte")
        verbose_name_plural = _("photos d'alerte")
        ordering = ["alert", "id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.alert_id} · {self.pk} · {self.get_status_display()}"

    @property
    def file_names(self) -> list[str]:
        return [f.name for f in (self.upload, self.original, self.published) if f.name]
