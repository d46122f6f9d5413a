"""Project-wide request checks."""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _


class NulBytesRefusedMiddleware:
    """A NUL byte in the path or the query string is refused with 400.

    PostgreSQL text cannot hold one, so such a value names nothing here, and passing it to a query
    raised a database error (a 500) wherever a view filtered on it. Request bodies are covered by
    the form and serializer fields, which refuse NUL characters themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(_("L'adresse demandée contient un caractère nul."))
        return self.get_response(request)
