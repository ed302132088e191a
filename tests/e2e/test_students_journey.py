"""Student journeys in a real browser (PL-4 class cap, PL-5/PL-9 case workflow, PL-13 roster import).

1. hc_s1_resource places a grade-3 pupil of 海沧区沧江小学 into 三年级（1）班, which is at the hard maximum:
   refused with the class_full message next to the class field, nothing changed; then into a class with room:
   saved (plus the advised-maximum warning when the class goes beyond it — shown deterministically on 二年级（2）班,
   which the demo fills up to the advised maximum).
2. An identification at primary enrolment walked from submission to effective by hc_s1_leader (submits),
   hc_bureau (routes for review), hc_expert (committee opinion) and hc_bureau (decides regular_class, applies):
   the timeline shows every step and the student's placement history the committee's opinion.
3. Roster import as hc_s1_leader: the template downloads with its Chinese header row; a file with one bad
   identity number is refused with the row / column / reason table and nothing written; the good file imports.
4. The student detail page on a 390×844 phone does not scroll sideways.

Screenshots: tests/e2e/screenshots/students-*.png.
"""

import re
from datetime import date

import pytest
from django.utils import timezone, translation

from suiban.core.crypto import lookup_hash

pytestmark = pytest.mark.e2e

SCHOOL = "3502050101"  # 海沧区沧江小学
FULL_CLASS = "三年级（1）班"  # at the hard maximum in the demo world
ADVISED_CLASS = "二年级（2）班"  # at the advised maximum (2) in the demo world
REGION = "350205"


# --- helpers -------------------------------------------------------------------------------------
def zh(msgid: str, **params) -> str:
    """The Chinese text of an interface message, formatted like the code formats it."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    assert re.search(r"[\u4e00-\u9fff]", text), f"not translated into Chinese: {msgid!r}"
    return text % params if params else text


def assert_clean(page, allowed_statuses=()):
    """No uncaught JavaScript error; no failed request to our server beyond the expected ones (e.g. a 422)."""
    assert page.js_errors == [], page.js_errors
    bad = [r for r in page.bad_responses if int(r.split(" ", 1)[0]) not in allowed_statuses]
    assert bad == [], bad


def submit(page, button):
    """Click a submit button and wait for the page it leads to; returns the navigation response."""
    with page.expect_navigation() as nav:
        button.click()
    page.wait_for_load_state("networkidle")
    return nav.value


def messages(page, kind: str) -> list[str]:
    return [t.strip() for t in page.locator(f".sb-messages .alert-{kind}").all_inner_texts()]


def start_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


def birth_for(grade: int, day: int = 15) -> date:
    """A birth date of the usual age for ``grade`` this school year (born Sep (Y-6-g) … Aug (Y-5-g))."""
    return date(start_year() - 6 - grade, 12, day)


def fresh_id_number(birth: date, gender: str, seq: int = 901) -> str:
    """A valid identity number of 海沧区 that no student has yet (nor as a G student number)."""
    from suiban.core.idnumbers import make_id_number
    from suiban.students.models import Student

    for s in range(seq, seq + 200, 2):
        number = make_id_number(REGION, birth, s, gender)
        if not Student.objects.filter(id_number_hash=lookup_hash(number)).exists() and \
                not Student.objects.filter(student_number_hash=lookup_hash("G" + number)).exists():
            return number
    raise AssertionError("no free identity number")


def make_student(world, *, grade: int, name: str, school_class=None, seq: int = 901):
    """A student of 海沧区沧江小学 created through the services (as its school leader), for test set-up."""
    from suiban.students import services

    birth = birth_for(grade)
    id_number = fresh_id_number(birth, "female", seq)
    s, _warnings = services.student_create(
        actor=world.users["hc_s1_leader"], guardians=[{"name": "林秀英", "relation": "母亲", "phone": "138-0000-0001"}],
        committee_opinion="经区残疾人教育专家委员会评估，建议在普通班级随班就读。",
        name=name, gender="female", birth_date=birth, id_number=id_number, student_number="G" + id_number,
        hukou_region_code=REGION, school=world.schools[SCHOOL], school_class=school_class, grade=grade,
        disability_category="intellectual", disability_grade=3, placement="regular_class", status="active",
        enrolled_on=date(start_year() - grade + 1, 9, 1))
    return s


def in_inclusion(school_class) -> int:
    from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

    return Student.objects.filter(school_class=school_class, placement__in=INCLUSION_PLACEMENTS,
                                  status__in=ACTIVE_STATUSES).count()


def class_of(world, name: str):
    return world.classes[(SCHOOL, name)]


def open_place_form(page, server, student):
    page.goto(f"{server}/students/{student.pk}/")
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator("#sb-place").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{server}/students/{student.pk}/place/"
    assert zh("Place in a class") in page.locator("main h1").inner_text()


def choose_class_and_save(page, school_class, note: str = ""):
    page.locator("#id_school_class").select_option(value=str(school_class.pk))
    if note:
        page.locator("#id_committee_opinion").fill(note)
    return submit(page, page.locator("main form button[type=submit]"))


# --- 1. class placement (PL-4) -------------------------------------------------------------------
def grade3_student_outside_full_class(world):
    """An active grade-3 pupil of the school who is not in 三年级（1）班 (created if the demo has none)."""
    from suiban.students.models import Student

    s = (Student.objects.filter(school__code=SCHOOL, grade=3, status="active", placement="regular_class")
         .exclude(school_class=class_of(world, FULL_CLASS)).order_by("id").first())
    return s or make_student(world, grade=3, name="林若曦")


def test_place_in_class_refused_at_hard_maximum_then_saved(page, server, e2e_world, ui):
    from suiban import policy
    from suiban.students.models import Student

    school = e2e_world.schools[SCHOOL]
    full = class_of(e2e_world, FULL_CLASS)
    hard, advised = policy.value(school, "class_hard_max"), policy.value(school, "class_advised_max")
    assert in_inclusion(full) == hard, f"{FULL_CLASS} should be at the hard maximum in the demo world"

    student = grade3_student_outside_full_class(e2e_world)
    before = Student.objects.get(pk=student.pk)
    history_before = before.placements.count()

    ui.login(page, server, "hc_s1_resource")
    open_place_form(page, server, student)
    options = page.locator("#id_school_class option").evaluate_all("els => els.map(e => e.value)")
    assert str(full.pk) in options

    # (a) the full class: refused, the message sits next to the class field
    response = choose_class_and_save(page, full)
    assert response.status == 200
    assert page.url == f"{server}/students/{student.pk}/place/", "the refused form must stay on the page"
    refusal = zh("%(cls)s already has %(n)d students in inclusion; at most %(max)d are allowed per class.",
                 cls=FULL_CLASS, n=hard, max=hard)
    field_box = page.locator("main form div.col-12:has(#id_school_class)")
    feedback = field_box.locator(".invalid-feedback")
    assert feedback.count() == 1
    assert feedback.inner_text().strip() == refusal
    assert feedback.is_visible()
    assert "is-invalid" in (page.locator("#id_school_class").get_attribute("class") or "")
    assert messages(page, "success") == []
    ui.shot(page, "students-place-refused-class-full")

    after = Student.objects.get(pk=student.pk)
    assert (after.school_class_id, after.version, after.placement) == (
        before.school_class_id, before.version, before.placement), "a refused placement changed the record"
    assert after.placements.count() == history_before
    assert in_inclusion(full) == hard

    # (b) a grade-3 class with room: saved
    target = next(c for c in full.school.classes.filter(school_year=full.school_year, grade=3)
                  .exclude(pk__in=[full.pk, before.school_class_id or 0]).order_by("name") if in_inclusion(c) < hard)
    count = in_inclusion(target)
    note = "学生适应良好，编入有空位的班级。"
    response = choose_class_and_save(page, target, note)
    assert response.status == 200
    assert page.url == f"{server}/students/{student.pk}/"
    assert messages(page, "success") == [zh("Class placement saved.")]
    warning = zh("%(cls)s will have %(n)d students in inclusion; %(adv)d per class is advised.",
                 cls=target.name, n=count + 1, adv=advised)
    assert messages(page, "warning") == ([warning] if count + 1 > advised else [])
    assert target.name in page.locator("main dl").first.inner_text()
    ui.shot(page, "students-place-saved")

    after = Student.objects.get(pk=student.pk)
    assert after.school_class_id == target.pk
    assert after.version == before.version + 1
    assert after.placements.count() == history_before + 1
    assert after.placements.order_by("-id").first().school_class_id == target.pk
    assert in_inclusion(target) == count + 1
    assert_clean(page)


def test_place_beyond_advised_maximum_warns(page, server, e2e_world, ui):
    """PL-4: above the advised maximum (but within the hard one) the placement is saved with a warning."""
    from suiban import policy
    from suiban.students.models import Student

    school = e2e_world.schools[SCHOOL]
    target = class_of(e2e_world, ADVISED_CLASS)
    hard, advised = policy.value(school, "class_hard_max"), policy.value(school, "class_advised_max")
    count = in_inclusion(target)
    assert advised <= count < hard, f"{ADVISED_CLASS} should be at the advised maximum in the demo world"
    student = make_student(e2e_world, grade=target.grade, name="黄雅琪")

    ui.login(page, server, "hc_s1_resource")
    open_place_form(page, server, student)
    choose_class_and_save(page, target)
    assert page.url == f"{server}/students/{student.pk}/"
    assert messages(page, "success") == [zh("Class placement saved.")]
    assert messages(page, "warning") == [
        zh("%(cls)s will have %(n)d students in inclusion; %(adv)d per class is advised.",
           cls=target.name, n=count + 1, adv=advised)]
    ui.shot(page, "students-place-saved-advised-warning")
    assert Student.objects.get(pk=student.pk).school_class_id == target.pk
    assert in_inclusion(target) == count + 1
    assert_clean(page)


# --- 2. identification case from submission to effective (PL-5, PL-9) ----------------------------
def grade1_student_for_identification(world):
    from suiban.students.models import Case, Student

    open_ident = Case.objects.filter(kind="identification", state__in=Case.OPEN_STATES).values("student_id")
    candidates = (Student.objects.filter(school__code=SCHOOL, grade=1, status="active")
                  .exclude(pk__in=open_ident).order_by("id"))
    return (candidates.exclude(cases__kind="identification").first() or candidates.first()
            or make_student(world, grade=1, name="郑一诺"))


def open_case(page, server, case_pk):
    page.goto(f"{server}/cases/{case_pk}/")
    page.wait_for_load_state("networkidle")


def take_step(page, to: str, note: str = "", placement: str | None = None):
    form = page.locator(f"form.sb-step[data-to='{to}']")
    offered = page.locator("form.sb-step").evaluate_all("els => els.map(e => e.dataset.to)")
    assert form.count() == 1, f"no '{to}' step offered, only {offered}"
    if note:
        form.locator("textarea[name=note]").fill(note)
    if placement:
        form.locator("select[name=placement]").select_option(placement)
    submit(page, form.locator("button[type=submit]"))


def test_identification_case_from_submission_to_effective(new_page, server, e2e_world, ui):
    from suiban.students.cases import services as svc
    from suiban.students.models import Case, Student

    student = grade1_student_for_identification(e2e_world)
    reason = "一年级新生入学，家长申请随班就读认定（E2E）。"
    routing = "材料齐全，提交专家委员会评估（E2E）。"
    opinion = "专家委员会评估（E2E）：适宜在普通班级随班就读，由资源教师每周提供两次个别化支持。"
    decision = "同意认定为随班就读学生，安置于普通班级（E2E）。"
    applying = "小学入学时认定，即时生效（E2E）。"

    # hc_s1_leader submits from the student's page, marked "at primary enrolment"
    leader = new_page()
    ui.login(leader, server, "hc_s1_leader")
    leader.goto(f"{server}/students/{student.pk}/")
    leader.wait_for_load_state("networkidle")
    with leader.expect_navigation():
        leader.locator(f"main a[href='/cases/new/?student={student.pk}']").click()
    leader.wait_for_load_state("networkidle")
    form = leader.locator("#sb-case-form")
    form.locator("#id_kind").select_option("identification")
    if not form.locator("#id_applicant").input_value().strip():
        form.locator("#id_applicant").fill("家长")
    form.locator("#id_reason").fill(reason)
    assert zh("at primary enrolment") in form.inner_text()
    form.locator("#id_at_enrolment").check()
    ui.shot(leader, "students-case-submit-form")
    submit(leader, form.locator("button[type=submit]"))
    assert re.fullmatch(rf"{re.escape(server)}/cases/\d+/", leader.url), leader.url
    assert messages(leader, "success") == [zh("Application submitted.")]
    case = Case.objects.get(pk=int(leader.url.rstrip("/").rsplit("/", 1)[1]))
    assert (case.kind, case.state, case.at_enrolment, case.student_id) == ("identification", "submitted", True,
                                                                          student.pk)
    assert case.deadline is None  # at primary enrolment: no end-of-term deadline (PL-5)
    assert zh("at primary enrolment") in leader.locator("main .d-flex").first.inner_text()
    assert leader.locator("form.sb-step[data-to='under_review']").count() == 0  # the school does not route
    assert_clean(leader)

    # hc_bureau routes it for review
    bureau = new_page()
    ui.login(bureau, server, "hc_bureau")
    open_case(bureau, server, case.pk)
    take_step(bureau, "under_review", routing)
    assert messages(bureau, "success") == [zh("The case is now “%(state)s”.", state=zh("Under review"))]
    assert bureau.locator("form.sb-step[data-to='committee_opinion']").count() == 0  # the committee's step
    assert_clean(bureau)

    # hc_expert gives the committee's opinion
    expert = new_page()
    ui.login(expert, server, "hc_expert")
    open_case(expert, server, case.pk)
    assert expert.locator("form.sb-step[data-to='decided']").count() == 0  # the bureau decides
    take_step(expert, "committee_opinion", opinion)
    assert expert.locator("#sb-opinion").inner_text().strip() == opinion
    assert_clean(expert)

    # hc_bureau decides (regular class) and, at primary enrolment, applies the decision at once
    open_case(bureau, server, case.pk)
    take_step(bureau, "decided", decision, placement="regular_class")
    assert messages(bureau, "success") == [zh("The case is now “%(state)s”.", state=zh("Decided"))]
    case.refresh_from_db()
    today = svc.today()
    assert (case.state, case.outcome, case.effective_date) == ("decided", "regular_class", today)
    assert bureau.locator("#sb-waiting").count() == 0
    take_step(bureau, "effective", applying)
    assert messages(bureau, "success") == [zh("The case is now “%(state)s”.", state=zh("Effective"))]

    case.refresh_from_db()
    assert case.state == "effective"
    assert bureau.locator("main .sb-case-state").first.get_attribute("data-state") == "effective"
    assert bureau.locator("#sb-effective-date").inner_text().strip() == today.isoformat()
    assert bureau.locator("#sb-opinion").inner_text().strip() == opinion
    assert bureau.locator("#sb-decision").inner_text().strip() == decision
    assert bureau.locator("form.sb-step").count() == 0  # nothing left to do

    # the timeline: every step, in order, with who did it and the note
    items = bureau.locator("#sb-timeline > li")
    assert bureau.locator("#sb-timeline [data-to]").evaluate_all("els => els.map(e => e.dataset.to)") == [
        "submitted", "under_review", "committee_opinion", "decided", "effective"]
    users = e2e_world.users
    expected = [("hc_s1_leader", reason), ("hc_bureau", routing), ("hc_expert", opinion), ("hc_bureau", decision),
                ("hc_bureau", applying)]
    assert items.count() == len(expected)
    for i, (username, note) in enumerate(expected):
        text = items.nth(i).inner_text()
        assert users[username].display_name in text, f"timeline step {i}: {text}"
        assert note in text, f"timeline step {i}: {text}"
    ui.shot(bureau, "students-case-effective")

    # the student: regular class, active; the placement history shows the committee's opinion
    s = Student.objects.get(pk=student.pk)
    assert (s.placement, s.status) == ("regular_class", "active")
    record = s.placements.filter(case=case).get()
    assert (record.committee_opinion, record.placement, record.effective_date) == (opinion, "regular_class", today)
    bureau.goto(f"{server}/students/{student.pk}/")
    bureau.wait_for_load_state("networkidle")
    row = bureau.locator("#sb-placements tbody tr", has_text=opinion)
    assert row.count() == 1
    assert today.isoformat() in row.inner_text()
    assert zh("Regular class of an ordinary school") in row.inner_text()
    ui.shot(bureau, "students-case-student-history")
    assert_clean(bureau)


# --- 3. roster import (PL-13) --------------------------------------------------------------------
def import_row(header: list[str], values: dict) -> list:
    return [values.get(h) for h in header]


def upload(page, path):
    page.locator("#sb-import-file").set_input_files(str(path))
    return submit(page, page.locator("main form[enctype='multipart/form-data'] button[type=submit]"))


def test_roster_import_reports_bad_rows_then_imports(page, server, e2e_world, ui, tmp_path):
    from openpyxl import Workbook, load_workbook

    from suiban import policy
    from suiban.students.models import Student
    from suiban.students.roster.columns import COLUMNS

    ui.login(page, server, "hc_s1_leader")
    page.goto(f"{server}/students/")
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator("main a[href='/students/import/']").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("main h1").inner_text().strip() == zh("Import students")
    ui.shot(page, "students-import-page")

    # the template: downloads, opens with openpyxl, Chinese headers in row 1
    with page.expect_download() as info:
        page.locator("#sb-import-template").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".xlsx")
    template = tmp_path / "template.xlsx"
    download.save_as(template)
    wb = load_workbook(template, read_only=True)
    header = [c for c in next(wb.worksheets[0].iter_rows(min_row=1, max_row=1, values_only=True)) if c]
    wb.close()
    assert header == [c.header for c in COLUMNS]
    assert header[:5] == ["姓名", "性别", "出生日期", "身份证号", "全国学籍号"]
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", h) for h in header), header

    # two valid new pupils of grade 2 (into a class with room for both) and one with a wrong check digit
    school = e2e_world.schools[SCHOOL]
    advised = policy.value(school, "class_advised_max")
    target = next(c for c in school.classes.filter(school_year=class_of(e2e_world, FULL_CLASS).school_year, grade=2)
                  .order_by("name") if in_inclusion(c) + 2 <= advised)
    people = [("陈思远", "male", 1), ("林语嫣", "female", 3), ("吴晓彤", "female", 7)]
    rows, numbers = [], []
    for i, (name, gender, day) in enumerate(people):
        birth = birth_for(2, day)
        number = fresh_id_number(birth, gender, 911 + 20 * i)
        numbers.append(number)
        rows.append({"姓名": name, "性别": "男" if gender == "male" else "女", "出生日期": birth,
                     "身份证号": number, "全国学籍号": "G" + number, "户籍所在地代码": REGION, "学校标识码": SCHOOL,
                     "班级": target.name, "年级": "二年级", "残疾类别": "智力", "残疾等级": "四级",
                     "监护人姓名": name[0] + "建国", "监护人关系": "父亲", "监护人电话": "139-0000-000" + str(i),
                     "专家委员会意见": "经区残疾人教育专家委员会评估，建议在普通班级随班就读。"})
    bad = rows[2]
    bad_digit = "0" if bad["身份证号"][-1] != "0" else "1"
    bad["身份证号"] = bad["身份证号"][:-1] + bad_digit
    bad["全国学籍号"] = "G" + bad["身份证号"]

    def workbook(path, data):
        book = Workbook()
        sheet = book.active
        sheet.append(header)
        for r in data:
            sheet.append(import_row(header, r))
        book.save(path)
        return path

    count_before = Student.objects.count()
    in_class_before = in_inclusion(target)

    # the bad file: nothing imported, the error table names row 4, the identity-number column and the reason
    response = upload(page, workbook(tmp_path / "学生名单-有错误.xlsx", rows))
    assert response.status == 422
    assert page.locator("#sb-import-error").is_visible()
    assert zh("Nothing was imported.") in page.locator("#sb-import-error").inner_text()
    table = page.locator("#sb-import-errors")
    assert table.is_visible()
    assert table.locator("thead th").all_inner_texts() == [zh("Row"), zh("Column"), zh("Reason")]
    cells = [r.locator("td").all_inner_texts() for r in table.locator("tbody tr").all()]
    assert [[c.strip() for c in r] for r in cells] == [
        ["4", "身份证号", zh("The check digit of the identity number is wrong.")]]
    ui.shot(page, "students-import-errors")
    assert Student.objects.count() == count_before, "a refused import wrote students"
    assert not Student.objects.filter(student_number_hash__in=[lookup_hash("G" + n) for n in numbers]).exists()

    # the good file (the bad row left out): imported, counts shown, the pupils exist in the class
    response = upload(page, workbook(tmp_path / "学生名单.xlsx", rows[:2]))
    assert response.status == 200
    assert page.locator("#sb-import-error").count() == 0
    result = page.locator("#sb-import-result")
    assert result.is_visible()
    assert zh("Import finished.") in result.inner_text()
    assert zh("%(created)s students created, %(updated)s updated.", created=2, updated=0) in result.inner_text()
    ui.shot(page, "students-import-success")
    assert Student.objects.count() == count_before + 2
    for (name, gender, _day), number in zip(people[:2], numbers[:2], strict=True):
        s = Student.objects.get(student_number_hash=lookup_hash("G" + number))
        assert (s.name, s.gender, s.school.code, s.school_class_id, s.grade, s.placement, s.status) == (
            name, gender, SCHOOL, target.pk, 2, "regular_class", "active")
        assert s.guardians.count() == 1
    assert in_inclusion(target) == in_class_before + 2
    assert_clean(page, allowed_statuses=(422,))


# --- 4. phone width ------------------------------------------------------------------------------
def test_student_detail_on_a_phone(new_page, server, e2e_world, ui):
    page = new_page(viewport=ui.PHONE)
    student = e2e_world.students["hc_parent_child"]  # in 三年级（1）班, with guardians, cases and a history
    ui.login(page, server, "hc_s1_resource")
    page.goto(f"{server}/students/{student.pk}/")
    page.wait_for_load_state("networkidle")
    assert page.locator("main h1").inner_text().strip() == student.name
    assert page.locator("#sb-place").is_visible()
    assert page.locator("#sb-placements").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= ui.PHONE["width"] + 1, f"the student page scrolls sideways on a phone ({width}px)"
    ui.shot(page, "students-phone-detail")
    assert_clean(page)
