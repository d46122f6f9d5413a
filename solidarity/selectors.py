"""Reads of solidarity requests, each scoped to the person asking: a resident reads the active
requests of their own neighbourhoods (and those of the whole commune), a moderator the queue of the
communes they moderate."""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import ResidenceNeighbourhood, User
from accounts.selectors import moderated_communes, verified_residence
from solidarity.models import Kind, SolidarityOffer, SolidarityRequest


def first_name(user: User) -> str:
    """What the author of a request learns of a helper before accepting: the first word of the name
    they chose to show, never their email address."""
    name = (user.display_name or "").strip().split()
    return name[0] if name else _("Un voisin")


def requests_visible_to(user: User) -> QuerySet[SolidarityRequest]:
    """Active requests of the resident's neighbourhoods, and those posted by someone living in no
    neighbourhood (they are for the whole commune). Nothing for anyone without a verified home."""
    residence = verified_residence(user)
    if residence is None:
        return SolidarityRequest.objects.none()
    own_neighbourhood = ResidenceNeighbourhood.objects.filter(
        residence=residence, zone_id=OuterRef("neighbourhood_id")
    )
    return (
        SolidarityRequest.objects.active()
        .filter(commune_id=residence.commune_id)
        .filter(Q(neighbourhood__isnull=True) | Exists(own_neighbourhood) | Q(author=user))
        .select_related("neighbourhood")
        .order_by("-published_at")
    )


def request_for(user: User, request_id: int) -> SolidarityRequest | None:
    """The request page: the author reads their own whatever its state, a neighbour an active one."""
    own = SolidarityRequest.objects.filter(author=user, pk=request_id).select_related("neighbourhood").first()
    return own or requests_visible_to(user).filter(pk=request_id).first()


def requests_of(user: User) -> QuerySet[SolidarityRequest]:
    return SolidarityRequest.objects.filter(author=user).select_related("neighbourhood").order_by("-created_at")


def offer_of(request: SolidarityRequest, helper: User) -> SolidarityOffer | None:
    return SolidarityOffer.objects.filter(request=request, helper=helper).first()


def conversation_for(user: User, offer_id: int) -> SolidarityOffer | None:
    """An accepted offer one of whose two parties is the user; nobody else reads the conversation."""
    return (
        SolidarityOffer.objects.filter(pk=offer_id, status=SolidarityOffer.Status.ACCEPTED)
        .filter(Q(helper=user) | Q(request__author=user))
        .select_related("request", "helper", "request__author")
        .first()
    )


def conversations_of(user: User) -> QuerySet[SolidarityOffer]:
    return (
        SolidarityOffer.objects.filter(status=SolidarityOffer.Status.ACCEPTED)
        .filter(Q(helper=user) | Q(request__author=user))
        .select_related("request")
        .order_by("-decided_at")
    )


def moderation_queue(user: User) -> QuerySet[SolidarityRequest]:
    return (
        SolidarityRequest.objects.filter(commune__in=moderated_communes(user), status=SolidarityRequest.Status.PENDING)
        .select_related("commune", "neighbourhood")
        .order_by("created_at")
    )


def moderation_published(user: User) -> QuerySet[SolidarityRequest]:
    """Requests on the lists now, which the commune's moderators may still withdraw."""
    return (
        SolidarityRequest.objects.active()
        .filter(commune__in=moderated_communes(user))
        .select_related("commune", "neighbourhood")
        .order_by("-published_at")
    )


def moderatable_request(user: User, request_id: int) -> SolidarityRequest | None:
    return SolidarityRequest.objects.filter(commune__in=moderated_communes(user), pk=request_id).first()


def solidarity_figures(*, commune_id: int, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The statistics' own section for mutual help, counted apart from every alert figure: requests
    published in the period by kind, how many found a helper the author accepted, how many were closed
    as solved. One aggregate query."""
    accepted = SolidarityOffer.objects.filter(request=OuterRef("pk"), status=SolidarityOffer.Status.ACCEPTED)
    rows = (
        SolidarityRequest.objects.filter(commune_id=commune_id, published_at__gte=start, published_at__lt=end)
        .values("kind")
        .annotate(
            published=Count("id"),
            helped=Count("id", filter=Q(Exists(accepted))),
            resolved=Count("id", filter=Q(status=SolidarityRequest.Status.RESOLVED)),
        )
    )
    by_kind = {row["kind"]: row for row in rows}
    return [
        {
            "kind": kind,
            "label": label,
            **{k: by_kind.get(kind, {}).get(k, 0) for k in ("published", "helped", "resolved")},
        }
        for kind, label in Kind.choices
    ]
