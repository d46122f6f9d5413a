"""Who may open which map. Staff (police agents, town hall staff) must have passed two-factor
authentication in this session; residents must have a verified residence."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Residence, User
from accounts.selectors import police_services_of, staffed_communes, verified_residence
from zones.models import Commune


def is_verified_staff(user: User) -> bool:
    return user.is_authenticated and bool(getattr(user, "is_verified", lambda: False)())


def agent_service_ids(user: User) -> list[int]:
    """The police services whose live map the user may watch; none without 2FA."""
    if not is_verified_staff(user):
        return []
    return list(police_services_of(user).order_by("id").values_list("id", flat=True))


def agent_service_ids_or_403(user: User) -> list[int]:
    service_ids = agent_service_ids(user)
    if not service_ids:
        raise PermissionDenied(_("Réservé aux agents de police municipale authentifiés en deux étapes."))
    return service_ids


def residence_or_403(user: User) -> Residence:
    residence = verified_residence(user)
    if residence is None:
        raise PermissionDenied(_("Réservé aux habitants dont le justificatif de domicile a été vérifié."))
    return residence


def staffed_commune_or_404(user: User, code: str) -> Commune:
    """The commune whose town hall the user works for; another commune is not found (404)."""
    if not is_verified_staff(user):
        raise PermissionDenied(_("Réservé aux élus et agents municipaux authentifiés en deux étapes."))
    commune = staffed_communes(user).filter(code=code).first()
    if commune is None:
        raise Http404(_("Commune introuvable."))
    return commune
