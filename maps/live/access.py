"""Who may open which map. Staff (police agents, town hall staff) must have passed two-factor
authentication in this session; residents must have a verified residence."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from accounts.access import agent_service_ids, agent_service_ids_or_403, residence_or_403, verified_residence
from accounts.models import User
from accounts.otp import is_verified_staff
from accounts.selectors import police_services_of, staffed_communes
from zones.models import Commune

__all__ = [
    "agent_service_ids",
    "agent_service_ids_or_403",
    "residence_or_403",
    "staffed_commune_or_404",
    "stream_service_ids",
    "verified_residence",
]


def stream_service_ids(session_key: str | None) -> list[int]:
    """The police services an open live stream may still serve, read from its session as it is now:
    none once the session is over (logout, expiry), the account is disabled or its password changed,
    the second factor is no longer attached, or the agent's role is gone."""
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key).load() if session_key else {}
    user = User.objects.filter(pk=data.get(SESSION_KEY) or None, is_active=True).first()
    if user is None or not constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return []
    device = Device.from_persistent_id(data.get(DEVICE_ID_SESSION_KEY) or "")
    if device is None or device.user_id != user.pk or not device.confirmed:
        return []
    return list(police_services_of(user).order_by("id").values_list("id", flat=True))


def staffed_commune_or_404(user: User, code: str) -> Commune:
    """The commune whose town hall the user works for; another commune is not found (404)."""
    if not is_verified_staff(user):
        raise PermissionDenied(_("Réservé aux élus et agents municipaux authentifiés en deux étapes."))
    commune = staffed_communes(user).filter(code=code).first()
    if commune is None:
        raise Http404(_("Commune introuvable."))
    return commune
