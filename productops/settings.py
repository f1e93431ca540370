"""The one settings module. Every knob is an environment variable; see README.md for the table."""

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from productops import embedded
from productops.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_required,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("PRODUCTOPS_DATA_DIR", str(BASE_DIR / ".data")))

ENVIRONMENT = env_choice("DJANGO_ENV", "development", {"development", "production"})
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names in production.")
else:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-never-use-in-production-0123456789")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG cannot be on in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "productops",
    "inventory",
    "feedback",
    "planning",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions: a cookie or path holding NUL never reaches a database lookup.
    "productops.edge.RefuseUnstorableText",
    # Outside CommonMiddleware: an unmatched /api/ path answers JSON, never the debug page.
    "productops.api_errors.ApiNotFoundAsJson",
    # The unchanged planning poll (once a second per open room) answered from its lease in the
    # cache, without the session, CSRF, auth, messages or URL resolving it does not need.
    "planning.middleware.UnchangedPoll",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # The address a request reached the app at, for the links an email it sends carries.
    "productops.site.ServedAt",
]

ROOT_URLCONF = "productops.urls"
WSGI_APPLICATION = "productops.wsgi.application"
AUTH_USER_MODEL = "productops.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "productops.context_processors.shell",
            ],
            # One money format on every page without a {% load %} (productops/money.py).
            "builtins": [
                "productops.templatetags.money",
                "productops.templatetags.badges",
                "productops.templatetags.figures",
                "productops.templatetags.ages",
            ],
        },
    },
]

# The database: DATABASE_URL, or the embedded PostgreSQL under .data/.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL is None:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL must be set in production.")
    DATABASE_URL = embedded.postgres_url(DATA_DIR)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured(
        "productops runs on PostgreSQL only: DATABASE_URL must be postgres://"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: cache, rate limits and the Celery broker when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL is None and PRODUCTION:
    raise ImproperlyConfigured("REDIS_URL must be set in production.")
# Redis is never a dependency of a request: short socket timeouts, and callers of the cache
# (rate limits) fall back to the per-process "local" cache when it cannot be reached.
REDIS_SOCKET_TIMEOUT_SECONDS = env_int("REDIS_SOCKET_TIMEOUT_SECONDS", 2)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "productops.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "productops"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 5 * 1024 * 1024)

# Mail: a file per message under .data/mail in development, SMTP in production.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "productops <no-reply@productops.local>")
if PRODUCTION and not env_str("EMAIL_HOST"):
    raise ImproperlyConfigured("EMAIL_HOST must be set in production: invitations need email.")
if env_str("EMAIL_HOST"):
    _mail_folder: str | None = None
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST"),
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 20,
            },
        }
    }
else:
    _mail_folder = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": _mail_folder},
        }
    }

# Security: a strict CSP everywhere; no inline script or style, nonces where a tag needs one.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Database sessions read through a copy in the cache, telling the cache when one ends (what the
# planning poll's lease keys on): productops/session_store.py.
SESSION_ENGINE = "productops.session_store"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Rate limits (requests per window) on sign-in and the API.
SIGN_IN_FAILURES_ALLOWED = env_int("SIGN_IN_FAILURES_ALLOWED", 5)
SIGN_IN_FAILURE_WINDOW_SECONDS = env_int("SIGN_IN_FAILURE_WINDOW_SECONDS", 15 * 60)
# How many proxies (load balancers) stand in front of the app and append to X-Forwarded-For;
# the client address for rate limits is read that many hops from the right.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 600)
INVITATION_LIFETIME = timedelta(days=env_int("INVITATION_LIFETIME_DAYS", 7))
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "productops.api_auth.BearerTokenAuthentication",
        "productops.api_auth.KeptSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["productops.api_auth.WorkspaceCapability"],
    "DEFAULT_PAGINATION_CLASS": "productops.api_paging.NewestFirstCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "productops.api_errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only: no endpoint takes form encodings, so the schema advertises none.
    "DEFAULT_PARSER_CLASSES": ["productops.api_parsers.JSONBodyParser"],
    "DEFAULT_METADATA_CLASS": "productops.api_parsers.MethodsMetadata",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": ["productops.api_throttle.WorkspaceRateThrottle"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "productops API",
    "DESCRIPTION": "Feedback intake, triage, tools, planning and reporting for Product Ops.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # PATCH bodies as the server checks them: `version` stays required (a split "Patched"
    # component would mark every field optional).
    "COMPONENT_SPLIT_PATCH": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "productops.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ToolStatusEnum": "inventory.models.ToolStatus",
        "ToolRequestStatusEnum": "inventory.models.RequestStatus",
        "FeedbackStatusEnum": "feedback.models.Status",
        "MemberRoleEnum": "productops.models.Role",
        "SessionKindEnum": "planning.models.SessionKind",
        "DecisionOutcomeEnum": "planning.models.DecisionOutcome",
        "ActionItemStatusEnum": "planning.models.ActionStatus",
        "ImportJobStatusEnum": "productops.models.ImportJob.Status",
        "MetricUnitEnum": "dashboards.api_figures.UNITS",
        "UnitEnum": "planning.models.CapacityUnit",  # its name before metrics had a unit
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1/w/\{slug\}",
}

# Celery: Redis when REDIS_URL is set, else a broker on the file system under .data/broker.
# With Redis, publishing gives up at once when it is down (no connection retries: they held each
# request for seconds); the row in Postgres stays and the sweeper enqueues it later. Workers
# still reconnect for ever: their consumer passes its own retry settings.
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
}
# Options differ in kind between the two brokers: Redis's numbers, the file system's folders.
CELERY_BROKER_TRANSPORT_OPTIONS: Mapping[str, object]
_broker_folders: dict[str, str] = {}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_SOCKET_TIMEOUT_SECONDS
else:
    # The host names nothing to the file system (its folders are the options below), but kombu
    # warns "No hostname was supplied" at every start of a process without one.
    CELERY_BROKER_URL = "filesystem://localhost/"
    _broker_folders = embedded.broker_folders(DATA_DIR)
    CELERY_BROKER_TRANSPORT_OPTIONS = _broker_folders
    CELERY_RESULT_BACKEND = f"file://{DATA_DIR / 'results'}"
# One immediate retry reconnects a pooled connection that went stale (Redis restarted); no wait.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0,
    "interval_max": 0,
}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "productops")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# How long a task that works through a backlog (an import, feedback processing) runs before it
# queues its next stretch behind whatever waits: far under the time limits, and about the
# longest a task queued meanwhile waits for each such chain ahead of it.
BACKGROUND_STRETCH_SECONDS = env_int("BACKGROUND_STRETCH_SECONDS", 10)
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = "celery.beat:PersistentScheduler"
CELERY_BEAT_SCHEDULE_FILENAME = env_str(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(DATA_DIR / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE = {
    "sweep-lost-work": {"task": "productops.tasks.sweep", "schedule": timedelta(minutes=1)},
    "inventory-renewal-reminders": {
        "task": "inventory.tasks.send_renewal_reminders",
        "schedule": crontab(hour=7, minute=5),
    },
    "purge-idempotency-keys": {
        "task": "productops.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=17),
    },
    # Hourly: each workspace gets its digest in the first run after Monday 07:00 its time.
    "dashboards-weekly-digests": {
        "task": "dashboards.tasks.send_weekly_digests",
        "schedule": crontab(minute=3),
    },
    "dashboards-tools-nightly": {
        "task": "dashboards.tasks.rebuild_tools_nightly",
        "schedule": crontab(hour=0, minute=11),
    },
}

# Everything written at run time, made at start (in every process: web, worker, beat, commands).
embedded.make_folders(
    DATA_DIR,
    Path(CELERY_BEAT_SCHEDULE_FILENAME).parent,
    *([] if REDIS_URL else [DATA_DIR / "cache", DATA_DIR / "results"]),
    *_broker_folders.values(),
    *([_mail_folder] if _mail_folder else []),
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refusals": {"()": "productops.log_filters.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print each record a second time through root's.
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["refusals"]},  # a 403 is one line, no traceback
        "django.db.backends": {"level": "WARNING"},
        # The embedded server's start/stop chatter (it logs even while Python shuts down).
        "pgserver": {"level": "WARNING"},
    },
}

# Absolute links in emails outside a request, and in every email when the environment sets it
# (productops/site.py; `manage.py serve --addr` and `seed_demo --port` set it from their port).
SITE_URL = env_str("SITE_URL", env_str("PRODUCTOPS_SERVED_AT", "http://127.0.0.1:8000")).rstrip("/")
