"""Who may see what: every queryset that shows territory-bound data is scoped with these."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import CharterAcceptance, CharterVersion, Residence, Role, User
from zones.models import Commune, PoliceService


def communes_with_role(user: User, *kinds: str) -> QuerySet[Commune]:
    if not user.is_authenticated:
        return Commune.objects.none()
    return Commune.objects.filter(id__in=Role.objects.filter(user=user, kind__in=kinds).values("commune_id"))


def moderated_communes(user: User) -> QuerySet[Commune]:
    return communes_with_role(user, Role.Kind.MODERATOR)


def staffed_communes(user: User) -> QuerySet[Commune]:
    """Communes whose municipal staff or mayor the user is."""
    return communes_with_role(user, Role.Kind.MUNICIPAL_STAFF, Role.Kind.MAYOR)


def police_services_of(user: User) -> QuerySet[PoliceService]:
    if not user.is_authenticated:
        return PoliceService.objects.none()
    return PoliceService.objects.filter(
        id__in=Role.objects.filter(user=user, kind=Role.Kind.POLICE_AGENT).values("police_service_id")
    )


def verified_residence(user: User) -> Residence | None:
    if not user.is_authenticated:
        return None
    return Residence.objects.filter(user=user, status=Residence.Status.VERIFIED).select_related("commune").first()


def charter_current() -> CharterVersion | None:
    return CharterVersion.objects.filter(published_at__lte=timezone.now()).order_by("-version").first()


def charter_accepted(user: User) -> bool:
    """Whether the user accepted the version of the charter in force now."""
    current = charter_current()
    if current is None or not user.is_authenticated:
        return False
    return CharterAcceptance.objects.filter(user=user, charter=current).exists()


def can_post_alerts(user: User) -> bool:
    """Verified residents who accepted the current charter may post and comment."""
    return verified_residence(user) is not None and charter_accepted(user)
