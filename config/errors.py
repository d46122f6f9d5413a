"""Error pages. Pages get the site layout, in the visitor's language; anything under /api/ keeps
answering JSON, as the API does everywhere else, even for a route that does not exist."""

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def _answer(request, *, status: int, detail: str):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": detail}, status=status)
    return render(request, f"{status}.html", {"detail": detail}, status=status)


def bad_request(request, exception=None):
    return _answer(request, status=400, detail=_("Requête invalide."))


def permission_denied(request, exception=None):
    """The reason given by the view (`PermissionDenied("...")`) is shown: it says who the page is
    for. Without one, a general sentence."""
    reason = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    return _answer(request, status=403, detail=reason or _("Vous n'avez pas accès à cette page."))


def page_not_found(request, exception=None):
    """Never the exception's text: it names models and URL patterns, not things a visitor knows."""
    return _answer(request, status=404, detail=_("Page introuvable."))


def server_error(request):
    """No database query, no site navigation: whatever broke may be what they would need."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": _("Erreur du serveur.")}, status=500)
    return defaults.server_error(request)
