"""Headers, configuration and the append-only audit table, retried as attacks.

Rules: SEC-3 (audit append-only, kept ⚙), SEC-4/SEC-5 (pages and API hardened: CSP, no third-party script,
bounded request size), SEC-2 (production guard for the demo accounts).
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from suiban.core.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SUIBAN_"))}
    env.update({"DJANGO_DEBUG": "0", "DJANGO_HTTPS": "1", "DJANGO_HSTS_SECONDS": "31536000",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "SUIBAN_FIELD_KEY": secrets.token_urlsafe(32),
                "DJANGO_ALLOWED_HOSTS": "suiban.example.edu.cn", **extra})
    return env


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    """SEC-5: `manage.py check --deploy` with DJANGO_DEBUG=0, DJANGO_HTTPS=1, DJANGO_HSTS_SECONDS=31536000 and a
    real secret key reports no issue (security.W004 and the rest are fixed, none silenced)."""
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=_production_env(SUIBAN_VAR_DIR=str(tmp_path)), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues (0 silenced)" in done.stdout, done.stdout + done.stderr


def test_load_demo_refuses_to_run_in_production(tmp_path):
    """SEC-2: `load_demo` with DJANGO_DEBUG=0 stops before creating any default account (unless
    --allow-production is given)."""
    env = _production_env(SUIBAN_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    done = subprocess.run([sys.executable, "manage.py", "load_demo"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "--allow-production" in done.stderr
    import sqlite3

    db = sqlite3.connect(tmp_path / "db.sqlite3")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "accounts_user" not in tables or db.execute("SELECT COUNT(*) FROM accounts_user").fetchone()[0] == 0


def test_pages_carry_a_content_security_policy_with_a_nonce(user_client):
    """SEC-5: every page has a Content-Security-Policy: scripts only from the site and with the request's nonce,
    no framing; the page's inline scripts carry that nonce."""
    resp = user_client("hc_bureau").get("/")
    csp = resp["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    body = resp.content.decode()
    nonce = csp.split("'nonce-")[1].split("'")[0]
    for chunk in body.split("<script")[1:]:
        tag = chunk.split(">")[0]
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag


def test_no_page_template_has_inline_event_handlers():
    """SEC-5: inline handlers (onclick=, onchange=, javascript: links) would be blocked by the CSP; none remain."""
    import re

    offenders = []
    for path in (ROOT / "suiban").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\son[a-z]+=\"", text) or "javascript:" in text:
            offenders.append(str(path.relative_to(ROOT)))
        for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            if "type=\"application/json\"" not in tag and "csp_nonce" not in tag:
                offenders.append(f"{path.relative_to(ROOT)}: {tag}")
    assert offenders == []


def test_swagger_ui_is_served_from_the_installation_not_a_cdn(world, user_client):
    """SEC-5: /api/v1/docs loads Swagger UI from this site's static files; no third-party script or style."""
    resp = user_client("hc_bureau").get("/api/v1/docs")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower() and "https://" not in body
    assert "Content-Security-Policy" in resp


def test_a_3_mb_json_note_answers_413_problem_json(world, api_client):
    """SEC-5: a request body of 3 MB answers 413 payload_too_large (problem+json), not 500."""
    student = world.students[next(iter(world.students))]
    resp = api_client("hc_s1_resource").patch(f"/api/v1/students/{student.pk}", {"notes": "字" * 1_100_000})
    assert resp.status_code == 413
    assert resp["Content-Type"].startswith("application/problem+json")
    assert resp.json()["code"] == "payload_too_large"


def test_a_3_mb_form_post_answers_a_413_page(world, user_client):
    """SEC-5: the same on a page: a 3 MB form post answers a 413 page in Chinese, not 500."""
    resp = user_client("hc_bureau").post("/accounts/password/", {"old_password": "x" * 3_000_000})
    assert resp.status_code == 413
    assert "过大" in resp.content.decode()


# --- the audit table (SEC-3) --------------------------------------------------------------------------------


@pytest.fixture
def event(world):
    return AuditEvent.objects.create(action="test.original")


def test_insert_or_replace_cannot_overwrite_an_audit_row(event):
    """SEC-3: on SQLite `INSERT OR REPLACE` with an existing id is refused (it used to delete and rewrite the row);
    on PostgreSQL the equivalent `INSERT … ON CONFLICT DO UPDATE` is refused by the UPDATE trigger."""
    if connection.vendor == "sqlite":
        sql = ("INSERT OR REPLACE INTO core_auditevent (id, at, actor_username, action, object_type, object_id, "
               "object_repr, result, client_address, changes, region_path) "
               "VALUES (%s, '2020-01-01 00:00:00', 'x', 'test.tampered', '', '', '', 'success', '', '{}', '')")
    else:
        sql = ("INSERT INTO core_auditevent (id, at, actor_username, action, object_type, object_id, object_repr, "
               "result, client_address, changes, region_path) VALUES (%s, now(), 'x', 'test.tampered', '', '', '', "
               "'success', '', '{}', '') ON CONFLICT (id) DO UPDATE SET action = EXCLUDED.action")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.original"


def test_ordinary_delete_stays_refused_after_the_archive_path_exists(event):
    """SEC-3: the retention path does not open the table: a plain DELETE is still refused by the database."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()
