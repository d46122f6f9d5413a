from django.conf import settings

from config.celery import app as celery_app
from delivery.sending import DISPATCH_TASK, batches, retry_delay


def test_longest_retry_delay_is_shorter_than_the_broker_visibility_timeout():
    """Otherwise Redis would hand a task waiting for its retry to a second worker."""
    longest = max(retry_delay(attempt) for attempt in range(1, settings.ALERTS_DELIVERY_MAX_ATTEMPTS + 1))
    assert longest <= settings.ALERTS_DELIVERY_RETRY_MAX_S
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.ALERTS_DELIVERY_RETRY_MAX_S * 1.5
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


def test_backoff_grows_exponentially_with_jitter(settings):
    settings.ALERTS_DELIVERY_RETRY_BASE_S = 10
    settings.ALERTS_DELIVERY_RETRY_MAX_S = 10_000
    for attempt in (1, 2, 3, 4):
        delays = {retry_delay(attempt) for _ in range(50)}
        assert all(10 * 2 ** (attempt - 1) <= delay <= 15 * 2 ** (attempt - 1) for delay in delays)
        assert len(delays) > 1  # jittered, so retries of a batch do not all hit the server at once


def test_sweeper_is_scheduled_and_batches_cover_every_id(settings):
    assert settings.CELERY_BEAT_SCHEDULE["alerts-delivery-sweep"]["task"] == "delivery.deliveries_sweep"
    ids = list(range(1, 251))
    assert [len(batch) for batch in batches(ids, 100)] == [100, 100, 50]
    assert sum(batches(ids, 100), []) == ids


def test_the_tasks_queued_by_name_are_the_ones_workers_know(settings):
    """Services and beat queue tasks by name: a name without its task would be lost silently."""
    celery_app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {DISPATCH_TASK, "delivery.deliveries_sweep", "delivery.deliveries_send_batch"} <= set(celery_app.tasks)
    assert scheduled <= set(celery_app.tasks)
