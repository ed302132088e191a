"""Individual education in a real browser (IEP-1..IEP-5, IEP-9).

hc_s1_resource drafts a plan for a pupil of 海沧区沧江小学 without a plan this school year (baseline, team meeting
with participants, two long-term goals each with a short-term goal) and submits it; hc_s1_leader puts it in
force; on a 390×844 phone the teacher logs three sessions (one a group session) on the mobile page; the weekly
page shows this week met; the plan is amended and the two versions compared; the Word document downloads
and opens with python-docx with every section and the signature lines.

Screenshots: tests/e2e/screenshots/iep-*.png.
"""

import re
from datetime import date

import docx
import pytest
from django.utils import timezone, translation

pytestmark = pytest.mark.e2e

SCHOOL = "3502050101"  # 海沧区沧江小学


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return str(translation.gettext(msgid))


def assert_clean(page, allowed_statuses=()):
    assert page.js_errors == [], page.js_errors
    bad = [r for r in page.bad_responses if int(r.split(" ", 1)[0]) not in allowed_statuses]
    assert bad == [], bad


def submit(page, button):
    with page.expect_navigation() as nav:
        button.click()
    page.wait_for_load_state("networkidle")
    return nav.value


def success_messages(page) -> list[str]:
    return [t.strip() for t in page.locator(".sb-messages .alert-success").all_inner_texts()]


def student_without_plan(world):
    """A pupil in inclusion of the school with no plan for the current school year (created if none)."""
    from suiban.demo import world as demo
    from suiban.org.models import SchoolYear
    from suiban.students import services
    from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

    year = SchoolYear.objects.get(start_year=demo.current_start_year())
    s = (Student.objects.filter(school__code=SCHOOL, placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES)
         .exclude(iep_plans__school_year=year).order_by("id").first())
    if s is not None:
        return s
    s, _w = services.student_create(
        actor=world.users["hc_s1_leader"], guardians=[{"name": "林秀英", "relation": "母亲"}],
        committee_opinion="建议随班就读。", name="林若曦", gender="female",
        birth_date=date(demo.current_start_year() - 8, 3, 1), student_number="L350205990000000001",
        school=world.schools[SCHOOL], grade=2, disability_category="intellectual", placement="regular_class",
        status="active")
    return s


def fill_goal(page, *, domain=None, behaviour, short=True, level="独立完成"):
    if domain:
        page.locator("#id_domain").select_option(domain)
    page.locator("#id_target_behaviour").fill(behaviour)
    if short:
        page.locator("#id_baseline").fill("需要成人提示")
        page.locator("#id_target_level").fill(level)
        page.locator("#id_measurement").select_option("checklist")
        page.locator("#id_mastery_criterion").fill("连续 5 天正确")
        page.locator("#id_responsible_teacher").fill("李梅")
    page.locator("#id_measures").fill("任务分解、图片提示")
    page.locator("#id_attainment_method").fill("每周检核表")
    return submit(page, page.locator("#sb-save-goal"))


def test_plan_from_draft_to_amendment_with_sessions_and_word_document(new_page, server, e2e_world, ui, tmp_path):
    from suiban.iep.models import Plan, Session, WeeklyHours
    from suiban.iep.sessions import week_start

    student = student_without_plan(e2e_world)
    today = timezone.localdate()

    # --- 1. draft (resource teacher, desktop) ------------------------------------------------------------
    page = new_page()
    ui.login(page, server, "hc_s1_resource")
    page.goto(f"{server}/iep/new/")
    assert page.locator(f"#sb-pick [data-student='{student.pk}']").count() == 1
    submit(page, page.locator(f"#sb-pick [data-student='{student.pk}']"))
    assert page.url.endswith(f"/iep/new/?student={student.pk}")
    page.locator("#id_baseline_collected_on").fill(today.isoformat())
    page.locator("#id_disability_assessment").fill("轻度智力障碍，注意力较弱。")
    page.locator("#id_academic_assessment").fill("语文、数学约一年级水平。")
    page.locator("#id_social_adaptation").fill("能遵守基本课堂常规。")
    page.locator("#id_family_education").fill("母亲每天陪伴阅读。")
    page.locator("#id_support_needs").fill("个别辅导、同伴互助。")
    page.locator("#id_meeting_date").fill(today.isoformat())
    for i, (name, role) in enumerate([("王志强", "working_group"), ("黄丽娟", "itinerant_teacher"),
                                      ("李梅", "resource_teacher"), ("林秀英", "guardian")]):
        page.locator(f"#id_p{i}_name").fill(name)
        page.locator(f"#id_p{i}_role").select_option(role)
    page.locator("#id_meeting_conclusions").fill("以识字和生活自理为本学年重点。")
    ui.shot(page, "iep-plan-form")
    submit(page, page.locator("#sb-save-plan"))
    plan = Plan.objects.get(student=student)
    assert page.url == f"{server}/iep/{plan.pk}/"

    for domain, long_text, short_text in (("culture_knowledge", "能读懂低年级课文", "能认读 150 个常用字"),
                                          ("daily_living", "能独立整理个人物品", "能按课表整理书包")):
        page.goto(f"{server}/iep/{plan.pk}/goals/new/")
        fill_goal(page, domain=domain, behaviour=long_text, short=False)
        parent = plan.goals.get(target_behaviour=long_text)
        page.goto(f"{server}/iep/{plan.pk}/goals/new/?parent={parent.pk}")
        fill_goal(page, behaviour=short_text)
    assert plan.goals.count() == 4
    assert page.locator("#sb-missing").count() == 0
    ui.shot(page, "iep-plan-draft")
    submit(page, page.locator(".sb-step[data-to='in_review'] button"))
    assert Plan.objects.get(pk=plan.pk).state == "in_review"
    assert_clean(page)

    # --- 2. in force (school leader) -------------------------------------------------------------------------
    leader = new_page()
    ui.login(leader, server, "hc_s1_leader")
    leader.goto(f"{server}/iep/{plan.pk}/")
    leader.locator("#sb-note-in_force").fill("经随班就读工作小组审议通过。")
    submit(leader, leader.locator(".sb-step[data-to='in_force'] button"))
    plan.refresh_from_db()
    assert plan.state == "in_force" and plan.revision == 1
    assert leader.locator(".sb-plan-state").first.get_attribute("data-state") == "in_force"
    ui.shot(leader, "iep-plan-in-force")
    assert_clean(leader)

    # --- 3. three sessions on the phone (one a group session) ----------------------------------------------
    before_ids = set(Session.objects.filter(attendances__student=student).values_list("pk", flat=True))
    week_row = WeeklyHours.objects.filter(student=student, week_start=week_start(today)).first()
    hours_before = float(week_row.delivered_hours) if week_row else 0.0
    phone = new_page(viewport=ui.PHONE)
    ui.login(phone, server, "hc_s1_resource")
    phone.goto(f"{server}/iep/sessions/log/?student={student.pk}")
    assert phone.locator(f"#sb-st-{student.pk}").is_checked()
    assert phone.locator("#id_date").input_value() == today.isoformat()
    assert phone.locator("#id_hours").input_value() == "1"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the phone page scrolls sideways"
    ui.shot(phone, "iep-session-log-phone")
    submit(phone, phone.locator("#sb-save-session"))
    assert success_messages(phone)
    # the second: individual tutoring again, 1 hour (the student stays preselected)
    assert phone.locator(f"#sb-st-{student.pk}").is_checked()
    submit(phone, phone.locator("#sb-save-session"))
    # the third: a group compensatory-training session with a classmate
    other = next(lbl for lbl in phone.locator("#sb-students label").all()
                 if lbl.get_attribute("data-student") != str(student.pk))
    other.click()
    phone.locator("#sb-kinds label").nth(1).click()
    phone.locator("label[for='sb-outcome-delivered']").click()
    ui.shot(phone, "iep-session-log-group")
    submit(phone, phone.locator("#sb-save-session"))
    sessions = Session.objects.filter(attendances__student=student).exclude(pk__in=before_ids)
    assert sessions.count() == 3 and sessions.filter(is_group=True).count() == 1
    assert sessions.get(is_group=True).attendances.count() == 2
    delivered = float(WeeklyHours.objects.get(student=student, week_start=week_start(today)).delivered_hours)
    assert delivered == hours_before + 3.0
    ui.shot(phone, "iep-session-log-saved")
    assert_clean(phone)
    # the group session's correction page: the original values in Chinese, the absentee box of a group
    group = sessions.get(is_group=True)
    page.goto(f"{server}/iep/sessions/{group.pk}/correct/")
    assert page.locator("#sb-correct-form").count() == 1
    assert page.locator("#id_absent_student_ids input[type=checkbox]").count() == 2
    assert zh("class hours") in page.locator("#sb-original").inner_text()
    ui.shot(page, "iep-session-correct")

    # --- 4. the weekly page: this week met --------------------------------------------------------------------
    phone.goto(f"{server}/iep/students/{student.pk}/weekly/")
    row = phone.locator(f"#sb-weeks tr[data-week='{week_start(today).isoformat()}']")
    assert row.count() == 1 and row.locator(".sb-met").count() == 1
    ui.shot(phone, "iep-weekly-phone")
    page.goto(f"{server}/iep/students/{student.pk}/weekly/")
    ui.shot(page, "iep-weekly")
    page.goto(f"{server}/iep/below-minimum/")
    ui.shot(page, "iep-below-minimum")
    page.goto(f"{server}/iep/students/{student.pk}/support/")
    assert page.locator("#sb-iep-nav, .sb-iep-nav").count() == 1
    ui.shot(page, "iep-support")
    assert page.locator(f".sb-below tr[data-student='{student.pk}']").count() <= 1  # met this week

    # --- 5. amendment and comparison -------------------------------------------------------------------------
    page.goto(f"{server}/iep/{plan.pk}/")
    submit(page, page.locator("#sb-amend"))
    page.locator("#id_reason").fill("识字目标提高要求。")
    short = plan.goals.get(target_behaviour="能认读 150 个常用字")
    page.locator(f"#id_g{short.pk}_target_level").fill("独立认读 200 个常用字")
    ui.shot(page, "iep-amend")
    submit(page, page.locator("#sb-save-amendment"))
    plan.refresh_from_db()
    assert plan.revision == 2
    page.goto(f"{server}/iep/{plan.pk}/")
    ui.shot(page, "iep-plan-detail")
    submit(page, page.locator("#sb-versions a.sb-compare").first)
    assert re.search(r"/versions/2/\?compare_to=1$", page.url)
    changes = page.locator("#sb-changes tbody").inner_text()
    assert "独立认读 200 个常用字" in changes and "独立完成" in changes
    ui.shot(page, "iep-compare-versions")

    # --- 6. the Word document --------------------------------------------------------------------------------
    page.goto(f"{server}/iep/{plan.pk}/")
    with page.expect_download() as dl:
        page.locator("#sb-docx").click()
    path = tmp_path / "plan.docx"
    dl.value.save_as(path)
    d = docx.Document(str(path))
    headings = " ".join(p.text for p in d.paragraphs if p.style.name.startswith("Heading"))
    cells = " ".join(c.text for t in d.tables for r in t.rows for c in r.cells)
    for msgid in ("Student information", "Baseline assessment", "Team meeting", "Goals", "Reviews", "Signatures"):
        assert zh(msgid) in headings, msgid
    from suiban.iep import documents

    plan.refresh_from_db()
    with translation.override("zh-hans"):
        lines = documents.signature_lines(plan)  # IEP-9: one per participant, the approving leader, the guardian
    assert lines and all(line["role"] in cells for line in lines)
    assert zh("School leader (approval)") in cells and zh("Parent / guardian") in cells
    assert "独立认读 200 个常用字" in cells and "黄丽娟" in cells

    # the print view
    page.goto(f"{server}/iep/{plan.pk}/print/")
    assert page.locator("tr.sb-sign").count() == len(lines)
    ui.shot(page, "iep-print")
    assert_clean(page)
