"""Text messages both ways in tests: the recording gateway, a signed webhook post the way a provider
sends it, and a resident whose mobile number is verified."""

import json

from django.utils import timezone

from accounts.services import charter_accept
from delivery.channels.sms import signature_of
from delivery.models import NotificationPreference

SECRET = "le secret partagé avec le fournisseur"


def webhook_post(client, *, message_id: str, sender: str, text: str, secret: str = SECRET, provider="console"):
    body = json.dumps({"id": message_id, "from": sender, "to": "+33700000000", "text": text}).encode()
    return client.post(
        f"/sms/inbound/{provider}/",
        data=body,
        content_type="application/json",
        headers={"X-Vigie-Signature": signature_of(body, secret)},
    )


def with_verified_phone(person, phone: str, *, by_sms: bool = True) -> None:
    charter_accept(user=person)
    NotificationPreference.objects.update_or_create(
        user=person,
        defaults={
            "phone_number": phone,
            "phone_verified_at": timezone.now(),
            "phone_verified_how": "code",
            "by_sms": by_sms,
        },
    )
