"""Roster import and export (PL-13), class cap on import (PL-4), masking in exports (SEC-4), upload validation
and all-or-nothing imports (SEC-5), auditing of imports and exports (SEC-3), scope (ORG-4)."""

import io
from dataclasses import replace
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from suiban.core import permissions
from suiban.core.crypto import lookup_hash
from suiban.core.idnumbers import make_id_number
from suiban.core.models import AuditEvent
from suiban.org.models import School
from suiban.students.models import Guardian, Student
from suiban.students.roster import columns as roster
from suiban.students.roster import imports as roster_imports

IMPORT_URL = "/api/v1/students/import"
TEMPLATE_URL = "/api/v1/students/import-template.xlsx"
EXPORT_URL = "/api/v1/students/export.xlsx"
XLSX = roster.XLSX_CONTENT_TYPE
HC_S1, HC_S2 = "3502050101", "3502050102"
HEADERS = [c.header for c in roster.COLUMNS]
# 集美区: no demo student has an identity number from there, so the numbers below never collide.
REGION = "350211"


def student_row(seq, *, gender="male", birth=date(2018, 3, 4), grade=1, klass="一年级（2）班", school=HC_S1,
                **over) -> dict:
    """One valid import row (header → value) for a new student of the first 海沧区 school."""
    id_number = make_id_number(REGION, birth, seq, gender)
    row = {
        "姓名": f"测试学生{seq}", "性别": "男" if gender == "male" else "女", "出生日期": birth,
        "身份证号": id_number, "全国学籍号": "G" + id_number, "户籍所在地代码": "350205", "学校标识码": school,
        "班级": klass, "年级": grade, "残疾类别": "智力", "残疾等级": "三级",
        "残疾人证号": f"{id_number}53", "发证日期": date(2022, 5, 1), "认定机构": "残联", "安置方式": "随班就读",
        "学籍状态": "在校", "入学日期": date(2025, 9, 1), "监护人姓名": f"家长{seq}", "监护人关系": "母亲",
        "监护人电话": "138-0000-0000",
    }
    row.update(over)
    return row


def workbook_bytes(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, data: bytes, name="students.xlsx", content_type=XLSX):
    return client.post_multipart(IMPORT_URL, {"file": SimpleUploadedFile(name, data, content_type=content_type)})


def sheet_rows(content: bytes, sheet=0):
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def errors_by_row(resp) -> dict:
    out = {}
    for e in resp.json()["errors"]:
        out.setdefault(e["row"], []).append(e)
    return out


@pytest.fixture(params=["services", "bulk"])
def write_path(request, monkeypatch):
    """Both write paths of the import: row by row through the services (small files) and the bulk path
    (large files, ``roster_imports.BULK_MIN_ROWS``); they must behave the same."""
    monkeypatch.setattr(roster_imports, "BULK_MIN_ROWS", 1 if request.param == "bulk" else 10**9)
    return request.param


# --- template -----------------------------------------------------------------------------------------


def test_template_has_chinese_headers_and_allowed_values(api_client):
    """PL-13: the template's first row has the Chinese headers of the import; a second sheet explains the
    columns and their allowed values; the third lists only the schools in the user's scope."""
    resp = api_client("hc_s1_leader").get(TEMPLATE_URL)
    assert resp.status_code == 200
    assert resp["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(resp.content))
    students, instructions, schools = wb.worksheets
    header = [c.value for c in students[1]]
    assert header == HEADERS
    for h in ("姓名", "性别", "出生日期", "身份证号", "全国学籍号", "户籍所在地代码", "学校标识码", "班级", "年级",
              "残疾类别", "残疾等级", "残疾人证号", "发证日期", "认定机构", "安置方式", "学籍状态", "入学日期",
              "监护人姓名", "监护人关系", "监护人电话"):
        assert h in header
    assert students.data_validations.dataValidation, "choice columns carry drop-down lists"
    text = "\n".join(str(v) for row in instructions.iter_rows(values_only=True) for v in row if v)
    assert "视力、听力、言语、肢体、智力、精神、多重" in text
    assert "随班就读、附设特教班、特殊教育学校、送教上门、远程教育、待安置" in text
    codes = {r[0] for r in schools.iter_rows(min_row=2, values_only=True)}
    assert codes == {HC_S1}


def test_template_and_import_need_import_permission(api_client, user_client):
    """PL-13 / SEC-2: a role without students.import (resource centre staff) gets 403 on the template, the
    import and the import page."""
    c = api_client("hc_center")
    assert c.get(TEMPLATE_URL).status_code == 403
    resp = upload(c, workbook_bytes([student_row(11)]))
    assert resp.status_code == 403
    assert resp.json()["code"] == "permission_denied"
    assert user_client("hc_center").get("/students/import/").status_code == 403


# --- import: validation -------------------------------------------------------------------------------


def test_bad_row_is_reported_with_row_column_message_and_nothing_is_written(api_client):
    """PL-13 / SEC-5: a file with one bad identity check digit among good rows → 422 problem+json with the
    spreadsheet row, the Chinese column header and a message; not a single student is written."""
    good1, good2 = student_row(11), student_row(13)
    bad = student_row(15)
    wrong = bad["身份证号"][:17] + ("0" if bad["身份证号"][17] != "0" else "1")
    bad.update({"身份证号": wrong, "全国学籍号": "G" + wrong, "残疾人证号": ""})
    before = Student.objects.count(), Guardian.objects.count()
    resp = upload(api_client("hc_s1_leader"), workbook_bytes([good1, bad, good2]))
    assert resp.status_code == 422
    assert resp["Content-Type"].startswith("application/problem+json")
    body = resp.json()
    assert body["status"] == 422 and body["code"] == "validation_error"
    rows = errors_by_row(resp)
    assert set(rows) == {3}, body["errors"]  # header = row 1, good1 = row 2, bad = row 3
    assert any(e["column"] == "身份证号" and e["message"] for e in rows[3])
    assert (Student.objects.count(), Guardian.objects.count()) == before
    assert not Student.objects.filter(student_number_hash=lookup_hash("G" + good1["身份证号"])).exists()


def test_every_bad_row_and_column_is_reported(api_client):
    """PL-13: every bad row is reported, each bad cell with its own column (not only the first problem)."""
    r1 = student_row(21, 性别="女")  # gender disagrees with the identity number
    r2 = student_row(23, 年级="十年级", 残疾类别="未知")
    r3 = student_row(25, 学校标识码=HC_S2)  # outside hc_s1_leader's scope (ORG-4)
    r4 = student_row(27, 班级="九年级（9）班")
    r5 = student_row(29, 出生日期="2018-02-30")
    r6 = student_row(31, klass=None)
    r6["身份证号"] = float(r6["身份证号"][:17] + "0")  # typed as a number: Excel keeps 15 significant digits
    resp = upload(api_client("hc_s1_leader"), workbook_bytes([r1, r2, r3, r4, r5, r6]))
    assert resp.status_code == 422
    cols = {(e["row"], e["column"]) for e in resp.json()["errors"]}
    assert (2, "性别") in cols
    assert {(3, "年级"), (3, "残疾类别")} <= cols
    assert (4, "学校标识码") in cols
    assert (5, "班级") in cols
    assert (6, "出生日期") in cols
    assert [c for r, c in cols if r == 7] == ["身份证号"]  # and no follow-up error on the numbers built on it
    assert [e["row"] for e in resp.json()["errors"]] == sorted(e["row"] for e in resp.json()["errors"])


def test_missing_required_column_is_reported(api_client):
    """PL-13: a sheet without a required column is refused with the header row and the missing column."""
    headers = [h for h in HEADERS if h != "全国学籍号"]
    resp = upload(api_client("hc_s1_leader"), workbook_bytes([student_row(31)], headers=headers))
    assert resp.status_code == 422
    assert {"row": 1, "column": "全国学籍号"}.items() <= resp.json()["errors"][0].items()


def test_class_cap_counts_existing_students_and_rows_of_the_file(api_client, world, write_path):
    """PL-4: a row into a class at the hard maximum is refused; so is the row that would exceed it together
    with the rows above it in the same file. Nothing is imported."""
    full = world.classes[(HC_S1, "三年级（1）班")]
    assert Student.objects.filter(school_class=full, status="active").count() == 3
    into_full = student_row(41, birth=date(2016, 3, 4), grade=3, klass="三年级（1）班")
    empty = [student_row(43 + 2 * i, birth=date(2016, 3, 4), grade=3, klass="三年级（2）班") for i in range(4)]
    before = Student.objects.count()
    resp = upload(api_client("hc_s1_leader"), workbook_bytes([into_full, *empty]))
    assert resp.status_code == 422
    rows = errors_by_row(resp)
    assert set(rows) == {2, 6}, resp.json()["errors"]
    assert rows[2][0]["column"] == "班级" and "每班最多" in rows[2][0]["message"]
    assert rows[6][0]["column"] == "班级" and "每班最多" in rows[6][0]["message"]
    assert Student.objects.count() == before
    # Three rows fit the empty class exactly.
    resp = upload(api_client("hc_s1_leader"), workbook_bytes(empty[:3]))
    assert resp.status_code == 200, resp.content
    assert resp.json()["created"] == 3


@pytest.mark.parametrize(("name", "content", "code"), [
    ("students.csv", "姓名,性别\n张三,男\n".encode(), "invalid_type"),
    ("students.xlsx", b"this is not a workbook", "invalid_type"),
    ("students.xlsx", b"PK\x03\x04" + b"\0" * 64, "invalid_type"),
])
def test_non_xlsx_upload_is_refused(api_client, name, content, code):
    """SEC-5: uploads are checked by extension and by content (zip signature, readable workbook) → 422."""
    before = Student.objects.count()
    resp = upload(api_client("hc_s1_leader"), content, name=name, content_type="application/octet-stream")
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["code"] == code and body["errors"][0]["field"] == "file" and body["detail"]
    assert Student.objects.count() == before


def test_too_large_upload_is_refused(api_client):
    """SEC-5: at most 10 MB."""
    resp = upload(api_client("hc_s1_leader"), b"PK\x03\x04" + b"\0" * roster.MAX_BYTES)
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["code"] == "too_large"


# --- import: writes -----------------------------------------------------------------------------------


def test_same_file_twice_creates_then_updates_without_duplicates(api_client, write_path):
    """PL-13: importing the same file twice updates the records (matched by national student number) instead of
    duplicating them; a changed cell is applied through the service (version, audit)."""
    rows = [student_row(51), student_row(53, gender="female", klass=None), student_row(55, klass="二年级（1）班",
                                                                                       birth=date(2017, 3, 4), grade=2)]
    client = api_client("hc_s1_leader")
    before = Student.objects.count()
    resp = upload(client, workbook_bytes(rows))
    assert resp.status_code == 200, resp.content
    assert resp.json() | {"warnings": []} == {"created": 3, "updated": 0, "unchanged": 0, "rows": 3, "warnings": []}
    assert Student.objects.count() == before + 3
    s = Student.objects.get(student_number_hash=lookup_hash("G" + rows[0]["身份证号"]))
    assert (s.school.code, s.school_class.name, s.disability_category, s.disability_grade, s.certified_by) == \
        (HC_S1, "一年级（2）班", "intellectual", 3, "dpf")
    assert s.id_number == rows[0]["身份证号"] and s.id_number_hash == lookup_hash(rows[0]["身份证号"])
    assert [(g.name, g.relation) for g in s.guardians.all()] == [("家长51", "母亲")]
    assert s.placements.count() == 1

    resp = upload(client, workbook_bytes(rows))
    assert resp.status_code == 200, resp.content
    assert resp.json()["created"] == 0 and resp.json()["updated"] == 3
    assert Student.objects.count() == before + 3

    rows[0]["残疾等级"] = "二级"
    rows[0]["残疾人证号"] = rows[0]["身份证号"] + "52"
    rows[0]["监护人电话"] = "139-1111-2222"
    resp = upload(client, workbook_bytes(rows))
    assert resp.status_code == 200, resp.content
    assert resp.json()["created"] == 0 and resp.json()["updated"] == 3 and resp.json()["unchanged"] == 2
    s2 = Student.objects.get(pk=s.pk)
    assert s2.disability_grade == 2 and s2.version == s.version + 1
    assert [(g.name, g.phone) for g in s2.guardians.all()] == [("家长51", "139-1111-2222")]
    assert Student.objects.count() == before + 3
    ev = AuditEvent.objects.filter(action="students.student.updated", object_id=str(s.pk)).first()
    assert ev is not None and ev.changes["disability_grade"] == [3, 2]


def test_existing_student_matched_by_identity_number(api_client, world):
    """PL-13: a row whose national student number is new but whose identity number is known updates that
    student rather than creating a second record with the same identity number."""
    s = Student.objects.filter(school__code=HC_S1, student_number_masked__startswith="G", status="active",
                               school_class__isnull=False).first()
    row = {"姓名": s.name, "性别": "男" if s.gender == "male" else "女", "出生日期": s.birth_date,
           "身份证号": s.id_number, "全国学籍号": "J" + "3" * 18, "学校标识码": HC_S1, "年级": s.grade,
           "残疾类别": roster.CATEGORY_LABELS[s.disability_category]}
    before = Student.objects.count()
    resp = upload(api_client("hc_s1_leader"), workbook_bytes([row]))
    assert resp.status_code == 200, resp.content
    assert resp.json()["updated"] == 1 and Student.objects.count() == before
    assert Student.objects.get(pk=s.pk).student_number == "J" + "3" * 18


def test_import_is_audited(api_client, world, write_path):
    """SEC-3: an import writes one students.roster.imported row with its counts (plus the services' per-student
    rows); a refused import is audited as a failure."""
    client = api_client("hc_s1_leader")
    resp = upload(client, workbook_bytes([student_row(61), student_row(63)]))
    assert resp.status_code == 200
    ev = AuditEvent.objects.filter(action="students.roster.imported", result="success").first()
    assert ev.actor_username == "hc_s1_leader"
    assert (ev.changes["created"], ev.changes["updated"]) == (2, 0)
    assert ev.school_id == School.objects.get(code=HC_S1).pk  # visible to the school and its bureau
    created = Student.objects.filter(student_number_hash__in=[lookup_hash("G" + student_row(61)["身份证号"]),
                                                              lookup_hash("G" + student_row(63)["身份证号"])])
    assert AuditEvent.objects.filter(action="students.student.created",
                                     object_id__in=[str(s.pk) for s in created]).count() == 2
    resp = upload(client, b"not a workbook")
    assert resp.status_code == 422
    assert AuditEvent.objects.filter(action="students.roster.imported", result="failure").exists()


def test_filled_in_template_imports(api_client):
    """PL-13: the downloaded template itself, filled in, imports (drop-downs, notes and extra sheets are fine)."""
    client = api_client("hc_s1_leader")
    wb = load_workbook(io.BytesIO(client.get(TEMPLATE_URL).content))
    row = student_row(75)
    wb.worksheets[0].append([row.get(h) for h in HEADERS])
    buf = io.BytesIO()
    wb.save(buf)
    resp = upload(client, buf.getvalue())
    assert resp.status_code == 200, resp.content
    assert resp.json()["created"] == 1


def test_out_of_scope_student_number_is_refused_without_details(api_client):
    """ORG-4 / PL-13: a row carrying the national student number of a student of another school is refused
    with the duplicate message only; that student is not changed."""
    other = Student.objects.filter(school__code=HC_S1).first()
    row = student_row(77, school=HC_S2, klass=None, 全国学籍号=other.student_number, 身份证号=None, 残疾人证号=None)
    resp = upload(api_client("hc_s2_leader"), workbook_bytes([row]))
    assert resp.status_code == 422
    errors = resp.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "全国学籍号")]
    assert other.name not in errors[0]["message"] and HC_S1 not in errors[0]["message"]
    assert Student.objects.get(pk=other.pk).version == other.version


def test_placement_change_needs_committee_opinion_and_grade_cannot_go_down(api_client, write_path):
    """PL-2 / PL-11 on import: changing the placement of an existing student needs the expert committee's
    opinion (recorded with the new placement decision); a lower grade is refused (no repetition)."""
    client = api_client("hc_s1_leader")
    row = student_row(79, birth=date(2016, 3, 4), grade=3, klass="三年级（2）班")
    assert upload(client, workbook_bytes([row])).status_code == 200
    s = Student.objects.get(student_number_hash=lookup_hash(row["全国学籍号"]))
    resp = upload(client, workbook_bytes([dict(row, 安置方式="送教上门", 班级=None)]))
    assert resp.status_code == 422
    assert [(e["row"], e["column"]) for e in resp.json()["errors"]] == [(2, "安置方式")]
    resp = upload(client, workbook_bytes([dict(row, 年级=2, 班级="二年级（1）班")]))
    assert resp.status_code == 422
    assert (2, "年级") in {(e["row"], e["column"]) for e in resp.json()["errors"]}
    assert Student.objects.get(pk=s.pk).version == s.version

    opinion = "经专家委员会评估，建议送教上门。"
    resp = upload(client, workbook_bytes([dict(row, 安置方式="送教上门", 班级=None, 专家委员会意见=opinion)]))
    assert resp.status_code == 200, resp.content
    s2 = Student.objects.get(pk=s.pk)
    assert s2.placement == "homebound" and s2.version == s.version + 1
    assert s2.school_class is None  # like services.change_placement: out of the class with the placement
    assert s2.placements.first().committee_opinion == opinion


def test_bulk_path_writes_what_the_services_write(api_client, monkeypatch):
    """PL-13 / SEC-3: a large import (bulk path) leaves the same records, guardians, placement decisions and
    audit changes as the services do row by row, for creates and for updates (class change, new version)."""
    client = api_client("hc_s1_leader")
    rows = {"services": student_row(81), "bulk": student_row(83)}
    for path, row in rows.items():
        monkeypatch.setattr(roster_imports, "BULK_MIN_ROWS", 1 if path == "bulk" else 10**9)
        assert upload(client, workbook_bytes([row])).status_code == 200
    got = {}
    for path, row in rows.items():
        s = Student.objects.get(student_number_hash=lookup_hash(row["全国学籍号"]))
        created = AuditEvent.objects.get(action="students.student.created", object_id=str(s.pk))
        got[path] = {
            "record": {k: getattr(s, k) for k in ("school_id", "school_class_id", "grade", "disability_category",
                                                  "disability_grade", "certified_by", "placement", "status",
                                                  "region_path", "version", "hukou_region_code")},
            "derived": (s.id_number_hash == lookup_hash(s.id_number), s.id_number_masked[:6],
                        "*" in s.certificate_masked),
            "guardians": [(g.relation, g.phone) for g in s.guardians.all()],
            "placements": [(p.placement, p.school_class_id, p.effective_date, p.committee_opinion)
                           for p in s.placements.all()],
            "created": {k: v for k, v in created.changes.items() if k not in ("name", "id_number_masked",
                                                                                "student_number", "gender",
                                                                                "birth_date", "certificate_masked")},
            "audit_scope": (created.region_path, created.school_id),
        }
    assert got["services"] == got["bulk"]

    changes = {}
    for path, row in rows.items():
        monkeypatch.setattr(roster_imports, "BULK_MIN_ROWS", 1 if path == "bulk" else 10**9)
        resp = upload(client, workbook_bytes([dict(row, 班级="一年级（1）班", 监护人电话="139-0000-1111")]))
        assert resp.status_code == 200 and resp.json()["updated"] == 1, resp.content
        s = Student.objects.get(student_number_hash=lookup_hash(row["全国学籍号"]))
        assert s.version == 2 and s.school_class.name == "一年级（1）班"
        assert [g.phone for g in s.guardians.all()] == ["139-0000-1111"]
        assert s.placements.first().committee_opinion  # class change: a new placement decision is kept (PL-2)
        assert s.placements.count() == 2
        changes[path] = AuditEvent.objects.get(action="students.student.updated", object_id=str(s.pk)).changes
    assert changes["services"] == changes["bulk"]
    assert set(changes["bulk"]) == {"school_class"}


# --- export -------------------------------------------------------------------------------------------


def _export(client, query=""):
    resp = client.get(EXPORT_URL + query)
    assert resp.status_code == 200, resp.content
    assert resp["Content-Type"] == XLSX
    rows = sheet_rows(resp.content)
    title, header, body = rows[0], rows[1], rows[2:]
    return title, header, [dict(zip(header, r, strict=True)) for r in body]


def test_export_masks_identity_numbers_unless_the_role_may_see_them(api_client, monkeypatch):
    """SEC-4: a role that may export but not see identity numbers gets masked identity, G- and certificate
    numbers; the school leader of the first school (students.view_identity) gets them in full only when asking
    for full numbers with a purpose (privacy by default).

    No shipped role has students.export without students.view_identity (resource-centre staff may do
    neither: 403), so the test lends centre_staff the export permission for its duration."""
    assert api_client("hc_center").get(EXPORT_URL).status_code == 403
    staff = permissions.ROLES["centre_staff"]
    assert "students.view_identity" not in staff.permissions
    monkeypatch.setitem(permissions.ROLES, "centre_staff",
                        replace(staff, permissions=staff.permissions | {"students.export"}))
    _t, header, rows = _export(api_client("hc_center"), "?school=" + str(School.objects.get(code=HC_S1).pk))
    assert header[:6] == ["序号", "姓名", "性别", "出生日期", "身份证号", "全国学籍号"]
    with_id = [r for r in rows if r["身份证号"]]
    assert with_id
    for r in with_id:
        assert r["身份证号"].endswith("*" * 12) and len(r["身份证号"]) == 18
        if r["全国学籍号"].startswith("G"):
            assert r["全国学籍号"] == "G" + r["身份证号"]
        if r["残疾人证号"]:
            assert "*" in r["残疾人证号"]
    _t, _h, masked = _export(api_client("hc_s1_leader"))
    assert all(not r["身份证号"] or r["身份证号"].endswith("*" * 12) for r in masked)
    _t, _h, full = _export(api_client("hc_s1_leader"), "?full_numbers=1&purpose=中考报名")
    by_number = {s.student_number: s for s in Student.objects.filter(school__code=HC_S1)}
    for r in full:
        s = by_number[r["全国学籍号"]]
        assert r["身份证号"] == (s.id_number or None)
        assert r["残疾人证号"] == (s.certificate_number or None)


def test_export_respects_scope_and_filters(api_client, world):
    """PL-13 / ORG-4: a school leader's export has only their school; filters are those of the list."""
    s1 = School.objects.get(code=HC_S1)
    title, _h, rows = _export(api_client("hc_s1_leader"))
    assert title[0] == f"{s1.name} 随班就读学生花名册"
    assert any(str(v).startswith("导出日期") for v in title if v)
    assert rows and {r["学校"] for r in rows} == {s1.name}
    assert len(rows) == Student.objects.filter(school=s1, status="active").count()  # the title's students
    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))

    _t, _h, rows = _export(api_client("hc_bureau"), f"?school={s1.pk}&grade=3&status=active")
    expected = Student.objects.filter(school=s1, grade=3, status="active")
    assert sorted(r["姓名"] for r in rows) == sorted(s.name for s in expected)
    assert {r["年级"] for r in rows} == {"三年级"} and {r["学籍状态"] for r in rows} == {"在校"}

    _t, _h, rows = _export(api_client("hc_bureau"), "?disability_category=intellectual")
    assert rows and {r["残疾类别"] for r in rows} == {"智力"}
    assert {r["学校"] for r in rows} <= set(School.objects.filter(code__startswith="350205").values_list("name",
                                                                                                       flat=True))
    _t, _h, rows = _export(api_client("gd_s1_leader"), f"?school={s1.pk}")  # another district's school: nothing
    assert rows == []


def test_export_needs_export_permission_and_is_audited(api_client):
    """SEC-3: the export is audited with its filters and row count; a role without students.export gets 403."""
    assert api_client("hc_expert").get(EXPORT_URL).status_code == 403
    _t, _h, rows = _export(api_client("hc_s1_leader"), "?grade=3")
    ev = AuditEvent.objects.filter(action="students.roster.exported").first()
    assert ev.actor_username == "hc_s1_leader"
    assert ev.changes == {"filters": {"grade": 3, "status": "active"}, "count": len(rows)}


# --- page ---------------------------------------------------------------------------------------------


def test_import_page_shows_form_errors_and_counts(user_client):
    """PL-13: the import page offers the template, lists every bad row (row, column, reason) with
    'nothing was imported', and shows the counts after a good upload."""
    c = user_client("hc_s1_leader")
    resp = c.get("/students/import/")
    assert resp.status_code == 200
    assert b"/api/v1/students/import-template.xlsx" in resp.content
    assert b'enctype="multipart/form-data"' in resp.content

    bad = student_row(71, 残疾类别="未知")
    before = Student.objects.count()
    resp = c.post("/students/import/", {"file": SimpleUploadedFile("s.xlsx", workbook_bytes([student_row(73), bad]))})
    assert resp.status_code == 422
    html = resp.content.decode()
    assert 'id="sb-import-errors"' in html and "残疾类别" in html and "<td class=\"sb-mono\">3</td>" in html
    assert Student.objects.count() == before

    resp = c.post("/students/import/", {"file": SimpleUploadedFile("s.xlsx", workbook_bytes([student_row(73)]))})
    assert resp.status_code == 200
    assert 'id="sb-import-result"' in resp.content.decode()
    assert Student.objects.count() == before + 1
