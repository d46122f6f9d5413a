"""Celery tasks of delivery. They take ids, re-read the rows and call delivery.sending; sending is
idempotent per delivery, so a task run twice (redelivered after a worker died, or queued by both
publication and the sweeper) sends nothing twice.

Bound to the project's app rather than `shared_task`: a shared task follows whichever Celery app
was created last in the process, and a library or test creating its own would take our tasks along."""

import logging
from datetime import timedelta

from django.utils import timezone

from alerts.models import Alert
from config.celery import app
from delivery import sending as deliveries
from delivery.models import AlertRouting, Delivery

logger = logging.getLogger(__name__)


@app.task(ignore_result=True)
def deliveries_dispatch(*, kind: str, message_id: int) -> int:
    """Split the pending deliveries of one message into batches, one send task each."""
    ids = deliveries.pending_delivery_ids(kind=kind, message_id=message_id)
    for batch in deliveries.batches(ids):
        deliveries_send_batch.delay(delivery_ids=batch)
    return len(ids)


@app.task(bind=True, ignore_result=True, max_retries=None)
def deliveries_send_batch(self, *, delivery_ids: list[int]) -> None:
    """Send a batch; deliveries that failed transiently come back after their backoff delay."""
    to_retry = deliveries.deliveries_send(delivery_ids=delivery_ids)
    if not to_retry:
        return
    due = Delivery.objects.filter(id__in=to_retry).order_by("-send_after").values_list("send_after", flat=True)
    countdown = max((due.first() - timezone.now()).total_seconds(), 0) + 0.05
    raise self.retry(kwargs={"delivery_ids": to_retry}, countdown=countdown)


@app.task(ignore_result=True)
def deliveries_sweep() -> int:
    """Re-queue overdue pending deliveries and route published alerts never routed (the web process
    died between moderation's commit and routing). Run by Celery beat every minute."""
    from delivery.routing import alert_route

    unrouted = Alert.objects.filter(
        status=Alert.Status.PUBLISHED, published_at__gte=timezone.now() - timedelta(days=2)
    ).exclude(id__in=AlertRouting.objects.values("alert_id"))
    for alert_id in unrouted.values_list("id", flat=True):
        logger.warning("alert %s was published but never routed; routing it now", alert_id)
        alert_route(alert_id=alert_id)
    ids = deliveries.overdue_delivery_ids()
    for batch in deliveries.batches(ids):
        deliveries_send_batch.delay(delivery_ids=batch)
    return len(ids)
