"""Web Push with real Celery workers, the test Redis and the loopback push service: what a rolled-back
publication does, and a publication pushed once to every device of every resident."""

import time

import pytest
from django.db import transaction
from django.utils import timezone

from alerts.models import Alert
from delivery.devices import push_subscription_save
from delivery.models import Delivery
from delivery.routing import alert_route
from delivery.tasks import deliveries_sweep
from tests.delivery.conftest import build_town, home, publish
from tests.delivery.processes import wait_for
from tests.delivery.push_service import PushService, vapid_private_key, vapid_public_key
from tests.delivery.test_delivery_processes import all_sent, residents
from tests.factories import make_alert

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vapid_key():
    return vapid_private_key()


@pytest.fixture
def push_service(vapid_key):  # the workers get the key by their environment, not by settings
    service = PushService(application_server_key=vapid_public_key(vapid_key)).start()
    yield service
    service.stop()


def test_a_rolled_back_publication_pushes_nothing_and_a_committed_one_once_per_device(
    start_worker, sink, push_service, vapid_key
):
    town = build_town()
    people = residents(town, 3)
    for person in people:
        for _ in range(2):
            device = push_service.device()
            push_subscription_save(user=person, endpoint=device["endpoint"], **device["keys"])
    start_worker(smtp_port=sink.port, VAPID_PRIVATE_KEY=vapid_key)

    doomed = make_alert(commune=town.commune, category="tag", location=home(5.004), description="Jamais publiée.")
    with pytest.raises(RuntimeError), transaction.atomic():
        Alert.objects.filter(id=doomed.id).update(status=Alert.Status.PUBLISHED, published_at=timezone.now())
        alert_route(alert_id=doomed.id)  # routes inside the transaction that then fails
        raise RuntimeError("moderation failed after routing")

    # A control alert published afterwards is pushed: the worker was there and would have sent.
    control = publish(make_alert(commune=town.commune, category="tag", location=home(5.004), description="Publiée."))
    wait_for(lambda: push_service.count() == 2 * len(people), what="the control alert's pushes")
    wait_for(lambda: all_sent(control), what="the control alert's deliveries settled")
    deliveries_sweep.delay()
    time.sleep(1.5)  # a push of the rolled-back alert, or a second one, would have arrived by now

    assert push_service.refused == []
    assert set(push_service.per_device().values()) == {1}
    assert len(push_service.per_device()) == 2 * len(people)
    assert all("Publiée." in item.payload["body"] for item in push_service.received)
    assert not Delivery.objects.filter(alert=doomed).exists()
    assert set(Delivery.objects.filter(alert=control).values_list("push_status", flat=True)) == {"sent"}
