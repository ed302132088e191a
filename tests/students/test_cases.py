"""Cases: one state machine for identification, revocation, reassessment, transfer, deferral and disputes
(PL-9), with the PL-5 calendar, the PL-7 transfer answer, the PL-8 dispute considerations and the PL-3
deferral record. API and pages; the demo world of API.md (tests/conftest.py)."""

import itertools
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from suiban.core.models import AuditEvent
from suiban.org.models import School, Term
from suiban.students import services
from suiban.students.cases import services as svc
from suiban.students.models import Case, CaseEvent, Deferral, PlacementRecord, Student

HC_S1, HC_S2, HC_SPECIAL, GD_S1 = "3502050101", "3502050102", "3502050901", "4401060101"
_seq = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def new_student(world):
    """A fresh student (no cases yet) at a demo school, created through the student service."""

    def make(school_code=HC_S1, grade=2, placement="regular_class", status="active"):
        n = next(_seq)
        school = School.objects.get(code=school_code)
        actor = world.users["hc_bureau" if school_code.startswith("35") else "gd_bureau"]
        start = timezone.localdate().year
        s, _w = services.student_create(
            actor=actor, name=f"测试{n}", gender="female", birth_date=date(start - 6 - grade, 3, 1),
            student_number=f"L{school_code[:6]}99{n:010d}", school=school, grade=grade,
            disability_category="intellectual", placement=placement, status=status,
            committee_opinion="测试初始安置")
        return s

    return make


def _submit(api_client, username, student, kind="identification", **extra):
    body = {"kind": kind, "student_id": student.pk, "applicant": "张家长", "reason": "测试申请", **extra}
    r = api_client(username).post("/api/v1/cases", body)
    assert r.status_code == 201, r.content
    return r.json()


def _go(api_client, username, case_id, to, note="", expect=200, **extra):
    r = api_client(username).post(f"/api/v1/cases/{case_id}/transitions", {"to": to, "note": note, **extra})
    assert r.status_code == expect, (username, to, r.status_code, r.content)
    return r.json()


def _walk_to(api_client, case_id, state, kind="identification"):
    """Walk a submitted case to ``state`` with the right demo accounts."""
    path = {"submitted": [], "under_review": ["under_review"], "committee_opinion": ["under_review",
                                                                                     "committee_opinion"],
            "decided": ["under_review", "committee_opinion", "decided"],
            "rejected": ["under_review", "rejected"], "withdrawn": ["withdrawn"]}[state]
    who = {"under_review": "hc_bureau", "committee_opinion": "hc_expert", "decided": "hc_bureau",
           "rejected": "hc_bureau", "withdrawn": "hc_s1_leader", "effective": "hc_bureau"}
    out = None
    for to in path:
        extra = {"placement": "regular_class"} if to == "decided" and kind == "identification" else {}
        out = _go(api_client, who[to], case_id, to, note=f"{to} 说明", **extra)
    return out


# --- PL-9 / PL-2 / PL-5: the whole walk ---------------------------------------------------------------
def test_identification_at_enrolment_walks_from_submitted_to_effective(api_client, new_student):
    """PL-9: submitted → under_review → committee_opinion → decided → effective by the roles that own each
    step; PL-5: at primary enrolment the decision takes effect at once; PL-2: the placement record carries
    the committee's opinion and the case."""
    s = new_student(grade=1, placement="awaiting")
    c = _submit(api_client, "hc_s1_leader", s, at_enrolment=True)
    assert c["state"] == "submitted" and c["at_enrolment"] is True and c["deadline"] is None
    assert c["events"][0]["from"] == "" and c["events"][0]["to"] == "submitted"
    _go(api_client, "hc_bureau", c["id"], "under_review")
    opinion = "经专家委员会评估，适宜在普通班级随班就读。"
    _go(api_client, "hc_expert", c["id"], "committee_opinion", opinion)
    d = _go(api_client, "hc_bureau", c["id"], "decided", "同意认定。", placement="regular_class")
    assert d["state"] == "decided" and d["decision"] == "同意认定。" and d["placement"] == "regular_class"
    assert d["effective_date"] == timezone.localdate().isoformat()
    assert "effective" in d["allowed_transitions"]
    e = _go(api_client, "hc_bureau", c["id"], "effective")
    assert e["state"] == "effective"
    assert [(ev["from"], ev["to"]) for ev in e["events"]] == [
        ("", "submitted"), ("submitted", "under_review"), ("under_review", "committee_opinion"),
        ("committee_opinion", "decided"), ("decided", "effective")]
    assert e["events"][2]["actor"] == "hc_expert" and e["events"][2]["note"] == opinion
    s.refresh_from_db()
    assert s.placement == "regular_class" and s.status == "active"
    rec = PlacementRecord.objects.get(student=s, case_id=c["id"])
    assert rec.placement == "regular_class" and rec.committee_opinion == opinion
    actions = list(AuditEvent.objects.filter(object_type="case", object_id=str(c["id"]))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["cases.case.submitted", "cases.case.under_review", "cases.case.committee_opinion",
                       "cases.case.decided", "cases.case.effective"]


def test_identification_without_placement_change_still_records_the_decision(api_client, new_student):
    """PL-2: every placement decision records the committee's opinion, also when the placement stays."""
    s = new_student(grade=1, placement="regular_class")
    c = _submit(api_client, "hc_s1_leader", s, at_enrolment=True)
    _walk_to(api_client, c["id"], "decided")
    _go(api_client, "hc_bureau", c["id"], "effective")
    assert PlacementRecord.objects.filter(student=s, case_id=c["id"], committee_opinion="committee_opinion 说明") \
        .exists()


# --- PL-9: who may do what ----------------------------------------------------------------------------
SUBMITTERS = {"hc_s1_leader", "hc_s1_resource"}
BUREAU = {"hc_bureau", "fj_province"}
ALLOWED = {
    ("submitted", "under_review"): BUREAU, ("submitted", "withdrawn"): SUBMITTERS,
    ("under_review", "committee_opinion"): {"hc_expert"}, ("under_review", "withdrawn"): SUBMITTERS,
    ("under_review", "rejected"): BUREAU, ("committee_opinion", "decided"): BUREAU,
    ("committee_opinion", "rejected"): BUREAU,
    # decided → effective: the bureau, but only from the effective date (next school year here): nobody now
}
# (hc_s1_class sees only the students of their own class: a fresh student outside it is out of scope)
IN_SCOPE_VIEWERS = ["admin", "hc_center", "hc_expert", "hc_s1_leader", "hc_s1_resource", "hc_bureau", "fj_province"]
STATE_NAMES = [s for s, _l in Case.STATES]


@pytest.mark.parametrize("state", ["submitted", "under_review", "committee_opinion", "decided", "effective",
                                   "rejected", "withdrawn"])
def test_every_role_and_transition_that_is_not_allowed_answers_422(state, api_client, new_student, monkeypatch):
    """PL-9: a step the state or the role does not allow → 422 invalid_transition, nothing written; the
    steps that are allowed are exactly those offered in ``allowed_transitions``."""
    monkeypatch.setattr(svc, "today", lambda: date(2027, 3, 1))  # in term: decisions take effect 2027-09-01
    s = new_student(grade=3)
    c = _submit(api_client, "hc_s1_leader", s)
    if state == "effective":
        _walk_to(api_client, c["id"], "decided")
        monkeypatch.setattr(svc, "today", lambda: date(2027, 9, 1))
        _go(api_client, "hc_bureau", c["id"], "effective")
        monkeypatch.setattr(svc, "today", lambda: date(2027, 3, 1))
    else:
        _walk_to(api_client, c["id"], state)
    case = Case.objects.get(pk=c["id"])
    assert case.state == state
    for account in IN_SCOPE_VIEWERS:
        offered = set(api_client(account).get(f"/api/v1/cases/{case.pk}").json()["allowed_transitions"])
        assert offered == {to for (frm, to), who in ALLOWED.items() if frm == state and account in who}, account
        for to in STATE_NAMES:
            if account in ALLOWED.get((state, to), ()):
                continue
            before = (CaseEvent.objects.filter(case=case).count(), Case.objects.get(pk=case.pk).version)
            r = api_client(account).post(f"/api/v1/cases/{case.pk}/transitions",
                                         {"to": to, "note": "试试", "placement": "regular_class"})
            assert r.status_code == 422, (account, state, to, r.status_code)
            assert r["Content-Type"].startswith("application/problem+json")
            assert r.json()["code"] == "invalid_transition", (account, state, to, r.json())
            assert (CaseEvent.objects.filter(case=case).count(), Case.objects.get(pk=case.pk).version) == before


def test_guardian_submits_for_own_child_and_may_withdraw_but_not_route(api_client, world):
    """PL-5/PL-9: the guardian applies (own child only) and may withdraw; routing is the bureau's (422)."""
    child = world.students["hc_parent_child"]
    c = _submit(api_client, "hc_parent", child, kind="dispute", school_conditions="资源教室已建",
                guardian_wishes="希望原班就读")
    assert c["state"] == "submitted"
    _go(api_client, "hc_parent", c["id"], "under_review", expect=422)
    _go(api_client, "hc_parent", c["id"], "withdrawn", "家长撤回")
    other = Student.objects.filter(school__code=HC_S1).exclude(pk=child.pk).first()
    r = api_client("hc_parent").post("/api/v1/cases", {"kind": "identification", "student_id": other.pk,
                                                        "applicant": "刘芳", "reason": "x"})
    missing = api_client("hc_parent").post("/api/v1/cases", {"kind": "identification", "student_id": 999999,
                                                              "applicant": "刘芳", "reason": "x"})
    assert r.status_code == missing.status_code == 422
    assert r.json()["errors"] == missing.json()["errors"]  # out of scope looks like "does not exist" (ORG-4)


# --- ORG-4: out of scope → 404 -----------------------------------------------------------------------
def test_out_of_scope_case_is_404_everywhere(api_client, user_client, new_student):
    """ORG-4/PL-9: another district's case does not exist for the caller: 404 on the API and the pages."""
    s = new_student(grade=2)
    c = _submit(api_client, "hc_s1_leader", s)
    for account in ("gd_bureau", "gd_s1_leader", "hc_s2_leader", "hc_s1_class"):
        api = api_client(account)
        assert api.get(f"/api/v1/cases/{c['id']}").status_code == 404
        r = api.post(f"/api/v1/cases/{c['id']}/transitions", {"to": "under_review", "note": ""})
        assert r.status_code == 404 and r.json()["code"] == "not_found"
        assert api.post(f"/api/v1/cases/{c['id']}/events", {"note": "x"}).status_code == 404
        assert c["id"] not in {i["id"] for i in api.get("/api/v1/cases?page_size=500").json()["items"]}
        page = user_client(account)
        assert page.get(f"/cases/{c['id']}/").status_code == 404
        assert page.post(f"/cases/{c['id']}/transition/", {"to": "under_review"}).status_code == 404
    assert api_client("secadmin").get(f"/api/v1/cases/{c['id']}").status_code == 403  # no cases.view at all
    assert Case.objects.get(pk=c["id"]).state == "submitted"


# --- PL-7: transfers and refusals ---------------------------------------------------------------------
def test_transfer_refusal_needs_a_reason_and_the_bureau_sees_it(api_client, user_client, new_student):
    """PL-7: the receiving school sees the incoming transfer and may refuse only with a reason; the bureau
    sees every refusal (``?refused=1`` and the count on the list page)."""
    s = new_student(grade=4)
    target = School.objects.get(code=HC_S2)
    c = _submit(api_client, "hc_s1_leader", s, kind="transfer", direction="to_special", target_school_id=target.pk)
    assert c["target_school_id"] == target.pk and c["target_response"] == ""
    receiving = api_client("hc_s2_leader")
    got = receiving.get(f"/api/v1/cases/{c['id']}").json()
    assert got["can_respond"] is True and got["allowed_transitions"] == []
    assert c["id"] in {i["id"] for i in receiving.get("/api/v1/cases?page_size=500").json()["items"]}
    # the sending school cannot answer for the receiving one
    r = api_client("hc_s1_leader").post(f"/api/v1/cases/{c['id']}/transfer-response", {"response": "refused",
                                                                                       "refusal_reason": "x"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_transition"
    r = receiving.post(f"/api/v1/cases/{c['id']}/transfer-response", {"response": "refused"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "refusal_reason"
    assert Case.objects.get(pk=c["id"]).target_response == ""
    r = receiving.post(f"/api/v1/cases/{c['id']}/transfer-response",
                       {"response": "refused", "refusal_reason": "本校资源教室尚未建成"})
    assert r.status_code == 200 and r.json()["target_response"] == "refused"
    assert r.json()["events"][-1]["actor"] == "hc_s2_leader"
    again = receiving.post(f"/api/v1/cases/{c['id']}/transfer-response", {"response": "accepted"})
    assert again.status_code == 422 and again.json()["code"] == "invalid_transition"
    # the receiving school cannot route, decide or withdraw the case
    _go(api_client, "hc_s2_leader", c["id"], "under_review", expect=422)
    _go(api_client, "hc_s2_leader", c["id"], "withdrawn", expect=422)
    bureau = api_client("hc_bureau").get("/api/v1/cases?refused=true&page_size=500").json()
    assert c["id"] in {i["id"] for i in bureau["items"]}
    assert all(i["target_response"] == "refused" for i in bureau["items"])
    item = next(i for i in bureau["items"] if i["id"] == c["id"])
    assert item["refusal_reason"] == "本校资源教室尚未建成"
    page = user_client("hc_bureau").get("/cases/")
    assert page.status_code == 200 and page.context["refused_count"] >= 1
    assert AuditEvent.objects.filter(action="cases.case.transfer_refused", object_id=str(c["id"])).exists()


def test_transfer_decided_moves_the_student_to_the_receiving_school(api_client, new_student):
    """PL-7: a decided transfer takes effect on the decision date and moves the student (through the
    student service, with the committee's opinion in the placement history)."""
    s = new_student(grade=5)
    target = School.objects.get(code=HC_SPECIAL)
    c = _submit(api_client, "hc_s1_leader", s, kind="transfer", direction="to_special", target_school_id=target.pk)
    _go(api_client, "hc_bureau", c["id"], "under_review")
    _go(api_client, "hc_expert", c["id"], "committee_opinion", "建议转入特殊教育学校。")
    d = _go(api_client, "hc_bureau", c["id"], "decided", "同意转介。")
    assert d["placement"] == "special_school" and d["effective_date"] == timezone.localdate().isoformat()
    _go(api_client, "hc_bureau", c["id"], "effective")
    s.refresh_from_db()
    assert s.school_id == target.pk and s.placement == "special_school" and s.school_class_id is None
    assert PlacementRecord.objects.filter(student=s, case_id=c["id"],
                                          committee_opinion="建议转入特殊教育学校。").exists()


def test_transfer_must_stay_in_the_district_and_fit_the_direction(api_client, new_student):
    """PL-7 (GD §16): the local bureau designates the receiving school; directions are checked."""
    s = new_student(grade=2)
    gd = School.objects.get(code=GD_S1)
    r = api_client("hc_s1_leader").post("/api/v1/cases", {"kind": "transfer", "student_id": s.pk, "applicant": "a",
                                                          "reason": "r", "direction": "to_special",
                                                          "target_school_id": gd.pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "target_school_id"
    r = api_client("hc_s1_leader").post("/api/v1/cases", {"kind": "transfer", "student_id": s.pk, "applicant": "a",
                                                          "reason": "r", "direction": "to_ordinary",
                                                          "target_school_id": School.objects.get(code=HC_S2).pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "direction"


# --- PL-5: the calendar -------------------------------------------------------------------------------
def test_non_enrolment_identification_decided_in_summer_takes_effect_at_the_new_school_year(
        api_client, new_student, monkeypatch):
    """PL-5: applications are due by the end of the term; processed in the summer holiday; the result takes
    effect from the new school year — ``effective`` is refused before that date and the daily command
    applies it on the day (as the system, audited)."""
    s = new_student(grade=3, placement="homebound")
    today = timezone.localdate()
    term = Term.objects.filter(start_date__lte=today, end_date__gte=today).first() or \
        Term.objects.filter(start_date__gt=today).order_by("start_date").first()
    c = _submit(api_client, "hc_s1_leader", s)
    assert c["deadline"] == (term.end_date.isoformat() if term else None)  # end of the current (or next) term
    summer = date(today.year if date(today.year, 8, 31) >= today else today.year + 1, 7, 20)
    assert c["processing_window"] == [date(summer.year, 7, 11).isoformat(), date(summer.year, 8, 31).isoformat()]
    monkeypatch.setattr(svc, "today", lambda: summer)
    _go(api_client, "hc_bureau", c["id"], "under_review")
    _go(api_client, "hc_expert", c["id"], "committee_opinion", "适宜随班就读。")
    d = _go(api_client, "hc_bureau", c["id"], "decided", "同意认定。", placement="regular_class")
    assert d["decided_on"] == summer.isoformat()
    assert d["effective_date"] == date(summer.year, 9, 1).isoformat()  # ⚙ school_year_start 09-01
    assert "effective" not in d["allowed_transitions"]
    r = api_client("hc_bureau", language="zh-hans").post(f"/api/v1/cases/{c['id']}/transitions",
                                                         {"to": "effective", "note": ""})
    assert r.status_code == 422 and r.json()["code"] == "invalid_transition"
    assert f"{summer.year}-09-01" in r.json()["detail"]
    call_command("apply_due_cases")  # nothing due yet
    assert Case.objects.get(pk=c["id"]).state == "decided"
    monkeypatch.setattr(svc, "today", lambda: date(summer.year, 9, 1))
    call_command("apply_due_cases")
    case = Case.objects.get(pk=c["id"])
    assert case.state == "effective"
    s.refresh_from_db()
    assert s.placement == "regular_class"
    row = AuditEvent.objects.get(action="cases.case.effective", object_id=str(c["id"]))
    assert row.actor is None and row.actor_username == "system"
    assert case.events.last().actor is None


def test_at_enrolment_only_for_a_grade_1_identification(api_client, new_student):
    """PL-5: "at primary enrolment" is an identification of a pupil entering grade 1."""
    s = new_student(grade=2)
    r = api_client("hc_s1_leader").post("/api/v1/cases", {"kind": "identification", "student_id": s.pk,
                                                          "applicant": "a", "reason": "r", "at_enrolment": True})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "at_enrolment"


def test_revocation_and_improved_reassessment_revoke_the_identification(api_client, new_student, monkeypatch):
    """PL-5/PL-6: a revocation, or a reassessment that found marked improvement, revokes the identification
    from the new school year: the child stays at school as an ordinary pupil and leaves the inclusion
    register (status ``left``; class and history kept)."""
    for kind, extra in (("revocation", {}), ("reassessment", {"result": "improved"})):
        s = new_student(grade=4)
        c = _submit(api_client, "hc_s1_leader", s, kind=kind)
        _go(api_client, "hc_bureau", c["id"], "under_review")
        _go(api_client, "hc_expert", c["id"], "committee_opinion", "残疾情况明显好转。")
        d = _go(api_client, "hc_bureau", c["id"], "decided", "撤销认定。", **extra)
        assert d["outcome"] == "revoked"
        monkeypatch.setattr(svc, "today", lambda d=d: date.fromisoformat(d["effective_date"]))
        _go(api_client, "hc_bureau", c["id"], "effective")
        monkeypatch.undo()
        s.refresh_from_db()
        assert s.status == "left" and not s.in_inclusion


def test_reassessment_decision_names_the_result(api_client, new_student):
    """PL-6: improved / worsened (with the new placement) / unchanged."""
    s = new_student(grade=4)
    c = _submit(api_client, "hc_s1_leader", s, kind="reassessment")
    _go(api_client, "hc_bureau", c["id"], "under_review")
    _go(api_client, "hc_expert", c["id"], "committee_opinion", "加重。")
    r = api_client("hc_bureau").post(f"/api/v1/cases/{c['id']}/transitions", {"to": "decided", "note": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "result"
    r = api_client("hc_bureau").post(f"/api/v1/cases/{c['id']}/transitions",
                                     {"to": "decided", "note": "x", "result": "worsened"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "placement"
    d = _go(api_client, "hc_bureau", c["id"], "decided", "转附设特教班。", result="worsened", placement="special_class")
    assert d["placement"] == "special_class"


# --- PL-8: disputes ---------------------------------------------------------------------------------
def test_dispute_is_decided_only_with_school_conditions_guardian_wishes_and_opinion(api_client, new_student):
    """PL-8: the bureau decides considering the school's conditions, the guardian's wishes and the
    committee's opinion — all three recorded before the decision."""
    s = new_student(grade=5)
    c = _submit(api_client, "hc_s1_leader", s, kind="dispute")
    _go(api_client, "hc_bureau", c["id"], "under_review")
    _go(api_client, "hc_expert", c["id"], "committee_opinion", "建议原班复学。")
    r = api_client("hc_bureau").post(f"/api/v1/cases/{c['id']}/transitions", {"to": "decided", "note": "原班复学"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"school_conditions", "guardian_wishes"}
    d = _go(api_client, "hc_bureau", c["id"], "decided", "原班复学", school_conditions="有资源教室",
            guardian_wishes="希望原班")
    assert d["school_conditions"] == "有资源教室" and d["guardian_wishes"] == "希望原班"
    assert d["committee_opinion"] == "建议原班复学。" and d["effective_date"] == timezone.localdate().isoformat()


# --- PL-3: deferral ---------------------------------------------------------------------------------
def test_deferral_is_approved_by_the_bureau_and_recorded_with_dates(api_client, new_student):
    """PL-3: deferred enrolment on the guardian's application, approved by the county bureau; the record
    keeps applicant, approver and dates; the committee step is not needed."""
    s = new_student(grade=1, placement="awaiting")
    c = _submit(api_client, "hc_s1_leader", s, kind="deferral")
    _go(api_client, "hc_bureau", c["id"], "under_review")
    d = _go(api_client, "hc_bureau", c["id"], "decided", "同意延缓入学。")
    assert d["deferred_until"] and d["deferred_until"] > timezone.localdate().isoformat()
    _go(api_client, "hc_bureau", c["id"], "effective")
    s.refresh_from_db()
    rec = Deferral.objects.get(student=s)
    assert s.status == "deferred" and rec.applicant == "张家长" and rec.approver_body == "county_bureau"
    assert rec.approved_on == timezone.localdate() and rec.deferred_until.isoformat() == d["deferred_until"]


# --- PL-9: timeline, audit, nothing deleted -----------------------------------------------------------
def test_every_step_writes_an_event_and_an_audit_row_and_bumps_the_version(api_client, new_student):
    """PL-9: each transition writes a CaseEvent (at, actor, from, to, note) and an audit row, atomically,
    and bumps the version; a stale version → 409."""
    s = new_student(grade=2)
    c = _submit(api_client, "hc_s1_leader", s)
    r = _go(api_client, "hc_bureau", c["id"], "under_review", "请评估", version=c["version"])
    assert r["version"] == c["version"] + 1
    ev = CaseEvent.objects.filter(case_id=c["id"]).last()
    assert (ev.from_state, ev.to_state, ev.note, ev.actor.username) == ("submitted", "under_review", "请评估",
                                                                        "hc_bureau")
    row = AuditEvent.objects.filter(action="cases.case.under_review", object_id=str(c["id"])).get()
    assert row.changes["state"] == ["submitted", "under_review"] and row.actor.username == "hc_bureau"
    stale = api_client("hc_expert").post(f"/api/v1/cases/{c['id']}/transitions",
                                         {"to": "committee_opinion", "note": "x", "version": c["version"]})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    # a refused step writes nothing
    n = (CaseEvent.objects.count(), AuditEvent.objects.filter(object_type="case").count())
    _go(api_client, "hc_expert", c["id"], "decided", "x", expect=422)
    assert (CaseEvent.objects.count(), AuditEvent.objects.filter(object_type="case").count()) == n


def test_corrections_are_new_events_and_nothing_can_be_deleted(api_client, new_student, world):
    """PL-9: nothing is deleted; a correction is a new event in the same state; events are append-only and
    the API has no DELETE operation for cases."""
    s = new_student(grade=2)
    c = _submit(api_client, "hc_s1_leader", s)
    r = api_client("hc_s1_leader").post(f"/api/v1/cases/{c['id']}/events", {"note": "更正：申请人为母亲"})
    assert r.status_code == 201
    last = r.json()["events"][-1]
    assert last["from"] == last["to"] == "submitted" and last["note"] == "更正：申请人为母亲"
    assert r.json()["state"] == "submitted"
    # A role that may change no case (resource centre staff) is refused outright (ARCHITECTURE pattern 2).
    assert api_client("hc_center").post(f"/api/v1/cases/{c['id']}/events", {"note": "x"}).status_code == 403
    assert api_client("hc_bureau").client.delete(f"/api/v1/cases/{c['id']}",
                                                 **api_client("hc_bureau").headers).status_code == 405
    from suiban.api import api

    paths = api.get_openapi_schema(path_prefix="/api/v1")["paths"]
    assert not any("delete" in ops or "patch" in ops for p, ops in paths.items() if p.startswith("/api/v1/cases"))
    ev = CaseEvent.objects.filter(case_id=c["id"]).first()
    ev.note = "改写"
    with pytest.raises(PermissionError):
        ev.save()
    with pytest.raises(PermissionError):
        ev.delete()
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case_id=c["id"]).delete()
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case_id=c["id"]).update(note="x")
    assert CaseEvent.objects.filter(case_id=c["id"]).count() == 2
    assert AuditEvent.objects.filter(action="cases.case.noted", object_id=str(c["id"])).count() == 1


def test_an_open_case_of_the_same_kind_is_not_duplicated(api_client, new_student):
    """PL-9: one open application of a kind per student."""
    s = new_student(grade=2)
    _submit(api_client, "hc_s1_leader", s)
    r = api_client("hc_s1_resource").post("/api/v1/cases", {"kind": "identification", "student_id": s.pk,
                                                            "applicant": "a", "reason": "r"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "duplicate_case"


# --- PL-9: attachments --------------------------------------------------------------------------------
def test_attachments_are_checked_by_content_and_served_only_within_scope(api_client, user_client, new_student,
                                                                         settings, tmp_path, monkeypatch):
    """PL-9: documents attached to a case (≤ 20 MB; pdf/jpg/png/docx/xlsx by content), downloaded only through
    the access-checked view, every download audited."""
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path)}}}
    s = new_student(grade=2)
    c = _submit(api_client, "hc_s1_leader", s)
    api = api_client("hc_s1_leader")
    url = f"/api/v1/cases/{c['id']}/attachments"
    ok = api.post_multipart(url, {"file": SimpleUploadedFile("诊断证明.pdf", PDF), "title": "诊断证明"})
    assert ok.status_code == 201, ok.content
    bad = api.post_multipart(url, {"file": SimpleUploadedFile("photo.png", PDF)})  # a PDF named .png
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "file"
    exe = api.post_multipart(url, {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")})
    assert exe.status_code == 422
    monkeypatch.setattr(svc, "MAX_ATTACHMENT_BYTES", 10)
    big = api.post_multipart(url, {"file": SimpleUploadedFile("big.png", PNG)})
    assert big.status_code == 422
    aid = ok.json()["id"]
    detail = api_client("hc_bureau").get(f"/api/v1/cases/{c['id']}").json()
    assert [a["id"] for a in detail["attachments"]] == [aid]
    page = user_client("hc_bureau").get(f"/cases/{c['id']}/attachments/{aid}/")
    assert page.status_code == 200 and b"".join(page.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="cases.attachment.downloaded", object_id=str(c["id"]),
                                     actor__username="hc_bureau").exists()
    assert user_client("gd_bureau").get(f"/cases/{c['id']}/attachments/{aid}/").status_code == 404
    assert api_client("gd_bureau").get(f"{url}/{aid}").status_code == 404


# --- pages ------------------------------------------------------------------------------------------
def test_pages_list_create_detail_and_step(user_client, new_student):
    """PL-9 pages: the list with filters, the create form, the detail with the steps the user may take."""
    s = new_student(grade=3)
    leader = user_client("hc_s1_leader")
    assert leader.get("/cases/new/").status_code == 200
    assert leader.get(f"/cases/new/?student={s.pk}").status_code == 200
    r = leader.post(f"/cases/new/?student={s.pk}", {"kind": "identification", "applicant": "王家长",
                                                     "reason": "申请认定"})
    assert r.status_code == 302
    case = Case.objects.get(student=s)
    assert r["Location"] == f"/cases/{case.pk}/"
    bureau = user_client("hc_bureau")
    page = bureau.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert [st.target for st in page.context["steps"]] == ["under_review"]
    assert bureau.post(f"/cases/{case.pk}/transition/", {"to": "under_review", "note": "受理"}).status_code == 302
    case.refresh_from_db()
    assert case.state == "under_review"
    listing = bureau.get("/cases/?state=under_review&kind=identification")
    assert listing.status_code == 200 and case in listing.context["page"].object_list
    assert user_client("gd_s1_leader").get(f"/cases/new/?student={s.pk}").status_code == 404
    assert user_client("hc_s1_class").get("/cases/new/").status_code == 403


def test_demo_has_cases_in_every_state_and_a_refused_transfer(world):
    """PL-9 demo: every state for 海沧区; 天河区 without an expert account; one refused transfer."""
    hc = set(Case.objects.filter(region_path__startswith="350000/350200/350205/").values_list("state", flat=True))
    assert hc == set(STATE_NAMES)
    gd = set(Case.objects.filter(region_path__startswith="440000/440100/440106/").values_list("state", flat=True))
    assert gd and gd <= {"submitted", "under_review", "rejected", "withdrawn"}
    assert Case.objects.filter(target_response="refused").exclude(refusal_reason="").exists()


def test_case_lists_use_a_fixed_number_of_queries(api_client, user_client, new_student):
    """PL-9 (ARCHITECTURE pattern 7): the case lists do not grow a query per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_client("hc_bureau")
    page = user_client("hc_bureau")
    api.get("/api/v1/cases?page_size=500")  # warm the policy cache (one resolution per school, not per row)
    with CaptureQueriesContext(connection) as one:
        assert api.get("/api/v1/cases?page_size=1").status_code == 200
    with CaptureQueriesContext(connection) as one_page:
        assert page.get("/cases/?kind=reassessment").status_code == 200
    for _i in range(3):
        _submit(api_client, "hc_s1_leader", new_student(grade=2))
    with CaptureQueriesContext(connection) as many:
        assert api.get("/api/v1/cases?page_size=500").json()["count"] >= 5
    with CaptureQueriesContext(connection) as many_page:
        assert page.get("/cases/").status_code == 200
    assert len(many) <= len(one)  # no query per row (a page that is not full needs no count query either)

    def data(ctx):  # the page's own queries: whether the session is read again is not the list's doing
        return [q for q in ctx.captured_queries if "django_session" not in q["sql"]]

    assert len(data(many_page)) == len(data(one_page))
