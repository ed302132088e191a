"""A user's grants are cached between requests under a role-version stamp (issue: the fixed cost of a request):
most requests make no query for roles, and a role assigned or revoked applies from the very next request
(ORG-3, ORG-4, SEC-2)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suiban.accounts import services
from suiban.accounts.models import RoleAssignment, User

HC_S2 = "3502050102"


def _role_queries(ctx) -> int:
    return sum(1 for q in ctx.captured_queries if "accounts_roleassignment" in q["sql"])


def test_grants_are_read_once_and_then_come_from_the_cache(world, api_client):
    client = api_client("hc_s1_leader")
    assert client.get("/api/v1/students?page_size=5").status_code == 200  # reads the roles once
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/students?page_size=5").status_code == 200
    assert _role_queries(ctx) == 0


def test_a_revoked_role_stops_working_on_the_next_request(world, api_client):
    """ORG-4 / SEC-2: revoking a role bumps the stamp, so the cached grants are not used again."""
    secadmin = world.users["secadmin"]
    user = User.objects.create_user("cache_probe", password="x-Pass-2026-long", password_changed_at=timezone.now())
    services.role_assign(actor=secadmin, user=user, role="school_leader", school=world.schools[HC_S2])
    key, _tok = services.token_issue(user=User.objects.get(pk=user.pk))
    client = type(api_client())(key)
    assert client.get("/api/v1/students?page_size=5").json()["count"] > 0
    assert client.get("/api/v1/students?page_size=5").json()["count"] > 0  # served from the cached grants
    services.role_revoke(actor=secadmin, assignment=RoleAssignment.objects.get(user=user, revoked_at__isnull=True))
    assert client.get("/api/v1/students?page_size=5").status_code == 403


def test_an_assigned_role_works_on_the_next_request(world, api_client):
    secadmin = world.users["secadmin"]
    user = User.objects.create_user("cache_probe2", password="x-Pass-2026-long", password_changed_at=timezone.now())
    key, _tok = services.token_issue(user=user)
    client = type(api_client())(key)
    assert client.get("/api/v1/students?page_size=5").status_code == 403
    services.role_assign(actor=secadmin, user=User.objects.get(pk=user.pk), role="school_leader",
                         school=world.schools[HC_S2])
    assert client.get("/api/v1/students?page_size=5").status_code == 200
