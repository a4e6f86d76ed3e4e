"""Rapport settings: one module, every knob read from the environment.

Development defaults are safe to run on a laptop (SQLite under var/, a local key file). With
RAPPORT_DEBUG off, a missing secret stops start-up instead of falling back to a default.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RAPPORT_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    """Read a setting from NAME, or from the file named by NAME_FILE (for mounted secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = env(name)
    return default if value in (None, "") else int(value)


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = envbool("RAPPORT_DEBUG", False)
DEMO_MODE = envbool("RAPPORT_DEMO_MODE", False)
TESTING = envbool("RAPPORT_TESTING", "pytest" in sys.modules)

SECRET_KEY = env("RAPPORT_SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "RAPPORT_SECRET_KEY is not set. Set it (or RAPPORT_SECRET_KEY_FILE) to a long random string, "
            "or set RAPPORT_DEBUG=1 for local development."
        )
    SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production-4f9c2a"

ALLOWED_HOSTS = envlist("RAPPORT_ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = envlist("RAPPORT_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "keys",
    "audit",
    "clinic",
    "plans",
    "notes",
    "portal",
    "reports",
]
# The demo and scale data generators (seed_demo, seed_scale): in debug, demo and test mode only, so that
# production settings never load them (tests/deploy/test_demo_app_absent.py).
if DEBUG or DEMO_MODE or TESTING:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rapport.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "rapport.middleware.LoginRequiredMiddleware",
    "rapport.middleware.SessionLifetimeMiddleware",
    "rapport.middleware.TwoFactorRequiredMiddleware",
    "portal.session.PortalSessionMiddleware",
    "rapport.middleware.PracticeLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rapport.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
    "rapport.middleware.RecordUnreadableMiddleware",
]

ROOT_URLCONF = "rapport.urls"
WSGI_APPLICATION = "rapport.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "rapport" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rapport.context_processors.rapport",
            ],
            # The `date` filter in the practice's date style (rapport.locale.practice_date).
            "builtins": ["rapport.locale"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# var/ holds the SQLite database and the key file: created readable by its owner only (an existing folder keeps
# its mode; keys/database_file.py narrows the database file itself to 0600).
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'rapport.sqlite3'}")
# PostgreSQL: each process keeps its connection for a minute (health-checked before reuse). Opening one per
# request costs the server a new backend with cold catalogue caches: `make bench` measured 14 ms of CPU per
# request, half of a light page's cost. Set 0 behind PgBouncer in transaction mode (docs/deployment.md).
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=envint("RAPPORT_DB_CONN_MAX_AGE", 0 if DATABASE_URL.startswith("sqlite") else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers up front, so the audit chain never forks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20,
         "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")} if envbool(
        "RAPPORT_TEST_DB_ON_DISK", False) else {}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "clinic.User"

# --- Keys and encryption --------------------------------------------------------------------------
# The key-encryption key lives outside the database: a key file (default) or an environment variable.
RAPPORT_KEY_PROVIDER = env("RAPPORT_KEY_PROVIDER", "keys.providers.FileKeyProvider")
RAPPORT_KEY_FILE = Path(env("RAPPORT_KEY_FILE", str(VAR_DIR / "rapport.key")))
RAPPORT_DEK_CACHE_SECONDS = envint("RAPPORT_DEK_CACHE_SECONDS", 300)
# The audit chain's checkpoint (audit.checkpoint): the newest event's id and keyed hash, kept outside the database
# so verify_audit notices deleted newest events. Written every N events, for the first event after the interval,
# at worker exit and by `manage.py audit_checkpoint`.
RAPPORT_AUDIT_CHECKPOINT_FILE = Path(env("RAPPORT_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoint.json")))
RAPPORT_AUDIT_CHECKPOINT_EVERY = envint("RAPPORT_AUDIT_CHECKPOINT_EVERY", 50)
RAPPORT_AUDIT_CHECKPOINT_SECONDS = envint("RAPPORT_AUDIT_CHECKPOINT_SECONDS", 60)

# --- Authentication and sessions ------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if DEBUG:
    PASSWORD_HASHERS.insert(0, "rapport.hashers.DevelopmentArgon2PasswordHasher")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses Argon2
LOGIN_URL = "clinic:login"
# Where TwoFactorRequiredMiddleware (and django-otp's otp_required) send a user who has not passed the second factor.
OTP_LOGIN_URL = "clinic:two-factor"
LOGIN_REDIRECT_URL = "clinic:home"
LOGOUT_REDIRECT_URL = "clinic:login"

RAPPORT_IDLE_TIMEOUT_SECONDS = envint("RAPPORT_IDLE_TIMEOUT_SECONDS", 15 * 60)
RAPPORT_SESSION_MAX_SECONDS = envint("RAPPORT_SESSION_MAX_SECONDS", 12 * 60 * 60)
# The partner portal (portal/): its own idle timeout, the life of an invitation link, and where a link points.
RAPPORT_PORTAL_IDLE_TIMEOUT_SECONDS = envint("RAPPORT_PORTAL_IDLE_TIMEOUT_SECONDS", 15 * 60)
RAPPORT_PORTAL_INVITE_HOURS = envint("RAPPORT_PORTAL_INVITE_HOURS", 72)
# Empty: links use the address the therapist's browser used.
RAPPORT_PUBLIC_URL = env("RAPPORT_PUBLIC_URL", "")
# Crisis line shown to a partner when an answer names self-harm, unless the practice set its own: "US" or "UK".
RAPPORT_CRISIS_COUNTRY = env("RAPPORT_CRISIS_COUNTRY", "UK")
SESSION_COOKIE_AGE = RAPPORT_SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

OTP_TOTP_ISSUER = "Rapport"

# Sign-in lockout (clinic.lockout; values and reasons in README "Security"). Each rule: after `limit`
# failures (for "address": distinct usernames failed) a wait of `first_wait` seconds, doubling with each
# further failure up to `max_wait`, counted from the newest failure.
_LOCKOUT_MAX_WAIT = envint("RAPPORT_LOCKOUT_MAX_MINUTES", 60) * 60
RAPPORT_LOCKOUT = {
    "account_address": {"limit": envint("RAPPORT_LOCKOUT_FAILURES", 5),
                        "first_wait": envint("RAPPORT_LOCKOUT_MINUTES", 15) * 60, "max_wait": _LOCKOUT_MAX_WAIT},
    "account": {"limit": envint("RAPPORT_LOCKOUT_ACCOUNT_FAILURES", 10), "first_wait": 60,
                "max_wait": _LOCKOUT_MAX_WAIT},
    "address": {"limit": envint("RAPPORT_LOCKOUT_ADDRESS_USERNAMES", 5), "first_wait": 60,
                "max_wait": _LOCKOUT_MAX_WAIT},
}
# The account-wide wait does not apply where the account signed in within this many days (0: everywhere).
RAPPORT_LOCKOUT_KNOWN_ADDRESS_DAYS = envint("RAPPORT_LOCKOUT_KNOWN_ADDRESS_DAYS", 30)
# Re-authentication (clinic.reauth: signing notes and plans, key commands): its own per-user throttle.
RAPPORT_REAUTH_THROTTLE = {"limit": envint("RAPPORT_REAUTH_FAILURES", 5), "first_wait": 60,
                           "max_wait": _LOCKOUT_MAX_WAIT}
AXES_HANDLER = "clinic.lockout.LockoutHandler"
AXES_USERNAME_CALLABLE = "clinic.lockout.axes_username"  # the lockout table holds an HMAC, never the name
AXES_LOCKOUT_CALLABLE = "clinic.lockout.lockout_response"
AXES_FAILURE_LIMIT = RAPPORT_LOCKOUT["account_address"]["limit"]  # the number the sign-in form quotes
AXES_LOCK_OUT_AT_FAILURE = False  # axes' single limit is replaced by the rules above (LockoutHandler.is_locked)
# How long failures are remembered after the newest one (the rules' counts are over this window).
AXES_COOLOFF_TIME = timedelta(hours=envint("RAPPORT_LOCKOUT_MEMORY_HOURS", 24))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a refused attempt does not extend the wait
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # LockoutHandler writes the access log itself, with the username's HMAC
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "password", "otp_token"]

# --- Email (portal invitations): the console in development, SMTP from the environment in production -----
EMAIL_BACKEND = env("RAPPORT_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
                    if (DEBUG or TESTING) else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = env("RAPPORT_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env("RAPPORT_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("RAPPORT_EMAIL_PORT", 587)
EMAIL_HOST_USER = env("RAPPORT_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("RAPPORT_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("RAPPORT_EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("RAPPORT_EMAIL_FROM", "Rapport <no-reply@localhost>")

# --- HTTP security --------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = envbool("RAPPORT_SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = envbool("RAPPORT_SECURE_COOKIES", not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("RAPPORT_HSTS_SECONDS", 0 if (DEBUG or TESTING) else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = envbool("RAPPORT_HSTS_PRELOAD", False)
# Load balancers probe the app servers over plain HTTP: answer the health checks there, redirect the rest.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/ready)?$"]
if envbool("RAPPORT_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("RAPPORT_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "rapport" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-us", "English (United States)"), ("en-gb", "English (United Kingdom)")]
TIME_ZONE = env("RAPPORT_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- Cache: never holds clinical text or key material --------------------------------------------
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env("RAPPORT_REDIS_URL"):
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                         "LOCATION": env("RAPPORT_REDIS_URL")}

# The calendar feed (notes.views.calendar.feed) has no sign-in: requests are counted per owner
# (rapport.throttle). A calendar app asks every 15 minutes to a few hours.
RAPPORT_FEED_REQUESTS_PER_HOUR = envint("RAPPORT_FEED_REQUESTS_PER_HOUR", 30)

# --- Background tasks (report batches) -------------------------------------------------------------
# Django's Tasks API (django-tasks backport) with the database backend: a worker is a plain
# `python manage.py db_worker` process; any number can run against one PostgreSQL.
# Queues: `reports` for batches, `pdf` for single reports a clinician is waiting for (reports.services.single).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "reports", "pdf"]}}
RAPPORT_REPORT_EXPIRY_HOURS = envint("RAPPORT_REPORT_EXPIRY_HOURS", 24)
# A report left "running" this long by a worker that died is claimed again by the next worker pass.
RAPPORT_REPORT_STALE_SECONDS = envint("RAPPORT_REPORT_STALE_SECONDS", 120)

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clinic.api.authentication.VerifiedSessionAuthentication",
        "clinic.api.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rapport.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rapport.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rapport API",
    "DESCRIPTION": "Couples-therapy records. Every endpoint is scoped to the signed-in user's care teams. "
                   "Psychotherapy notes (a therapist's private process notes, 45 CFR 164.501) have no endpoint: "
                   "only their author can read them, in the web app.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rapport.api_schema.document_common_errors",
    ],
    # Choice sets that share a field name ("status") get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "CoupleStatusEnum": "clinic.models.CoupleStatus",
        "NoteStatusEnum": "notes.models.NoteStatus",
        "SessionKindEnum": "notes.models.SessionKind",
        "PartnerPositionEnum": "plans.models.PartnerPosition",
        "PartnerChoiceEnum": "plans.models.PartnerScope",
        "HomeworkStatusEnum": "plans.models.HomeworkStatus",
        "ObjectiveStatusEnum": "plans.models.ObjectiveStatus",
        "LibraryKindEnum": "plans.models.LibraryKind",
        "CheckingKindEnum": "plans.models.CheckingKind",
        "AddendumKindEnum": "notes.models.AddendumKind",
        "RiskAnswerEnum": "notes.api.notes_serializers.RISK_CHOICES",
        "EntrySourceEnum": "plans.models.EntrySource",
    },
}
RAPPORT_API_TOKEN_DAYS = envint("RAPPORT_API_TOKEN_DAYS", 30)

# --- Logging: request ids and UUIDs only, never client data ---------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "rapport.logging.RequestIdFilter"},
                "client_error_one_line": {"()": "rapport.logging.ClientErrorOneLine"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "rapport.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                    "formatter": "json" if env("RAPPORT_LOG_FORMAT", "plain") == "json" else "plain"},
    },
    "root": {"handlers": ["console"], "level": env("RAPPORT_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger would print the failing SQL's parameters; keep it to the message.
        "django.db.backends": {"level": "WARNING"},
        # A 403 or 404 is one line, without the traceback Django attaches (rapport.logging.ClientErrorOneLine).
        "django.request": {"filters": ["client_error_one_line"]},
        "axes": {"level": "WARNING"},
    },
}

# --- Practice rules -------------------------------------------------------------------------------
RAPPORT_DEMO_BANNER = DEMO_MODE
# Years a discharged case is kept after its end date before `shred_couple` may destroy its keys.
# The case model (like AUTH_USER_MODEL): the platform apps (audit, keys) name it only through this setting.
# Audit events about one of its rows are filed under that row's id; rotate_dek --couple looks it up.
RAPPORT_CASE_MODEL = "clinic.Couple"
RAPPORT_RETENTION_YEARS = envint("RAPPORT_RETENTION_YEARS", 7)
