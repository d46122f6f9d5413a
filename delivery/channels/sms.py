"""SMS behind a small gateway interface, both ways. No provider is bundled: the console gateway logs
the text, and an operator plugs a provider by writing a class with the same `send` and naming it in
ALERTS_SMS_GATEWAY. Inbound messages arrive at a webhook read by an `InboundReader` named in
DELIVERY_SMS_INBOUND_PROVIDERS: it checks the provider's signature and gives the message's fields."""

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
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


@dataclass(frozen=True)
class InboundMessage:
    """A text message received by a provider: its own id (the same when it retries), the sender, the
    commune's number it was sent to, and the text."""

    message_id: str
    from_number: str
    to_number: str
    text: str


class InboundRefused(Exception):
    """The webhook is not from the provider (bad signature): answered 403, nothing stored."""


class InboundMalformed(Exception):
    """Signed, but not a message we can read: answered 400 with this text, nothing stored."""


class InboundReader(Protocol):
    def read(self, *, body: bytes, headers) -> InboundMessage:
        """Check the signature (InboundRefused), then parse the body (InboundMalformed)."""


def signature_of(body: bytes, secret: str) -> str:
    """HMAC-SHA256 of the body with the shared secret, in hexadecimal: the `X-Vigie-Signature` header."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class SignedJsonInbound:
    """Vigie's own inbound format: a JSON object {"id", "from", "to", "text"} signed with
    DELIVERY_SMS_INBOUND_SECRET in `X-Vigie-Signature`. The console backend of the demo and the tests
    speak it, and so can a small relay in front of any provider."""

    def read(self, *, body: bytes, headers) -> InboundMessage:
        secret = settings.DELIVERY_SMS_INBOUND_SECRET
        given = headers.get("X-Vigie-Signature", "")
        if not secret or not hmac.compare_digest(signature_of(body, secret), given.strip().lower()):
            raise InboundRefused
        try:
            data = json.loads(body)
            fields = [data["id"], data["from"], data.get("to", ""), data["text"]]
        except (ValueError, TypeError, KeyError) as error:
            raise InboundMalformed(
                _("Message illisible : un objet JSON avec id, from et text est attendu.")
            ) from error
        if not all(isinstance(value, str) for value in fields) or not fields[0].strip() or len(fields[0]) > 100:
            raise InboundMalformed(_("id, from, to et text doivent être des textes ; id de 1 à 100 caractères."))
        return InboundMessage(fields[0].strip(), fields[1], fields[2][:20], fields[3][:2000])


def inbound_reader(provider: str) -> InboundReader | None:
    path = settings.DELIVERY_SMS_INBOUND_PROVIDERS.get(provider)
    return _gateway_class(path)() if path else None


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
