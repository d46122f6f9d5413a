"""Writes on people: registration, email confirmation, charter, home, proof of residence and its
decision, the access log, and account deletion."""

import logging
import uuid
from datetime import timedelta
from importlib import import_module

import magic
from axes.models import AccessAttempt as AxesAccessAttempt
from axes.models import AccessFailureLog as AxesAccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from celery import current_app
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.gis.geos import Point
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from psycopg import sql

from accounts.models import AccessLog, CharterAcceptance, CharterVersion, ProofOfResidence, Residence, User
from accounts.selectors import charter_current, is_platform_admin, proof_pending, verifier_communes
from zones.selectors import commune_of_point

logger = logging.getLogger(__name__)

EMAIL_CONFIRM_SALT = "accounts.email-confirm"
REGISTRATION_EMAIL_TASK = "accounts.registration_email_send"
# What the content sniffer must find, and the extension the stored file gets.
PROOF_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


# --- registration ---------------------------------------------------------------------------


def email_confirmation_token(user: User) -> str:
    return signing.dumps({"id": user.pk, "email": user.email}, salt=EMAIL_CONFIRM_SALT)


def email_confirmation_url(user: User) -> str:
    path = reverse("accounts-email-confirm", kwargs={"token": email_confirmation_token(user)})
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def user_register(*, email: str, password: str, display_name: str = "") -> User | None:
    """Create an inactive account and queue the mail of its confirmation link.

    An address that already has an account gets a warning by email instead. Both cases do the same
    work in the request (one password hash, one task queued on commit) and the caller answers the
    same way, so neither the answer nor its time reveals who is registered."""
    email = User.objects.normalize_email(email).lower()
    validate_password(password, user=User(email=email, display_name=display_name))
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        make_password(password)  # the hash a new account costs, thrown away
        registration_email_enqueue(user_id=existing.pk, existing=True)
        return None
    language = translation.get_language()
    user = User.objects.create_user(
        email=email,
        password=password,
        display_name=display_name,
        is_active=False,
        **({"language": language} if language in dict(settings.LANGUAGES) else {}),
    )
    registration_email_enqueue(user_id=user.pk, existing=False)
    return user


def registration_email_enqueue(*, user_id: int, existing: bool) -> None:
    """Queue the registration email once the account (or nothing) is committed. Sending takes the
    time of an SMTP exchange: out of the request, it cannot tell a new address from a known one."""

    def enqueue():
        try:
            current_app.send_task(REGISTRATION_EMAIL_TASK, kwargs={"user_id": user_id, "existing": existing})
        except Exception:  # noqa: BLE001 - any broker failure: the person can register again
            logger.warning("broker unavailable, registration email for user %s not queued", user_id, exc_info=True)

    transaction.on_commit(enqueue)


def registration_email_send(*, user_id: int, existing: bool) -> None:
    """The confirmation link for a new account, the warning for a known address; in the language
    its owner uses the site in."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        if existing:
            subject = _("Vigie : vous avez déjà un compte")
            body = _(
                "Quelqu'un (vous, sans doute) a voulu créer un compte Vigie avec cette adresse, qui en a déjà un. "
                "Connectez-vous, ou réinitialisez votre mot de passe si vous l'avez oublié. "
                "Si ce n'était pas vous, ignorez ce message."
            )
        elif user.email_confirmed_at is None:
            subject = _("Vigie : confirmez votre adresse")
            body = _(
                "Bienvenue sur Vigie. Pour activer votre compte, ouvrez ce lien (valable %(days)s jours) :"
                "\n\n%(url)s\n"
            ) % {"days": settings.ACCOUNTS_EMAIL_CONFIRM_DAYS, "url": email_confirmation_url(user)}
        else:
            return
        send_mail(subject, body, None, [user.email])


def user_confirm_email(*, token: str) -> User:
    max_age = timedelta(days=settings.ACCOUNTS_EMAIL_CONFIRM_DAYS)
    try:
        payload = signing.loads(token, salt=EMAIL_CONFIRM_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("Ce lien de confirmation a expiré : inscrivez-vous de nouveau.")) from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("Ce lien de confirmation n'est pas valide.")) from exc
    user = User.objects.filter(pk=payload.get("id"), email=payload.get("email")).first()
    if user is None:
        raise ValidationError(_("Ce lien de confirmation n'est pas valide."))
    # A confirmed account that an administrator later deactivated stays deactivated.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.is_active = True
        user.save(update_fields=["email_confirmed_at", "is_active"])
    return user


# --- charter --------------------------------------------------------------------------------


def charter_accept(*, user: User, charter: CharterVersion | None = None) -> CharterAcceptance:
    charter = charter or charter_current()
    if charter is None:
        raise ValidationError(_("Aucune charte n'est publiée pour le moment."))
    acceptance, _created = CharterAcceptance.objects.get_or_create(user=user, charter=charter)
    return acceptance


# --- home -----------------------------------------------------------------------------------


@transaction.atomic
def residence_set(*, user: User, address: str, home: Point) -> Residence:
    """Record where the resident lives. A new home has to be proven again."""
    commune = commune_of_point(home)
    if commune is None or commune.adopted_on is None:
        raise ValidationError(
            {"home": _("Ce point n'est dans aucune commune qui a rejoint Vigie : l'inscription n'y est pas possible.")}
        )
    residence = Residence.objects.filter(user=user).select_for_update().first() or Residence(user=user)
    moved = residence.pk is None or residence.home != home or residence.commune_id != commune.id
    residence.address = address.strip()
    residence.home = home
    residence.commune = commune
    if moved:
        if residence.pk is not None:
            # A proof sent for the old address proves nothing about the new one.
            undecided_proofs_expire(residence=residence)
        residence.status = Residence.Status.PENDING
        residence.decided_at = residence.decided_by = None
        residence.rejection_reason = ""
    residence.full_clean()
    residence.save()
    residence_neighbourhoods_refresh(residence_ids=[residence.id])
    residence.refresh_from_db(fields=["neighbourhood"])
    return residence


# A home's neighbourhoods are every current neighbourhood covering its point (`ST_Covers` on the
# subdivided parts, which only current zones have), so a home on a shared border belongs to both.
# One statement rewrites the memberships of the homes `{homes}` selects and names the first of
# them (lowest id) on the residence row; it returns the ids of the homes that changed.
_HOME_NEIGHBOURHOODS_SQL = sql.SQL(
    """
    WITH homes AS ({homes}),
    covering AS (
        SELECT DISTINCT h.id AS residence_id, p.zone_id FROM homes h
        JOIN zones_zonepart p ON p.kind = 'neighbourhood' AND p.geom && h.home AND ST_Covers(p.geom, h.home)
    ),
    dropped AS (
        DELETE FROM accounts_residenceneighbourhood m USING homes h
        WHERE m.residence_id = h.id
          AND NOT EXISTS (SELECT 1 FROM covering c WHERE c.residence_id = m.residence_id AND c.zone_id = m.zone_id)
        RETURNING m.residence_id
    ),
    added AS (
        INSERT INTO accounts_residenceneighbourhood (residence_id, zone_id)
        SELECT residence_id, zone_id FROM covering ON CONFLICT DO NOTHING RETURNING residence_id
    ),
    named AS (
        UPDATE accounts_residence r SET neighbourhood_id = first.zone_id
        FROM (SELECT h.id, (SELECT min(c.zone_id) FROM covering c WHERE c.residence_id = h.id) AS zone_id
              FROM homes h) first
        WHERE r.id = first.id AND r.neighbourhood_id IS DISTINCT FROM first.zone_id
        RETURNING r.id
    )
    SELECT residence_id FROM dropped UNION SELECT residence_id FROM added UNION SELECT id FROM named
"""
)

# Homes whose neighbourhoods may have changed: those of the changed zones, those the changed zones
# now reach, and those whose named neighbourhood went (retired or deleted: the row was set to none).
_HOMES_NEAR_CHANGED_ZONES = sql.SQL(
    """SELECT home.id, home.home FROM accounts_residence home
        WHERE home.commune_id = ANY(%(communes)s::bigint[])
          AND (home.neighbourhood_id IS NULL
               OR EXISTS (SELECT 1 FROM accounts_residenceneighbourhood m
                          WHERE m.residence_id = home.id AND m.zone_id = ANY(%(zones)s::bigint[]))
               OR EXISTS (SELECT 1 FROM zones_zone z
                          WHERE z.id = ANY(%(zones)s::bigint[]) AND z.boundary && home.home))"""
)
_HOMES_BY_ID = sql.SQL(
    "SELECT home.id, home.home FROM accounts_residence home WHERE home.id = ANY(%(homes)s::bigint[])"
)


def _home_neighbourhoods_rewrite(homes: sql.Composable, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_HOME_NEIGHBOURHOODS_SQL.format(homes=homes), params)
        return len(cursor.fetchall())


def residence_neighbourhoods_refresh(*, residence_ids: list[int]) -> int:
    """Make these homes residents of every neighbourhood covering them now; returns how many changed."""
    return _home_neighbourhoods_rewrite(_HOMES_BY_ID, {"homes": list(residence_ids)})


def residences_reassign(*, commune_ids: list[int], zone_ids: list[int]) -> int:
    """Give the homes of these communes the neighbourhoods their point is in now, after
    neighbourhoods were redrawn, imported, generated, retired or deleted; returns how many homes
    changed. Without it, residents of a redrawn town would silently stop receiving its alerts."""
    return _home_neighbourhoods_rewrite(
        _HOMES_NEAR_CHANGED_ZONES, {"communes": list(commune_ids), "zones": list(zone_ids)}
    )


# --- proof of residence ---------------------------------------------------------------------


def proof_content_type(upload: UploadedFile) -> str:
    """The type sniffed from the file's first bytes; the name and the declared type are ignored."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    return magic.from_buffer(head, mime=True)


def proof_validate(upload: UploadedFile) -> str:
    limit = settings.ACCOUNTS_PROOF_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "file": _("Le fichier pèse %(size).1f Mo : la limite est de %(limit)d Mo.")
                % {"size": upload.size / 1024 / 1024, "limit": limit // 1024 // 1024}
            }
        )
    content_type = proof_content_type(upload)
    if content_type not in PROOF_TYPES:
        raise ValidationError(
            {
                "file": _("Ce fichier n'est ni un PDF, ni une image JPEG ou PNG (contenu détecté : %(type)s).")
                % {"type": content_type}
            }
        )
    return content_type


def undecided_proofs_expire(*, residence: Residence) -> None:
    """Drop the undecided proofs of a home (replaced by a new one, or proving an address the
    resident has left); their files are deleted once the transaction commits."""
    undecided = residence.proofs.filter(outcome="", file_deleted_at__isnull=True).exclude(file="")
    proof_files_delete_on_commit(undecided.values_list("file", flat=True))
    undecided.update(file="", file_deleted_at=timezone.now(), outcome=ProofOfResidence.Outcome.EXPIRED)


def proof_files_delete_on_commit(names) -> None:
    """Delete proof files from private storage once the transaction commits (never before: a
    rollback would leave rows pointing at nothing). Empty names (no file held) are skipped."""
    storage = ProofOfResidence._meta.get_field("file").storage
    names = [name for name in names if name]

    def delete():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def proof_upload(*, user: User, upload: UploadedFile) -> ProofOfResidence:
    residence = Residence.objects.filter(user=user).select_for_update().first()
    if residence is None:
        raise ValidationError(_("Indiquez d'abord votre domicile."))
    if residence.status == Residence.Status.VERIFIED:
        raise ValidationError(_("Votre domicile est déjà vérifié."))
    content_type = proof_validate(upload)
    # One undecided proof at a time: a new upload replaces the previous one.
    undecided_proofs_expire(residence=residence)
    proof = ProofOfResidence(residence=residence, content_type=content_type, size=upload.size)
    proof.file.save(f"{uuid.uuid4().hex}{PROOF_TYPES[content_type]}", upload, save=False)
    proof.save()
    if residence.status == Residence.Status.REJECTED:
        residence.status = Residence.Status.PENDING
        residence.save(update_fields=["status"])
    return proof


def can_verify(*, user: User, residence: Residence) -> bool:
    if residence.user_id == user.pk:
        return False  # nobody verifies their own home
    return is_platform_admin(user) or verifier_communes(user).filter(id=residence.commune_id).exists()


@transaction.atomic
def residence_decide(*, residence: Residence, decider: User, verified: bool, reason: str = "") -> Residence:
    """A person decides on a home: verified, or rejected with a reason the resident will read.
    The proof files are deleted from storage once the decision is committed."""
    if not can_verify(user=decider, residence=residence):
        raise PermissionDenied(_("Vous ne pouvez pas décider de ce domicile."))
    residence = Residence.objects.select_for_update().get(pk=residence.pk)
    if residence.status != Residence.Status.PENDING:
        raise ValidationError(_("Ce domicile a déjà fait l'objet d'une décision."))
    reason = reason.strip()
    if not verified and not reason:
        raise ValidationError({"reason": _("Indiquez le motif du refus : l'habitant le lira.")})
    if verified and proof_pending(residence) is None:
        raise ValidationError(_("Aucun justificatif en attente : le domicile ne peut pas être vérifié sans preuve."))
    now = timezone.now()
    residence.status = Residence.Status.VERIFIED if verified else Residence.Status.REJECTED
    residence.decided_at, residence.decided_by = now, decider
    residence.rejection_reason = "" if verified else reason
    residence.full_clean()
    residence.save()
    if verified:
        # The neighbourhoods may have been redrawn while the proof waited.
        residence_neighbourhoods_refresh(residence_ids=[residence.id])
    undecided = residence.proofs.filter(outcome="")
    proof_files_delete_on_commit(undecided.values_list("file", flat=True))
    undecided.update(
        outcome=ProofOfResidence.Outcome.VERIFIED if verified else ProofOfResidence.Outcome.REJECTED,
        decided_at=now,
        decided_by=decider,
        file="",
        file_deleted_at=now,
    )
    transaction.on_commit(lambda: residence_decision_notify(residence=residence))
    return residence


def residence_decision_notify(*, residence: Residence) -> None:
    """Tell the resident, in their language (not the verifier's), what was decided."""
    with translation.override(residence.user.language or settings.LANGUAGE_CODE):
        if residence.status == Residence.Status.VERIFIED:
            subject = _("Vigie : votre domicile est vérifié")
            body = _("Votre justificatif a été examiné puis supprimé. Vous pouvez désormais publier des signalements.")
        else:
            subject = _("Vigie : votre justificatif de domicile n'a pas été accepté")
            body = _(
                "Votre justificatif a été examiné puis supprimé. Motif : %(reason)s\n"
                "Vous pouvez en envoyer un autre depuis la page « Mon compte »."
            ) % {"reason": residence.rejection_reason}
    send_mail(subject, body, None, [residence.user.email])


def proofs_purge_undecided(*, older_than_days: int) -> int:
    """Delete the files of proofs nobody decided on in time; the rows keep type and dates."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    with transaction.atomic():
        stale = ProofOfResidence.objects.select_for_update().filter(outcome="", uploaded_at__lt=cutoff)
        names = [name for name in stale.values_list("file", flat=True) if name]
        proof_files_delete_on_commit(names)
        count = stale.update(outcome=ProofOfResidence.Outcome.EXPIRED, file="", file_deleted_at=timezone.now())
    logger.info("purged %s undecided proofs of residence", count)
    return count


# --- access log -----------------------------------------------------------------------------


def access_log_record(*, viewer: User, kind: str, object_id: int, subject: User | None = None, commune=None):
    """Write down that `viewer` opened sensitive data. Call it from every view that shows a proof
    of residence (`AccessLog.Kind.PROOF_OF_RESIDENCE`) or an exact alert location
    (`AccessLog.Kind.ALERT_LOCATION`)."""
    return AccessLog.objects.create(
        viewer=viewer, viewer_email=viewer.email, kind=kind, object_id=object_id, subject=subject, commune=commune
    )


def alert_location_opened(*, viewer: User, alert) -> AccessLog:
    """One line each time a person opens one alert at its exact place (the alert's detail, as
    staff read it). Lists and maps are not written marker by marker: an auditor follows who looked
    closely at which report, and a map load would bury those lines under thousands of others."""
    return AccessLog.objects.create(
        viewer=viewer,
        viewer_email=viewer.email,
        kind=AccessLog.Kind.ALERT_LOCATION,
        object_id=alert.pk,
        subject_id=alert.author_id,
        commune_id=alert.commune_id,
    )


def access_logs_purge(*, older_than_days: int) -> int:
    cutoff = timezone.now() - timedelta(days=older_than_days)
    count, _detail = AccessLog.objects.filter(accessed_at__lt=cutoff).delete()
    return count


# --- login records and sessions -------------------------------------------------------------


def _login_records(*, username: str | None = None, before=None) -> list:
    """django-axes' tables, narrowed to one login name (as typed: any case) or to rows older than `before`."""
    found = []
    for model in (AxesAccessAttempt, AxesAccessFailureLog, AxesAccessLog):
        rows = model.objects.all()
        if username is not None:
            rows = rows.filter(username__iexact=username)
        if before is not None:
            rows = rows.filter(attempt_time__lt=before)
        found.append(rows)
    return found


def login_records_purge(*, older_than_days: int) -> int:
    """Delete django-axes' records of logins and failed attempts older than the retention period."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    count = sum(rows.delete()[0] for rows in _login_records(before=cutoff))
    logger.info("purged %s login records", count)
    return count


def sessions_purge_expired() -> None:
    """What `manage.py clearsessions` does, for the session engine in use."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


# --- account deletion -----------------------------------------------------------------------


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account and everything personal with it (home, proofs, roles, charter
    acceptances, second-factor devices, login records). Alerts stay, anonymised: their author becomes empty
    (`Alert.author` is SET_NULL). Proof files leave storage with their rows once this is committed
    (accounts.receivers)."""
    # Login records are keyed by the email typed at login, not by the account: delete them by name.
    for rows in _login_records(username=user.email):
        rows.delete()
    user.delete()
