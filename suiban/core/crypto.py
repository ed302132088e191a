"""Encryption at rest for sensitive fields (SEC-4, ORG-5).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key from
configuration (``SUIBAN_FIELD_KEY`` or ``SUIBAN_FIELD_KEY_FILE``; by default one is
derived from ``SECRET_KEY``). Exact-match lookups use a keyed hash (HMAC-SHA256)
under a second derived key, so an identity number can be found without storing it
in clear.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[Fernet, bytes]:
    master = hashlib.sha256(("suiban-field-key:" + secret).encode()).digest()
    enc = hmac.new(master, b"encrypt", hashlib.sha256).digest()
    mac = hmac.new(master, b"lookup", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(enc)), mac


def _current():
    return _keys(getattr(settings, "SUIBAN_FIELD_KEY", "") or settings.SECRET_KEY)


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _current()[0].encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _current()[0].decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def lookup_hash(value: str) -> str:
    """Keyed hash for exact lookups; empty for an empty value."""
    if not value:
        return ""
    return hmac.new(_current()[1], value.strip().upper().encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the clear value."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else (value or "")

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""


def mask_id(value: str) -> str:
    """350205********1234 — region code and the last four digits."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * (len(value) - 4) + value[-2:] if len(value) > 4 else "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
