"""Settings for TKPK, driven by the environment.

Every value that differs between a laptop, CI and production comes from an environment
variable; nothing secret lives in the repository. The secret key is generated on first run
into ``var/secret_key`` (ignored by git) unless ``DJANGO_SECRET_KEY`` is set.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TKPK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, *, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _secret_key() -> str:
    from_env = os.environ.get("DJANGO_SECRET_KEY")
    if from_env:
        return from_env
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DJANGO_DEBUG", default=False)
# Transport security (HTTPS redirect, secure cookies, HSTS) is on unless DEBUG is on or it is
# switched off explicitly, e.g. for the test suite's plain-HTTP live server.
SECURE = env_bool("DJANGO_SECURE", default=not DEBUG)

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "tkpk.core.apps.TkpkAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "tkpk.core",
    "tkpk.accounts",
    "tkpk.regions",
    "tkpk.processes",
    "tkpk.planning",
    "tkpk.targeting",
    "tkpk.monitoring",
    "tkpk.reports",
    "tkpk.evaluation",
    "tkpk.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tkpk.core.middleware.SessionRenewMiddleware",
    "tkpk.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tkpk.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tkpk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tkpk.core.context_processors.navigation",
            ],
        },
    },
]

DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or DEFAULT_SQLITE,
        # Connections are kept between requests (a new one per page view costs more than the
        # page's queries); a dead one is noticed before it is reused.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", default=60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web server read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)

# Per-process memory cache: it only holds derived pages keyed on the version of what they were
# computed from (e.g. the evaluation dashboard), so processes never need to agree on it.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tkpk",
        "OPTIONS": {"MAX_ENTRIES": env_int("TKPK_CACHE_MAX_ENTRIES", default=500)},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["tkpk.accounts.backends.LockoutModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout after repeated failed logins, per account.
TKPK_LOGIN_MAX_FAILURES = env_int("TKPK_LOGIN_MAX_FAILURES", default=5)
TKPK_LOGIN_LOCK_MINUTES = env_int("TKPK_LOGIN_LOCK_MINUTES", default=15)

# Idle session timeout: a session expires after this many minutes without a request, and when
# the browser closes. It is renewed at most once per TKPK_SESSION_RENEW_SECONDS (see
# tkpk.core.middleware.SessionRenewMiddleware), not written on every page view.
SESSION_COOKIE_AGE = env_int("TKPK_SESSION_IDLE_MINUTES", default=30) * 60
TKPK_SESSION_RENEW_SECONDS = env_int("TKPK_SESSION_RENEW_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "tkpk" / "static",
    # Front-end packages come from npm and are served from their dist files.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/bpmn-js", BASE_DIR / "node_modules" / "bpmn-js" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("TKPK_MANIFEST_STATIC", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = STORAGES["staticfiles"]["BACKEND"].startswith("django.")
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("TKPK_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# E-mail: the console in development (DEBUG), SMTP otherwise; DJANGO_EMAIL_* configure it.
_email_options: dict[str, object] = {
    "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
    "port": env_int("DJANGO_EMAIL_PORT", default=25),
    "username": os.environ.get("DJANGO_EMAIL_USER", ""),
    "password": os.environ.get("DJANGO_EMAIL_PASSWORD", ""),
    "use_tls": env_bool("DJANGO_EMAIL_TLS", default=False),
}
_email_backend = os.environ.get("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": _email_options if _email_backend.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "tkpk@localhost")

# Security baseline.
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", default=False) else None
)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # bpmn-js and htmx set element styles at run time.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TKPK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Engine chatter (every workflow state change, every Splink training chunk).
        "spiff": {"level": "WARNING"},
        "splink": {"level": "ERROR"},
    },
}

NINJA_PAGINATION_PER_PAGE = 100

# Region shown in titles and documents; keep configurable (DKI / Daerah Khusus Jakarta).
TKPK_REGION_NAME = os.environ.get("TKPK_REGION_NAME", "DKI Jakarta")
# Kelurahan boundaries (GeoJSON file) for the coverage map; empty: no map. The property that
# holds the Kemendagri code is detected (kode_kel, kd_kelurahan, code …) unless named here.
TKPK_BOUNDARY_GEOJSON = os.environ.get("TKPK_BOUNDARY_GEOJSON", "")
TKPK_BOUNDARY_CODE_PROPERTY = os.environ.get("TKPK_BOUNDARY_CODE_PROPERTY", "")
TKPK_PROVINCE_CODE = os.environ.get("TKPK_PROVINCE_CODE", "31")
# Days before a task's due date on which its lane is reminded (once each).
TKPK_REMINDER_DAYS = [
    int(d) for d in os.environ.get("TKPK_REMINDER_DAYS", "7,1").split(",") if d.strip()
]
