"""The words of the public account, translated; the CSV and JSON keep the codes."""

from django.utils.translation import gettext_lazy as _

from alerts.models import RejectionReason
from solidarity.models import Kind

SECTIONS = {
    "alerts": _("Alertes des habitants"),
    "moderation": _("Délai de publication"),
    "appeals": _("Recours des auteurs contre un refus"),
    "follow_up": _("Suivi par la police municipale"),
    "town_hall": _("Messages de la mairie"),
    "deliveries": _("Messages remis aux habitants"),
    "solidarity": _("Entraide entre voisins (comptée à part des alertes) : demandes publiées"),
}

MEASURES = {
    "received": _("reçues"),
    "published": _("publiées"),
    "rejected": _("refusées"),
    "merged": _("fusionnées avec un doublon"),
    "pending": _("en attente de modération"),
    "rejected:": _("refusées : motif non précisé"),
    "hours_to_publication_median": _("délai médian entre le dépôt et la publication (heures)"),
    "hours_to_publication_p90": _("délai sous lequel 90 % des alertes sont publiées (heures)"),
    "appeals_filed": _("recours déposés"),
    "appeals_upheld": _("refus confirmés par un second modérateur"),
    "appeals_published": _("alertes publiées après recours"),
    "acknowledged": _("prises en compte par la police municipale"),
    "in_progress": _("intervention engagée"),
    "closed": _("suivi clôturé"),
    "sent": _("messages envoyés"),
    "inbox": _("remis dans la boîte Vigie"),
    "email": _("envoyés par courriel"),
    "sms": _("envoyés par SMS"),
    **dict(Kind.choices),
}


def measure_label(measure: str) -> str:
    if measure.startswith("rejected:") and measure != "rejected:":
        reason = measure.removeprefix("rejected:")
        label = dict(RejectionReason.choices).get(reason, reason)
        return _("refusées : %(reason)s") % {"reason": label}
    return str(MEASURES.get(measure, measure))
