from asgiref.sync import sync_to_async
from django.db import connections

from delivery.events import alert_event_record
from tests.factories import make_alert


def publish(*, world, location, category: str = "cambriolage", service=None, **kwargs):
    """A published alert and its event on a police service's stream, as routing records them."""
    alert = make_alert(commune=world.commune, location=location, category=category, status="published", **kwargs)
    (event,) = alert_event_record(alert=alert, kind="published", police_service_ids=[(service or world.service).id])
    return alert, event


def in_thread(function):
    """`function` as a coroutine run in a worker thread that gives its database connection back:
    what an async test needs to write committed rows while a stream is being read."""

    def call_and_close(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            connections["default"].close()

    return sync_to_async(call_and_close, thread_sensitive=False)
