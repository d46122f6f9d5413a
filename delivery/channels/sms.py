"""SMS behind a small gateway interface. No provider is bundled: the console gateway logs the text,
and an operator plugs a provider by writing a class with the same `send` and naming it in
ALERTS_SMS_GATEWAY."""

import logging
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from delivery.messages import Message, message_of

logger = logging.getLogger(__name__)

SMS_MAX_LENGTH = 306  # two concatenated GSM-7 segments


class SmsTransientError(Exception):
    """The gateway may succeed later (timeout, rate limit): the delivery is retried."""


class SmsPermanentError(Exception):
    """The gateway will never accept this message (invalid number): the channel fails at once."""


class SmsGateway(Protocol):
    def send(self, *, phone_number: str, text: str) -> None: ...


class ConsoleSmsGateway:
    """Logs the SMS instead of sending it: for development and for sites without a provider."""

    def send(self, *, phone_number: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone_number, text)


@cache
def _gateway_class(path: str):
    return import_string(path)


def gateway() -> SmsGateway:
    return _gateway_class(settings.ALERTS_SMS_GATEWAY)()


def text_of(delivery, *, cache: dict | None = None) -> str:
    """The text message in the recipient's language (the one they last used the site in)."""
    with translation.override(delivery.recipient.language or settings.LANGUAGE_CODE):
        return sms_text(message_of(delivery, cache=cache))


def sms_text(message: Message) -> str:
    """The text message of a message, in the active language, cut to two segments."""
    text = _("Vigie · %(title)s. %(link)s") % {"title": message.title, "link": message.link}
    return text[:SMS_MAX_LENGTH]


def send(*, delivery, context) -> None:
    phone_number = delivery.recipient.notification_pref.phone_number
    context.sms_gateway.send(phone_number=phone_number, text=text_of(delivery, cache=context.messages))
