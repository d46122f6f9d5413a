"""Email through Django's email backend, rendered from the templates in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from delivery.messages import Message, message_of


def render(delivery, *, cache: dict | None = None) -> EmailMultiAlternatives:
    """The email in the recipient's language (the one they last used the site in)."""
    with translation.override(delivery.recipient.language or settings.LANGUAGE_CODE):
        subject, text, html = email_parts(message_of(delivery, cache=cache))
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[delivery.recipient.email],
        headers={"X-Vigie-Delivery": str(delivery.id)},
    )
    email.attach_alternative(html, "text/html")
    return email


def email_parts(message: Message) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the email of a message, in the active language."""
    context = {"message": message}
    subject = render_to_string("delivery/email/message_subject.txt", context)
    text = render_to_string("delivery/email/message_body.txt", context)
    html = render_to_string("delivery/email/message_body.html", context)
    return " ".join(subject.split()), text, html


def send(*, delivery, context) -> None:
    """Raise on failure; the caller decides whether it is worth retrying."""
    email = render(delivery, cache=context.messages)
    email.connection = context.email_ready()
    email.send(fail_silently=False)
