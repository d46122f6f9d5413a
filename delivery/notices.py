"""Notices to one person, through the same channels as every other message: inbox, then email, SMS
and push as they chose. On behalf of a higher app (a patrol's notice of passage, an absence
reminder), which passes the id of its row and delivery never reads; and to the author of an alert,
told of the moderators' decision (published, or rejected with the reason) and of each follow-up step."""

from datetime import datetime

from django.db import transaction
from psycopg import sql

from alerts.models import Alert
from alerts.models.moderation import AlertTransition
from delivery.models import Delivery
from delivery.sending import deliveries_dispatch_on_commit, deliveries_insert

_ONE_RESIDENT = sql.SQL("SELECT %(resident_id)s::bigint AS user_id, false AS is_police")


def resident_notice_send(*, kind: str, notice_id: int, resident_id: int, time_zone: str, noticed_at: datetime) -> bool:
    """Create the notice unless one exists for this (kind, notice_id), and queue its sending after
    commit; False when it had already been created. Call inside the transaction that locked the row
    the notice is about, so two callers cannot both create it. `noticed_at` is a time that row keeps
    (when the visit was made, the reminder decided, the decision taken): the notice's month, so a
    second notice for the same row would meet the first in the unique index."""
    assert kind in Delivery.NOTICE_KINDS, kind
    if Delivery.objects.filter(kind=kind, notice_id=notice_id).exists():
        return False
    created = deliveries_insert(
        kind=kind,
        recipients=_ONE_RESIDENT,
        params={"resident_id": resident_id},
        notice_id=notice_id,
        time_zone=time_zone,
        message_at=noticed_at,
    )
    deliveries_dispatch_on_commit(kind=kind, message_id=notice_id)
    return bool(created)


# What an alert's author is told of: the moderation decision and the follow-up steps.
AUTHOR_TOLD = {
    AlertTransition.Field.STATUS: (Alert.Status.PUBLISHED, Alert.Status.REJECTED),
    AlertTransition.Field.FOLLOW_UP: tuple(Alert.FollowUp.values),
}


def alert_author_notify(*, alert_id: int, field: str) -> bool:
    """Tell the alert's author of its latest decision or follow-up step, once per step (the
    transition's id is the notice's); False when there is nothing to tell or it was told already.
    Runs in its own transaction, holding the alert's row so two signals cannot both create it."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().select_related("commune").filter(id=alert_id).first()
        if alert is None or alert.author_id is None:
            return False
        transition = (
            AlertTransition.objects.filter(alert_id=alert_id, field=field, to_state__in=AUTHOR_TOLD[field])
            .order_by("-created_at", "-id")
            .first()
        )
        if transition is None or transition.actor_id == alert.author_id:
            return False
        return resident_notice_send(
            kind=Delivery.Kind.AUTHOR_UPDATE,
            notice_id=transition.id,
            resident_id=alert.author_id,
            time_zone=alert.commune.time_zone,
            noticed_at=transition.created_at,
        )
