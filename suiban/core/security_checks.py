"""Start-up refusal on development keys (SEC-4): with DEBUG off, a missing DJANGO_SECRET_KEY or
SUIBAN_FIELD_KEY is an error unless the installation asked for its own development keys
(SUIBAN_DEV_KEYS=1). The WSGI/ASGI entry points (gunicorn, runserver, any server) refuse to load, and the
deployment check ``manage.py check --deploy`` reports it as suiban.E001; other management commands (migrations,
catalogs, the demo loader, which refuses production on its own) still run, so tooling needs no keys."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def key_problems() -> list[str]:
    if settings.DEBUG:
        return []
    problems = []
    if settings.SECRET_KEY == getattr(settings, "DEVELOPMENT_SECRET_KEY", None):
        problems.append("DJANGO_SECRET_KEY is not set: the public development secret would be used.")
    if not getattr(settings, "SUIBAN_FIELD_KEYS", None):
        problems.append("SUIBAN_FIELD_KEY is not set: sensitive fields would be encrypted under a key derived "
                        "from the secret key instead of a field key of their own.")
    return problems


HINT = ("Set DJANGO_SECRET_KEY and SUIBAN_FIELD_KEY (or DJANGO_SECRET_KEY_FILE / SUIBAN_FIELD_KEY_FILE), e.g. "
        "python -c \"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\" for the "
        "field key; for a development machine set SUIBAN_DEV_KEYS=1 (keys of its own in the data folder) or "
        "DJANGO_DEBUG=1.")


@checks.register(checks.Tags.security, deploy=True)
def development_keys_check(app_configs=None, **kwargs):
    return [checks.Error(p, hint=HINT, id="suiban.E001") for p in key_problems()]


def refuse_development_keys() -> None:
    problems = key_problems()
    if problems:
        raise ImproperlyConfigured(" ".join(problems) + " " + HINT)
