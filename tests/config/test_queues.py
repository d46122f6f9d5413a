"""Each Celery queue gets the messages sent to it, and only those, with every queue declared as a
worker declares them: urgent alerts are never copied into the newsletter's queue or the other way."""

import pytest
import redis
from django.conf import settings

from config.celery import app

QUEUES = ("urgent", "alerts", "celery", "bulk")


@pytest.fixture
def broker():
    """The test Redis with every queue declared, as a worker started without -Q declares them."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*QUEUES)
    with app.connection_for_write() as connection:
        for queue in app.amqp.queues.values():
            queue(connection.default_channel).declare()
    yield client
    client.delete(*QUEUES)


@pytest.mark.parametrize("queue", QUEUES)
def test_a_message_sent_to_a_queue_lands_in_that_queue_alone(broker, queue):
    app.send_task("delivery.deliveries_sweep", queue=queue)
    assert {name: broker.llen(name) for name in QUEUES} == {name: int(name == queue) for name in QUEUES}


def test_a_worker_without_q_consumes_every_queue_most_urgent_first():
    assert [queue.name for queue in app.amqp.queues.values()] == list(QUEUES)
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] == "priority"
