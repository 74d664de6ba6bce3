"""Settings for yugong, read from the environment.

Embedded by default (SQLite under ``var/``, local-memory cache, in-process tasks, files on disk,
SMS to the console and the demo outbox); real engines when the environment names them
(``DATABASE_URL``, ``REDIS_URL``, ``CELERY_BROKER_URL``, ``S3_BUCKET``, ``SMS_BACKEND``).
See README.md, "Configuration", for the full list.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("YUGONG_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _dev_secret(name: str) -> str:
    """A development-only secret, generated once per checkout and kept in ``var/`` (git-ignored).

    Never used when DEBUG is off: production must pass every secret through the environment.
    """
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / f"dev-{name.lower()}.txt"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


# DEVELOPMENT DEFAULT: DEBUG is on unless the environment says otherwise. Production sets DEBUG=0,
# and then SECRET_KEY, FIELD_ENCRYPTION_KEY and ALLOWED_HOSTS are required (fail fast below).
DEBUG = env_bool("DEBUG", True)
# Under pytest the test settings apply even when the runner was started bare (`.venv/bin/pytest`):
# pytest-django loads these settings before any conftest could set the variable.
TESTING = env_bool("YUGONG_TESTING", "pytest" in sys.modules)


def _secret(name: str) -> str:
    value = env(name)
    if value:
        return value
    if DEBUG or TESTING:
        return _dev_secret(name)
    raise ImproperlyConfigured(f"{name} must be set in the environment when DEBUG is off.")


SECRET_KEY = _secret("SECRET_KEY")
# Master key for personal-data fields; the encryption key and the blind-index key are derived
# from it (core.pii). Rotating: put the new key first, old ones after, comma separated.
FIELD_ENCRYPTION_KEYS = [k for k in (_secret("FIELD_ENCRYPTION_KEY") or "").split(",") if k]
# Signing key of the Open Badges 3.0 credentials of course certificates (learning.badges): any
# high-entropy secret; the Ed25519 key is derived from it. Generated under var/ for development;
# in production it must come from the environment (signing fails with a clear error otherwise).
LEARNING_BADGE_KEY = env("LEARNING_BADGE_KEY") or (
    _dev_secret("LEARNING_BADGE_KEY") if DEBUG or TESTING else ""
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use the socket address).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0") or 0)

INSTALLED_APPS = [
    "yugong.core.admin_site.YugongAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "yugong.core",
    "yugong.accounts",
    "yugong.orgs",
    "yugong.members",
    "yugong.funds",
    "yugong.news",
    "yugong.stations",
    "yugong.rights",
    "yugong.tourism",
    "yugong.contests",
    "yugong.learning",
    "yugong.honors",
    "yugong.innovation",
    "yugong.cockpit",
    "yugong.assistance",
    "yugong.events",
    "yugong.jobs",
    "yugong.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yugong.core.middleware.SecurityHeadersMiddleware",
    "yugong.core.middleware.QueryStringLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yugong.core.middleware.PageMessageMiddleware",  # Django's, skipped under /api/
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yugong.core.middleware.RequestContextMiddleware",
    "yugong.core.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "yugong.urls"
WSGI_APPLICATION = "yugong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "yugong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yugong.web.context_processors.ui",
            ],
            "builtins": ["yugong.web.templatetags.punctuation"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'yugong.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
_db = DATABASES["default"]
DB_VENDOR = (
    "postgresql" if "postgresql" in _db["ENGINE"] else "sqlite" if "sqlite" in _db["ENGINE"] else "other"
)
if DB_VENDOR == "postgresql":
    # Django's connection pool (psycopg 3); persistent connections must stay off with it.
    _db["CONN_MAX_AGE"] = 0
    _db.setdefault("OPTIONS", {})
    if env_bool("DB_POOL", True):
        _db["OPTIONS"]["pool"] = {
            "min_size": int(env("DB_POOL_MIN", "1") or 1),
            "max_size": int(env("DB_POOL_MAX", "20") or 20),
            "timeout": 10,
        }
    # Prepared statements for the few hot statements that ask for them (yugong.core.db.prepared_cursor);
    # Django's own cursors bind on the client and never prepare. Turn off behind a pooler that cannot
    # keep them (PgBouncer in transaction mode before 1.21).
    _db["OPTIONS"]["prepare_threshold"] = 5 if env_bool("DB_PREPARED_STATEMENTS", True) else None
    # Bounded waits (yugong.core.db.is_busy_error): a request that cannot get a row lock within
    # DB_LOCK_TIMEOUT_MS, or whose statement runs past DB_STATEMENT_TIMEOUT_MS, is refused with
    # 409 "busy, retry" instead of queueing until the server's own timeout. 0 turns one off.
    # Management commands (seeds, data generators: long statements by design) default the statement
    # bound to off (manage.py); web processes and Celery workers (chunked imports) keep it.
    DB_LOCK_TIMEOUT_MS = int(env("DB_LOCK_TIMEOUT_MS", "3000") or 0)
    DB_STATEMENT_TIMEOUT_MS = int(env("DB_STATEMENT_TIMEOUT_MS", "30000") or 0)
    _db["OPTIONS"]["options"] = (
        f"-c lock_timeout={DB_LOCK_TIMEOUT_MS} -c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
    )
elif DB_VENDOR == "sqlite":
    _db.setdefault("OPTIONS", {})
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so that
    # "select then update" inside one transaction cannot be interleaved (SQLite has no row locks).
    _db["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
_db.setdefault("TEST", {})
if env("TEST_DATABASE_NAME"):
    _db["TEST"]["NAME"] = env("TEST_DATABASE_NAME")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, tasks -----------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "yg"),
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "yugong"}}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 60 * 60 * 12

CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND")
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = "Asia/Shanghai"
# Periodic work for `celery -A yugong beat` (production). In the embedded default there is no
# beat: run the same jobs from cron with their management commands (README, "Periodic jobs").
CELERY_BEAT_SCHEDULE = {
    "release-expired-order-holds": {"task": "yugong.tourism.tasks.release_expired_holds", "schedule": 60.0},
    "rights-sla-notices": {"task": "yugong.rights.tasks.rights_sla_notify", "schedule": 300.0},
    "flag-overdue-membership-applications": {
        "task": "yugong.members.tasks.flag_overdue_memberships",
        "schedule": 3600.0,
    },
    "purge-expired-sms-codes": {"task": "yugong.accounts.tasks.purge_sms_codes", "schedule": 3600.0},
    "deliver-due-events": {"task": "yugong.core.tasks.deliver_due_events", "schedule": 60.0},
    "purge-expired-hardship-files": {
        "task": "yugong.assistance.tasks.purge_expired_files",
        "schedule": 86400.0,
    },
    "expire-activity-offers": {"task": "yugong.events.tasks.expire_offers", "schedule": 300.0},
    "cockpit-refresh": {"task": "yugong.cockpit.tasks.cockpit_refresh", "schedule": 60.0},
    "home-reassessments": {"task": "yugong.orgs.tasks.home_reassessments", "schedule": 86400.0},
}
# Domain events (yugong.core.events): attempts before a delivery is dead-lettered, and the first
# retry delay (doubling each time, capped at an hour).
EVENTS_MAX_ATTEMPTS = int(env("EVENTS_MAX_ATTEMPTS", "5") or 5)
EVENTS_RETRY_BASE_SECONDS = int(env("EVENTS_RETRY_BASE_SECONDS", "10") or 10)
# The cockpit reads whole months of summed metrics from its monthly roll-up (refreshed through the
# events outbox; `manage.py cockpit_rollup --rebuild` recomputes it). Off: always the facts.
COCKPIT_ROLLUP = env_bool("COCKPIT_ROLLUP", True)
# New facts reach the roll-up through the events outbox (a `cockpit.refresh` event, at most one per
# process per this many seconds; the periodic `cockpit-refresh` job catches the rest), then the
# common screens are recomputed into the cache (COCKPIT_WARM, for at most COCKPIT_WARM_NODES nodes).
COCKPIT_REFRESH_SECONDS = float(env("COCKPIT_REFRESH_SECONDS", "0" if TESTING else "2") or 0)
COCKPIT_WARM = env_bool("COCKPIT_WARM", True)
COCKPIT_WARM_NODES = int(env("COCKPIT_WARM_NODES", "64") or 64)
# ...and at most once per this many seconds across processes (0: on every refresh, as in tests).
COCKPIT_WARM_SECONDS = float(env("COCKPIT_WARM_SECONDS", "0" if TESTING else "60") or 0)
# The member list API keeps each page's JSON until a membership, person or union write commits
# (members/pagecache.py: checked against a stamp PostgreSQL's triggers raise); at most this long.
MEMBERS_PAGE_CACHE_SECONDS = int(env("MEMBERS_PAGE_CACHE_SECONDS", "300") or 0)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Tests create many users; a cheap hasher keeps them fast. Production keeps argon2 first.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"

# Staff password logins (accounts.services): LOGIN_FAILURE_LIMIT failures lock the ACCOUNT for
# LOGIN_LOCKOUT_SECONDS; an IP is never locked (a whole office shares one), only slowed: past
# LOGIN_IP_FREE_FAILURES failures in the window, one attempt per LOGIN_IP_SLOW_SECONDS from it.
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5") or 5)
LOGIN_LOCKOUT_SECONDS = int(env("LOGIN_LOCKOUT_SECONDS", "900") or 900)
LOGIN_IP_FREE_FAILURES = int(env("LOGIN_IP_FREE_FAILURES", "20") or 20)
LOGIN_IP_SLOW_SECONDS = int(env("LOGIN_IP_SLOW_SECONDS", "5") or 5)
# SMS codes: lifetime, resend gap and limits per phone and per IP.
SMS_CODE_TTL_SECONDS = int(env("SMS_CODE_TTL_SECONDS", "300") or 300)
SMS_CODE_RESEND_SECONDS = int(env("SMS_CODE_RESEND_SECONDS", "60") or 60)
SMS_CODE_PER_PHONE_PER_DAY = int(env("SMS_CODE_PER_PHONE_PER_DAY", "10") or 10)
SMS_CODE_PER_IP_PER_HOUR = int(env("SMS_CODE_PER_IP_PER_HOUR", "30") or 30)
SMS_CODE_MAX_ATTEMPTS = 5
# Wrong codes from one IP per clock hour, whatever the phones (guessing across many phones).
SMS_CODE_GUESSES_PER_IP_PER_HOUR = int(env("SMS_CODE_GUESSES_PER_IP_PER_HOUR", "20") or 20)
# Expired login codes are deleted this many hours after expiry (task / manage.py purge_sms_codes).
SMS_CODE_RETENTION_HOURS = int(env("SMS_CODE_RETENTION_HOURS", "24") or 24)
# API bearer tokens: look-up cache in the shared cache (accounts.auth). Revocation and deactivation
# write tombstones at once; entries live this many seconds at most (0 turns the cache off).
# last_used_at is written at most once per API_TOKEN_TOUCH_SECONDS per token.
API_TOKEN_CACHE_SECONDS = int(env("API_TOKEN_CACHE_SECONDS", "60") or 60)
API_TOKEN_TOUCH_SECONDS = int(env("API_TOKEN_TOUCH_SECONDS", "300") or 300)
# With Redis, each process also keeps the rows it has seen for this long, dropped on every process
# through Redis publish/subscribe when a token changes (accounts/token_local.py); 0 turns it off.
API_TOKEN_LOCAL_SECONDS = int(env("API_TOKEN_LOCAL_SECONDS", "30") or 0)
# With Redis, a row read on a token's first call is stored in the shared cache by a per-process
# writer thread, batched with others in one pipeline (accounts/token_store.py); off: on the request.
# Off by default under tests (their query counts must not depend on a thread's timing); its own
# tests turn it on.
API_TOKEN_STORE_BEHIND = env_bool("API_TOKEN_STORE_BEHIND", not TESTING)
# On PostgreSQL, a due last_used_at touch is queued and written by a per-process thread every
# API_TOKEN_TOUCH_FLUSH_SECONDS in one statement (accounts/token_touch.py); off: on the request.
API_TOKEN_TOUCH_BEHIND = env_bool("API_TOKEN_TOUCH_BEHIND", not TESTING)
API_TOKEN_TOUCH_FLUSH_SECONDS = float(env("API_TOKEN_TOUCH_FLUSH_SECONDS", "1") or 1)
# console | outbox | locmem | http ; the outbox also prints to the console (demo default).
SMS_BACKEND = env("SMS_BACKEND", "locmem" if TESTING else "outbox")
SMS_HTTP_URL = env("SMS_HTTP_URL")
SMS_HTTP_TOKEN = env("SMS_HTTP_TOKEN")

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "yugong" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# In development (and tests, live servers included) WhiteNoise serves straight from the finders;
# production serves the collected, hashed and compressed files (`manage.py collectstatic`).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STATICFILES_DIRS = [BASE_DIR / "yugong" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")
S3_BUCKET = env("S3_BUCKET")
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if S3_BUCKET:
    # S3-compatible storage (MinIO, OSS, COS...) through django-storages, installed on demand:
    # `uv pip install django-storages[s3]`. Kept out of the default install to stay small.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL"),
            "access_key": env("S3_ACCESS_KEY_ID"),
            "secret_key": env("S3_SECRET_ACCESS_KEY"),
            "region_name": env("S3_REGION"),
        },
    }
# Micro-lesson uploads (learning/media.py): the largest file of each kind, and the transcoder.
# Without ffmpeg/ffprobe on the PATH a lesson keeps and plays its original file.
LEARNING_VIDEO_MAX_BYTES = int(env("LEARNING_VIDEO_MAX_BYTES", str(500 * 1024 * 1024)) or 0)
LEARNING_AUDIO_MAX_BYTES = int(env("LEARNING_AUDIO_MAX_BYTES", str(100 * 1024 * 1024)) or 0)
LEARNING_PDF_MAX_BYTES = int(env("LEARNING_PDF_MAX_BYTES", str(30 * 1024 * 1024)) or 0)
LEARNING_FFMPEG = env("LEARNING_FFMPEG", "ffmpeg") or "ffmpeg"
LEARNING_FFPROBE = env("LEARNING_FFPROBE", "ffprobe") or "ffprobe"
LEARNING_TRANSCODE_TIMEOUT_SECONDS = int(env("LEARNING_TRANSCODE_TIMEOUT_SECONDS", "3600") or 3600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Longer query strings answer 400 (core.middleware.QueryStringLimitMiddleware; JSON under /api/).
MAX_QUERY_STRING_BYTES = int(env("MAX_QUERY_STRING_BYTES", "4096") or 4096)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag, not this cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No 'unsafe-eval': Alpine is its CSP build (no expression evaluation), htmx runs with
# allowEval = false (static/yugong/app.js: no hx-on, trigger filters or js: values), ECharts and
# Leaflet evaluate nothing. tests/test_pages_smoke.py keeps eval out of our own scripts and templates.
# worker-src blob: the camera scanner (vendor/qr-scanner) decodes in a Web Worker built from a Blob
# of its own vendored code when the browser has no native BarcodeDetector.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob: {tiles}; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000") or 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a commitment made with the browsers' list, decided per deployment.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if env_bool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Map tiles are an outside service: a setting, empty by default (plain background, markers only).
MAP_TILE_URL = env("MAP_TILE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

NINJA_PAGINATION_PER_PAGE = 20

YUGONG_SITE_NAME = env("SITE_NAME", "渝工")

# Tiny views under /_bench/ that the benchmark harness measures as baselines (yugong/benchviews.py);
# they answer 404 unless this is on. `python -m bench` turns it on for its own server only.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False)

# --- Funds and payments (yugong/funds/README.md) ---------------------------------------------
# Spending above this many fen needs a second approver (default 5,000 yuan).
FUNDS_SECOND_APPROVAL_FEN = int(env("FUNDS_SECOND_APPROVAL_FEN", "500000") or 500000)
# PostgreSQL: approve a spending request in one prepared statement (funds/services/commitment_sql.py).
FUNDS_APPROVE_ONE_STATEMENT = env_bool("FUNDS_APPROVE_ONE_STATEMENT", True)
# The gateway workers pay through: "sim" (the simulator, development only: with DEBUG off the
# system check funds.E001 refuses to start), "wechatpay" (WeChat Pay API v3, settings below) or
# "off" (no individual payments: union funds and pay-at-the-venue only).
PAYMENT_GATEWAY = env("PAYMENT_GATEWAY", "sim")
WECHATPAY_MCHID = env("WECHATPAY_MCHID", "")
WECHATPAY_APPID = env("WECHATPAY_APPID", "")
# The merchant API certificate's serial number and its private key (PEM text or a file path).
WECHATPAY_SERIAL_NO = env("WECHATPAY_SERIAL_NO", "")
WECHATPAY_PRIVATE_KEY = env("WECHATPAY_PRIVATE_KEY", "")
# The APIv3 key (32 characters) that decrypts notifications and downloaded certificates.
WECHATPAY_APIV3_KEY = env("WECHATPAY_APIV3_KEY", "")
# The WeChat Pay platform certificate(s) that sign responses and notifications (PEM text or file
# paths, comma separated for a rotation).
WECHATPAY_PLATFORM_CERTS = env("WECHATPAY_PLATFORM_CERTS", "")
WECHATPAY_API_BASE = env("WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com")
# Where WeChat Pay posts payment results (an https URL reachable from WeChat's servers).
WECHATPAY_NOTIFY_URL = env("WECHATPAY_NOTIFY_URL", "")
WECHATPAY_TIMEOUT_SECONDS = float(env("WECHATPAY_TIMEOUT_SECONDS", "10") or 10)
