"""Who sees which alerts, the moderation queue with its aids, and moderation statistics."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from psycopg import sql

from accounts.models import Residence, User
from accounts.selectors import moderated_communes, police_services_of, staffed_communes, verified_residence
from alerts.models import Alert, AlertAppeal, AlertCategory, AlertConfirmation, AlertPhoto
from alerts.models.moderation import AlertTransition
from geo.distance import expand, within_metres
from geo.generalisation import GridCellCentre
from zones.models import Commune, Zone


def alerts_visible_to(user: User) -> QuerySet[Alert]:
    """Alerts a person may read: their own (any status); published alerts of their commune as a
    resident, of their services' communes as a police agent, of their commune as municipal staff or
    mayor; every alert of the communes they moderate."""
    if not user.is_authenticated:
        return Alert.objects.none()
    published_in = Q(commune__in=staffed_communes(user).values("id")) | Q(
        commune__police_services__in=police_services_of(user).values("id")
    )
    residence = verified_residence(user)
    if residence is not None:
        published_in |= Q(commune_id=residence.commune_id)
    visible = (
        Q(author=user)
        | Q(commune__in=moderated_communes(user).values("id"))
        | (Q(status=Alert.Status.PUBLISHED) & published_in)
    )
    return Alert.objects.filter(pk__in=Alert.objects.filter(visible).values("pk")).select_related(
        "category", "commune"
    )


def with_generalised_location(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Annotate `generalised_location` (the centre of the alert's `MAPS_RESIDENT_GRID_M` grid cell)
    and drop the exact one from the SELECT, so the exact point is not even loaded into memory for
    what residents, town halls and anonymous readers are shown. Shared by the maps and the open
    standards, so the residents' map and every public interface generalise alike."""
    return alerts.annotate(
        generalised_location=GridCellCentre("location", "commune__metric_srid", settings.MAPS_RESIDENT_GRID_M)
    ).defer("location")


def communes_seeing_exact_locations(user: User) -> set[int]:
    """Communes whose alerts this person sees at their exact place: moderators, police agents and
    municipal staff of the territory. Residents never do, not even for their own alerts here."""
    ids = set(moderated_communes(user).values_list("id", flat=True))
    ids |= set(staffed_communes(user).values_list("id", flat=True))
    ids |= set(Commune.objects.filter(police_services__in=police_services_of(user)).values_list("id", flat=True))
    return ids


def alerts_following_allowed(user: User) -> QuerySet[Alert]:
    """Published alerts whose follow-up this person may set: police agents of a service covering the
    commune, municipal staff and mayors of the commune."""
    return Alert.objects.filter(
        Q(commune__in=staffed_communes(user).values("id"))
        | Q(commune__police_services__in=police_services_of(user).values("id"))
    ).distinct()


def with_confirmation_count(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Annotate `confirmation_count`: how many residents said "je l'ai vu aussi" (staff only)."""
    counts = AlertConfirmation.objects.filter(alert=OuterRef("pk")).values("alert").annotate(n=Count("id"))
    return alerts.annotate(confirmation_count=Coalesce(Subquery(counts.values("n")), 0))


def alert_notes(alert: Alert) -> QuerySet[AlertTransition]:
    """The internal notes on an alert, oldest first."""
    return (
        alert.transitions.filter(field=AlertTransition.Field.NOTE).select_related("actor").order_by("created_at", "id")
    )


def moderation_queue(user: User, *, commune_code: str | None = None) -> QuerySet[Alert]:
    """Pending alerts of the communes this person moderates, oldest first."""
    queue = Alert.objects.filter(status=Alert.Status.PENDING, commune__in=moderated_communes(user).values("id"))
    if commune_code:
        queue = queue.filter(commune__code=commune_code)
    return queue.select_related("category", "commune").order_by("created_at", "id")


def alerts_moderated_by(user: User) -> QuerySet[Alert]:
    return Alert.objects.filter(commune__in=moderated_communes(user).values("id")).select_related(
        "category", "commune"
    )


@dataclass(frozen=True)
class DuplicateSuggestion:
    alert_id: int
    duplicate_id: int
    status: str
    category_label: str
    occurred_at: object
    distance_m: float
    description: str

    @property
    def status_label(self) -> str:
        return Alert.Status(self.status).label


# Candidates share the commune and the family, are pending or published, within the time window
# and the distance (metres on the spheroid, the box of geo.distance keeping the GiST index in use).
_DUPLICATES_SQL = sql.SQL(
    """
SELECT a.id, b.id, b.status, cb.label, b.occurred_at,
       ST_Distance(a.location::geography, b.location::geography) AS distance_m, b.description
FROM alerts_alert a
JOIN alerts_alertcategory ca ON ca.id = a.category_id
JOIN alerts_alert b
  ON b.commune_id = a.commune_id AND b.id <> a.id AND b.status = ANY(%(statuses)s)
 AND b.occurred_at BETWEEN a.occurred_at - make_interval(hours => %(hours)s)
                       AND a.occurred_at + make_interval(hours => %(hours)s)
 AND b.location && {box}
 AND ST_DWithin(a.location::geography, b.location::geography, %(metres)s)
JOIN alerts_alertcategory cb ON cb.id = b.category_id AND cb.family = ca.family
WHERE a.id = ANY(%(ids)s)
ORDER BY a.id, distance_m, b.id
"""
).format(box=expand(sql.SQL("a.location"), sql.Placeholder("metres")))


def duplicate_suggestions(alert_ids: list[int]) -> dict[int, list[DuplicateSuggestion]]:
    """Possible duplicates of each alert, in one query: pending or published alerts of the same
    commune and family, within ALERTS_DUPLICATE_DISTANCE_M (on the spheroid) and
    ALERTS_DUPLICATE_WINDOW_HOURS of each other. Suggestions only: the moderator decides."""
    found: dict[int, list[DuplicateSuggestion]] = {alert_id: [] for alert_id in alert_ids}
    if not alert_ids:
        return found
    params = {
        "ids": list(alert_ids),
        "hours": settings.ALERTS_DUPLICATE_WINDOW_HOURS,
        "metres": settings.ALERTS_DUPLICATE_DISTANCE_M,
        "statuses": [Alert.Status.PENDING, Alert.Status.PUBLISHED],
    }
    with connection.cursor() as cursor:
        cursor.execute(_DUPLICATES_SQL, params)
        for row in cursor.fetchall():
            alert_id, duplicate_id, status, category_label, *rest = row
            found[alert_id].append(DuplicateSuggestion(alert_id, duplicate_id, status, gettext(category_label), *rest))
    return found


@dataclass(frozen=True)
class DecisionDelays:
    decided: int
    median_s: float | None
    p90_s: float | None


def moderation_delays(*, commune: Commune) -> DecisionDelays:
    """How long alerts of a commune waited from posting to a moderator's decision."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at)),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at))
            FROM alerts_alert WHERE commune_id = %s AND decided_at IS NOT NULL
            """,
            [commune.pk],
        )
        count, median, p90 = cursor.fetchone()
    return DecisionDelays(decided=count, median_s=median, p90_s=p90)


def communes_with_moderation_stats(user: User) -> QuerySet[Commune]:
    return Commune.objects.filter(
        Q(id__in=moderated_communes(user).values("id")) | Q(id__in=staffed_communes(user).values("id"))
    )


@dataclass(frozen=True)
class NearbyAlert:
    """An alert a resident about to post may have seen too, as a resident may know it: its number,
    category, day and whether it is published, never its author, exact place or time, nor the text
    of an alert still waiting for moderation."""

    id: int
    category_label: str
    occurred_on: object
    status: str
    description: str
    confirmed_by_me: bool

    @property
    def status_label(self) -> str:
        return Alert.Status(self.status).label


# The condition is made of named placeholders only; alerts_near_a_new_post fills them for its point.
_NEARBY_SQL = sql.SQL(
    """
SELECT a.id, c.label, a.occurred_at, a.status,
       CASE WHEN a.status = 'published' THEN a.description ELSE '' END,
       EXISTS (SELECT 1 FROM alerts_alertconfirmation k WHERE k.alert_id = a.id AND k.resident_id = %(me)s)
FROM alerts_alert a JOIN alerts_alertcategory c ON c.id = a.category_id
WHERE a.commune_id = %(commune)s AND a.status = ANY(%(statuses)s)
  AND a.author_id IS DISTINCT FROM %(me)s
  AND a.occurred_at BETWEEN %(occurred_at)s - make_interval(hours => %(hours)s)
                        AND %(occurred_at)s + make_interval(hours => %(hours)s)
  AND (%(family)s = '' OR c.family = %(family)s)
  AND {condition}
ORDER BY ST_Distance(a.location::geography, ST_SetSRID(ST_MakePoint(%(near_lon)s, %(near_lat)s), 4326)::geography),
         a.id
LIMIT 5"""
).format(condition=within_metres(sql.SQL("a.location"), 0.0, 0.0, 0.0)[0])


def alerts_near_a_new_post(*, resident: User, commune_id: int, point, occurred_at, category: str = "") -> list:
    """Pending or published alerts of the commune within ALERTS_DUPLICATE_DISTANCE_M and
    ALERTS_DUPLICATE_WINDOW_HOURS of what the resident is about to post (of the same family when a
    category is chosen), nearest first, not the resident's own: what they may confirm instead."""
    _condition, params = within_metres(sql.SQL("a.location"), point.x, point.y, settings.ALERTS_DUPLICATE_DISTANCE_M)
    family = AlertCategory.objects.filter(code=category).values_list("family", flat=True).first() or ""
    params |= {
        "me": resident.pk,
        "commune": commune_id,
        "statuses": [Alert.Status.PENDING, Alert.Status.PUBLISHED],
        "occurred_at": occurred_at,
        "hours": settings.ALERTS_DUPLICATE_WINDOW_HOURS,
        "family": family,
    }
    with connection.cursor() as cursor:
        cursor.execute(_NEARBY_SQL, params)
        rows = cursor.fetchall()
    return [
        NearbyAlert(pk, gettext(label), timezone.localdate(when), status, description, mine)
        for pk, label, when, status, description, mine in rows
    ]


def appeals_to_decide(user: User) -> QuerySet[AlertAppeal]:
    """Pending appeals of the communes this person moderates, except those against their own refusal
    (or filed by themselves): a second reading is by someone else."""
    return (
        AlertAppeal.objects.filter(
            outcome=AlertAppeal.Outcome.PENDING,
            alert__status=Alert.Status.REJECTED,
            alert__commune__in=moderated_communes(user).values("id"),
        )
        .exclude(rejected_by=user)
        .exclude(author=user)
        .select_related("alert", "alert__category", "alert__commune")
        .order_by("created_at", "id")
    )


def alerts_confirmable_by(residence) -> QuerySet[Alert]:
    """Alerts a resident may say they saw too: pending or published ones of their commune, not theirs."""
    return Alert.objects.filter(
        commune_id=residence.commune_id, status__in=[Alert.Status.PENDING, Alert.Status.PUBLISHED]
    ).exclude(author_id=residence.user_id)


def author_neighbourhoods(author_ids: list[int | None]) -> dict[int, Zone]:
    """The home neighbourhood of each author with a verified home, by author id, in one query:
    what a moderator sees beside an alert's point (the neighbourhood, never the home)."""
    residences = Residence.objects.filter(
        user_id__in=[pk for pk in author_ids if pk], status=Residence.Status.VERIFIED, neighbourhood__isnull=False
    ).select_related("neighbourhood")
    return {residence.user_id: residence.neighbourhood for residence in residences}


def published_photos(alert_id: int | None) -> QuerySet:
    """The blurred photos of a published alert, in the order they were sent: what residents see."""
    return AlertPhoto.objects.filter(
        alert_id=alert_id, alert__status=Alert.Status.PUBLISHED, status=AlertPhoto.Status.PUBLISHED
    ).order_by("id")
