"""What every open interface shares: anonymous reading, a throttle whose rate is a standards
setting, and session authentication (a police agent's session shows exact alert locations)."""

from django.conf import settings
from rest_framework.permissions import AllowAny

from edge.throttling import ScopedRateThrottle


class StandardsThrottle(ScopedRateThrottle):
    """One budget per client for each scope: `standards-tiles` (a map asks for many tiles at once)
    and `standards` (Open311, OGC API, CAP)."""

    scope_attr = "throttle_scope"

    def get_rate(self):
        if self.scope == "standards-tiles":
            return settings.STANDARDS_TILES_THROTTLE_RATE
        return settings.STANDARDS_API_THROTTLE_RATE


class OpenApi:
    permission_classes = [AllowAny]
    throttle_classes = [StandardsThrottle]
    throttle_scope = "standards"
