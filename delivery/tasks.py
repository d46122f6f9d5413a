"""The Celery face of delivery: the only module that defines tasks. They take ids, call a service
of delivery and own their retry policy; sending is idempotent per delivery, so a task run twice
(redelivered after a worker died, or queued by both publication and the sweeper) sends nothing twice.

Services queue them by name (`DISPATCH_TASK`), after their transaction commits, so no service
imports this module."""

from celery import shared_task

from delivery import following, retention, routing, sending
from delivery.reminders import scheduling


@shared_task(name=sending.DISPATCH_TASK, ignore_result=True, bind=True)
def deliveries_dispatch(self, *, kind: str, message_id: int) -> int:
    """Split the pending deliveries of one message into batches, one send task each, on the queue
    the dispatch came by (an urgent alert's batches stay ahead of a newsletter's); their retries
    keep it too."""
    queue = (self.request.delivery_info or {}).get("routing_key") or sending.QUEUE_DEFAULT
    ids = sending.pending_delivery_ids(kind=kind, message_id=message_id)
    for batch in sending.batches(ids):
        deliveries_send_batch.apply_async(kwargs={"delivery_ids": batch}, queue=queue)
    return len(ids)


@shared_task(name="delivery.deliveries_send_batch", bind=True, ignore_result=True, max_retries=None)
def deliveries_send_batch(self, *, delivery_ids: list[int]) -> None:
    """Send a batch; deliveries that failed transiently come back after their backoff delay."""
    to_retry = sending.deliveries_send(delivery_ids=delivery_ids)
    if to_retry:
        raise self.retry(kwargs={"delivery_ids": to_retry}, countdown=sending.retry_countdown(to_retry))


@shared_task(name="delivery.deliveries_sweep", ignore_result=True)
def deliveries_sweep() -> int:
    """Route published alerts never routed (the web process died between moderation's commit and
    routing), then re-queue overdue pending deliveries. Run by Celery beat every minute."""
    routing.alerts_unrouted_route()
    ids = sending.overdue_delivery_ids()
    for batch in sending.batches(ids):
        deliveries_send_batch.delay(delivery_ids=batch)
    return len(ids)


@shared_task(name="delivery.near_me_expire", ignore_result=True)
def near_me_expire() -> int:
    """Delete the "près de moi" positions whose time is over. Run by Celery beat every five minutes;
    routing already ignores them from the moment they expire."""
    return following.near_me_expire()


@shared_task(name="delivery.partitions_maintain", ignore_result=True)
def partitions_maintain() -> None:
    """Deliveries' and events' monthly partitions: made ahead, emptied of defaulted rows, dropped past
    their retention. Run by Celery beat every few hours; a month it could not drop is tried again."""
    retention.partitions_maintain()


@shared_task(name="delivery.reminders_send_due", ignore_result=True)
def reminders_send_due() -> int:
    """Send the good-practice reminders whose time has come. Run by Celery beat every minute."""
    return len(scheduling.reminders_send_due())
