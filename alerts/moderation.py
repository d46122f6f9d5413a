"""Moderation: a human reads every alert, then publishes it, rejects it with a reason the author
sees, redacts then publishes it, or merges it into a duplicate. Each service locks the row and
checks the state in the database, so two moderators acting at once cannot both win."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from alerts.models import Alert, AlertCategory, RejectionReason
from alerts.models.moderation import AlertRedaction, AlertTransition
from alerts.photos import alert_photos_decided_on_commit
from alerts.posting import description_errors
from alerts.signals import alert_published_on_commit, alert_rejected_on_commit
from alerts.transitions import AlertTransitionConflict, alert_lock, transition_record

Status = Alert.Status


def _pending(*, alert: Alert) -> Alert:
    locked = alert_lock(alert_id=alert.pk)
    if locked.status != Status.PENDING:
        raise AlertTransitionConflict(
            locked, _("Cette alerte a déjà été traitée : {status}.").format(status=locked.get_status_display())
        )
    return locked


def alert_decide(
    *,
    alert: Alert,
    moderator: User,
    to_status: str,
    from_status: str = Status.PENDING,
    reason: str = "",
    note: str = "",
) -> Alert:
    """Move a locked alert to its decision (a pending one, or a refused one on appeal) and record
    who did it; its photos are cleaned up once the decision commits."""
    alert.status = to_status
    alert.decided_at = timezone.now()
    if to_status == Status.PUBLISHED:
        alert.published_at = alert.decided_at
    alert.full_clean()
    alert.save()
    transition_record(
        alert=alert,
        actor=moderator,
        field=AlertTransition.Field.STATUS,
        from_state=from_status,
        to_state=to_status,
        reason=reason,
        note=note,
    )
    alert_photos_decided_on_commit(alert_id=alert.pk)
    return alert


def _text_change_record(*, alert: Alert, moderator: User, to_state: str) -> None:
    """Audit a change of text: "redacted" by a moderator, or back to the author's "original"."""
    from_state = "original" if to_state == "redacted" else "redacted"
    transition_record(
        alert=alert,
        actor=moderator,
        field=AlertTransition.Field.DESCRIPTION,
        from_state=from_state,
        to_state=to_state,
        reason="redacted" if to_state == "redacted" else "restored",
    )


@transaction.atomic
def alert_publish(*, alert: Alert, moderator: User, category: AlertCategory | None = None) -> Alert:
    """Publish a pending alert; `category`, when given, is the one the moderator chose (an alert sent
    by SMS arrives "à qualifier")."""
    locked = _pending(alert=alert)
    if category is not None:
        locked.category = category
    alert = alert_decide(alert=locked, moderator=moderator, to_status=Status.PUBLISHED)
    alert_published_on_commit(alert_id=alert.pk)
    return alert


@transaction.atomic
def alert_reject(*, alert: Alert, moderator: User, reason: str, note: str = "") -> Alert:
    if reason not in RejectionReason.values:
        raise ValueError(f"unknown rejection reason {reason!r}")
    alert = _pending(alert=alert)
    alert.rejection_reason, alert.rejection_note = reason, note.strip()
    alert = alert_decide(alert=alert, moderator=moderator, to_status=Status.REJECTED, reason=reason, note=note.strip())
    alert_rejected_on_commit(alert_id=alert.pk)
    return alert


@transaction.atomic
def alert_redact(*, alert: Alert, moderator: User, description: str) -> Alert:
    """Replace the text (names, phone numbers removed...) and publish; the original is kept."""
    description = description.strip()
    errors = description_errors(description)
    if errors:
        raise ValueError(" ".join(errors))
    alert = _pending(alert=alert)
    redaction = AlertRedaction(
        alert=alert, moderator=moderator, original_description=alert.description, redacted_description=description
    )
    redaction.full_clean()
    redaction.save()
    _text_change_record(alert=alert, moderator=moderator, to_state="redacted")
    alert.description = description
    alert = alert_decide(alert=alert, moderator=moderator, to_status=Status.PUBLISHED, reason="redacted")
    alert_published_on_commit(alert_id=alert.pk)
    return alert


@transaction.atomic
def alert_redaction_restore(*, alert: Alert, moderator: User) -> Alert:
    """Put the author's original text back, closing the redaction in force."""
    alert = alert_lock(alert_id=alert.pk)
    redaction = AlertRedaction.objects.select_for_update().filter(alert=alert, restored_at__isnull=True).first()
    if redaction is None:
        raise AlertTransitionConflict(alert, _("Cette alerte n'a pas de texte caviardé à restaurer."))
    redaction.restored_at, redaction.restored_by = timezone.now(), moderator
    redaction.save(update_fields=["restored_at", "restored_by"])
    alert.description = redaction.original_description
    alert.save(update_fields=["description"])
    _text_change_record(alert=alert, moderator=moderator, to_state="original")
    return alert


@transaction.atomic
def alert_merge(*, alert: Alert, moderator: User, target: Alert) -> Alert:
    """Mark a pending alert as a duplicate of another alert of the same commune."""
    if target.pk == alert.pk:
        raise ValueError(_("Une alerte ne peut pas être fusionnée avec elle-même."))
    # Lock both rows in id order, so two merges crossing each other cannot deadlock.
    first, second = sorted([alert.pk, target.pk])
    locked = {pk: alert_lock(alert_id=pk) for pk in (first, second)}
    alert, target = locked[alert.pk], locked[target.pk]
    if alert.status != Status.PENDING:
        raise AlertTransitionConflict(
            alert, _("Cette alerte a déjà été traitée : {status}.").format(status=alert.get_status_display())
        )
    if target.commune_id != alert.commune_id:
        raise ValueError(_("Une alerte ne peut être fusionnée qu'avec une alerte de la même commune."))
    if target.status not in (Status.PENDING, Status.PUBLISHED):
        raise ValueError(
            _("L'alerte cible est {status} : choisissez une alerte en attente ou publiée.").format(
                status=target.get_status_display()
            )
        )
    alert.merged_into = target
    return alert_decide(alert=alert, moderator=moderator, to_status=Status.MERGED, note=f"→ {target.pk}")
