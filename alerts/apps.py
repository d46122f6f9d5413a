from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Alertes")

    def ready(self):
        from alerts import receivers  # noqa: F401, PLC0415 - connects the photo files' clean-up
