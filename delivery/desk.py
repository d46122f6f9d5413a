"""Registration at the town hall's desk: an agent who verifies residents registers someone without a
smartphone on their behalf. The home is placed at the address by the geocoder, the proof of
residence is checked on the spot (recorded, no file kept), the charter is read to the resident and
accepted, and the mobile number is verified by a code read back or vouched for by the agent. The
resident then receives alerts by SMS and may send alerts by SMS. Every step is in the audit trail
(`accounts.DeskStep`)."""

import secrets
from dataclasses import dataclass
from functools import partial

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.geocoding import geocoder
from accounts.models import DeskStep, ProofOfResidence, Residence, Role, User
from accounts.selectors import is_platform_admin
from accounts.services import charter_accept, residence_neighbourhoods_refresh, residence_set
from delivery.inbox import preference_of
from delivery.phones import desk_step_record, phone_mark_verified, phone_normalise, phone_verification_start
from zones.models import Commune

# Someone registered at the desk without an email address gets one that can never receive mail
# (the reserved .invalid domain): the account exists, messages reach them by SMS.
NO_EMAIL_DOMAIN = "guichet.vigie.invalid"
PROOF_AT_DESK = "vérifié au guichet"


def desk_communes(agent: User) -> QuerySet[Commune]:
    """Communes where the agent may register residents: town hall staff or mayor whose role carries
    the right to verify residents (a moderator reads proofs but keeps no desk)."""
    if not agent.is_authenticated:
        return Commune.objects.none()
    if is_platform_admin(agent):
        return Commune.objects.filter(adopted_on__isnull=False)
    roles = Role.objects.filter(
        user=agent, kind__in=[Role.Kind.MUNICIPAL_STAFF, Role.Kind.MAYOR], can_verify_residents=True
    )
    return Commune.objects.filter(id__in=roles.values("commune_id"))


def desk_residents(agent: User) -> QuerySet[User]:
    """The residents registered at the desk of the agent's communes: whom the agent may finish."""
    return User.objects.filter(
        residence__commune__in=desk_communes(agent), desk_steps__kind=DeskStep.Kind.ACCOUNT_CREATED
    ).distinct()


@dataclass(frozen=True)
class DeskRegistration:
    commune: Commune
    display_name: str
    email: str
    address: str
    phone_number: str
    proof_checked: bool
    charter_read: bool
    phone_by_code: bool  # True: a code is sent and read back; False: the agent vouches for the number
    lon: float | None = None
    lat: float | None = None


def _home_of(data: DeskRegistration) -> Point:
    """The point of the address in the commune, as the geocoder places it, unless placed by hand."""
    if data.lon is not None and data.lat is not None:
        return Point(data.lon, data.lat, srid=4326)
    found = next(iter(geocoder().suggest(data.address, commune=data.commune.code)), None)
    if found is None:
        raise ValidationError(
            {"address": _("Adresse introuvable dans %(commune)s : précisez-la.") % {"commune": data.commune.name}}
        )
    return Point(found.lon, found.lat, srid=4326)


def _checked(data: DeskRegistration, agent: User) -> None:
    errors = {}
    if not desk_communes(agent).filter(pk=data.commune.pk).exists():
        raise PermissionDenied(_("Vous n'inscrivez pas les habitants de cette commune."))
    if not data.proof_checked:
        errors["proof_checked"] = [_("Vérifiez le justificatif de domicile avant d'inscrire l'habitant.")]
    if not data.charter_read:
        errors["charter_read"] = [_("Lisez la charte à l'habitant : son accord est nécessaire.")]
    if not data.display_name.strip():
        errors["display_name"] = [_("Indiquez le nom de l'habitant.")]
    if errors:
        raise ValidationError(errors)


def _resident_create(data: DeskRegistration) -> User:
    email = data.email.strip() or f"sans-courriel-{secrets.token_hex(6)}@{NO_EMAIL_DOMAIN}"
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Un compte existe déjà avec cette adresse.")})
    return User.objects.create_user(email=email, display_name=data.display_name.strip())


def _proof_checked_at_desk(residence: Residence, agent: User) -> None:
    now = timezone.now()
    ProofOfResidence.objects.create(
        residence=residence,
        content_type=PROOF_AT_DESK,
        size=0,
        outcome=ProofOfResidence.Outcome.VERIFIED,
        decided_at=now,
        decided_by=agent,
        file_deleted_at=now,
    )
    residence.status = Residence.Status.VERIFIED
    residence.decided_at, residence.decided_by = now, agent
    residence.save(update_fields=["status", "decided_at", "decided_by"])
    residence_neighbourhoods_refresh(residence_ids=[residence.id])


@transaction.atomic
def desk_register(*, agent: User, data: DeskRegistration) -> User:
    """Register a resident at the desk; the mobile number is verified at once (agent) or once the code
    sent now is read back (`phone_verification_confirm` with the agent)."""
    _checked(data, agent)
    phone_number = phone_normalise(data.phone_number)
    home = _home_of(data)
    resident = _resident_create(data)
    record = partial(desk_step_record, resident=resident, agent=agent)
    record(kind=DeskStep.Kind.ACCOUNT_CREATED)
    residence = residence_set(user=resident, address=data.address, home=home)
    if residence.commune_id != data.commune.pk:
        raise ValidationError({"address": _("Cette adresse n'est pas dans %(c)s.") % {"c": data.commune.name}})
    record(kind=DeskStep.Kind.HOME_PLACED, detail=data.address[:200])
    _proof_checked_at_desk(residence, agent)
    record(kind=DeskStep.Kind.PROOF_CHECKED, detail=PROOF_AT_DESK)
    acceptance = charter_accept(user=resident)
    record(kind=DeskStep.Kind.CHARTER_READ, detail=f"v{acceptance.charter.version}")
    preference = preference_of(resident)
    preference.by_email = bool(data.email.strip())
    preference.by_sms, preference.phone_number = True, phone_number
    preference.save()
    if data.phone_by_code:
        phone_verification_start(user=resident, phone_number=phone_number, agent=agent)
    else:
        phone_mark_verified(user=resident, phone_number=phone_number, agent=agent)
    return resident
