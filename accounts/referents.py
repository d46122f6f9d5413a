"""Référents (Participation citoyenne): the town hall names verified residents as the relay of one or
more neighbourhoods for a term; a référent accepts a charter of their own, reads the first name and
street of the neighbours who agreed to it, and starts registrations for neighbours who complete them
themselves. Every référent action is written to the access log (AccessLog)."""

import logging
from datetime import date, timedelta

from celery import current_app
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AccessLog, Referent, ReferentInvitation, Residence, User
from accounts.selectors import referent_naming_communes, referent_neighbours, referent_terms_of
from accounts.services import access_log_record
from zones.models import Commune, Zone

# The référent charter shipped with the project (templates/accounts/_referent_charter.html, French
# and English); a change of its text is a new version, which every référent accepts again.
REFERENT_CHARTER_VERSION = 1
logger = logging.getLogger(__name__)

INVITATION_SALT = "accounts.referent-invitation"
INVITATION_EMAIL_TASK = "accounts.referent_invitation_email_send"


@transaction.atomic
def referent_name(
    *,
    named_by: User,
    commune: Commune,
    user: User,
    neighbourhoods: list[Zone],
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Referent:
    """Name a verified resident of the commune référent of some of its current neighbourhoods."""
    if not referent_naming_communes(named_by).filter(id=commune.id).exists():
        raise PermissionDenied(_("Seuls le maire et les agents habilités nomment les référents de la commune."))
    if not Residence.objects.filter(user=user, commune=commune, status=Residence.Status.VERIFIED).exists():
        raise ValidationError(_("Seul un habitant de la commune dont le domicile est vérifié peut être référent."))
    current = Zone.objects.current().filter(commune=commune, kind=Zone.Kind.NEIGHBOURHOOD)
    chosen = [zone.id for zone in neighbourhoods]
    if not chosen or current.filter(id__in=chosen).count() != len(set(chosen)):
        raise ValidationError(_("Choisissez un ou plusieurs quartiers actuels de la commune."))
    if Referent.objects.active(on=starts_on).filter(user=user, commune=commune).exists():
        raise ValidationError(
            _("Cette personne est déjà référente : mettez fin à son mandat avant d'en ouvrir un autre.")
        )
    referent = Referent(
        user=user, commune=commune, named_by=named_by, starts_on=starts_on or timezone.localdate(), ends_on=ends_on
    )
    referent.full_clean()
    referent.save()
    referent.neighbourhoods.set(chosen)
    return referent


@transaction.atomic
def referent_end(*, referent: Referent, ended_by: User) -> Referent:
    """End a term now: the person keeps their account and their home, loses the référent's pages."""
    referent = Referent.objects.select_for_update().get(pk=referent.pk)
    if not referent_naming_communes(ended_by).filter(id=referent.commune_id).exists():
        raise PermissionDenied(_("Seuls le maire et les agents habilités mettent fin au mandat d'un référent."))
    if referent.ended_at is not None:
        raise ValidationError(_("Ce mandat est déjà terminé."))
    referent.ended_at, referent.ended_by = timezone.now(), ended_by
    referent.save(update_fields=["ended_at", "ended_by"])
    return referent


def referent_charter_accepted(user: User) -> bool:
    terms = referent_terms_of(user)
    return terms.exists() and not terms.exclude(charter_version=REFERENT_CHARTER_VERSION).exists()


def referent_charter_accept(*, user: User) -> int:
    """Accept the référent charter in force for every term the user holds now."""
    return referent_terms_of(user).update(charter_version=REFERENT_CHARTER_VERSION, charter_accepted_at=timezone.now())


def referent_terms_or_403(user: User):
    """The user's terms in force, once the référent charter is accepted; PermissionDenied otherwise."""
    terms = referent_terms_of(user)
    if not terms.exists():
        raise PermissionDenied(_("Réservé aux référents de quartier nommés par la mairie."))
    if not referent_charter_accepted(user):
        raise PermissionDenied(_("Acceptez d'abord la charte du référent."))
    return terms


def referent_neighbours_open(*, user: User) -> list[dict]:
    """The neighbours a référent may read (first name, street), the reading written to the access log."""
    terms = referent_terms_or_403(user)
    term = terms.order_by("id").first()
    access_log_record(viewer=user, kind=AccessLog.Kind.REFERENT_RESIDENTS, object_id=term.pk, commune=term.commune)
    return referent_neighbours(terms)


# --- registration help ------------------------------------------------------------------------


def invitation_token(invitation: ReferentInvitation) -> str:
    return signing.dumps({"id": invitation.pk, "email": invitation.email}, salt=INVITATION_SALT)


def invitation_url(invitation: ReferentInvitation) -> str:
    path = reverse("accounts-invitation", kwargs={"token": invitation_token(invitation)})
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def referent_invitation_create(*, user: User, first_name: str, email: str) -> ReferentInvitation:
    """Start a registration for a neighbour: the link leaves by email after commit. A référent starts
    at most `ACCOUNTS_REFERENT_INVITATIONS_PER_DAY` a day."""
    term = referent_terms_or_403(user).order_by("id").first()
    since = timezone.now() - timedelta(days=1)
    if ReferentInvitation.objects.filter(referent__user=user, created_at__gte=since).count() >= (
        settings.ACCOUNTS_REFERENT_INVITATIONS_PER_DAY
    ):
        raise ValidationError(_("Vous avez lancé assez d'inscriptions pour aujourd'hui : réessayez demain."))
    invitation = ReferentInvitation(
        referent=term,
        first_name=first_name.strip(),
        email=User.objects.normalize_email(email).lower(),
        expires_at=timezone.now() + timedelta(days=settings.ACCOUNTS_REFERENT_INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    access_log_record(
        viewer=user, kind=AccessLog.Kind.REFERENT_INVITATION, object_id=invitation.pk, commune=term.commune
    )
    transaction.on_commit(lambda: _invitation_email_enqueue(invitation.pk))
    return invitation


def _invitation_email_enqueue(invitation_id: int) -> None:
    try:
        current_app.send_task(INVITATION_EMAIL_TASK, kwargs={"invitation_id": invitation_id})
    except Exception:  # noqa: BLE001 - any broker failure: the référent can start the registration again
        logger.warning("broker unavailable, invitation %s not mailed", invitation_id, exc_info=True)


def referent_invitation_email_send(*, invitation_id: int) -> bool:
    """Mail the neighbour their link, in the référent's language (the neighbour's is not known yet)."""
    invitation = ReferentInvitation.objects.select_related("referent__user", "referent__commune").filter(
        pk=invitation_id, completed_at__isnull=True
    )
    invitation = invitation.first()
    if invitation is None:
        return False
    referent = invitation.referent.user
    with translation.override(referent.language or settings.LANGUAGE_CODE):
        name = referent.display_name or _("votre référent")
        subject = _("Vigie : %(name)s vous aide à vous inscrire") % {"name": name}
        body = _(
            "Bonjour %(first_name)s,\n\n%(referent)s, référent de votre quartier à %(commune)s, a commencé votre "
            "inscription sur Vigie, le réseau de voisins vigilants et solidaires de la commune. Pour la terminer "
            "vous-même (mot de passe, charte, domicile et justificatif), ouvrez ce lien, valable jusqu'au "
            "%(expires)s :\n\n%(url)s\n\nSi vous ne connaissez pas cette personne, ignorez ce message."
        ) % {
            "first_name": invitation.first_name,
            "referent": name,
            "commune": invitation.referent.commune.name,
            "expires": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y"),
            "url": invitation_url(invitation),
        }
    send_mail(subject, body, None, [invitation.email])
    return True


def referent_invitation_of(token: str) -> ReferentInvitation:
    """The invitation a link points at, if it can still be completed; ValidationError otherwise."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature as exc:
        raise ValidationError(_("Ce lien d'inscription n'est pas valide.")) from exc
    invitation = ReferentInvitation.objects.filter(pk=payload.get("id"), email=payload.get("email")).first()
    if invitation is None:
        raise ValidationError(_("Ce lien d'inscription n'est pas valide."))
    if invitation.completed_at is not None:
        raise ValidationError(_("Cette inscription est déjà terminée : connectez-vous."))
    if invitation.expires_at <= timezone.now():
        raise ValidationError(_("Ce lien d'inscription a expiré : demandez à votre référent de le renvoyer."))
    return invitation


@transaction.atomic
def referent_invitation_complete(*, token: str, password: str, display_name: str) -> User:
    """The neighbour completes the registration: an active account (the link proved the address),
    then the normal way in (charter, home, proof) like any resident."""
    invitation = referent_invitation_of(token)
    invitation = ReferentInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.completed_at is not None:
        raise ValidationError(_("Cette inscription est déjà terminée : connectez-vous."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("Un compte existe déjà avec cette adresse : connectez-vous."))
    display_name = display_name.strip() or invitation.first_name
    validate_password(password, user=User(email=invitation.email, display_name=display_name))
    user = User.objects.create_user(
        email=invitation.email,
        password=password,
        display_name=display_name,
        email_confirmed_at=timezone.now(),
        language=translation.get_language() if translation.get_language() in dict(settings.LANGUAGES) else "fr",
    )
    invitation.completed_at, invitation.user = timezone.now(), user
    invitation.save(update_fields=["completed_at", "user"])
    return user


def residence_visibility_set(*, user: User, visible: bool) -> int:
    """The resident's consent to be listed (first name, street) to the référents of their neighbourhood."""
    return Residence.objects.filter(user=user).update(visible_to_referents=visible)
