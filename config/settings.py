"""Unbundled settings: one module, read from the environment.

With nothing set you get the embedded default (SQLite, local media, eager tasks, console
e-mail), so one command runs the product. Each production service is switched on by its own
variable; README.md lists them all.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime state of the embedded default (database file, uploads) lives here, never in git.
VAR_DIR = Path(env_str("UNBUNDLED_VAR_DIR", str(BASE_DIR / "var")))

# The embedded default is the development profile; any production service variable turns
# DEBUG's default off, so a half-configured deployment never runs with DEBUG on by accident.
_PRODUCTION_VARIABLES = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "EMAIL_HOST",
    "AWS_STORAGE_BUCKET_NAME",
)
EMBEDDED_PROFILE = not any(env_str(name) for name in _PRODUCTION_VARIABLES)
DEBUG = env_bool("DJANGO_DEBUG", default=EMBEDDED_PROFILE)
SITE_NAME = env_str("UNBUNDLED_SITE_NAME", "Unbundled")
# Absolute links in e-mails and credentials are built from this origin.
SITE_URL = env_str("UNBUNDLED_SITE_URL", "http://127.0.0.1:8000")

if DEBUG:
    # A development-only key: DEBUG is never on in a deployment, and a deployment without
    # DJANGO_SECRET_KEY refuses to start below.
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-not-for-production")
else:
    SECRET_KEY = env_str(
        "DJANGO_SECRET_KEY",
        required=True,
        example="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')",
    )
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Full-text and trigram search for the directory (used only on PostgreSQL; harmless on SQLite).
    "django.contrib.postgres",
    "rest_framework",
    "allauth",
    "allauth.account",
    "portfolio",
    "credentials",
    "assessments",
]
# The demo data (demo/, with `manage.py load_demo`) is in a checkout but not in the installed
# package, so a deployment from a wheel starts without it.
if (BASE_DIR / "demo" / "apps.py").is_file():
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view middleware (CSRF) reads the body: refuses oversized ones with a page.
    "config.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: a refusal no view caught becomes a message, or the 403 page.
    "portfolio.refusals.RefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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
                "config.context_processors.site",
                "config.context_processors.unread_notifications",
                "config.context_processors.capabilities",
            ],
        },
    },
]

# --- Database: SQLite file by default, anything dj-database-url understands via DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A kept connection the server has since dropped (restart, failover, an idle
        # timeout, pg_terminate_backend) is checked and replaced at the start of the next
        # request, instead of failing that request with a 500.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded profile keeps its database in var/; make sure a fresh checkout has it.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when configured (shared by every web process), else per-process memory.
# Login rate limits live in the cache, so they only hold across processes when it is shared:
# a deployment with a Redis broker but no REDIS_CACHE_URL keeps its cache on the broker's
# Redis (under its own key prefix) rather than in each process's memory.
_broker_url = env_str("CELERY_BROKER_URL", "")
REDIS_CACHE_URL = env_str("REDIS_CACHE_URL", "") or (
    _broker_url if _broker_url.startswith(("redis://", "rediss://")) else ""
)
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ReusedClientRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": "unbundled-cache",
        }
    }
    # Every signed-in request reads its session: from Redis, with the database behind it
    # (written through, so a Redis restart signs nobody out). Only with a shared cache: a
    # per-process one would keep a session in one process after signing out in another.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Accounts
AUTH_USER_MODEL = "portfolio.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "portfolio.backends.RolePermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Mandatory verification is the production default; the demo profile may relax it.
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION", "mandatory", ["mandatory", "optional", "none"]
)
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "portfolio.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "portfolio.forms.accounts.SignupForm",
    "login": "portfolio.forms.accounts.LoginForm",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "

# --- Internationalisation
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files and uploads
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Evidence files never get a public URL: a view checks permission and streams them.
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    _s3_options = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
        "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
        "access_key": env_str("AWS_ACCESS_KEY_ID", ""),
        "secret_key": env_str("AWS_SECRET_ACCESS_KEY", ""),
        "file_overwrite": False,
    }
    _public_acl = env_str("AWS_S3_PUBLIC_ACL", "public-read")
    STORAGES = {
        # Avatars and badge images are linked from public pages, e-mails and Open Graph tags,
        # so their URLs must be plain and lasting: unsigned, and the objects readable by anyone.
        # A bucket with ACLs disabled sets AWS_S3_PUBLIC_ACL=none and grants public read on
        # public/* with a bucket policy instead.
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_s3_options,
                "location": "public",
                "default_acl": None if _public_acl == "none" else _public_acl,
                "querystring_auth": False,
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_s3_options,
                "location": "private",
                "default_acl": "private",
                "querystring_auth": True,
            },
        },
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
        },
    }
STORAGES["staticfiles"] = {
    "BACKEND": (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
}

MAX_UPLOAD_BYTES = env_int("UNBUNDLED_MAX_UPLOAD_MB", 20) * 1024 * 1024
# Pixel ceiling for uploaded images: refuses decompression bombs before decoding them.
MAX_IMAGE_PIXELS = env_int("UNBUNDLED_MAX_IMAGE_PIXELS", 40_000_000)
# Request bodies may carry one maximal upload plus the rest of the form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The size limit counts each file as it streams in and stops it at MAX_UPLOAD_BYTES.
FILE_UPLOAD_HANDLERS = [
    "config.upload_handlers.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- E-mail (Django 6.1 MAILERS): console unless an SMTP host is configured.
_email_host = env_str("EMAIL_HOST", "")
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=True),
                "use_ssl": env_bool("EMAIL_USE_SSL", default=False),
                "timeout": env_int("EMAIL_TIMEOUT", 20),
            },
        }
    }
else:
    _email_backend = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    _email_options = (
        {"file_path": env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))}
        if "filebased" in _email_backend
        else {}
    )
    MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery: without a broker, tasks run inline so the embedded default needs no services.
CELERY_TASK_ALWAYS_EAGER = not _broker_url
# Eager tasks never reach a broker, yet Celery still opens a producer for them: the
# in-memory transport, with a host named, keeps kombu from guessing and warning.
CELERY_BROKER_URL = _broker_url or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Celery's file-backed scheduler, without SQLite under it (config/beat.py says why).
CELERY_BEAT_SCHEDULER = "config.beat:Scheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Delivers e-mails whose first enqueue was lost, e.g. while the broker was down.
    "send-pending-notifications": {
        "task": "portfolio.tasks.send_pending_notifications",
        "schedule": 300.0,
    },
    "remind-expiring-credentials": {
        "task": "credentials.tasks.remind_expiring_credentials",
        "schedule": 86400.0,
    },
    # Employers' saved directory searches: one e-mail a day per search, new matches only.
    "send-saved-search-digests": {
        "task": "credentials.tasks.send_saved_search_digests",
        "schedule": 86400.0,
    },
    # Bulk issuances whose task was lost (a broker away) are enqueued again.
    "resume-bulk-issuances": {
        "task": "credentials.tasks.resume_bulk_issuances",
        "schedule": 300.0,
    },
    "flag-waiting-applications": {
        "task": "assessments.tasks.flag_waiting_applications",
        "schedule": 86400.0,
    },
}
# Redis hands an unacknowledged message to another worker after this long. It must outlast
# the longest Celery retry wait (NOTIFICATION_EMAIL_TASK_RETRY_MAX), or held retries are
# delivered twice (harmless, the outbox claim skips them, but wasteful).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# --- Notification e-mail outbox (portfolio.services.notifications explains the claim).
# An e-mail the mail server keeps refusing is given up (marked failed, for staff to resend
# in the admin) this long after it was queued; until then it is retried with backoff.
NOTIFICATION_EMAIL_GIVE_UP_AFTER = timedelta(days=1)
# The first retry waits about this long; each next one twice as long, up to the maximum.
NOTIFICATION_EMAIL_RETRY_BACKOFF = timedelta(seconds=30)
NOTIFICATION_EMAIL_RETRY_BACKOFF_MAX = timedelta(hours=1)
# Waits up to this long are Celery retries; longer ones are left to the beat sweep.
NOTIFICATION_EMAIL_TASK_RETRY_MAX = timedelta(minutes=15)
# How long a sender holds a row; also the sending task's hard time limit. Longer than an
# SMTP conversation can take with EMAIL_TIMEOUT.
NOTIFICATION_EMAIL_SEND_LEASE = timedelta(minutes=5)
# The sweep leaves a row to its own task or retry until it is this much overdue.
NOTIFICATION_EMAIL_SWEEP_GRACE = timedelta(minutes=2)

# Issuer staff hear about an application that has waited this many days in the queue.
APPLICATION_WAITING_DAYS = env_int("UNBUNDLED_APPLICATION_WAITING_DAYS", 7)
CREDENTIAL_EXPIRY_REMINDER_DAYS = 30
# Who may search the employers' directory at /directory/: employers always, and anyone,
# signed in or not, when this is on (the demo shows it to every visitor).
DIRECTORY_IS_PUBLIC = env_bool("UNBUNDLED_DIRECTORY_IS_PUBLIC", default=EMBEDDED_PROFILE)
# A PDF transcript listing more credentials than this is rendered by a worker, and the learner
# is told in their inbox when it is ready (credentials.transcripts).
TRANSCRIPT_BACKGROUND_THRESHOLD = 30
# How many contact requests one employer may send in any 24 hours.
CONTACT_REQUESTS_PER_DAY = env_int("UNBUNDLED_CONTACT_REQUESTS_PER_DAY", 10)

# --- Verifiable credentials (credentials/vc/): signing keys and the site's identifiers.
# Issuers' Ed25519 private keys are stored encrypted (Fernet) with a key derived from this
# secret, never in plain text. A deployment must set it (check --deploy says so, and signing
# refuses without it); keep it apart from the database backups it protects. Earlier secrets,
# comma-separated, still decrypt keys stored under them while they are re-encrypted.
SIGNING_SECRET = env_str("UNBUNDLED_SIGNING_SECRET", "")
SIGNING_SECRET_FALLBACKS = env_list("UNBUNDLED_SIGNING_SECRET_FALLBACKS", [])
# The embedded profile, without a secret set, makes a random one on first use in this file
# next to its database (var/ is never in git), so a demo needs no setup and no secret is
# written into the repository. None elsewhere: a deployment sets the variable.
SIGNING_SECRET_FILE: Path | None = VAR_DIR / "signing-secret" if EMBEDDED_PROFILE else None
# How issuers are identified: "web" (did:web under SITE_URL, for a site with a stable domain)
# or "key" (did:key from each issuer's current key, for an installation without one).
DID_METHOD = env_choice("UNBUNDLED_DID_METHOD", "web", ["web", "key"])
# The largest credential /verify/ and its API read (pasted, uploaded or posted), in bytes: a
# credential is a few kilobytes, more with an embedded image; this bounds the JSON-LD work.
VERIFY_MAX_BYTES = env_int("UNBUNDLED_VERIFY_MAX_BYTES", 1_000_000)

# --- REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    # Services' refusals (DomainError) answer {"code", "detail"} with their own status.
    "EXCEPTION_HANDLER": "portfolio.api.exceptions.handle_api_exception",
}

# --- Security. CSP forbids inline script and style everywhere: every page uses static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No page is meant to be framed, not even by the site itself (CSP frame-ancestors agrees).
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Secure cookies, HTTPS redirect and HSTS are on unless explicitly turned off for local HTTP.
_https = env_bool("DJANGO_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https and env_bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = _https
# Links in account e-mails (verification, password reset) must be https even when a proxy
# terminates TLS and the request the link is built from arrived over plain HTTP.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if _https else "http"
if env_bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

_log_level = env_str("DJANGO_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _log_level},
    "loggers": {
        # Django's defaults give the "django" logger a fixed INFO level and handlers of its own:
        # a console one (with DEBUG on), whose lines the root handler then printed a second
        # time, and mail_admins, idle without ADMINS. Without them each record prints once,
        # through the root, at our level. ("django.server", runserver's request lines, keeps
        # its own handler and format.)
        "django": {"handlers": [], "level": _log_level, "propagate": True},
        # WeasyPrint narrates every rendering step at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        # pikepdf announces its logging bridge at INFO in every process that cleans a PDF.
        "pikepdf": {"level": "WARNING"},
    },
}
