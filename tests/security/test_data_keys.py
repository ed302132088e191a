"""The field-encryption key (SEC-4): a key of its own from the environment or a file, rotation with several
keys, a wrong key that fails loudly, and no start on the development keys with DEBUG off."""

import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from suiban.core import crypto
from suiban.core.crypto import FieldKeyError, lookup_hash, lookup_hashes
from suiban.iep.models import PlanVersion
from suiban.students.models import Student

ROOT = Path(__file__).resolve().parents[2]


def raw_column(pk, column="id_number"):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM students_student WHERE id = %s", [pk])  # noqa: S608
        return cur.fetchone()[0]


def some_student():
    return Student.objects.exclude(id_number_hash="").exclude(medical_notes="").order_by("pk").first() or \
        Student.objects.exclude(id_number_hash="").order_by("pk").first()


def test_a_wrong_key_fails_loudly_instead_of_returning_empty_text(world):
    """SEC-4 attack/bug: with another key the encrypted fields silently became empty strings (and an edit
    would have saved them empty). Now reading them raises an error that names the setting."""
    s = some_student()
    assert s.id_number
    with override_settings(SUIBAN_FIELD_KEYS=[Fernet.generate_key().decode()]):
        with pytest.raises(FieldKeyError, match="SUIBAN_FIELD_KEY"):
            Student.objects.get(pk=s.pk)
        with pytest.raises(FieldKeyError):
            list(Student.objects.filter(pk=s.pk).values_list("id_number", flat=True))


def test_the_field_key_is_not_derived_from_the_secret_key_when_set(world):
    """SEC-4 attack: the database file plus the public development secret decrypted everything. With a field
    key configured, values are encrypted under it: the secret key alone opens nothing."""
    key = Fernet.generate_key().decode()
    with override_settings(SUIBAN_FIELD_KEYS=[key]):
        token = crypto.encrypt("350205201503151974")
        assert Fernet(key.encode()).decrypt(token.encode()) == b"350205201503151974"
    with override_settings(SUIBAN_FIELD_KEYS=[]), pytest.raises(FieldKeyError):
        crypto.decrypt(token)


def test_rotation_reads_with_every_key_writes_with_the_first_and_the_command_reencrypts(world):
    """SEC-4: SUIBAN_FIELD_KEY="new,old" reads both and writes under the new one; rotate_field_keys
    re-encrypts every encrypted field (students and IEP versions) and recomputes the lookup hashes; after it the
    old key can be dropped and searches by number still work."""
    s = some_student()
    number, idn, before = s.student_number, s.id_number, raw_column(s.pk)
    old = list(settings.SUIBAN_FIELD_KEYS) or [settings.SECRET_KEY]
    new = Fernet.generate_key().decode()
    with override_settings(SUIBAN_FIELD_KEYS=[new, *old]):
        assert Student.objects.get(pk=s.pk).id_number == idn  # old values still read
        assert len(lookup_hashes(number)) == 2
        assert Student.objects.filter(student_number_hash__in=lookup_hashes(number)).get() == s
        out = StringIO()
        call_command("rotate_field_keys", stdout=out)
        assert "students.Student" in out.getvalue()
    after = raw_column(s.pk)
    assert after != before
    assert Fernet(new.encode()).decrypt(after.encode()).decode() == idn
    with override_settings(SUIBAN_FIELD_KEYS=[new]):  # the old key removed
        fresh = Student.objects.get(student_number_hash=lookup_hash(number))
        assert fresh.pk == s.pk and fresh.id_number == idn and fresh.id_number_hash == lookup_hash(idn)
        for v in PlanVersion.objects.all()[:5]:
            assert v.snapshot_json  # readable under the new key only
    with pytest.raises(FieldKeyError):
        Student.objects.get(pk=s.pk)  # and no longer under the old one


def _run(code: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DJANGO_", "SUIBAN_")) and k != "DATABASE_URL"}
    clean.update({"DJANGO_SETTINGS_MODULE": "suiban.settings", "SUIBAN_VAR_DIR": str(tmp_path / "var")}, **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=120)


CHECK = ("import django; django.setup(); from django.core.management import call_command; "
         "call_command('check', deploy=True)")


def test_with_debug_off_the_app_refuses_the_development_keys(tmp_path):
    """SEC-4 attack: without DJANGO_SECRET_KEY the installation ran on the public development secret and a
    field key derived from it. With DJANGO_DEBUG=0 and no key (and no request for development keys) the
    deployment check reports suiban.E001 and the WSGI application (every server) refuses to load."""
    r = _run(CHECK, {"DJANGO_DEBUG": "0"}, tmp_path)
    assert r.returncode != 0 and "suiban.E001" in r.stderr
    assert "DJANGO_SECRET_KEY" in r.stderr and "SUIBAN_FIELD_KEY" in r.stderr
    r = _run("import suiban.wsgi", {"DJANGO_DEBUG": "0"}, tmp_path)
    assert r.returncode != 0 and "ImproperlyConfigured" in r.stderr


def test_keys_from_the_environment_or_files_are_used(tmp_path):
    """SEC-4: DJANGO_SECRET_KEY and SUIBAN_FIELD_KEY (or their *_FILE) are read; several field keys separated
    by commas; the check passes with them."""
    key1, key2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    key_file = tmp_path / "field_key"
    key_file.write_text(f"{key1},{key2}\n")
    code = CHECK + "; from django.conf import settings; print(settings.SUIBAN_FIELD_KEYS, settings.SECRET_KEY)"
    r = _run(code, {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "s" * 50, "SUIBAN_FIELD_KEY_FILE": str(key_file)},
             tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"['{key1}', '{key2}']" in r.stdout and "s" * 50 in r.stdout


def test_development_keys_are_generated_once_per_installation(tmp_path):
    """SEC-4: SUIBAN_DEV_KEYS=1 (make run / make test) creates var/secret_key and var/field_key on first start
    (random, mode 0600) and reads them afterwards: the demo needs no configuration and no two installations
    share a key."""
    code = CHECK + "; from django.conf import settings; print(settings.SUIBAN_FIELD_KEYS[0], settings.SECRET_KEY)"
    first = _run(code, {"DJANGO_DEBUG": "0", "SUIBAN_DEV_KEYS": "1"}, tmp_path)
    assert first.returncode == 0, first.stderr
    var = tmp_path / "var"
    for name in ("secret_key", "field_key"):
        assert stat.S_IMODE((var / name).stat().st_mode) == 0o600
    field_key, secret = first.stdout.split()[-2:]
    assert secret != settings.DEVELOPMENT_SECRET_KEY and len(secret) >= 50
    Fernet(field_key.encode())  # a real Fernet key
    again = _run(code, {"DJANGO_DEBUG": "0", "SUIBAN_DEV_KEYS": "1"}, tmp_path)
    assert again.stdout.split()[-2:] == [field_key, secret]
    other = _run(code, {"DJANGO_DEBUG": "0", "SUIBAN_DEV_KEYS": "1", "SUIBAN_VAR_DIR": str(tmp_path / "other")},
                 tmp_path)
    assert other.stdout.split()[-2:] != [field_key, secret]
