"""Good-practice reminders: the town hall schedules a ready text for a moment, to the commune or some
of its neighbourhoods; Celery beat sends the due ones as broadcasts of the "reminder" kind, through the
same one-statement fan-out as any town hall message. A resident gets at most one reminder in
`DELIVERY_REMINDER_MIN_DAYS` days, whoever scheduled it: the fan-out's SQL leaves out anyone who had
one in the window, so the limit holds however many reminders fall due together."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from accounts.models import User
from accounts.selectors import staffed_communes, verified_residents_sql
from delivery.models import Broadcast, Delivery, Reminder
from delivery.reminders.library import ready_text
from delivery.sending import broadcast_deliveries_insert, deliveries_dispatch_on_commit
from zones.models import Commune, Zone

_REMINDER_RECIPIENTS = sql.SQL(
    """
        SELECT r.user_id, false AS is_police FROM ({residents}) AS r
        WHERE NOT EXISTS (
            SELECT 1 FROM alerts_delivery d JOIN alerts_broadcast b ON b.id = d.broadcast_id
            WHERE d.recipient_id = r.user_id AND d.kind = %(reminder_delivery_kind)s
              AND b.kind = %(reminder_kind)s AND d.created_at > now() - make_interval(days => %(reminder_days)s))
"""
)

# Two reminders due at the same minute must not both find "no reminder in the window" for the same
# resident: their inserts are serialised by this transaction-level advisory lock.
REMINDER_LOCK = 0x76_72_6D  # "vrm"


def reminder_schedule(
    *,
    author: User,
    commune: Commune,
    text_key: str,
    language: str,
    send_at: datetime,
    target: str,
    neighbourhoods: list[Zone] | None = None,
) -> Reminder:
    """Schedule a ready text of the library, in the language chosen, for a moment to come."""
    if not staffed_communes(author).filter(id=commune.id).exists():
        raise ValidationError(_("Seuls le maire et les agents de la commune programment ses rappels."))
    text = ready_text(text_key)
    if text is None:
        raise ValidationError({"text_key": [_("Choisissez un texte de la bibliothèque.")]})
    if send_at <= timezone.now():
        raise ValidationError({"send_at": [_("Choisissez un moment à venir.")]})
    neighbourhoods = neighbourhoods or []
    if target == Reminder.Target.NEIGHBOURHOODS and not neighbourhoods:
        raise ValidationError({"neighbourhoods": [_("Choisissez au moins un quartier.")]})
    if any(zone.commune_id != commune.id or zone.kind != Zone.Kind.NEIGHBOURHOOD for zone in neighbourhoods):
        raise ValidationError(_("Un des quartiers choisis n'appartient pas à la commune."))
    title, body = text.in_language(language)
    reminder = Reminder(
        commune=commune, author=author, text_key=text_key, title=title, body=body, target=target, send_at=send_at
    )
    reminder.full_clean()
    with transaction.atomic():
        reminder.save()
        if target == Reminder.Target.NEIGHBOURHOODS:
            reminder.neighbourhoods.set(neighbourhoods)
    return reminder


def reminders_of(user: User) -> QuerySet[Reminder]:
    return (
        Reminder.objects.filter(commune__in=staffed_communes(user))
        .select_related("commune", "broadcast")
        .prefetch_related("neighbourhoods")
        .order_by("-send_at", "-id")
    )


@transaction.atomic
def reminder_cancel(*, reminder_id: int, user: User) -> Reminder:
    reminder = reminders_of(user).select_for_update(of=("self",)).filter(pk=reminder_id).first()
    if reminder is None:
        raise Reminder.DoesNotExist
    if reminder.broadcast_id is not None or reminder.cancelled_at is not None:
        raise ValidationError(_("Ce rappel est déjà parti ou annulé."))
    reminder.cancelled_at = timezone.now()
    reminder.save(update_fields=["cancelled_at"])
    return reminder


def reminders_send_due() -> list[int]:
    """Send every scheduled reminder that is due; each in its own transaction. Returns their ids."""
    due = Reminder.objects.filter(broadcast__isnull=True, cancelled_at__isnull=True, send_at__lte=timezone.now())
    sent = []
    for reminder_id in due.order_by("send_at", "id").values_list("id", flat=True):
        if reminder_send(reminder_id=reminder_id) is not None:
            sent.append(reminder_id)
    return sent


@transaction.atomic
def reminder_send(*, reminder_id: int) -> Broadcast | None:
    """Send one due reminder as a broadcast, once (its row is locked and then points at the broadcast)."""
    reminder = (
        Reminder.objects.select_for_update(skip_locked=True)
        .filter(pk=reminder_id, broadcast__isnull=True, cancelled_at__isnull=True)
        .select_related("commune")
        .first()
    )
    if reminder is None:
        return None
    neighbourhood_ids = list(reminder.neighbourhoods.values_list("id", flat=True))
    broadcast = Broadcast.objects.create(
        commune=reminder.commune,
        author=reminder.author,
        kind=Broadcast.Kind.REMINDER,
        title=reminder.title,
        body=reminder.body,
        target=reminder.target,
        by_email=True,
        by_sms=False,
    )
    if reminder.target == Reminder.Target.NEIGHBOURHOODS:
        broadcast.neighbourhoods.set(neighbourhood_ids)
    whole_commune = reminder.target == Reminder.Target.COMMUNE
    broadcast.recipients = reminder_deliveries_create(
        broadcast=broadcast, neighbourhood_ids=None if whole_commune else neighbourhood_ids
    )
    broadcast.save(update_fields=["recipients"])
    reminder.broadcast = broadcast
    reminder.save(update_fields=["broadcast"])
    return broadcast


def reminder_deliveries_create(*, broadcast: Broadcast, neighbourhood_ids: list[int] | None) -> int:
    """The reminder's deliveries in one statement, leaving out residents reminded in the window."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REMINDER_LOCK])
    residents, params = verified_residents_sql(commune_id=broadcast.commune_id, neighbourhood_ids=neighbourhood_ids)
    created = broadcast_deliveries_insert(
        broadcast=broadcast,
        recipients=_REMINDER_RECIPIENTS.format(residents=residents),
        params={
            **params,
            "reminder_delivery_kind": Delivery.Kind.BROADCAST,
            "reminder_kind": Broadcast.Kind.REMINDER,
            "reminder_days": settings.DELIVERY_REMINDER_MIN_DAYS,
        },
    )
    deliveries_dispatch_on_commit(kind=Delivery.Kind.BROADCAST, message_id=broadcast.id)
    return created
