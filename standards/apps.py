from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    """Vigie's data in the open standards municipal tools already speak: vector tiles, Open311
    GeoReport v2, OGC API - Features and CAP 1.2."""

    name = "standards"
    verbose_name = _("Standards ouverts")

    def ready(self) -> None:
        from standards import receivers  # noqa: F401 - connects the receivers
