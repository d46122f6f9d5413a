"""Liveness of what the service stands on: the database with PostGIS, Redis, and a Celery worker.

Each check has a short timeout of its own so that /healthz answers quickly even when a
dependency hangs, and names what is down instead of failing as a whole.

Anyone (a load balancer, a container health check) gets the status and the names of what is down.
The details (versions, worker names, error messages, which can name the database host and user) go
to the log, and to platform admins who passed two-factor authentication."""

import logging
from dataclasses import asdict, dataclass

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.selectors import is_platform_admin
from config.celery import app as celery_app

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0


@dataclass
class Check:
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            (version,) = cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the message says which
        return Check(ok=False, detail=f"{type(exc).__name__}: {exc}".strip())
    return Check(ok=True, detail=f"PostGIS {version}")


def check_redis() -> Check:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
        )
        client.ping()
        version = client.info("server").get("redis_version", "?")
    except redis.RedisError as exc:
        return Check(ok=False, detail=f"{type(exc).__name__}: {exc}")
    return Check(ok=True, detail=f"Redis {version}")


def check_celery() -> Check:
    try:
        replies = celery_app.control.ping(timeout=CHECK_TIMEOUT_S)
    except Exception as exc:  # broker unreachable: kombu raises several unrelated types
        return Check(ok=False, detail=f"{type(exc).__name__}: {exc}")
    if not replies:
        return Check(ok=False, detail="aucun worker Celery n'a répondu")
    workers = sorted(name for reply in replies for name in reply)
    return Check(ok=True, detail=", ".join(workers))


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database(), "redis": check_redis()}
    # Without Redis the broker is gone too: asking the workers would only wait for the timeout.
    checks["celery"] = check_celery() if checks["redis"].ok else Check(ok=False, detail="Redis est injoignable")
    down = [name for name, check in checks.items() if not check.ok]
    for name in down:
        logger.warning("healthz: %s is down: %s", name, checks[name].detail)
    body = {"status": "ok" if not down else "degraded", "down": down}
    if may_read_details(request.user):
        body["checks"] = {name: asdict(check) for name, check in checks.items()}
    return JsonResponse(body, status=503 if down else 200)


def may_read_details(user) -> bool:
    return is_platform_admin(user) and bool(getattr(user, "is_verified", lambda: False)())
