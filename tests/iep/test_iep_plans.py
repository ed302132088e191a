"""Individual education plans (IEP-1, IEP-2, IEP-3): one plan per student per school year, the baseline,
team meeting and measurable goals, the review workflow by role, amendments with kept versions, reviews and
progress, the guardian's view and answer, the findings of a school and the scope rules (ORG-4)."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from iep_helpers import complete_payload, force_plan, goal_tree

from suiban.core.models import AuditEvent
from suiban.demo import world as demo
from suiban.iep import selectors, services
from suiban.iep.models import Plan, PlanVersion
from suiban.policy.resolve import resolve_all
from suiban.students.models import Student

HC_S1, HC_S2 = "3502050101", "3502050102"


def _create(api_client, username, payload, expect=201):
    r = api_client(username).post("/api/v1/ieps", payload)
    assert r.status_code == expect, r.content
    return r.json()


def _go(api_client, username, plan_id, to, note="", expect=200):
    r = api_client(username).post(f"/api/v1/ieps/{plan_id}/transitions", {"to": to, "note": note})
    assert r.status_code == expect, (username, to, r.status_code, r.content)
    return r.json()


# --- IEP-1 ----------------------------------------------------------------------------------------------
def test_one_plan_per_student_per_school_year(api_client, new_student, year, world):
    """IEP-1 (一人一案): a second plan for the same student and school year is refused (422 duplicate_plan), by
    the service and by the database constraint; a plan for another school year is a different plan."""
    s = new_student()
    first = _create(api_client, "hc_s1_resource", {"student_id": s.pk})
    assert first["state"] == "draft" and first["school_year"] == year.name and first["revision"] == 0
    r = api_client("hc_s1_leader").post("/api/v1/ieps", {"student_id": s.pk, "school_year": year.name})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "duplicate_plan" and body["errors"][0]["field"] == "student_id"
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(student=s, school=s.school, region_path=s.region_path, school_year=year,
                            start_date=year.start_date, end_date=year.end_date)
    last_year = world.years[demo.current_start_year() - 1]
    other = _create(api_client, "hc_s1_resource", {"student_id": s.pk, "school_year": last_year.name})
    assert other["school_year"] == last_year.name
    assert Plan.objects.filter(student=s).count() == 2


def test_plan_only_for_a_student_in_inclusion_in_scope(api_client, new_student):
    """IEP-1: plans are for students in inclusion (HB-8: and students taught at home); a student awaiting placement
    or outside the caller's scope is a field error."""
    awaiting = new_student(placement="awaiting")
    r = api_client("hc_s1_resource").post("/api/v1/ieps", {"student_id": awaiting.pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "student_id"
    other_school = new_student(HC_S2)
    r = api_client("hc_s1_resource").post("/api/v1/ieps", {"student_id": other_school.pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "student_id"
    assert api_client("hc_bureau").post("/api/v1/ieps", {"student_id": other_school.pk}).status_code == 403


# --- IEP-2 / IEP-3: drafting and the workflow ---------------------------------------------------------------
def test_plan_walks_from_draft_through_review_into_force_and_is_closed(api_client, new_student, year):
    """IEP-2: the teacher drafts (baseline, meeting, goals) and submits; the itinerant teacher comments while it
    is in review; the school leader puts it in force (revision 1 kept as a version) and closes it. Every step is
    on the timeline and audited as iep.plan.<state>."""
    s = new_student()
    p = _create(api_client, "hc_s1_resource", complete_payload(s, year))
    assert p["goals"][0]["code"] == "1" and p["goals"][0]["short_term"][0]["code"] == "1.1"
    assert p["meeting_participants"][1] == {"name": "黄丽娟", "role": "itinerant_teacher"}
    assert p["allowed_transitions"] == ["in_review"] and p["can_edit"] is True
    _go(api_client, "hc_s1_resource", p["id"], "in_review", "请审核")
    r = api_client("hc_center").post(f"/api/v1/ieps/{p['id']}/comments", {"note": "建议增加社交目标。"})
    assert r.status_code == 201
    assert r.json()["events"][-1]["kind"] == "comment" and r.json()["events"][-1]["actor"] == "hc_center"
    forced = _go(api_client, "hc_s1_leader", p["id"], "in_force", "同意实施")
    assert forced["state"] == "in_force" and forced["revision"] == 1
    assert forced["in_force_on"] == timezone.localdate().isoformat()
    assert forced["next_review_due"] == (timezone.localdate() + timedelta(weeks=8)).isoformat()
    closed = _go(api_client, "hc_s1_leader", p["id"], "closed", "学年结束")
    assert closed["state"] == "closed" and closed["allowed_transitions"] == []
    assert [(e["kind"], e["from"], e["to"]) for e in closed["events"]] == [
        ("transition", "", "draft"), ("transition", "draft", "in_review"), ("comment", "in_review", "in_review"),
        ("transition", "in_review", "in_force"), ("transition", "in_force", "closed")]
    actions = list(AuditEvent.objects.filter(object_type="plan", object_id=str(p["id"])).order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["iep.plan.created", "iep.plan.in_review", "iep.plan.commented", "iep.plan.in_force",
                       "iep.plan.closed"]
    assert PlanVersion.objects.filter(plan_id=p["id"]).count() == 1


@pytest.mark.parametrize("state,username,to,expect,code", [
    ("in_review", "hc_s1_resource", "in_force", 422, "invalid_transition"),  # the teacher may not approve
    ("draft", "hc_s1_leader", "in_force", 422, "invalid_transition"),  # no skipping the review
    ("draft", "hc_s1_resource", "closed", 422, "invalid_transition"),
    ("in_force", "hc_s1_resource", "closed", 422, "invalid_transition"),  # closing is the leader's
    ("in_force", "hc_s1_leader", "draft", 422, "invalid_transition"),  # in force: only amendments
    ("in_review", "hc_center", "in_force", 422, "invalid_transition"),  # the itinerant teacher comments only
    ("in_review", "hc_bureau", "in_force", 422, "invalid_transition"),  # no workflow permission at all
    ("in_review", "hc_s2_leader", "in_force", 404, "not_found"),  # another school's plan
    ("in_review", "gd_bureau", "in_force", 404, "not_found"),
])
def test_transitions_refused_by_state_or_role(api_client, new_student, year, state, username, to, expect, code):
    """IEP-2/3: draft → in_review (teacher) → in_force (school leader) → closed (school leader); anything else
    answers 422 invalid_transition (403 without any workflow permission, 404 out of scope) and changes nothing."""
    s = new_student(school_class=None)
    p = _create(api_client, "hc_s1_resource", complete_payload(s, year))
    if state in ("in_review", "in_force"):
        _go(api_client, "hc_s1_resource", p["id"], "in_review")
    if state == "in_force":
        _go(api_client, "hc_s1_leader", p["id"], "in_force")
    before = Plan.objects.get(pk=p["id"])
    r = api_client(username).post(f"/api/v1/ieps/{p['id']}/transitions", {"to": to, "note": "x"})
    assert r.status_code == expect, r.content
    assert r.json()["code"] == code
    after = Plan.objects.get(pk=p["id"])
    assert (after.state, after.version, after.revision) == (before.state, before.version, before.revision)


def test_class_teacher_amends_but_does_not_close_their_class_plan(api_client, world):
    """IEP-2/3: the class teacher (iep.edit) amends a plan of their class but may not close it (the leader's
    step): 422 invalid_transition."""
    own_class = world.classes[(HC_S1, demo.class_name(3, 1))]
    plan = Plan.objects.filter(student__school_class=own_class, state="in_force").first()
    c = api_client("hc_s1_class")
    r = c.post(f"/api/v1/ieps/{plan.pk}/transitions", {"to": "closed"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_transition"
    r = c.post(f"/api/v1/ieps/{plan.pk}/amendments", {"reason": "家访后补充", "support_needs": "增加家校联系"})
    assert r.status_code == 201 and r.json()["revision"] == plan.revision + 1


def test_returning_to_draft_needs_a_note(api_client, new_student, year):
    """IEP-2: a plan in review goes back to the drafting teacher with the reason."""
    p = _create(api_client, "hc_s1_resource", complete_payload(new_student(), year))
    _go(api_client, "hc_s1_resource", p["id"], "in_review")
    r = api_client("hc_s1_leader").post(f"/api/v1/ieps/{p['id']}/transitions", {"to": "draft"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    back = _go(api_client, "hc_s1_leader", p["id"], "draft", "请补充家庭教育情况")
    assert back["state"] == "draft" and back["events"][-1]["note"] == "请补充家庭教育情况"


def test_submitting_an_incomplete_plan_lists_what_is_missing(api_client, new_student):
    """IEP-2: before review the baseline (five assessments), the team meeting (date, participants, conclusions)
    and the goals (each long-term goal with a short-term goal) are complete; each gap is a field error."""
    p = _create(api_client, "hc_s1_resource", {"student_id": new_student().pk, "academic_assessment": "一年级水平"})
    r = api_client("hc_s1_resource").post(f"/api/v1/ieps/{p['id']}/transitions", {"to": "in_review"})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "plan_incomplete"
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"disability_assessment", "social_adaptation", "family_education", "support_needs",
                      "meeting_date", "meeting_participants", "meeting_conclusions", "goals"}
    assert Plan.objects.get(pk=p["id"]).state == "draft"


def test_short_term_goals_are_measurable_and_domains_follow_the_policy(api_client, new_student, year):
    """IEP-3: a short-term goal hangs under a long-term goal and names baseline, target level, measurement,
    mastery criterion, responsible teacher, measures and how attainment is judged; dates lie inside the plan
    (and the long-term goal); a compensatory-training goal names a kind of ⚙ compensatory_training_kinds."""
    p = _create(api_client, "hc_s1_resource", {"student_id": new_student().pk})
    url = f"/api/v1/ieps/{p['id']}/goals"
    c = api_client("hc_s1_resource")
    r = c.post(url, {"domain": "compensatory", "training_kind": "骑马训练", "target_behaviour": "平衡"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "training_kind"
    long_goal = c.post(url, {"domain": "compensatory", "training_kind": "感统训练", "target_behaviour": "改善平衡"})
    assert long_goal.status_code == 201, long_goal.content
    lg = long_goal.json()
    assert lg["kind"] == "long_term" and lg["code"] == "1" and lg["start_date"] == p["start_date"]
    r = c.post(url, {"parent_id": lg["id"], "target_behaviour": "单脚站立"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"baseline", "target_level", "measurement",
                                                         "mastery_criterion", "responsible_teacher", "measures",
                                                         "attainment_method"}
    short = {"parent_id": lg["id"], "target_behaviour": "单脚站立", "baseline": "3 秒", "target_level": "10 秒",
             "measurement": "duration", "mastery_criterion": "连续 3 次", "responsible_teacher": "李梅",
             "measures": "平衡木练习", "attainment_method": "计时"}
    r = c.post(url, {**short, "end_date": str(year.end_date + timedelta(days=1))})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "end_date"
    r = c.post(url, short)
    assert r.status_code == 201, r.content
    assert r.json()["code"] == "1.1" and r.json()["domain"] == "compensatory"  # inherited from its long-term goal
    assert r.json()["training_kind"] == "感统训练"
    r = c.post(url, {**short, "parent_id": r.json()["id"]})  # a short-term goal cannot carry goals
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_id"
    listed = c.get(url).json()
    assert listed["count"] == 2 and [g["code"] for g in listed["items"]] == ["1", "1.1"]
    short_goal = listed["items"][1]
    r = c.patch(f"{url}/{short_goal['id']}", {"version": short_goal["version"], "target_level": "15 秒"})
    assert r.status_code == 200 and r.json()["target_level"] == "15 秒" and r.json()["version"] == 2
    r = c.patch(f"{url}/{short_goal['id']}", {"version": short_goal["version"], "target_level": "20 秒"})
    assert r.status_code == 409  # SEC-6: the version read is stale
    # a draft's goal may be removed, with its short-term goals
    assert c.client.delete(f"{url}/{lg['id']}", **c.headers).status_code == 204
    assert c.get(url).json()["count"] == 0


def test_draft_is_edited_with_the_version_read(api_client, new_student):
    """SEC-6 on plans: PATCH sends the version it read; a stale one answers 409."""
    p = _create(api_client, "hc_s1_resource", {"student_id": new_student().pk})
    c = api_client("hc_s1_resource")
    r = c.patch(f"/api/v1/ieps/{p['id']}", {"version": p["version"], "support_needs": "读写辅助"})
    assert r.status_code == 200 and r.json()["support_needs"] == "读写辅助"
    r = c.patch(f"/api/v1/ieps/{p['id']}", {"version": p["version"], "support_needs": "其他"})
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    event = AuditEvent.objects.filter(action="iep.plan.updated", object_id=str(p["id"])).get()
    assert event.changes == {"support_needs": ["", "***"]}  # the audit row does not copy the assessment


# --- IEP-2 (4) / IEP-3: amendments and versions --------------------------------------------------------------
def test_plan_in_force_changes_only_by_an_amendment_that_keeps_the_old_version(api_client, new_student,
                                                                                 plan_in_force):
    """IEP-3: a plan in force is not edited (422) but amended with a reason; the new contents are revision 2,
    revision 1 stays viewable with its old contents, and the versions compare field by field. A goal left out
    of the amendment is retired, not deleted."""
    p = plan_in_force(new_student())
    c = api_client("hc_s1_resource")
    r = c.patch(f"/api/v1/ieps/{p['id']}", {"version": p["version"], "support_needs": "改"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_transition"
    r = c.post(f"/api/v1/ieps/{p['id']}/goals", {"domain": "safety", "target_behaviour": "过马路"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_transition"
    assert c.post(f"/api/v1/ieps/{p['id']}/amendments", {"support_needs": "改"}).status_code == 422  # no reason
    old_goal = p["goals"][0]
    new_tree = [{**{k: v for k, v in old_goal.items() if k in ("id", "domain", "target_behaviour", "start_date",
                                                                 "end_date", "measures", "attainment_method")},
                 "short_term": [{**{k: v for k, v in old_goal["short_term"][0].items()
                                    if k not in ("code", "kind", "parent_id", "active", "created_in_revision",
                                                 "retired_in_revision")},
                                 "target_level": "独立完成并检查"}]},
                {**goal_tree(p["start_date"], p["end_date"])[0], "domain": "safety",
                 "target_behaviour": "知道校园安全出口"}]
    r = c.post(f"/api/v1/ieps/{p['id']}/amendments", {"reason": "期中评估后调整目标", "version": p["version"],
                                                       "support_needs": "增加安全教育", "goals": new_tree})
    assert r.status_code == 201, r.content
    amended = r.json()
    assert amended["state"] == "in_force" and amended["revision"] == 2 and amended["support_needs"] == "增加安全教育"
    assert [g["domain"] for g in amended["goals"]] == ["daily_living", "safety"]
    assert amended["goals"][0]["id"] == old_goal["id"]  # kept, changed in place
    assert amended["events"][-1]["kind"] == "amendment" and amended["events"][-1]["note"] == "期中评估后调整目标"
    versions = c.get(f"/api/v1/ieps/{p['id']}/versions").json()
    assert versions["count"] == 2
    assert [(v["number"], v["current"]) for v in versions["items"]] == [(1, False), (2, True)]
    v1 = c.get(f"/api/v1/ieps/{p['id']}/versions/1").json()
    assert v1["snapshot"]["plan"]["support_needs"] == "个别辅导与同伴互助"
    assert len(v1["snapshot"]["goals"]) == 1 and v1["changes"] == [] and v1["compared_to"] is None
    v2 = c.get(f"/api/v1/ieps/{p['id']}/versions/2").json()
    changed = {ch["path"]: (ch["from"], ch["to"]) for ch in v2["changes"]}
    assert v2["compared_to"] == 1
    assert changed["plan.support_needs"] == ("个别辅导与同伴互助", "增加安全教育")
    short_id = old_goal["short_term"][0]["id"]
    assert changed[f"goals.{short_id}.target_level"] == ("独立完成", "独立完成并检查")
    assert any(path.endswith(".domain") and to == "safety" and frm is None for path, (frm, to) in changed.items())
    again = c.get(f"/api/v1/ieps/{p['id']}/versions/1?compare_to=2").json()
    assert {ch["path"] for ch in again["changes"]} == set(changed)
    assert c.get(f"/api/v1/ieps/{p['id']}/versions/9").status_code == 404
    # drop the safety goal: retired from revision 3 on, still in the plan's history
    safety = amended["goals"][1]
    r = c.post(f"/api/v1/ieps/{p['id']}/amendments", {"reason": "安全目标并入班级教育", "goals": new_tree[:1]})
    assert r.status_code == 201, r.content
    assert [g["id"] for g in r.json()["goals"]] == [old_goal["id"]]
    retired = c.get(f"/api/v1/ieps/{p['id']}/goals?include_retired=true").json()["items"]
    assert {g["id"]: g["retired_in_revision"] for g in retired}[safety["id"]] == 3
    r = c.post(f"/api/v1/ieps/{p['id']}/amendments", {"reason": "无变化", "goals": new_tree[:1]})
    assert r.status_code == 422  # an amendment that changes nothing is not a version
    assert PlanVersion.objects.filter(plan_id=p["id"]).count() == 3
    assert AuditEvent.objects.filter(action="iep.plan.amended", object_id=str(p["id"])).count() == 2


# --- IEP-3: reviews and progress -----------------------------------------------------------------------------
def test_reviews_record_attainment_per_goal_and_progress_is_charted(api_client, new_student, plan_in_force):
    """IEP-2 (4), IEP-3: a review of a plan in force records date, evidence and attainment per goal; progress
    lists each goal's attainments in date order (the data of a chart). Reviews of other plans' goals, of a draft
    or in the future are refused."""
    p = plan_in_force(new_student())
    long_id, short_id = p["goals"][0]["id"], p["goals"][0]["short_term"][0]["id"]
    c = api_client("hc_s1_resource")
    today = timezone.localdate()
    earlier = max(today - timedelta(days=3), date.fromisoformat(p["start_date"]))
    Plan.objects.filter(pk=p["id"]).update(in_force_on=earlier)  # in force since then: a review may come after it
    r = c.post(f"/api/v1/ieps/{p['id']}/reviews", {"review_date": str(earlier), "evidence": "作业样本",
                                                    "attainments": [{"goal_id": short_id, "attained": "partly",
                                                                     "percentage": 40}]})
    assert r.status_code == 201, r.content
    r = c.post(f"/api/v1/ieps/{p['id']}/reviews", {"review_date": str(today), "evidence": "观察记录", "attainments": [
        {"goal_id": short_id, "attained": "yes", "percentage": 90, "level_reached": "独立完成"},
        {"goal_id": long_id, "attained": "partly", "percentage": 60}]})
    assert r.status_code == 201, r.content
    assert r.json()["revision"] == 1 and len(r.json()["attainments"]) == 2
    progress = c.get(f"/api/v1/ieps/{p['id']}/progress").json()
    by_goal = {g["goal_id"]: g for g in progress["goals"]}
    assert [(pt["date"], pt["attained"], pt["percentage"]) for pt in by_goal[short_id]["points"]] == [
        (str(earlier), "partly", 40.0), (str(today), "yes", 90.0)]
    assert by_goal[short_id]["code"] == "1.1" and by_goal[long_id]["points"][-1]["attained"] == "partly"
    detail = c.get(f"/api/v1/ieps/{p['id']}").json()
    assert detail["last_review_on"] == str(today)
    assert detail["next_review_due"] == str(today + timedelta(weeks=8))
    # refused: a goal of another plan, twice the same goal, a future date, no evidence
    other = plan_in_force(new_student())
    bad = [
        {"goal_id": other["goals"][0]["id"], "attained": "yes"},
    ]
    r = c.post(f"/api/v1/ieps/{p['id']}/reviews", {"review_date": str(today), "evidence": "x", "attainments": bad})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "attainments[0].goal_id"
    r = c.post(f"/api/v1/ieps/{p['id']}/reviews", {"review_date": str(today + timedelta(days=1)), "evidence": "x",
                                                    "attainments": [{"goal_id": short_id, "attained": "yes"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "review_date"
    r = c.post(f"/api/v1/ieps/{p['id']}/reviews", {"review_date": str(today), "evidence": " ",
                                                    "attainments": [{"goal_id": short_id, "attained": "yes"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "evidence"
    assert c.get(f"/api/v1/ieps/{p['id']}/reviews").json()["count"] == 2
    draft = _create(api_client, "hc_s1_resource", {"student_id": new_student().pk})
    r = c.post(f"/api/v1/ieps/{draft['id']}/reviews", {"review_date": str(today), "evidence": "x",
                                                        "attainments": [{"goal_id": short_id, "attained": "yes"}]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_transition"


# --- the guardian ---------------------------------------------------------------------------------------------
def test_guardian_sees_only_the_plan_in_force_and_answers_it(api_client, world):
    """IEP-2/3 with ORG-4: the guardian (hc_parent) sees their child's plan in force — never a draft, never another
    child's — and answers agree / disagree / agree in part with a comment; the answer and its time are kept."""
    child = world.students["hc_parent_child"]
    in_force = Plan.objects.get(student=child, state="in_force")
    last_year = world.years[demo.current_start_year() - 1]
    draft = services.plan_create(actor=world.users["hc_s1_resource"], student=child, school_year=last_year)
    other = Plan.objects.filter(school=child.school, state="in_force").exclude(student=child).first()
    g = api_client("hc_parent")
    listed = g.get("/api/v1/ieps").json()
    assert [p["id"] for p in listed["items"]] == [in_force.pk] and listed["count"] == 1
    assert g.get(f"/api/v1/ieps/{draft.pk}").status_code == 404
    assert g.get(f"/api/v1/ieps/{other.pk}").status_code == 404
    detail = g.get(f"/api/v1/ieps/{in_force.pk}").json()
    assert detail["can_respond"] is True and detail["goals"]
    r = g.post(f"/api/v1/ieps/{in_force.pk}/responses", {"answer": "agree_in_part"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "comment"
    r = g.post(f"/api/v1/ieps/{in_force.pk}/responses", {"answer": "agree_in_part", "comment": "希望增加体育目标"})
    assert r.status_code == 201, r.content
    assert r.json()["answer"] == "agree_in_part" and r.json()["revision"] == in_force.revision
    detail = api_client("hc_s1_resource").get(f"/api/v1/ieps/{in_force.pk}").json()
    assert detail["responses"][-1]["comment"] == "希望增加体育目标" and detail["responses"][-1]["responded_at"]
    assert detail["responses"][-1]["responded_by"] == "hc_parent"
    assert api_client("hc_s1_resource").post(f"/api/v1/ieps/{in_force.pk}/responses",
                                             {"answer": "agree"}).status_code == 403
    assert AuditEvent.objects.filter(action="iep.plan.responded", object_id=str(in_force.pk)).exists()
    # once the plan is closed the guardian no longer sees it
    services.transition(actor=world.users["hc_s1_leader"], plan=in_force, to="closed")
    assert g.get(f"/api/v1/ieps/{in_force.pk}").status_code == 404


# --- scope and lists -----------------------------------------------------------------------------------------
def test_class_teacher_sees_only_plans_of_their_class(api_client, world, new_student, year):
    """ORG-4: hc_s1_class sees the plans of 三年级（1）班 only; another class's plan of the same school is 404."""
    own_class = world.classes[(HC_S1, demo.class_name(3, 1))]
    listed = api_client("hc_s1_class").get("/api/v1/ieps").json()
    assert listed["count"] >= 1 and {p["class_id"] for p in listed["items"]} == {own_class.pk}
    other = _create(api_client, "hc_s1_resource", {"student_id": new_student().pk})
    assert api_client("hc_s1_class").get(f"/api/v1/ieps/{other['id']}").status_code == 404
    assert api_client("hc_s1_leader").get(f"/api/v1/ieps/{other['id']}").status_code == 200
    assert api_client("hc_s2_leader").get(f"/api/v1/ieps/{other['id']}").status_code == 404
    assert api_client("gd_bureau").get(f"/api/v1/ieps/{other['id']}").status_code == 404
    assert api_client("hc_bureau").get(f"/api/v1/ieps/{other['id']}").status_code == 200
    assert api_client("secadmin").get("/api/v1/ieps").status_code == 403
    hc = api_client("hc_bureau").get("/api/v1/ieps?page_size=500").json()
    assert hc["count"] and all(Plan.objects.get(pk=p["id"]).region_path.startswith("350000/350200/350205/")
                               for p in hc["items"])
    school_id = other["school_id"]
    by_field = api_client("hc_bureau").get(f"/api/v1/ieps?school_id={school_id}&page_size=500").json()
    assert by_field == api_client("hc_bureau").get(f"/api/v1/ieps?school={school_id}&page_size=500").json()
    assert by_field["count"] and {p["school_id"] for p in by_field["items"]} == {school_id}


def test_viewing_a_plan_is_audited(api_client, world):
    """ORG-5/SEC-3: a plan holds the child's assessments; opening it writes iep.plan.viewed."""
    plan = Plan.objects.filter(state="in_force", school__code=HC_S1).first()
    api_client("hc_center").get(f"/api/v1/ieps/{plan.pk}")
    assert AuditEvent.objects.filter(action="iep.plan.viewed", object_id=str(plan.pk),
                                     actor_username="hc_center").exists()


def test_plan_list_query_count_does_not_grow_with_the_plans(api_client, new_student, year):
    """ARCHITECTURE §7: the plan list costs a fixed number of queries, however many plans the page holds."""
    c = api_client("hc_bureau")
    resolve_all(new_student().school)  # the policy is cached per school (30 s), as in a running server
    c.get("/api/v1/ieps?page_size=500")
    with CaptureQueriesContext(connection) as first:
        assert c.get("/api/v1/ieps?page_size=500").status_code == 200
    for _i in range(3):
        _create(api_client, "hc_s1_resource", {"student_id": new_student().pk})
    with CaptureQueriesContext(connection) as second:
        body = c.get("/api/v1/ieps?page_size=500").json()
    assert len(second) == len(first) <= 3  # the token's look-up, the count and the page
    assert body["count"] >= 3


# --- findings (OV-1 input) ------------------------------------------------------------------------------------
def test_findings_list_missing_plans_and_reviews_due_or_overdue_in_one_query(world, api_client, new_student,
                                                                              django_assert_num_queries):
    """IEP-1/IEP-3 → OV-1: for one school, ONE query finds the students in inclusion without a plan for the
    school year, the plans not yet in force, and the reviews due (within 14 days) or overdue (last review — or
    going in force — more than ⚙ iep_review_interval_weeks ago)."""
    # a school year whose first 12 weeks are over, so plans can be put in force weeks ago
    sy = world.years[demo.current_start_year()]
    if sy.start_date + timedelta(weeks=12) > timezone.localdate():
        sy = world.years[demo.current_start_year() - 1]
    on = min(sy.start_date + timedelta(weeks=12), sy.end_date)
    leader = world.users["hc_s2_leader"]
    missing, drafted, overdue, due, fine = (new_student(HC_S2) for _i in range(5))
    for s in (drafted, overdue, due, fine):
        _create(api_client, "hc_s2_leader", complete_payload(s, sy))
    force_plan(Plan.objects.get(student=overdue).pk, on=on - timedelta(weeks=9), actor=leader)  # due a week ago
    force_plan(Plan.objects.get(student=due).pk, on=on - timedelta(weeks=7), actor=leader)  # due in a week
    p = force_plan(Plan.objects.get(student=fine).pk, on=on - timedelta(weeks=10), actor=leader)
    goal = p.goals.first()
    services.review_record(actor=leader, plan=p, review_date=on - timedelta(weeks=1), evidence="观察",
                           attainments=[{"goal_id": goal.pk, "attained": "yes"}])
    school = missing.school
    selectors.findings(school, on=on)  # warm the policy cache
    with django_assert_num_queries(1):
        f = selectors.findings(school, on=on)
    ids = lambda rows: {r["student_id"] for r in rows}  # noqa: E731
    assert missing.pk in ids(f.missing_plans) and f.school_year == sy.name
    assert drafted.pk in ids(f.not_in_force)
    assert overdue.pk in ids(f.reviews_overdue) and overdue.pk not in ids(f.reviews_due)
    assert due.pk in ids(f.reviews_due)
    assert fine.pk not in ids(f.reviews_due) | ids(f.reviews_overdue) | ids(f.missing_plans)
    everyone = ids(f.missing_plans) | ids(f.not_in_force) | ids(f.reviews_due) | ids(f.reviews_overdue)
    assert {missing.pk, drafted.pk, overdue.pk, due.pk} <= everyone


def test_findings_endpoint_lists_only_the_students_the_caller_may_see(api_client, world):
    """OV-1 input over the API (ORG-4): the school leader sees the whole school's findings, the class teacher only
    their class's students, another district's officer gets 404."""
    school = world.schools[HC_S1]
    leader = api_client("hc_s1_leader").get(f"/api/v1/ieps/findings?school_id={school.pk}")
    assert leader.status_code == 200, leader.content
    body = leader.json()
    assert body["review_interval_weeks"] == 8 and len(body["missing_plans"]) == 1 and len(body["not_in_force"]) == 1
    own_class = world.classes[(HC_S1, demo.class_name(3, 1))]
    mine = set(Student.objects.filter(school_class=own_class).values_list("pk", flat=True))
    cls = api_client("hc_s1_class").get(f"/api/v1/ieps/findings?school_id={school.pk}").json()
    listed = {r["student_id"] for key in ("missing_plans", "not_in_force", "reviews_due", "reviews_overdue")
              for r in cls[key]}
    assert listed <= mine
    assert api_client("gd_bureau").get(f"/api/v1/ieps/findings?school_id={school.pk}").status_code == 404
