"""Settings shared by every environment.

Every value that differs between machines comes from the environment through
django-environ; `.env.example` documents each variable.
"""

import base64
import hashlib
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "marketplace.core",
    "marketplace.accounts",
    "marketplace.places",
    "marketplace.providers",
    "marketplace.accreditation",
    "marketplace.monitoring",
    "marketplace.engagement",
    "marketplace.adverts",
    "marketplace.alerts",
    "marketplace.agreements",
    "marketplace.reviews",
    "marketplace.backups",
    "marketplace.budgets",
    "marketplace.contingency",
    "marketplace.insights",
    "marketplace.openreferral",
    "marketplace.payments",
    "marketplace.demo",
    "cms",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rules.apps.AutodiscoverRulesConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that writes the body; public HTML and JSON only (config/compression.py).
    "config.compression.SafeGZipMiddleware",
    "marketplace.core.security.SitePolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Whole public pages for visitors without a session; after the session, CSRF and messages
    # middleware, inside the CSP one (cms/page_cache.py, decision 0042).
    "cms.page_cache.PublicPageCacheMiddleware",
    # For the pages the cache above does not answer: Wagtail's site, route and settings kept per
    # listings version instead of looked up on every request (cms/site_memo.py, decision 0048).
    "cms.site_memo.WagtailRouteMemoMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "marketplace.accounts.middleware.RequireMultiFactorMiddleware",
    # Last, so it sees the views' exceptions first: a busy database gets the "try again" page.
    "marketplace.core.errors.DatabaseBusyMiddleware",
]

# Content-Security-Policy (django-csp; marketplace/core/security.py relaxes scripts for the admin).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

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
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# The embedded default is SQLite in var/; production sets DATABASE_URL to PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs more than it saves on the directory's short queries
    # (about a third of a text search's time in the benchmark). A random page read
    # costs about what a sequential one does when the data is cached or on SSD
    # (PostgreSQL's default of 4 assumes spinning disks); at 4 the planner reads
    # every listing's text for a common word rather than the text index, 5 to 10
    # times slower (decision 0050).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off -c random_page_cost=1.1")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Take the write lock when a transaction begins, not at its first write: a transaction
            # that began with a read cannot wait for the lock (SQLite answers "database is locked"
            # at once, whatever the timeout), so two writers would fail rather than queue.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth): sign-up with email verification, sign-in, password
# reset, multi-factor authentication. See docs/accounts.md and
# docs/decisions/0014-accounts-with-allauth.md.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "marketplace.accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# One address per account (it is the sign-in name); changing it is verified first.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a link scanner opening the email must not confirm it
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False  # signing out is a POST (a form button), never a link
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None  # the person chooses: "Stay signed in on this device"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell people when their password, email or two-factor changes
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 10 * 60
# allauth's forms, reworded the GOV.UK way (marketplace/accounts/forms.py).
ACCOUNT_FORMS = {
    name: f"marketplace.accounts.forms.{form}"
    for name, form in {
        "login": "LoginForm",
        "signup": "SignupForm",
        "reset_password": "ResetPasswordForm",
        "reset_password_from_key": "ResetPasswordKeyForm",
        "change_password": "ChangePasswordForm",
        "set_password": "SetPasswordForm",
        "add_email": "AddEmailForm",
        "reauthenticate": "ReauthenticateForm",
    }.items()
}
MFA_FORMS = {
    "authenticate": "marketplace.accounts.forms.AuthenticateForm",
    "reauthenticate": "marketplace.accounts.forms.MultiFactorReauthenticateForm",
    "activate_totp": "marketplace.accounts.forms.ActivateTOTPForm",
}
# Wrong passwords and two-factor codes are throttled per account and device or
# address with growing delays, and capped per account for devices it has never
# been signed in on (marketplace.accounts.throttle, decision 0027): no lockout a
# stranger can cause. allauth's own "login_failed" limit is therefore off.
# Counters live in the cache, so production shares one (CACHE_URL) between web workers.
# Limits per client address need the client's address, not the proxy's: trust
# X-Forwarded-For as far as our own proxies (the same count the open data API uses).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("OPENREFERRAL_TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": None,
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/3m/key",
}
# Sessions end when the browser closes unless the person ticks "stay signed
# in", then after two weeks; the cookie is never readable by scripts.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Multi-factor authentication: an authenticator app (TOTP) with recovery codes,
# offered to everyone and required of commissioners and editors
# (marketplace.accounts.middleware.RequireMultiFactorMiddleware).
MFA_ADAPTER = "marketplace.accounts.adapters.MultiFactorAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Find care and support"
MFA_TOTP_TOLERANCE = 1  # accept the code either side of now: phone clocks drift
MFA_RECOVERY_CODE_COUNT = 10
# The Wagtail admin signs people in through allauth (so MFA applies there too);
# passwords and email addresses are changed on the account pages, not in Wagtail.
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False
# No Gravatar: staff avatars would tell gravatar.com who uses the admin (and the CSP allows no other site).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"  # None in the tests (config/settings/test.py)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Private files (vetting evidence, monitoring attachments) never sit under MEDIA_ROOT.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "marketplace.core.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Keys for fields encrypted at rest (DBS certificate numbers), newest first.
# Without them a key is derived from SECRET_KEY; production requires them.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# Uploaded documents (vetting evidence, monitoring attachments): the largest
# accepted, in bytes. The reverse proxy's body limit should be a little above it.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Large uploads stream to files here while the request runs; a folder of our own, so the
# hourly sweep can delete what a killed request left behind (marketplace.core.uploads).
FILE_UPLOAD_TEMP_DIR = str(env.path("FILE_UPLOAD_TEMP_DIR", default=str(VAR_DIR / "uploads-in-progress")))
# Optional virus scan of uploads by clamd: a Unix socket path, or a host and
# port. Unset means no scan; set but unreachable means uploads are refused
# (fail closed). See docs/accreditation.md.
CLAMD_SOCKET = env("CLAMD_SOCKET", default="")
CLAMD_HOST = env("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT = env.float("CLAMD_TIMEOUT", default=10.0)

# The cache holds the open data API's rate-limit counters, so production
# shares one (Redis) between every web worker; locally, process memory.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Email: the console locally, SMTP (EMAIL_URL) in production.
email_config = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(email_config)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="directory@council.example")
# Seconds to wait for the mail service; a send that times out is retried from the outbox.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

WAGTAIL_SITE_NAME = "Find care and support"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "xlsx", "csv", "txt"]

# Directory search: "database" (PostgreSQL full-text or the SQLite equivalent)
# or "elasticsearch" (ELASTICSEARCH_URL). See docs/search.md.
SEARCH_BACKEND = env("SEARCH_BACKEND", default="database")
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL", default="")
# Searches give up after this many seconds (no retries) and answer from the database.
ELASTICSEARCH_TIMEOUT = env.float("ELASTICSEARCH_TIMEOUT", default=2.0)
# The alias searched; each reindex builds "<alias>-v<mapping version>-<time>" behind it.
ELASTICSEARCH_INDEX = env("ELASTICSEARCH_INDEX", default="providers")
SEARCH_PAGE_SIZE = 20
SEARCH_DEFAULT_RADIUS_MILES = 10

# Stripe (Connect). Outside production the defaults point at the project's own fake
# Stripe (python -m fakestripe; scripts/with-fakestripe.sh starts one and sets all
# four), so no test or demo can reach the real Stripe. See docs/fake-stripe.md.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="http://127.0.0.1:12111")
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="sk_test_fakestripe_demo")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_fakestripe_demo_platform")
STRIPE_CONNECT_WEBHOOK_SECRET = env("STRIPE_CONNECT_WEBHOOK_SECRET", default="whsec_fakestripe_demo_connect")
# Online payments (marketplace.payments). On by default outside production, against the fake.
PAYMENTS_ENABLED = env.bool("PAYMENTS_ENABLED", default=True)

# The Open Referral UK API (/openreferral/): requests a minute per client
# address (0 turns the limit off), how long responses may be cached, and how
# many proxies of ours sit in front (so X-Forwarded-For can be trusted that far).
OPENREFERRAL_RATE_LIMIT_PER_MINUTE = env.int("OPENREFERRAL_RATE_LIMIT_PER_MINUTE", default=120)
OPENREFERRAL_CACHE_SECONDS = env.int("OPENREFERRAL_CACHE_SECONDS", default=300)
OPENREFERRAL_TRUSTED_PROXY_COUNT = env.int("OPENREFERRAL_TRUSTED_PROXY_COUNT", default=0)
# The public site's address (https://directory.council.gov.uk): links in the open data use it.
# Empty: the address the request came to (never the Wagtail Site's hostname, often "localhost").
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="").rstrip("/")

# External registers: the CQC, Companies House and the DBS Update Service
# (docs/registers.md). Without a URL or key a register's sync skips it, logs
# that and records it as the job's result (ScheduledJobRun); nothing else changes.
CQC_API_URL = env("CQC_API_URL", default="https://api.service.cqc.org.uk/public/v1")
CQC_API_KEY = env("CQC_API_KEY", default="")
COMPANIES_HOUSE_API_URL = env("COMPANIES_HOUSE_API_URL", default="https://api.company-information.service.gov.uk")
COMPANIES_HOUSE_API_KEY = env("COMPANIES_HOUSE_API_KEY", default="")
DBS_UPDATE_SERVICE_URL = env("DBS_UPDATE_SERVICE_URL", default="https://secure.crbonline.gov.uk/crsc/api/status")
# The organisation and the named person who make the status checks (the DBS asks for both).
DBS_UPDATE_SERVICE_ORGANISATION = env("DBS_UPDATE_SERVICE_ORGANISATION", default="")
DBS_UPDATE_SERVICE_CHECKER_FORENAME = env("DBS_UPDATE_SERVICE_CHECKER_FORENAME", default="")
DBS_UPDATE_SERVICE_CHECKER_SURNAME = env("DBS_UPDATE_SERVICE_CHECKER_SURNAME", default="")
# Seconds to wait for a register to connect, and again for it to answer.
REGISTER_TIMEOUT_SECONDS = env.float("REGISTER_TIMEOUT_SECONDS", default=10.0)

# Celery. The embedded default uses a filesystem broker under var/ so a worker
# and beat run without any server; production sets CELERY_BROKER_URL to Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
# CELERY_FILESYSTEM_DIR moves the broker's folders and beat's schedule, so a
# second embedded copy (the tests' own) does not share a queue with yours.
CELERY_FILESYSTEM_DIR = Path(env("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "celery")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = CELERY_FILESYSTEM_DIR / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_FILESYSTEM_DIR / "beat-schedule")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Pooled support (marketplace.payments.pooling): transfer any paid share whose transfer has not been made.
    "payments-transfer-pooled-shares": {
        "task": "marketplace.payments.tasks.transfer_pending_pooled_shares",
        "schedule": 60.0 * 5,
    },
    # ...and take back from a share's transfer the provider's part of a refund whose reversal was not made.
    "payments-reverse-pooled-refunds": {
        "task": "marketplace.payments.tasks.reverse_pending_pooled_refunds",
        "schedule": 60.0 * 5,
    },
    # ...and send back to the provider its part of a refund that failed after that reversal was made.
    "payments-give-back-failed-pooled-refunds": {
        "task": "marketplace.payments.tasks.give_back_pending_pooled_refunds",
        "schedule": 60.0 * 5,
    },
    # The email outbox (marketplace.core.outbox): send what is due, retry what failed.
    "send-due-emails": {
        "task": "marketplace.core.tasks.send_due_emails",
        "schedule": 60.0,
    },
    "remove-abandoned-uploads": {
        "task": "marketplace.core.tasks.remove_abandoned_uploads",
        "schedule": 60.0 * 60,
    },
    "record-heartbeat": {
        "task": "marketplace.providers.tasks.record_scheduler_heartbeat",
        "schedule": env.float("SCHEDULER_HEARTBEAT_SECONDS", default=300.0),
    },
    "flag-stale-availability": {
        "task": "marketplace.providers.tasks.flag_stale_availability",
        "schedule": 60.0 * 60 * 6,
    },
    # The commissioners' morning figures (marketplace.insights), worked out after the night's sweeps and before
    # anyone opens the dashboard: each panel is kept by the day.
    "insights-morning-figures": {
        "task": "marketplace.insights.tasks.keep_morning_figures",
        "schedule": crontab(hour=6, minute=55),
    },
    # The commissioners' morning email digest (marketplace.insights): what changed since yesterday's.
    "insights-morning-digest": {
        "task": "marketplace.insights.tasks.send_daily_digest",
        "schedule": crontab(hour=7, minute=0),
    },
    # External registers, daily in the small hours, staggered so they do not run at once.
    "registers-cqc": {
        "task": "marketplace.accreditation.registers.tasks.registers_sync_cqc",
        "schedule": crontab(hour=2, minute=10),
    },
    "registers-companies-house": {
        "task": "marketplace.accreditation.registers.tasks.registers_sync_companies_house",
        "schedule": crontab(hour=2, minute=40),
    },
    "registers-dbs-update-service": {
        "task": "marketplace.accreditation.registers.tasks.registers_check_dbs_update_service",
        "schedule": crontab(hour=3, minute=10),
    },
    # Online payments: yesterday's payments and refunds compared with Stripe's, once a night.
    "payments-reconcile-nightly": {
        "task": "marketplace.payments.tasks.reconcile_payments_nightly",
        "schedule": crontab(hour=3, minute=40),
    },
    # Vetting checks: reminders 60, 30 and 7 days before expiry, expiry and lapse.
    "accreditation-expiry-sweep": {
        "task": "marketplace.accreditation.tasks.run_expiry_sweep",
        "schedule": crontab(hour=6, minute=0),
    },
    # Contract monitoring: tell commissioners of overdue visits (each provider at most once a week).
    "monitoring-alert-overdue": {
        "task": "marketplace.monitoring.tasks.alert_overdue_monitoring",
        "schedule": crontab(hour=6, minute=30),
    },
    # Adverts: remind advertisers before closing, close expired adverts, email matching PAs (each advert once).
    "adverts-daily": {
        "task": "marketplace.adverts.tasks.run_adverts_daily",
        "schedule": crontab(hour=7, minute=30),
    },
    # Agreements: approve timesheet entries nobody approved or queried in time (idempotent).
    "agreements-approve-overdue": {
        "task": "marketplace.agreements.tasks.approve_overdue_timesheets",
        "schedule": crontab(hour=6, minute=0),
    },
    # Budgets: post the council's scheduled payments and invoices paid elsewhere; insurance reminders.
    "budgets-daily": {
        "task": "marketplace.budgets.tasks.run_budgets_daily",
        "schedule": crontab(hour=6, minute=45),
    },
    # Saved searches: email owners about listings that newly match (each listing once per search).
    "alerts-saved-searches": {
        "task": "marketplace.alerts.tasks.send_saved_search_alerts",
        "schedule": crontab(hour=8, minute=0),
    },
    # Back-up plans: tell people whose provider's accreditation lapsed (once per lapse), after the expiry sweep.
    "backups-cannot-come": {
        "task": "marketplace.backups.tasks.tell_people_whose_provider_lapsed",
        "schedule": crontab(hour=6, minute=30),
    },
    # Payments: any stored Stripe event not yet processed (a worker was down) is queued again.
    "payments-pending-stripe-events": {
        "task": "marketplace.payments.tasks.process_pending_stripe_events",
        "schedule": 60.0 * 5,
    },
    # Payments: queued online payments; ask Stripe again for sessions it could not make.
    "payments-open-due-checkout-sessions": {
        "task": "marketplace.payments.tasks.open_due_checkout_sessions",
        "schedule": 60.0,
    },
}
# Task modules outside an app's tasks.py, which autodiscovery does not find.
CELERY_IMPORTS = ["marketplace.accreditation.registers.tasks"]

if not FIELD_ENCRYPTION_KEYS:
    # The same derivation as marketplace.core.encryption.derive_key.
    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}
