"""What alerts announce to the apps above them (delivery), without depending on them.

The signals are sent once the transaction that made the change has committed, never inside it: a
receiver sees the committed row, and a decision rolled back announces nothing. Keyword argument:
alert_id."""

from django.db import transaction
from django.dispatch import Signal

# A moderator published the alert (as written, or redacted).
alert_published = Signal()
# The police or the town hall moved the alert's follow-up forward.
alert_follow_up_changed = Signal()
# A moderator refused the alert (its author is told why).
alert_rejected = Signal()


def alert_published_on_commit(*, alert_id: int) -> None:
    transaction.on_commit(lambda: alert_published.send(sender=None, alert_id=alert_id))


def alert_follow_up_changed_on_commit(*, alert_id: int) -> None:
    transaction.on_commit(lambda: alert_follow_up_changed.send(sender=None, alert_id=alert_id))


def alert_rejected_on_commit(*, alert_id: int) -> None:
    transaction.on_commit(lambda: alert_rejected.send(sender=None, alert_id=alert_id))
