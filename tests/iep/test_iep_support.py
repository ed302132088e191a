"""Term evaluation (IEP-6), peer support (IEP-7), aids issued (IEP-8), and the demo individual education."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from suiban.core.models import AuditEvent
from suiban.demo import world as demo
from suiban.iep import selectors
from suiban.iep.models import DIMENSIONS, Evaluation, Plan, Session, WeeklyHours
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

HC_S1, GD_S1 = "3502050101", "4401060101"
ALL = [{"dimension": code, "level": "good", "comment": f"{code}：对照调整后的目标，进步明显。"}
       for code, _l in DIMENSIONS]
EMPHASIS = {"social_adaptation": "能主动与同伴合作。", "compensation": "精细动作训练后握笔稳定。",
            "labour_skills": "能独立整理书包。"}


@pytest.fixture
def term_now(world):
    """A term of the current school year that has started (evaluations are dated inside it, not in the future)."""
    term = selectors.current_term()
    assert term is not None
    return term


def _evaluate(api_client, username, student, term, dimensions=ALL, expect=201, **extra):
    body = {"student_id": student.pk, "term_id": term.pk, "evaluated_on": str(timezone.localdate()),
            "evaluator_name": "李梅", "dimensions": dimensions, "emphasis": EMPHASIS, **extra}
    r = api_client(username).post("/api/v1/evaluations", body)
    assert r.status_code == expect, r.content
    return r.json()


# --- IEP-6 ----------------------------------------------------------------------------------------------
def test_term_evaluation_covers_the_seven_dimensions_against_the_adjusted_goals(api_client, new_student,
                                                                                plan_in_force, term_now):
    """IEP-6 (GD §29): a term evaluation has all seven dimensions (思想品德, 学业水平, 身心健康, 艺术素养, 社会实践,
    科学知识, 生活技能), each once with a level and a comment; it is tied to the student's plan in force (judged
    against the adjusted goals), once per student and term."""
    s = new_student()
    no_plan = _evaluate(api_client, "hc_s1_resource", s, term_now, expect=422)
    assert no_plan["errors"][0]["field"] == "student_id"
    plan = plan_in_force(s)
    missing = _evaluate(api_client, "hc_s1_resource", s, term_now, dimensions=ALL[:6], expect=422)
    assert [e["field"] for e in missing["errors"]] == ["dimensions"]
    twice = _evaluate(api_client, "hc_s1_resource", s, term_now, dimensions=ALL + ALL[:1], expect=422)
    assert twice["errors"][0]["field"] == "dimensions[7].dimension"
    no_comment = [dict(d, comment="") if d["dimension"] == "arts" else d for d in ALL]
    r = _evaluate(api_client, "hc_s1_resource", s, term_now, dimensions=no_comment, expect=422)
    assert r["errors"][0]["field"] == "dimensions[3].comment"
    bad_level = [dict(d, level="A+") if d["dimension"] == "moral" else d for d in ALL]
    assert api_client("hc_s1_resource").post("/api/v1/evaluations", {
        "student_id": s.pk, "term_id": term_now.pk, "evaluated_on": str(timezone.localdate()),
        "evaluator_name": "李梅", "dimensions": bad_level, "emphasis": EMPHASIS}).status_code == 422
    ev = _evaluate(api_client, "hc_s1_resource", s, term_now, summary="社会适应与劳动技能进步明显。")
    assert ev["plan_id"] == plan["id"] and len(ev["dimensions"]) == 7
    assert {d["dimension"] for d in ev["dimensions"]} == {code for code, _l in DIMENSIONS}
    again = _evaluate(api_client, "hc_s1_resource", s, term_now, expect=422)
    assert again["errors"][0]["field"] == "term_id"
    assert Evaluation.objects.filter(student=s).count() == 1
    assert AuditEvent.objects.filter(action="iep.evaluation.recorded", object_id=str(ev["id"])).exists()
    listed = api_client("hc_bureau").get(f"/api/v1/evaluations?student_id={s.pk}").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == ev["id"]
    assert api_client("gd_bureau").get(f"/api/v1/evaluations/{ev['id']}").status_code == 404
    assert api_client("hc_bureau").post("/api/v1/evaluations", {
        "student_id": s.pk, "term_id": term_now.pk, "evaluated_on": str(timezone.localdate()),
        "evaluator_name": "x", "dimensions": ALL, "emphasis": EMPHASIS}).status_code == 403


def test_term_evaluation_records_the_emphasis_gd_29_asks_for(api_client, new_student, plan_in_force, term_now):
    """IEP-6 (GD §29 "以社会适应、缺陷补偿与矫正、劳动技能为重点"): every term evaluation comments on social adaptation,
    compensation and correction, and labour skills; a missing one is refused by name and nothing is saved."""
    s = new_student()
    plan_in_force(s)
    partial = _evaluate(api_client, "hc_s1_resource", s, term_now, expect=422,
                        emphasis={"social_adaptation": "能主动与同伴合作。", "compensation": "", "labour_skills": ""})
    assert {e["field"] for e in partial["errors"]} == {"emphasis.compensation", "emphasis.labour_skills"}
    assert not Evaluation.objects.filter(student=s).exists()
    ev = _evaluate(api_client, "hc_s1_resource", s, term_now)
    assert ev["emphasis"] == EMPHASIS
    stored = Evaluation.objects.get(pk=ev["id"])
    assert (stored.social_adaptation, stored.compensation, stored.labour_skills) == tuple(EMPHASIS.values())


# --- IEP-7 ----------------------------------------------------------------------------------------------
def test_peer_support_one_to_one_or_many_to_one_with_a_period(api_client, new_student, world):
    """IEP-7 (GD §23): classmates support a student one to one (exactly one) or many to one (two or more), for a
    period; a classmate on the register is another student of the same school."""
    s, mate = new_student(), new_student()
    c = api_client("hc_s1_resource")
    start = timezone.localdate() - timedelta(days=30)
    body = {"student_id": s.pk, "mode": "one_to_one", "starts_on": str(start)}
    r = c.post("/api/v1/peer-support", {**body, "peers": [{"name": "林小雨"}, {"name": "王乐"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "peers"
    r = c.post("/api/v1/peer-support", {**body, "mode": "many_to_one", "peers": [{"name": "林小雨"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "peers"
    r = c.post("/api/v1/peer-support", {**body, "peers": [{"name": "林小雨"}], "ends_on": str(start - timedelta(1))})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ends_on"
    r = c.post("/api/v1/peer-support", {**body, "peers": [{"student_id": s.pk}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "peers[0].student_id"
    one = c.post("/api/v1/peer-support", {**body, "peers": [{"student_id": mate.pk}], "notes": "同桌"})
    assert one.status_code == 201, one.content
    assert one.json()["peers"] == [{"name": mate.name, "student_id": mate.pk}]
    many = c.post("/api/v1/peer-support", {**body, "mode": "many_to_one",
                                           "peers": [{"name": "林小雨"}, {"name": "王乐"}, {"name": "郑浩"}],
                                           "ends_on": str(start + timedelta(days=90))})
    assert many.status_code == 201 and len(many.json()["peers"]) == 3
    listed = api_client("hc_s1_leader").get(f"/api/v1/peer-support?student_id={s.pk}").json()
    assert listed["count"] == 2
    assert AuditEvent.objects.filter(action="iep.peer_support.created").count() >= 2


# --- IEP-8 ----------------------------------------------------------------------------------------------
def test_aids_issued_to_a_student_are_recorded_and_returned(api_client, new_student):
    """IEP-8 (GD §24–25, A4.6): teaching aids, learning tools and assistive devices issued to a student, with the
    issue and return dates."""
    s = new_student()
    c = api_client("hc_s1_resource")
    issued = timezone.localdate() - timedelta(days=10)
    r = c.post("/api/v1/aids", {"student_id": s.pk, "item": "助听器", "kind": "hearing_aid", "issued_on": str(issued)})
    assert r.status_code == 422  # not one of teaching_aid / learning_tool / assistive_device
    r = c.post("/api/v1/aids", {"student_id": s.pk, "item": "便携式助视器", "kind": "assistive_device",
                                "issued_on": str(issued), "notes": "学期末归还"})
    assert r.status_code == 201, r.content
    aid = r.json()
    assert aid["returned_on"] is None and aid["version"] == 1
    c.post("/api/v1/aids", {"student_id": s.pk, "item": "大字课本", "kind": "learning_tool", "issued_on": str(issued)})
    assert api_client("hc_bureau").get(f"/api/v1/aids?student_id={s.pk}&outstanding=true").json()["count"] == 2
    r = c.post(f"/api/v1/aids/{aid['id']}/return", {"returned_on": str(issued - timedelta(days=1))})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "returned_on"
    r = c.post(f"/api/v1/aids/{aid['id']}/return", {"returned_on": str(timezone.localdate()), "version": 1})
    assert r.status_code == 200 and r.json()["returned_on"] == str(timezone.localdate())
    r = c.post(f"/api/v1/aids/{aid['id']}/return", {"returned_on": str(timezone.localdate())})
    assert r.status_code == 422 and r.json()["code"] == "invalid_transition"
    assert api_client("hc_bureau").get(f"/api/v1/aids?student_id={s.pk}&outstanding=true").json()["count"] == 1
    assert api_client("hc_bureau").post(f"/api/v1/aids/{aid['id']}/return",
                                        {"returned_on": str(timezone.localdate())}).status_code == 403
    assert api_client("gd_bureau").get(f"/api/v1/aids?student_id={s.pk}").json()["count"] == 0


# --- the demo -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("school_code", [HC_S1, GD_S1])
def test_demo_first_schools_have_plans_reviews_and_sessions(world, school_code):
    """API.md demo world, IEP-1..IEP-5: the first school's students in inclusion have plans (in force with goals,
    one draft, one missing), reviews, and sessions in the current term so far — some weeks met, some not."""
    school = world.schools[school_code]
    students = Student.objects.filter(school=school, placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES)
    year = world.years[demo.current_start_year()]
    plans = Plan.objects.filter(student__in=students, school_year=year)
    assert plans.filter(state="in_force").count() >= 3
    assert plans.filter(state="draft").count() == 1
    assert plans.count() == students.count() - 1
    assert not plans.filter(state="in_force", goals__isnull=True).exists()
    f = selectors.findings(school)
    assert len(f.missing_plans) == 1 and len(f.not_in_force) == 1
    term = selectors.current_term()
    if term.start_date + timedelta(days=7) <= timezone.localdate():
        assert Session.objects.filter(school=school, date__gte=term.start_date).exists()
        weeks = WeeklyHours.objects.filter(student__in=students, week_start__gte=term.start_date
                                           - timedelta(days=6))
        assert weeks.filter(delivered_hours__gte=3).exists() and weeks.filter(delivered_hours__lt=3).exists()
        assert Session.objects.filter(school=school, is_group=True).exists()
        assert Session.objects.filter(school=school, corrections__isnull=False).exists()


def test_demo_has_term_evaluations_and_a_group_session_with_an_absentee(world):
    """API.md demo world, IEP-5/IEP-6: two students of 海沧区沧江小学 have this term's evaluation on all seven
    dimensions, and one group session records a student absent (not counted for that student)."""
    school = world.schools["3502050101"]
    term = selectors.current_term()
    evaluations = Evaluation.objects.filter(school=school, term=term).prefetch_related("scores")
    assert evaluations.count() == 2
    for ev in evaluations:
        assert sorted(x.dimension for x in ev.scores.all()) == sorted(code for code, _label in DIMENSIONS)
    group = Session.objects.get(school=school, client_ref="demo-svc-absent")
    assert group.is_group and group.attendances.filter(absent=True).count() == 1


def test_demo_guardian_child_has_a_plan_in_force(world):
    """API.md: hc_parent's child has a plan in force the guardian can open and answer."""
    child = world.students["hc_parent_child"]
    assert Plan.objects.filter(student=child, state="in_force").exists()


def test_demo_step_is_idempotent_and_fast(world):
    """The demo step does nothing the second time, quickly (the world fixture reloads it before every test)."""
    from suiban.demo.iep import individual_education

    counts = (Plan.objects.count(), Session.objects.count(), WeeklyHours.objects.count())
    started = time.monotonic()
    individual_education(world)
    assert time.monotonic() - started < 2
    assert (Plan.objects.count(), Session.objects.count(), WeeklyHours.objects.count()) == counts
