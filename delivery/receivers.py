"""What delivery does when alerts announce a change: route a just-published alert, tell the police
services that see it that its follow-up changed, and tell its author of each decision and step.
Connected in DeliveryConfig.ready()."""

from django.dispatch import receiver

from alerts.models.moderation import AlertTransition
from alerts.signals import alert_follow_up_changed, alert_published, alert_rejected
from delivery.notices import alert_author_notify
from delivery.routing import alert_follow_up_record, alert_route


@receiver(alert_published, dispatch_uid="delivery.route_after_publication")
def route_after_publication(sender, *, alert_id: int, **kwargs) -> None:
    """Route the alert to its zones and recipients (idempotent: a second signal for the same alert
    does nothing). Runs in its own transaction; the sending is queued after it commits."""
    alert_route(alert_id=alert_id)
    alert_author_notify(alert_id=alert_id, field=AlertTransition.Field.STATUS)


@receiver(alert_follow_up_changed, dispatch_uid="delivery.police_event_after_follow_up")
def police_event_after_follow_up(sender, *, alert_id: int, **kwargs) -> None:
    alert_follow_up_record(alert_id=alert_id)
    alert_author_notify(alert_id=alert_id, field=AlertTransition.Field.FOLLOW_UP)


@receiver(alert_rejected, dispatch_uid="delivery.author_told_of_rejection")
def author_told_of_rejection(sender, *, alert_id: int, **kwargs) -> None:
    alert_author_notify(alert_id=alert_id, field=AlertTransition.Field.STATUS)
