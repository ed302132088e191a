"""Django settings for Suiban.

Everything that differs between a laptop demo and a province deployment is read
from the environment (see README, "配置 / Configuration").
"""

from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from suiban.env import dev_key, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SUIBAN_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", False)
# Keys (SEC-4). Production sets DJANGO_SECRET_KEY and SUIBAN_FIELD_KEY (or their *_FILE). `make run` and
# `make test` set SUIBAN_DEV_KEYS=1: each installation then creates its own random keys in VAR_DIR on first
# start. Without either, the development constant is used and, with DEBUG off, the system check
# suiban.E001 refuses to start (suiban/core/security_checks.py; wsgi/asgi refuse too).
DEVELOPMENT_SECRET_KEY = "django-insecure-suiban-development-key-change-me-in-production"
SUIBAN_DEV_KEYS = env_bool("SUIBAN_DEV_KEYS", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "") or (
    dev_key(VAR_DIR, "secret_key") if SUIBAN_DEV_KEYS else DEVELOPMENT_SECRET_KEY)
# Field-encryption keys: the first encrypts, all decrypt (rotation: "new,old", then rotate_field_keys).
SUIBAN_FIELD_KEYS = env_list("SUIBAN_FIELD_KEY") or (
    [dev_key(VAR_DIR, "field_key", fernet=True)] if SUIBAN_DEV_KEYS else [])
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "suiban.core",
    "suiban.org",
    "suiban.accounts",
    "suiban.policy",
    "suiban.students",
    "suiban.iep",
    "suiban.staff",
    "suiban.funds",
    "suiban.homebound",
    "suiban.rooms",
    "suiban.oversight",
    "suiban.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "suiban.core.middleware.RequestContextMiddleware",
    "suiban.core.middleware.ApiProblemMiddleware",
    "suiban.core.middleware.OutOfRangeMiddleware",
    "suiban.accounts.middleware.IdleTimeoutMiddleware",
    "suiban.accounts.middleware.PasswordExpiryMiddleware",
]

ROOT_URLCONF = "suiban.urls"
WSGI_APPLICATION = "suiban.wsgi.application"
ASGI_APPLICATION = "suiban.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "suiban" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "suiban.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'suiban.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL + a busy timeout let the demo server and a management command share the file.
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "suiban.accounts.validators.ComplexityValidator"},
]

# Database sessions stored under a digest of their key: the database file holds no usable cookie (SEC-4).
SESSION_ENGINE = "suiban.accounts.session_store"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG and env_bool("DJANGO_HTTPS", False))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_HTTPS", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
# A year of HSTS is what the browsers' preload list asks for; DJANGO_HSTS_PRELOAD=0 keeps the site off it.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", SECURE_HSTS_SECONDS >= 31536000)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every page (Django's own middleware): scripts and styles only from this
# installation (vendor files are copied from npm, never loaded from a CDN), inline scripts only with the
# request's nonce, no plugins, no framing, forms post only here. Inline style attributes stay allowed
# (Bootstrap's components and the charts set them).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Request bodies other than uploaded files (form fields, JSON) are refused above 2 MiB with 413 (SEC-5);
# uploaded files have their own limits per kind.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("SUIBAN_MAX_REQUEST_BYTES", 2 * 1024 * 1024)
# Second factor (SEC-1): the issuer name shown in authenticator apps.
OTP_TOTP_ISSUER = env_str("SUIBAN_OTP_ISSUER", "随班就读管理平台")
# Number of reverse proxies in front of the app; the client address is taken from
# X-Forwarded-For only when this is > 0 (audit rows record it, SEC-3).
SUIBAN_NUM_PROXIES = env_int("SUIBAN_NUM_PROXIES", 0)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder
STATICFILES_DIRS = [BASE_DIR / "static_build"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env_str("SUIBAN_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Policy profiles (versioned YAML) live here; see suiban/policy/.
SUIBAN_PROFILE_DIR = Path(env_str("SUIBAN_PROFILE_DIR", str(BASE_DIR / "profiles")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Background work (ARCHITECTURE "Scale-out"): Django's tasks framework with the database backend and its worker
# (`manage.py db_worker`); tests run tasks at once unless they choose the database backend.
TASKS = {"default": {"BACKEND": env_str("SUIBAN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
