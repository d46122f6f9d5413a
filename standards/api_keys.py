"""Open311 API keys: issued to one account, stored as a SHA-256 digest only, revocable.

A key is 32 random bytes (43 URL-safe characters): a digest without salt is enough, as nobody can
guess a key from a list of likely ones, and a digest can be looked up by index in one query."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from standards.models import Open311ApiKey

PREFIX_LENGTH = 8


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def open311_api_key_issue(*, user: User, name: str = "") -> tuple[Open311ApiKey, str]:
    """A new key for `user`, and the key itself: the only time it can be read."""
    raw_key = secrets.token_urlsafe(32)
    key = Open311ApiKey(user=user, name=name, prefix=raw_key[:PREFIX_LENGTH], digest=_digest(raw_key))
    key.full_clean()
    key.save()
    return key, raw_key


def open311_api_key_revoke(*, key: Open311ApiKey) -> Open311ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def open311_api_key_user(raw_key: object) -> User | None:
    """The active account a key was issued to, or None for an unknown, revoked or missing key, or
    an account that was disabled. Records when the key was last used."""
    if not raw_key or not isinstance(raw_key, str):
        return None
    key = Open311ApiKey.objects.active().filter(digest=_digest(raw_key), user__is_active=True).first()
    if key is None:
        return None
    Open311ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key.user
