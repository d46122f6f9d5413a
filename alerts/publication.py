"""What happens once an alert is published or its follow-up changes. Moderation calls these after
its transaction commits; routing and delivery live behind them."""


def alert_published(*, alert_id: int) -> None:
    """Route a just-published alert to its zones and recipients."""
    raise NotImplementedError("routing is added with deliveries")


def alert_follow_up_changed(*, alert_id: int) -> None:
    """Tell the police services that see the alert that its follow-up changed."""
    raise NotImplementedError("routing is added with deliveries")
