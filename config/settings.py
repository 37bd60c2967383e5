"""Tandem settings: read from the environment only (see platform/env.example)."""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import StrictEnv

env = StrictEnv()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("TANDEM_VAR_DIR", default=str(BASE_DIR / "var")))

# The embedded defaults are for `make run` and the tests on one machine; production sets a
# real secret key, its hosts and TANDEM_HTTPS=true. DEBUG is off unless asked for (`make run`
# sets DJANGO_DEBUG=true): a deployment that forgets it shows no tracebacks.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="django-insecure-tandem-development-only")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.url("TANDEM_SITE_URL", default="http://127.0.0.1:8000").geturl().rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "appointments",
    "homework",
    "clients",
    "careplans",
    "safety",
    "measures",
    "progress",
    "therapists",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "accounts.middleware.ClearSiteDataMiddleware",
    "accounts.middleware.RouteAccessMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "safety.context_processors.safety_alerts",
            ],
            # Django's `date` filter with its text kept (the same text, made once).
            "builtins": ["accounts.templatetags.dates"],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a request does not pay for a new PostgreSQL connection (and its
# authentication); a connection that went away is noticed before the request uses it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL only: "off" behind a pooler that cannot keep prepared statements (PgBouncer in
# transaction mode without max_prepared_statements).
_threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="5")
if _threshold != "off" and not _threshold.isdigit():
    raise ImproperlyConfigured(
        "Environment variable DATABASE_PREPARE_THRESHOLD is malformed: a number of runs, or off"
    )
_prepare_threshold = None if _threshold == "off" else int(_threshold)
# One test database per test run, so that runs side by side never share one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server, worker and beat share one file without "database is locked".
    # secure_delete overwrites deleted rows with zeros, so that erased data is not left in
    # free pages (the erasure then empties the WAL: clients.services.account_erase).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so that the worker processes of the end-to-end tests share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-tandem-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    # Parameters travel apart from the SQL, so that PostgreSQL keeps the parsed and planned
    # statement of a query run often on a connection (psycopg prepares it after
    # DATABASE_PREPARE_THRESHOLD runs).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=_prepare_threshold
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security -----------------------------------------------------------------------
HTTPS = env.bool("TANDEM_HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Idle timeout: the session expires after this many seconds without a request. It is
# renewed by a request at most once a minute (accounts.middleware), so it may end up to a
# minute early; the absolute lifetime is enforced there too.
SESSION_COOKIE_AGE = env.int("TANDEM_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_RENEW_SECONDS = 60
SESSION_ABSOLUTE_SECONDS = env.int("TANDEM_SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # The nonce lets a server-rendered chart's own <style> apply (progress.charts); no
    # inline style attributes are allowed.
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- E-mail -------------------------------------------------------------------------
# `filemail://` writes each message to a file under var/mail; `filemail:///abs/path` elsewhere.
_email = env.email_url("EMAIL_URL", default="filemail://")
if _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    _mail_path = urlsplit(env.str("EMAIL_URL", default="filemail://")).path
    _mail_options = {"file_path": _mail_path or str(VAR_DIR / "mail")}
elif _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": _email["EMAIL_HOST"],
        "port": _email.get("EMAIL_PORT") or 25,
        "username": _email.get("EMAIL_HOST_USER") or None,
        "password": _email.get("EMAIL_HOST_PASSWORD") or None,
        "use_tls": bool(_email.get("EMAIL_USE_TLS")),
        "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
        "timeout": 10,
    }
    # Django's, with the connection kept between a worker's messages (config/mail.py).
    _email["EMAIL_BACKEND"] = "config.mail.EmailBackend"
else:
    _mail_options = {}
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tandem <no-reply@tandem.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
    }
else:
    # One folder for in and out: producers and consumers on this machine share it.
    CELERY_QUEUE_DIR = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR),
        "data_folder_out": str(CELERY_QUEUE_DIR),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    CELERY_QUEUE_DIR.mkdir(parents=True, exist_ok=True)
# The queue tasks go to and workers read by default (a deployment or a test run of its own).
CELERY_TASK_DEFAULT_QUEUE = env.str("TANDEM_CELERY_QUEUE", default="celery")
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Worker processes: twice the cores by default. Tasks spend much of their time waiting on the
# mail server's replies and the commit that marks each e-mail sent; on two cores, four
# processes sent a week's digests about a sixth faster than two (docs/BENCHMARKS.md), with the
# same throughput for a task that waits on nothing.
CELERY_WORKER_CONCURRENCY = env.int(
    "TANDEM_WORKER_CONCURRENCY", default=2 * (os.process_cpu_count() or 1)
)
CELERY_TASK_SOFT_TIME_LIMIT = 30
CELERY_TASK_TIME_LIMIT = 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# A request whose broker is down must not hang: publish retries are few and short.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fixup closes the database connection around every task unless this is set
# (a new PostgreSQL connection per task costs about as much as a digest). With it, the fixup
# closes only every this many tasks; between, config/celery_app.py gives tasks the lifecycle
# requests have: CONN_MAX_AGE, health checks, and a broken connection replaced.
CELERY_DB_REUSE_MAX = 1000
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "config.heartbeat",
        "schedule": timedelta(seconds=env.int("TANDEM_HEARTBEAT_SECONDS", default=60)),
    },
    # The only periodic task that decides who gets an e-mail: local times live in the rows.
    # Its sweep hands over every e-mail saved while the broker was down (invitations too); a
    # tick missed while no worker ran is dropped (expires), as the next one does the same work.
    "notifications-tick": {
        "task": "notifications.tasks.tick",
        # Tests set TANDEM_TICK_SECONDS to tick faster than once a minute.
        "schedule": (
            timedelta(seconds=env.int("TANDEM_TICK_SECONDS"))
            if env.str("TANDEM_TICK_SECONDS", default="")
            else crontab(minute="*")
        ),
        "options": {"expires": 55},
    },
    # Idempotency keys of record creation are kept a week (clients.idempotency); a missed
    # run is caught up by the next, and an expired key is treated as new whenever it comes.
    "clients-purge-idempotency-keys": {
        "task": "clients.tasks.purge_idempotency_keys",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 3600},
    },
}

# --- REST API -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.RouteAccess",
    ],
    # Bodies are bounded in size (JSON in depth too) and must be UTF-8: bad input is a 400 or
    # 413, never a 500 or replacement characters.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "config.parsers.FormParser",
        "config.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Per signed-in user (any device or token) or, anonymous, per client address. A phone or
    # an integration stays far below these; a script looping on the API does not.
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.APIRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user_burst": env.rate("TANDEM_API_RATE_USER_BURST", default="120/min"),
        "user_sustained": env.rate("TANDEM_API_RATE_USER_SUSTAINED", default="1200/hour"),
        "anon_burst": env.rate("TANDEM_API_RATE_ANON_BURST", default="30/min"),
        "anon_sustained": env.rate("TANDEM_API_RATE_ANON_SUSTAINED", default="300/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "Homework, records and progress between therapy sessions.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The docs page loads Swagger UI from our own static files, within the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CareStatusEnum": "accounts.models.CareStatus",
        "AssignmentStatusEnum": "homework.models.AssignmentStatus",
        "HomeworkKindEnum": "homework.models.Kind",
        "RelationshipKindEnum": "clients.models.RelationshipKind",
        "TimelineKindEnum": "clients.selectors.TimelineKind",
        "WeekdayEnum": "notifications.models.WEEKDAYS",
        "SessionStatusEnum": "appointments.models.Status",
        "SessionModeEnum": "appointments.models.Mode",
    },
    # Every operation lists the error answers it can give, with their bodies.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_errors",
    ],
}

# --- Logging ------------------------------------------------------------------------
# Every handler redacts path tokens (invitation, calendar feed, password reset links):
# config.redaction. Django's own default handlers are replaced, as they would not.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "config.redaction.RedactTokens"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tokens"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["redact_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # Their debug lines name the URLs they call: a push endpoint is a device's secret.
        "urllib3": {"level": "WARNING"},
        "pywebpush": {"level": "WARNING"},
    },
}

# --- Accounts (django-allauth) --------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Addresses are normalised one way everywhere (accounts.addresses), sign-in and reset too.
ACCOUNT_FORMS = {
    "login": "accounts.forms.SignInForm",
    "reset_password": "accounts.forms.PasswordResetForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Tandem: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
ACCOUNT_RATE_LIMITS = {
    # Failures count per client address, and per client address and account (the `key`,
    # see accounts.adapters), never per account alone: a stranger cannot lock anyone out.
    # The per-account steps back off: 5 failures wait out 5 minutes, 10 an hour, 20 a day.
    # A password reset clears them.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,60/h/ip,5/5m/key,10/h/key,20/d/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
# Addresses (or networks) of the reverse proxies in front of the app: X-Forwarded-For is
# believed only from them (accounts.network), for the audit log and the sign-in limits.
TANDEM_TRUSTED_PROXIES = env.list("TANDEM_TRUSTED_PROXIES", default=[])
try:
    [ipaddress.ip_network(entry, strict=False) for entry in TANDEM_TRUSTED_PROXIES]
except ValueError as exc:
    raise ImproperlyConfigured(
        f"Environment variable TANDEM_TRUSTED_PROXIES is malformed: {exc}"
    ) from exc
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Tandem"
# Therapists and staff must have TOTP before any client data is shown to them. The demo
# started by `make run` may relax this; production leaves it on.
# Crisis resources shown to a client right after they signal risk: a JSON list of objects with
# "name" and optionally "detail", "phone", "url" and "country" (shown only to clients in that
# country). The default points to emergency services without naming any country's number.
TANDEM_CRISIS_RESOURCES = env.json(
    "TANDEM_CRISIS_RESOURCES",
    default=[
        {
            "name": "Your local emergency number",
            "detail": "If you are in danger now, or might act on thoughts of harming yourself, "
            "call your local emergency number or go to the nearest emergency department.",
        }
    ],
)
# A safety alert still unacknowledged this many hours after its first e-mail is sent again.
TANDEM_SAFETY_REALERT_HOURS = env.int("TANDEM_SAFETY_REALERT_HOURS", default=24)
TANDEM_REQUIRE_MFA = env.bool("TANDEM_REQUIRE_MFA", default=True)
INVITATION_MAX_AGE_DAYS = env.int("TANDEM_INVITATION_MAX_AGE_DAYS", default=7)
# First wait before retrying an e-mail the SMTP server could not take; doubles each time up
# to the maximum. The tick (once a minute) hands due retries to the workers.
TANDEM_MAIL_RETRY_SECONDS = env.float("TANDEM_MAIL_RETRY_SECONDS", default=60.0)
TANDEM_MAIL_RETRY_MAX_SECONDS = env.float("TANDEM_MAIL_RETRY_MAX_SECONDS", default=3600.0)

# Web Push: the server's VAPID private key (URL-safe base64 of the 32-byte P-256 scalar, or
# of its DER). Unset: the key `manage.py push_keys` kept under var/ (the demo's), else push
# is off and everything goes by e-mail.
PUSH_KEY_FILE = VAR_DIR / "push" / "vapid-private-key"
TANDEM_VAPID_PRIVATE_KEY = env.str(
    "TANDEM_VAPID_PRIVATE_KEY",
    default=PUSH_KEY_FILE.read_text().strip() if PUSH_KEY_FILE.is_file() else "",
)
# Who runs this server, for the push services (RFC 8292): a mailto: or https: URI.
TANDEM_VAPID_SUBJECT = env.str(
    "TANDEM_VAPID_SUBJECT",
    default="mailto:" + DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].strip(" >"),
)
# Push endpoints must be https; the demo may also accept http:// on this machine.
TANDEM_PUSH_ALLOW_HTTP_LOOPBACK = env.bool("TANDEM_PUSH_ALLOW_HTTP_LOOPBACK", default=DEBUG)

CACHES = {
    "default": (
        env.cache_url("CACHE_URL")
        if "CACHE_URL" in env
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}
    )
}
# The API's rate limits (config.throttling): Redis when there is one, shared by every web
# worker at no SQL cost; else the database cache (the two it can count in atomically).
# Short timeouts: a Redis that does not answer lets requests through rather than hanging them.
# Rendered parts of pages, keyed on the data versions of the people they show
# (accounts.versions): Redis when there is one, shared by every web worker; else each
# process keeps its own, bounded.
CACHES["pages"] = (
    {
        "BACKEND": "config.redis_cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tandem-pages",
        "TIMEOUT": 3600,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
)
CACHES["throttle"] = (
    {
        "BACKEND": "config.redis_cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tandem",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}
)
