"""Encryption at rest for sensitive fields (SEC-4, ORG-5).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the field keys of configuration
(``SUIBAN_FIELD_KEY`` or ``SUIBAN_FIELD_KEY_FILE``: one key, or several separated by commas for a
rotation). New values are written under the first key; every key of the list decrypts (MultiFernet), and
``manage.py rotate_field_keys`` re-encrypts every stored value under the first key. A key is a Fernet key
(``Fernet.generate_key()``); any other text is taken as a passphrase (the key is derived from it, which is
how installations that never set a field key derived it from ``SECRET_KEY``).

Exact-match lookups use a keyed hash (HMAC-SHA256) under a key derived from the first field key, so an
identity or student number can be found without storing it in clear; the rotation command recomputes them.

A value that none of the keys decrypts is an error (``FieldKeyError``), never an empty string: a wrong or
missing key must stop the work, not silently turn records blank.
"""

import base64
import binascii
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class FieldKeyError(RuntimeError):
    """An encrypted value cannot be decrypted with any configured field key."""


def _is_fernet_key(raw: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(raw.encode())) == 32 and len(raw) == 44
    except (binascii.Error, ValueError):
        return False


def _derive(raw: str) -> tuple[bytes, bytes]:
    """(encryption key, lookup key) of one configured key."""
    if _is_fernet_key(raw):
        enc = raw.encode()
        mac = hmac.new(base64.urlsafe_b64decode(enc), b"lookup", hashlib.sha256).digest()
        return enc, mac
    master = hashlib.sha256(("suiban-field-key:" + raw).encode()).digest()
    enc = hmac.new(master, b"encrypt", hashlib.sha256).digest()
    mac = hmac.new(master, b"lookup", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(enc), mac


@lru_cache(maxsize=8)
def _keyring(raw_keys: tuple[str, ...]) -> tuple[MultiFernet, bytes, tuple[bytes, ...]]:
    derived = [_derive(k) for k in raw_keys]
    return MultiFernet([Fernet(enc) for enc, _mac in derived]), derived[0][1], tuple(mac for _e, mac in derived)


def configured_keys() -> tuple[str, ...]:
    keys = tuple(k for k in (getattr(settings, "SUIBAN_FIELD_KEYS", None) or ()) if k)
    return keys or (settings.SECRET_KEY,)


def _current():
    return _keyring(configured_keys())


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
        raise FieldKeyError(
            "An encrypted field cannot be decrypted with the configured field keys (SUIBAN_FIELD_KEY). "
            "The key is wrong or missing: set the key the data was written with (a rotation lists the new key "
            "first and the old ones after it).") from None


def reencrypt(token: str) -> str:
    """The same value under the first key (rotation); raises FieldKeyError like ``decrypt``."""
    if not token:
        return ""
    try:
        return _current()[0].rotate(token.encode()).decode()
    except InvalidToken:
        decrypt(token)  # raises the explanatory error
        raise


def _norm(value: str) -> str:
    return value.strip().upper()


def lookup_hash(value: str) -> str:
    """Keyed hash for exact lookups (under the first key); empty for an empty value."""
    if not value:
        return ""
    return hmac.new(_current()[1], _norm(value).encode(), hashlib.sha256).hexdigest()


def lookup_hashes(value: str) -> list[str]:
    """The keyed hash under every configured key: lookups keep working during a rotation."""
    if not value:
        return []
    return list(dict.fromkeys(hmac.new(mac, _norm(value).encode(), hashlib.sha256).hexdigest()
                              for mac in _current()[2]))


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the clear value. Equality lookups on the column
    cannot work (every encryption differs): filter on the model's keyed-hash column instead."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else (value or "")

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""


# --- masks (SEC-4) ----------------------------------------------------------------------------------
# A mask must not be completable from what the same screen shows. An identity number is
# region (6) + birth date (8) + sequence (3, its last digit odd for men) + check digit; the birth date and
# the gender are shown on the same record and the region is the household registration's. Showing any of
# the sequence or check digits together with the birth date leaves little or nothing to guess (the old mask
# 350205********1974 hid exactly the birth date). So a mask shows only the region prefix, which is no
# secret, and hides everything after it. The certificate number is the identity number + category digit +
# grade digit (both shown), so it is masked the same way: never the identity part plus visible digits. The
# national student number is G + identity number (or J/L + region + birth date + sequence): its letter
# and region prefix only.
MASK_VISIBLE = 6


def mask_id(value: str) -> str:
    """350205************ — the region prefix only; the rest hidden (same length)."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= MASK_VISIBLE:
        return "*" * len(value)
    return value[:MASK_VISIBLE] + "*" * (len(value) - MASK_VISIBLE)


def mask_student_number(value: str) -> str:
    """G350205************ — the letter and region prefix only."""
    if not value:
        return ""
    value = value.strip()
    if value[:1].isalpha():
        return value[:1] + mask_id(value[1:])
    return mask_id(value)
