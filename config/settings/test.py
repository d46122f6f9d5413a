from .base import *  # noqa: F403
from .base import env

DEBUG = False
# Hashing passwords with the production hasher would make the suite minutes slower; tests do not
# measure password strength.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests use their own Redis database so a running demo is never disturbed.
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = "vigie-test"  # noqa: F405
CELERY_BROKER_URL = REDIS_URL
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "100000/minute", "user": "100000/minute"}  # noqa: F405
ACCOUNTS_GEOCODER_THROTTLE_RATE = "100000/minute"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# The tests' push service (tests/delivery/push_service.py) listens on the loopback interface, over
# plain HTTP; the workers the tests start read these settings too.
PUSH_ALLOW_HTTP_ENDPOINTS = True
PUSH_SERVICE_HOSTS = [*PUSH_SERVICE_HOSTS, "127.0.0.1"]  # noqa: F405
