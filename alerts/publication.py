"""What happens once an alert is published or its follow-up changes. Moderation calls these after
its transaction commits; routing and delivery live behind them."""

from alerts.routing import alert_follow_up_record, alert_route


def alert_published(*, alert_id: int) -> None:
    """Route a just-published alert to its zones and recipients (idempotent: a second call for the
    same alert does nothing). Runs in its own transaction; the sending is queued after it commits."""
    alert_route(alert_id=alert_id)


def alert_follow_up_changed(*, alert_id: int) -> None:
    """Tell the police services that see the alert that its follow-up changed."""
    alert_follow_up_record(alert_id=alert_id)
