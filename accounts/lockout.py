"""What a person sees when django-axes locks their login (too many failures for this address
from this network address): a French message, as JSON on the API, with HTTP 429."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_message() -> str:
    hours = settings.AXES_COOLOFF_TIME
    return _(
        "Trop de tentatives de connexion échouées pour cette adresse : la connexion est bloquée pendant "
        "%(hours)s h. Réessayez plus tard ou réinitialisez votre mot de passe."
    ) % {"hours": f"{hours:g}"}


def lockout_response(request, original_response=None, credentials=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=429)
    return render(request, "registration/locked_out.html", {"message": lockout_message()}, status=429)


def login_username(request, credentials=None) -> str | None:
    """The address django-axes counts failures against, as the login finds the account: without
    surrounding spaces and in lower case (`USER@X` is the same account as `user@x`, so it must share
    its failures and its lock-out)."""
    if credentials is not None:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        data = getattr(request, "data", None) or request.POST
        username = data.get(settings.AXES_USERNAME_FORM_FIELD) or data.get("email")
    if not isinstance(username, str):
        return username
    return username.strip().lower()
