"""Times are shown in the local time of the person's territory: a police agent in La Réunion reads
an alert's time as it was on the island, not in Paris.

The time zone is worked out once per session (`accounts.selectors.time_zone_of`) and kept in it;
setting a new home forgets it. Install after the authentication middleware."""

from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.selectors import time_zone_of

SESSION_KEY = "vigie_time_zone"


def local_time_forget(request) -> None:
    """After a change of home: the next request works the time zone out again."""
    request.session.pop(SESSION_KEY, None)


class LocalTimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            name = request.session.get(SESSION_KEY)
            if name is None:
                name = request.session[SESSION_KEY] = time_zone_of(user)
            timezone.activate(ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
