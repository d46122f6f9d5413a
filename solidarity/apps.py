from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SolidarityConfig(AppConfig):
    name = "solidarity"
    verbose_name = _("Entraide")

    def ready(self) -> None:
        # What delivery says of mutual help is written here; delivery never imports this app.
        from solidarity.messages import message_texts_register

        message_texts_register()
