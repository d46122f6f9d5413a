"""Notices to one resident on behalf of a higher app (a patrol's notice of passage, an absence
reminder), through the same channels as every other message: inbox, then email and SMS as the
resident chose. The higher app passes the id of its row; delivery never reads that row."""

from psycopg import sql

from delivery.models import Delivery
from delivery.sending import deliveries_dispatch_on_commit, deliveries_insert

_ONE_RESIDENT = sql.SQL("SELECT %(resident_id)s::bigint AS user_id, false AS is_police")


def resident_notice_send(*, kind: str, notice_id: int, resident_id: int, time_zone: str) -> bool:
    """Create the notice unless one exists for this (kind, notice_id), and queue its sending after
    commit; False when it had already been created. Call inside the transaction that locked the row
    the notice is about, so two callers cannot both create it."""
    assert kind in Delivery.NOTICE_KINDS, kind
    if Delivery.objects.filter(kind=kind, notice_id=notice_id).exists():
        return False
    created = deliveries_insert(
        kind=kind,
        recipients=_ONE_RESIDENT,
        params={"resident_id": resident_id},
        notice_id=notice_id,
        time_zone=time_zone,
    )
    deliveries_dispatch_on_commit(kind=kind, message_id=notice_id)
    return bool(created)
