from alerts.events import alert_event_record
from tests.factories import make_alert


def publish(*, world, location, category: str = "cambriolage", service=None, **kwargs):
    """A published alert and its event on a police service's stream, as routing records them."""
    alert = make_alert(commune=world.commune, location=location, category=category, status="published", **kwargs)
    (event,) = alert_event_record(alert=alert, kind="published", police_service_ids=[(service or world.service).id])
    return alert, event
