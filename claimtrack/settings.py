"""Settings: everything that differs between machines comes from the environment (12-factor)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
import pghistory
from django.core.exceptions import ImproperlyConfigured

from apps.core.database import REPLICA_LAG_CHECK_SECONDS, database_config, replica_configs, server_setting

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local .env (made by `make install`, git-ignored) fills in what the environment leaves unset;
# ENV_FILE="" turns it off, ENV_FILE=path points elsewhere.
_env_file = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    env.read_env(_env_file)

DEBUG = env.bool("DEBUG", default=False)

# Django's own measure of a real key (`check --deploy`): 50 characters or more, 5 different ones or
# more, not the development prefix. A weaker key signs sessions and CSRF tokens someone can forge.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or too weak: set SECRET_KEY to a random value of 50 characters or more "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or DEBUG=true for development."
    )
if not SECRET_KEY:
    SECRET_KEY = "django-insecure-development-only"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS everywhere unless DEBUG: `manage.py check --deploy` is clean with DEBUG off (tests/core).
# Behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER=true so Django trusts its
# X-Forwarded-Proto header; HSTS is a promise browsers keep for a year, preload for good.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# load balancers probe over plain HTTP inside the network
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    # not "pghistory.admin": its templates add "Events" buttons beside each row's History, which
    # shows the row's events in words (apps/core/admin_helpers.py); apps/core/admin.py registers
    # its all-events page, out of the index
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    # API tokens hashed at rest, with an expiry and a logout (apps/api/v1/auth.py)
    "knox",
    # failed logins counted by account and address, in the database every worker shares
    "axes",
    "django_filters",
    "drf_spectacular",
    # /readyz: the database answers and every migration is applied (apps/core/health.py)
    "health_check",
    "pgtrigger",
    "pghistory",
    # the task queue on PostgreSQL: background regrades (apps/credibility/tasks.py, docs/scaling.md)
    "procrastinate.contrib.django",
    "apps.core",
    "apps.entities",
    "apps.documents",
    "apps.claims",
    "apps.credibility",
    "apps.accounts",
    "apps.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # static files (the admin's, the workspace's scripts) from the process itself, compressed and
    # cached, with DEBUG off: no separate file server to set up (docs/scaling.md)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # a NUL in a path or query parameter is a 400; so is a value the database cannot hold
    "apps.core.middleware.RefuseNulMiddleware",
    # an oversized API request is a JSON 413/414 before anything reads it
    "apps.api.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # every change a request makes is recorded with its user and URL (apps/core/history.py)
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # API reads to a replica when DATABASE_REPLICA_URLS names some, with read-your-writes; below the
    # authentication, so it knows the client, and low, so a read retried on the primary re-runs little
    "apps.core.replicas.ReplicaMiddleware",
    "apps.api.middleware.StatementTimeoutMiddleware",
    # last, as django-axes asks: a locked-out login (admin or API) becomes a 429 with Retry-After
    "axes.middleware.AxesMiddleware",
]

# A searched list's numbered pages are drawn from this many newest matches (0: all of them);
# cursor pages walk every match. See docs/search.md.
SEARCH_WINDOW = env.int("SEARCH_WINDOW", default=2000)

# An API request with a longer query string is a 414 (filters and a search fit in far less).
API_MAX_QUERY_STRING = env.int("API_MAX_QUERY_STRING", default=8192)

# Every API request's queries are cancelled past this many milliseconds (a 503); 0 turns it off.
API_STATEMENT_TIMEOUT_MS = env.int("API_STATEMENT_TIMEOUT_MS", default=15_000)

# PostgreSQL's parallel workers a query of an API request may start (max_parallel_workers_per_gather;
# PostgreSQL's own default is 2): none, as a page of 50 does not repay starting them, and under load
# they take the cores other requests wait for (docs/performance.md §16). A search's window still
# uses them for its one scan of many rows (apps.core.search).
API_PARALLEL_WORKERS = env.int("API_PARALLEL_WORKERS", default=0)

# ClaimReview JSON-LD (apps/api/v1/formats/claimreview.py): the organisation that publishes the reviews
# (its url empty: the site this API answers on), and each review's page, `{id}` the claim's id (empty:
# the claim's API address).
CLAIMREVIEW_PUBLISHER_NAME = env.str("CLAIMREVIEW_PUBLISHER_NAME", default="ClaimTrack")
CLAIMREVIEW_PUBLISHER_URL = env.str("CLAIMREVIEW_PUBLISHER_URL", default="")
CLAIMREVIEW_URL_TEMPLATE = env.str("CLAIMREVIEW_URL_TEMPLATE", default="")
if CLAIMREVIEW_URL_TEMPLATE and (
    not CLAIMREVIEW_URL_TEMPLATE.startswith(("https://", "http://")) or "{id}" not in CLAIMREVIEW_URL_TEMPLATE
):
    raise ImproperlyConfigured(
        "CLAIMREVIEW_URL_TEMPLATE must be an absolute http(s) address with {id} where the claim's id goes "
        "(https://example.org/claims/{id}/), or empty for the claim's API address."
    )
if CLAIMREVIEW_PUBLISHER_URL and not CLAIMREVIEW_PUBLISHER_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("CLAIMREVIEW_PUBLISHER_URL must be an absolute http(s) address, or empty.")

ROOT_URLCONF = "claimtrack.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "claimtrack" / "templates"],
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

WSGI_APPLICATION = "claimtrack.wsgi.application"

DATABASES = {"default": database_config(env, VAR_DIR)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# PostgreSQL's JIT compiler, off unless DATABASE_JIT=true: it compiles a query whose estimated cost
# passes jit_above_cost, and the estimates of the admin's claim search (its correlated counts) pass
# it by far on a few hundred claims: 0.9 s of compiling for a query that runs in 15 ms
# (docs/performance.md, "JIT"). Short web queries never repay it.
DATABASE_JIT = env.bool("DATABASE_JIT", default=False)
if not DATABASE_JIT:
    server_setting(DATABASES["default"].setdefault("OPTIONS", {}), "jit", "off")
# Django's psycopg connection pool (on with DATABASE_POOL=true, as `make serve` sets it): each process
# keeps its connections open instead of opening one per request (about 10 ms a read, 24 a write)
if env.bool("DATABASE_POOL", default=False):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
        "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them: Django must not as well

# Read replicas (docs/scaling.md, "Read replicas"): PostgreSQL streaming replicas, as replica_1, replica_2, …
# configured as the primary is. API reads go to one (apps/core/replicas.py), everything else to the
# primary; a client that wrote reads from the primary for DATABASE_REPLICA_STICKY_SECONDS; a replica
# more than DATABASE_REPLICA_MAX_LAG_SECONDS behind, or that does not answer, is skipped.
DATABASES.update(
    replica_configs(
        urls=env.list("DATABASE_REPLICA_URLS", default=[]),
        default=DATABASES["default"],
        connect_timeout=env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2),
        statement_timeout_ms=API_STATEMENT_TIMEOUT_MS,
        jit=DATABASE_JIT,
        parallel_workers=API_PARALLEL_WORKERS,
    )
)
DATABASE_ROUTERS = ["apps.core.replicas.ReplicaRouter"]
DATABASE_REPLICA_STICKY_SECONDS = env.float("DATABASE_REPLICA_STICKY_SECONDS", default=10.0)
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=5.0)
# a replica that did not answer is left alone this long before it is tried again
DATABASE_REPLICA_RETRY_SECONDS = env.float("DATABASE_REPLICA_RETRY_SECONDS", default=5.0)
# read-your-writes: a replica in use is at most the lag allowed plus the age of its last measurement
# behind, so a writer returns to the replicas only once its write is on every one they may use
if DATABASE_REPLICA_STICKY_SECONDS < DATABASE_REPLICA_MAX_LAG_SECONDS + REPLICA_LAG_CHECK_SECONDS:
    raise ImproperlyConfigured(
        f"DATABASE_REPLICA_STICKY_SECONDS ({DATABASE_REPLICA_STICKY_SECONDS:g}) must be at least "
        f"DATABASE_REPLICA_MAX_LAG_SECONDS ({DATABASE_REPLICA_MAX_LAG_SECONDS:g}) plus "
        f"{REPLICA_LAG_CHECK_SECONDS:g}: a client that wrote could otherwise read a replica without "
        "its write."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # first: it refuses a locked-out account or address before a password is even hashed
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failed logins from one address, or for
# one username, that address or account is locked out of the admin login and the token endpoint for
# LOGIN_LOCKOUT_MINUTES (a 429 with Retry-After); a successful login clears its count.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
# a lock-out runs from the failure that set it: more guesses do not keep an account locked for ever
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "apps.accounts.security.client_ip"
AXES_LOCKOUT_CALLABLE = "apps.accounts.security.lockout_response"
AXES_VERBOSE = False

# API tokens (django-rest-knox): only their SHA-512 is stored; each login makes a new one that
# expires after API_TOKEN_TTL_HOURS; logout revokes it, a password change revokes them all.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=10)),
    "AUTH_HEADER_PREFIX": "Token",
}

# Shared by every worker and process: API throttle counters. Redis when REDIS_URL is set, else a
# table in the database (made by apps/core/migrations/0003_cache_table).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "claimtrack",
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "claimtrack_cache"}
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# `make serve` collects them with content hashes in their names (cached for a year: a new version
# is a new name); elsewhere they are served compressed under their own names, no collectstatic needed
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
# without a collectstatic (tests, `make run`), the files are found where the apps keep them; the
# (empty, git-ignored) folder is made so that whitenoise has no missing STATIC_ROOT to warn about
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
if not STATIC_MANIFEST:
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)

# The admin's bulk actions and inlines post many fields at once (a document with its attestations).
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=5000)
# The largest request body accepted (a long report's text fits): larger is a 413 in the API
# (apps/api/middleware.py), Django's 400 in the admin.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

REST_FRAMEWORK = {
    # Token first: an anonymous write is then a 401 with `WWW-Authenticate: Token`, which tells a
    # script what to send; the browsable API still logs in with the session.
    # JSON by orjson (apps/api/v1/renderers.py), and the browsable API for people
    "DEFAULT_RENDERER_CLASSES": [
        "apps.api.v1.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.api.v1.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.v1.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        # django-filter's, skipped for a request that names none of the view's filters
        "apps.api.v1.filters.FilterBackend",
        "apps.api.v1.filters.StrictOrderingFilter",
        # ?updated_after= on every list of rows that record when they changed
        "apps.api.v1.updated_after.UpdatedAfterFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.api.v1.pagination.HybridPagination",
    # strict bodies: JSON without NaN, 1e400 or deep nesting; forms only in valid UTF-8
    "DEFAULT_PARSER_CLASSES": [
        "apps.api.v1.parsers.JSONParser",
        "apps.api.v1.parsers.FormParser",
        "apps.api.v1.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "apps.api.v1.exceptions.exception_handler",
    # drf-spectacular's, with the error answers (400, 401, 404, 503…) listed for each operation
    "DEFAULT_SCHEMA_CLASS": "apps.api.v1.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.api.v1.throttles.AnonRateThrottle",
        # a signed-in user's rate; an anonymous client is counted once, by the line above
        "apps.api.v1.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/minute"),
        "user": env.str("THROTTLE_USER", default="1200/minute"),
        # POST /api/v1/auth/token/, by client address: a password costs a second of hashing
        "login": env.str("THROTTLE_LOGIN", default="20/minute"),
    },
    # proxies in front that append to X-Forwarded-For; 0: the header is ignored, REMOTE_ADDR counts
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ClaimTrack API",
    "DESCRIPTION": "Claims, the exact quotes that attest them, their sources and their conflicts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "apps.core.models.DatePrecision",
        "EntityKindEnum": "apps.entities.models.Entity.Kind",
        "DocumentKindEnum": "apps.documents.models.Document.Kind",
        "RelationKindEnum": "apps.claims.models.ClaimRelation.Kind",
    },
}

# History (apps/core/history.py): the events admin lists who made each change and from which URL.
PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"
# the time of the change itself, not of its transaction: events of one save come out in order
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"
# no reverse accessor from a tracked row to its events: code that walks the model graph (an entity
# merge moves "every row pointing at it") must never move history onto another row
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(related_name="+")
# the requests that may change rows open a history context (who, from which URL); a GET or HEAD
# changes none, and opening one took a claim's detail 0.3 ms of its 2.4 (docs/performance.md §17)
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Background regrades (apps/credibility/tasks.py): a write that moves at most REGRADE_INLINE_MAX claims
# regrades them in its own request; more go to the task queue, REGRADE_CHUNK_SIZE claims a job, each
# job its own transaction. `make run` and `make serve` start a worker (`manage.py procrastinate worker`).
REGRADE_INLINE_MAX = env.int("REGRADE_INLINE_MAX", default=200)
REGRADE_CHUNK_SIZE = env.int("REGRADE_CHUNK_SIZE", default=500)
# A worker says it is alive every WORKER_HEARTBEAT_SECONDS; one silent for WORKER_STALLED_SECONDS is
# taken for dead, and the jobs it was running are retried by another worker.
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": env.float("WORKER_HEARTBEAT_SECONDS", default=10.0),
    "stalled_worker_timeout": env.float("WORKER_STALLED_SECONDS", default=30.0),
}
# How often a worker looks for the jobs of a silent worker and for batches left without a job (cron;
# a sixth field is seconds)
REGRADE_WATCH_CRON = env.str("REGRADE_WATCH_CRON", default="* * * * *")
# procrastinate's job tables in the admin are for reading: jobs are deferred by the services only
PROCRASTINATE_READONLY_MODELS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
