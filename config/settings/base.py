"""Settings shared by every environment. Everything that differs between machines comes from the
environment (or a `.env` file beside manage.py, or the file ENV_FILE names), read with
django-environ."""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
ENV_FILE = Path(env("ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789abcdef")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# GDAL older than 3.9 cannot block network access from spatial reference strings (gis.W001).
# Debian 12 ships 3.6; spatial references only come from files an administrator imports with a
# management command, never from a web request, so the warning is silenced where GDAL is older.
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=["gis.W001"])

# GeoDjango finds GDAL and GEOS by itself on Debian; these let another system point at them.
if env("GDAL_LIBRARY_PATH", default=""):
    GDAL_LIBRARY_PATH = env("GDAL_LIBRARY_PATH")
if env("GEOS_LIBRARY_PATH", default=""):
    GEOS_LIBRARY_PATH = env("GEOS_LIBRARY_PATH")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "geo",
    "zones",
    "addresses",
    "accounts",
    "alerts",
    "solidarity",
    "delivery",
    "patrols",
    "standards",
    "maps",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so its response step runs last, once every template has asked for the nonce.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the locale: its refusal is in the visitor's language, not whichever the thread last used.
    "config.middleware.NulBytesRefusedMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Dates and times in the local time of the person's territory (overseas communes).
    "accounts.localtime.LocalTimeMiddleware",
    # Emails and text messages in the language the person uses the site in.
    "accounts.language.LanguageRememberedMiddleware",
    # Staff without a verified second factor reach nothing but the code pages.
    "accounts.otp.StaffOTPRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.navigation.navigation",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgis://vigie:vigie@127.0.0.1:5432/vigie")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A hot standby for statistics, dashboards, exports and the public account (edge/replica.py): used
# while it answers and is at most DATABASE_REPLICA_MAX_LAG_S behind, probed every
# DATABASE_REPLICA_CHECK_S seconds; everything else reads and writes the primary.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["edge.replica.ReplicaRouter"]
# Behind PgBouncer in transaction mode (docs/deployment.md): a server connection serves one
# transaction at a time, so no server-side cursor may outlive one, and the live map's LISTEN,
# which needs a session of its own, connects past the pooler to DATABASE_DIRECT_URL.
DATABASE_TRANSACTION_POOLING = env.bool("DATABASE_TRANSACTION_POOLING", default=False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_TRANSACTION_POOLING
DATABASE_DIRECT_URL = env("DATABASE_DIRECT_URL", default="")
DATABASE_REPLICA_MAX_LAG_S = env.float("DATABASE_REPLICA_MAX_LAG_S", default=5.0)
DATABASE_REPLICA_CHECK_S = env.float("DATABASE_REPLICA_CHECK_S", default=2.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="vigie"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out login is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-axes: lock a username tried from one address, not the address alone (a whole town hall
# can share one public address).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates are written one way per language everywhere (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
# Front-end libraries are installed by npm into node_modules and served from here; nothing is
# fetched from a CDN at run time.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [BASE_DIR / "static"] + [
    (f"vendor/{package}", NODE_MODULES / package / "dist")
    for package in ("leaflet", "leaflet.markercluster", "leaflet.vectorgrid")
    if (NODE_MODULES / package / "dist").exists()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Proofs of residence live outside MEDIA_ROOT: no URL serves this folder, only a view that
# checks permission.
PRIVATE_STORAGE_ROOT = env.path("PRIVATE_STORAGE_ROOT", default=str(VAR_DIR / "private"))

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Vigie <ne-pas-repondre@vigie.localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Where people report an accessibility problem (the RGAA statement's contact).
MAPS_ACCESSIBILITY_CONTACT = env("MAPS_ACCESSIBILITY_CONTACT", default="accessibilite@vigie.localhost")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Sessions are written to the database and read from the cache (Redis) first: every signed-in page
# reads its session, and the database read cost some 0.5 ms of Python against 0.15 ms from Redis.
# Logging out deletes both copies; the database stays the reference (the live map's batched access
# check and the purge of expired sessions read it).
SESSION_ENGINE = env("SESSION_ENGINE", default="django.contrib.sessions.backends.cached_db")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
CSRF_COOKIE_HTTPONLY = False  # read by the page scripts that call the API
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        # Counted atomically in Redis: parallel requests cannot slip past the limit.
        "edge.throttling.AnonRateThrottle",
        "edge.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/minute"),
        "user": env("API_THROTTLE_USER", default="600/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vigie API",
    "DESCRIPTION": _(
        "API de Vigie : géographie des communes, signalements modérés et cartes. "
        "Vigie informe et prévient ; en cas d'urgence, appelez le 17, le 18 ou le 112 (114 par SMS)."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI and ReDoc come from the drf-spectacular-sidecar package, served by the app.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `kind`; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "BroadcastKindEnum": "delivery.models.Broadcast.Kind",
        "DeliveryKindEnum": "delivery.models.Delivery.Kind",
        "ZoneKindEnum": "zones.models.Zone.Kind",
        "Open311StatusEnum": ["open", "closed"],
        "ResidenceStatusEnum": "accounts.models.Residence.Status",
    },
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only once it has run, and put back if its worker dies mid-way: work is
# delivered at least once, and each task is written to be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker keeps its database connection from one task to the next (Celery's Django fixup would
# otherwise close it around every task, a new PostgreSQL backend per batch of deliveries); it is
# still closed after a task when broken or older than CONN_MAX_AGE (config/celery.py), and at the
# latest every CELERY_DB_REUSE_MAX tasks.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# Longer than the longest retry delay, or Redis would hand a delayed task to a second worker.
# Queues, most urgent first: `urgent` (alerts of urgent categories), `alerts` (other alerts and
# urgent town-hall messages), `celery` (notices to one person, everything else), `bulk`
# (commune-wide messages, reports). A worker started without -Q consumes every queue, always in
# that order (Redis BRPOP over the keys in order: kombu's "priority" strategy), so a queued urgent
# alert is taken before the next batch of a newsletter; workers given `-Q urgent` never see a
# newsletter at all (docs/deployment.md).
CELERY_TASK_QUEUES = [Queue("urgent"), Queue("alerts"), Queue("celery"), Queue("bulk")]
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "maps.council_report": {"queue": "bulk"},
    "maps.dashboards_warm": {"queue": "bulk"},
    "delivery.partitions_maintain": {"queue": "bulk"},
    "zones.routing_faces_fill": {"queue": "bulk"},
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 3600),
    "queue_order_strategy": "priority",
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Map tiles: a setting, so a commune can use its own tile server. Without tiles the maps still
# draw boundaries and markers.
MAPS_TILE_URL = env("MAPS_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAPS_TILE_ATTRIBUTION = env(
    "MAPS_TILE_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">contributeurs OpenStreetMap</a>',
)


def _tile_origin(url: str) -> str:
    """The origin map tiles come from, for the CSP: {s} subdomains become a wildcard."""
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else SELF


# Content-Security-Policy (django-csp): scripts only from this server or inline with the page's
# nonce, so a label or a name that slipped through escaping still cannot run. Styles allow inline
# `style` attributes (Leaflet and folium position everything with them; a style cannot run code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", _tile_origin(MAPS_TILE_URL)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}


# ---------------------------------------------------------------------------------------------
# zones: communes, neighbourhoods, police sectors
# ---------------------------------------------------------------------------------------------
# Anonymous and signed-in clients alike share this budget on /api/communes, /api/zones, /api/lookup.
ZONES_API_THROTTLE_RATE = env("ZONES_API_THROTTLE_RATE", default="300/minute")

# ---------------------------------------------------------------------------------------------
# Open standards (standards/): vector tiles, Open311, OGC API - Features, CAP
# A map view asks for a dozen tiles per layer at once, so tiles get their own, larger budget.
STANDARDS_TILES_THROTTLE_RATE = env("STANDARDS_TILES_THROTTLE_RATE", default="1200/minute")
STANDARDS_API_THROTTLE_RATE = env("STANDARDS_API_THROTTLE_RATE", default="300/minute")
# How long a boundary tile (communes, neighbourhoods, police sectors) and an alert tile stay in the
# server's cache and in browsers (seconds). A boundary change or a publication empties the layer's
# cache at once through a version number; the browser's copy lives out its max-age.
STANDARDS_BOUNDARY_TILE_SECONDS = env.int("STANDARDS_BOUNDARY_TILE_SECONDS", default=24 * 3600)
STANDARDS_ALERT_TILE_SECONDS = env.int("STANDARDS_ALERT_TILE_SECONDS", default=60)
# Open311 GET requests.json: without dates, the last 90 days (the specification's default), pages of this size.
STANDARDS_OPEN311_PAGE_SIZE = env.int("STANDARDS_OPEN311_PAGE_SIZE", default=100)
STANDARDS_OPEN311_MAX_PAGE_SIZE = 1000
# OGC API - Features items: default and largest `limit`.
STANDARDS_OGC_DEFAULT_LIMIT = env.int("STANDARDS_OGC_DEFAULT_LIMIT", default=100)
STANDARDS_OGC_MAX_LIMIT = env.int("STANDARDS_OGC_MAX_LIMIT", default=10_000)


# ---------------------------------------------------------------------------------------------
# accounts: residents, roles, charter, proof of residence, personal data
# ---------------------------------------------------------------------------------------------

ACCOUNTS_EMAIL_CONFIRM_DAYS = env.int("ACCOUNTS_EMAIL_CONFIRM_DAYS", default=3)
ACCOUNTS_PROOF_MAX_BYTES = env.int("ACCOUNTS_PROOF_MAX_BYTES", default=5 * 1024 * 1024)
# Undecided proofs of residence are deleted after this many days.
ACCOUNTS_PROOF_RETENTION_DAYS = env.int("ACCOUNTS_PROOF_RETENTION_DAYS", default=30)
# How long the log of who opened a proof of residence or an exact alert location is kept.
ACCOUNTS_ACCESS_LOG_RETENTION_DAYS = env.int("ACCOUNTS_ACCESS_LOG_RETENTION_DAYS", default=365)
# How long django-axes keeps login records (successful logins, failed attempts: email, IP address,
# browser). Failed attempts only count towards a lock-out for AXES_COOLOFF_HOURS, so this must stay
# longer than the cool-off; the rest is kept to investigate an attack on an account.
ACCOUNTS_LOGIN_RECORD_RETENTION_DAYS = env.int("ACCOUNTS_LOGIN_RECORD_RETENTION_DAYS", default=30)
# Up to this many joined communes, the home page carries their outlines and a list to jump to one;
# beyond, its map loads the outlines of the communes in view from the geography API.
ACCOUNTS_HOME_MAP_EMBEDDED_COMMUNES = env.int("ACCOUNTS_HOME_MAP_EMBEDDED_COMMUNES", default=200)
# Dotted path of the class suggesting a point for an address; none ships (no network assumed).
ACCOUNTS_GEOCODER = env("ACCOUNTS_GEOCODER", default="accounts.geocoding.AddressIndexGeocoder")
# A clicked point is described as "près du 12 rue des Halles" only if that address is this close.
ACCOUNTS_GEOCODER_NEAR_M = env.int("ACCOUNTS_GEOCODER_NEAR_M", default=150)
# Past this distance between the typed address and the clicked home, the verifier is warned.
ACCOUNTS_HOME_ADDRESS_WARNING_M = env.int("ACCOUNTS_HOME_ADDRESS_WARNING_M", default=150)
# One request per keystroke: enough for fast typing, not for harvesting the index.
ACCOUNTS_GEOCODER_THROTTLE_RATE = env("ACCOUNTS_GEOCODER_THROTTLE_RATE", default="120/minute")
# The site navigation (links by role) is kept this many seconds per person at most; a change of their
# roles, home or référent terms forgets it at once (accounts/navigation.py).
ACCOUNTS_NAVIGATION_CACHE_S = env.int("ACCOUNTS_NAVIGATION_CACHE_S", default=300)
# A staff session that passed two-factor authentication ends after this many seconds.
ACCOUNTS_STAFF_SESSION_SECONDS = env.int("ACCOUNTS_STAFF_SESSION_SECONDS", default=4 * 3600)
# Registration help by a référent: the neighbour's link expires after these days; at most this many a day.
ACCOUNTS_REFERENT_INVITATION_DAYS = env.int("ACCOUNTS_REFERENT_INVITATION_DAYS", default=7)
ACCOUNTS_REFERENT_INVITATIONS_PER_DAY = env.int("ACCOUNTS_REFERENT_INVITATIONS_PER_DAY", default=20)

AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Failures are counted against the address as the login finds the account (any case).
AXES_USERNAME_CALLABLE = "accounts.lockout.login_username"
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Vigie")

CELERY_BEAT_SCHEDULE.update(
    {
        "accounts-proofs-purge-undecided": {"task": "accounts.proofs_purge_undecided", "schedule": 3600.0},
        "accounts-access-logs-purge": {"task": "accounts.access_logs_purge", "schedule": 24 * 3600.0},
        "accounts-login-records-purge": {"task": "accounts.login_records_purge", "schedule": 24 * 3600.0},
        "accounts-sessions-purge-expired": {"task": "accounts.sessions_purge_expired", "schedule": 3600.0},
    }
)


# ---------------------------------------------------------------------------------------------
# alerts: posting, moderation, routing, deliveries
# ---------------------------------------------------------------------------------------------
# Posting: at most this many alerts per resident per rolling hour (counted in the database).
ALERTS_MAX_POSTS_PER_HOUR = env.int("ALERTS_MAX_POSTS_PER_HOUR", default=10)
# An alert may describe something that happened up to this many days ago, never in the future.
ALERTS_MAX_AGE_DAYS = env.int("ALERTS_MAX_AGE_DAYS", default=7)
# An alert written on a phone without a network and sent later keeps its time of writing, if that
# is at most this many hours ago (a phone kept offline longer is asked to write it again).
ALERTS_COMPOSED_MAX_AGE_H = env.int("ALERTS_COMPOSED_MAX_AGE_H", default=72)
# A resident may post inside their commune, or within this distance (metres) of their home.
ALERTS_HOME_DISTANCE_M = env.int("ALERTS_HOME_DISTANCE_M", default=1000)
ALERTS_DESCRIPTION_MIN = env.int("ALERTS_DESCRIPTION_MIN", default=10)
ALERTS_DESCRIPTION_MAX = env.int("ALERTS_DESCRIPTION_MAX", default=2000)
# Duplicate suggestions for moderators: same family, within this distance and time window.
ALERTS_DUPLICATE_DISTANCE_M = env.int("ALERTS_DUPLICATE_DISTANCE_M", default=150)
ALERTS_DUPLICATE_WINDOW_HOURS = env.int("ALERTS_DUPLICATE_WINDOW_HOURS", default=2)

# Photos of an alert (#15): at most this many, each at most this many bytes and pixels as received
# (a 12-megapixel phone photo is 3 to 8 MB); the worker re-encodes them to this longest side: 2000
# lets a 4000 x 3000 photo decode straight at half size, with nothing left to resize.
ALERTS_PHOTOS_PER_ALERT = env.int("ALERTS_PHOTOS_PER_ALERT", default=3)
ALERTS_PHOTO_MAX_BYTES = env.int("ALERTS_PHOTO_MAX_BYTES", default=15 * 1024 * 1024)
ALERTS_PHOTO_MAX_PIXELS = env.int("ALERTS_PHOTO_MAX_PIXELS", default=50_000_000)
ALERTS_PHOTO_MAX_SIDE = env.int("ALERTS_PHOTO_MAX_SIDE", default=2000)
# Unblurred copies (and uploads) still held this many days after they came are deleted, decided or not.
ALERTS_PHOTO_RETENTION_DAYS = env.int("ALERTS_PHOTO_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["delivery-near-me-expire"] = {"task": "delivery.near_me_expire", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["alerts-photos-purge"] = {"task": "alerts.photos_purge", "schedule": 3600.0}


# alerts: routing and delivery
# Neighbourhoods and police sectors within this distance of an alert are told too (a commune's own
# routing_radius_m wins), so an alert on a border reaches both sides.
ALERTS_ROUTING_RADIUS_M = env.int("ALERTS_ROUTING_RADIUS_M", default=300)
# Near-repeat burglary prevention (Johnson et al. 2007): homes within this distance, one notice per
# resident per this many days however many burglaries happen nearby.
ALERTS_NEAR_REPEAT_DISTANCE_M = env.int("ALERTS_NEAR_REPEAT_DISTANCE_M", default=200)
ALERTS_NEAR_REPEAT_DAYS = env.int("ALERTS_NEAR_REPEAT_DAYS", default=14)
# The resident's own alert area (#21): places followed beside the home neighbourhood (a commune's own
# followed_places_max wins), and "près de moi" from the phone's position, deleted when it expires
# (a commune's near_me_max_hours wins over the maximum).
DELIVERY_FOLLOWED_PLACES_MAX = env.int("DELIVERY_FOLLOWED_PLACES_MAX", default=2)
DELIVERY_NEAR_ME_DEFAULT_HOURS = env.int("DELIVERY_NEAR_ME_DEFAULT_HOURS", default=3)
DELIVERY_NEAR_ME_MAX_HOURS = env.int("DELIVERY_NEAR_ME_MAX_HOURS", default=12)
# Deliveries sent per Celery task (one SMTP connection per batch).
ALERTS_DELIVERY_BATCH_SIZE = env.int("ALERTS_DELIVERY_BATCH_SIZE", default=100)
# Transient failures retry after base * 2^(attempt-1) seconds plus up to 50 % jitter, capped; after
# ALERTS_DELIVERY_MAX_ATTEMPTS the channel is marked failed with the error. The cap stays far below
# the broker's visibility timeout (tests/delivery/test_delivery_settings.py), or a waiting
# retry would run twice.
ALERTS_DELIVERY_MAX_ATTEMPTS = env.int("ALERTS_DELIVERY_MAX_ATTEMPTS", default=6)
ALERTS_DELIVERY_RETRY_BASE_S = env.float("ALERTS_DELIVERY_RETRY_BASE_S", default=10.0)
ALERTS_DELIVERY_RETRY_MAX_S = env.float("ALERTS_DELIVERY_RETRY_MAX_S", default=900.0)
# The sweeper re-enqueues deliveries still pending this long after they were due (broker down at
# publication, worker killed), and routes published alerts that were never routed.
ALERTS_DELIVERY_SWEEP_AFTER_S = env.int("ALERTS_DELIVERY_SWEEP_AFTER_S", default=120)
ALERTS_DELIVERY_SWEEP_EVERY_S = env.int("ALERTS_DELIVERY_SWEEP_EVERY_S", default=60)
# SMS gateway: a dotted path to a class with send(*, phone_number, text). No provider is bundled.
ALERTS_SMS_GATEWAY = env("ALERTS_SMS_GATEWAY", default="delivery.channels.sms.ConsoleSmsGateway")
# Inbound SMS (delivery/inbound.py): each provider's webhook at /sms/inbound/<provider>/ is read by
# the class named here (signature check and parsing). "console" is Vigie's own signed JSON, for the
# demo, the tests and a relay in front of a provider: HMAC-SHA256 of the body with this secret. An
# empty secret refuses every webhook.
DELIVERY_SMS_INBOUND_PROVIDERS = {"console": "delivery.channels.sms.SignedJsonInbound"}
DELIVERY_SMS_INBOUND_SECRET = env("DELIVERY_SMS_INBOUND_SECRET", default="")
# Verification codes: how long a code lives, how many wrong tries end it, how many a person may ask
# for in an hour; and how often an unknown number is told how to register (at most once per window).
DELIVERY_SMS_CODE_TTL_S = env.int("DELIVERY_SMS_CODE_TTL_S", default=600)
DELIVERY_SMS_CODE_MAX_ATTEMPTS = env.int("DELIVERY_SMS_CODE_MAX_ATTEMPTS", default=5)
DELIVERY_SMS_CODES_PER_HOUR = env.int("DELIVERY_SMS_CODES_PER_HOUR", default=3)
DELIVERY_SMS_HELP_EVERY_H = env.int("DELIVERY_SMS_HELP_EVERY_H", default=24)
# Web Push (delivery/channels/push.py): the site's VAPID key (base64url, written into .env by
# scripts/vapid-keys.sh from `make services`), the contact push services may write to, and how long
# a push service may take to answer. Without a key, no page offers notifications.
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env("VAPID_SUBJECT", default="mailto:ne-pas-repondre@vigie.localhost")
PUSH_TIMEOUT_S = env.float("PUSH_TIMEOUT_S", default=10.0)
# How many pushes a worker process has in flight to each push service (kept-alive connections of its
# event loop), and how many push-only deliveries it claims, pushes and settles together in one transaction.
PUSH_CONCURRENCY = env.int("PUSH_CONCURRENCY", default=16)
PUSH_GROUP_SIZE = env.int("PUSH_GROUP_SIZE", default=50)
# Browsers' push services are all HTTPS; plain HTTP endpoints only for a local test push service.
PUSH_ALLOW_HTTP_ENDPOINTS = env.bool("PUSH_ALLOW_HTTP_ENDPOINTS", default=False)
# The push services a device's address may point to (each host and its subdomains): the workers POST
# to that address, so an address of the site's own network or of any other server is refused when
# the device is saved, and never posted to. Chrome, Samsung Internet, Opera and other Chromium
# browsers use Firebase Cloud Messaging, Firefox Mozilla's autopush, Edge Windows Push Notification
# Services, Safari Apple's push service. A browser with a push service of its own is added here.
PUSH_SERVICE_HOSTS = env.list(
    "PUSH_SERVICE_HOSTS",
    default=["fcm.googleapis.com", "push.services.mozilla.com", "notify.windows.com", "push.apple.com"],
)
# Deliveries and the police event stream are partitioned by month (delivery/retention.py): partitions
# are made this many months ahead; deliveries (the inbox, with their push receipts) are kept this many
# months, then dropped a month at a time; the live map's event stream, which it replays only for the
# last MAPS_LIVE_HOURS, this many months (at least 1).
PARTITIONS_MONTHS_AHEAD = env.int("PARTITIONS_MONTHS_AHEAD", default=3)
DELIVERY_RETENTION_MONTHS = env.int("DELIVERY_RETENTION_MONTHS", default=13)
ALERTS_EVENT_RETENTION_MONTHS = env.int("ALERTS_EVENT_RETENTION_MONTHS", default=3)
PARTITIONS_MAINTAIN_EVERY_S = env.float("PARTITIONS_MAINTAIN_EVERY_S", default=6 * 3600.0)
CELERY_BEAT_SCHEDULE.update(
    {
        "delivery-partitions-maintain": {
            "task": "delivery.partitions_maintain",
            "schedule": PARTITIONS_MAINTAIN_EVERY_S,
        },
        "alerts-delivery-sweep": {
            "task": "delivery.deliveries_sweep",
            "schedule": float(ALERTS_DELIVERY_SWEEP_EVERY_S),
        },
    }
)
# Good-practice reminders: at most one per resident in this many days (enforced by the fan-out's SQL);
# beat sends the scheduled ones that are due every minute. A référent relays town hall messages of
# the last DELIVERY_RELAY_MAX_DAYS days.
DELIVERY_REMINDER_MIN_DAYS = env.int("DELIVERY_REMINDER_MIN_DAYS", default=7)
DELIVERY_RELAY_MAX_DAYS = env.int("DELIVERY_RELAY_MAX_DAYS", default=30)
CELERY_BEAT_SCHEDULE["delivery-reminders-send-due"] = {"task": "delivery.reminders_send_due", "schedule": 60.0}
# Routing faces of communes an import left without them (zones.services.ROUTING_FACES_INLINE_MAX).
CELERY_BEAT_SCHEDULE["zones-routing-faces-fill"] = {"task": "zones.routing_faces_fill", "schedule": 300.0}


# ---------------------------------------------------------------------------------------------
# maps: pages, live feed, statistics, heatmaps
# ---------------------------------------------------------------------------------------------

# maps: live and resident maps
# How far back the police live map looks when it opens (hours): a night shift plus the day before,
# so an agent starting at 20:00 still sees the previous evening's alerts.
MAPS_LIVE_HOURS = env.int("MAPS_LIVE_HOURS", default=48)
# Seconds between two heartbeat comments on the live stream: under the usual 30-60 s idle timeout
# of proxies, so they never cut a quiet night's connection.
MAPS_LIVE_HEARTBEAT_S = env.float("MAPS_LIVE_HEARTBEAT_S", default=15.0)
# How long an open live stream trusts its last access check before reading its session again.
MAPS_LIVE_ACCESS_RECHECK_S = env.float("MAPS_LIVE_ACCESS_RECHECK_S", default=2.0)
# Side (metres) of the grid whose cell centres stand for alert locations on residents' maps.
MAPS_RESIDENT_GRID_M = env.int("MAPS_RESIDENT_GRID_M", default=250)
# How far back residents' and mayors' maps look by default (days).
MAPS_RESIDENT_DAYS = env.int("MAPS_RESIDENT_DAYS", default=30)

# maps: statistics
# Permutations of the Gi* hot-spot test: with 999 the smallest p-value is 0.001, so on a large grid
# the false-discovery-rate correction can only flag hot spots that are numerous enough.
MAPS_STATISTICS_BANDWIDTH_M = env.float("MAPS_STATISTICS_BANDWIDTH_M", default=200.0)
MAPS_STATISTICS_CELL_M = env.float("MAPS_STATISTICS_CELL_M", default=50.0)
MAPS_STATISTICS_HEXAGON_M = env.float("MAPS_STATISTICS_HEXAGON_M", default=174.0)
# The dashboard and the heavy statistics are computed once per state of the data (the cache key holds
# a fingerprint of what they read), kept this long; the beat schedule fills every mayor's default view.
MAPS_STATISTICS_CACHE_S = env.int("MAPS_STATISTICS_CACHE_S", default=7 * 24 * 3600)
MAPS_STATISTICS_DASHBOARD_WARM_S = env.float("MAPS_STATISTICS_DASHBOARD_WARM_S", default=15 * 60.0)
CELERY_BEAT_SCHEDULE["maps-dashboards-warm"] = {
    "task": "maps.dashboards_warm",
    "schedule": MAPS_STATISTICS_DASHBOARD_WARM_S,
}


# ---------------------------------------------------------------------------------------------
# patrols: Opération Tranquillité Vacances
# ---------------------------------------------------------------------------------------------
# A declared absence (and its visits) is deleted this many days after it ends or is cancelled.
PATROLS_ABSENCE_RETENTION_DAYS = env.int("PATROLS_ABSENCE_RETENTION_DAYS", default=30)
# The resident is reminded this many days before the absence starts (declared earlier than that).
PATROLS_ABSENCE_REMINDER_DAYS = env.int("PATROLS_ABSENCE_REMINDER_DAYS", default=2)
# Longest absence one declaration covers.
PATROLS_ABSENCE_MAX_DAYS = env.int("PATROLS_ABSENCE_MAX_DAYS", default=92)
# A visit is recorded only from a phone within this distance of the home (metres).
PATROLS_VISIT_MAX_DISTANCE_M = env.int("PATROLS_VISIT_MAX_DISTANCE_M", default=150)
# A second tap by the same agent within this many minutes is the same visit (one notice).
PATROLS_VISIT_REPEAT_MINUTES = env.int("PATROLS_VISIT_REPEAT_MINUTES", default=10)
# The police chief's figures count a published burglary within this distance of a watched home as a
# burglary of that home (alerts are placed where the resident points, not on the building).
PATROLS_HOME_MATCH_M = env.int("PATROLS_HOME_MATCH_M", default=30)
# A recorded burglary of an imported police.uk file counts for a home under watch within this
# distance: police.uk moves each crime to an anonymised snap point of its street.
MAPS_PATROL_RECORDED_MATCH_M = env.int("MAPS_PATROL_RECORDED_MATCH_M", default=250)
CELERY_BEAT_SCHEDULE.update(
    {
        "patrols-absences-purge": {"task": "patrols.absences_purge", "schedule": 6 * 3600.0},
        "patrols-absence-reminders": {"task": "patrols.absence_reminders_send", "schedule": 3600.0},
    }
)
