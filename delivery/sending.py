"""Deliveries: created in bulk by the database, sent by Celery, exactly once per channel.

Creating: one `INSERT ... SELECT` per message, whatever the number of recipients; the recipients
query is given by the caller (routing, near repeat, broadcasts) and the channels, quiet hours and
preferences are decided here, in the same statement. Each message is inserted once (routing claims
the alert first, a broadcast inserts as it is created) and the unique indexes on (message,
recipient) stay the guarantee: a second insert would abort its transaction rather than be dropped
silently. A plain INSERT rather than ON CONFLICT DO NOTHING spares a speculative probe of every
unique index per row, and rows go in by recipient so the (recipient, ...) indexes are filled in
order: together a 50,000-recipient alert is inserted in about half the time (bench/RESULTS.md).

Sending: deliveries are locked (`SELECT ... FOR UPDATE SKIP LOCKED`) in a short transaction that
sends them and marks them sent before committing. A worker killed mid-batch loses its locks with
its connection, so the deliveries it had not committed stay pending and are sent by the redelivered
task or the sweeper; those it committed are never sent again. A delivery with an email or a text
message is claimed alone: the only window for a duplicate is between the SMTP server's acceptance
and our commit, a fraction of a millisecond. Deliveries that only push are claimed by groups whose
pushes go out together (a push costs a few milliseconds of waiting for the push service, the
commit as much): their window is the group's slowest push, a few milliseconds, at most
`PUSH_TIMEOUT_S` when a push service hangs. A push sent again in that window carries the same
notification tag (`vigie-<delivery id>`), so the phone replaces the first notification with it
instead of showing a second one."""

import contextlib
import logging
import random
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from psycopg import sql

from accounts.models import Referent
from alerts.models import Alert
from delivery.arrays import date_array, int_array, json_rows
from delivery.channels import email as email_channel
from delivery.channels import push as push_channel
from delivery.channels import sms as sms_channel
from delivery.models import Broadcast, Delivery, NotificationPreference, RoutedZone, SmsOptOut
from partitions.monthly import month_of

logger = logging.getLogger(__name__)

# The task that splits a message's deliveries into batches (delivery/tasks.py), queued by name.
DISPATCH_TASK = "delivery.deliveries_dispatch"
QUEUE_URGENT, QUEUE_ALERTS, QUEUE_DEFAULT, QUEUE_BULK = "urgent", "alerts", "celery", "bulk"

PENDING, SENT, FAILED, SKIPPED = (
    Delivery.Status.PENDING,
    Delivery.Status.SENT,
    Delivery.Status.FAILED,
    Delivery.Status.SKIPPED,
)

# The recipients query (the caller's, composed from accounts' selections) yields (user_id, is_police);
# preferences, channels and quiet hours are applied around it, in the same statement.
# The audience of a message as the insert will see it: one row per recipient with its channels and
# whether quiet hours hold it back. Someone who chose push but has no device left gets an urgent
# message by SMS instead, if they gave a number and the message may go by SMS: push is free, but an
# urgent alert must not wait for a phone that is no longer subscribed. Shared by the insert and by
# the count shown before sending, so the town hall is told exactly who the statement will reach.
# A number that answered STOP (delivery_smsoptout) gets no SMS, whatever the account's choices.
#
# Each recipient's account, preferences and devices are read by primary key or unique index, one
# recipient at a time: the `OFFSET 0` / `LIMIT 1` keep each LATERAL subquery from being merged into
# a join, so the cost is proportional to the audience, never to the country. Joined plainly, the
# planner could read every account and preference instead (hash joins over sequential scans): with
# 4 million residents a 100,000-resident message read all of them from disk, 2.7 s, unless
# `random_page_cost` was lowered on the server (bench/RESULTS.md, "Broadcast at national scale").
_AUDIENCE = """
WITH wanted AS (
    SELECT wanted.user_id, bool_or(wanted.is_police) AS is_police FROM (
{recipients}
    ) AS wanted
    GROUP BY wanted.user_id
), recipients AS (
    SELECT w.user_id, w.is_police FROM wanted w
    CROSS JOIN LATERAL (SELECT 1 FROM accounts_user u WHERE u.id = w.user_id AND u.is_active OFFSET 0) u
), chosen AS (
    SELECT r.user_id,
           (r.is_police OR %(urgent)s) AS ignores_quiet_hours,
           (%(by_email)s AND coalesce(p.by_email, true)) AS email,
           (%(by_sms)s AND coalesce(p.phone_number, '') <> ''
            AND NOT EXISTS (SELECT 1 FROM delivery_smsoptout o WHERE o.phone_number = p.phone_number)
            AND (coalesce(p.by_sms, false)
            OR (%(urgent)s AND coalesce(p.by_push, false) AND NOT d.has_device))) AS sms,
           (%(by_push)s AND coalesce(p.by_push, false) AND d.has_device) AS push,
           p.quiet_start, p.quiet_end,
           (now() AT TIME ZONE %(tz)s)::time AS local_time,
           (now() AT TIME ZONE %(tz)s)::date AS local_date
    FROM recipients r
    LEFT JOIN LATERAL (
        SELECT p.by_email, p.by_sms, p.by_push, p.phone_number, p.quiet_start, p.quiet_end
        FROM alerts_notificationpreference p WHERE p.user_id = r.user_id OFFSET 0
    ) p ON true
    LEFT JOIN LATERAL (
        SELECT true AS has_device FROM delivery_pushsubscription s WHERE s.user_id = r.user_id LIMIT 1
    ) device ON true
    CROSS JOIN LATERAL (SELECT device.has_device IS NOT NULL AS has_device) d
), timed AS (
    SELECT c.*,
           (NOT c.ignores_quiet_hours AND c.quiet_start IS NOT NULL AND CASE
                WHEN c.quiet_start <= c.quiet_end THEN c.local_time >= c.quiet_start AND c.local_time < c.quiet_end
                ELSE c.local_time >= c.quiet_start OR c.local_time < c.quiet_end END) AS quiet
    FROM chosen c
)
"""
_INSERT = sql.SQL(
    _AUDIENCE
    + """
INSERT INTO alerts_delivery (recipient_id, kind, alert_id, broadcast_id, notice_id, month, status, reason,
                             email_status, sms_status, push_status, attempts, last_error, created_at, send_after)
SELECT t.user_id, %(kind)s, %(alert_id)s, %(broadcast_id)s, %(notice_id)s, %(month)s,
       CASE WHEN t.email OR t.sms OR t.push THEN %(pending)s ELSE %(skipped)s END,
       CASE WHEN NOT (t.email OR t.sms OR t.push) THEN %(inbox_only)s WHEN t.quiet THEN %(quiet_hours)s ELSE '' END,
       CASE WHEN t.email THEN %(pending)s ELSE %(skipped)s END,
       CASE WHEN t.sms THEN %(pending)s ELSE %(skipped)s END,
       CASE WHEN t.push THEN %(pending)s ELSE %(skipped)s END,
       0, '', now(),
       CASE WHEN t.quiet AND (t.email OR t.sms OR t.push) THEN
            ((t.local_date + t.quiet_end
              + CASE WHEN t.local_time >= t.quiet_end THEN interval '1 day' ELSE interval '0' END)
             AT TIME ZONE %(tz)s)
       ELSE now() END
FROM timed t
ORDER BY t.user_id
"""
)
_AUDIENCE_COUNTS = sql.SQL(
    _AUDIENCE
    + """
SELECT count(*),
       count(*) FILTER (WHERE t.email),
       count(*) FILTER (WHERE t.sms),
       count(*) FILTER (WHERE t.push),
       count(*) FILTER (WHERE NOT (t.email OR t.sms OR t.push)),
       count(*) FILTER (WHERE t.quiet AND (t.email OR t.sms OR t.push))
FROM timed t
"""
)


def deliveries_insert(
    *,
    kind: str,
    recipients: sql.Composable,
    params: dict,
    time_zone: str,
    message_at: datetime,
    alert_id: int | None = None,
    broadcast_id: int | None = None,
    notice_id: int | None = None,
    urgent: bool = False,
    by_email: bool = True,
    by_sms: bool = True,
    by_push: bool = True,
) -> int:
    """Create the deliveries of one message in one statement; returns how many were created.
    `recipients` selects (user_id, is_police) with named `params`. Quiet hours are read in
    `time_zone`, the local time of the message's commune. `message_at` is when the message itself was
    made (never now): its month is the deliveries' partition, the same for every delivery of the
    message, which keeps the (message, recipient) unique indexes as strong as they were."""
    all_params = _audience_params(
        params, time_zone=time_zone, urgent=urgent, by_email=by_email, by_sms=by_sms, by_push=by_push
    )
    all_params.update(
        kind=kind, alert_id=alert_id, broadcast_id=broadcast_id, notice_id=notice_id, month=month_of(message_at)
    )
    all_params.update(pending=PENDING, skipped=SKIPPED, inbox_only="inbox_only", quiet_hours="quiet_hours")
    with connection.cursor() as cursor:
        _jit_off(cursor)
        cursor.execute(_INSERT.format(recipients=recipients), all_params)
        return cursor.rowcount


def broadcast_deliveries_insert(*, broadcast: Broadcast, recipients: sql.Composable, params: dict) -> int:
    """The deliveries of a town hall message (sent, relayed by a référent, or a reminder) to the
    residents `recipients` selects: its urgency, channels, commune's time zone and month."""
    return deliveries_insert(
        kind=Delivery.Kind.BROADCAST,
        recipients=recipients,
        params=params,
        broadcast_id=broadcast.id,
        urgent=broadcast.is_urgent,
        time_zone=broadcast.commune.time_zone,
        message_at=broadcast.created_at,
        by_email=broadcast.by_email,
        by_sms=broadcast.by_sms,
    )


def _jit_off(cursor) -> None:
    """No JIT compilation for the rest of the transaction: the audience's cost estimate (one index
    lookup per recipient, priced as a random read) is far above `jit_above_cost` for a large message,
    and compiling it took 1.6 s of a 100,000-resident message, more than reading its audience."""
    cursor.execute("SET LOCAL jit = off")


def _audience_params(
    params: dict, *, time_zone: str, urgent: bool, by_email: bool, by_sms: bool, by_push: bool
) -> dict:
    return {**params, "urgent": urgent, "by_email": by_email, "by_sms": by_sms, "by_push": by_push, "tz": time_zone}


@dataclass(frozen=True)
class AudienceCounts:
    """Who a message would reach if it were sent now: recipients, by channel, inbox only, held back by
    their quiet hours (sent when those end)."""

    recipients: int
    email: int
    sms: int
    push: int
    inbox_only: int
    quiet_hours: int


def deliveries_audience_counts(
    *,
    recipients: sql.Composable,
    params: dict,
    time_zone: str,
    urgent: bool,
    by_email: bool,
    by_sms: bool,
    by_push: bool = True,
) -> AudienceCounts:
    """The counts `deliveries_insert` would produce with the same arguments, without writing anything."""
    all_params = _audience_params(
        params, time_zone=time_zone, urgent=urgent, by_email=by_email, by_sms=by_sms, by_push=by_push
    )
    with connection.cursor() as cursor:
        _jit_off(cursor)
        cursor.execute(_AUDIENCE_COUNTS.format(recipients=recipients), all_params)
        return AudienceCounts(*cursor.fetchone())


def deliveries_dispatch_on_commit(*, kind: str, message_id: int) -> None:
    """Queue the sending once the caller's transaction commits; never inside it."""
    transaction.on_commit(lambda: deliveries_dispatch_enqueue(kind=kind, message_id=message_id))


def dispatch_queue(*, kind: str, message_id: int) -> str:
    """The Celery queue a message's sending goes through (settings.CELERY_TASK_QUEUES): alerts of an
    urgent category never wait behind other alerts, and no alert waits behind a commune-wide
    message of the town hall."""
    if kind == Delivery.Kind.ALERT:
        urgent = Alert.objects.filter(pk=message_id, category__is_urgent=True).exists()
        return QUEUE_URGENT if urgent else QUEUE_ALERTS
    if kind == Delivery.Kind.BROADCAST:
        urgent = Broadcast.objects.filter(pk=message_id, kind__in=Broadcast.URGENT_KINDS).exists()
        return QUEUE_ALERTS if urgent else QUEUE_BULK
    if kind in Delivery.FAN_OUT_NOTICE_KINDS:
        return QUEUE_BULK  # a neighbourhood's mutual help never waits ahead of an alert
    return QUEUE_DEFAULT


def deliveries_dispatch_enqueue(*, kind: str, message_id: int) -> bool:
    """Queue the dispatch task, by name, on the message's queue; a broker that is down is logged,
    not raised: the deliveries are recorded and the sweeper sends them when it is back."""
    queue = dispatch_queue(kind=kind, message_id=message_id)
    try:
        current_app.send_task(DISPATCH_TASK, kwargs={"kind": kind, "message_id": message_id}, queue=queue, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure; the sweeper is the fallback
        logger.warning("broker unavailable, %s %s will be sent by the sweeper", kind, message_id, exc_info=True)
        return False
    return True


def pending_delivery_ids(*, kind: str, message_id: int) -> list[int]:
    """The message's deliveries due now, in the order they are batched and sent. An alert's référents
    of the routed neighbourhoods come first: they are the first to know, so they can pass the word
    on to neighbours who read their messages less often."""
    column = "alert_id"
    if kind == Delivery.Kind.BROADCAST:
        column = "broadcast_id"
    elif kind in Delivery.NOTICE_KINDS or kind in Delivery.FAN_OUT_NOTICE_KINDS:
        column = "notice_id"
    deliveries = Delivery.objects.filter(
        kind=kind, status=PENDING, send_after__lte=timezone.now(), **{column: message_id}
    )
    order = ["id"]
    if kind == Delivery.Kind.ALERT:
        routed = RoutedZone.objects.filter(alert_id=message_id).values("zone_id")
        referents = Referent.objects.active().filter(user_id=OuterRef("recipient_id"), neighbourhoods__in=routed)
        deliveries = deliveries.annotate(referent_first=Exists(referents))
        order = ["-referent_first", "id"]
    return list(deliveries.order_by(*order).values_list("id", flat=True))


def overdue_delivery_ids(*, limit: int = 50_000) -> list[int]:
    """Deliveries still pending well after they were due: their task was lost (broker down at
    publication, worker killed) or they waited for the end of quiet hours."""
    cutoff = timezone.now() - timedelta(seconds=settings.ALERTS_DELIVERY_SWEEP_AFTER_S)
    return list(
        Delivery.objects.filter(status=PENDING, send_after__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def batches(ids: list[int], size: int | None = None) -> list[list[int]]:
    size = size or settings.ALERTS_DELIVERY_BATCH_SIZE
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), plus up to 50 %, capped."""
    delay = settings.ALERTS_DELIVERY_RETRY_BASE_S * 2 ** (attempt - 1)
    return min(delay * (1 + random.random() / 2), settings.ALERTS_DELIVERY_RETRY_MAX_S)


def retry_countdown(delivery_ids: list[int]) -> float:
    """Seconds until the latest of these deliveries is due again (their backoff was recorded)."""
    due = Delivery.objects.filter(id__in=delivery_ids).order_by("-send_after").values_list("send_after", flat=True)
    return max((due.first() - timezone.now()).total_seconds(), 0) + 0.05


class PermanentFailure(Exception):
    """A channel that will never work for this delivery (address refused, number invalid)."""


def _is_permanent(error: Exception) -> bool:
    permanent = PermanentFailure | sms_channel.SmsPermanentError | push_channel.PushPermanentError
    # A message whose subject was deleted since (a neighbour's request, with its author's account)
    # can never be written: retrying it would only fail again.
    if isinstance(error, permanent | ObjectDoesNotExist):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


@dataclass
class SendContext:
    """What one batch shares: an SMTP connection opened on first use, the SMS gateway, and for Web
    Push the devices of the batch's recipients and the pushes under way."""

    email_connection: object = field(default_factory=lambda: get_connection(fail_silently=False))
    sms_gateway: object = field(default_factory=sms_channel.gateway)
    messages: dict = field(default_factory=dict)
    # The devices of the batch's recipients who take push, read in one query on first use; the
    # pushes started for each claimed delivery; and the devices the delivery being settled reached,
    # recorded by the statement that settles it.
    push_recipients: set = field(default_factory=set)
    push_devices: dict | None = None
    push_started: dict = field(default_factory=dict)
    push_reached: list = field(default_factory=list)

    def devices_of(self, user_id: int) -> list:
        if self.push_devices is None:
            self.push_devices = push_channel.devices_of(self.push_recipients)
        return self.push_devices.get(user_id, [])

    def email_ready(self):
        """The batch's SMTP connection, opened once: Django's backend would otherwise open and
        close one per message."""
        self.email_connection.open()
        return self.email_connection

    def reset_email(self) -> None:
        # The connection may already be broken; a new one is opened on the next send.
        with contextlib.suppress(Exception):
            self.email_connection.close()


def deliveries_send(*, delivery_ids: list[int]) -> list[int]:
    """Send a batch; returns the ids that failed transiently and should be retried later.

    The batch's rows, recipients and messages are read in one query; deliveries are then claimed
    under their row locks, which also re-read the columns sending changes, so a copy read before
    another worker's attempt never decides what to send. A delivery with an email or a text
    message to send is claimed, sent and committed alone; deliveries that only push are claimed,
    pushed concurrently and settled by groups (`PUSH_GROUP_SIZE`)."""
    context = SendContext()
    to_retry = []
    deliveries = _deliveries_with_messages(delivery_ids)
    context.push_recipients = {d.recipient_id for d in deliveries.values() if d.push_status == PENDING}
    try:
        for group in _groups([deliveries[i] for i in delivery_ids if i in deliveries]):
            to_retry.extend(_deliveries_send_group(group, context=context))
    finally:
        context.reset_email()
    return to_retry


# What sending reads of a delivery and its recipient: the whole delivery, the language of the message,
# the address and number it goes to. The rest of an account (its password hash, dates, flags) is never
# read here: building it for each delivery was a fifth of a worker's own time per push. The statement
# is written once per process and its rows made into models directly: the ORM compiling it for every
# batch, and adapting a hundred ids one by one, cost as much as the rows themselves. Each row is read
# by its primary key, one delivery at a time (`OFFSET 0` keeps each LATERAL subquery from becoming a
# join): joined plainly, the planner could scan the month's deliveries and every account to find a
# hundred rows, 9 ms per batch for a town of 5,000 already (bench/RESULTS.md).
_USER = Delivery.recipient.field.related_model
_DELIVERY_COLUMNS = [field.attname for field in Delivery._meta.concrete_fields]


def _in_model_order(model, names: set[str]) -> list[str]:
    """These columns of `model`, in the order `Model.from_db` expects them."""
    return [field.attname for field in model._meta.concrete_fields if field.attname in names]


_RECIPIENT_COLUMNS = _in_model_order(_USER, {"id", "language", "email"})
_PREFERENCE_COLUMNS = _in_model_order(NotificationPreference, {"id", "user_id", "phone_number"})
_BATCH_SQL = sql.SQL(
    """
    SELECT {delivery}, {recipient}, {preference}
    FROM unnest(%s::bigint[]) AS wanted(id)
    CROSS JOIN LATERAL (SELECT * FROM {deliveries} d WHERE d.id = wanted.id OFFSET 0) d
    CROSS JOIN LATERAL (SELECT * FROM {users} u WHERE u.id = d.recipient_id OFFSET 0) u
    LEFT JOIN LATERAL (SELECT * FROM {preferences} p WHERE p.user_id = d.recipient_id OFFSET 0) p ON true"""
).format(
    delivery=sql.SQL(", ").join(
        sql.SQL("d.{}").format(sql.Identifier(field.column)) for field in Delivery._meta.concrete_fields
    ),
    recipient=sql.SQL(", ").join(sql.SQL("u.{}").format(sql.Identifier(name)) for name in _RECIPIENT_COLUMNS),
    preference=sql.SQL(", ").join(sql.SQL("p.{}").format(sql.Identifier(name)) for name in _PREFERENCE_COLUMNS),
    deliveries=sql.Identifier(Delivery._meta.db_table),
    users=sql.Identifier(_USER._meta.db_table),
    preferences=sql.Identifier(NotificationPreference._meta.db_table),
)


def _deliveries_read(delivery_ids: list[int]) -> dict[int, Delivery]:
    """The batch's deliveries, each with its recipient and their preferences (None without a row),
    as `select_related` would leave them."""
    recipient_cache, preference_cache = Delivery.recipient.field, _USER.notification_pref.related
    ends = (len(_DELIVERY_COLUMNS), len(_DELIVERY_COLUMNS) + len(_RECIPIENT_COLUMNS))
    deliveries = {}
    with connection.cursor() as cursor:
        cursor.execute(_BATCH_SQL, [int_array(delivery_ids)])
        for row in cursor.fetchall():
            delivery = Delivery.from_db(connection.alias, _DELIVERY_COLUMNS, row[: ends[0]])
            recipient = _USER.from_db(connection.alias, _RECIPIENT_COLUMNS, row[ends[0] : ends[1]])
            preference = None
            if row[ends[1]] is not None:
                preference = NotificationPreference.from_db(connection.alias, _PREFERENCE_COLUMNS, row[ends[1] :])
                NotificationPreference.user.field.set_cached_value(preference, recipient)
            preference_cache.set_cached_value(recipient, preference)
            recipient_cache.set_cached_value(delivery, recipient)
            deliveries[delivery.id] = delivery
    return deliveries


def _deliveries_with_messages(delivery_ids: list[int]) -> dict[int, Delivery]:
    """The batch's deliveries with their recipients, and each alert or broadcast they tell of read
    once and shared by its deliveries (a batch is mostly one message: joining it to every row built
    it a hundred times). Geometries no message shows, such as a commune's boundary, are not read."""
    deliveries = _deliveries_read(delivery_ids)
    alerts = (
        Alert.objects.select_related("category", "commune")
        .defer("location", "commune__boundary")
        .in_bulk({d.alert_id for d in deliveries.values() if d.alert_id})
    )
    broadcasts = (
        Broadcast.objects.select_related("commune")
        .defer("area", "commune__boundary")
        .in_bulk({d.broadcast_id for d in deliveries.values() if d.broadcast_id})
    )
    for delivery in deliveries.values():
        if delivery.alert_id:
            delivery.alert = alerts[delivery.alert_id]
        if delivery.broadcast_id:
            delivery.broadcast = broadcasts[delivery.broadcast_id]
    return deliveries


def _groups(deliveries: list[Delivery]) -> list[list[Delivery]]:
    """Deliveries that only push go in groups; any other alone, so that a worker killed while it
    talks to the SMTP server or the SMS gateway leaves nothing sent and not recorded but the message
    under way (the email tests kill a worker there). The one exception is decided under the lock:
    an urgent message whose push found no device falls back to SMS from within its group."""
    push_only = [d for d in deliveries if d.email_status != PENDING and d.sms_status != PENDING]
    alone = [[d] for d in deliveries if d.email_status == PENDING or d.sms_status == PENDING]
    return batches(push_only, settings.PUSH_GROUP_SIZE) + alone


CHANNEL_STATUS_FIELDS = ("email_status", "sms_status", "push_status")
SETTLED_FIELDS = Delivery.SENDING_FIELDS

# One statement per group each way, written out rather than built by the ORM: at two hundred
# emails a second, building these queries was the largest share of a worker's time.
_CLAIM_SQL = sql.SQL(
    """
    SELECT id, {fields} FROM alerts_delivery
    WHERE id = ANY(%s::bigint[]) AND month = ANY(%s::date[]) AND status = %s AND send_after <= %s
    ORDER BY id
    FOR UPDATE SKIP LOCKED"""
).format(fields=sql.SQL(", ").join(map(sql.Identifier, SETTLED_FIELDS)))
# With the ids and months of the group, each statement reads only those rows by those partitions'
# primary keys (joined to the settled values alone, the planner could scan the whole month). The
# settled columns of the group come as one JSON document; the devices pushes reached are recorded by
# the same statement (one round trip, not two).
_SETTLE_SQL = sql.SQL(
    """
    WITH receipts AS (
        INSERT INTO delivery_pushreceipt (delivery_id, delivery_month, subscription_id, pushed_at)
        SELECT delivery_id, delivery_month, device_id, now()
        FROM json_to_recordset(%s::json) AS r(delivery_id bigint, delivery_month date, device_id bigint)
    )
    UPDATE alerts_delivery AS d SET {assignments}
    FROM json_to_recordset(%s::json) AS v(id bigint, month date, {columns})
    WHERE d.id = v.id AND d.month = v.month AND d.id = ANY(%s::bigint[]) AND d.month = ANY(%s::date[])"""
).format(
    assignments=sql.SQL(", ").join(sql.SQL("{0} = v.{0}").format(sql.Identifier(name)) for name in SETTLED_FIELDS),
    columns=sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
        for name, kind in zip(
            SETTLED_FIELDS,
            ("text", "text", "text", "text", "text", "smallint", "text", "timestamptz", "timestamptz"),
            strict=True,
        )
    ),
)


def _deliveries_send_group(group: list[Delivery], *, context: SendContext) -> list[int]:
    """Claim a group under its row locks, send, settle and commit it together; the ids to retry.
    A worker killed before the commit releases the locks: the group stays pending, and only pushes
    the push service accepted in the last moments before the kill can arrive twice."""
    by_id = {delivery.id: delivery for delivery in group}
    with transaction.atomic(), connection.cursor() as cursor:
        months = sorted({d.month for d in group})
        cursor.execute(_CLAIM_SQL, [int_array(by_id), date_array(months), PENDING, timezone.now()])
        claimed = []
        for delivery_id, *values in cursor.fetchall():
            delivery = by_id[delivery_id]  # others: sent, taken by another worker, gone, or not due yet
            for name, value in zip(SETTLED_FIELDS, values, strict=True):
                setattr(delivery, name, value)
            claimed.append(delivery)
        if not claimed:
            return []
        push_channel.start(deliveries=[d for d in claimed if d.push_status == PENDING], context=context)
        receipts = []
        for delivery in claimed:
            context.push_reached = []
            errors, transient, wait = _channels_send(delivery, context)
            _delivery_settle(delivery, errors=errors, transient=transient, wait=wait)
            receipts.extend(
                {"delivery_id": delivery.id, "delivery_month": delivery.month, "device_id": device_id}
                for device_id in context.push_reached
            )
        settled = [
            {"id": d.id, "month": d.month, **{name: getattr(d, name) for name in SETTLED_FIELDS}} for d in claimed
        ]
        cursor.execute(
            _SETTLE_SQL,
            [json_rows(receipts), json_rows(settled), int_array(d.id for d in claimed), date_array(months)],
        )
    return [delivery.id for delivery in claimed if delivery.status == PENDING]


_SENDERS = {"email": email_channel.send, "sms": sms_channel.send, "push": push_channel.send}


def _channels_send(delivery: Delivery, context: SendContext) -> tuple[list[str], bool, float]:
    """Send each channel still pending: the errors, whether one may work later, and how long a
    service asked to be left alone before that (`Retry-After`, seconds)."""
    errors, transient, wait = [], False, 0.0
    channels = list(_SENDERS)
    for channel in channels:  # grows by "sms" when push found no device for an urgent alert
        status_field = f"{channel}_status"
        if getattr(delivery, status_field) != PENDING:
            continue
        try:
            _SENDERS[channel](delivery=delivery, context=context)
        except push_channel.PushNoDevice:
            delivery.push_status = SKIPPED
            if _sms_fallback_applies(delivery):
                delivery.sms_status = PENDING
                channels.append("sms")
            continue
        except Exception as error:  # noqa: BLE001 - every failure is recorded on the delivery
            errors.append(f"{channel}: {type(error).__name__}: {error}")
            if _is_permanent(error):
                setattr(delivery, status_field, FAILED)
            else:
                transient = True
                wait = max(wait, getattr(error, "retry_after", None) or 0.0)
                if channel == "email":
                    context.reset_email()
            continue
        setattr(delivery, status_field, SENT)
    return errors, transient, wait


def _sms_fallback_applies(delivery: Delivery) -> bool:
    """An urgent message whose push reached no device goes by SMS, to a recipient who gave a number,
    as when it was routed to someone without a device (`_AUDIENCE`): an urgent alert, or an urgent
    town hall message sent by SMS too. Decided under the delivery's row lock, so it is sent once like
    any channel."""
    if delivery.sms_status != SKIPPED:
        return False
    if delivery.kind == Delivery.Kind.ALERT:
        urgent = delivery.alert.category.is_urgent
    else:
        urgent = (
            delivery.kind == Delivery.Kind.BROADCAST and delivery.broadcast.is_urgent and delivery.broadcast.by_sms
        )
    if not urgent:
        return False
    preference = getattr(delivery.recipient, "notification_pref", None)
    if preference is None or not preference.phone_number:
        return False
    return not SmsOptOut.objects.filter(phone_number=preference.phone_number).exists()


def _delivery_settle(delivery: Delivery, *, errors: list[str], transient: bool, wait: float = 0.0) -> None:
    """Decide the delivery's status after an attempt. A retry waits its backoff, or what a service
    asked (`wait`) if longer, up to the longest backoff."""
    now = timezone.now()
    delivery.attempts += 1
    if errors:
        delivery.last_error = "\n".join(errors)[:2000]
    if transient and delivery.attempts < settings.ALERTS_DELIVERY_MAX_ATTEMPTS:
        delay = max(retry_delay(delivery.attempts), min(wait, settings.ALERTS_DELIVERY_RETRY_MAX_S))
        delivery.send_after = now + timedelta(seconds=delay)
        delivery.reason = "retrying"
        return
    for status_field in CHANNEL_STATUS_FIELDS:
        if getattr(delivery, status_field) == PENDING:
            setattr(delivery, status_field, FAILED)
    channel_states = {getattr(delivery, status_field) for status_field in CHANNEL_STATUS_FIELDS}
    if FAILED in channel_states:
        delivery.status = FAILED
        delivery.reason = "gave_up_after_retries" if transient else "refused"
    elif channel_states == {SKIPPED}:
        delivery.status = SKIPPED  # push found no device and nothing else was due: the inbox has it
        delivery.reason = "inbox_only"
    else:
        delivery.status = SENT
        delivery.reason = ""
    delivery.sent_at = now
