"""Follow-up of a published alert by the municipal police or the town hall: acknowledged,
intervention in progress, closed with an outcome. It only moves forward."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from alerts.models import Alert
from alerts.models.moderation import AlertTransition
from alerts.signals import alert_follow_up_changed_on_commit
from alerts.transitions import AlertTransitionConflict, alert_lock, transition_record

FollowUp = Alert.FollowUp
# The order a follow-up moves through; a step may be skipped, never undone.
_ORDER = [FollowUp.NONE, FollowUp.ACKNOWLEDGED, FollowUp.IN_PROGRESS, FollowUp.CLOSED]


class OutcomeRequired(ValueError):
    pass


@transaction.atomic
def alert_follow_up_set(*, alert: Alert, actor: User, follow_up: str, outcome: str = "") -> Alert:
    outcome = (outcome or "").strip()
    if follow_up == FollowUp.CLOSED and not outcome:
        raise OutcomeRequired(_("Indiquez l'issue pour clôturer l'alerte."))
    alert = alert_lock(alert_id=alert.pk)
    if alert.status != Alert.Status.PUBLISHED:
        raise AlertTransitionConflict(alert, _("Seule une alerte publiée peut être suivie."))
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
