"""Settings shared by every environment. Everything that differs comes from the environment.

Database roles (see docs/decisions/0001-tenancy.md):
- DATABASE_URL: the application role (no superuser, no BYPASSRLS). Pages, API, workers use it.
- DATABASE_OWNER_URL: the owner role that runs migrations and owns the tables.
"""

from pathlib import Path
from zoneinfo import ZoneInfo

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from django_celery_beat.tzcrontab import TzAwareCrontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "guardian",
    "simple_history",
    "axes",
    "django_celery_beat",
    # Kernel and domains, floor by floor (ARCHITECTURE.md).
    "crm",
    "governance",
    "accounts",
    "leads",
    "opportunities",
    "contracts",
    "support",
    "activities",
    "marketing",
    "integrations",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crm.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "crm.middleware.ApiTenantMiddleware",
    "crm.middleware.TenantMiddleware",
    # Last, so that it sees the authentication outcome of the views it wraps.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
# Pages inside a tenant, mounted at /t/<slug>/ by crm.middleware.TenantMiddleware.
CRM_TENANT_URLCONF = "crm.tenant_urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL"),
    "owner": env.db("DATABASE_OWNER_URL"),
}
for _alias in DATABASES.values():
    _alias.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
    _alias["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["crm.routers.OwnerMigratesRouter"]
# The application role is granted DML on every table by the owner after each migration.
CRM_APP_DB_ROLE = env.str("CRM_APP_DB_ROLE", default=DATABASES["default"]["USER"])
# Tables with a tenant_id but no RLS, closed to the application role and reached only through SECURITY
# DEFINER functions that filter on the tenant (ARCHITECTURE.md, "Search under RLS").
CRM_DEFINER_ONLY_TABLES = ["search_entry"]
# Loud, local-only escape: serve even though the application role is privileged.
CRM_ALLOW_PRIVILEGED_DB_ROLE = env.bool("CRM_ALLOW_PRIVILEGED_DB_ROLE", default=False)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "crm.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "crm.auth.EmailBackend",
    "governance.permissions.RolePermissionBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Sessions: idle timeout by a sliding expiry, renewed at most once a minute
# (crm.middleware.SessionIdleRefreshMiddleware), not on every request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "crm.views.csrf_failure"
# Messages can carry a secret shown once (a new API key): keep them server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Internationalisation: French first, English second; European formats.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Paris"
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["crm.formats"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Redis serves the cache (axes lockouts, throttling) and the Celery broker. Without one, an embedded
# fallback keeps every process on this machine sharing state (see crm/devtools.py).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or f"file://{VAR_DIR / 'results'}")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = False

# Login lockout: ten failures lock the email for a while, whether or not it exists.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = 0.25  # hours
# The email is locked after the limit, from whatever address. Not the address alone: a whole office or a
# mobile carrier's shared address would lock every field sales rep behind it (hence axes.W006 silenced).
AXES_LOCKOUT_PARAMETERS = ["username"]
# Without Redis (the one-machine demo) axes rightly warns that a file cache is not shared: silenced there.
SILENCED_SYSTEM_CHECKS = ["axes.W006", *([] if REDIS_URL else ["axes.W001"])]
AXES_USERNAME_FORM_FIELD = "username"
# Login matches emails case-insensitively, so the lockout counts them the same way.
AXES_USERNAME_CALLABLE = "crm.auth.lockout_username"
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_LOCKOUT_CALLABLE = "crm.views.lockout"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Django 6 built-in Content Security Policy: no inline scripts, nothing from other origins.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CRM <no-reply@localhost>")
# The address people open the CRM at, for the links that e-mails carry (empty: links are relative).
CRM_BASE_URL = env.str("CRM_BASE_URL", default="")
# CalDAV servers on private networks or this machine (a LAN install, the tests, the demo's Radicale):
# refused by default, so that no user can make the CRM call the servers of its own network.
CALDAV_ALLOW_PRIVATE_ADDRESSES = env.bool("CALDAV_ALLOW_PRIVATE_ADDRESSES", default=False)
# Fernet key of the passwords of IMAP and CalDAV servers (crm.secretbox); derived from SECRET_KEY when empty.
CRM_SECRETS_KEY = env.str("CRM_SECRETS_KEY", default="")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["crm.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["crm.api.permissions.HasTenantApiKey"],
    "DEFAULT_PAGINATION_CLASS": "crm.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["crm.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env.str("API_RATE_PER_KEY", default="1200/min")},
    "EXCEPTION_HANDLER": "crm.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
    # Client addresses come from REMOTE_ADDR unless the deployment says how many proxies to trust.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
# Invalid API keys from one address, per minute, before it gets 429 without a look-up.
API_BAD_KEY_LIMIT_PER_MINUTE = env.int("API_BAD_KEY_LIMIT_PER_MINUTE", default=30)
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": "Per-tenant REST API. Authenticate with `Authorization: Bearer <api key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Choice sets shared by several fields get one name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "VatRateEnum": "opportunities.models.catalogue.VatRate",
        "DiscountKindEnum": "opportunities.models.quotes.DiscountKind",
        "ActivityStatusEnum": "activities.models.core.Activity.Status",
        "TaskStatusEnum": "activities.models.tasks.Task.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crm.api.schema.document_errors",
    ],
}

ANONYMOUS_USER_NAME = None
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
GUARDIAN_USER_OBJ_PERMS_MODEL = "governance.TenantUserObjectPermission"
GUARDIAN_GROUP_OBJ_PERMS_MODEL = "governance.TenantGroupObjectPermission"

CELERY_BEAT_SCHEDULE = {
    # Proves, every minute, that beat, the broker and a worker are all alive (visible in the worker log).
    "kernel-health-check": {"task": "crm.health_check", "schedule": 60.0},
    # Every night at 02:30, Paris time (beat itself runs in UTC).
    "accounts-duplicate-scan": {
        "task": "accounts.duplicate_scan_all",
        "schedule": TzAwareCrontab(minute=30, hour=2, tz=ZoneInfo("Europe/Paris")),
    },
    # Imports whose worker died stay "running": marked failed, with their reason (accounts/imports).
    "accounts-import-stalled-sweep": {"task": "accounts.import_stalled_sweep_all", "schedule": 300.0},
    # First-contact SLA breaches and leads waiting too long in the queue (leads/tasks.py).
    "leads-sweeps": {"task": "leads.sweep_all", "schedule": 300.0},
    # Overdue close dates and inactivity reminders of opportunities, every morning at 07:00 Paris time.
    "opportunities-rules-sweep": {
        "task": "opportunities.rules_sweep_all",
        "schedule": TzAwareCrontab(minute=0, hour=7, tz=ZoneInfo("Europe/Paris")),
    },
    # Sent quotes past their validity date become expired (opportunities/quotes/tasks.py), hourly.
    "opportunities-quote-expiry": {"task": "opportunities.quote_expire_all", "schedule": 3600.0},
    # Inbound e-mail: due dropbox mailboxes polled over IMAP, every two minutes (integrations/tasks.py).
    "integrations-mailbox-sweep": {"task": "integrations.mailbox_sweep_all", "schedule": 120.0},
    # CalDAV calendars due for a sync (periodic pull, retries with backoff): integrations/tasks_caldav.py.
    "integrations-caldav-sweep": {"task": "integrations.caldav_sweep_all", "schedule": 300.0},
    # Task reminders come due and pending notification e-mails leave (activities/tasks.py), every minute.
    "activities-minute-sweep": {"task": "activities.minute_sweep_all", "schedule": 60.0},
}
