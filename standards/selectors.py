"""What the open interfaces read. Every alert they show is published; its location is the centre
of its grid cell (the residents' map's generalisation, `alerts.selectors.with_generalised_location`)
for anonymous readers, residents and anybody outside the territory, and the exact point only for a
municipal police agent who passed two-factor authentication, in the communes of their services."""

from django.contrib.gis.geos import Polygon
from django.db.models import Case, F, QuerySet, When

from accounts.models import User
from accounts.otp import is_verified_staff
from accounts.selectors import police_communes
from alerts.models import Alert
from alerts.selectors import with_generalised_location
from zones.models import Commune, Zone


def exact_location_commune_ids(user: User) -> list[int]:
    """Communes whose alerts this reader sees at their exact place: those of the police services
    the reader is an agent of, once past the second factor; none for anybody else."""
    if not is_verified_staff(user):
        return []
    return list(police_communes(user).values_list("id", flat=True))


def published_alerts(user: User) -> QuerySet[Alert]:
    """Published alerts, each with `shown_location`: the grid cell's centre, or the exact point
    where `exact_location_commune_ids` allows it. The exact column is never loaded otherwise."""
    # The commune's boundary is never needed beside an alert: leaving it out of the join saves
    # reading (and detoasting) a large polygon per row.
    alerts = with_generalised_location(
        Alert.objects.published().select_related("category", "commune").order_by("-published_at", "-id")
    ).defer("commune__boundary", "commune__town_hall")
    exact_ids = exact_location_commune_ids(user)
    if not exact_ids:
        return alerts.annotate(shown_location=F("generalised_location"))
    return alerts.annotate(
        shown_location=Case(When(commune_id__in=exact_ids, then=F("location")), default=F("generalised_location"))
    )


def communes() -> QuerySet[Commune]:
    return Commune.objects.order_by("code")


def zones_of_kind(kind: str) -> QuerySet[Zone]:
    return Zone.objects.current().filter(kind=kind).select_related("commune", "police_service").order_by("id")


def within_box(queryset: QuerySet, *, field: str, box: tuple[float, float, float, float]) -> QuerySet:
    """Rows whose `field` box overlaps (west, south, east, north): the GiST index answers it."""
    return queryset.filter(**{f"{field}__bboverlaps": Polygon.from_bbox(box)})


def page_of(rows: QuerySet, *, offset: int, size: int) -> list:
    """Rows offset..offset+size of an ordered queryset, in order. The page's ids are read first,
    and only they get the row's computed columns (grid cell centres, agency): with OFFSET alone
    PostgreSQL would compute them for every row it skips (2.6 s at offset 50,000)."""
    ids = list(rows.values_list("pk", flat=True)[offset : offset + size])
    by_id = {row.pk: row for row in rows.filter(pk__in=ids).order_by()}
    return [by_id[pk] for pk in ids if pk in by_id]
