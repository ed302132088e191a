"""Lists never count millions of rows for a page (API.md "Lists"; issue: speed): the sessions list caps its count
and says so with ``count_exact: false``; below the cap the count is exact."""

from suiban.core import api_tools
from suiban.iep.models import Session


def test_sessions_count_is_capped_and_flagged(world, api_client, monkeypatch):
    client = api_client("hc_bureau")
    full = client.get("/api/v1/sessions?page_size=5").json()
    assert full["count_exact"] is True
    assert full["count"] == Session.objects.visible_to(world.users["hc_bureau"], "iep.records").count()
    assert full["count"] > 2
    monkeypatch.setattr(api_tools, "COUNT_CAP", 2)
    capped = client.get("/api/v1/sessions?page_size=5").json()
    assert capped["count"] == 2 and capped["count_exact"] is False
    assert len(capped["items"]) == min(5, full["count"])  # the page itself is not cut by the cap


def test_capped_count_counts_exactly_below_the_cap(world):
    qs = Session.objects.all()
    n = qs.count()
    assert api_tools.capped_count(qs, cap=n) == (n, True)
    assert api_tools.capped_count(qs, cap=n - 1) == (n - 1, False)


def test_audit_count_is_capped_and_flagged(world, api_client, monkeypatch):
    """SEC-3: the audit log of a province grows by ~10⁶ rows a year; its list caps the count and says so."""
    from suiban.core.models import AuditEvent

    client = api_client("hc_bureau")
    full = client.get("/api/v1/audit?page_size=5").json()
    assert full["count_exact"] is True
    assert full["count"] == AuditEvent.objects.visible_to(world.users["hc_bureau"]).count() > 2
    monkeypatch.setattr(api_tools, "COUNT_CAP", 2)
    capped = client.get("/api/v1/audit?page_size=5").json()
    assert capped["count"] == 2 and capped["count_exact"] is False
    assert len(capped["items"]) == 5


def test_sessions_page_count_is_capped(world, user_client, monkeypatch):
    """IEP-5: the sessions page of a province counts at most COUNT_CAP rows and shows "N+" when capped."""
    client = user_client("hc_bureau")
    n = Session.objects.visible_to(world.users["hc_bureau"], "iep.records").count()
    assert n > 2
    page = client.get("/iep/sessions/")
    assert page.context["page"].paginator.count == n and page.context["page"].paginator.count_exact
    monkeypatch.setattr(api_tools, "COUNT_CAP", 2)
    page = client.get("/iep/sessions/")
    assert page.context["page"].paginator.count == 2 and not page.context["page"].paginator.count_exact
    assert "2+" in page.content.decode()


def test_capped_paginator_counts_at_most_cap_plus_one_rows(world):
    """The capped page count runs SELECT COUNT(*) FROM (… LIMIT cap+1): it never counts the whole table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        p = api_tools.capped_paginator(Session.objects.order_by("-date", "-id"), 10, cap=3)
        assert p.count == 3 and p.count_exact is False
    assert len(ctx.captured_queries) == 1 and "LIMIT 4" in ctx.captured_queries[0]["sql"]
