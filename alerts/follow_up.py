"""Follow-up of a published alert by the municipal police or the town hall: acknowledged,
intervention in progress, closed with an outcome. It only moves forward. An alert may be given to an
agent of a police service covering its commune, and carry internal notes; both are in the audit trail."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from alerts.models import Alert
from alerts.models.moderation import AlertTransition
from alerts.signals import alert_follow_up_changed_on_commit
from alerts.transitions import AlertTransitionConflict, alert_lock, transition_record

FollowUp = Alert.FollowUp
# The order a follow-up moves through; a step may be skipped, never undone.
_ORDER = [FollowUp.NONE, FollowUp.ACKNOWLEDGED, FollowUp.IN_PROGRESS, FollowUp.CLOSED]


class OutcomeRequired(ValueError):
    pass


class AssigneeRefused(ValueError):
    pass


def follow_up_moves(alert: Alert) -> list[str]:
    """The follow-up steps that may be recorded now: any later step of a published alert."""
    if alert.status != Alert.Status.PUBLISHED:
        return []
    return list(_ORDER[_ORDER.index(alert.follow_up) + 1 :])


def _changed_by_colleague(alert: Alert, actor: User, seen: str | None) -> bool:
    """Whether the follow-up the agent saw has since been moved by somebody else."""
    if seen is None or seen == alert.follow_up:
        return False
    last = alert.transitions.filter(field=AlertTransition.Field.FOLLOW_UP).order_by("-created_at", "-id").first()
    return last is not None and last.actor_id != actor.pk


@transaction.atomic
def alert_follow_up_set(
    *, alert: Alert, actor: User, follow_up: str, outcome: str = "", seen: str | None = None
) -> Alert:
    """`seen` is the follow-up the agent's screen showed: when a colleague moved it meanwhile the
    refusal says so; any other refusal says why the step is not allowed."""
    outcome = (outcome or "").strip()
    if follow_up == FollowUp.CLOSED and not outcome:
        raise OutcomeRequired(_("Indiquez l'issue pour clôturer l'alerte."))
    alert = alert_lock(alert_id=alert.pk)
    if alert.status != Alert.Status.PUBLISHED:
        raise AlertTransitionConflict(alert, _("Seule une alerte publiée peut être suivie."))
    if _changed_by_colleague(alert, actor, seen):
        raise AlertTransitionConflict(
            alert,
            _("Un collègue a modifié cette alerte entre-temps : suivi actuel « {current} ».").format(
                current=alert.get_follow_up_display()
            ),
            changed_by_colleague=True,
        )
    if _ORDER.index(follow_up) <= _ORDER.index(alert.follow_up):
        raise AlertTransitionConflict(
            alert,
            _("Le suivi est déjà « {current} » : il ne peut qu'avancer.").format(
                current=alert.get_follow_up_display()
            ),
        )
    previous = alert.follow_up
    alert.follow_up, alert.follow_up_at = follow_up, timezone.now()
    if outcome:
        alert.follow_up_outcome = outcome
    alert.full_clean()
    alert.save(update_fields=["follow_up", "follow_up_at", "follow_up_outcome"])
    transition_record(
        alert=alert,
        actor=actor,
        field=AlertTransition.Field.FOLLOW_UP,
        from_state=previous,
        to_state=follow_up,
        note=outcome,
    )
    alert_follow_up_changed_on_commit(alert_id=alert.pk)
    return alert


def assignable_agents(alert: Alert):
    """Police agents of the services covering the alert's commune, by name."""
    return User.objects.filter(
        is_active=True,
        roles__kind=Role.Kind.POLICE_AGENT,
        roles__police_service__communes=alert.commune_id,
    ).distinct()


@transaction.atomic
def alert_assign(*, alert: Alert, actor: User, assignee: User | None) -> Alert:
    """Give the alert to an agent of a service covering its commune (None takes it back)."""
    if assignee is not None and not assignable_agents(alert).filter(pk=assignee.pk).exists():
        raise AssigneeRefused(_("Cet agent n'appartient à aucun service de police qui couvre la commune de l'alerte."))
    alert = alert_lock(alert_id=alert.pk)
    if alert.status != Alert.Status.PUBLISHED:
        raise AlertTransitionConflict(alert, _("Seule une alerte publiée peut être confiée à un agent."))
    previous = alert.assigned_to_id
    alert.assigned_to = assignee
    alert.save(update_fields=["assigned_to"])
    transition_record(
        alert=alert,
        actor=actor,
        field=AlertTransition.Field.ASSIGNEE,
        from_state=str(previous or ""),
        to_state=str(assignee.pk if assignee else ""),
    )
    alert_follow_up_changed_on_commit(alert_id=alert.pk)
    return alert


def alert_note_add(*, alert: Alert, actor: User, text: str) -> AlertTransition:
    """An internal note for the next shift, kept in the audit trail; never shown to residents."""
    return transition_record(
        alert=alert,
        actor=actor,
        field=AlertTransition.Field.NOTE,
        from_state=alert.follow_up,
        to_state=alert.follow_up,
        note=text.strip(),
    )
