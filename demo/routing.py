"""Demo data of the routing part; see demo/loading.py."""

from django.utils import timezone

from alerts.models import Alert
from delivery.models import AlertRouting
from delivery.routing import alert_route

TARASCON = "13108"


def demo_alert_publish() -> None:
    """Publish a pending Tarascon alert through routing: demo inboxes fill, emails go to the console."""
    if AlertRouting.objects.filter(alert__commune__code=TARASCON).exists():
        return
    alert = Alert.objects.filter(commune__code=TARASCON, status=Alert.Status.PENDING).order_by("created_at").first()
    if alert is None:
        return
    Alert.objects.filter(id=alert.id).update(status=Alert.Status.PUBLISHED, published_at=timezone.now())
    # demo_load runs in one transaction: the sending is queued when it commits, as in production.
    alert_route(alert_id=alert.id)


STEPS: list = [demo_alert_publish]
