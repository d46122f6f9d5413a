"""A mobile number verified by a code sent by SMS (delivery/phones.py): hashed, short-lived, a few
tries, a few codes an hour, one account per verified number."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from delivery.inbox import preference_update
from delivery.models import NotificationPreference, PhoneVerification
from delivery.phones import phone_normalise, phone_verification_confirm, phone_verification_start
from tests.auth import resident_client
from tests.delivery.conftest import resident_at
from tests.delivery.inbound_sms import with_verified_phone

pytestmark = pytest.mark.django_db

PHONE = "+33612345678"


def code_sent(recording_sms) -> str:
    number, text = recording_sms[-1]
    assert number == PHONE
    return re.search(r"\b(\d{6})\b", text).group(1)


def start(person, django_capture_on_commit_callbacks, phone="06 12 34 56 78"):
    with django_capture_on_commit_callbacks(execute=True):
        return phone_verification_start(user=person, phone_number=phone)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_numbers_are_written_in_international_form():
    assert phone_normalise("06 12 34 56 78") == phone_normalise("0033 6.12.34.56.78") == PHONE
    with pytest.raises(ValidationError):
        phone_normalise("12")


def test_the_right_code_verifies_the_number_and_only_its_hash_is_kept(
    town, recording_sms, django_capture_on_commit_callbacks
):
    person = resident_at(town, 5.004)
    verification = start(person, django_capture_on_commit_callbacks)
    code = code_sent(recording_sms)
    assert code not in verification.code_hash

    with pytest.raises(ValidationError, match="Essais restants : 4"):
        phone_verification_confirm(user=person, code=wrong(code))
    phone_verification_confirm(user=person, code=code)

    preference = NotificationPreference.objects.get(user=person)
    assert preference.phone_number == PHONE and preference.phone_verified_at is not None
    assert (preference.phone_verified_how, preference.by_sms) == ("code", True)


def test_an_expired_code_is_refused(town, recording_sms, django_capture_on_commit_callbacks):
    person = resident_at(town, 5.004)
    start(person, django_capture_on_commit_callbacks)
    PhoneVerification.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError, match="expiré"):
        phone_verification_confirm(user=person, code=code_sent(recording_sms))
    assert not NotificationPreference.objects.filter(user=person, phone_verified_at__isnull=False).exists()


def test_too_many_wrong_codes_end_the_code_even_for_the_right_one(
    town, recording_sms, django_capture_on_commit_callbacks, settings
):
    person = resident_at(town, 5.004)
    start(person, django_capture_on_commit_callbacks)
    code = code_sent(recording_sms)
    for _ in range(settings.DELIVERY_SMS_CODE_MAX_ATTEMPTS):
        with pytest.raises(ValidationError, match="Code incorrect"):
            phone_verification_confirm(user=person, code=wrong(code))
    with pytest.raises(ValidationError, match="Trop d'essais"):
        phone_verification_confirm(user=person, code=code)
    assert PhoneVerification.objects.get().attempts == settings.DELIVERY_SMS_CODE_MAX_ATTEMPTS


def test_only_a_few_codes_an_hour(town, recording_sms, django_capture_on_commit_callbacks, settings):
    person = resident_at(town, 5.004)
    for _ in range(settings.DELIVERY_SMS_CODES_PER_HOUR):
        start(person, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="Trop de codes"):
        start(person, django_capture_on_commit_callbacks)
    assert len(recording_sms) == settings.DELIVERY_SMS_CODES_PER_HOUR


def test_a_number_verified_by_someone_else_is_refused(town, recording_sms, django_capture_on_commit_callbacks):
    with_verified_phone(resident_at(town, 5.003), PHONE)
    with pytest.raises(ValidationError, match="déjà vérifié"):
        start(resident_at(town, 5.004), django_capture_on_commit_callbacks)
    assert recording_sms == []


def test_changing_the_number_on_the_preferences_clears_its_verification(town):
    person = resident_at(town, 5.004)
    with_verified_phone(person, PHONE)
    preference_update(
        user=person,
        by_email=True,
        by_sms=True,
        phone_number="+33698765432",
        quiet_start=None,
        quiet_end=None,
        prevention_notices=True,
        muted_categories=[],
    )
    assert NotificationPreference.objects.get(user=person).phone_verified_at is None


def test_the_page_sends_a_code_then_verifies_it(town, recording_sms, django_capture_on_commit_callbacks):
    person = resident_at(town, 5.004)
    client = resident_client(person)
    assert client.get("/preferences/mobile/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/preferences/mobile/", {"phone-phone_number": "06 12 34 56 78", "send": "1"})
    assert sent.status_code == 302
    refused = client.post("/preferences/mobile/", {"code-code": wrong(code_sent(recording_sms)), "confirm": "1"})
    assert refused.status_code == 200 and "Code incorrect" in refused.content.decode()
    client.post("/preferences/mobile/", {"code-code": code_sent(recording_sms), "confirm": "1"})
    page = client.get("/preferences/mobile/").content.decode()
    assert "est vérifié" in page and PHONE in page
