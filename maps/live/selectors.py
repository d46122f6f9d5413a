"""Reads behind the live, neighbourhood and commune maps. Every function takes the territory the
caller may see (police service ids, a residence, a commune) and never looks further."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.gis.db.models import Extent, Union
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from accounts.models import Residence, Role, User
from alerts.models import Alert, AlertEvent
from alerts.selectors import with_generalised_location
from zones.models import Commune, Zone


def police_sectors(service_ids: list[int]) -> QuerySet[Zone]:
    return (
        Zone.objects.current()
        .filter(kind=Zone.Kind.POLICE_SECTOR, police_service_id__in=service_ids)
        .select_related("commune", "police_service")
    )


def police_commune_ids(service_ids: list[int]) -> QuerySet:
    """Communes a police service watches: those of its sectors and those it is attached to."""
    sector_communes = Zone.objects.current().filter(kind=Zone.Kind.POLICE_SECTOR, police_service_id__in=service_ids)
    return Commune.objects.filter(
        Q(id__in=sector_communes.values("commune_id")) | Q(police_services__id__in=service_ids)
    ).values("id")


def police_alerts(service_ids: list[int]) -> QuerySet[Alert]:
    """Published alerts of the police services' communes, exact location included."""
    return Alert.objects.filter(
        status=Alert.Status.PUBLISHED, commune_id__in=police_commune_ids(service_ids)
    ).select_related("category", "commune", "assigned_to")


def police_live_alerts(service_ids: list[int], *, hours: int | None = None) -> QuerySet[Alert]:
    since = timezone.now() - timedelta(hours=hours or settings.MAPS_LIVE_HOURS)
    return police_alerts(service_ids).filter(published_at__gte=since).order_by("-published_at")


def alert_event_last_id(service_ids: list[int]) -> int:
    """The newest event of the services' streams: where a freshly opened live map starts."""
    return AlertEvent.objects.filter(police_service_id__in=service_ids).aggregate(last=Max("id"))["last"] or 0


def alert_events_after(service_ids: list[int], after_id: int, *, limit: int = 500) -> QuerySet[AlertEvent]:
    """The services' events after `after_id`, oldest first: what a reconnecting live map missed."""
    return (
        AlertEvent.objects.filter(police_service_id__in=service_ids, id__gt=after_id)
        .select_related("alert__category", "alert__commune", "alert__assigned_to")
        .order_by("id")[:limit]
    )


def alert_events_by_ids(event_ids: list[int]) -> QuerySet[AlertEvent]:
    return (
        AlertEvent.objects.filter(id__in=event_ids)
        .select_related("alert__category", "alert__commune", "alert__assigned_to")
        .order_by("id")
    )


def resident_neighbourhoods(residence: Residence) -> QuerySet[Zone]:
    """Every neighbourhood the home is a resident of: both of them for a home on a shared border,
    as routing and the town hall's messages count it."""
    return residence.neighbourhoods.current().order_by("name")


def zones_extent(zones: QuerySet[Zone]) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the zones, computed in the database: the page fits its map to
    them without loading their boundaries."""
    return zones.aggregate(extent=Extent("boundary"))["extent"]


def resident_alerts(residence: Residence, *, days: int | None = None) -> QuerySet[Alert]:
    """Published alerts of the last days in the resident's neighbourhoods (the commune when the home
    lies in no neighbourhood), and the resident's own alerts, with generalised locations only."""
    since = timezone.now() - timedelta(days=days or settings.MAPS_RESIDENT_DAYS)
    area = resident_neighbourhoods(residence).aggregate(area=Union("boundary"))["area"] or residence.commune.boundary
    alerts = Alert.objects.filter(status=Alert.Status.PUBLISHED, published_at__gte=since).filter(
        Q(commune_id=residence.commune_id, location__coveredby=area) | Q(author_id=residence.user_id)
    )
    return with_generalised_location(alerts.select_related("category", "commune")).order_by("-published_at")


def commune_alerts(
    commune: Commune,
    *,
    since: date | datetime,
    until: date | datetime,
    category=None,
    family: str = "",
    zone: Zone | None = None,
    follow_up: str = "",
) -> QuerySet[Alert]:
    """Published alerts of a commune in a period, filtered as the mayor asks, generalised."""
    alerts = Alert.objects.filter(
        commune=commune, status=Alert.Status.PUBLISHED, published_at__date__gte=since, published_at__date__lte=until
    )
    if category is not None:
        alerts = alerts.filter(category=category)
    if family:
        alerts = alerts.filter(category__family=family)
    if zone is not None:
        alerts = alerts.filter(location__coveredby=zone.boundary)
    if follow_up:
        alerts = alerts.filter(follow_up=follow_up)
    return with_generalised_location(alerts.select_related("category", "commune")).order_by("-published_at")


def service_agents(service_ids: list[int]) -> QuerySet[User]:
    """The active police agents of these services: the people an alert may be given to."""
    return (
        User.objects.filter(is_active=True, roles__kind=Role.Kind.POLICE_AGENT, roles__police_service__in=service_ids)
        .distinct()
        .order_by("display_name", "email")
    )
