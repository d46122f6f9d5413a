"""The persisted event stream of each police service, and its wake-up signal.

Rows are the source of truth; `NOTIFY alert_events` only wakes up listening live maps (PostgreSQL
delivers it on commit, and never replays it), which then read the new rows by id."""

from django.db import connection

from accounts.selectors import police_services_of
from alerts.models import Alert, AlertEvent

NOTIFY_CHANNEL = "alert_events"


def alert_event_record(*, alert: Alert, kind: str, police_service_ids: list[int]) -> list[AlertEvent]:
    """Append one event per police service, in the caller's transaction, and wake the listeners."""
    events = AlertEvent.objects.bulk_create(
        [AlertEvent(alert=alert, kind=kind, police_service_id=service_id) for service_id in sorted(police_service_ids)]
    )
    with connection.cursor() as cursor:
        for event in events:
            cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, f"{event.police_service_id}:{event.id}"])
    return events


def police_events_after(*, user, after: int = 0, limit: int = 500):
    """The events of the person's police services with an id above `after`, in stream order; empty
    for anybody who is not a police agent."""

    return (
        AlertEvent.objects.filter(police_service__in=police_services_of(user), id__gt=after)
        .select_related("alert__category")
        .order_by("id")[:limit]
    )
