"""Every list page shares one sorting and overdue scheme: a whitelisted ``?sort=`` (unknown → the default order),
``aria-sort`` on the sorted header (or ``aria-current`` on a list's sort control), the order kept by the filter
form and the pages; overdue items marked with a word, not colour alone, and filterable (只看逾期); staff names in
pinyin order on SQLite through the stored key; a card per row on a phone (one CSS rule, ``.sb-cards``)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from suiban.core.lists import Sorting
from suiban.core.text import pinyin_key

pytestmark = pytest.mark.django_db


def test_sorting_whitelist_and_direction():
    """A key outside the whitelist, a double minus or a trailing minus falls back to the default."""
    s = Sorting({"name": ("name",), "grade": ("grade",)}, default="name")
    assert s.key("grade") == "grade" and s.key("-grade") == "-grade"
    for bad in ("", None, "password", "--grade", "grade-", "-", "name;", "__class__"):
        assert s.key(bad) == "name"
    desc = s.order_by("-grade")
    assert [str(o.descending) for o in desc] == ["True", "True"]  # the column, then the id tie-breaker


@pytest.mark.parametrize("url, row", [
    ("/audit/?sort=at", r'<td class="text-nowrap small">([^<]+)</td>'),
    ("/org/schools/?sort=name", r'href="/org/schools/(\d+)/"'),
])
def test_sorted_table_headers_toggle_and_carry_aria_sort(user_client, url, row):
    """Sortable headers: the sorted column has aria-sort; its link asks for the other direction; the filter
    form keeps the order; pages keep it (the pagination copies every query parameter)."""
    account = "auditor" if url.startswith("/audit") else "hc_bureau"
    c = user_client(account)
    html = c.get(url).content.decode()
    key = url.split("sort=")[1]
    assert 'aria-sort="ascending"' in html
    assert f"sort=-{key}" in html
    assert f'name="sort" value="{key}"' in html
    down = c.get(url.replace(f"sort={key}", f"sort=-{key}")).content.decode()
    assert 'aria-sort="descending"' in down
    up_rows, down_rows = re.findall(row, html), re.findall(row, down)
    assert up_rows and up_rows[0] == down_rows[-1] or len(up_rows) >= 50


def test_staff_names_sort_in_pinyin_order_on_sqlite(user_client, world):
    """Staff names sort in pinyin order on SQLite too, through the stored key kept by every save."""
    from suiban.staff.models import StaffMember

    s = StaffMember.objects.filter(school__isnull=False).first()
    assert s.name_pinyin == pinyin_key(s.name)
    html = user_client("hc_bureau").get("/staff/people/?sort=name").content.decode()
    names = re.findall(r'<span class="fw-semibold">([^<]+)</span>', html)
    assert len(names) >= 3 and names == sorted(names, key=pinyin_key)
    assert 'aria-current="true"' in html


@pytest.mark.parametrize("account, url, marker", [
    ("hc_bureau", "/homebound/?sort=-student", 'id="sb-enrolments"'),
    ("hc_bureau", "/rooms/?sort=-area", 'id="sb-rooms"'),
    ("hc_bureau", "/funds/?sort=-school", 'id="sb-funds-schools"'),
    ("hc_bureau", "/oversight/findings/?sort=-due_date", "sb-sort-bar"),
    ("hc_s1_leader", "/students/?sort=-status", 'id="sb-roster"'),
    ("hc_bureau", "/cases/?sort=-state", 'id="sb-cases"'),
    ("hc_bureau", "/iep/?sort=-state", 'id="sb-plans"'),
    ("hc_s1_resource", "/iep/sessions/?sort=-kind", 'id="sb-sessions"'),
])
def test_every_list_sorts_descending_on_request(user_client, account, url, marker):
    """Every list page answers a descending sort with the header (or sort control) marked as such, and an
    unknown sort with 200 and the default order."""
    c = user_client(account)
    r = c.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert marker in html
    assert 'aria-sort="descending"' in html or 'aria-current="true"' in html
    assert c.get(url.split("?")[0] + "?sort=-nonsense").status_code == 200


def test_overdue_findings_are_marked_and_filterable(user_client, world):
    """OV-1 findings past their due date: marked 逾期 (word and icon) and listed alone with 只看逾期."""
    from suiban.org.models import School
    from suiban.oversight.models import Finding

    school = School.objects.get(code="3502050101")
    now = timezone.now()
    late = Finding.objects.create(check_code="TEST.late", rule="OV-1", severity="warning", subject_type="school",
                                  subject_id=school.pk, subject_name=school.name, school=school,
                                  region_path=school.region_path, evidence="逾期测试", first_seen=now,
                                  due_date=timezone.localdate() - timedelta(days=3))
    soon = Finding.objects.create(check_code="TEST.soon", rule="OV-1", severity="warning", subject_type="school",
                                  subject_id=school.pk, subject_name=school.name, school=school,
                                  region_path=school.region_path, evidence="未到期测试", first_seen=now,
                                  due_date=timezone.localdate() + timedelta(days=3))
    c = user_client("hc_bureau")
    html = c.get(f"/oversight/findings/?sort=-due_date&school_id={school.pk}").content.decode()
    assert re.search(rf'class="list-group-item sb-overdue" data-finding="{late.pk}"', html)
    assert "逾期" in html
    only = c.get(f"/oversight/findings/?overdue=1&school_id={school.pk}").content.decode()
    ids = re.findall(r'data-finding="(\d+)"', only)
    assert str(late.pk) in ids and str(soon.pk) not in ids


def test_list_tables_carry_the_phone_card_class_and_the_css_rule(user_client):
    """On a phone (≤ 576 px) list tables become cards: one rule in app.css for every table.sb-cards."""
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "suiban/core/static/suiban/app.css").read_text()
    assert "@media (max-width: 575.98px)" in css and "table.sb-cards" in css and "attr(data-label)" in css
    c = user_client("hc_bureau")
    for url in ("/students/", "/cases/", "/iep/", "/iep/below-minimum/", "/org/schools/", "/homebound/"):
        assert "sb-cards" in c.get(url).content.decode(), url
