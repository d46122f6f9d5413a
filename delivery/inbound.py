"""Text messages received on the commune's number. An SMS from the verified number of a verified
resident becomes a pending alert, and the emergency reminder goes back at once; STOP / ARRET stops
every SMS to the number, START resumes; anyone else is told, at most once a day, how to register.

Each message is recorded first under the provider's message id (unique), in the same transaction
as what it causes: a webhook the provider sends again finds the row and does nothing, so the alert
and the reply exist once. The reply leaves once that transaction has committed."""

import logging
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Residence
from alerts.posting import PostingInvalid, PostingNotAllowed, PostingRateLimited, alert_post_from_sms
from delivery.channels.sms import InboundMessage
from delivery.models import InboundSms, NotificationPreference
from delivery.phones import phone_normalise, sms_send_now, sms_start, sms_stop

logger = logging.getLogger(__name__)

Outcome = InboundSms.Outcome
STOP_WORDS = {"STOP", "ARRET", "STOPSMS", "DESABONNER"}
START_WORDS = {"START", "REPRISE"}


def keyword_of(text: str) -> str:
    """The text as a keyword: trimmed, upper case, accents dropped ("Arrêt " -> "ARRET")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().upper())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).rstrip(".!")


def emergency_reminder() -> str:
    return _(
        "Vigie a bien reçu votre alerte : un modérateur la lira. Vigie ne remplace pas les secours : "
        "en cas d'urgence appelez le 17 (police), le 18 (pompiers), le 15 (SAMU) ou le 112, "
        "le 114 par SMS. N'intervenez pas vous-même."
    )


def _help_text() -> str:
    return _(
        "Vigie : ce numéro n'est pas celui d'un habitant inscrit. Pour envoyer des alertes par SMS, "
        "inscrivez-vous sur le site de Vigie et vérifiez votre mobile, ou présentez-vous à l'accueil "
        "de la mairie avec un justificatif de domicile. Répondez STOP pour ne plus recevoir de SMS."
    )


def _sender_of(phone_number: str) -> tuple[NotificationPreference | None, Residence | None]:
    """The account that verified this number, with its verified home if it has one."""
    preference = (
        NotificationPreference.objects.filter(
            phone_number=phone_number, phone_verified_at__isnull=False, user__is_active=True
        )
        .select_related("user__residence")
        .first()
    )
    if preference is None:
        return None, None
    residence = getattr(preference.user, "residence", None)
    verified = residence is not None and residence.status == Residence.Status.VERIFIED
    return preference, residence if verified else None


def _help_due(phone_number: str, now) -> bool:
    """An unknown number is told how to register at most once per DELIVERY_SMS_HELP_EVERY_H."""
    since = now - timedelta(hours=settings.DELIVERY_SMS_HELP_EVERY_H)
    told = InboundSms.objects.filter(
        from_number=phone_number, outcome=Outcome.UNKNOWN_SENDER, received_at__gt=since
    ).exclude(reply="")
    return not told.exists()


def _alert_from(row: InboundSms, preference: NotificationPreference, residence: Residence) -> str:
    """Post the alert for the sender; the reply in their language."""
    row.sender = preference.user
    with translation.override(preference.user.language or settings.LANGUAGE_CODE):
        try:
            row.alert = alert_post_from_sms(
                author=preference.user, residence=residence, text=row.text, received_at=row.received_at
            )
        except PostingRateLimited:
            row.outcome = Outcome.REFUSED
            return _(
                "Vigie : vous avez envoyé trop d'alertes cette heure-ci. En cas d'urgence, appelez le 17 ou le 112."
            )
        except PostingInvalid as error:
            row.outcome = Outcome.REFUSED
            return "Vigie : " + " ".join(error.errors["description"])
        row.outcome = Outcome.ALERT
        return emergency_reminder()


def _decide(row: InboundSms) -> str:
    """What the message causes; returns the reply ("" for none)."""
    keyword = keyword_of(row.text)
    if keyword in STOP_WORDS:
        row.outcome = Outcome.STOP
        sms_stop(phone_number=row.from_number)
        return _("Vigie : vous ne recevrez plus aucun SMS de Vigie. Envoyez START pour les recevoir à nouveau.")
    if keyword in START_WORDS:
        row.outcome = Outcome.START
        sms_start(phone_number=row.from_number)
        return _("Vigie : vous recevrez à nouveau les SMS de Vigie. Envoyez STOP pour les arrêter.")
    preference, residence = _sender_of(row.from_number)
    if preference is not None and residence is not None:
        try:
            return _alert_from(row, preference, residence)
        except PostingNotAllowed:
            pass  # the charter changed since: told like an unknown number how to complete the account
    row.outcome = Outcome.UNKNOWN_SENDER
    row.sender = preference.user if preference else None
    return _help_text() if _help_due(row.from_number, row.received_at) else ""


def inbound_sms_receive(*, provider: str, message: InboundMessage) -> InboundSms | None:
    """Record and act on one inbound message; None when the provider had already sent it."""
    try:
        from_number = phone_normalise(message.from_number)
    except ValidationError:  # an odd sender id (a short code, a name) is kept as sent
        from_number = message.from_number.strip()[:20]
    try:
        with transaction.atomic():
            row = InboundSms(
                provider=provider,
                provider_message_id=message.message_id,
                from_number=from_number,
                to_number=message.to_number,
                text=message.text,
                received_at=timezone.now(),
            )
            row.reply = _decide(row)[:400]
            row.save(force_insert=True)
            if row.reply:
                stopping = row.outcome == Outcome.STOP
                transaction.on_commit(
                    lambda: sms_send_now(phone_number=row.from_number, text=row.reply, stop_confirmation=stopping),
                    robust=True,  # a gateway failure is logged; the alert is recorded all the same
                )
            return row
    except IntegrityError:
        if InboundSms.objects.filter(provider=provider, provider_message_id=message.message_id).exists():
            logger.info("inbound SMS %s/%s received again: ignored", provider, message.message_id)
            return None
        raise
