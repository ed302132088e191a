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
