"""Nothing lost, nothing twice: publication, Redis down, a worker killed, retries; all with real
Celery worker processes, the real test Redis and a real SMTP server (aiosmtpd) counting emails."""

import signal
import time

import pytest
from django.db import transaction
from django.utils import timezone

from alerts.models import Alert
from delivery.models import Delivery
from delivery.routing import alert_route
from delivery.tasks import deliveries_sweep
from tests.delivery.conftest import build_town, home, publish, resident_at
from tests.delivery.processes import SmtpSink, broker_at, free_port, wait_for
from tests.factories import make_alert

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def residents(town, count: int) -> list:
    return [resident_at(town, 5.001 + 0.008 * index / count) for index in range(count)]


def all_sent(alert) -> bool:
    deliveries = Delivery.objects.filter(alert=alert)
    return deliveries.exists() and not deliveries.exclude(status=Delivery.Status.SENT).exists()


def test_a_rolled_back_transaction_sends_nothing(start_worker, sink):
    town = build_town()
    people = residents(town, 3)
    start_worker(smtp_port=sink.port)
    doomed = make_alert(commune=town.commune, category="tag", location=home(5.004), description="Jamais publiée.")
    with pytest.raises(RuntimeError), transaction.atomic():
        Alert.objects.filter(id=doomed.id).update(status=Alert.Status.PUBLISHED, published_at=timezone.now())
        alert_route(alert_id=doomed.id)  # routes inside the transaction that then fails
        transaction.on_commit(lambda: alert_route(alert_id=doomed.id))
        raise RuntimeError("moderation failed after routing")

    # A control alert published afterwards arrives: the worker was there and would have sent.
    control = publish(make_alert(commune=town.commune, category="tag", location=home(5.004), description="Publiée."))
    wait_for(lambda: sink.count() == len(people), what="the control alert's emails")
    deliveries_sweep.delay()
    time.sleep(1.5)
    assert sink.count() == len(people)
    assert all("Publiée." in message.get_payload()[0].get_payload(decode=True).decode() for message in sink.messages)
    assert not Delivery.objects.filter(alert=doomed).exists()
    assert all_sent(control)


def test_with_redis_down_at_publication_the_sweeper_sends_once_it_is_back(start_worker, sink):
    town = build_town()
    people = residents(town, 5)
    start_worker(smtp_port=sink.port)
    with broker_at(f"redis://127.0.0.1:{free_port()}/0"):
        alert = publish(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    # Publication succeeded and the deliveries are recorded, waiting.
    assert Delivery.objects.filter(alert=alert, status=Delivery.Status.PENDING).count() == len(people)
    time.sleep(1.0)
    assert sink.count() == 0

    deliveries_sweep.delay()  # what Celery beat does every minute
    wait_for(lambda: all_sent(alert), what="the swept deliveries")
    assert sink.per_recipient() == {person.email: 1 for person in people}


def test_a_worker_killed_mid_batch_leaves_every_recipient_exactly_one_email(start_worker):
    count, batch = 40, 10
    # The sink stops answering in the middle of the 15th message (the second batch): the worker
    # holds that delivery's lock and has sent 14 emails when it is killed.
    sink = SmtpSink(hold_rcpt_number=15).start()
    try:
        town = build_town()
        people = residents(town, count)
        first = start_worker(smtp_port=sink.port, ALERTS_DELIVERY_BATCH_SIZE=batch)
        alert = publish(make_alert(commune=town.commune, category="tag", location=home(5.004)))
        assert sink.holding.wait(timeout=60), "the worker never reached the 15th email"
        first.stop(signal.SIGKILL)
        sink.released.set()
        assert sink.count() == 14
        assert Delivery.objects.filter(alert=alert, status=Delivery.Status.SENT).count() == 14

        start_worker(smtp_port=sink.port, ALERTS_DELIVERY_BATCH_SIZE=batch)
        deliveries_sweep.delay()  # the killed task stays unacknowledged until the visibility timeout
        wait_for(lambda: all_sent(alert), what="every delivery sent after the restart")
        time.sleep(1.0)  # any duplicate would have arrived by now
        assert sink.per_recipient() == {person.email: 1 for person in people}
    finally:
        sink.stop()


def test_transient_failures_retry_with_backoff_then_succeed(start_worker):
    port = free_port()  # nothing listens yet: the SMTP server is down
    town = build_town()
    (person,) = residents(town, 1)
    start_worker(smtp_port=port, ALERTS_DELIVERY_RETRY_BASE_S=1, ALERTS_DELIVERY_MAX_ATTEMPTS=6)
    alert = publish(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    delivery = Delivery.objects.get(alert=alert)
    wait_for(lambda: Delivery.objects.get(id=delivery.id).attempts >= 1, what="a first attempt")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == ("pending", "retrying")
    assert "Connection refused" in delivery.last_error or "ConnectionRefused" in delivery.last_error
    assert delivery.send_after > timezone.now() - timezone.timedelta(seconds=1)

    sink = SmtpSink(port).start()
    try:
        wait_for(lambda: all_sent(alert), what="the retried delivery")
        assert sink.per_recipient() == {person.email: 1}
        assert Delivery.objects.get(id=delivery.id).attempts >= 2
    finally:
        sink.stop()


def test_transient_failures_give_up_after_the_limit_with_the_error(start_worker):
    town = build_town()
    residents(town, 2)
    start_worker(smtp_port=free_port(), ALERTS_DELIVERY_RETRY_BASE_S=0.2, ALERTS_DELIVERY_MAX_ATTEMPTS=3)
    alert = publish(make_alert(commune=town.commune, category="tag", location=home(5.004)))
    wait_for(
        lambda: not Delivery.objects.filter(alert=alert, status=Delivery.Status.PENDING).exists(),
        what="the deliveries to give up",
    )
    for delivery in Delivery.objects.filter(alert=alert):
        assert (delivery.status, delivery.email_status, delivery.attempts) == ("failed", "failed", 3)
        assert delivery.reason == "gave_up_after_retries"
        assert "refused" in delivery.last_error.lower()


def test_an_urgent_alert_goes_before_a_commune_wide_message_queued_earlier(start_worker, sink):
    """The town hall's newsletter to everyone is queued first, then a fire is published, before any
    worker runs; one worker, started without -Q, sends every email of the fire before the first
    of the newsletter, although the newsletter's batches were waiting longer."""
    from delivery.broadcasts import broadcast_send
    from delivery.models import Broadcast
    from delivery.sending import dispatch_queue
    from tests.factories import UserFactory

    town = build_town()
    people = residents(town, 24)
    broadcast = broadcast_send(
        author=UserFactory(),
        commune=town.commune,
        kind="information",
        title="Lettre du maire",
        body="Le marché de Noël ouvre samedi.",
        target=Broadcast.Target.COMMUNE,
        whole_commune_confirmed=True,
    )
    fire = publish(make_alert(commune=town.commune, category="incendie", location=home(5.004)))
    tag = make_alert(commune=town.commune, category="tag", location=home(5.004))
    assert dispatch_queue(kind=Delivery.Kind.BROADCAST, message_id=broadcast.id) == "bulk"
    assert dispatch_queue(kind=Delivery.Kind.ALERT, message_id=fire.id) == "urgent"
    assert dispatch_queue(kind=Delivery.Kind.ALERT, message_id=tag.id) == "alerts"

    start_worker(smtp_port=sink.port, ALERTS_DELIVERY_BATCH_SIZE=4)
    wait_for(lambda: sink.count() == 2 * len(people), what="the fire's and the newsletter's emails")
    fire_sent = Delivery.objects.filter(alert=fire).values_list("sent_at", flat=True)
    newsletter_sent = Delivery.objects.filter(broadcast=broadcast).values_list("sent_at", flat=True)
    assert len(fire_sent) == len(newsletter_sent) == len(people)
    assert max(fire_sent) <= min(newsletter_sent)
