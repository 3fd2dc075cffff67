"""Liaison's one settings module, driven by environment variables.

Every variable is documented in `.env.example`. Defaults are safe for production
(DEBUG off, no secret key, no hosts); `make run` turns DEBUG on for development.
A `.env` file beside manage.py, if there is one, fills in what the environment does
not set (`make run` writes one with DEBUG=1 on a developer's machine); ENV_FILE names
another file, or none when empty.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.deprecation import RemovedInDjango60Warning
from dotenv import load_dotenv

# django-contrib-comments 2.2 declares a URLField without assume_scheme, which warns when its
# forms module is imported; our comment form drops that field. Only that warning is silenced
# (Django's transitional setting would raise a warning of its own).
warnings.filterwarnings(
    "ignore",
    message="The default scheme will be changed",
    category=RemovedInDjango60Warning,
    module="django_comments.forms",
)

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    load_dotenv(ENV_FILE, override=False)
# Local state (SQLite database, uploads, the development secret key): never committed.
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def development_secret_key():
    """A random key kept in var/ so sessions survive runserver restarts."""
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Liaison refuses to start with DEBUG off and no secret key: "
            "set SECRET_KEY in the environment (for example with "
            '`python -c "import secrets; print(secrets.token_urlsafe(50))"`), '
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.sites",
    "reversion",
    "reversion_compare",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.facebook",
    "allauth.socialaccount.providers.twitter_oauth2",
    "django_comments",
    "django_comments_xtd",
    "django_tasks",
    "django_tasks_db",
    "blog",
    # After django_comments_xtd: its ready() undoes what xtd's ready() connects.
    "comments",
    "wordpress",
]

MIDDLEWARE = [
    "config.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The database away: 503 with Retry-After in the site's layout, never a traceback.
    "config.middleware.DatabaseUnavailableMiddleware",
    # Compresses what the layers below answer (HTML, feeds); Django adds random padding
    # against BREACH. Above ConditionalGet, which must see the uncompressed body.
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag on every page, and 304 for If-None-Match or If-Modified-Since (Last-Modified
    # comes from blog/caching.py), for cached pages as for rendered ones.
    "django.middleware.http.ConditionalGetMiddleware",
    # Pages for readers not logged in, before any session or user is looked up.
    "config.page_cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "blog.context_processors.site",
                # CSP_NONCE, for the few <script> and <style> elements written in a page.
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL names another (postgres://user@host:port/name).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Connections are kept (CONN_MAX_AGE) as on PostgreSQL: in WAL mode an open connection
    # holds no lock, and reusing it saves opening the file and running the pragmas below on
    # every request.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        # Every transaction takes the write lock as it begins, waiting up to `timeout`
        # seconds for it. A transaction that reads and then writes would otherwise ask for
        # the lock halfway and fail at once ("database is locked") when another app
        # process holds it: SQLite cannot wait there without risking a deadlock.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL: readers never wait for the writer nor the writer for readers. NORMAL syncs at
        # checkpoints only: safe against a crashed process, a power cut may lose the last
        # commits (never corrupt the file).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

elif (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and os.environ.get("POSTGRES_PREPARED_STATEMENTS", "").strip() != "0"
):
    # Prepared statements: the parameters travel apart from the query (psycopg 3's server-side
    # binding), so a query's text is the same at every request, and psycopg prepares it on a
    # connection after its fifth run; PostgreSQL then plans it once per connection instead of
    # at every request. Planning the discussion's joins (a comment is three tables) was most
    # of PostgreSQL's work: its CPU per article page went from 3.8 to 1.6 ms (5.9 to 2.1
    # logged in; a comment POST 6.8 to 4.0), and under `make bench` (alternating runs,
    # 2026-12-07) the article with 200 comments from 94-108 to 109-126 req/s, logged in from
    # 67-70 to 83-88, with PostgreSQL using 23-26 % of a core instead of 40-41 %. Django
    # leaves them off for the sake of poolers: behind PgBouncer in transaction mode (before
    # 1.21, or without max_prepared_statements), set POSTGRES_PREPARED_STATEMENTS=0.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": 5,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory per process unless REDIS_URL points at a Redis shared by all processes.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # RedisCache that serves misses, with a warning, while Redis is away (config/cache.py).
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "liaison",
            # A Redis that stopped answering costs a page two seconds at most, not a hang.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names that WhiteNoise serves with far-future cache headers.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads in an S3-compatible bucket (AWS, MinIO, Scaleway, R2, …) once one is named: what a
# site on more than one machine needs. Credentials come from boto3's usual sources
# (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an instance role).
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            # The image pipeline counts on a new upload never replacing a stored file.
            "file_overwrite": False,
            # Images are public: plain URLs that pages, feeds and caches can keep, rather
            # than signed ones that expire after an hour. The bucket must allow public reads.
            "querystring_auth": False,
            # A name can come back after its image is deleted: a day, not a year.
            "object_parameters": {"CacheControl": "public, max-age=86400"},
        },
    }
# Django itself serves MEDIA_ROOT at MEDIA_URL: on by default in development, and the simple
# choice for one small machine without a web server in front (config/media.py). A real site
# lets nginx serve uploads (deploy/nginx/liaison.conf) or keeps them in a bucket.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG and not AWS_STORAGE_BUCKET_NAME)

# Security: these hold in production; HTTPS-only cookies and HSTS once the site is served over TLS.
HTTPS = env_bool("HTTPS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Asking browsers to preload HTTPS-only for the domain is a commitment: only when told.
SECURE_HSTS_PRELOAD = HTTPS and env_bool("SECURE_HSTS_PRELOAD")
# How many proxies (TLS terminator, load balancer) stand between readers and the app: the
# reader's address is then read from X-Forwarded-For (config.middleware.TrustedProxyMiddleware),
# and allauth's rate limits count by it too. 0: the header is ignored (nobody to trust).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): everything from this site, nothing inline but the
# <script>/<style> elements that carry the request's nonce, no plugins, no framing.
# A social login's form posts here and is redirected to the provider, which browsers check
# against form-action too: the providers' authorization hosts are allowed as form targets.
SOCIAL_LOGIN_FORM_TARGETS = [
    "https://github.com",
    "https://accounts.google.com",
    "https://www.facebook.com",
    "https://x.com",
]
if os.environ.get("OIDC_SERVER_URL"):
    SOCIAL_LOGIN_FORM_TARGETS.append(os.environ["OIDC_SERVER_URL"])
MEDIA_SOURCE = [MEDIA_URL] if MEDIA_URL.startswith(("https://", "http://", "//")) else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", *MEDIA_SOURCE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, *SOCIAL_LOGIN_FORM_TARGETS],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page of the site uses (config.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY_DENIED = [
    "accelerometer",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "payment",
    "usb",
]
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Liaison <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# Seconds before a silent mail server counts as failed: the send is then retried later.
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))

# Background work (django-tasks, the backport of Django 6's django.tasks): every email and
# image rendition is a task, enqueued once the transaction that caused it commits, and run
# by a worker process (`manage.py db_worker`, or `manage.py rqworker` with Redis).
# TASKS_BACKEND=database (default): a table in the site's own database, nothing else to run
# but the worker. TASKS_BACKEND=rq: a Redis queue (TASKS_REDIS_URL, else REDIS_URL), for sites
# with several app servers that would rather not poll the database.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip().lower() or "database"
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": os.environ.get("TASKS_REDIS_URL") or REDIS_URL}}
    if not RQ_QUEUES["default"]["URL"]:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs TASKS_REDIS_URL or REDIS_URL.")
elif TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    raise ImproperlyConfigured(f"TASKS_BACKEND is 'database' or 'rq', not {TASKS_BACKEND!r}.")
# A failed email is tried again after each of these delays (seconds), then kept as failed,
# with its error, under Task results in the admin: 5 tries over about 2.6 hours.
EMAIL_RETRY_DELAYS = tuple(
    int(delay) for delay in env_list("EMAIL_RETRY_DELAYS", "60,300,1800,7200")
)

# Requests refused for their size or shape answer 400 with templates/400.html and are
# logged as one warning line, never a traceback.
REQUEST_REFUSED_LOGGERS = [
    "django.security.RequestDataTooBig",
    "django.security.TooManyFieldsSent",
    "django.security.TooManyFilesSent",
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"warning_without_traceback": {"()": "config.log_filters.WarningWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        name: {"filters": ["warning_without_traceback"]} for name in REQUEST_REFUSED_LOGGERS
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# What the site calls itself in titles, feeds and the header.
SITE_NAME = os.environ.get("SITE_NAME", "Liaison")
SITE_TAGLINE = os.environ.get("SITE_TAGLINE", "Analysis, one motive at a time")
ARTICLES_PER_PAGE = 10

# Images
# Uploads are judged by content (blog/images.py). Past either limit a file is refused: bytes
# bound what is read into memory, pixels what is decoded (against decompression bombs).
IMAGE_MAX_UPLOAD_BYTES = int(os.environ.get("IMAGE_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", "40000000"))
# Widths of the renditions made at upload (never wider than the original), for srcset.
IMAGE_RENDITION_WIDTHS = tuple(
    int(width) for width in env_list("IMAGE_RENDITION_WIDTHS", "480,800,1200,1600")
)

# The site's public host, in every absolute link (blog/links.py). Unset, links name the
# request's host, and links made with no request at hand (emails) a guess, which the check
# liaison.W001 warns about with DEBUG off. `migrate` writes it to django.contrib.sites.
SITE_ID = 1
SITE_DOMAIN = os.environ.get("SITE_DOMAIN", "")

# Accounts (django-allauth): local accounts with a verified email, and social providers.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Its emails (verification, password reset, email change) are sent by the task worker.
ACCOUNT_ADAPTER = "config.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# allauth's limits, stated rather than implied: failed logins per IP and per account.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_QUERY_EMAIL = True
# A provider is offered once it has credentials, here or as a Social application in the admin.
SOCIAL_PROVIDER_ENV = {
    "github": "GITHUB",
    "google": "GOOGLE",
    "facebook": "FACEBOOK",
    "twitter_oauth2": "X",
}
SOCIALACCOUNT_PROVIDERS = {}
for provider, prefix in SOCIAL_PROVIDER_ENV.items():
    if os.environ.get(f"{prefix}_CLIENT_ID"):
        SOCIALACCOUNT_PROVIDERS[provider] = {
            "APPS": [
                {
                    "client_id": os.environ[f"{prefix}_CLIENT_ID"],
                    "secret": os.environ.get(f"{prefix}_CLIENT_SECRET", ""),
                }
            ]
        }
if os.environ.get("OIDC_SERVER_URL"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": os.environ.get("OIDC_PROVIDER_ID", "oidc"),
                "name": os.environ.get("OIDC_PROVIDER_NAME", "OpenID Connect"),
                "client_id": os.environ.get("OIDC_CLIENT_ID", ""),
                "secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                "settings": {"server_url": os.environ["OIDC_SERVER_URL"]},
            }
        ]
    }

# Comments: django-comments-xtd on django-contrib-comments, wrapped by the comments app.
# Only the two settings xtd reads on our paths: contrib-comments asks xtd for the model
# (COMMENTS_APP), and xtd's get_model()/get_form() read these. The rest of xtd's settings
# belong to its own views, emails and template tags, which Liaison does not use: the thread
# depth, for one, is the editor's (Discussion settings in the admin), nowhere else.
COMMENTS_APP = "django_comments_xtd"
COMMENTS_XTD_MODEL = "comments.models.Comment"
COMMENTS_XTD_FORM_CLASS = "comments.forms.CommentForm"
COMMENTS_FROM_EMAIL = DEFAULT_FROM_EMAIL
# How long a mute link in a follow-up email stays valid.
COMMENTS_MUTE_LINK_MAX_AGE = 60 * 60 * 24 * 90
