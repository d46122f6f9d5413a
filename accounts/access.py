"""The guards every page and API of a territory shares: the police services an agent may work for
(none without two-factor authentication), the verified home of a resident."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from accounts.models import Residence, User
from accounts.otp import is_verified_staff
from accounts.selectors import police_services_of, verified_residence

__all__ = ["IsPoliceAgent", "agent_service_ids", "agent_service_ids_or_403", "residence_or_403", "verified_residence"]


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


class IsPoliceAgent(BasePermission):
    """API permission: a police agent who passed two-factor authentication; the ids of their
    services are left on `request.police_service_ids` for the view to scope its querysets."""

    message = gettext_lazy("Réservé aux agents de police municipale authentifiés en deux étapes.")

    def has_permission(self, request, view) -> bool:
        request.police_service_ids = agent_service_ids(request.user)
        return bool(request.police_service_ids)
