"""Dashboards per scope (OV-2): figures per area inside the caller's scope, each equal to the list it links to."""

import pytest

from suiban.org.models import Region, School
from suiban.oversight import engine
from suiban.students.models import Student

HC, GD, FJ = "350205", "440106", "350000"


@pytest.fixture
def computed(world):
    engine.recompute(None)


def _listed(client, url) -> int:
    r = client.get(url)
    assert r.status_code == 200, url
    ctx = r.context
    return ctx["count"] if "count" in ctx else ctx["page"].paginator.count


def test_every_dashboard_figure_equals_the_list_it_links_to(api_client, user_client, computed):
    """OV-2: each figure of the district dashboard (students by category, placement, grade and status; findings by
    kind and severity) is the count of the list its chart links to."""
    region = Region.objects.get(code=HC)
    d = api_client("hc_bureau").get(f"/api/v1/dashboard?region_id={region.pk}").json()
    page = user_client("hc_bureau")
    items = (d["students"]["by_category"] + d["students"]["by_placement"] + d["students"]["by_grade"]
             + d["findings"]["by_rule"] + d["findings"]["by_severity"])
    assert sum(i["count"] for i in d["students"]["by_category"]) == d["students"]["total"] > 0
    assert d["findings"]["open"] > 0
    checked = 0
    for i in items:
        if i["count"] or checked % 3 == 0:
            assert _listed(page, i["url"]) == i["count"], i
        checked += 1
    assert _listed(page, d["students"]["url"]) == d["students"]["total"]
    assert _listed(page, d["findings"]["url"]) == d["findings"]["open"]


def test_dashboard_counts_inside_the_callers_scope(api_client, computed, django_assert_max_num_queries):
    """OV-2, ORG-4: a province, a district and a school see their own figures; another district's or school's
    dashboard is 404; the parent has none (403)."""
    fj = api_client("fj_province")
    with django_assert_max_num_queries(60):
        province = fj.get("/api/v1/dashboard").json()
    assert province["scope"]["name"] == "福建省"
    assert province["students"]["total"] == Student.objects.filter(region_path__startswith="350000/",
                                                                   status="active").count()
    assert set(province) >= {"students", "findings", "homebound", "tutoring", "pools", "assessments", "funds",
                             "trends"}
    s1 = School.objects.get(code="3502050101")
    leader = api_client("hc_s1_leader")
    own = leader.get("/api/v1/dashboard").json()
    assert own["scope"] == {"type": "school", "id": s1.pk, "name": s1.name, "level": ""}
    assert own["students"]["total"] == Student.objects.filter(school=s1, status="active").count()
    assert leader.get(f"/api/v1/dashboard?school_id={School.objects.get(code='3502050102').pk}").status_code == 404
    gd = Region.objects.get(code=GD)
    assert api_client("hc_bureau").get(f"/api/v1/dashboard?region_id={gd.pk}").status_code == 404
    assert api_client("hc_parent").get("/api/v1/dashboard").status_code == 403


def test_dashboard_page_has_clickable_charts(user_client, computed):
    """OV-2: the dashboard page draws its charts from the same figures and offers the districts or schools below."""
    r = user_client("hc_bureau").get("/oversight/dashboard/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="c-category"' in html and "sb-dashboard" in html and "echarts" in html
    assert any(name == "海沧区沧江小学" for _k, _pk, name in r.context["children"])
