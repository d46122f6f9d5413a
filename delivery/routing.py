"""Routing a published alert: which zones, which police services, which people.

The zones come from the geography selectors (`ST_Covers` on the subdivided boundaries, so a point
on a shared border is in both neighbourhoods; `ST_DWithin` in metres for the radius). The people
are selected and written by the database in one statement per message (see delivery.sending)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from alerts.models import Alert, AlertEvent, Family
from delivery.events import alert_event_record
from delivery.models import AlertRouting, Delivery, RoutedZone
from delivery.sending import deliveries_dispatch_on_commit, deliveries_insert
from zones.models import Zone
from zones.selectors import zone_ids_covering, zone_ids_within

logger = logging.getLogger(__name__)

# Verified residents of the routed neighbourhoods who did not mute the category, minus the author;
# and the police agents of the services owning a routed sector.
ALERT_RECIPIENTS_SQL = """
        SELECT res.user_id, false AS is_police
        FROM accounts_residence res
        WHERE res.status = 'verified'
          AND res.neighbourhood_id = ANY(%(neighbourhood_ids)s::bigint[])
          AND res.user_id IS DISTINCT FROM %(author_id)s
          AND NOT EXISTS (
              SELECT 1 FROM alerts_notificationpreference p
              JOIN alerts_notificationpreference_muted_categories m ON m.notificationpreference_id = p.id
              WHERE p.user_id = res.user_id AND m.alertcategory_id = %(category_id)s)
        UNION ALL
        SELECT role.user_id, true AS is_police
        FROM accounts_role role
        WHERE role.kind = 'police_agent' AND role.police_service_id = ANY(%(police_service_ids)s::bigint[])
"""

# Verified residents whose home is within the near-repeat distance (metres on the spheroid; the
# `&&` on a box in degrees keeps the GiST index of the homes in use), who want prevention notices
# and had none in the window.
NEAR_REPEAT_RECIPIENTS_SQL = """
        SELECT res.user_id, false AS is_police
        FROM accounts_residence res
        LEFT JOIN alerts_notificationpreference p ON p.user_id = res.user_id
        WHERE res.status = 'verified'
          AND res.user_id IS DISTINCT FROM %(author_id)s
          AND coalesce(p.prevention_notices, true)
          AND res.home && ST_Expand(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326),
                                    %(distance)s / 100000.0 / greatest(cos(radians(%(lat)s)), 0.01),
                                    %(distance)s / 100000.0)
          AND ST_DWithin(res.home::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography,
                         %(distance)s)
          AND NOT EXISTS (
              SELECT 1 FROM alerts_delivery d
              WHERE d.kind = 'near_repeat' AND d.recipient_id = res.user_id
                AND d.created_at > now() - make_interval(days => %(days)s))
"""

# Two burglaries published at the same moment must not both see "no notice in the window" for the
# same resident: near-repeat inserts are serialised by this transaction-level advisory lock.
NEAR_REPEAT_LOCK = 0x76_6E_72  # "vnr"


def routing_radius_m(alert: Alert) -> int:
    return alert.commune.routing_radius_m or settings.ALERTS_ROUTING_RADIUS_M


def routed_zones_record(*, alert: Alert, radius_m: int) -> list[RoutedZone]:
    """Neighbourhoods and police sectors covering the point or within the radius, with why."""
    rows = []
    for kind in (Zone.Kind.NEIGHBOURHOOD, Zone.Kind.POLICE_SECTOR):
        covering = set(zone_ids_covering(alert.location, kind=kind))
        nearby = set(zone_ids_within(alert.location, kind=kind, radius_m=radius_m)) - covering
        rows += [RoutedZone(alert=alert, zone_id=zone_id, reason=RoutedZone.Reason.COVERS) for zone_id in covering]
        rows += [RoutedZone(alert=alert, zone_id=zone_id, reason=RoutedZone.Reason.NEARBY) for zone_id in nearby]
    return RoutedZone.objects.bulk_create(sorted(rows, key=lambda row: row.zone_id), ignore_conflicts=True)


def _routing_claim(*, alert: Alert, radius_m: int) -> bool:
    """Insert the routing marker; False if the alert was already routed (by us or concurrently)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO alerts_alertrouting (alert_id, routed_at, radius_m, recipients) VALUES (%s, now(), %s, 0)
            ON CONFLICT DO NOTHING RETURNING alert_id
            """,
            [alert.id, radius_m],
        )
        return cursor.fetchone() is not None


def alerts_unrouted_route(*, within_days: int = 2) -> list[int]:
    """Route the alerts published in the last days but never routed (the web process died between
    moderation's commit and routing); returns their ids."""
    unrouted = list(
        Alert.objects.filter(
            status=Alert.Status.PUBLISHED, published_at__gte=timezone.now() - timedelta(days=within_days)
        )
        .exclude(id__in=AlertRouting.objects.values("alert_id"))
        .values_list("id", flat=True)
    )
    for alert_id in unrouted:
        logger.warning("alert %s was published but never routed; routing it now", alert_id)
        alert_route(alert_id=alert_id)
    return unrouted


@transaction.atomic
def alert_route(*, alert_id: int) -> AlertRouting | None:
    """Route a published alert once: zones, police events, deliveries, near-repeat notices; the
    sending is queued after commit. Returns None if the alert is not published or already routed."""
    alert = (
        Alert.objects.select_related("commune", "category")
        .filter(id=alert_id, status=Alert.Status.PUBLISHED)
        .select_for_update(of=("self",))
        .first()
    )
    if alert is None:
        return None
    radius_m = routing_radius_m(alert)
    if not _routing_claim(alert=alert, radius_m=radius_m):
        return None
    zones = routed_zones_record(alert=alert, radius_m=radius_m)
    routed = Zone.objects.filter(id__in=[z.zone_id for z in zones]).values_list("id", "kind", "police_service_id")
    neighbourhood_ids = sorted(zone_id for zone_id, kind, _ in routed if kind == Zone.Kind.NEIGHBOURHOOD)
    police_service_ids = sorted({service_id for _, kind, service_id in routed if kind == Zone.Kind.POLICE_SECTOR})
    alert_event_record(alert=alert, kind=AlertEvent.Kind.PUBLISHED, police_service_ids=police_service_ids)
    recipients = alert_deliveries_create(
        alert=alert, neighbourhood_ids=neighbourhood_ids, police_service_ids=police_service_ids
    )
    if alert.category.family == Family.BURGLARY:
        recipients += near_repeat_notices_create(alert=alert)
    AlertRouting.objects.filter(alert_id=alert.id).update(recipients=recipients)
    return AlertRouting.objects.get(alert_id=alert.id)


def alert_deliveries_create(*, alert: Alert, neighbourhood_ids: list[int], police_service_ids: list[int]) -> int:
    created = deliveries_insert(
        kind=Delivery.Kind.ALERT,
        recipients_sql=ALERT_RECIPIENTS_SQL,
        params={
            "neighbourhood_ids": neighbourhood_ids,
            "police_service_ids": police_service_ids,
            "author_id": alert.author_id,
            "category_id": alert.category_id,
        },
        alert_id=alert.id,
        urgent=alert.category.is_urgent,
        time_zone=alert.commune.time_zone,
    )
    deliveries_dispatch_on_commit(kind=Delivery.Kind.ALERT, message_id=alert.id)
    return created


def near_repeat_notices_create(*, alert: Alert) -> int:
    """One prevention notice per nearby resident, at most one per resident per window."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NEAR_REPEAT_LOCK])
    created = deliveries_insert(
        kind=Delivery.Kind.NEAR_REPEAT,
        recipients_sql=NEAR_REPEAT_RECIPIENTS_SQL,
        params={
            "author_id": alert.author_id,
            "lon": alert.location.x,
            "lat": alert.location.y,
            "distance": float(settings.ALERTS_NEAR_REPEAT_DISTANCE_M),
            "days": settings.ALERTS_NEAR_REPEAT_DAYS,
        },
        alert_id=alert.id,
        time_zone=alert.commune.time_zone,
    )
    deliveries_dispatch_on_commit(kind=Delivery.Kind.NEAR_REPEAT, message_id=alert.id)
    return created


@transaction.atomic
def alert_follow_up_record(*, alert_id: int) -> list[AlertEvent]:
    """A status_changed event for every police service the alert was routed to."""
    alert = Alert.objects.filter(id=alert_id).first()
    if alert is None:
        return []
    service_ids = list(
        AlertEvent.objects.filter(alert=alert, kind=AlertEvent.Kind.PUBLISHED)
        .values_list("police_service_id", flat=True)
        .distinct()
    )
    return alert_event_record(alert=alert, kind=AlertEvent.Kind.STATUS_CHANGED, police_service_ids=service_ids)
