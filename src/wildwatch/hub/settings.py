"""Settings of the wildwatch hub, read from the environment.

| variable | meaning | default |
|---|---|---|
| ``DATABASE_URL`` | any database by URL (``sqlite:///path``, ``postgres://user@host/db``) | embedded SQLite in ``var/`` |
| ``WILDWATCH_SECRET_KEY`` | Django's secret key | a development key (refused when ``WILDWATCH_DEBUG`` is off) |
| ``WILDWATCH_SECRET_KEY_FILE`` | path of a file holding the secret key instead (a trailing newline is dropped) | unset |
| ``WILDWATCH_DEBUG`` | ``1`` for development | ``1`` |
| ``WILDWATCH_ALLOWED_HOSTS`` | comma-separated host names | ``127.0.0.1,localhost`` |
| ``WILDWATCH_VAR`` | folder for the SQLite file, the signing key and uploads | ``./var`` |
| ``WILDWATCH_SIGNING_KEY`` | path of the hub's Ed25519 private key (PEM) | ``$WILDWATCH_VAR/signing-key.pem``, made on first use |
| ``WILDWATCH_AUDIT_ANCHORS`` | append-only file of the audit chain's heads | ``$WILDWATCH_VAR/audit-anchors.jsonl`` |
| ``WILDWATCH_LOG_LEVEL`` | level of the logs (``DEBUG``, ``INFO``, ``WARNING``, ``ERROR``) | ``WARNING`` |
| ``WILDWATCH_LOG_FORMAT`` | ``json`` (one object per line) or ``text`` (plain lines, for development) | ``json`` |
| ``WILDWATCH_ACCESS_LOG`` | ``1``: one ``wildwatch.access`` line per request (INFO, whatever the level); ``0``: none | ``1`` when ``WILDWATCH_DEBUG`` is off, else ``0`` |
| ``WILDWATCH_HOLD_KEY_FILE`` | path of the HMAC key file of law-enforcement holds | ``$WILDWATCH_VAR/hold-key``, made on first use |
| ``WILDWATCH_SIGNAL_KEYS`` | folder of the HMAC keys of contact signals (``k1``, ``k2``…) | ``$WILDWATCH_VAR/signal-keys`` |
| ``WILDWATCH_LOGIN_FAILURES`` | failed logins for one user name from one address before a lockout | ``5`` |
| ``WILDWATCH_LOCKOUT_MINUTES`` | how long a lockout lasts | ``15`` |
| ``WILDWATCH_SESSION_HOURS`` | a signed-in session expires after this many hours | ``12`` |
| ``WILDWATCH_Q_TIMEOUT`` | a task running longer than this many seconds is stopped (and retried) | ``300`` |
| ``WILDWATCH_Q_RETRY`` | a task taken by a worker that died (or timed out) is taken again after this many seconds; keep it above the timeout | ``360`` |
| ``WILDWATCH_OTP_ISSUER`` | the name authenticator apps show beside a two-factor code | ``wildwatch`` |
| ``WILDWATCH_HTTPS`` | ``1`` behind HTTPS: HSTS (1 year, subdomains), secure cookies, redirect to HTTPS, ``X-Forwarded-Proto`` believed | off |
| ``WILDWATCH_RETAIN_REPORTER_EMAIL_DAYS`` | reporters' e-mail addresses are erased this many days after the report's case was closed (or after the report, while the case is open) | ``365`` |
| ``WILDWATCH_RETAIN_CASE_CONTENT_DAYS`` | a closed case's listing text, seller details, reporters' notes and screenshots are erased this many days after it was closed | ``365`` |
| ``WILDWATCH_RETAIN_LOGIN_FAILURE_DAYS`` | failed-login records (the name typed, the address, the browser) are erased this many days after the attempt | ``90`` |
| ``WILDWATCH_RETAIN_VOLUNTEER_DAYS`` | a volunteer's account is anonymised this many days after their last activity | ``365`` |
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("WILDWATCH_VAR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("WILDWATCH_DEBUG", "1") == "1"
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 (development only: refused when WILDWATCH_DEBUG is off)


def _secret(name: str) -> str:
    """``$NAME``, else the content of the file ``$NAME_FILE`` (a trailing newline dropped), else ``""``."""
    value, path = os.environ.get(name, ""), os.environ.get(f"{name}_FILE", "")
    if value and path:
        raise RuntimeError(f"set {name} or {name}_FILE, not both")
    if not path:
        return value
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuntimeError(f"{name}_FILE: cannot read {path}: {exc}") from exc


SECRET_KEY = _secret("WILDWATCH_SECRET_KEY")
if not DEBUG:
    _problem = ("is not set" if not SECRET_KEY else "is the development key" if SECRET_KEY == DEV_SECRET_KEY
                else "is shorter than 50 characters" if len(SECRET_KEY) < 50 else "")
    if _problem:
        raise RuntimeError(
            f"the hub refuses to start: WILDWATCH_SECRET_KEY (or the file named by WILDWATCH_SECRET_KEY_FILE) "
            f"{_problem}; with WILDWATCH_DEBUG off it needs a random key of 50 characters or more, e.g. from "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'")
elif not SECRET_KEY:
    SECRET_KEY = DEV_SECRET_KEY
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("WILDWATCH_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_q",
    "wildwatch.hub.accounts",
    "wildwatch.hub.library",
    "wildwatch.hub.policies",
    "wildwatch.hub.public",
    "wildwatch.hub.checks",
    "wildwatch.hub.usage",
    "wildwatch.hub.reports",
    "wildwatch.hub.training",
    "wildwatch.hub.volunteers",
    "wildwatch.hub.review",
    "wildwatch.hub.enforcement",
    "wildwatch.hub.evidence",
    "wildwatch.hub.metrics",
    "wildwatch.hub.plans",
    "wildwatch.hub.campaigns",
    "wildwatch.hub.signals",
    "wildwatch.hub.ops",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "wildwatch.hub.ops.middleware.RequestIdMiddleware",  # first: every later log line has the request id
    "django.middleware.security.SecurityMiddleware",
    "wildwatch.hub.ops.dbfaults.DatabaseUnavailableMiddleware",  # a lost database: 503 and a clear page
    "wildwatch.hub.checks.middleware.ApiBodyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the session passed its second factor
    "wildwatch.hub.accounts.lockout.PrivilegeSessionMiddleware",
    "wildwatch.hub.accounts.twofactor.TwoFactorMiddleware",  # a session that owes its second factor goes to it
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wildwatch.hub.accounts.security.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

# Accounts: failed logins throttled and locked out (django-axes; accounts/lockout.py), sessions that expire and
# are rotated when privileges change.
AUTHENTICATION_BACKENDS = ["wildwatch.hub.accounts.lockout.LockoutBackend",
                           "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("WILDWATCH_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("WILDWATCH_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "wildwatch.hub.accounts.lockout.client_address"
AXES_DISABLE_ACCESS_LOG = True  # failures only: no record of every successful login (address, browser) to retain
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Two-factor authentication (django-otp; accounts/twofactor.py): the name authenticator apps show for the hub.
OTP_TOTP_ISSUER = os.environ.get("WILDWATCH_OTP_ISSUER", "wildwatch")
SESSION_COOKIE_AGE = int(float(os.environ.get("WILDWATCH_SESSION_HOURS", "12")) * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

ROOT_URLCONF = "wildwatch.hub.urls"
WSGI_APPLICATION = "wildwatch.hub.wsgi.application"

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
                "django.template.context_processors.i18n",
                "wildwatch.hub.accounts.context.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'hub.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Transactions take SQLite's write lock when they begin (BEGIN IMMEDIATE), so a writer waits for another (up to
    # the timeout) instead of failing at once with "database is locked" when a transaction that has read wants to
    # write while another process writes (the task worker's release build beside the queue's own writes).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-hub.sqlite3")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded files (report screenshots): never served as static files; views check who may see them.
MEDIA_ROOT = Path(os.environ.get("WILDWATCH_MEDIA", VAR_DIR / "media"))
MEDIA_URL = "/media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# The hub's public address, for links in e-mails (status pages of reports).
WILDWATCH_PUBLIC_URL = os.environ.get("WILDWATCH_PUBLIC_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("WILDWATCH_FROM_EMAIL", "wildwatch <no-reply@wildwatch.invalid>")
EMAIL_BACKEND = os.environ.get("WILDWATCH_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# The API's rate limits hold across all gunicorn workers: a shared cache (the database by default, Redis when
# REDIS_URL is set), never the per-process memory cache.
# MAX_ENTRIES is high: when the database cache is full, Django culls a third of it, rate-limit counters included.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "wildwatch_cache",
                      "OPTIONS": {"MAX_ENTRIES": 100_000}}}
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"]}}
WILDWATCH_API_RATE = int(os.environ.get("WILDWATCH_API_RATE", "6000"))  # requests per minute per API key
# The public report form: reports per hour per client address, and the reverse proxies whose X-Forwarded-For is
# believed (comma-separated addresses or networks; none by default: REMOTE_ADDR is the client).
WILDWATCH_REPORT_RATE = int(os.environ.get("WILDWATCH_REPORT_RATE", "10"))
WILDWATCH_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("WILDWATCH_TRUSTED_PROXIES", "").split(",") if p.strip()]
# The API adds its usage counts up in each process and writes them at most this often (seconds).
WILDWATCH_USAGE_FLUSH_SECONDS = float(os.environ.get("WILDWATCH_USAGE_FLUSH_SECONDS", "5"))

SIGNING_KEY_PATH = Path(os.environ.get("WILDWATCH_SIGNING_KEY", VAR_DIR / "signing-key.pem"))
# The audit chain's heads, appended every five minutes (accounts.auditchain): keep it outside the database's host
# and backups, e.g. on write-once storage or shipped to a log host.
WILDWATCH_AUDIT_ANCHORS = Path(os.environ.get("WILDWATCH_AUDIT_ANCHORS", VAR_DIR / "audit-anchors.jsonl"))
# The HMAC keys of holds and of contact signals: under VAR_DIR unless these name another file or folder (a
# secrets mount). Same formats as under VAR_DIR (enforcement/identifiers.py, signals/keys.py).
WILDWATCH_HOLD_KEY_FILE = os.environ.get("WILDWATCH_HOLD_KEY_FILE") or None
WILDWATCH_SIGNAL_KEYS = os.environ.get("WILDWATCH_SIGNAL_KEYS") or None

# Security headers (SecurityMiddleware, XFrameOptionsMiddleware; the Content-Security-Policy is set by
# accounts/security.py).
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if os.environ.get("WILDWATCH_HTTPS", "") == "1":
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The reverse proxy terminates TLS and must set (or overwrite) X-Forwarded-Proto on every request.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # Probes of load balancers and orchestrators often come over plain HTTP, straight to the hub: no redirect.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$", r"^api/v1/health$"]

# The task queue: django-q2 with the database as broker (retries and schedules on SQLite and PostgreSQL).
Q_CLUSTER = {
    "name": "wildwatch",
    "orm": "default",
    "workers": int(os.environ.get("WILDWATCH_Q_WORKERS", "2")),
    "timeout": int(os.environ.get("WILDWATCH_Q_TIMEOUT", "300")),
    "retry": int(os.environ.get("WILDWATCH_Q_RETRY", "360")),
    "max_attempts": 5,
    "catch_up": False,
}

# Logs on stderr, one JSON object per line (WILDWATCH_LOG_FORMAT=text: plain lines, for development), with the
# request id, and e-mail addresses, API keys, passwords, Authorization headers and private keys scrubbed
# (ops/logs.py). Django's loggers write through the same handler. The access log (one line per request, from
# ops/middleware.py) is on by default when WILDWATCH_DEBUG is off (runserver prints its own lines).
LOG_LEVEL = os.environ.get("WILDWATCH_LOG_LEVEL", "WARNING").upper()
ACCESS_LOG = os.environ.get("WILDWATCH_ACCESS_LOG", "0" if DEBUG else "1") == "1"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "wildwatch.hub.ops.logs.RedactingFilter"}},
    "formatters": {"json": {"()": "wildwatch.hub.ops.logs.JsonFormatter"},
                   "text": {"()": "wildwatch.hub.ops.logs.TextFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"],
                             "formatter": "text" if os.environ.get("WILDWATCH_LOG_FORMAT") == "text" else "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "wildwatch.access": {"level": "INFO" if ACCESS_LOG else "WARNING"},
    },
}

# Retention of personal data (review/retention.py, docs: "Retention of personal data"): days after which the purge
# (daily, and ``wildwatch hub purge``) erases it; anything under a law-enforcement hold or in an evidence package
# is kept.
WILDWATCH_RETAIN_REPORTER_EMAIL_DAYS = int(os.environ.get("WILDWATCH_RETAIN_REPORTER_EMAIL_DAYS", "365"))
WILDWATCH_RETAIN_CASE_CONTENT_DAYS = int(os.environ.get("WILDWATCH_RETAIN_CASE_CONTENT_DAYS", "365"))
WILDWATCH_RETAIN_VOLUNTEER_DAYS = int(os.environ.get("WILDWATCH_RETAIN_VOLUNTEER_DAYS", "365"))
WILDWATCH_RETAIN_LOGIN_FAILURE_DAYS = int(os.environ.get("WILDWATCH_RETAIN_LOGIN_FAILURE_DAYS", "90"))
