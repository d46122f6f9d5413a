"""Notices to one person, through the same channels as every other message: inbox, then email, SMS
and push as they chose. On behalf of a higher app (a patrol's notice of passage, an absence
reminder, a neighbour's offer of help), which passes the id of its row and delivery never reads; and
to the author of an alert, told of the moderators' decision (published, or rejected with the reason)
and of each follow-up step. And a higher app's message told to many at once (a solidarity request to
its neighbourhood), pointed at by the same `notice_id`, once per recipient."""

from datetime import datetime

from django.db import connection, transaction
from psycopg import sql

from alerts.models import Alert
from alerts.models.moderation import AlertTransition
from delivery.models import Delivery
from delivery.sending import deliveries_dispatch_on_commit, deliveries_insert
from partitions.monthly import month_of

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


def fan_out_notice_send(
    *, kind: str, notice_id: int, recipients: sql.Composable, params: dict, time_zone: str, message_at: datetime
) -> int:
    """Tell many people of a higher app's message (a solidarity request) in one statement, unless it
    was told already, and queue the sending after commit; returns how many were told now. Call inside
    the transaction that locked the message's row, so two callers cannot both insert. `message_at` is
    a time that row keeps (its publication): the deliveries' month, the one the unique index holds."""
    assert kind in Delivery.FAN_OUT_NOTICE_KINDS, kind
    if Delivery.objects.filter(kind=kind, notice_id=notice_id, month=month_of(message_at)).exists():
        return 0
    created = deliveries_insert(
        kind=kind,
        recipients=recipients,
        params=params,
        notice_id=notice_id,
        time_zone=time_zone,
        message_at=message_at,
    )
    deliveries_dispatch_on_commit(kind=kind, message_id=notice_id)
    return created


_UNREAD_WITHDRAW = """
WITH gone AS (
    DELETE FROM alerts_delivery
    WHERE kind = %(kind)s AND notice_id = %(notice_id)s AND month = %(month)s AND read_at IS NULL
    RETURNING id
), receipts AS (
    DELETE FROM delivery_pushreceipt r USING gone WHERE r.delivery_id = gone.id AND r.delivery_month = %(month)s
)
SELECT count(*) FROM gone
"""
_READ_STOP = """
UPDATE alerts_delivery SET status = %(skipped)s, reason = 'withdrawn',
       email_status = CASE WHEN email_status = %(pending)s THEN %(skipped)s ELSE email_status END,
       sms_status = CASE WHEN sms_status = %(pending)s THEN %(skipped)s ELSE sms_status END,
       push_status = CASE WHEN push_status = %(pending)s THEN %(skipped)s ELSE push_status END
WHERE kind = %(kind)s AND notice_id = %(notice_id)s AND month = %(month)s AND status = %(pending)s
"""


def fan_out_notice_withdraw(*, kind: str, notice_id: int, message_at: datetime) -> int:
    """A message withdrawn by its moderators: gone from the inboxes that had not opened it (with what
    was still to send), and nothing more sent to those who had; returns how many items left inboxes.
    Two statements, each reading only the message's month."""
    assert kind in Delivery.FAN_OUT_NOTICE_KINDS, kind
    params = {
        "kind": kind,
        "notice_id": notice_id,
        "month": month_of(message_at),
        "pending": Delivery.Status.PENDING,
        "skipped": Delivery.Status.SKIPPED,
    }
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_WITHDRAW, params)
        removed = cursor.fetchone()[0]
        cursor.execute(_READ_STOP, params)
    return removed
