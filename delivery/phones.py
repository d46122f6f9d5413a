"""A person's mobile number: verified by a code sent by SMS (or vouched for by a town hall agent at
the desk), and STOP / START from the number itself. Codes are kept hashed with Django's password
hashers and compared by them; a code expires, dies after a few wrong tries, and a person may ask
for only a few an hour."""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import DeskStep, User
from delivery.channels import sms as sms_channel
from delivery.inbox import preference_of
from delivery.models import Delivery, NotificationPreference, PhoneVerification, PhoneVerifiedHow, SmsOptOut

_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


def phone_normalise(raw: str) -> str:
    """The number in international form (+33612345678): spaces, dots and dashes dropped, 00 read as +,
    a French national number (0612345678) given its +33. ValidationError for anything else."""
    number = re.sub(r"[\s.\-()]", "", raw or "")
    if number.startswith("00"):
        number = "+" + number[2:]
    elif re.fullmatch(r"0[1-9][0-9]{8}", number):
        number = "+33" + number[1:]
    if not _E164.match(number):
        raise ValidationError(
            {"phone_number": _("Numéro de mobile invalide : écrivez-le comme 06 12 34 56 78 ou +33 6 12 34 56 78.")}
        )
    return number


def sms_stopped(phone_number: str) -> bool:
    return SmsOptOut.objects.filter(phone_number=phone_number).exists()


def sms_send_now(*, phone_number: str, text: str, stop_confirmation: bool = False) -> bool:
    """Send one text outside the delivery ledger (a code, a reply to an inbound SMS), unless the number
    answered STOP (whose confirmation is the last text it gets); True if handed to the gateway."""
    if not stop_confirmation and sms_stopped(phone_number):
        return False
    sms_channel.gateway().send(phone_number=phone_number, text=text[: sms_channel.SMS_MAX_LENGTH])
    return True


def desk_step_record(*, resident: User, agent: User, kind: str, detail: str = "") -> DeskStep:
    return DeskStep.objects.create(resident=resident, agent=agent, agent_email=agent.email, kind=kind, detail=detail)


# --- verification ---------------------------------------------------------------------------


def _code_text(code: str) -> str:
    minutes = settings.DELIVERY_SMS_CODE_TTL_S // 60
    return _("Vigie : votre code de vérification est %(code)s. Il expire dans %(minutes)s minutes.") % {
        "code": code,
        "minutes": minutes,
    }


def _number_taken(*, user: User, phone_number: str) -> bool:
    others = NotificationPreference.objects.exclude(user=user)
    return others.filter(phone_number=phone_number, phone_verified_at__isnull=False).exists()


@transaction.atomic
def phone_verification_start(*, user: User, phone_number: str, agent: User | None = None) -> PhoneVerification:
    """Send a six-digit code to the number. Refused when the number is verified by someone else, when
    it answered STOP, or past DELIVERY_SMS_CODES_PER_HOUR codes in the last hour."""
    phone_number = phone_normalise(phone_number)
    User.objects.select_for_update().filter(pk=user.pk).first()  # two requests at once count as two
    if _number_taken(user=user, phone_number=phone_number):
        raise ValidationError({"phone_number": _("Ce numéro est déjà vérifié pour un autre compte.")})
    if sms_stopped(phone_number):
        raise ValidationError(
            {"phone_number": _("Ce numéro a demandé à ne plus recevoir de SMS : envoyez START au numéro de Vigie.")}
        )
    recent = PhoneVerification.objects.filter(user=user, created_at__gt=timezone.now() - timedelta(hours=1))
    if recent.count() >= settings.DELIVERY_SMS_CODES_PER_HOUR:
        raise ValidationError({"phone_number": _("Trop de codes demandés : réessayez dans une heure.")})
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    verification = PhoneVerification.objects.create(
        user=user,
        phone_number=phone_number,
        code_hash=make_password(code),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.DELIVERY_SMS_CODE_TTL_S),
        agent=agent,
    )
    if agent is not None:
        desk_step_record(resident=user, agent=agent, kind=DeskStep.Kind.PHONE_CODE_SENT, detail=phone_number)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        text = _code_text(code)
    transaction.on_commit(lambda: sms_channel.gateway().send(phone_number=phone_number, text=text), robust=True)
    return verification


def _wrong_code(verification: PhoneVerification) -> ValidationError:
    verification.attempts += 1
    verification.save(update_fields=["attempts"])
    left = settings.DELIVERY_SMS_CODE_MAX_ATTEMPTS - verification.attempts
    if left <= 0:
        return ValidationError({"code": _("Code incorrect. Trop d'essais : demandez un nouveau code.")})
    return ValidationError({"code": _("Code incorrect. Essais restants : %(left)s.") % {"left": left}})


def phone_verification_confirm(*, user: User, code: str, agent: User | None = None) -> NotificationPreference:
    """Check the code typed against the person's latest code; on success the number is theirs,
    verified. Each wrong code counts (committed even though the call raises)."""
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, verified_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if verification is None:
            raise ValidationError({"code": _("Aucun code en cours : demandez un code.")})
        if verification.expires_at <= timezone.now():
            raise ValidationError({"code": _("Ce code a expiré : demandez un nouveau code.")})
        if verification.attempts >= settings.DELIVERY_SMS_CODE_MAX_ATTEMPTS:
            raise ValidationError({"code": _("Trop d'essais : demandez un nouveau code.")})
        if not check_password((code or "").strip(), verification.code_hash):
            error = _wrong_code(verification)
        else:
            verification.verified_at = timezone.now()
            verification.save(update_fields=["verified_at"])
            how = PhoneVerifiedHow.DESK if agent else PhoneVerifiedHow.CODE
            preference = _phone_set_verified(user=user, phone_number=verification.phone_number, how=how)
            if agent is not None:
                kind = DeskStep.Kind.PHONE_VERIFIED_BY_CODE
                desk_step_record(resident=user, agent=agent, kind=kind, detail=verification.phone_number)
            return preference
    raise error


@transaction.atomic
def phone_mark_verified(*, user: User, phone_number: str, agent: User) -> NotificationPreference:
    """A town hall agent vouches for the number at the desk (the resident showed the phone, or has
    none that reads codes back); recorded in the desk's audit trail."""
    phone_number = phone_normalise(phone_number)
    if _number_taken(user=user, phone_number=phone_number):
        raise ValidationError({"phone_number": _("Ce numéro est déjà vérifié pour un autre compte.")})
    preference = _phone_set_verified(user=user, phone_number=phone_number, how=PhoneVerifiedHow.DESK)
    desk_step_record(resident=user, agent=agent, kind=DeskStep.Kind.PHONE_MARKED_VERIFIED, detail=phone_number)
    return preference


def _phone_set_verified(*, user: User, phone_number: str, how: str) -> NotificationPreference:
    if _number_taken(user=user, phone_number=phone_number):
        raise ValidationError({"code": _("Ce numéro est déjà vérifié pour un autre compte.")})
    preference = preference_of(user)
    preference.phone_number = phone_number
    preference.phone_verified_at = timezone.now()
    preference.phone_verified_how = how
    preference.by_sms = True
    preference.full_clean(validate_unique=False)
    preference.save()
    return preference


# --- STOP and START ---------------------------------------------------------------------------


def sms_stop(*, phone_number: str) -> int:
    """STOP from a number: no SMS of any kind goes to it any more. The SMS choice of every account
    with that number is turned off and their SMS not yet sent are dropped; returns how many."""
    SmsOptOut.objects.get_or_create(phone_number=phone_number)
    users = NotificationPreference.objects.filter(phone_number=phone_number)
    users.update(by_sms=False)
    pending = Delivery.objects.filter(
        recipient_id__in=users.values("user_id"), sms_status=Delivery.Status.PENDING
    ).update(sms_status=Delivery.Status.SKIPPED)
    # A delivery whose only channel was SMS has nothing left to send: the inbox keeps it.
    Delivery.objects.filter(
        recipient_id__in=users.values("user_id"),
        status=Delivery.Status.PENDING,
        email_status=Delivery.Status.SKIPPED,
        sms_status=Delivery.Status.SKIPPED,
        push_status=Delivery.Status.SKIPPED,
    ).update(status=Delivery.Status.SKIPPED, reason="sms_stopped")
    return pending


def sms_start(*, phone_number: str) -> None:
    """START: SMS may go to the number again; accounts that verified it receive their messages by SMS."""
    SmsOptOut.objects.filter(phone_number=phone_number).delete()
    NotificationPreference.objects.filter(phone_number=phone_number, phone_verified_at__isnull=False).update(
        by_sms=True
    )
