"""Individual-education pages (IEP-1..IEP-9): every page renders for the roles that may see it (404 out of
scope, 403 in scope without the permission, the guardian only their child's plan in force); the plan is
drafted, submitted, put in force, reviewed and amended through the pages; the Word document and the print
view carry every section and the signature lines (IEP-9); sessions are logged on the phone form and show in
the weekly hours and the below-minimum view (IEP-5); the support records are kept on the student's page
(IEP-6..IEP-8); list pages run a bounded number of queries."""

import io
from datetime import timedelta

import docx
import pytest
from django.utils import timezone, translation

from suiban.demo import world as demo
from suiban.iep import documents
from suiban.iep.models import (
    AidIssue,
    Evaluation,
    Goal,
    PeerSupport,
    Plan,
    PlanEvent,
    PlanResponse,
    PlanVersion,
    Review,
    Session,
    SessionCorrection,
    WeeklyHours,
)
from suiban.iep.sessions import week_start
from suiban.org.models import Term

HC_S1 = "3502050101"
STAFF = ["hc_s1_resource", "hc_s1_leader", "hc_bureau", "hc_center", "hc_expert", "fj_province", "admin"]


def _year():
    from suiban.org.models import SchoolYear

    return SchoolYear.objects.get(start_year=demo.current_start_year())


def _plan(state="in_force", code=HC_S1, exclude_student=None) -> Plan:
    qs = Plan.objects.filter(school__code=code, state=state, school_year=_year())
    if exclude_student is not None:
        qs = qs.exclude(student_id=exclude_student)
    return qs.select_related("student").order_by("id").first()


def _parent_child_plan(world) -> Plan:
    return Plan.objects.visible_to(world.users["hc_parent"]).get()


def _zh(msgid):
    with translation.override("zh-hans"):
        return str(translation.gettext(msgid))


# --- who sees what ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("username", STAFF + ["hc_s1_class"])
def test_plan_list_and_sessions_render_for_iep_readers(user_client, username):
    c = user_client(username)
    for url in ("/iep/", "/iep/sessions/", "/iep/below-minimum/"):
        r = c.get(url)
        assert r.status_code == 200, (username, url)


@pytest.mark.parametrize("username", ["secadmin", "auditor"])
def test_accounts_without_iep_view_get_the_403_page(user_client, username, world):
    c = user_client(username)
    p = _plan()
    for url in ("/iep/", "/iep/sessions/", "/iep/below-minimum/", f"/iep/{p.pk}/", f"/iep/{p.pk}/document.docx",
                f"/iep/students/{p.student_id}/weekly/", f"/iep/students/{p.student_id}/support/"):
        r = c.get(url)
        assert r.status_code == 403, (username, url)
        assert r.templates[0].name == "403.html"


def test_anonymous_is_sent_to_the_login_page(client, world):
    r = client.get("/iep/")
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")


@pytest.mark.parametrize("username", STAFF)
def test_plan_detail_pages_render_for_staff_in_scope(user_client, username, world):
    p = _plan()
    c = user_client(username)
    for url in (f"/iep/{p.pk}/", f"/iep/{p.pk}/print/", f"/iep/{p.pk}/versions/1/",
                f"/iep/students/{p.student_id}/weekly/", f"/iep/students/{p.student_id}/support/",
                f"/iep/sessions/?student_id={p.student_id}"):
        r = c.get(url)
        assert r.status_code == 200, (username, url, r.status_code)
    assert "sb-progress" in c.get(f"/iep/{p.pk}/").content.decode()


def test_out_of_scope_is_404(user_client, world):
    hc = _plan()
    gd = _plan(code="4401060101")
    assert user_client("gd_bureau").get(f"/iep/{hc.pk}/").status_code == 404
    assert user_client("gd_s1_leader").get(f"/iep/students/{hc.student_id}/weekly/").status_code == 404
    assert user_client("hc_s2_leader").get(f"/iep/{hc.pk}/document.docx").status_code == 404
    assert user_client("hc_s1_resource").get(f"/iep/{gd.pk}/print/").status_code == 404
    assert user_client("hc_bureau").get(f"/iep/{gd.pk}/edit/").status_code == 404


def test_in_scope_without_the_permission_is_403(user_client, world):
    """The bureau sees the plan but does not draft, amend or review it; the centre cannot log sessions."""
    p = _plan()
    draft = _plan("draft")
    c = user_client("hc_bureau")
    assert c.get(f"/iep/{draft.pk}/edit/").status_code == 403
    assert c.get(f"/iep/{p.pk}/amend/").status_code == 403
    assert c.get(f"/iep/{p.pk}/review/").status_code == 403
    assert c.post(f"/iep/{p.pk}/transition/", {"to": "closed"}).status_code == 403
    assert user_client("hc_center").get("/iep/sessions/log/").status_code == 403
    assert user_client("hc_center").get("/iep/new/").status_code == 403
    assert Plan.objects.get(pk=p.pk).state == "in_force"


def test_guardian_sees_only_the_childs_plan_in_force_and_answers(user_client, world):
    """IEP-3: the guardian reads the plan in force of their own child and answers agree / disagree / in part."""
    own = _parent_child_plan(world)
    assert own.state == "in_force"
    c = user_client("hc_parent")
    r = c.get(f"/iep/{own.pk}/")
    assert r.status_code == 200 and 'id="sb-respond"' in r.content.decode()
    assert c.get(f"/iep/{_plan(exclude_student=own.student_id).pk}/").status_code == 404
    assert c.get(f"/iep/{_plan('draft').pk}/").status_code == 404
    assert c.get(f"/iep/{own.pk}/amend/").status_code == 403
    r = c.post(f"/iep/{own.pk}/respond/", {"answer": "agree_in_part", "comment": "希望增加劳动技能目标"})
    assert r.status_code == 302
    answer = PlanResponse.objects.filter(plan=own).latest("id")
    assert answer.answer == "agree_in_part" and answer.comment == "希望增加劳动技能目标"
    r = c.post(f"/iep/{own.pk}/respond/", {"answer": "disagree", "comment": ""})
    assert r.status_code == 302 and PlanResponse.objects.filter(plan=own).count() == 1  # comment required
    assert user_client("hc_s1_resource").post(f"/iep/{own.pk}/respond/", {"answer": "agree"}).status_code == 403


# --- drafting to amendment through the pages --------------------------------------------------------------
def _goal_post(**extra):
    return {"domain": "daily_living", "target_behaviour": "能独立整理书包", "baseline": "需要成人全程提示",
            "target_level": "独立完成", "measurement": "checklist", "mastery_criterion": "连续 5 天正确",
            "responsible_teacher": "李梅", "measures": "任务分解、图片提示", "attainment_method": "每周检核表",
            **extra}


def test_plan_drafted_submitted_put_in_force_reviewed_and_amended_through_the_pages(user_client, new_student, world):
    """IEP-1/IEP-2/IEP-3 through the pages: the draft with baseline, team meeting (participants with roles) and
    goals; submitted by the resource teacher, commented by the itinerant teacher, put in force by the leader;
    a review with attainment per goal; an amendment that keeps revision 1 viewable and comparable."""
    s = new_student()
    teacher, leader, centre = (user_client(u) for u in ("hc_s1_resource", "hc_s1_leader", "hc_center"))
    assert teacher.get("/iep/new/").status_code == 200
    assert s.name in teacher.get("/iep/new/").content.decode()
    assert teacher.get(f"/iep/new/?student={s.pk}").status_code == 200
    today = timezone.localdate()
    r = teacher.post(f"/iep/new/?student={s.pk}", {
        "baseline_collected_by": "张悦", "baseline_collected_on": today, "disability_assessment": "轻度智力障碍",
        "academic_assessment": "语文一年级水平", "social_adaptation": "能遵守课堂常规",
        "family_education": "母亲陪伴学习", "support_needs": "个别辅导", "meeting_date": today,
        "meeting_conclusions": "以生活自理为重点。", "p0_name": "王志强", "p0_role": "working_group",
        "p1_name": "黄丽娟", "p1_role": "itinerant_teacher", "p2_name": "家长", "p2_role": "guardian"})
    assert r.status_code == 302, r.content.decode()[:2000]
    p = Plan.objects.get(student=s)
    assert p.meeting_participants[1] == {"name": "黄丽娟", "role": "itinerant_teacher"}
    assert teacher.get(f"/iep/{p.pk}/edit/").status_code == 200
    assert teacher.post(f"/iep/{p.pk}/goals/new/", _goal_post()).status_code == 302
    long_goal = p.goals.get(kind=Goal.LONG)
    r = teacher.post(f"/iep/{p.pk}/goals/new/?parent={long_goal.pk}", _goal_post(domain="", baseline=""))
    assert r.status_code == 200 and "短期目标须可测量" in r.content.decode()  # a short-term goal is measurable
    assert teacher.post(f"/iep/{p.pk}/goals/new/?parent={long_goal.pk}",
                        _goal_post(domain="", target_behaviour="能按课表放入课本")).status_code == 302
    short = p.goals.get(kind=Goal.SHORT)
    r = teacher.get(f"/iep/{p.pk}/goals/{short.pk}/edit/")
    assert r.status_code == 200
    r = teacher.post(f"/iep/{p.pk}/goals/{short.pk}/edit/", _goal_post(domain="", version=short.version,
                                                                        target_level="连续独立完成"))
    assert r.status_code == 302 and Goal.objects.get(pk=short.pk).target_level == "连续独立完成"

    p.refresh_from_db()
    assert teacher.post(f"/iep/{p.pk}/transition/", {"to": "in_review", "version": p.version}).status_code == 302
    assert Plan.objects.get(pk=p.pk).state == "in_review"
    assert centre.post(f"/iep/{p.pk}/comment/", {"note": "建议增加社交目标"}).status_code == 302
    assert PlanEvent.objects.filter(plan=p, kind="comment", note="建议增加社交目标").exists()
    detail = leader.get(f"/iep/{p.pk}/").content.decode()
    assert 'data-to="in_force"' in detail
    assert leader.post(f"/iep/{p.pk}/transition/", {"to": "in_force", "note": "通过"}).status_code == 302
    p.refresh_from_db()
    assert p.state == "in_force" and p.revision == 1
    assert teacher.get(f"/iep/{p.pk}/edit/").status_code == 302  # a plan in force is amended, not edited

    assert teacher.get(f"/iep/{p.pk}/review/").status_code == 200
    r = teacher.post(f"/iep/{p.pk}/review/", {
        "review_date": today, "evidence": "检核表记录", "summary": "进步明显",
        f"g{short.pk}_attained": "partly", f"g{short.pk}_percentage": "60", f"g{short.pk}_level_reached": "3/5 天"})
    assert r.status_code == 302
    review = Review.objects.get(plan=p)
    assert review.attainments.get().percentage == 60
    detail = teacher.get(f"/iep/{p.pk}/").content.decode()
    assert "60.0" in detail and "检核表记录" in detail

    r = teacher.get(f"/iep/{p.pk}/amend/")
    assert r.status_code == 200
    form = r.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "meeting_participants"}
    for name in form.fields:
        if name.startswith("g") and "_" in name and not name.endswith("_retire"):
            value = form[name].value()
            data[name] = value if value is not None else ""
    for i, x in enumerate(p.meeting_participants):
        data[f"p{i}_name"], data[f"p{i}_role"] = x["name"], x["role"]
    data.update({"reason": "增加社交目标", f"g{short.pk}_target_level": "每天独立完成",
                 "new_parent": str(long_goal.pk), "new_target_behaviour": "能主动向同伴问好", "new_baseline": "很少",
                 "new_target_level": "每天 3 次", "new_measurement": "frequency", "new_mastery_criterion": "连续两周",
                 "new_responsible_teacher": "张悦", "new_measures": "社交故事", "new_attainment_method": "观察记录"})
    r = teacher.post(f"/iep/{p.pk}/amend/", data)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    p.refresh_from_db()
    assert p.revision == 2 and PlanVersion.objects.filter(plan=p).count() == 2
    assert p.goals.filter(retired_in_revision__isnull=True).count() == 3
    r = teacher.get(f"/iep/{p.pk}/versions/2/?compare_to=1")
    assert r.status_code == 200
    html = r.content.decode()
    assert "每天独立完成" in html and "连续独立完成" in html and "能主动向同伴问好" in html
    assert teacher.get(f"/iep/{p.pk}/versions/9/").status_code == 404
    assert teacher.get(f"/iep/{p.pk}/versions/1/").status_code == 200


def test_transition_not_allowed_by_role_is_a_message(user_client, world):
    """The resource teacher cannot put a plan in force: the workflow refuses with a message, nothing changes."""
    p = _plan("draft")
    r = user_client("hc_s1_resource").post(f"/iep/{p.pk}/transition/", {"to": "in_force"}, follow=True)
    assert r.status_code == 200 and Plan.objects.get(pk=p.pk).state == "draft"
    assert list(r.context["messages"])


# --- IEP-9: Word document and print view -------------------------------------------------------------------
def test_word_document_has_every_section_and_the_signature_lines(user_client, world):
    """IEP-9: the plan exports as a .docx with student info, baseline, team meeting with participants, goals,
    measures, reviews and signature lines for 班主任 / 资源教师 / 学校领导 / 家长 with dates."""
    p = Plan.objects.filter(school__code=HC_S1, state="in_force", reviews__isnull=False).first()
    r = user_client("hc_s1_leader").get(f"/iep/{p.pk}/document.docx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in r["Content-Disposition"]
    d = docx.Document(io.BytesIO(r.content))
    headings = [para.text for para in d.paragraphs if para.style.name.startswith("Heading")]
    text = "\n".join(para.text for para in d.paragraphs)
    cells = "\n".join(cell.text for t in d.tables for row in t.rows for cell in row.cells)
    with translation.override("zh-hans"):
        for _key, title in documents.SECTIONS:
            assert any(str(title) in h for h in headings), str(title)
        lines = documents.signature_lines(p)
        for line in lines:
            assert line["role"] in cells
    assert "班主任" in cells and "资源教师" in cells
    assert p.student.name in text
    for x in p.meeting_participants:
        assert x["name"] in cells
    for g in p.goals.filter(retired_in_revision__isnull=True):
        assert g.target_behaviour in cells
    assert p.reviews.first().evidence in text
    sign = d.tables[-1]
    assert len(sign.rows) == 1 + len(lines) and "年" in sign.rows[1].cells[3].text


def test_print_view_has_the_same_sections(user_client, world):
    """IEP-9: a clean printable page (@media print) with every section and the signature lines."""
    p = _parent_child_plan(world)
    r = user_client("hc_parent").get(f"/iep/{p.pk}/print/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "@media print" in html and 'class="sb-sign"' in html
    with translation.override("zh-hans"):
        for key, title in documents.SECTIONS:
            assert f'id="sec-{key}"' in html and str(title) in html
        assert html.count('class="sb-sign"') == len(documents.signature_lines(p))
    assert _zh("Class teacher") in html


# --- sessions, weekly hours, below minimum ---------------------------------------------------------------
def test_session_logged_on_the_phone_form_counts_in_the_weekly_hours(user_client, new_student, world):
    """IEP-5: the phone form preselects the student and defaults to today and one hour; a group session is
    entered once and counts for each student; the weekly page shows the week."""
    a, b = new_student(), new_student()
    c = user_client("hc_s1_resource")
    r = c.get(f"/iep/sessions/log/?student={a.pk}")
    assert r.status_code == 200
    html = r.content.decode()
    assert f'value="{a.pk}" id="sb-st-{a.pk}" autocomplete="off" checked' in html
    form = r.context["form"]
    assert form["date"].value() == timezone.localdate() and form["hours"].value() == 1
    today = timezone.localdate()
    r = c.post("/iep/sessions/log/", {"students": [a.pk, b.pk], "date": today, "hours": "1.5",
                                      "kind": "individual_tutoring", "outcome": "delivered", "teacher_name": "李梅"})
    assert r.status_code == 302
    s = Session.objects.filter(attendances__student=a).get()
    assert s.is_group and s.attendances.count() == 2
    row = WeeklyHours.objects.get(student=b, week_start=week_start(today))
    assert float(row.delivered_hours) == 1.5
    r = c.post("/iep/sessions/log/", {"students": [a.pk], "date": today, "hours": "1", "kind": "individual_tutoring",
                                      "outcome": "cancelled", "teacher_name": "李梅"})
    assert r.status_code == 200 and r.context["form"].errors  # a cancellation needs its reason
    r = c.get(f"/iep/students/{a.pk}/weekly/")
    assert r.status_code == 200
    week = next((w for w in r.context["weeks"] if w["week_start"] == week_start(today)), None)
    if week is not None:
        assert week["delivered_hours"] == 1.5
    r = c.get(f"/iep/sessions/?student_id={a.pk}")
    assert r.status_code == 200 and f'data-session="{s.pk}"' in r.content.decode()


def test_session_correction_is_recorded(user_client, new_student, world):
    """IEP-5: a saved session is corrected through a recorded correction (reason, before and after)."""
    a = new_student()
    c = user_client("hc_s1_resource")
    today = timezone.localdate()
    c.post("/iep/sessions/log/", {"students": [a.pk], "date": today, "hours": "1", "kind": "individual_tutoring",
                                  "outcome": "delivered", "teacher_name": "李梅"})
    s = Session.objects.get(attendances__student=a)
    assert c.get(f"/iep/sessions/{s.pk}/correct/").status_code == 200
    r = c.post(f"/iep/sessions/{s.pk}/correct/", {
        "version": s.version, "date": today, "hours": "2", "kind": "individual_tutoring", "teacher_name": "李梅",
        "outcome": "delivered", "cancel_reason": "", "notes": "", "reason": "课时记错"})
    assert r.status_code == 302
    corr = SessionCorrection.objects.get(session=s)
    assert corr.reason == "课时记错" and corr.before["hours"] == "1.00" and corr.after["hours"] == "2.00"
    assert "课时记错" in c.get(f"/iep/sessions/{s.pk}/correct/").content.decode()
    page = user_client("hc_bureau").get(f"/iep/sessions/{s.pk}/correct/")  # readers see it, without the form
    assert page.status_code == 200 and 'id="sb-correct-form"' not in page.content.decode()
    assert "课时记错" in page.content.decode() and 'id="sb-current"' in page.content.decode()
    assert user_client("hc_bureau").post(f"/iep/sessions/{s.pk}/correct/", {"reason": "x"}).status_code == 403
    assert user_client("gd_bureau").get(f"/iep/sessions/{s.pk}/correct/").status_code == 404


def test_phone_form_records_absentees_and_linked_goals_of_a_group_session(user_client, new_student, world):
    """IEP-5: on the phone form a group session names the students absent from it (not counted for them) and the
    goals worked on; the session list and the correction page show the absentee."""
    a, b = new_student(), new_student()
    c = user_client("hc_s1_resource")
    today = timezone.localdate()
    r = c.post("/iep/sessions/log/", {"students": [a.pk, b.pk], "date": today, "hours": "1", "absent": [a.pk, b.pk],
                                      "kind": "individual_tutoring", "outcome": "delivered", "teacher_name": "李梅"})
    assert r.status_code == 200 and "absent" in r.context["form"].errors  # everyone absent: choose the outcome
    assert not Session.objects.filter(attendances__student=a).exists()
    r = c.post("/iep/sessions/log/", {"students": [a.pk, b.pk], "date": today, "hours": "1", "absent": [b.pk],
                                      "kind": "individual_tutoring", "outcome": "delivered", "teacher_name": "李梅"})
    assert r.status_code == 302
    s = Session.objects.get(attendances__student=a)
    assert sorted(s.attendances.values_list("student_id", "absent")) == sorted([(a.pk, False), (b.pk, True)])
    assert WeeklyHours.objects.get(student=b, week_start=week_start(today)).delivered_hours == 0
    assert WeeklyHours.objects.get(student=a, week_start=week_start(today)).delivered_hours == 1
    html = c.get(f"/iep/sessions/?student_id={a.pk}").content.decode()
    assert f'<span class="text-decoration-line-through text-muted" title="缺席">{b.name}</span>' in html
    page = c.get(f"/iep/sessions/{s.pk}/correct/")
    assert page.context["form"]["absent_student_ids"].value() == [str(b.pk)]
    r = c.post(f"/iep/sessions/{s.pk}/correct/", {
        "version": s.version, "date": today, "hours": "1", "kind": "individual_tutoring", "teacher_name": "李梅",
        "outcome": "delivered", "cancel_reason": "", "notes": "", "absent_student_ids": [], "reason": "乙生实际到场"})
    assert r.status_code == 302
    assert WeeklyHours.objects.get(student=b, week_start=week_start(today)).delivered_hours == 1
    html = c.get(f"/iep/sessions/{s.pk}/correct/").content.decode()
    assert "缺席" in html and "乙生实际到场" in html and "absent_student_ids" not in html.split('id="sb-original"')[1]


def test_phone_form_links_the_goals_of_the_students_plans_in_force(user_client, world):
    """IEP-5 (linked goals): the phone form offers the active goals of the selected students' plans in force
    and the saved session keeps them."""
    p = Plan.objects.filter(state="in_force", school__code=HC_S1).order_by("pk").first()
    goal = p.goals.filter(kind="short_term", retired_in_revision__isnull=True).first()
    c = user_client("hc_s1_resource")
    r = c.get(f"/iep/sessions/log/?student={p.student_id}")
    assert (goal, p.student_id) in [(g, sid) for g, sid, _code in r.context["form"].goal_options]
    assert f'id="sb-goal-{goal.pk}"' in r.content.decode()
    r = c.post("/iep/sessions/log/", {"students": [p.student_id], "date": timezone.localdate(), "hours": "1",
                                      "kind": "individual_tutoring", "outcome": "delivered", "teacher_name": "李梅",
                                      "goals": [goal.pk]})
    assert r.status_code == 302
    s = Session.objects.filter(attendances__student_id=p.student_id, logged_by__username="hc_s1_resource").latest("pk")
    assert list(s.goals.values_list("pk", flat=True)) == [goal.pk]


def test_below_minimum_lists_this_week_and_last_week(user_client, new_student, world):
    """IEP-5: the school and district view of students below the minimum, this week and last week."""
    s = new_student()
    for username in ("hc_s1_leader", "hc_bureau"):
        r = user_client(username).get("/iep/below-minimum/")
        assert r.status_code == 200
        weeks = r.context["weeks"]
        assert [w["week_start"] for w in weeks] == [week_start(timezone.localdate()),
                                                   week_start(timezone.localdate()) - timedelta(days=7)]
        for w in weeks:
            if w["school_days"]:
                assert s.pk in [x.pk for x in w["rows"]]  # a new student has no hours at all
    gd = user_client("gd_bureau").get("/iep/below-minimum/")
    assert all(s.pk not in [x.pk for x in w["rows"]] for w in gd.context["weeks"])


# --- support records ---------------------------------------------------------------------------------------
def test_support_page_records_evaluation_peer_support_and_aids(user_client, world):
    """IEP-6..IEP-8 on the student's page: the seven-dimension term evaluation, peer support, an aid."""
    p = (Plan.objects.filter(school__code=HC_S1, state="in_force", school_year=_year())
         .exclude(student_id=_parent_child_plan(world).student_id).exclude(student__iep_evaluations__isnull=False)
         .order_by("pk").first())
    st = p.student
    c = user_client("hc_s1_resource")
    assert c.get(f"/iep/students/{st.pk}/support/").status_code == 200
    today = timezone.localdate()
    r = c.post(f"/iep/students/{st.pk}/support/peers/", {"mode": "many_to_one", "peers": "王小明，李小红",
                                                         "starts_on": today})
    assert r.status_code == 302
    assert PeerSupport.objects.filter(student=st, mode="many_to_one").exists()
    r = c.post(f"/iep/students/{st.pk}/support/aids/", {"item": "放大镜", "kind": "assistive_device",
                                                        "issued_on": today})
    assert r.status_code == 302
    aid = AidIssue.objects.get(student=st, item="放大镜")
    assert c.post(f"/iep/students/{st.pk}/support/aids/{aid.pk}/return/", {}).status_code == 302
    assert AidIssue.objects.get(pk=aid.pk).returned_on == today
    term = Term.objects.filter(school_year=p.school_year, start_date__lte=today).order_by("-start_date").first()
    data = {"term": term.pk, "evaluated_on": today, "evaluator_name": "李梅"}
    r = c.post(f"/iep/students/{st.pk}/support/evaluations/", data)
    assert r.status_code == 422 and not Evaluation.objects.filter(student=st, term=term).exists()
    for code, _label in Evaluation._meta.apps.get_model("iep", "EvaluationScore")._meta.get_field(
            "dimension").choices:
        data[f"d_{code}_level"] = "good"
        data[f"d_{code}_comment"] = "达到调整后的目标"
    # IEP-6: the emphasis GD §29 asks for is part of the form.
    data.update(e_social_adaptation="能与同伴合作", e_compensation="注意力训练有进步", e_labour_skills="能整理书包")
    if Evaluation.objects.filter(student=st, term=term).exists():
        pytest.skip("the demo evaluated this student already")
    r = c.post(f"/iep/students/{st.pk}/support/evaluations/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    assert Evaluation.objects.get(student=st, term=term).scores.count() == 7
    html = c.get(f"/iep/students/{st.pk}/support/").content.decode()
    assert "放大镜" in html and "王小明" in html
    assert user_client("hc_bureau").post(f"/iep/students/{st.pk}/support/aids/", {}).status_code == 403


# --- bounded queries -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("username", ["hc_bureau", "fj_province", "hc_s1_resource"])
def test_list_pages_run_a_bounded_number_of_queries(user_client, username, django_assert_max_num_queries, world):
    c = user_client(username)
    c.get("/iep/")  # warm the policy cache and the session
    with django_assert_max_num_queries(20):
        assert c.get("/iep/").status_code == 200
    with django_assert_max_num_queries(20):
        assert c.get("/iep/sessions/").status_code == 200
    with django_assert_max_num_queries(40):
        assert c.get("/iep/below-minimum/").status_code == 200
    p = _plan()
    with django_assert_max_num_queries(45):
        assert c.get(f"/iep/{p.pk}/").status_code == 200


def test_student_detail_links_to_the_individual_education_pages(user_client, world):
    p = _plan()
    html = user_client("hc_s1_resource").get(f"/students/{p.student_id}/").content.decode()
    assert 'id="sb-iep-links"' in html and f"/iep/students/{p.student_id}/weekly/" in html
