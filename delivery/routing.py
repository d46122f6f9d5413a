"""Routing a published alert: which zones, which police services, which people.

The zones come from the geography selectors (`ST_Covers` on the subdivided boundaries, so a point
on a shared border is in both neighbourhoods; `ST_DWithin` in metres for the radius). The people
are selected and written by the database in one statement per message (see delivery.sending)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from accounts.selectors import police_agents_sql, verified_residents_sql
from alerts.models import Alert, AlertEvent, Family
from delivery.events import alert_event_record
from delivery.following import followers_sql
from delivery.models import AlertRouting, Delivery, RoutedZone
from delivery.sending import deliveries_dispatch_on_commit, deliveries_insert
from geo.generalisation import GridCellCentre
from zones.locking import boundaries_lock_for_routing
from zones.models import Zone
from zones.selectors import NearbyZone, zones_near

logger = logging.getLogger(__name__)

# The people come from accounts' selections; delivery adds what it owns: followers of a place
# covering the alert, muted categories, the wish for prevention notices, and the notices already
# sent. A follower who is also a resident of a routed neighbourhood appears twice here and once in
# the insert: the audience groups by person (delivery.sending), so `delivery_once_per_alert` holds.
_ALERT_RECIPIENTS = sql.SQL(
    """
        SELECT r.user_id, false AS is_police FROM ({residents} UNION ALL {followers}) AS r
        WHERE NOT EXISTS (
            SELECT 1 FROM alerts_notificationpreference p
            JOIN alerts_notificationpreference_muted_categories m ON m.notificationpreference_id = p.id
            WHERE p.user_id = r.user_id AND m.alertcategory_id = %(category_id)s)
        UNION ALL
        SELECT a.user_id, true AS is_police FROM ({police_agents}) AS a
"""
)
_NEAR_REPEAT_RECIPIENTS = sql.SQL(
    """
        SELECT r.user_id, false AS is_police FROM ({residents}) AS r
        LEFT JOIN alerts_notificationpreference p ON p.user_id = r.user_id
        WHERE coalesce(p.prevention_notices, true)
          AND NOT EXISTS (
              SELECT 1 FROM alerts_delivery d
              WHERE d.kind = %(near_repeat)s AND d.recipient_id = r.user_id
                AND d.created_at > now() - make_interval(days => %(days)s))
"""
)

# Two burglaries published at the same moment must not both see "no notice in the window" for the
# same resident: near-repeat inserts are serialised by this transaction-level advisory lock.
NEAR_REPEAT_LOCK = 0x76_6E_72  # "vnr"


def routing_radius_m(alert: Alert) -> int:
    return alert.commune.routing_radius_m or settings.ALERTS_ROUTING_RADIUS_M


def routed_zones_record(*, alert: Alert, radius_m: int) -> list[NearbyZone]:
    """Neighbourhoods and police sectors covering the point or within the radius, with why, asked
    of the geography in one query; returns them with their police services."""
    zones = zones_near(alert.location, radius_m=radius_m, kinds=[Zone.Kind.NEIGHBOURHOOD, Zone.Kind.POLICE_SECTOR])
    RoutedZone.objects.bulk_create(
        [
            RoutedZone(
                alert=alert,
                zone_id=zone.zone_id,
                zone_name=zone.name,
                reason=RoutedZone.Reason.COVERS if zone.covers else RoutedZone.Reason.NEARBY,
            )
            for zone in zones
        ],
        ignore_conflicts=True,
    )
    return zones


def _routing_claim(*, alert: Alert, radius_m: int):
    """Insert the routing marker and return its time; None if the alert was already routed (by us
    or concurrently)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO alerts_alertrouting (alert_id, routed_at, radius_m, recipients) VALUES (%s, now(), %s, 0)
            ON CONFLICT DO NOTHING RETURNING routed_at
            """,
            [alert.id, radius_m],
        )
        row = cursor.fetchone()
        return None if row is None else row[0]


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


def alert_route(*, alert_id: int) -> AlertRouting | None:
    """Route a published alert once, in two transactions. The first records the police services'
    events and commits them, which wakes the live maps: an agent hears of the alert without
    waiting for the residents' deliveries, the longest part of routing. The second records the
    zones, the deliveries and the near-repeat notices; the sending is queued after it commits.
    Returns None if the alert is not published or already routed. Should the process die between
    the two, `alerts_unrouted_route` routes the alert later and its events are not repeated."""
    alert_police_events_record(alert_id=alert_id)
    return _alert_route(alert_id=alert_id)


def _published_alert_locked(alert_id: int) -> Alert | None:
    """The published alert, its row locked, read as of one set of boundaries (shared lock)."""
    boundaries_lock_for_routing()  # the zones and the homes in them read as of one set of boundaries
    return (
        Alert.objects.select_related("commune", "category")
        .annotate(public_location=public_location_of_alert())
        .filter(id=alert_id, status=Alert.Status.PUBLISHED)
        .select_for_update(of=("self",))
        .first()
    )


@transaction.atomic
def alert_police_events_record(*, alert_id: int) -> list[AlertEvent]:
    """The "published" event of every police service owning a police sector at the alert or within
    its radius, in a transaction of its own: committed, it notifies the live maps. Nothing when the
    alert is not published, already routed, or its events are recorded (the row lock orders two
    calls for the same alert)."""
    alert = _published_alert_locked(alert_id)
    if alert is None or AlertRouting.objects.filter(alert_id=alert_id).exists():
        return []
    if AlertEvent.objects.filter(alert_id=alert_id, kind=AlertEvent.Kind.PUBLISHED).exists():
        return []
    sectors = zones_near(alert.location, radius_m=routing_radius_m(alert), kinds=[Zone.Kind.POLICE_SECTOR])
    service_ids = sorted({zone.police_service_id for zone in sectors if zone.police_service_id is not None})
    return alert_event_record(alert=alert, kind=AlertEvent.Kind.PUBLISHED, police_service_ids=service_ids)


@transaction.atomic
def _alert_route(*, alert_id: int) -> AlertRouting | None:
    alert = _published_alert_locked(alert_id)
    if alert is None:
        return None
    radius_m = routing_radius_m(alert)
    routed_at = _routing_claim(alert=alert, radius_m=radius_m)
    if routed_at is None:
        return None
    zones = routed_zones_record(alert=alert, radius_m=radius_m)
    neighbourhood_ids = sorted(zone.zone_id for zone in zones if zone.kind == Zone.Kind.NEIGHBOURHOOD)
    police_service_ids = sorted({zone.police_service_id for zone in zones if zone.kind == Zone.Kind.POLICE_SECTOR})
    # A sector redrawn between the two transactions: a service that got no event yet gets it now.
    notified = AlertEvent.objects.filter(alert_id=alert.id, kind=AlertEvent.Kind.PUBLISHED)
    notified_ids = set(notified.values_list("police_service_id", flat=True))
    missing = [service_id for service_id in police_service_ids if service_id not in notified_ids]
    alert_event_record(alert=alert, kind=AlertEvent.Kind.PUBLISHED, police_service_ids=missing)
    recipients = alert_deliveries_create(
        alert=alert, neighbourhood_ids=neighbourhood_ids, police_service_ids=police_service_ids
    )
    if alert.category.family == Family.BURGLARY:
        recipients += near_repeat_notices_create(alert=alert)
    AlertRouting.objects.filter(alert_id=alert.id).update(recipients=recipients)
    return AlertRouting(alert=alert, routed_at=routed_at, radius_m=radius_m, recipients=recipients)


def public_location_of_alert() -> GridCellCentre:
    return GridCellCentre("location", "commune__metric_srid", settings.MAPS_RESIDENT_GRID_M)


def alert_public_location(alert: Alert) -> Point:
    """Where residents are told the alert is (the centre of its grid cell, as the maps show it):
    followers are routed by this point, never by the exact one, so a small circle tells them no
    more than residents know. Read with the alert by `alert_route`, else asked here."""
    if getattr(alert, "public_location", None) is not None:
        return alert.public_location
    return Alert.objects.filter(id=alert.id).values_list(public_location_of_alert(), flat=True).get()


def alert_deliveries_create(*, alert: Alert, neighbourhood_ids: list[int], police_service_ids: list[int]) -> int:
    """Verified residents of the routed neighbourhoods and followers of a place covering the alert's
    public location who did not mute the category, minus the author; and the police agents of the
    services owning a routed sector."""
    residents, resident_params = verified_residents_sql(
        neighbourhood_ids=neighbourhood_ids, excluding_user_id=alert.author_id
    )
    followers, follower_params = followers_sql(
        public_location=alert_public_location(alert), excluding_user_id=alert.author_id
    )
    police_agents, police_params = police_agents_sql(police_service_ids=police_service_ids)
    created = deliveries_insert(
        kind=Delivery.Kind.ALERT,
        recipients=_ALERT_RECIPIENTS.format(residents=residents, followers=followers, police_agents=police_agents),
        params={**resident_params, **follower_params, **police_params, "category_id": alert.category_id},
        alert_id=alert.id,
        urgent=alert.category.is_urgent,
        time_zone=alert.commune.time_zone,
        message_at=alert.created_at,
    )
    deliveries_dispatch_on_commit(kind=Delivery.Kind.ALERT, message_id=alert.id)
    return created


def near_repeat_notices_create(*, alert: Alert) -> int:
    """One prevention notice per verified resident whose home is within the near-repeat distance
    (metres on the spheroid), who wants them and had none in the window."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NEAR_REPEAT_LOCK])
    residents, params = verified_residents_sql(
        near=(alert.location, float(settings.ALERTS_NEAR_REPEAT_DISTANCE_M)), excluding_user_id=alert.author_id
    )
    created = deliveries_insert(
        kind=Delivery.Kind.NEAR_REPEAT,
        recipients=_NEAR_REPEAT_RECIPIENTS.format(residents=residents),
        params={**params, "near_repeat": Delivery.Kind.NEAR_REPEAT, "days": settings.ALERTS_NEAR_REPEAT_DAYS},
        alert_id=alert.id,
        time_zone=alert.commune.time_zone,
        message_at=alert.created_at,
    )
    deliveries_dispatch_on_commit(kind=Delivery.Kind.NEAR_REPEAT, message_id=alert.id)
    return created


@transaction.atomic
def alert_follow_up_record(*, alert_id: int) -> list[AlertEvent]:
    """A status_changed event for every police service the alert was routed to: those of the police
    sectors it was routed to, read from the routing's record rather than from the published events,
    which are dropped after ALERTS_EVENT_RETENTION_MONTHS while a follow-up may come later."""
    alert = Alert.objects.filter(id=alert_id).first()
    if alert is None:
        return []
    service_ids = list(
        RoutedZone.objects.filter(
            alert=alert, zone__kind=Zone.Kind.POLICE_SECTOR, zone__police_service_id__isnull=False
        )
        .values_list("zone__police_service_id", flat=True)
        .distinct()
    )
    return alert_event_record(alert=alert, kind=AlertEvent.Kind.STATUS_CHANGED, police_service_ids=service_ids)
