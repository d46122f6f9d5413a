"""API rate limits counted atomically in Redis.

DRF's own throttles read the list of recent request times from the cache, append, and write it
back: two requests in parallel both read the same list and both pass, so 100 simultaneous requests
were counted as 74 and a 600/minute limit let 620 through in 50 s. Here the whole decision (drop
the times older than the window, count, record this request if under the limit) is one Lua script,
which Redis runs atomically. The window slides, as DRF's does: never more than the limit in any
span of its length."""

import logging
import time
import uuid
from functools import lru_cache

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework import throttling
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)

# KEYS[1] the client's sorted set of request times; ARGV now (s), window (s), limit, a unique member.
# Answers {1, 0} when the request is counted, {0, seconds until a slot frees} when refused.
SLIDING_WINDOW = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  return {1, '0'}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, tostring(tonumber(oldest[2]) + window - now)}
"""


@lru_cache(maxsize=4)
def _script(url: str):
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).register_script(SLIDING_WINDOW)


class AtomicRateThrottle:
    """Mixed into a DRF throttle class in place of its read-modify-write counting."""

    def get_rate(self):
        # Read at each request, not frozen at import, so a changed setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.retry_after = 0.0
        try:
            allowed, retry_after = _script(settings.REDIS_URL)(
                keys=[cache.make_key(self.key)],
                args=[time.time(), self.duration, self.num_requests, uuid.uuid4().hex],
            )
        except redis.RedisError:
            # Without Redis the health check says so; the API stays usable meanwhile.
            logger.warning("rate limit not counted: Redis unavailable", exc_info=True)
            return True
        self.retry_after = float(retry_after)
        return bool(allowed)

    def wait(self):
        return max(self.retry_after, 1.0) if self.retry_after else None


class AnonRateThrottle(AtomicRateThrottle, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(AtomicRateThrottle, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(AtomicRateThrottle, throttling.ScopedRateThrottle):
    def allow_request(self, request, view):
        # DRF's scoped throttle learns its scope from the view, then counts.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
