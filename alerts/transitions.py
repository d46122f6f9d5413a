"""The pieces every change of an alert shares: lock the row, check its state in the database,
record the audit row. Moderation and follow-up build their services on these."""

from django.db import transaction

from accounts.models import User
from alerts.models import Alert
from alerts.models.moderation import AlertTransition


class AlertTransitionConflict(Exception):
    """The alert is not (or no longer) in a state that allows this change: someone else acted first,
    or the change makes no sense from here. Carries the alert as it is now in the database."""

    def __init__(self, alert: Alert, message: str, *, changed_by_colleague: bool = False):
        super().__init__(message)
        self.alert = alert
        self.message = message
        self.changed_by_colleague = changed_by_colleague


def alert_lock(*, alert_id: int) -> Alert:
    """The alert's row, locked until the end of the transaction: a second moderator acting at the
    same moment waits here, then reads the state the first one left."""
    assert transaction.get_connection().in_atomic_block, "lock alerts inside a transaction"
    return Alert.objects.select_for_update(of=("self",)).select_related("commune", "category").get(pk=alert_id)


def transition_record(
    *, alert: Alert, actor: User | None, field: str, from_state: str, to_state: str, reason: str = "", note: str = ""
) -> AlertTransition:
    transition = AlertTransition(
        alert=alert, actor=actor, field=field, from_state=from_state, to_state=to_state, reason=reason, note=note
    )
    transition.full_clean()
    transition.save()
    return transition
