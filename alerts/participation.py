"""What residents do with alerts already posted: say "je l'ai vu aussi" instead of posting a
duplicate, and appeal once against a refusal, to another moderator of the commune.

Each service locks the alert's row and checks its state in the database, as moderation does."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Residence, User
from alerts.models import Alert, AlertAppeal, AlertConfirmation
from alerts.models.moderation import AlertTransition
from alerts.moderation import alert_decide
from alerts.signals import alert_published_on_commit
from alerts.transitions import AlertTransitionConflict, alert_lock, transition_record

Status = Alert.Status
Outcome = AlertAppeal.Outcome
APPEAL_STATEMENT_MAX = 1000


ALREADY_CONFIRMED = gettext_lazy("Vous avez déjà dit l'avoir vu aussi : votre confirmation est comptée une fois.")


class AlreadyConfirmed(Exception):
    """This resident already said they saw it too."""


@transaction.atomic
def alert_confirm(*, alert: Alert, resident: User, residence: Residence) -> AlertConfirmation:
    """Add one confirmation of a pending or published alert of the resident's commune, by someone
    other than its author; a second one by the same resident raises AlreadyConfirmed."""
    alert = alert_lock(alert_id=alert.pk)
    if residence.user_id != resident.pk or alert.commune_id != residence.commune_id:
        raise ValueError(_("Vous ne pouvez confirmer que les alertes de votre commune."))
    if alert.author_id == resident.pk:
        raise ValueError(_("C'est votre propre alerte : elle est déjà comptée."))
    if alert.status not in (Status.PENDING, Status.PUBLISHED):
        raise AlertTransitionConflict(alert, _("Cette alerte ne peut plus être confirmée."))
    try:
        with transaction.atomic():
            return AlertConfirmation.objects.create(alert=alert, resident=resident)
    except IntegrityError:
        raise AlreadyConfirmed from None


def _rejected_by(alert: Alert) -> User | None:
    """The moderator whose refusal is appealed: the last one who moved the alert to rejected."""
    transition = (
        alert.transitions.filter(field=AlertTransition.Field.STATUS, to_state=Status.REJECTED)
        .order_by("-created_at", "-id")
        .select_related("actor")
        .first()
    )
    return transition.actor if transition else None


@transaction.atomic
def appeal_file(*, alert: Alert, author: User, statement: str) -> AlertAppeal:
    """The author of a rejected alert asks, once, for another moderator to read it again."""
    statement = statement.strip()
    if not statement:
        raise ValueError(_("Expliquez en une phrase pourquoi l'alerte devrait être publiée."))
    if len(statement) > APPEAL_STATEMENT_MAX:
        raise ValueError(_("Votre demande est trop longue : {n} caractères au plus.").format(n=APPEAL_STATEMENT_MAX))
    alert = alert_lock(alert_id=alert.pk)
    if alert.author_id != author.pk:
        raise ValueError(_("Seul l'auteur d'une alerte peut demander un recours."))
    if AlertAppeal.objects.filter(alert=alert).exists():
        raise AlertTransitionConflict(alert, _("Vous avez déjà demandé un recours pour cette alerte."))
    if alert.status != Status.REJECTED:
        raise AlertTransitionConflict(alert, _("Seule une alerte refusée peut faire l'objet d'un recours."))
    appeal = AlertAppeal(alert=alert, author=author, statement=statement, rejected_by=_rejected_by(alert))
    appeal.full_clean()
    appeal.save()
    # The statement stays on the appeal (deleted with the author's account); the trail keeps the fact.
    transition_record(alert=alert, actor=author, field=AlertTransition.Field.APPEAL, from_state="", to_state="filed")
    return appeal


def _pending_appeal(*, appeal: AlertAppeal, moderator: User) -> tuple[AlertAppeal, Alert]:
    alert = alert_lock(alert_id=appeal.alert_id)
    appeal = AlertAppeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.author_id == moderator.pk:
        raise PermissionError(_("Vous ne pouvez pas décider de votre propre recours."))
    if appeal.rejected_by_id == moderator.pk:
        raise PermissionError(_("Vous avez refusé cette alerte : un autre modérateur doit lire le recours."))
    if appeal.outcome != Outcome.PENDING or alert.status != Status.REJECTED:
        raise AlertTransitionConflict(alert, _("Ce recours a déjà été décidé."))
    return appeal, alert


def _close(*, appeal: AlertAppeal, alert: Alert, moderator: User, outcome: str, note: str) -> AlertAppeal:
    appeal.outcome, appeal.decided_by, appeal.decided_at = outcome, moderator, timezone.now()
    appeal.decision_note = note.strip()
    appeal.full_clean()
    appeal.save()
    transition_record(
        alert=alert,
        actor=moderator,
        field=AlertTransition.Field.APPEAL,
        from_state="filed",
        to_state=outcome,
        note=appeal.decision_note,
    )
    return appeal


@transaction.atomic
def appeal_uphold(*, appeal: AlertAppeal, moderator: User, note: str = "") -> AlertAppeal:
    """A second moderator confirms the refusal; the author reads it in "Mes alertes"."""
    appeal, alert = _pending_appeal(appeal=appeal, moderator=moderator)
    return _close(appeal=appeal, alert=alert, moderator=moderator, outcome=Outcome.UPHELD, note=note)


@transaction.atomic
def appeal_publish(*, appeal: AlertAppeal, moderator: User, note: str = "") -> AlertAppeal:
    """A second moderator overturns the refusal: the alert is published and routed like any other."""
    appeal, alert = _pending_appeal(appeal=appeal, moderator=moderator)
    alert_decide(
        alert=alert, moderator=moderator, to_status=Status.PUBLISHED, from_status=Status.REJECTED, reason="appeal"
    )
    appeal = _close(appeal=appeal, alert=alert, moderator=moderator, outcome=Outcome.PUBLISHED, note=note)
    alert_published_on_commit(alert_id=alert.pk)
    return appeal
