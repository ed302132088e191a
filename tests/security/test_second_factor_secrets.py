"""SEC-4 attack: the authenticator keys (TOTP secrets) and the recovery codes were stored in clear by django-otp, so a
copy of the database file alone gave every account's second factor. They are now encrypted with the field keys,
re-encrypted by ``rotate_field_keys``; login with the authenticator and with a recovery code still works."""

import importlib
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice as ClearTOTPDevice

from suiban.accounts import otp
from suiban.accounts import services as account_services
from suiban.accounts.models import EncryptedTOTPDevice, RecoveryCode, User

STRONG = "Kx7#mQ9pLw2z"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def _user(world, username):
    user = account_services.user_create(actor=world.users["secadmin"], username=username, full_name=username,
                                        password=STRONG)
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
    return User.objects.get(pk=user.pk)


def _enrolled(world, username):
    user = _user(world, username)
    device = otp.enrol_start(actor=user)
    codes = otp.enrol_confirm(actor=user, token=_code(device))
    return user, EncryptedTOTPDevice.objects.get(pk=device.pk), codes


def _code(device, ahead=0):
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, drift=ahead).token():06d}"


def _raw(table, column, pk):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cur.fetchone()[0]


def _raw_text(table):
    """Every text value of a table, as the database file holds them."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {table}")  # noqa: S608
        return " ".join(str(v) for row in cur.fetchall() for v in row)


def test_the_database_row_holds_no_recoverable_authenticator_key_or_recovery_code(world):
    """SEC-4: the stored TOTP key is a field-key ciphertext (neither the hex key nor its base 32 form appears in
    any row); the recovery codes likewise; django-otp's clear-text tables stay empty."""
    user, device, codes = _enrolled(world, "otp_raw")
    raw = _raw(EncryptedTOTPDevice._meta.db_table, "key", device.pk)
    assert raw and device.key not in raw and device.key.upper() not in raw
    from base64 import b32encode

    b32 = b32encode(device.bin_key).decode()
    table_text = _raw_text(EncryptedTOTPDevice._meta.db_table)
    assert device.key not in table_text and b32 not in table_text
    code_text = _raw_text(RecoveryCode._meta.db_table)
    assert not any(c in code_text for c in codes)
    assert not ClearTOTPDevice.objects.exists() and not StaticToken.objects.exists()
    # Without the field key (only the database file), the ciphertext opens with nothing.
    with override_settings(SUIBAN_FIELD_KEYS=[Fernet.generate_key().decode()]):
        from suiban.core.crypto import FieldKeyError

        with pytest.raises(FieldKeyError):
            EncryptedTOTPDevice.objects.get(pk=device.pk)


def test_login_with_the_authenticator_and_with_a_recovery_code_still_works(world):
    """SEC-1: the encrypted authenticator verifies codes at login; a recovery code logs in once, then never again."""
    user, device, codes = _enrolled(world, "otp_enc_login")
    c = Client()
    resp = c.post("/accounts/login/", {"username": "otp_enc_login", "password": STRONG})
    assert resp.status_code == 302 and resp["Location"] == "/accounts/login/otp/"
    resp = c.post("/accounts/login/otp/", {"token": _code(device, ahead=1)})
    assert resp.status_code == 302 and c.session.get("_auth_user_id") == str(user.pk)
    assert c.session.get("otp_device_id") == EncryptedTOTPDevice.objects.get(pk=device.pk).persistent_id

    assert otp.verify(user, codes[0]) is not None
    assert otp.verify(user, codes[0]) is None  # used up
    assert RecoveryCode.objects.filter(device__user=user).count() == len(codes) - 1


def test_rotate_field_keys_reencrypts_the_authenticator_keys_and_recovery_codes(world):
    """SEC-4: after ``rotate_field_keys`` under a new first key the second factor opens with the new key alone."""
    user, device, codes = _enrolled(world, "otp_rotate")
    before_key = _raw(EncryptedTOTPDevice._meta.db_table, "key", device.pk)
    code_pk = RecoveryCode.objects.filter(device__user=user).order_by("pk").values_list("pk", flat=True)[0]
    before_code = _raw(RecoveryCode._meta.db_table, "code", code_pk)
    old = list(settings.SUIBAN_FIELD_KEYS) or [settings.SECRET_KEY]
    new = Fernet.generate_key().decode()
    with override_settings(SUIBAN_FIELD_KEYS=[new, *old]):
        out = StringIO()
        call_command("rotate_field_keys", stdout=out)
    assert "accounts.EncryptedTOTPDevice: " in out.getvalue() and "accounts.RecoveryCode: " in out.getvalue()
    after_key = _raw(EncryptedTOTPDevice._meta.db_table, "key", device.pk)
    assert after_key != before_key
    assert Fernet(new.encode()).decrypt(after_key.encode()).decode() == device.key
    assert _raw(RecoveryCode._meta.db_table, "code", code_pk) != before_code
    with override_settings(SUIBAN_FIELD_KEYS=[new]):  # the old key removed
        assert otp.verify(user, _code(device, ahead=1)) is not None
        assert otp.verify(user, codes[-1]) is not None


def test_the_migration_moves_clear_authenticators_and_codes_into_the_encrypted_tables(world):
    """SEC-4: an installation that had second factors in django-otp's clear tables keeps them (same key, same
    codes), now encrypted; the clear rows are gone."""
    user = _user(world, "otp_migrate")
    clear = ClearTOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    migration = importlib.import_module("suiban.accounts.migrations.0005_second_factor_secrets_encrypted")
    migration.move_secrets_out_of_clear_tables(apps, None)
    assert not ClearTOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    moved = EncryptedTOTPDevice.objects.get(user=user)
    assert moved.key == clear.key and moved.confirmed
    assert clear.key not in _raw(EncryptedTOTPDevice._meta.db_table, "key", moved.pk)
    assert otp.verify(user, _code(moved, ahead=1)) is not None
    assert otp.verify(user, "abcd2345") is not None
