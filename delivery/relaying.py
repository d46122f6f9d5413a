"""A référent relays a town hall message to the residents of their neighbourhoods: those who had not
received it (moved in since, outside the message's neighbourhoods or area) get it then, by the same
deliveries as the message itself, once each; those who had it are not written to again."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from accounts.models import AccessLog, User
from accounts.referents import referent_terms_or_403
from accounts.selectors import referent_neighbourhood_ids, verified_residents_sql
from accounts.services import access_log_record
from delivery.models import Broadcast, BroadcastRelay, Delivery
from delivery.sending import broadcast_deliveries_insert, deliveries_dispatch_on_commit

_RELAY_RECIPIENTS = sql.SQL(
    """
        SELECT r.user_id, false AS is_police FROM ({residents}) AS r
        WHERE NOT EXISTS (
            SELECT 1 FROM alerts_delivery d
            WHERE d.kind = %(relay_kind)s AND d.broadcast_id = %(relay_broadcast_id)s AND d.recipient_id = r.user_id)
"""
)


def relayable_broadcasts(user: User) -> QuerySet[Broadcast]:
    """The town hall messages of the référent's commune they may relay: recent, not withdrawn; the
    relays they already made are annotated by the page."""
    terms = referent_terms_or_403(user)
    since = timezone.now() - timedelta(days=settings.DELIVERY_RELAY_MAX_DAYS)
    return (
        Broadcast.objects.filter(commune_id__in=terms.values("commune_id"), withdrawn_at__isnull=True)
        .filter(created_at__gte=since)
        .exclude(kind=Broadcast.Kind.REMINDER)
        .order_by("-created_at", "-id")
    )


@transaction.atomic
def broadcast_relay(*, broadcast_id: int, user: User) -> BroadcastRelay:
    """Relay the message to the référent's neighbourhoods, once per référent and once per resident.
    The message's row is locked, so two référents of one neighbourhood relaying at the same moment
    write each resident once."""
    broadcast = relayable_broadcasts(user).select_for_update(of=("self",)).filter(pk=broadcast_id).first()
    if broadcast is None:
        raise Broadcast.DoesNotExist
    if BroadcastRelay.objects.filter(broadcast=broadcast, relayed_by=user).exists():
        raise ValidationError(_("Vous avez déjà relayé ce message."))
    terms = referent_terms_or_403(user).filter(commune_id=broadcast.commune_id)
    residents, params = verified_residents_sql(
        commune_id=broadcast.commune_id, neighbourhood_ids=referent_neighbourhood_ids(terms), excluding_user_id=user.pk
    )
    created = broadcast_deliveries_insert(
        broadcast=broadcast,
        recipients=_RELAY_RECIPIENTS.format(residents=residents),
        params={**params, "relay_kind": Delivery.Kind.BROADCAST, "relay_broadcast_id": broadcast.id},
    )
    Broadcast.objects.filter(pk=broadcast.pk).update(recipients=F("recipients") + created)
    relay = BroadcastRelay.objects.create(
        broadcast=broadcast, referent=terms.order_by("id").first(), relayed_by=user, recipients=created
    )
    access_log_record(
        viewer=user, kind=AccessLog.Kind.REFERENT_RELAY, object_id=broadcast.pk, commune=broadcast.commune
    )
    deliveries_dispatch_on_commit(kind=Delivery.Kind.BROADCAST, message_id=broadcast.id)
    return relay
