"""Casecast settings: one module, driven by environment variables.

Every variable is documented in docs/configuration.md. With nothing set, the site
runs locally on SQLite with Celery tasks executed eagerly in-process.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
_INSECURE_DEV_KEY = "django-insecure-local-development-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="" if not DEBUG else _INSECURE_DEV_KEY)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
# Keys the network pseudonym of people who agree to link studies (casecast.network.identity).
# Set it once and never change it; empty derives one from SECRET_KEY (check --deploy warns).
NETWORK_PSEUDONYM_KEY = env.str("NETWORK_PSEUDONYM_KEY", default="")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "Casecast"
CONTACT_EMAIL = env.str("CONTACT_EMAIL", default="casecast-support@example.org")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "casecast.core",
    "casecast.accounts",
    "casecast.audit",
    "casecast.notifications",
    "casecast.studies",
    "casecast.vignettes",
    "casecast.forecasts",
    "casecast.resolution",
    "casecast.training",
    "casecast.feedback",
    "casecast.network",
    "casecast.trial_results",
    "casecast.practice",
    "casecast.reports",
    "casecast.judgement",
    "casecast.teams",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "casecast.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "casecast.accounts.two_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "casecast.core.control_characters.ControlCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casecast.urls"
WSGI_APPLICATION = "casecast.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casecast.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'casecast.sqlite3'}")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
# A persistent connection the server dropped (restart, failover, idle timeout)
# is tested at the start of each request and replaced, instead of failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails a request in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DB_CONNECT_TIMEOUT", default=5
    )
    # Prepared statements: psycopg prepares a query the Nth time a connection runs it, and
    # PostgreSQL then reuses its plan. Planning the journey's joined reads costs several
    # times running them (docs/performance.md, "Seventh round"). Needs server-side binding.
    # Empty turns it off, as a connection pooler in transaction mode needs unless it tracks
    # prepared statements (PgBouncer 1.21+ with max_prepared_statements).
    _prepare_threshold = env.str("DB_PREPARE_THRESHOLD", default="5")
    if _prepare_threshold:
        DATABASES["default"]["OPTIONS"].update(
            server_side_binding=True, prepare_threshold=int(_prepare_threshold)
        )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery (namespace CELERY_, read by tasks/celery_app.py) -------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # No broker configured: run tasks in-process so `make run` needs no services.
    # The host is named so kombu does not warn "No hostname was supplied".
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND",
    default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "cache+memory://",
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tasks are fire-and-forget: progress lives in the database (RescoreJob), so no
# result is stored and the web process never subscribes to a result channel.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The request path never waits long on the broker: a publish that cannot connect
# within these limits fails fast, is logged, and the sweep (tasks/sweep.py)
# does the work later. See docs/deployment.md, "When something fails".
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A message taken by a worker that then dies (acks are late) goes back to
    # the queue after this many seconds. Must exceed the longest task (a full
    # rescore); kombu's default is one hour.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    # Each worker looks for such messages every 10 s (kombu's default scans
    # only every 10th time, so up to ~100 s later). One small Redis read.
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=2.0),
    # kombu reads these as its connection-retry policy: one quick retry, not
    # the default's ~20 s of reconnecting while a participant waits.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": 2.0,
    # Only the diagnostic tasks store results; without this a caller waiting
    # on one retries the result store for ~20 s when Redis is down.
    "retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_BROKER_CONNECTION_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = 2.0
# Workers report in through a periodic task (tasks/beat.py); /healthz reads the
# time of the last report. Older than this, the worker is reported missing.
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=120)
CELERY_TIMEZONE = "Europe/London"

# --- Cache ----------------------------------------------------------------
CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://casecast"),
    # Vignette structure (parts and questions of versions already given to participants,
    # which never change): kept in each process, so journey pages never wait on a network
    # cache for it. See casecast.forecasts.selectors.
    "structure": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "casecast-structure",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# --- Authentication -------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with the per-page user read hand-written (docs/performance.md).
    "casecast.accounts.backends.AccountBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:start"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff password sign-in rate limiting (django-axes): lock the account (by its
# email, not by address, so one office's shared address locks nobody else out)
# after repeated wrong passwords. Personal links do not go through axes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address in the lockout key; that is exactly what locked
# whole offices out. The per-address ceiling is SIGN_IN_FAILURES_PER_ADDRESS instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
SIGN_IN_FAILURES_PER_ADDRESS = env.int("SIGN_IN_FAILURES_PER_ADDRESS", default=100)
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form field; USERNAME_FIELD is "email"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Staff second factor (django-otp): required for site administrators and study
# admins; optional for other staff. Switch off only for local experiments.
STAFF_TWO_FACTOR_REQUIRED = env.bool("STAFF_TWO_FACTOR_REQUIRED", default=True)
# Study roles (StudyMembership.Role values) that must use one; a setting rather than an
# import because accounts sit below studies.
STAFF_TWO_FACTOR_ROLES = env.list("STAFF_TWO_FACTOR_ROLES", default=["admin"])
OTP_TOTP_ISSUER = SITE_NAME
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_HOURS", default=24) * 60 * 60

# Participant personal links (casecast.accounts.links): how long a link works;
# each new link supersedes older ones, and withdrawal or staff revoke them.
PARTICIPANT_LINK_MAX_AGE_DAYS = env.int("PARTICIPANT_LINK_MAX_AGE_DAYS", default=90)
# Throttles, per hour, keyed on what is tried; the per-address ceilings are far
# above what a council office sharing one internet address produces.
LINK_FAILURES_PER_ADDRESS = env.int("LINK_FAILURES_PER_ADDRESS", default=200)
LINK_REQUESTS_PER_EMAIL = env.int("LINK_REQUESTS_PER_EMAIL", default=3)
LINK_REQUESTS_PER_ADDRESS = env.int("LINK_REQUESTS_PER_ADDRESS", default=300)
ENROLMENT_CODE_FAILURES_PER_ADDRESS = env.int("ENROLMENT_CODE_FAILURES_PER_ADDRESS", default=100)

# --- Email ----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Casecast <no-reply@example.org>")

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Uploads ------------------------------------------------------------------
# Uploads (vignette banks, designs, training modules, CSVs) are read whole into memory:
# the largest any upload form accepts. Each form may have a lower limit of its own.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)

# --- Sessions ------------------------------------------------------------------
# Sessions live in the database: Django's database store with its read hand-written
# (casecast/accounts/sessions.py; same table and rules). The signed_cookies engine saves
# one query per request, but a signed cookie cannot be revoked on the server, so a copied
# cookie works until it expires, even after signing out (docs/performance.md).
SESSION_ENGINE = env.str("SESSION_ENGINE", default="casecast.accounts.sessions")

# === Security headers, cookies and CSP (issue 14 item 6) =====================
# One block so other settings edits merge cleanly. Documented in docs/security.md
# ("Headers and CSP") and docs/configuration.md.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp): everything from our own origin, nothing
# inline. There is no 'unsafe-inline' for scripts or styles, so a template must
# not carry <script> bodies, <style> elements or style="" attributes: page
# behaviour lives in static/casecast/*.js, styles in casecast.css. Charts are
# inline SVG drawn with presentation attributes (fill=, stroke=), which CSP
# does not govern. CSP_REPORT_ONLY=1 sends the same policy as report-only,
# for trying a change on a live site without breaking it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
    CONTENT_SECURITY_POLICY = {}
# === end of security block ====================================================

# --- Logging: no personal data in logs, so log ids only --------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Eager (in-process) tasks: no "Task ... succeeded" line per task, so
        # `seed_demo` and `runserver` output stay readable. Failures still show.
        **({"celery.app.trace": {"level": "WARNING"}} if CELERY_TASK_ALWAYS_EAGER else {}),
    },
}

# === Research API (docs/api.md) ==================================================
# Read-only, under /api/v1/, for bearer tokens only (no sessions, so no CSRF to think of).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["casecast.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["casecast.api.throttles.TokenRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# Requests per token: "<n>/<second|minute|hour|day>". Over it, 429 with Retry-After.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/minute")
# The longest a token may last; the token page offers 7, 30, 90 days and 1 year within it.
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
SPECTACULAR_SETTINGS = {
    "TITLE": "Casecast research API",
    "DESCRIPTION": "Read-only, pseudonymised study data: the rows of the export files, a "
    "page at a time. Authenticate with a personal token from the 'API tokens' page "
    "(`Authorization: Bearer cc_…`). See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The schema and its docs describe the API and hold no data: anyone may read them.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI served from our own static files (drf-spectacular-sidecar): the CSP
    # allows no script from a CDN, and the split view keeps its set-up script off the page.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# === end of research API block ====================================================
