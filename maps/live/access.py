"""Who may open which map. Staff (police agents, town hall staff) must have passed two-factor
authentication in this session; residents must have a verified residence."""

from collections import defaultdict
from collections.abc import Iterable
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from accounts.access import agent_service_ids, agent_service_ids_or_403, residence_or_403, verified_residence
from accounts.models import User
from accounts.otp import is_verified_staff
from accounts.selectors import police_service_ids_by_user, staffed_communes
from zones.models import Commune

__all__ = [
    "agent_service_ids",
    "agent_service_ids_or_403",
    "residence_or_403",
    "staffed_commune_or_404",
    "stream_service_ids",
    "streams_service_ids",
    "verified_residence",
]


def stream_service_ids(session_key: str | None) -> list[int]:
    """The police services an open live stream may still serve, read from its session as it is now:
    none once the session is over (logout, expiry), the account is disabled or its password changed,
    the second factor is no longer attached, or the agent's role is gone."""
    return streams_service_ids([session_key] if session_key else []).get(session_key, [])


def streams_service_ids(session_keys: Iterable[str]) -> dict[str, list[int]]:
    """`stream_service_ids` of many open streams at once, in a handful of queries whatever their
    number: the sessions, their users, their devices (one query per kind of device) and the roles.
    A key whose stream may no longer serve anything maps to []."""
    sessions = _sessions_data([key for key in set(session_keys) if key])
    users = User.objects.in_bulk({data.get(SESSION_KEY) for data in sessions.values()} - {None})
    users = {str(pk): user for pk, user in users.items() if user.is_active}
    devices = _devices({data.get(DEVICE_ID_SESSION_KEY) or "" for data in sessions.values()})
    services = police_service_ids_by_user(user.pk for user in users.values())
    allowed: dict[str, list[int]] = {}
    for key, data in sessions.items():
        user = users.get(str(data.get(SESSION_KEY)))
        device = devices.get(data.get(DEVICE_ID_SESSION_KEY) or "")
        if (
            user is None
            or not constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())
            or device is None
            or device.user_id != user.pk
            or not device.confirmed
        ):
            continue
        allowed[key] = services.get(user.pk, [])
    return {key: allowed.get(key, []) for key in session_keys if key}


def _sessions_data(keys: list[str]) -> dict[str, dict]:
    """Each live session's data, as SessionStore.load() reads it (an expired one is absent)."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store_class, DatabaseSessionStore):  # sessions kept elsewhere: one load each
        return {key: data for key in keys if (data := store_class(session_key=key).load())}
    model = store_class.get_model_class()
    rows = model.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
    return {row.session_key: store_class().decode(row.session_data) for row in rows}


def _devices(persistent_ids: set[str]) -> dict[str, Device]:
    """Devices by persistent id ("app.model/id"), one query per kind of device."""
    wanted: dict[type[Device], dict[int, str]] = defaultdict(dict)
    for persistent_id in persistent_ids:
        try:
            label, pk = persistent_id.rsplit("/", 1)
            model = apps.get_model(label)
            if issubclass(model, Device):
                wanted[model][int(pk)] = persistent_id
        except (ValueError, LookupError):
            continue
    return {
        wanted[model][device.pk]: device
        for model, ids in wanted.items()
        for device in model.objects.filter(pk__in=list(ids))
    }


def staffed_commune_or_404(user: User, code: str) -> Commune:
    """The commune whose town hall the user works for; another commune is not found (404)."""
    if not is_verified_staff(user):
        raise PermissionDenied(_("Réservé aux élus et agents municipaux authentifiés en deux étapes."))
    commune = staffed_communes(user).filter(code=code).first()
    if commune is None:
        raise Http404(_("Commune introuvable."))
    return commune
