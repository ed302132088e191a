"""The fixed cost of a page request (issue 9 "Speed"): the shell's role lines come from the cache beside the grants
and the idle-timeout stamp is not rewritten on every page — without weakening a revocation (ORG-4, SEC-2) or the
idle timeout (SEC-1)."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suiban.accounts import services
from suiban.accounts.middleware import SESSION_KEY, STAMP_SECONDS
from suiban.accounts.models import RoleAssignment, User

HC_S2 = "3502050102"


def _probe(world, username):
    user = User.objects.create_user(username, password="x-Pass-2026-long", password_changed_at=timezone.now())
    services.role_assign(actor=world.users["secadmin"], user=user, role="school_leader", school=world.schools[HC_S2])
    return User.objects.get(pk=user.pk)


def test_the_shell_lists_the_roles_from_the_cache_and_a_revoked_role_goes_at_once(world, client):
    """SEC-2 / ORG-4: the side panel's roles are read once, then served from the cache (no role query on a page);
    a revocation bumps the stamp, so the very next page no longer lists the role."""
    user = _probe(world, "shell_probe")
    client.force_login(user)
    first = client.get("/")
    assert [r.role for r in first.context["shell_roles"]] == ["school_leader"]
    assert "·" in first.content.decode() and first.context["shell_roles"][0].scope_name == world.schools[HC_S2].name
    with CaptureQueriesContext(connection) as ctx:
        again = client.get("/")
    assert [r.role for r in again.context["shell_roles"]] == ["school_leader"]
    assert not [q for q in ctx.captured_queries if "accounts_roleassignment" in q["sql"]]
    services.role_revoke(actor=world.users["secadmin"],
                         assignment=RoleAssignment.objects.get(user=user, revoked_at__isnull=True))
    assert list(client.get("/").context["shell_roles"]) == []


def test_the_idle_stamp_is_rewritten_only_when_it_has_aged(world, client):
    """SEC-1: pages seconds apart do not each write the session (no UPDATE per page); once the stamp is
    STAMP_SECONDS old the next page restarts the idle clock, and any non-GET request always does."""
    client.force_login(_probe(world, "stamp_probe"))
    client.get("/")
    stamped = client.session[SESSION_KEY]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]
    assert client.session[SESSION_KEY] == stamped
    session = client.session
    session[SESSION_KEY] = time.time() - STAMP_SECONDS - 1
    session.save()
    client.get("/")
    assert client.session[SESSION_KEY] > time.time() - 5
    session = client.session
    session[SESSION_KEY] = aged = time.time() - 5
    session.save()
    client.post("/accounts/session/keepalive")
    assert client.session[SESSION_KEY] > aged
