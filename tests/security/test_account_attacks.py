"""Attacks on accounts, retried as tests: self-granted roles, parallel password guesses, tokens that outlive a
password, the API used with a temporary password.

Rules: SEC-1 (lockout, password change, second factor), SEC-2 (separated administrator duties), SEC-3 (audited).
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from suiban.accounts import services as account_services
from suiban.accounts.models import ApiToken, RoleAssignment, User
from suiban.core.errors import DomainError
from suiban.demo import world as demo

TOKEN_URL = "/api/v1/auth/token"
STRONG = "Kx7#mQ9pLw2z"
NEW_STRONG = "Zp4$wN8rTq6v"
WRONG = "Wrong-pass-2026"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(world, username, password=STRONG, current=True, roles=()):
    secadmin = world.users["secadmin"]
    user = account_services.user_create(actor=secadmin, username=username, full_name=username, password=password)
    if current:
        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
    for role, scope in roles:
        account_services.role_assign(actor=secadmin, user=user, role=role, **scope)
    user.refresh_from_db()
    return user


def api_token(username, password, **extra):
    return Client().post(TOKEN_URL, {"username": username, "password": password, **extra},
                         content_type="application/json")


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


# --- 4. separation of duties (SEC-2) ------------------------------------------------------------------------


def test_security_administrator_cannot_give_themselves_a_data_role(world):
    """SEC-2: the security administrator assigning themselves the bureau officer role is refused (403, Chinese
    message); no assignment is written."""
    sec = world.users["secadmin"]
    with pytest.raises(DomainError) as exc:
        account_services.role_assign(actor=sec, user=sec, role="bureau_officer", region=world.regions["350205"])
    assert exc.value.status == 403
    assert exc.value.code == "separation_of_duties"
    assert not RoleAssignment.objects.filter(user=sec, role="bureau_officer").exists()


def test_security_administrator_cannot_give_themselves_the_audit_role(world):
    """SEC-2: nobody assigns roles to their own account, administrator roles included."""
    sec = world.users["secadmin"]
    with pytest.raises(DomainError):
        account_services.role_assign(actor=sec, user=sec, role="auditor")
    assert not RoleAssignment.objects.filter(user=sec, role="auditor").exists()


def test_security_administrator_cannot_revoke_their_own_role(world):
    """SEC-2: revoking one's own role is refused as well (the role stays)."""
    sec = world.users["secadmin"]
    ra = RoleAssignment.objects.get(user=sec, role="secadmin", revoked_at__isnull=True)
    with pytest.raises(DomainError) as exc:
        account_services.role_revoke(actor=sec, assignment=ra)
    assert exc.value.code == "separation_of_duties"
    ra.refresh_from_db()
    assert ra.revoked_at is None


def test_data_role_is_never_granted_to_an_administrator_account(world):
    """SEC-2: another security administrator cannot give the audit administrator a data role either."""
    other_sec = make_user(world, "sec_two", roles=[("secadmin", {})])
    auditor = world.users["auditor"]
    with pytest.raises(DomainError) as exc:
        account_services.role_assign(actor=other_sec, user=auditor, role="bureau_officer",
                                     region=world.regions["350205"])
    assert exc.value.status == 403
    assert not RoleAssignment.objects.filter(user=auditor, role="bureau_officer").exists()


def test_administrator_role_is_never_granted_to_an_account_with_a_data_role(world):
    """SEC-2: the three administrator roles are never held together with a data role, whichever comes first."""
    officer = world.users["hc_bureau"]
    with pytest.raises(DomainError):
        account_services.role_assign(actor=world.users["secadmin"], user=officer, role="auditor")
    assert not RoleAssignment.objects.filter(user=officer, role="auditor").exists()


def test_page_refuses_a_self_assignment_with_a_chinese_message(world):
    """SEC-2 on the page: the refusal is shown as a Chinese message and nothing is assigned."""
    sec = world.users["secadmin"]
    c = Client()
    c.force_login(sec)
    resp = c.post(f"/accounts/users/{sec.pk}/roles/", {"role": "bureau_officer",
                                                        "region": world.regions["350205"].pk}, follow=True)
    assert resp.status_code == 200
    texts = [str(m) for m in resp.context["messages"]]
    assert any("自己" in t for t in texts), texts
    assert not RoleAssignment.objects.filter(user=sec, role="bureau_officer").exists()


def test_administrator_roles_may_still_be_given_to_a_fresh_account(world):
    """SEC-2: a second security administrator for a fresh account is fine (the rule is not a blanket refusal)."""
    user = make_user(world, "sec_three")
    ra = account_services.role_assign(actor=world.users["secadmin"], user=user, role="secadmin")
    assert ra.pk


# --- 5. lockout under parallel requests (SEC-1) -------------------------------------------------------------


@pytest.fixture(scope="module")
def restore_demo_world(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        demo.load()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL: SQLite serialises every writer on the whole database, so parallel "
                           "logins cannot interleave there")
@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_guesses_never_get_a_token_once_locked(world, restore_demo_world):
    """SEC-1: 30 guesses sent at once (the right password among them, late in the burst) are counted one after the
    other: at most 5 wrong passwords are checked, the account locks, and the right password gets no token."""
    user = make_user(world, "race_lock")
    barrier = threading.Barrier(30)
    results = []
    lock = threading.Lock()

    def guess(password):
        try:
            barrier.wait(timeout=30)
            resp = api_token("race_lock", password)
            with lock:
                results.append((password, resp.status_code))
        finally:
            connection.close()

    passwords = [WRONG] * 20 + [STRONG] + [WRONG] * 9
    threads = [threading.Thread(target=guess, args=(p,)) for p in passwords]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    user.refresh_from_db()
    statuses = [s for _p, s in results]
    assert len(results) == 30
    assert user.is_locked()
    if 200 not in statuses:
        # No more wrong passwords are checked than the lockout allows; everything after the lock is 423.
        assert statuses.count(401) == 4 and statuses.count(423) == 26, statuses
    else:
        # The right password came before the 5th failure (it resets the count): still at most 5 failures after it.
        assert statuses.count(200) == 1 and statuses.count(401) <= 8, statuses


def test_password_is_checked_only_while_the_account_row_is_locked(world, monkeypatch):
    """SEC-1: the password check runs inside the transaction that holds the account's row lock (SELECT … FOR
    UPDATE), so parallel guesses are serialised; a guess that arrives after the 5th failure is refused before
    its password is even checked."""
    from django.contrib import auth
    from django.db import transaction

    from suiban.accounts import services

    make_user(world, "serial_lock")
    seen = []
    real = auth.authenticate

    def spy(request=None, **credentials):
        seen.append(transaction.get_connection().in_atomic_block)
        return real(request, **credentials)

    monkeypatch.setattr(services, "authenticate", spy)
    statuses = [api_token("serial_lock", WRONG).status_code for _ in range(8)]
    assert statuses == [401, 401, 401, 401, 423, 423, 423, 423]
    assert len(seen) == 5, "a locked account's password is never checked"
    assert all(seen)
    assert api_token("serial_lock", STRONG).status_code == 423


# --- 6. tokens and temporary passwords (SEC-1) --------------------------------------------------------------


def _token(username, password=STRONG):
    resp = api_token(username, password)
    assert resp.status_code == 200, resp.content
    return resp.json()["token"]


def test_password_change_revokes_api_tokens(world):
    """SEC-1: after the person changes their password, a token issued before answers 401."""
    user = make_user(world, "tok_change", roles=[("bureau_officer", {"region": world.regions["350205"]})])
    key = _token("tok_change")
    assert Client().get("/api/v1/me", **bearer(key)).status_code == 200
    account_services.password_change(actor=user, user=user, old_password=STRONG, new_password=NEW_STRONG)
    assert Client().get("/api/v1/me", **bearer(key)).status_code == 401


def test_password_reset_revokes_api_tokens(world):
    """SEC-1: an administrator's reset ends the account's tokens at once."""
    user = make_user(world, "tok_reset")
    key = _token("tok_reset")
    account_services.user_reset_password(actor=world.users["secadmin"], user=user, password=NEW_STRONG)
    assert Client().get("/api/v1/me", **bearer(key)).status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()


def test_disable_revokes_api_tokens(world):
    """SEC-2: a disabled account keeps no token."""
    user = make_user(world, "tok_disable")
    key = _token("tok_disable")
    account_services.user_set_active(actor=world.users["secadmin"], user=user, active=False)
    assert Client().get("/api/v1/me", **bearer(key)).status_code == 401


def test_lock_revokes_api_tokens(world):
    """SEC-1: when the account locks after 5 failures, the tokens issued before stop working."""
    make_user(world, "tok_lock")
    key = _token("tok_lock")
    for _ in range(5):
        api_token("tok_lock", WRONG)
    resp = Client().get("/api/v1/me", **bearer(key))
    assert resp.status_code == 401
    assert resp["Content-Type"].startswith("application/problem+json")


def test_token_from_a_temporary_password_cannot_read_students(world):
    """SEC-1: an account created with a temporary password gets a token but every call answers 403
    password_change_required until the password is changed; after the change a new token works."""
    user = make_user(world, "tok_temp", current=False,
                     roles=[("bureau_officer", {"region": world.regions["350205"]})])
    key = _token("tok_temp")
    for url in ("/api/v1/students", "/api/v1/me"):
        resp = Client().get(url, **bearer(key))
        assert resp.status_code == 403, url
        assert resp["Content-Type"].startswith("application/problem+json")
        assert resp.json()["code"] == "password_change_required"
    account_services.password_change(actor=user, user=user, old_password=STRONG, new_password=NEW_STRONG)
    key = _token("tok_temp", NEW_STRONG)
    assert Client().get("/api/v1/students", **bearer(key)).status_code == 200


def test_expired_password_blocks_the_api_with_the_session_too(world):
    """SEC-1: a password older than the ⚙ interval blocks the API for a browser session as well."""
    user = make_user(world, "tok_expired", roles=[("bureau_officer", {"region": world.regions["350205"]})])
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    c = Client()
    c.force_login(user)
    resp = c.get("/api/v1/students")
    assert resp.status_code == 403
    assert resp.json()["code"] == "password_change_required"


def test_bad_bearer_token_on_a_post_answers_401_not_the_csrf_message(world):
    """SEC-1 / API.md: a wrong bearer token on a POST is an authentication failure (401), not a CSRF refusal."""
    resp = Client().post("/api/v1/students", {}, content_type="application/json", **bearer("not-a-token"))
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"
    assert "CSRF" not in resp.content.decode()
