from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class Open311ApiKey(models.Model):
    """A key an Open311 client sends as `api_key` to post requests on behalf of one account (a
    verified resident, or the account of a partner application). Only a SHA-256 digest is kept:
    the key itself is shown once, when issued, and cannot be read back."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="open311_keys", verbose_name=_("compte")
    )
    name = models.CharField(_("application"), max_length=100, blank=True, help_text=_("Qui utilise la clé."))
    prefix = models.CharField(
        _("début de la clé"), max_length=12, help_text=_("Ses premiers caractères, pour la reconnaître.")
    )
    digest = models.CharField(_("empreinte SHA-256"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("émise le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("utilisée le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    objects = Open311ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("clé d'API Open311")
        verbose_name_plural = _("clés d'API Open311")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
