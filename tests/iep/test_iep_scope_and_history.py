"""Scope and history rules of individual education found in review: corrections of group sessions by a class
teacher (IEP-5 with ORG-4), the guardian's view (plan in force only), the amendment history (IEP-2 (4), IEP-3),
review dates (IEP-3), goal codes, the term parameter of weekly hours (IEP-5) and audited exports (IEP-9, SEC-3)."""

from datetime import timedelta

from django.utils import timezone
from iep_helpers import full_weeks

from suiban.core.models import AuditEvent
from suiban.demo import world as demo
from suiban.iep import selectors, services
from suiban.iep.models import Plan, PlanEvent, SessionCorrection, WeeklyHours
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

HC_S1 = "3502050101"


def _own_class_student(world) -> Student:
    own_class = world.classes[(HC_S1, demo.class_name(3, 1))]
    return Student.objects.filter(school_class=own_class, placement__in=INCLUSION_PLACEMENTS,
                                  status__in=ACTIVE_STATUSES).order_by("pk").first()


# --- IEP-5 with ORG-4: who corrects a group session ------------------------------------------------------------
def test_class_teacher_cannot_correct_a_group_session_with_a_child_of_another_class(api_client, user_client, world,
                                                                                   new_student, past_term):
    """IEP-5, ORG-4: a correction changes the record of every student in the session, so a class teacher may not
    correct (nor cancel) a group session that includes a child of another class — API 403, page 403, nothing
    changes; the resource teacher of the school may."""
    mine, other = _own_class_student(world), new_student()
    monday = full_weeks(past_term)[4]
    r = api_client("hc_s1_resource").post("/api/v1/sessions", {
        "student_ids": [mine.pk, other.pk], "date": str(monday), "hours": 1, "kind": "individual_tutoring",
        "teacher_name": "李梅"})
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    before = WeeklyHours.objects.get(student=other, week_start=monday).delivered_hours
    for body in ({"reason": "改课时", "hours": 4}, {"reason": "取消", "outcome": "cancelled", "cancel_reason": "x"}):
        r = api_client("hc_s1_class").post(f"/api/v1/sessions/{sid}/corrections", body)
        assert r.status_code == 403, r.content
    page = user_client("hc_s1_class").get(f"/iep/sessions/{sid}/correct/")
    assert page.status_code == 200 and 'id="sb-correct-form"' not in page.content.decode()  # read-only
    r = user_client("hc_s1_class").post(f"/iep/sessions/{sid}/correct/", {
        "date": monday, "hours": "4", "kind": "individual_tutoring", "teacher_name": "李梅", "outcome": "delivered",
        "reason": "改课时"})
    assert r.status_code == 403
    assert not SessionCorrection.objects.filter(session_id=sid).exists()
    assert WeeklyHours.objects.get(student=other, week_start=monday).delivered_hours == before
    r = api_client("hc_s1_resource").post(f"/api/v1/sessions/{sid}/corrections", {"reason": "改课时", "hours": 2})
    assert r.status_code == 201, r.content


def test_class_teacher_corrects_a_session_of_their_own_class(api_client, world, past_term):
    """IEP-5, ORG-4: the class teacher corrects the sessions of their own class's children."""
    mine = _own_class_student(world)
    day = full_weeks(past_term)[5]
    r = api_client("hc_s1_class").post("/api/v1/sessions", {"student_ids": [mine.pk], "date": str(day), "hours": 1,
                                                            "kind": "individual_tutoring", "teacher_name": "张悦"})
    assert r.status_code == 201, r.content
    r = api_client("hc_s1_class").post(f"/api/v1/sessions/{r.json()['id']}/corrections",
                                       {"reason": "实为 1.5 课时", "hours": 1.5})
    assert r.status_code == 201, r.content


# --- the guardian: the own child's plan in force only ----------------------------------------------------------
def test_guardian_sees_the_plan_in_force_but_not_sessions_evaluations_or_weekly_hours(api_client, user_client, world):
    """Issue 4 (guardian: own child's plan in force only): hc_parent reads and answers the child's plan in force,
    but the sessions, weekly hours, evaluations, peer support and aids are not theirs to read (403 for the
    lists, 404 for the child's weekly hours); the plan's timeline leaves out the reviewers' working comments."""
    child = world.students["hc_parent_child"]
    plan = Plan.objects.get(student=child, state="in_force")
    parent = api_client("hc_parent")
    assert parent.get(f"/api/v1/ieps/{plan.pk}").status_code == 200
    for url in ("/api/v1/sessions", "/api/v1/evaluations", "/api/v1/peer-support", "/api/v1/aids",
                "/api/v1/sessions/below-minimum", "/api/v1/terms"):
        assert parent.get(url).status_code == 403, url
    assert parent.get(f"/api/v1/students/{child.pk}/weekly-hours").status_code == 403
    assert api_client("hc_s1_resource").get(f"/api/v1/students/{child.pk}/weekly-hours").status_code == 200
    page = user_client("hc_parent")
    assert page.get(f"/iep/students/{child.pk}/weekly/").status_code == 403
    assert page.get("/iep/sessions/").status_code == 403
    html = page.get(f"/iep/{plan.pk}/").content.decode()
    assert "/iep/sessions/" not in html and f"/iep/students/{child.pk}/weekly/" not in html


def test_guardian_timeline_leaves_out_reviewers_comments(api_client, new_student, world, plan_in_force):
    """The itinerant teacher's comment on a plan in review is a working note of the school and the centre: the
    staff see it on the timeline, the guardian does not."""
    p = Plan.objects.get(pk=plan_in_force(new_student())["id"])
    PlanEvent.objects.create(plan=p, kind="comment", from_state="in_review", to_state="in_review",
                                      note="建议增加同伴互助")
    staff = services.events_for(world.users["hc_s1_resource"], p)
    guardian = services.events_for(world.users["hc_parent"], p)
    assert any(e.kind == "comment" for e in staff) and not any(e.kind == "comment" for e in guardian)
    assert any(e.to_state == "in_force" for e in guardian)


# --- IEP-2 (4), IEP-3: the amendment history ---------------------------------------------------------------------
def test_amendment_history_lists_each_amendment_with_what_it_changed(api_client, new_student, plan_in_force):
    """IEP-2 (4), IEP-3: GET /ieps/{id}/amendments lists every amendment (revision, reason, who, when) with its
    changes against the revision before; reading it (and a version) is audited, as the snapshots hold the
    baseline (SEC-3)."""
    p = plan_in_force(new_student())
    c = api_client("hc_s1_resource")
    assert c.get(f"/api/v1/ieps/{p['id']}/amendments").json() == {"count": 0, "items": []}
    r = c.post(f"/api/v1/ieps/{p['id']}/amendments", {"reason": "期中评估后调整支持需求",
                                                       "support_needs": "增加课堂同伴互助"})
    assert r.status_code == 201, r.content
    got = c.get(f"/api/v1/ieps/{p['id']}/amendments").json()
    assert got["count"] == 1
    item = got["items"][0]
    assert item["revision"] == 2 and item["reason"] == "期中评估后调整支持需求"
    assert item["created_by"] == "hc_s1_resource"
    assert item["current"] is True
    assert {"path": "plan.support_needs", "from": p["support_needs"], "to": "增加课堂同伴互助"} in item["changes"]
    assert AuditEvent.objects.filter(action="iep.plan.versions_viewed", object_id=str(p["id"])).exists()
    assert api_client("gd_bureau").get(f"/api/v1/ieps/{p['id']}/amendments").status_code == 404


# --- IEP-3: review dates ------------------------------------------------------------------------------------
def test_review_date_lies_between_putting_in_force_and_the_plan_end(api_client, new_student, plan_in_force):
    """IEP-3: a review reviews the plan in force — dated neither before it was put in force nor after it ends;
    otherwise 422 on review_date and nothing is written."""
    p = plan_in_force(new_student())
    short_id = p["goals"][0]["short_term"][0]["id"]
    plan = Plan.objects.get(pk=p["id"])
    c = api_client("hc_s1_resource")
    body = {"evidence": "观察记录", "attainments": [{"goal_id": short_id, "attained": "partly"}]}
    Plan.objects.filter(pk=plan.pk).update(in_force_on=timezone.localdate())
    r = c.post(f"/api/v1/ieps/{p['id']}/reviews", {**body, "review_date": str(timezone.localdate()
                                                                             - timedelta(days=1))})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "review_date"
    Plan.objects.filter(pk=plan.pk).update(end_date=timezone.localdate() - timedelta(days=1),
                                           in_force_on=plan.start_date)
    r = c.post(f"/api/v1/ieps/{p['id']}/reviews", {**body, "review_date": str(timezone.localdate())})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "review_date"
    assert not plan.reviews.exists()


# --- goal codes stay unique ------------------------------------------------------------------------------------
def test_goal_added_after_a_deletion_gets_the_next_code(api_client, new_student, year):
    """IEP-3: goals are coded "1", "2", "1.1" …; a goal added after another was deleted from a draft takes the
    next position, so two goals never share a code (in the plan page and the Word document)."""
    c = api_client("hc_s1_resource")
    p = c.post("/api/v1/ieps", {"student_id": new_student().pk, "school_year": year.name}).json()
    ids = []
    for text in ("甲", "乙"):
        r = c.post(f"/api/v1/ieps/{p['id']}/goals", {"domain": "daily_living", "target_behaviour": text})
        assert r.status_code == 201, r.content
        ids.append(r.json()["id"])
    assert c.delete(f"/api/v1/ieps/{p['id']}/goals/{ids[0]}").status_code == 204
    r = c.post(f"/api/v1/ieps/{p['id']}/goals", {"domain": "daily_living", "target_behaviour": "丙"})
    assert r.status_code == 201, r.content
    goals = c.get(f"/api/v1/ieps/{p['id']}/goals").json()["items"]
    codes = [g["code"] for g in goals]
    assert len(codes) == len(set(codes)) == 2


# --- IEP-5: the term of weekly hours -----------------------------------------------------------------------------
def test_weekly_hours_term_by_id_or_code_and_the_terms_list(api_client, new_student, past_term):
    """IEP-5: ?term= takes the term's id or its code "2025-2026-2"; /api/v1/terms lists the terms with both; an
    unknown term is 422 on ``term``."""
    s = new_student()
    c = api_client("hc_s1_resource")
    code = selectors.term_code(past_term)
    terms = c.get("/api/v1/terms").json()
    assert {"id": past_term.pk, "code": code} in [{"id": t["id"], "code": t["code"]} for t in terms]
    assert sum(t["current"] for t in terms) == 1
    by_id = c.get(f"/api/v1/students/{s.pk}/weekly-hours?term={past_term.pk}").json()
    by_code = c.get(f"/api/v1/students/{s.pk}/weekly-hours?term={code}").json()
    assert by_id == by_code and by_id[0]["week_start"] <= str(full_weeks(past_term)[0])
    for bad in ("1999-2000-1", "2025-2027-1", "x"):
        r = c.get(f"/api/v1/students/{s.pk}/weekly-hours?term={bad}")
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "term", bad


# --- IEP-9 with SEC-3: the document is an export ------------------------------------------------------------------
def test_word_document_and_print_view_are_audited_as_exports(user_client, world):
    """IEP-9, SEC-3: downloading the Word document or opening the print view of a plan writes an
    iep.plan.exported audit row with the format."""
    p = Plan.objects.filter(school__code=HC_S1, state="in_force").order_by("pk").first()
    c = user_client("hc_s1_resource")
    for url, fmt in ((f"/iep/{p.pk}/document.docx", "docx"), (f"/iep/{p.pk}/print/", "print")):
        assert c.get(url).status_code == 200
        assert AuditEvent.objects.filter(action="iep.plan.exported", object_id=str(p.pk),
                                         changes__format=[None, fmt]).exists()


def test_below_minimum_takes_any_day_of_the_week(api_client, past_term):
    """IEP-5: the below-minimum list's ``week`` may be any day of the week; the answer names its Monday."""
    monday = full_weeks(past_term)[1]
    r = api_client("hc_bureau").get(f"/api/v1/sessions/below-minimum?week={monday + timedelta(days=4)}")
    assert r.status_code == 200 and r.json()["week_start"] == str(monday)


# --- IEP-1: the plan follows the student ---------------------------------------------------------------------
def test_plan_in_force_moves_with_a_student_who_changes_school(api_client, world, new_student, plan_in_force):
    """IEP-1 (一人一案): when a student changes school (here an edit by the bureau; a transfer taking effect goes
    through the same service) the open plan of the school year goes along: the receiving school's leader sees
    and may carry it on, the school left no longer sees it; the move is audited."""
    from suiban.org.models import School
    from suiban.students import services as student_services

    s = new_student()
    p = plan_in_force(s)
    s.refresh_from_db()
    target = School.objects.get(code="3502050102")
    student_services.student_update(actor=world.users["hc_bureau"], student=s, version=s.version, school=target,
                                    school_class=None, committee_opinion="转学")
    plan = Plan.objects.get(pk=p["id"])
    assert plan.school_id == target.pk and plan.region_path == target.region_path and plan.state == "in_force"
    assert api_client("hc_s2_leader").get(f"/api/v1/ieps/{plan.pk}").status_code == 200
    assert api_client("hc_s1_resource").get(f"/api/v1/ieps/{plan.pk}").status_code == 404
    assert AuditEvent.objects.filter(action="iep.plan.moved", object_id=str(plan.pk)).exists()
