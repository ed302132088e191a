"""API of home-delivered education (API.md): enrolments, visits, corrections, progress, the district list behind
pace, workload and the HC 附件5 document (HB-1..HB-7)."""

import io
import shutil
import subprocess
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hb_helpers import CONFIRMED, HC_S1

from suiban.funds.models import LedgerEntry
from suiban.homebound import selectors, visits
from suiban.homebound.models import Enrolment, VisitWeek


def _day(year, weekday=1, week=1):
    start = year.start_date - timedelta(days=year.start_date.weekday())
    return start + timedelta(days=7 * week + weekday)


def test_enrolment_create_activate_and_not_eligible(api_client, year, pool, homebound_student):
    """HB-1: POST opens a draft with the API.md fields; PATCH state=active without the confirmations → 422
    not_eligible naming each criterion; with them → active."""
    s = homebound_student()
    c = api_client("hc_s1_leader")
    r = c.post("/api/v1/homebound/enrolments", {
        "student_id": s.pk, "school_year": year.name, "teacher_ids": pool[:2], "place": "家中",
        "curriculum": {"teaching": "生活语文", "rehabilitation": "动作训练", "rehab_provider": "康复中心",
                       "rehab_areas": ["motor"]}})
    assert r.status_code == 201, r.content
    body = r.json()
    assert {"id", "version", "student_id", "school_id", "school_year", "state", "teacher_ids", "eligibility",
            "curriculum"} <= set(body)
    assert body["state"] == "draft" and body["teacher_ids"] == pool[:2] and body["school_year"] == year.name
    assert body["curriculum"]["rehab_provider"] == "康复中心"
    assert set(body["eligibility"]) == {"hukou_in_district", "certified", "cannot_attend_school", "able_to_learn",
                                        "age", "severe_disability"}
    r = c.patch(f"/api/v1/homebound/enrolments/{body['id']}", {"version": body["version"], "state": "active"})
    assert r.status_code == 422 and r.json()["code"] == "not_eligible"
    assert {e["field"] for e in r.json()["errors"]} == {"eligibility.cannot_attend_school",
                                                         "eligibility.able_to_learn"}
    r = c.patch(f"/api/v1/homebound/enrolments/{body['id']}", {"version": body["version"], "eligibility": CONFIRMED})
    assert r.status_code == 200, r.content
    r = c.patch(f"/api/v1/homebound/enrolments/{body['id']}", {"version": r.json()["version"], "state": "active"})
    assert r.status_code == 200 and r.json()["state"] == "active"
    r = c.patch(f"/api/v1/homebound/enrolments/{body['id']}", {"version": 1, "place": "新家"})
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"


def test_visit_api_codes_and_client_ref(api_client, year, pool, active_enrolment):
    """HB-4/HB-7: too_few_teachers and teacher_not_in_pool as problem codes; a retried POST with the same
    client_ref answers the first visit: one visit and one ledger entry; subsidy as a decimal string."""
    e = active_enrolment()
    c = api_client("hc_s1_resource")
    base = {"enrolment_id": e.pk, "date": _day(year).isoformat(), "start_time": "09:00", "end_time": "12:00",
            "notes": "认识颜色", "client_ref": "abc-1"}
    r = c.post("/api/v1/homebound/visits", {**base, "teacher_ids": pool[:1]})
    assert r.status_code == 422 and r.json()["code"] == "too_few_teachers"
    r = c.post("/api/v1/homebound/visits", {**base, "teacher_ids": [pool[0], 999999]})
    assert r.status_code == 422 and r.json()["code"] == "teacher_not_in_pool"
    r1 = c.post("/api/v1/homebound/visits", {**base, "teacher_ids": pool[:2]})
    r2 = c.post("/api/v1/homebound/visits", {**base, "teacher_ids": pool[:2]})
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["id"] == r2.json()["id"] and r1.json()["subsidy"] == "120.00"
    assert r1.json()["hours"] == 3.0 and r1.json()["client_ref"] == "abc-1"
    assert LedgerEntry.objects.filter(origin_ref__startswith=f"visit:{r1.json()['id']}:").count() == 1
    vid = r1.json()["id"]
    r = c.post(f"/api/v1/homebound/visits/{vid}/corrections", {"reason": "时间记错", "version": 1,
                                                                "end_time": "11:00"})
    assert r.status_code == 201 and r.json()["short"] and r.json()["corrections"][0]["before"]["end_time"] == "12:00:00"
    r = c.get(f"/api/v1/homebound/visits?enrolment_id={e.pk}")
    assert r.json()["count"] == 1


def test_guardian_sees_visits_and_hours_but_not_subsidies(api_client, world, year, pool, active_enrolment):
    """HB-6/HB-7: the guardian reads the own child's visits and progress; the subsidy is not shown; another
    child's visit is 404."""
    from suiban.accounts.models import RoleAssignment, User

    e = active_enrolment()
    v = visits.visit_record(actor=world.users["hc_s1_resource"], enrolment=e, date=_day(year), teacher_ids=pool[:2],
                            start_time=time(9), end_time=time(12))
    other = active_enrolment()
    w = visits.visit_record(actor=world.users["hc_s1_resource"], enrolment=other, date=_day(year),
                            teacher_ids=pool[:2], start_time=time(9), end_time=time(12))
    parent = User.objects.create_user(username="hb_parent", password="x-Long-pass-2026",
                                      password_changed_at=timezone.now())
    RoleAssignment.objects.create(user=parent, role="guardian", student=e.student, school=e.school)
    from django.test import Client

    c = Client()
    c.force_login(parent)
    r = c.get(f"/api/v1/homebound/visits/{v.pk}")
    assert r.status_code == 200 and r.json()["subsidy"] is None
    assert c.get(f"/api/v1/homebound/enrolments/{e.pk}/progress").json()["hours_year"] == 3.0
    assert c.get(f"/api/v1/homebound/visits/{w.pk}").status_code == 404
    assert c.get("/api/v1/homebound/workload").status_code == 403


def test_progress_against_the_three_minimums(api_client, world, year, pool, active_enrolment):
    """HB-4: hours this year against 240, visits this week against 2, forecast and on_pace as an early warning,
    weeks with met, hours owed against delivered with the missing hours split by reason."""
    e = active_enrolment()
    rec = world.users["hc_s1_resource"]
    visits.visit_record(actor=rec, enrolment=e, date=_day(year, 1), teacher_ids=pool[:2], start_time=time(9),
                        end_time=time(12))
    visits.visit_record(actor=rec, enrolment=e, date=_day(year, 3), teacher_ids=pool[:2], start_time=time(9),
                        end_time=time(12))
    visits.visit_record(actor=rec, enrolment=e, date=_day(year, 1, 2), teacher_ids=pool[:2], status="missed",
                        reason="child_ill", family_informed=True)
    r = api_client("hc_bureau").get(f"/api/v1/homebound/enrolments/{e.pk}/progress")
    assert r.status_code == 200, r.content
    p = r.json()
    assert {"hours_year", "required_year", "visits_this_week", "required_visits_week", "on_pace",
            "forecast_year_hours", "weeks"} <= set(p)
    assert p["hours_year"] == 6.0 and p["required_year"] == 240.0
    assert p["on_pace"] is False and p["forecast_year_hours"] < 240
    week = next(w for w in p["weeks"] if w["week_start"] == visits.week_start(_day(year)).isoformat())
    assert (week["visits"], week["hours"], week["met"]) == (2, 6.0, True)
    assert p["missing_hours"]["child_ill"] == 3.0
    assert p["hours_owed"] > p["hours_delivered_term_weeks"]


def test_demo_has_one_student_on_pace_and_one_behind(api_client, world):
    """HB-4 (API.md demo): two homebound students of the first 海沧区 school with active enrolments, one on pace,
    one behind; the district list shows the one behind with school and teachers."""
    es = list(Enrolment.objects.filter(school__code=HC_S1, state="active", visits__client_ref__startswith="demo-")
              .distinct())
    assert len(es) == 2
    paces = sorted(selectors.progress(e)["on_pace"] for e in es)
    assert paces == [False, True]
    r = api_client("hc_bureau").get("/api/v1/homebound/behind-pace")
    assert r.status_code == 200
    behind = [i for i in r.json()["items"] if i["enrolment_id"] in {e.pk for e in es}]
    assert len(behind) == 1 and behind[0]["school_name"] and behind[0]["teachers"]
    assert LedgerEntry.objects.filter(origin="homebound_subsidy", school__code=HC_S1).exists()


def test_behind_pace_list_is_one_query_per_page(world, year, pool, active_enrolment):
    """HB-4: the district list reads the enrolments' year figures: the page is one query whatever its size."""
    for _ in range(3):
        active_enrolment()
    qs, _share = selectors.behind_pace(world.users["hc_bureau"], year)
    with CaptureQueriesContext(connection) as ctx:
        rows = [(e.student.name, e.school.name, e.teacher_names) for e in qs[:50]]
    assert len(rows) >= 3 and len(ctx.captured_queries) == 1


def test_out_of_scope_is_404(api_client, active_enrolment):
    """HB-1: another district's bureau does not see the enrolment (404)."""
    e = active_enrolment()
    assert api_client("gd_bureau").get(f"/api/v1/homebound/enrolments/{e.pk}").status_code == 404
    assert api_client("hc_s2_leader").get(f"/api/v1/homebound/enrolments/{e.pk}/progress").status_code == 404


def test_workload_per_teacher_month_and_term(api_client, world, year, pool, active_enrolment):
    """HB-7: per teacher, visits and hours per month and term; disowned visits no longer count; .xlsx export."""
    e = active_enrolment()
    rec = world.users["hc_s1_resource"]
    v = visits.visit_record(actor=rec, enrolment=e, date=_day(year), teacher_ids=pool[:3], start_time=time(9),
                            end_time=time(12))
    load = selectors.teacher_workload(pool[:3], year)
    month = f"{v.date:%Y-%m}"
    assert load[pool[2]]["months"][month]["visits"] >= 1
    visits.visit_disown(actor=rec, visit=v, reason="没去")
    after = selectors.teacher_workload(pool[:3], year)
    assert after[pool[0]]["visits"] == load[pool[0]]["visits"] - 1
    r = api_client("hc_s1_leader").get("/api/v1/homebound/workload.xlsx")
    assert r.status_code == 200
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(r.content))
    assert wb.active["A2"].value == "教师"


def test_visit_record_docx_in_the_layout_of_attachment_5(api_client, world, year, pool, active_enrolment, tmp_path):
    """HB-6: the visit record downloads as HC 附件5 (time, place, student, teachers, 送教小记); a term's visits as
    one document; it opens with python-docx and converts with LibreOffice when installed."""
    from docx import Document

    e = active_enrolment()
    v = visits.visit_record(actor=world.users["hc_s1_resource"], enrolment=e, date=_day(year), teacher_ids=pool[:2],
                            start_time=time(9), end_time=time(12), notes="练习握笔", place="学生家中")
    r = api_client("hc_s1_leader").get(f"/api/v1/homebound/visits/{v.pk}/record.docx")
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    assert "送教上门工作记录表" in doc.paragraphs[0].text
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    for label in ("时间", "地点", "送教对象", "送教教师", "送教小记"):
        assert label in cells
    assert any("练习握笔" in c for c in cells) and "学生家中" in cells
    r = api_client("hc_s1_leader").get(f"/api/v1/homebound/visits/record.docx?enrolment_id={e.pk}&term=1")
    assert r.status_code == 200 and len(Document(io.BytesIO(r.content)).tables) == 1
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        pytest.skip("LibreOffice is not installed")
    path = tmp_path / "record.docx"
    path.write_bytes(r.content)
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, timeout=180, capture_output=True)
    assert (tmp_path / "record.pdf").stat().st_size > 0


def _writes(ctx):
    """The captured queries without the savepoints of the test's enclosing transaction."""
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_recording_a_visit_runs_a_fixed_number_of_queries(api_client, world, year, pool, active_enrolment):
    """HB-4/HB-7: recording a visit with its subsidy posting, its week's summary and the year figures runs at most
    12 queries in the service (enrolment lock with scope, state and year figures in one UPDATE; teachers and pool
    in one query; the visit; its teachers in one insert; the ledger's lock, closed periods, budget totals, entry
    and audit; the visit's link to its entry; the week's upsert; the audit) and at most 15 over the API (token,
    enrolment, plan versions) — however many visits the enrolment has, whether its week exists or not — and
    the summaries it keeps equal a recount."""
    e = active_enrolment()
    for week in (1, 2, 3):
        _record(world, e, _day(year, 1, week), pool[:2])
    read = Enrolment.objects.select_related("school__region", "school_year", "student").prefetch_related(
        "plan_versions")
    for day in (_day(year, 3, 3), _day(year, 1, 4)):  # a week with a visit, a week without
        e = read.get(pk=e.pk)
        with CaptureQueriesContext(connection) as ctx:
            _record(world, e, day, pool[:2])
        assert len(_writes(ctx)) <= 12, "\n".join(_writes(ctx))
    c = api_client("hc_s1_resource")
    with CaptureQueriesContext(connection) as ctx:
        r = c.post("/api/v1/homebound/visits", {"enrolment_id": e.pk, "date": _day(year, 3, 4).isoformat(),
                                                "start_time": "09:00", "end_time": "12:00", "teacher_ids": pool[:2]})
    assert r.status_code == 201, r.content
    assert len(_writes(ctx)) <= 15, "\n".join(_writes(ctx))
    body = r.json()
    assert body["subsidy"] == "120.00" and [t["id"] for t in body["teachers"]] == pool[:2]
    assert body["teachers"][0]["confirmed"] and not body["teachers"][1]["confirmed"]
    assert body["attachments"] == [] and body["corrections"] == []
    weeks = {w.week_start: w for w in VisitWeek.objects.filter(enrolment=e)}
    e.refresh_from_db()
    kept = ({k: (w.visits, w.hours, w.short_visits, w.missed_visits, w.required_visits, w.met)
             for k, w in weeks.items()}, e.visits_delivered, e.hours_delivered)
    visits.refresh_enrolment(e)
    weeks = {w.week_start: w for w in VisitWeek.objects.filter(enrolment=e)}
    e.refresh_from_db()
    assert kept == ({k: (w.visits, w.hours, w.short_visits, w.missed_visits, w.required_visits, w.met)
                     for k, w in weeks.items()}, e.visits_delivered, e.hours_delivered)
    assert weeks[visits.week_start(_day(year, 1, 4))].met and e.visits_delivered == 6


def _record(world, e, day, teachers, user="hc_s1_resource"):
    return visits.visit_record(actor=world.users[user], enrolment=e, date=day, teacher_ids=teachers,
                               start_time=time(9, 0), end_time=time(12, 0))


def test_behind_pace_endpoint_runs_four_queries(api_client, world, year, pool, active_enrolment):
    """HB-4: the district list behind pace over the API: the token, the pace (one enrolment by primary key, with
    its school year and school), the count and the page — the current school year is a subquery of these, not a
    query of its own; the answer lists the students behind."""
    for _ in range(3):
        active_enrolment()
    c = api_client("hc_bureau")
    c.get("/api/v1/homebound/behind-pace")
    with CaptureQueriesContext(connection) as ctx:
        r = c.get("/api/v1/homebound/behind-pace?page=1&page_size=50")
    assert r.status_code == 200, r.content
    assert len(ctx.captured_queries) <= 4, "\n".join(q["sql"] for q in ctx.captured_queries)
    body = r.json()
    qs, share = selectors.behind_pace(world.users["hc_bureau"], year)
    assert body["count"] == qs.count() >= 3 and body["share_of_year_passed"] == float(share)


def test_behind_pace_without_enrolments_in_scope_is_one_look_up(api_client, world, year, pool, active_enrolment):
    """HB-4: a school with no enrolment this year answers an empty list behind pace after one look-up (the token and
    the first enrolment), no count or page query; a school with some still lists them by the year the look-up
    found."""
    from suiban.org.models import School

    e = active_enrolment()
    other = School.objects.exclude(pk=e.school_id).filter(region_path=e.region_path).first()
    c = api_client("hc_bureau")
    c.get("/api/v1/homebound/behind-pace")
    with CaptureQueriesContext(connection) as ctx:
        r = c.get(f"/api/v1/homebound/behind-pace?school_id={other.pk}")
    assert r.status_code == 200 and r.json()["count"] == 0 and r.json()["items"] == []
    assert len(ctx.captured_queries) <= 2, "\n".join(q["sql"] for q in ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        body = c.get(f"/api/v1/homebound/behind-pace?school_id={e.school_id}").json()
    assert e.pk in {i["enrolment_id"] for i in body["items"]} and body["count"] == len(body["items"])
    page = ctx.captured_queries[-1]
    assert "SELECT" not in page["sql"].upper().split("FROM", 1)[1]  # the year by its id, no subquery
    assert str(e.school_year_id) in page["sql"]
    # a page that is not full tells the count: no count query
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
