"""Operations: audit retention that archives and never silently deletes (SEC-3), backup and restore round trips
(SEC-7), the first administrators of a real installation (SEC-2)."""

import gzip
import hashlib
import json
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from suiban.core import retention
from suiban.core.models import AuditEvent


def _old_event(days, action="test.old"):
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=days)):
        return AuditEvent.objects.create(action=action, actor_username="someone")


# --- audit retention (SEC-3) --------------------------------------------------------------------------------


def test_retention_archives_old_rows_with_a_checksum_then_removes_exactly_them(world, tmp_path):
    """SEC-3 ⚙ audit_retention_days (3 years): rows older than the period go to a compressed archive whose SHA-256
    is recorded; only those rows leave the table; newer rows stay; the archiving itself is audited."""
    old = [_old_event(1200, f"test.old{i}") for i in range(3)]
    recent = _old_event(1000, "test.recent")
    out = StringIO()
    call_command("audit_archive", "--dir", str(tmp_path), stdout=out)
    files = sorted(tmp_path.glob("audit-*.jsonl.gz"))
    assert len(files) == 1
    checksum = (tmp_path / (files[0].name + ".sha256")).read_text().split()[0]
    assert checksum == hashlib.sha256(files[0].read_bytes()).hexdigest()
    with gzip.open(files[0], "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    archived_ids = {r["id"] for r in rows}
    assert {e.pk for e in old} <= archived_ids
    assert recent.pk not in archived_ids
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    note = AuditEvent.objects.get(action="audit.archived")
    assert note.changes["sha256"] == checksum
    assert note.changes["rows"] == len(rows)


def test_retention_never_deletes_when_the_archive_cannot_be_written(world, tmp_path):
    """SEC-3: if the archive cannot be written, the command fails and no row is removed."""
    old = _old_event(1200)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(CommandError):
        call_command("audit_archive", "--dir", str(blocker / "sub"), stdout=StringIO())
    assert AuditEvent.objects.filter(pk=old.pk).exists()


def test_retention_follows_the_policy_parameter(world, tmp_path):
    """SEC-3 ⚙: a system-wide retention of 200 days archives a 300-day-old row that 3 years would keep."""
    from suiban.policy.models import PolicyOverride
    from suiban.policy.resolve import invalidate

    ev = _old_event(300)
    result = retention.archive_expired(days=_retention_days(), directory=tmp_path)
    assert result is None or ev.pk not in _ids(result.path)
    PolicyOverride.objects.create(name="audit_retention_days", value=200, region=None, school=None)
    invalidate()
    result = retention.archive_expired(days=_retention_days(), directory=tmp_path)
    assert ev.pk in _ids(result.path)
    assert not AuditEvent.objects.filter(pk=ev.pk).exists()


def _retention_days():
    from suiban import policy

    return policy.value(None, "audit_retention_days")


def _ids(path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return {json.loads(line)["id"] for line in fh}


def test_the_archive_flag_does_not_outlive_its_transaction(world, tmp_path):
    """SEC-3: after an archive run the database refuses ordinary deletes again."""
    _old_event(1200)
    retention.archive_expired(days=_retention_days(), directory=tmp_path)
    ev = AuditEvent.objects.create(action="test.after")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent WHERE id = %s", [ev.pk])
    assert AuditEvent.objects.filter(pk=ev.pk).exists()


# --- first administrators (SEC-2) ---------------------------------------------------------------------------


def test_create_first_admin_refuses_when_accounts_exist(world):
    """SEC-2: the bootstrap runs once; on an installation with accounts it stops."""
    with pytest.raises(CommandError):
        call_command("create_first_admin", "--no-input", stdout=StringIO())


def test_create_first_admin_bootstraps_three_separated_administrators(tmp_path):
    """SEC-2: on a new installation (DJANGO_DEBUG=0, empty database) the command creates the system, security and
    audit administrators from password files, each with exactly one administrator role and no data role, each
    obliged to change the password at first login; running it again is refused."""
    import os
    import secrets
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SUIBAN_"))}
    env.update({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "SUIBAN_FIELD_KEY": secrets.token_urlsafe(32), "SUIBAN_VAR_DIR": str(tmp_path),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    for i, role in enumerate(("SYSADMIN", "SECADMIN", "AUDITOR")):
        f = tmp_path / role
        f.write_text(f"Strong#Pass{i}word2026\n")
        env[f"SUIBAN_{role}_PASSWORD_FILE"] = str(f)

    def run(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=root, env=env, capture_output=True,
                              text=True, timeout=300)

    assert run("migrate", "--noinput").returncode == 0
    done = run("create_first_admin", "--no-input")
    assert done.returncode == 0, done.stderr
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    rows = db.execute("SELECT u.username, r.role, u.password_changed_at FROM accounts_user u "
                      "JOIN accounts_roleassignment r ON r.user_id = u.id ORDER BY u.username").fetchall()
    assert rows == [("auditor", "auditor", None), ("secadmin", "secadmin", None), ("sysadmin", "sysadmin", None)]
    assert db.execute("SELECT COUNT(*) FROM accounts_user").fetchone()[0] == 3
    db.close()
    again = run("create_first_admin", "--no-input")
    assert again.returncode != 0
