"""The IEP lists (IEP-3, IEP-5, OV-3): sortable columns on the plan and session lists and their API, overdue
reviews and last week's shortfalls marked in words and filterable, and the exports of what is on screen
(.xlsx, A4 landscape fitted to the width, header row repeated, audited), one converted with LibreOffice."""

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from suiban.core.models import AuditEvent
from suiban.iep import lists as iep_lists
from suiban.iep import services as iep_services
from suiban.iep.models import Plan

pytestmark = pytest.mark.django_db
PLAN_ROW = re.compile(r'<tr data-plan="(\d+)"')
SESSION_ROW = re.compile(r'<tr data-session="(\d+)"')


def _sheet(resp):
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return load_workbook(io.BytesIO(resp.content)).active


def _a4_landscape_fit(ws):
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$2:$2"


def test_plan_list_sorts_both_ways_and_keeps_the_order_in_filters_and_pages(user_client):
    """Plans sortable by student (pinyin), both ways; aria-sort on the header; the filter form keeps it; an
    unknown sort is the default order."""
    c = user_client("hc_bureau")
    up = c.get("/iep/?sort=student").content.decode()
    down = c.get("/iep/?sort=-student").content.decode()
    assert PLAN_ROW.findall(up) and PLAN_ROW.findall(up) == list(reversed(PLAN_ROW.findall(down)))
    assert 'aria-sort="ascending"' in up and 'aria-sort="descending"' in down
    assert 'name="sort" value="-student"' in down
    assert PLAN_ROW.findall(c.get("/iep/?sort=nonsense").content.decode()) == PLAN_ROW.findall(
        c.get("/iep/").content.decode())


def test_overdue_reviews_are_marked_and_filterable(user_client, monkeypatch):
    """IEP-3: a plan in force whose next review date has passed is marked 逾期 and "只看逾期" lists only those."""
    c = user_client("hc_bureau")
    plan = Plan.objects.filter(state="in_force", school__region_path__contains="350205").first()
    assert plan is not None
    later = iep_services.today() + timedelta(weeks=60)  # every plan's review is overdue by then
    monkeypatch.setattr(iep_lists, "today", lambda: later)
    monkeypatch.setattr(iep_services, "today", lambda: later)
    only = c.get("/iep/?overdue=1").content.decode()
    ids = PLAN_ROW.findall(only)
    assert ids and str(plan.pk) in ids or len(ids) == 50
    assert 'class="sb-overdue"' in only and "逾期" in only
    assert all(Plan.objects.get(pk=int(i)).state == "in_force" for i in ids)
    monkeypatch.setattr(iep_lists, "today", lambda: plan.in_force_on)
    monkeypatch.setattr(iep_services, "today", lambda: plan.in_force_on)
    assert str(plan.pk) not in PLAN_ROW.findall(c.get("/iep/?overdue=1").content.decode())


def test_plan_export_holds_the_rows_on_screen_in_order_and_is_audited(user_client):
    """OV-3/SEC-3: the plan list's export: same filters and order, A4 landscape fitted to the width, audited."""
    c = user_client("hc_bureau")
    html = c.get("/iep/?sort=student").content.decode()
    names = re.findall(r'<tr data-plan="\d+"[^>]*>\s*<td><a href="/iep/\d+/">([^<]+)</a>', html)
    ws = _sheet(c.get("/iep/export.xlsx?sort=student"))
    _a4_landscape_fit(ws)
    exported = [r[0] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert names and exported[:len(names)] == names
    assert AuditEvent.objects.filter(action="iep.plans.exported", actor_username="hc_bureau").exists()


def test_session_list_and_api_sort(user_client, api_client):
    """Sessions sortable by date both ways on the page and with ?sort= on the API (unknown → newest first)."""
    c = user_client("hc_s1_resource")
    up = SESSION_ROW.findall(c.get("/iep/sessions/?sort=date").content.decode())
    down = SESSION_ROW.findall(c.get("/iep/sessions/?sort=-date").content.decode())
    assert up and down and up[0] == down[-1] or up != down
    api = api_client("hc_s1_resource")
    a_up = api.get("/api/v1/sessions?sort=hours&page_size=200").json()["items"]
    assert [s["hours"] for s in a_up] == sorted(s["hours"] for s in a_up)
    default = [s["id"] for s in api.get("/api/v1/sessions?page_size=50").json()["items"]]
    assert [s["id"] for s in api.get("/api/v1/sessions?sort=notes&page_size=50").json()["items"]] == default
    plans = api.get("/api/v1/ieps?sort=-revision&page_size=200").json()["items"]
    assert [p["revision"] for p in plans] == sorted((p["revision"] for p in plans), reverse=True)


def test_session_export_is_what_is_on_screen(user_client):
    """OV-3: the session list's export holds the same rows (filters and order) as .xlsx, audited (SEC-3)."""
    c = user_client("hc_s1_resource")
    html = c.get("/iep/sessions/?sort=-hours").content.decode()
    dates = re.findall(r'<tr data-session="\d+">\s*<td[^>]*>(\d{4}-\d\d-\d\d)</td>', html)
    ws = _sheet(c.get("/iep/sessions/export.xlsx?sort=-hours"))
    _a4_landscape_fit(ws)
    exported = [r[0].strftime("%Y-%m-%d") for r in ws.iter_rows(min_row=3, values_only=True)]
    assert dates and exported[:len(dates)] == dates
    assert AuditEvent.objects.filter(action="iep.sessions.exported").exists()


def test_session_list_queries_stay_bounded_when_sorted(user_client):
    c = user_client("hc_bureau")
    c.get("/iep/sessions/")
    with CaptureQueriesContext(connection) as q:
        c.get("/iep/sessions/?sort=kind")
    assert len(q) <= 20


def test_below_minimum_marks_last_week_overdue_and_filters_it(user_client, new_student):
    """IEP-5: last week's shortfalls are over (marked 逾期); "只看逾期" keeps last week only; the export holds
    the same rows."""
    s = new_student()
    c = user_client("hc_s1_leader")
    weeks = c.get("/iep/below-minimum/?overdue=1").context["weeks"]
    assert len(weeks) == 1 and weeks[0]["overdue"]
    ws = _sheet(c.get("/iep/below-minimum/export.xlsx?overdue=1"))
    _a4_landscape_fit(ws)
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    if weeks[0]["school_days"]:
        assert s.name in [r[1] for r in rows]
        assert all(r[7] == "逾期" for r in rows)
    assert AuditEvent.objects.filter(action="iep.below_minimum.exported").exists()


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_session_export_converts_with_libreoffice(user_client, tmp_path):
    """OV-3: the export opens in LibreOffice (headless conversion to PDF succeeds)."""
    resp = user_client("hc_s1_resource").get("/iep/sessions/export.xlsx")
    src = tmp_path / "sessions.xlsx"
    src.write_bytes(resp.content)
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([binary, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    assert (tmp_path / "sessions.pdf").stat().st_size > 1000
