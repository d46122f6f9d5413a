"""Who may read a commune's statistics: its mayor and municipal staff, and platform admins."""

from django.http import Http404

from accounts.models import User
from accounts.selectors import staffed_communes
from zones.models import Commune


def statistics_communes(user: User):
    if not user.is_authenticated:
        return Commune.objects.none()
    if user.is_superuser or user.is_staff:
        return Commune.objects.all()
    return staffed_communes(user)


def commune_for_statistics(user: User, code: str) -> Commune:
    """The commune, or 404 for anyone who may not see it (never 403: its existence is not told)."""
    commune = statistics_communes(user).filter(code=code).first()
    if commune is None:
        raise Http404
    return commune
