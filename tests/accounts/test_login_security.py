"""Login security: lockout, idle timeout, password rules, disabled accounts, role changes, scope union.

Rules: SEC-1 (accounts, passwords, lockout, idle sessions), SEC-2 (least privilege, separated
administrator duties, accounts disabled never deleted), SEC-3 (logins and permission changes audited),
ORG-3 (the data a user sees is the union of the scopes of their roles).
"""

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from suiban.accounts import services as account_services
from suiban.accounts.middleware import SESSION_KEY
from suiban.accounts.models import ApiToken, RoleAssignment, User
from suiban.core.errors import DomainError
from suiban.core.models import AuditEvent
from suiban.org.models import School
from suiban.policy.models import PolicyOverride
from suiban.policy.resolve import invalidate

LOGIN_URL = "/accounts/login/"
TOKEN_URL = "/api/v1/auth/token"
STRONG = "Kx7#mQ9pLw2z"
OTHER_STRONG = "Zp4$wN8rTq6v"
WRONG = "Wrong-pass-2026"

HC_DISTRICT = "350205"
HC_S1, HC_S2, GD_S1 = "3502050101", "3502050102", "4401060101"


# --- helpers ----------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """New passwords hash with a fast hasher (speed only); the demo's PBKDF2 hashes still verify."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture
def make_user(world):
    """make_user("name") → a fresh account created by the security administrator with a current password."""

    def make(username, password=STRONG, roles=()):
        secadmin = world.users["secadmin"]
        user = account_services.user_create(actor=secadmin, username=username, full_name=username,
                                            password=password)
        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
        for role, scope in roles:
            account_services.role_assign(actor=secadmin, user=user, role=role, **scope)
        user.refresh_from_db()
        return user

    return make


def page_login(client, username, password, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def api_login(username, password):
    return Client().post(TOKEN_URL, {"username": username, "password": password},
                         content_type="application/json")


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def login_errors(resp) -> list[str]:
    return list(resp.context["form"].non_field_errors())


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


# --- lockout (SEC-1) --------------------------------------------------------------------------------------


def test_five_failed_page_logins_lock_the_account_even_for_the_right_password(make_user):
    """SEC-1: after 5 failed logins on the page the account is locked; the right password is refused."""
    user = make_user("lock_page")
    client = Client()
    for _ in range(5):
        resp = page_login(client, "lock_page", WRONG)
        assert resp.status_code == 200
        assert login_errors(resp)
        assert not is_logged_in(client)
    user.refresh_from_db()
    assert user.failed_login_count == 5
    assert user.is_locked()

    resp = page_login(client, "lock_page", STRONG)
    assert resp.status_code == 200
    assert login_errors(resp)
    assert not is_logged_in(client)
    assert AuditEvent.objects.filter(action="accounts.login.refused_locked", object_id=str(user.pk)).exists()
    assert AuditEvent.objects.filter(action="accounts.account.locked", object_id=str(user.pk)).exists()


def test_four_failed_page_logins_do_not_lock_the_account(make_user):
    """SEC-1: the lock comes at the 5th failure, not before."""
    make_user("four_fails")
    client = Client()
    for _ in range(4):
        page_login(client, "four_fails", WRONG)
    resp = page_login(client, "four_fails", STRONG)
    assert resp.status_code == 302
    assert is_logged_in(client)


def test_bad_api_credentials_answer_401_invalid_credentials_problem_json(make_user):
    """SEC-1 / API.md: bad credentials → 401 invalid_credentials as application/problem+json."""
    make_user("bad_creds")
    resp = api_login("bad_creds", WRONG)
    assert resp.status_code == 401
    assert resp["Content-Type"].startswith("application/problem+json")
    body = resp.json()
    assert body["status"] == 401
    assert body["code"] == "invalid_credentials"
    assert body["detail"]


def test_unknown_username_answers_401_invalid_credentials(db):
    """SEC-1: an unknown account is indistinguishable from a wrong password (401 invalid_credentials)."""
    resp = api_login("nobody_of_that_name", WRONG)
    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_credentials"


def test_five_failed_api_logins_lock_the_account_with_423_account_locked(make_user):
    """SEC-1 / API.md: the API locks after 5 failures; a locked account → 423 account_locked."""
    user = make_user("lock_api")
    statuses = [api_login("lock_api", WRONG).status_code for _ in range(5)]
    assert statuses[:4] == [401, 401, 401, 401]
    assert statuses[4] == 423

    resp = api_login("lock_api", STRONG)
    assert resp.status_code == 423
    assert resp["Content-Type"].startswith("application/problem+json")
    assert resp.json()["code"] == "account_locked"
    assert not ApiToken.objects.filter(user=user).exists()


def test_lock_lifts_after_lockout_minutes(make_user):
    """SEC-1: the lock lasts lockout_minutes (5); afterwards the right password logs in again."""
    user = make_user("lock_lifts")
    for _ in range(5):
        api_login("lock_lifts", WRONG)
    assert api_login("lock_lifts", STRONG).status_code == 423

    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    resp = api_login("lock_lifts", STRONG)
    assert resp.status_code == 200
    assert resp.json()["token"]
    user.refresh_from_db()
    assert user.failed_login_count == 0
    assert user.locked_until is None


def test_lock_duration_is_lockout_minutes(make_user):
    """SEC-1: locked_until is lockout_minutes (default 5) after the last failure."""
    user = make_user("lock_duration")
    before = timezone.now()
    for _ in range(5):
        api_login("lock_duration", WRONG)
    user.refresh_from_db()
    assert before + timedelta(minutes=5) <= user.locked_until <= timezone.now() + timedelta(minutes=5)


def test_failure_after_expired_lock_starts_a_new_count(make_user):
    """SEC-1: once the lock has expired, one more failure does not re-lock at once."""
    user = make_user("lock_recount")
    for _ in range(5):
        api_login("lock_recount", WRONG)
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert api_login("lock_recount", WRONG).status_code == 401
    user.refresh_from_db()
    assert user.failed_login_count == 1
    assert not user.is_locked()


def test_successful_login_resets_the_failure_counter(make_user):
    """SEC-1: only *consecutive* failures count; a success resets the counter."""
    user = make_user("reset_counter")
    for _ in range(4):
        assert api_login("reset_counter", WRONG).status_code == 401
    assert api_login("reset_counter", STRONG).status_code == 200
    user.refresh_from_db()
    assert user.failed_login_count == 0
    for _ in range(4):
        assert api_login("reset_counter", WRONG).status_code == 401
    assert api_login("reset_counter", STRONG).status_code == 200


def test_lockout_attempts_come_from_a_system_wide_policy_override(make_user):
    """SEC-1 ⚙: lockout_attempts is a policy parameter; a system-wide override of 3 locks after 3."""
    user = make_user("lock_policy")
    PolicyOverride.objects.create(name="lockout_attempts", value=3, region=None, school=None)
    invalidate()
    statuses = [api_login("lock_policy", WRONG).status_code for _ in range(3)]
    assert statuses == [401, 401, 423]
    assert api_login("lock_policy", STRONG).status_code == 423
    user.refresh_from_db()
    assert user.is_locked()


def test_lockout_minutes_come_from_a_system_wide_policy_override(make_user):
    """SEC-1 ⚙: lockout_minutes is a policy parameter (override 60 → locked for an hour)."""
    user = make_user("lock_minutes")
    PolicyOverride.objects.create(name="lockout_minutes", value=60, region=None, school=None)
    invalidate()
    for _ in range(5):
        api_login("lock_minutes", WRONG)
    user.refresh_from_db()
    assert user.locked_until >= timezone.now() + timedelta(minutes=59)


# --- idle timeout (SEC-1) -----------------------------------------------------------------------------------


@pytest.fixture
def logged_in(make_user):
    """A page client logged in through the login page (so the idle clock runs)."""
    make_user("idle_user")
    client = Client()
    resp = page_login(client, "idle_user", STRONG)
    assert resp.status_code == 302
    assert SESSION_KEY in client.session
    return client


def set_last_activity(client, when):
    session = client.session
    session[SESSION_KEY] = when
    session.save()


def test_idle_session_ends_after_30_minutes_and_redirects_to_login_with_next(logged_in):
    """SEC-1: an idle session ends after session_idle_minutes (30); the page redirects to login with ?next=."""
    set_last_activity(logged_in, time.time() - 31 * 60)
    resp = logged_in.get("/")
    assert resp.status_code == 302
    url = urlsplit(resp.url)
    assert url.path == LOGIN_URL
    assert parse_qs(url.query)["next"] == ["/"]
    assert not is_logged_in(logged_in)
    # Logged out for good: the next request is anonymous too.
    again = logged_in.get("/")
    assert again.status_code == 302
    assert urlsplit(again.url).path == LOGIN_URL


def test_idle_timeout_answers_401_to_htmx_requests(logged_in):
    """SEC-1: an htmx request after the idle limit gets 401 (the page can show the login dialog)."""
    set_last_activity(logged_in, time.time() - 31 * 60)
    resp = logged_in.get("/", HTTP_HX_REQUEST="true")
    assert resp.status_code == 401
    assert resp.json()["code"] == "session_expired"
    assert not is_logged_in(logged_in)


def test_idle_timeout_answers_401_to_api_requests_with_the_session(logged_in):
    """SEC-1: an API call on an expired browser session gets 401."""
    assert logged_in.get("/api/v1/me").status_code == 200
    set_last_activity(logged_in, time.time() - 31 * 60)
    resp = logged_in.get("/api/v1/me")
    assert resp.status_code == 401
    assert resp["Content-Type"].startswith("application/problem+json")
    assert not is_logged_in(logged_in)


def test_session_within_the_idle_limit_continues_and_is_extended(logged_in):
    """SEC-1: activity within the limit keeps the session and restarts the idle clock."""
    last = time.time() - 29 * 60
    set_last_activity(logged_in, last)
    resp = logged_in.get("/")
    assert resp.status_code == 200
    assert is_logged_in(logged_in)
    assert logged_in.session[SESSION_KEY] > last + 28 * 60


def test_session_status_does_not_extend_the_session(logged_in):
    """SEC-1: polling the remaining time is not activity: remaining decreases, last activity unchanged."""
    last = time.time() - 10 * 60
    set_last_activity(logged_in, last)
    first = logged_in.get("/accounts/session/status").json()
    assert first["authenticated"] is True
    assert 19 * 60 - 5 <= first["remaining"] <= 20 * 60
    assert logged_in.session[SESSION_KEY] == last

    set_last_activity(logged_in, last - 60)  # one more minute passes idle
    second = logged_in.get("/accounts/session/status").json()
    assert second["remaining"] < first["remaining"]
    assert logged_in.session[SESSION_KEY] == last - 60


def test_session_status_after_the_limit_reports_the_session_ended(logged_in):
    """SEC-1: the status poll after the idle limit ends the session (401) rather than extending it."""
    set_last_activity(logged_in, time.time() - 31 * 60)
    resp = logged_in.get("/accounts/session/status")
    assert resp.status_code == 401
    assert not is_logged_in(logged_in)


def test_keepalive_extends_the_session(logged_in):
    """SEC-1: the "stay logged in" button (POST keepalive) restarts the idle clock."""
    last = time.time() - 25 * 60
    set_last_activity(logged_in, last)
    resp = logged_in.post("/accounts/session/keepalive")
    assert resp.status_code == 200
    assert resp.json()["authenticated"] is True
    assert logged_in.session[SESSION_KEY] > last + 24 * 60
    status = logged_in.get("/accounts/session/status").json()
    assert status["remaining"] > 29 * 60


# --- passwords (SEC-1) -----------------------------------------------------------------------------------


def test_account_with_too_simple_password_is_refused_with_a_field_error(user_client):
    """SEC-1: password complexity — "abcdefghij" (one character class) is refused; no account is created."""
    client = user_client("secadmin")
    resp = client.post("/accounts/users/new/", {"username": "simple_pw", "full_name": "简单密码",
                                                 "password": "abcdefghij"})
    assert resp.status_code == 200
    assert resp.context["form"].errors.get("password")
    assert not User.objects.filter(username="simple_pw").exists()
    assert not AuditEvent.objects.filter(action="accounts.user.created", object_repr="简单密码").exists()


def test_account_with_short_password_is_refused(world):
    """SEC-1: password complexity — fewer than 10 characters is refused by the service."""
    with pytest.raises(DomainError) as info:
        account_services.user_create(actor=world.users["secadmin"], username="short_pw", full_name="短",
                                     password="Ab1#xy")
    assert any(e["field"] == "password" for e in info.value.errors)
    assert not User.objects.filter(username="short_pw").exists()


def test_new_account_must_change_its_password_at_first_login(user_client):
    """SEC-1: an account created by the administrator must set its own password at first login."""
    resp = user_client("secadmin").post("/accounts/users/new/", {"username": "first_login",
                                                                  "full_name": "首次登录", "password": STRONG})
    assert resp.status_code == 302
    user = User.objects.get(username="first_login")
    assert user.is_active
    assert user.password_changed_at is None
    assert AuditEvent.objects.filter(action="accounts.user.created", object_id=str(user.pk)).exists()

    client = Client()
    resp = page_login(client, "first_login", STRONG)
    assert resp.status_code == 302
    assert resp.url == "/accounts/password/"
    # Every other page redirects to the password change until it is done.
    for url in ("/", "/org/"):
        other = client.get(url)
        assert other.status_code == 302
        assert other.url == "/accounts/password/"
    assert client.get("/accounts/password/").status_code == 200

    resp = client.post("/accounts/password/", {"old_password": STRONG, "new_password1": OTHER_STRONG,
                                               "new_password2": OTHER_STRONG})
    assert resp.status_code == 302
    user.refresh_from_db()
    assert user.password_changed_at is not None
    assert user.check_password(OTHER_STRONG)
    assert client.get("/").status_code == 200


def test_password_change_refuses_a_too_simple_new_password(make_user):
    """SEC-1: the complexity rule also applies when the person changes their own password."""
    user = make_user("change_simple")
    User.objects.filter(pk=user.pk).update(password_changed_at=None)
    client = Client()
    page_login(client, "change_simple", STRONG)
    resp = client.post("/accounts/password/", {"old_password": STRONG, "new_password1": "abcdefghij",
                                               "new_password2": "abcdefghij"})
    assert resp.status_code == 200
    assert resp.context["form"].errors.get("new_password1")
    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert client.get("/").status_code == 302


def test_password_older_than_max_age_must_be_changed_at_login(make_user):
    """SEC-1 ⚙: a password older than password_max_age_days (90) must be changed at login."""
    user = make_user("old_password")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client = Client()
    resp = page_login(client, "old_password", STRONG)
    assert resp.status_code == 302
    assert resp.url == "/accounts/password/"
    assert client.get("/").url == "/accounts/password/"


def test_password_younger_than_max_age_logs_in_normally(make_user):
    """SEC-1 ⚙: a password changed 89 days ago does not force a change."""
    user = make_user("young_password")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    client = Client()
    resp = page_login(client, "young_password", STRONG)
    assert resp.status_code == 302
    assert resp.url == "/"
    assert client.get("/").status_code == 200


# --- disabling accounts (SEC-2) -------------------------------------------------------------------------


def test_disabling_an_account_keeps_the_row_and_blocks_login_and_tokens(user_client, make_user):
    """SEC-2: an account of someone who leaves is disabled, never deleted; login and API tokens stop; audited."""
    user = make_user("leaver")
    old_key, _tok = account_services.token_issue(user=user)
    assert Client().get("/api/v1/me", **bearer(old_key)).status_code == 200

    resp = user_client("secadmin").post(f"/accounts/users/{user.pk}/toggle-active/")
    assert resp.status_code == 302

    user = User.objects.get(pk=user.pk)  # the row is still there
    assert user.is_active is False
    assert user.disabled_at is not None
    ev = AuditEvent.objects.get(action="accounts.user.disabled", object_id=str(user.pk))
    assert ev.actor_username == "secadmin"
    assert ev.changes == {"is_active": [True, False]}

    client = Client()
    resp = page_login(client, "leaver", STRONG)
    assert resp.status_code == 200
    assert login_errors(resp)
    assert not is_logged_in(client)
    assert api_login("leaver", STRONG).status_code == 401
    assert Client().get("/api/v1/me", **bearer(old_key)).status_code == 401


def test_disabled_account_loses_its_open_page_session(user_client, make_user):
    """SEC-2: a browser session of an account that was just disabled no longer works."""
    user = make_user("leaver_session")
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200
    user_client("secadmin").post(f"/accounts/users/{user.pk}/toggle-active/")
    resp = client.get("/")
    assert resp.status_code == 302
    assert urlsplit(resp.url).path == LOGIN_URL


def test_disabled_account_can_be_enabled_again(user_client, make_user):
    """SEC-2: disabling is reversible (history kept); re-enabling is audited."""
    user = make_user("returner")
    secadmin = user_client("secadmin")
    secadmin.post(f"/accounts/users/{user.pk}/toggle-active/")
    secadmin.post(f"/accounts/users/{user.pk}/toggle-active/")
    user.refresh_from_db()
    assert user.is_active is True
    assert user.disabled_at is None
    assert AuditEvent.objects.filter(action="accounts.user.enabled", object_id=str(user.pk)).exists()
    assert api_login("returner", STRONG).status_code == 200


def test_security_administrator_cannot_disable_their_own_account(user_client, world):
    """SEC-2: a user cannot disable themself (no lock-out of the last administrator)."""
    secadmin = world.users["secadmin"]
    resp = user_client("secadmin").post(f"/accounts/users/{secadmin.pk}/toggle-active/")
    assert resp.status_code == 302
    secadmin.refresh_from_db()
    assert secadmin.is_active is True
    assert not AuditEvent.objects.filter(action="accounts.user.disabled", object_id=str(secadmin.pk)).exists()
    with pytest.raises(DomainError):
        account_services.user_set_active(actor=secadmin, user=secadmin, active=False)


@pytest.mark.parametrize("username", ["admin", "auditor", "hc_bureau"])
def test_only_the_security_administrator_may_disable_accounts(user_client, make_user, username):
    """SEC-2 separated duties: the system administrator, auditor and bureau officers get 403; nothing changes."""
    user = make_user(f"victim_{username}")
    resp = user_client(username).post(f"/accounts/users/{user.pk}/toggle-active/")
    assert resp.status_code == 403
    user.refresh_from_db()
    assert user.is_active is True
    assert not AuditEvent.objects.filter(action="accounts.user.disabled", object_id=str(user.pk)).exists()


# --- role assignment (SEC-2, SEC-3, ORG-3) -----------------------------------------------------------------


def test_role_assignment_by_the_security_administrator_is_audited(user_client, make_user, world):
    """SEC-3: granting a role is a permission change and is written to the audit log."""
    user = make_user("new_leader")
    school = world.schools[HC_S2]
    resp = user_client("secadmin").post(f"/accounts/users/{user.pk}/roles/",
                                        {"role": "school_leader", "school": school.pk})
    assert resp.status_code == 302
    ra = RoleAssignment.objects.get(user=user, role="school_leader", revoked_at__isnull=True)
    assert ra.school_id == school.pk
    assert ra.created_by == world.users["secadmin"]
    ev = AuditEvent.objects.get(action="accounts.role.assigned", object_id=str(user.pk))
    assert ev.actor_username == "secadmin"
    assert ev.changes["role"] == [None, "school_leader"]
    assert ev.changes["scope"] == [None, school.name]
    assert School.objects.visible_to(user).filter(pk=school.pk).exists()


def test_role_revocation_is_audited_and_keeps_the_assignment(user_client, make_user, world):
    """SEC-2/SEC-3: a revoked role stays in the database (attributable history); the revocation is audited."""
    school = world.schools[HC_S2]
    user = make_user("revoked_leader", roles=[("school_leader", {"school": school})])
    ra = RoleAssignment.objects.get(user=user, role="school_leader")
    resp = user_client("secadmin").post(f"/accounts/users/{user.pk}/roles/{ra.pk}/revoke/")
    assert resp.status_code == 302
    ra.refresh_from_db()
    assert ra.revoked_at is not None
    assert ra.revoked_by == world.users["secadmin"]
    ev = AuditEvent.objects.get(action="accounts.role.revoked", object_id=str(user.pk))
    assert ev.changes["role"] == ["school_leader", None]
    user = User.objects.get(pk=user.pk)
    assert not School.objects.visible_to(user).exists()


def test_role_bound_to_the_wrong_scope_kind_is_refused_with_a_field_error(user_client, make_user, world):
    """ORG-3: each role is bound to its kind of scope; a school role on a region is refused per field."""
    user = make_user("wrong_scope")
    with pytest.raises(DomainError) as info:
        account_services.role_assign(actor=world.users["secadmin"], user=user, role="school_leader",
                                     region=world.regions[HC_DISTRICT])
    assert {e["field"] for e in info.value.errors} & {"region", "school"}
    with pytest.raises(DomainError) as info:
        account_services.role_assign(actor=world.users["secadmin"], user=user, role="bureau_officer",
                                     school=world.schools[HC_S1])
    assert {e["field"] for e in info.value.errors} & {"region", "school"}

    resp = user_client("secadmin").post(f"/accounts/users/{user.pk}/roles/",
                                        {"role": "school_leader", "region": world.regions[HC_DISTRICT].pk})
    assert resp.status_code == 302
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action="accounts.role.assigned", object_id=str(user.pk)).exists()


def test_role_without_its_scope_is_refused(make_user, world):
    """ORG-3: a scoped role without a scope (a bureau officer of nowhere) is refused."""
    user = make_user("no_scope")
    with pytest.raises(DomainError) as info:
        account_services.role_assign(actor=world.users["secadmin"], user=user, role="bureau_officer")
    assert any(e["field"] == "region" for e in info.value.errors)
    assert not RoleAssignment.objects.filter(user=user).exists()


@pytest.mark.parametrize("username", ["admin", "hc_bureau", "auditor"])
def test_only_the_security_administrator_may_assign_roles(user_client, make_user, world, username):
    """SEC-2 separated duties: others POSTing a role assignment get 403 and nothing changes."""
    user = make_user(f"target_{username}")
    resp = user_client(username).post(f"/accounts/users/{user.pk}/roles/",
                                      {"role": "bureau_officer", "region": world.regions[HC_DISTRICT].pk})
    assert resp.status_code == 403
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action="accounts.role.assigned", object_id=str(user.pk)).exists()


@pytest.mark.parametrize("username", ["admin", "hc_bureau"])
def test_only_the_security_administrator_may_revoke_roles(user_client, world, username):
    """SEC-2 separated duties: others POSTing a revocation get 403 and the role stays."""
    leader = world.users["hc_s1_leader"]
    ra = RoleAssignment.objects.get(user=leader, role="school_leader", revoked_at__isnull=True)
    resp = user_client(username).post(f"/accounts/users/{leader.pk}/roles/{ra.pk}/revoke/")
    assert resp.status_code == 403
    ra.refresh_from_db()
    assert ra.revoked_at is None
    assert not AuditEvent.objects.filter(action="accounts.role.revoked", object_id=str(leader.pk)).exists()


def test_role_services_refuse_actors_without_accounts_manage(make_user, world):
    """SEC-2: the services themselves check the permission, not only the views."""
    user = make_user("svc_target")
    for actor in ("admin", "hc_bureau"):
        with pytest.raises(DomainError) as info:
            account_services.role_assign(actor=world.users[actor], user=user, role="school_leader",
                                         school=world.schools[HC_S1])
        assert info.value.status == 403
    assert not RoleAssignment.objects.filter(user=user).exists()


# --- union of scopes (ORG-3) ----------------------------------------------------------------------------


def api_school_ids(user) -> set[int]:
    key, _tok = account_services.token_issue(user=user)
    resp = Client().get("/api/v1/schools?page_size=500", **bearer(key))
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == len(body["items"])
    return {s["id"] for s in body["items"]}


def test_two_school_roles_see_exactly_the_union_of_both_schools(make_user, world):
    """ORG-3: a leader of school A and of school B (in another province) sees exactly A and B."""
    a, b = world.schools[HC_S1], world.schools[GD_S1]
    user = make_user("two_schools", roles=[("school_leader", {"school": a}), ("school_leader", {"school": b})])
    assert set(School.objects.visible_to(user).values_list("pk", flat=True)) == {a.pk, b.pk}
    assert api_school_ids(user) == {a.pk, b.pk}


def test_region_role_plus_school_role_see_the_region_and_the_school(make_user, world):
    """ORG-3: a bureau officer of 海沧区 who also leads a 天河区 school sees 海沧区's schools plus that one."""
    gd_school = world.schools[GD_S1]
    user = make_user("region_and_school", roles=[
        ("bureau_officer", {"region": world.regions[HC_DISTRICT]}),
        ("school_leader", {"school": gd_school}),
    ])
    expected = set(School.objects.filter(region__code=HC_DISTRICT).values_list("pk", flat=True)) | {gd_school.pk}
    assert len(expected) == 6
    assert set(School.objects.visible_to(user).values_list("pk", flat=True)) == expected
    assert api_school_ids(user) == expected
    # The other 天河区 schools stay invisible.
    other_gd = world.schools["4401060102"]
    assert Client().get(f"/api/v1/schools/{other_gd.pk}",
                        **bearer(account_services.token_issue(user=user)[0])).status_code == 404


def test_revoked_role_no_longer_counts_in_the_union(make_user, world):
    """ORG-3: only active assignments count; after revoking one role only the other scope is seen."""
    a, b = world.schools[HC_S1], world.schools[GD_S1]
    user = make_user("union_revoked", roles=[("school_leader", {"school": a}), ("school_leader", {"school": b})])
    ra = RoleAssignment.objects.get(user=user, school=b)
    account_services.role_revoke(actor=world.users["secadmin"], assignment=ra)
    user = User.objects.get(pk=user.pk)
    assert set(School.objects.visible_to(user).values_list("pk", flat=True)) == {a.pk}
    assert api_school_ids(user) == {a.pk}


def test_user_without_a_role_sees_nothing(make_user):
    """ORG-3/SEC-2 least privilege: an account without any role sees no school, in the ORM or the API."""
    user = make_user("no_role")
    assert not School.objects.visible_to(user).exists()
    key, _tok = account_services.token_issue(user=user)
    resp = Client().get("/api/v1/schools", **bearer(key))
    assert resp.status_code == 403
    assert resp.json()["code"] == "permission_denied"
    assert "items" not in resp.json()
