"""The in-app inbox: every delivery of a person, newest first, and what they chose to receive."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from alerts.models import Alert, AlertCategory
from delivery.models import Delivery, NotificationPreference
from zones.models import Commune


def _columns_besides(relation: str, model, shown: set[str]) -> list[str]:
    return [f"{relation}__{field.name}" for field in model._meta.concrete_fields if field.name not in shown]


# A page of the inbox reads only what its messages show. Turning geometries into GEOS objects was some
# 15% of reading a page (the alert's point, the communes' boundaries and town halls, a broadcast's area),
# and the other columns of the commune, the alert's moderation and the delivery's sending bookkeeping
# another 20% of the query's Python. A message that came to need one of them would read it with a
# query per message: tests/delivery/test_query_counts.py counts them.
INBOX_UNSHOWN_COLUMNS = (
    *Delivery.SENDING_FIELDS,
    *_columns_besides("alert", Alert, {"id", "category", "commune", "occurred_at", "description"}),
    *_columns_besides("alert__commune", Commune, {"id", "code", "name"}),
    "broadcast__area",
    *_columns_besides("broadcast__commune", Commune, {"id", "code", "name"}),
)


def inbox_of(user: User) -> QuerySet[Delivery]:
    if not user.is_authenticated:
        return Delivery.objects.none()
    return (
        Delivery.objects.filter(recipient=user)
        .select_related("alert__category", "alert__commune", "broadcast__commune")
        .defer(*INBOX_UNSHOWN_COLUMNS)
        .order_by("-id")
    )


def inbox_unread_count(user: User) -> int:
    return inbox_of(user).filter(read_at__isnull=True).count()


# Written once as SQL: through the ORM, building this aggregate cost more than running it, on every
# page of the inbox.
INBOX_COUNTS_SQL = f"""
    SELECT count(*), count(*) FILTER (WHERE read_at IS NULL)
      FROM {Delivery._meta.db_table}
     WHERE recipient_id = %s"""  # noqa: S608


def inbox_counts(user: User) -> tuple[int, int]:
    """How many messages the person has, and how many of them are unread: one query for both."""
    if not user.is_authenticated:
        return 0, 0
    with connection.cursor() as cursor:
        cursor.execute(INBOX_COUNTS_SQL, [user.pk])
        total, unread = cursor.fetchone()
    return total, unread


def inbox_mark_read(*, user: User, delivery_id: int) -> Delivery:
    """Mark one of the person's messages read; Delivery.DoesNotExist for anybody else's."""
    delivery = inbox_of(user).get(id=delivery_id)
    if delivery.read_at is None:
        delivery.read_at = timezone.now()
        # With its month, the update reads one partition, not every month kept.
        Delivery.objects.filter(id=delivery.id, month=delivery.month, read_at__isnull=True).update(
            read_at=delivery.read_at
        )
    return delivery


def inbox_mark_read_about(*, user: User, kind: str, notice_ids: list[int]) -> int:
    """Opening the page a message leads to (a solidarity request, a conversation) reads the person's
    inbox items about it, however they got there."""
    if not user.is_authenticated:
        return 0
    return Delivery.objects.filter(recipient=user, kind=kind, notice_id__in=notice_ids, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def inbox_mark_all_read(*, user: User) -> int:
    return Delivery.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def preference_of(user: User) -> NotificationPreference:
    """The person's preferences, or the defaults (unsaved) if they never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


@transaction.atomic
def preference_update(
    *,
    user: User,
    by_email: bool,
    by_sms: bool,
    phone_number: str,
    quiet_start,
    quiet_end,
    prevention_notices: bool,
    muted_categories: list[AlertCategory],
    by_push: bool | None = None,
) -> NotificationPreference:
    """Save the person's channels and quiet hours; `by_push` left out (an API client written before
    Web Push) keeps the stored choice rather than turning push off."""
    if by_sms and not phone_number:
        raise ValidationError({"phone_number": _("Indiquez un numéro de mobile pour recevoir des SMS.")})
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError({"quiet_end": _("Indiquez le début et la fin des heures calmes, ou aucun des deux.")})
    preference = preference_of(user)
    preference.by_email = by_email
    preference.by_sms = by_sms
    if by_push is not None:
        preference.by_push = by_push
    if preference.phone_number != phone_number:
        # A new number has to be proven again before it may send alerts by SMS.
        preference.phone_verified_at, preference.phone_verified_how = None, ""
    preference.phone_number = phone_number
    preference.quiet_start = quiet_start
    preference.quiet_end = quiet_end
    preference.prevention_notices = prevention_notices
    preference.full_clean()
    preference.save()
    preference.muted_categories.set(muted_categories)
    return preference
