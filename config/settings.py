import base64
import binascii
import hashlib
import hmac
import logging
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    # Variables already set in the process environment win over the file.
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
TESTING = "pytest" in sys.modules
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        sys.exit("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The public address for links in emails; unset in development, links follow the request.
SITE_URL = env.str("DJANGO_SITE_URL", default="").rstrip("/")
# Who runs the site and how to reach them, named in every page's footer and on the About page.
SITE_ORGANISATION_NAME = env.str(
    "SITE_ORGANISATION_NAME", default="Example Campaign for North Korean Refugees"
)
SITE_CONTACT_EMAIL = env.str("SITE_CONTACT_EMAIL", default="contact@example.org")

INSTALLED_APPS = [
    # Django's admin, with the staff login of accounts.sites.
    "accounts.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_countries",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "audit",
    "accounts",
    "petitions",
    "signatures",
    "deliveries",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The security headers go above every middleware that may answer by itself, so that every
    # answer carries them.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.BadQueryStringMiddleware",
    "petitions.public_pages.PublicPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LocaleMiddleware",
    "petitions.absolute_urls.RequestOriginMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Tells whether this session has proved a second factor (request.user.is_verified()).
    "django_otp.middleware.OTPMiddleware",
    "config.middleware.AuditNetworkMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.csp",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.organisation",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# A read replica of the primary, streamed from it, that anonymous visitors' public pages read
# (config/routers.py); unset, everything reads the primary.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL") | {"TEST": {"MIRROR": "default"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    from psycopg_pool import ConnectionPool

    for _database in DATABASES.values():
        # psycopg's pool replaces persistent connections; Django requires CONN_MAX_AGE=0 with it.
        _database["CONN_MAX_AGE"] = 0
        _database.setdefault("OPTIONS", {}).update(
            {
                # While PostgreSQL is down, a request waits at most this long for a connection
                # and then answers 503; checking each connection as it leaves the pool replaces
                # those that died with the server, so the site recovers without a restart.
                "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=2),
                "pool": {
                    "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
                    "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=20),
                    "timeout": env.float("DATABASE_POOL_TIMEOUT", default=2),
                    "check": ConnectionPool.check_connection,
                },
            }
        )
        if env.bool("DATABASE_PGBOUNCER", default=False):
            # PgBouncer in transaction mode (deploy/pgbouncer/pgbouncer.ini) hands each
            # transaction whichever server connection is free: a cursor or a prepared statement
            # left on one connection is not on the next. Exports iterate in chunks instead of
            # holding a server-side cursor, and psycopg prepares nothing.
            _database["DISABLE_SERVER_SIDE_CURSORS"] = True
            _database["OPTIONS"]["prepare_threshold"] = None
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a signature is written; the timeout absorbs short write bursts.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 10,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"] if "replica" in DATABASES else []
if DATABASE_ROUTERS:
    # Once the address has given the language, which its localised pages resolve in; nothing
    # above reads the database, so the whole request runs with its decision.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("config.middleware.LocaleMiddleware") + 1,
        "config.middleware.ReplicaReadsMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Axes first, so that a locked account or address is refused before a password is hashed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.StaffLoginBackend",
]
LOGIN_URL = "admin:login"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Our own subclasses add `count_and_read`, with which the signing limits cost one round trip.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    CACHES["default"]["BACKEND"] = "config.cache.LocMemCache"
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Redis down is a cache miss, not an error: everything cached is read again from the database.
    CACHES["default"]["BACKEND"] = "config.cache.ResilientRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    )
# Sessions live in the database alone: a cached copy could outlive a logout while Redis is
# unreachable. Only staff use them: what a signer is shown once travels in a sealed cookie
# (signatures/one_time.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

_email = env.email_url("EMAIL_URL", default="consolemail://")
_email_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "timeout": 10,
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": (
            {key: value for key, value in _email_options.items() if value not in (None, "")}
            if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Petitions <petitions@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# With debug off emails are queued, so that no request waits on a mail server and response times
# cannot tell whether an address has signed before; `check --deploy` refuses sending inline.
TASKS = {
    "default": {
        "BACKEND": env.str(
            "DJANGO_TASKS_BACKEND",
            default=(
                "django.tasks.backends.immediate.ImmediateBackend"
                if DEBUG
                else "django_tasks_db.DatabaseBackend"
            ),
        ),
    }
}

# Argon2 for new passwords; a PBKDF2 hash is replaced by an Argon2 one at its owner's next login.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ko", "한국어"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Every number shown is grouped for the reader's language; where a machine reads one (an HTML
# attribute), the template says |unlocalize.
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Delivery packages. They hold signers' names: never serve this folder publicly.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
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

# How many reverse proxies of ours stand in front of the app and append to X-Forwarded-For;
# 0 trusts only the connecting address, so a client cannot invent its own.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# Behind a TLS-terminating proxy. Secure defaults follow DEBUG so that production is safe unset.
# Only a proxy of ours may say that the request came over HTTPS: without one, anyone could.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Every script, style, image, worker and request comes from this site, so that nothing injected
# into a page can run or send a signer's details elsewhere. An inline script or style needs the
# request's nonce ({{ csp_nonce }}); Django's admin marks its few inline ones with it.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    # Workers too come from our own files, never from blob: or data: addresses.
    "worker-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Browser features that no page here uses: off for every page and for anything embedded in it.
PERMISSIONS_POLICY_DISABLED = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
    "xr-spatial-tracking",
)

LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
# Confirm and manage links never reach a log: the loggers that write request paths, and the
# console whatever logger a path comes through, write them with the secret redacted
# (signatures/secret_links.py; config/gunicorn.py does the same for gunicorn's access log).
_REDACTED = {"filters": ["secret_links"]}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"secret_links": {"()": "signatures.secret_links.RedactSecretLinks"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"} | _REDACTED,
        # runserver's lines, as Django writes them by default.
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"}
        | _REDACTED,
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Replaces Django's own "django" logger, which logs requests and tasks at INFO whatever
    # the root level says.
    "loggers": {
        "django": {"level": LOG_LEVEL, "propagate": True},
        "django.request": _REDACTED,
        "django.security.csrf": _REDACTED,
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False}
        | _REDACTED,
        # Axes says at INFO what it does with every login; failures and lockouts are warnings.
        "axes": {"level": max(logging.getLevelNamesMapping()[LOG_LEVEL], logging.WARNING)},
    },
}

# Signing
# The version of the consent text under the signing form (templates/signatures/includes/
# _form.html), shown there and stored with every signature. Whoever changes that text, or what
# the privacy notice it points to says is done with signers' data, sets a new version: the date
# of the change.
CONSENT_VERSION = "2026-11-29"
SIGNATURE_CONFIRMATION_TTL = timedelta(days=env.int("SIGNATURE_CONFIRMATION_DAYS", default=7))
# How long confirmed signatures are kept once their petition is closed or delivered; the privacy
# notice promises that names, emails, towns and IP addresses are erased after it.
SIGNATURE_RETENTION = timedelta(days=env.int("SIGNATURE_RETENTION_DAYS", default=180))
SIGNATURE_MAX_EMAILS = 3
# Confirmations add to one of this many counters per petition and country, chosen at random.
SIGNATURE_TALLY_SHARDS = 16
# How long counts and recent signers may be served from cache; a confirmation refreshes them.
SIGNATURE_COUNT_CACHE_SECONDS = 5

# Pages that are the same for everyone (the home page, petition pages, count.json, About,
# Privacy: petitions/public_pages.py) are kept whole in our cache for PUBLIC_PAGE_CACHE_SECONDS,
# and any cache may keep them for PUBLIC_PAGE_MAX_AGE and then serve them for up to
# PUBLIC_PAGE_STALE_WHILE_REVALIDATE more while it fetches a fresh copy. The count a page
# shows is read when the page is made, so it is at most these few seconds old.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=5)
PUBLIC_PAGE_MAX_AGE = env.int("PUBLIC_PAGE_MAX_AGE", default=5)
PUBLIC_PAGE_STALE_WHILE_REVALIDATE = env.int("PUBLIC_PAGE_STALE_WHILE_REVALIDATE", default=30)
# Petition bodies are written in the admin; nothing legitimate posts more than this.
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
# A failed email is tried again after 1, 2, 4 ... minutes, then hourly: 32 attempts span a day.
SIGNATURE_MAIL_ATTEMPTS = 32
# The first of those waits; the others grow from it, up to 60 times it. Drills shorten it
# (bench/drills/mail_server_down.py).
SIGNATURE_MAIL_RETRY_DELAY = timedelta(seconds=env.int("SIGNATURE_MAIL_RETRY_SECONDS", default=60))

# Signers' names, email addresses, towns and IP addresses are sealed at rest with AES-256-GCM
# under SIGNATURE_DATA_KEY (docs/privacy-at-rest.md). The keys in SIGNATURE_DATA_OLD_KEYS
# (comma-separated) only open what they sealed, until `manage.py reseal_signer_details` has moved
# it to the current key. SIGNATURE_HASH_KEY keys the hashes by which a signature is found by its
# email address or domain; it never changes, or no stored hash would match again. Each key is
# base64 of 32 random bytes, kept apart from the database and its backups. Development and tests
# use these fixed keys, which `check --deploy` refuses.
DEVELOPMENT_SIGNATURE_DATA_KEY = "ZGV2ZWxvcG1lbnQtb25seS1zaWduYXR1cmUtZGF0YSE="
DEVELOPMENT_SIGNATURE_HASH_KEY = "ZGV2ZWxvcG1lbnQtb25seS1zaWduYXR1cmUtaGFzaCE="


def _key(name: str, text: str) -> str:
    try:
        valid = len(base64.b64decode(text, validate=True)) == 32
    except binascii.Error:
        valid = False
    if not valid:
        raise ImproperlyConfigured(
            f"{name} must be base64 of 32 random bytes; make one with: "
            'python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"'
        )
    return text


def _required_key(name: str, development_key: str) -> str:
    text = env.str(name, default="")
    if not text:
        if DEBUG or TESTING:
            return development_key
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_DEBUG is off.")
    return _key(name, text)


SIGNATURE_DATA_KEY = _required_key("SIGNATURE_DATA_KEY", DEVELOPMENT_SIGNATURE_DATA_KEY)
SIGNATURE_DATA_OLD_KEYS = [
    _key("SIGNATURE_DATA_OLD_KEYS", text)
    for text in env.list("SIGNATURE_DATA_OLD_KEYS", default=[])
]
SIGNATURE_HASH_KEY = _required_key("SIGNATURE_HASH_KEY", DEVELOPMENT_SIGNATURE_HASH_KEY)

# The challenge a signer's browser solves before signing (ALTCHA's proof of work), issued and
# checked by this site alone. Challenges are signed with this key, derived from the secret key
# unless set. Each asks for up to ALTCHA_MAX_COUNTER attempts (half that at least) of
# ALTCHA_COST rounds of PBKDF2: about a second of a desktop browser's time, and two to four
# seconds of a Python script's (docs/benchmarks.md).
ALTCHA_HMAC_KEY = (
    env.str("ALTCHA_HMAC_KEY", default="")
    or hmac.new(SECRET_KEY.encode(), b"signatures.challenges", hashlib.sha256).hexdigest()
)
ALTCHA_COST = 1_000
ALTCHA_MAX_COUNTER = 4_000
# How long a challenge may be solved and its solution sent; each solution is taken once.
ALTCHA_CHALLENGE_SECONDS = 30 * 60

# The privacy notice: who answers for signers' data, and where signers can complain. The defaults
# are a demo's; a real campaign sets its own.
PRIVACY_CONTROLLER_NAME = env.str(
    "PRIVACY_CONTROLLER_NAME", default="Example Campaign for North Korean Refugees"
)
PRIVACY_CONTROLLER_ADDRESS = env.list(
    "PRIVACY_CONTROLLER_ADDRESS",
    default=["1 Example Street", "London", "EC1A 1AA", "United Kingdom"],
)
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="privacy@example.org")
PRIVACY_SUPERVISORY_AUTHORITY = env.str(
    "PRIVACY_SUPERVISORY_AUTHORITY", default="Information Commissioner's Office (ICO)"
)
PRIVACY_SUPERVISORY_AUTHORITY_URL = env.str(
    "PRIVACY_SUPERVISORY_AUTHORITY_URL", default="https://ico.org.uk/make-a-complaint/"
)

# Staff login (accounts/lockout.py). Failures, of passwords and of second-factor codes, are
# counted per account and per address, in the database so that every process sees them. After
# STAFF_LOGIN_SLOW_AFTER failures each attempt waits STAFF_LOGIN_SLOW_SECONDS after the last;
# at STAFF_LOGIN_FAILURE_LIMIT the account or address is locked for STAFF_LOGIN_LOCKOUT_MINUTES
# after its last failure. A login that succeeds forgets its account's failures.
STAFF_LOGIN_SLOW_AFTER = env.int("STAFF_LOGIN_SLOW_AFTER", default=3)
STAFF_LOGIN_SLOW_SECONDS = env.int("STAFF_LOGIN_SLOW_SECONDS", default=10)
AXES_HANDLER = "accounts.lockout.StaffLoginHandler"
AXES_FAILURE_LIMIT = env.int("STAFF_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("STAFF_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.attempted_username"
AXES_CLIENT_IP_CALLABLE = "signatures.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# accounts resets an account's failures once its second factor, not only its password, passed.
AXES_RESET_ON_SUCCESS = False
# Attempts refused while locked are not failures: they cost nothing and do not prolong the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Never written into the attempts' records or the logs.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
# Staff second factor (accounts/selectors.py). Superusers and staff with any of these
# permissions, which show signers' personal data, must prove a second factor in every session
# before the admin opens; other staff may set one up, and are then asked for it too.
STAFF_SECOND_FACTOR_PERMISSIONS = [
    "signatures.view_signature",
    "signatures.change_signature",
    "signatures.approve_signature",
    "signatures.invalidate_signature",
    "signatures.withdraw_signature",
    "signatures.view_full_email",
    "deliveries.prepare_delivery",
    "deliveries.export_signatures",
]
STAFF_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = (urlparse(SITE_URL).hostname if SITE_URL else None) or "Petitions"
# Wrong codes count toward the lockout above with passwords; django-otp's own per-device delay
# would refuse a right code after a wrong one without saying so.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Keys and recovery codes are never shown in django-otp's admin pages.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Passwords checked at once on this machine, across processes; a login finding none free is
# answered 503 at once (accounts/password_checks.py). Each check takes one core for ~0.25 s.
STAFF_LOGIN_CONCURRENT_CHECKS = max(1, env.int("STAFF_LOGIN_CONCURRENT_CHECKS", default=1))
STAFF_LOGIN_SLOTS_DIR = (
    Path(tempfile.gettempdir())
    / f"petitions-password-checks-{hashlib.sha256(bytes(BASE_DIR)).hexdigest()[:12]}"
)

# Deliveries
# The organisation's Ed25519 key that signs every delivery's manifest, base64 of its 32 raw
# bytes; `manage.py create_delivery_key` makes one. Keep it out of the repository.
DELIVERY_SIGNING_KEY = env.str("DELIVERY_SIGNING_KEY", default="")
# Receipt lookups on a delivery's page allowed per address and minute.
DELIVERY_RECEIPT_LOOKUPS_PER_MINUTE = 10
