"""The student record through the API and pages.

Rules: PL-1 (fields and their validation), PL-3 (deferred enrolment), PL-11 (no grade repetition, leaving
outcomes proposed and confirmed by the school), PL-12 (exam accommodations), PL-13 (roster filters),
ORG-4 (scope; out of scope is 404), ORG-5 (identity numbers masked, every view audited), SEC-4 (encryption
at rest), SEC-5 (server-side validation per field, nothing half-written), SEC-6 (optimistic version check),
API.md (Student contract, problem codes).
"""

import itertools
import re
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from suiban.core.crypto import mask_id
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.idnumbers import make_id_number
from suiban.core.models import AuditEvent
from suiban.org.models import SchoolClass, class_name
from suiban.students import services
from suiban.students.models import (
    Deferral,
    ExamAccommodation,
    Guardian,
    LeavingRecord,
    PlacementRecord,
    Student,
)

HC_S1, HC_S2, HC_JUNIOR, GD_S1 = "3502050101", "3502050102", "3502050201", "4401060101"
TEST_REGION = "350206"  # 湖里区: no demo identity number starts with it, so test numbers never collide
MASKED = re.compile(r"^\d{6}\*{12}$")
_seq = itertools.count(101)


def make_fields(school, *, grade=3, gender="female", birth=None, school_class=None, placement="regular_class",
                **extra):
    birth = birth or date(2026 - 6 - grade, 3, 15)
    idn = make_id_number(TEST_REGION, birth, next(_seq), gender)
    fields = {"name": "测试学生", "gender": gender, "birth_date": birth, "id_number": idn,
              "student_number": "G" + idn, "hukou_region_code": "350205", "school": school,
              "school_class": school_class, "grade": grade, "disability_category": "intellectual",
              "disability_grade": 3, "certificate_number": idn + "53", "certificate_issued_on": date(2022, 5, 1),
              "certified_by": "dpf", "placement": placement, "status": "active",
              "family_situation": "单亲家庭，母亲独自抚养。", "medical_notes": "韦氏智力测验结果偏低。"}
    fields.update(extra)
    return fields


def new_student(world, actor="hc_s1_resource", school=HC_S1, **kw) -> Student:
    s, _warnings = services.student_create(actor=world.users[actor], guardians=[
        {"name": "刘芳", "relation": "母亲", "phone": "138-0000-0000"}], **make_fields(world.schools[school], **kw))
    return s


def payload(world, school=HC_S1, **kw) -> dict:
    f = make_fields(world.schools[school], **kw)
    out = {k: v for k, v in f.items() if k not in ("school", "school_class", "medical_notes")}
    out.update({"school_id": f["school"].pk, "class_id": f["school_class"].pk if f["school_class"] else None,
                "birth_date": f["birth_date"].isoformat(), "certificate_issued_on": "2022-05-01",
                "guardians": [{"name": "刘芳", "relation": "母亲", "phone": "138-0000-0000"}]})
    return out


def written():
    return (Student.objects.count(), Guardian.objects.count(), PlacementRecord.objects.count(),
            AuditEvent.objects.filter(action="students.student.created").count())


def hc_region_students():
    return Student.objects.filter(region_path__startswith="350000/350200/350205/")


def first_school_student_with_identity(world) -> Student:
    return (Student.objects.filter(school=world.schools[HC_S1], status="active").exclude(id_number_hash="")
            .exclude(certificate_masked="").order_by("id").first())


# --- create: validation per field (PL-1, SEC-5) -----------------------------------------------------------


def _bad_check_digit(p, w):
    idn = p["id_number"]
    p["id_number"] = idn[:17] + ("0" if idn[17] != "0" else "1")
    p["student_number"] = "G" + p["id_number"]


def _other_class(p, w):
    p["class_id"] = SchoolClass.objects.filter(school=w.schools[HC_S2]).first().pk


def _other_grade_class(p, w):
    p["class_id"] = w.classes[(HC_S1, class_name(4, 1))].pk


BAD_FIELDS = {
    "id_number check digit": (_bad_check_digit, "id_number"),
    "id_number length": (lambda p, w: p.update(id_number="35020620150315", student_number="L" + "1" * 18),
                         "id_number"),
    "birth date disagrees with id": (lambda p, w: p.update(birth_date="2017-03-16"), "birth_date"),
    "gender disagrees with id": (lambda p, w: p.update(gender="male"), "gender"),
    "student number not G+id": (lambda p, w: p.update(student_number="G" + make_id_number(
        TEST_REGION, date(2017, 3, 15), 999, "female")), "student_number"),
    "student number malformed": (lambda p, w: p.update(student_number="X123"), "student_number"),
    "certificate category digit": (lambda p, w: p.update(certificate_number=p["id_number"] + "13"),
                                   "certificate_number"),
    "certificate grade digit": (lambda p, w: p.update(certificate_number=p["id_number"] + "54"),
                                "certificate_number"),
    "certificate without disability grade": (lambda p, w: p.update(disability_grade=None), "disability_grade"),
    "hukou region code": (lambda p, w: p.update(hukou_region_code="3502"), "hukou_region_code"),
    "grade out of 1-9": (lambda p, w: p.update(grade=10), "grade"),
    "grade the school does not teach": (lambda p, w: p.update(grade=8), "grade"),
    "disability category": (lambda p, w: p.update(disability_category="blind"), "disability_category"),
    "disability grade": (lambda p, w: p.update(disability_grade=5), "disability_grade"),
    "impossible birth date": (lambda p, w: p.update(birth_date="2017-02-30"), "birth_date"),
    "future birth date": (lambda p, w: p.update(id_number="", certificate_number="", birth_date="2031-01-01",
                                                student_number="L350205203101010001"), "birth_date"),
    "placement": (lambda p, w: p.update(placement="boarding"), "placement"),
    "status": (lambda p, w: p.update(status="expelled"), "status"),
    "certified by": (lambda p, w: p.update(certified_by="school"), "certified_by"),
    "empty name": (lambda p, w: p.update(name=""), "name"),
    "missing gender": (lambda p, w: p.pop("gender"), "gender"),
    "unknown school": (lambda p, w: p.update(school_id=999999), "school_id"),
    "school out of scope": (lambda p, w: p.update(school_id=w.schools[HC_S2].pk), "school_id"),
    "class of another school": (_other_class, "class_id"),
    "class of another grade": (_other_grade_class, "class_id"),
    "guardian phone": (lambda p, w: p.update(guardians=[{"name": "刘芳", "relation": "母亲", "phone": "call me"}]),
                       "guardians[0].phone"),
    "guardian without relation": (lambda p, w: p.update(guardians=[{"name": "刘芳", "relation": ""}]),
                                  "guardians[0].relation"),
}


@pytest.mark.parametrize("case", sorted(BAD_FIELDS))
def test_create_refuses_each_bad_field_with_422_naming_the_field_and_writes_nothing(world, api_client, case):
    """PL-1 / SEC-5: each bad field answers 422 validation_error with errors[].field naming it and a message;
    nothing is written (no student, guardian, placement history or audit row)."""
    mutate, field = BAD_FIELDS[case]
    p = payload(world)
    mutate(p, world)
    before = written()
    r = api_client("hc_s1_resource").post("/api/v1/students", p)
    assert r.status_code == 422, r.content
    assert r["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 422
    assert body["code"] == "validation_error"
    fields = [e["field"] for e in body["errors"]]
    assert field in fields, body
    for e in body["errors"]:
        assert isinstance(e["message"], str) and e["message"].strip()
    assert written() == before


def test_create_with_valid_fields_answers_201_with_the_record_and_its_history(world, api_client):
    """PL-1 / PL-2: a valid record is created (201) with its guardians and a first placement decision."""
    p = payload(world, committee_opinion="经专家委员会评估，建议随班就读。")
    r = api_client("hc_s1_resource").post("/api/v1/students", p)
    assert r.status_code == 201, r.content
    body = r.json()
    s = Student.objects.get(pk=body["id"])
    assert body["version"] == 1
    assert body["id_number"] == p["id_number"][:6] + "*" * 12  # masked even for school staff (SEC-4)
    assert body["guardians"] == [{"name": "刘芳", "relation": "母亲", "phone": "138-0000-0000"}]
    assert s.placements.get().committee_opinion == "经专家委员会评估，建议随班就读。"
    assert AuditEvent.objects.filter(action="students.student.created", object_id=str(s.pk)).exists()


def test_identity_and_student_numbers_typed_in_lower_case_are_stored_in_upper_case(world):
    """PL-1: identity and student numbers are normalised (an x/g typed in lower case is X/G)."""
    fields = make_fields(world.schools[HC_S1])
    fields["student_number"] = fields["student_number"].lower()
    s, _w = services.student_create(actor=world.users["hc_s1_resource"], **fields)
    assert Student.objects.get(pk=s.pk).student_number == fields["student_number"].upper()


def test_birth_date_and_gender_must_agree_with_the_identity_number(world):
    """PL-1: the birth date and the sex digit inside the identity number must match the record."""
    fields = make_fields(world.schools[HC_S1], gender="male", birth=date(2017, 4, 5))
    wrong = dict(fields, gender="female", birth_date=date(2017, 4, 6))
    with pytest.raises(DomainError) as exc:
        services.student_create(actor=world.users["hc_s1_resource"], **wrong)
    assert {e["field"] for e in exc.value.errors} >= {"gender", "birth_date"}
    s, _w = services.student_create(actor=world.users["hc_s1_resource"], **fields)
    assert (s.gender, s.birth_date) == ("male", date(2017, 4, 5))


def test_duplicate_identity_and_student_numbers_are_refused(world, api_client):
    """PL-1: one record per child — a second record with the same identity/student number is refused."""
    first = new_student(world)
    p = payload(world)
    p.update(id_number=first.id_number, student_number=first.student_number, birth_date=first.birth_date.isoformat(),
             gender=first.gender, certificate_number=first.certificate_number, name="另一个学生")
    before = written()
    r = api_client("hc_s1_resource").post("/api/v1/students", p)
    assert r.status_code == 422
    codes = {(e["field"], e["code"]) for e in r.json()["errors"]}
    assert ("id_number", "duplicate") in codes
    assert ("student_number", "duplicate") in codes
    assert written() == before


def test_a_duplicate_identity_number_in_another_district_is_refused_too(world):
    """PL-1: identity numbers are unique across the whole system, not per school."""
    first = new_student(world)
    fields = make_fields(world.schools[GD_S1], grade=3)
    fields.update(id_number=first.id_number, student_number=first.student_number,
                  certificate_number=first.certificate_number, birth_date=first.birth_date, gender=first.gender)
    with pytest.raises(DomainError) as exc:
        services.student_create(actor=world.users["gd_bureau"], **fields)
    assert ("id_number", "duplicate") in {(e["field"], e["code"]) for e in exc.value.errors}


# --- identity numbers: at rest, lookup, masking (SEC-4, ORG-5) -----------------------------------------


def test_identity_certificate_and_notes_are_encrypted_at_rest(world):
    """SEC-4: the identity number, certificate number, family situation and medical notes are not stored in
    clear; the database holds ciphertext only."""
    s = new_student(world)
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, certificate_number, family_situation, medical_notes, id_number_hash "
                    "FROM students_student WHERE id = %s", [s.pk])
        id_raw, cert_raw, family_raw, medical_raw, hash_raw = cur.fetchone()
    for raw, clear in ((id_raw, s.id_number), (cert_raw, s.certificate_number),
                       (family_raw, "单亲家庭，母亲独自抚养。"), (medical_raw, "韦氏智力测验结果偏低。")):
        assert raw and raw != clear
        assert clear not in raw
    assert not re.search(r"\d{8}", id_raw), "no run of clear digits in the stored identity number"
    assert not re.search(r"\d{8}", cert_raw)
    assert s.id_number not in hash_raw
    fresh = Student.objects.get(pk=s.pk)
    assert fresh.id_number == s.id_number and fresh.medical_notes == "韦氏智力测验结果偏低。"


def test_lookup_by_identity_number_works_through_the_keyed_hash_within_scope(world):
    """SEC-4 / ORG-4: a student is found by identity number (typed with a lower-case x or spaces too), only
    inside the user's scope."""
    s = new_student(world)
    assert list(services.find_by_id_number(world.users["hc_s1_leader"], s.id_number)) == [s]
    assert list(services.find_by_id_number(world.users["hc_s1_leader"], f" {s.id_number.lower()} ")) == [s]
    assert list(services.find_by_id_number(world.users["gd_bureau"], s.id_number)) == []
    assert list(services.find_by_id_number(world.users["hc_s2_leader"], s.id_number)) == []


def test_identity_numbers_are_masked_for_roles_without_view_identity(world, api_client):
    """ORG-5 / SEC-4: centre staff (no students.view_identity) see 350205************-style numbers in the list
    and the record; certificate and G-student numbers are masked the same way; family notes are withheld."""
    s = first_school_student_with_identity(world)
    client = api_client("hc_center")
    detail = client.get(f"/api/v1/students/{s.pk}").json()
    assert detail["id_number"] == s.id_number[:6] + "*" * 12
    assert MASKED.match(detail["id_number"])
    assert detail["certificate_number"] == mask_id(s.certificate_number) != s.certificate_number
    assert s.id_number not in detail["student_number"]
    assert detail["family_situation"] == ""
    listed = client.get(f"/api/v1/students?school={world.schools[HC_S1].pk}&page_size=500").json()["items"]
    for item in listed:
        assert item["id_number"] == "" or MASKED.match(item["id_number"]), item["id_number"]
        assert not re.search(r"\d{10}", item["certificate_number"])


def test_identity_numbers_are_masked_even_for_the_school_leader(world, api_client):
    """ORG-5 / SEC-4 (privacy by default): even a role with students.view_identity gets the masks in the
    record; the full numbers only through reveal (tests/security/test_data_privacy.py)."""
    s = first_school_student_with_identity(world)
    detail = api_client("hc_s1_leader").get(f"/api/v1/students/{s.pk}").json()
    assert detail["id_number"] == s.id_number_masked != s.id_number
    assert detail["certificate_number"] == s.certificate_masked != s.certificate_number
    assert detail["student_number"] == s.student_number_masked != s.student_number


def test_viewing_a_record_writes_an_audit_event_ending_in_viewed(world, api_client):
    """ORG-5 / SEC-3 / API.md: GET /api/v1/students/{id} writes an audit event whose action ends in .viewed."""
    s = first_school_student_with_identity(world)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    r = api_client("hc_center").get(f"/api/v1/students/{s.pk}")
    assert r.status_code == 200
    viewed = [e for e in AuditEvent.objects.filter(id__gt=last) if e.action.endswith(".viewed")
              and e.object_type == "student" and e.object_id == str(s.pk)]
    assert len(viewed) == 1
    assert viewed[0].actor == world.users["hc_center"]
    assert viewed[0].school_id == s.school_id


def test_viewing_the_record_page_is_audited_too(world, user_client):
    """ORG-5: the record page is a view of personal data and is audited like the API."""
    s = first_school_student_with_identity(world)
    r = user_client("hc_s1_leader").get(f"/students/{s.pk}/")
    assert r.status_code == 200
    assert AuditEvent.objects.filter(action__endswith=".viewed", object_type="student", object_id=str(s.pk),
                                     actor=world.users["hc_s1_leader"]).exists()


# --- edit: version, permission, scope (SEC-6, ORG-4) ----------------------------------------------------


def test_patch_with_a_stale_version_answers_409_and_changes_nothing(world, api_client):
    """SEC-6: an edit sent with the version read before someone else's edit is refused (409 version_conflict)."""
    s = new_student(world)
    client = api_client("hc_s1_resource")
    ok = client.patch(f"/api/v1/students/{s.pk}", {"version": s.version, "name": "王小明"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == s.version + 1
    stale = client.patch(f"/api/v1/students/{s.pk}", {"version": s.version, "name": "李小红"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    fresh = Student.objects.get(pk=s.pk)
    assert (fresh.name, fresh.version) == ("王小明", s.version + 1)


def test_patch_without_the_version_is_refused(world, api_client):
    """SEC-6: PATCH must send the version it read."""
    s = new_student(world)
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{s.pk}", {"name": "王小明"})
    assert r.status_code == 422
    assert "version" in [e["field"] for e in r.json()["errors"]]
    assert Student.objects.get(pk=s.pk).name == "测试学生"


def test_patch_by_a_role_that_may_only_view_answers_403(world, api_client):
    """ORG-4 / API.md: a record in scope that the role may not change → 403 permission_denied, nothing changed."""
    s = new_student(world)
    r = api_client("hc_center").patch(f"/api/v1/students/{s.pk}", {"version": s.version, "name": "王小明"})
    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied"
    assert Student.objects.get(pk=s.pk).name == "测试学生"


def test_patch_and_get_out_of_scope_answer_404(world, api_client):
    """ORG-4: a 海沧区 student does not exist for the 天河区 bureau (404, never 403)."""
    s = new_student(world)
    client = api_client("gd_bureau")
    r = client.patch(f"/api/v1/students/{s.pk}", {"version": s.version, "name": "王小明"})
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert client.get(f"/api/v1/students/{s.pk}").status_code == 404
    assert Student.objects.get(pk=s.pk).name == "测试学生"


# --- no grade repetition (PL-11) ------------------------------------------------------------------------


def test_patching_the_grade_down_is_refused(world, api_client):
    """PL-11: a student cannot be recorded as repeating a grade: the grade never goes down."""
    s = new_student(world, grade=4)
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{s.pk}", {"version": s.version, "grade": 3})
    assert r.status_code == 422
    assert "grade" in [e["field"] for e in r.json()["errors"]]
    fresh = Student.objects.get(pk=s.pk)
    assert (fresh.grade, fresh.version) == (4, s.version)


def test_no_grade_repetition_flag_can_be_set(world, api_client):
    """PL-11: there is no way to record a repetition — the API ignores or refuses it, the service refuses it,
    and the database constraint forbids it."""
    s = new_student(world, grade=4)
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{s.pk}", {"version": s.version,
                                                                        "repeating_grade": True})
    assert r.status_code in (200, 422)
    assert "repeating_grade" not in r.json() or r.json()["repeating_grade"] is False
    assert Student.objects.get(pk=s.pk).repeating_grade is False
    with pytest.raises(DomainError) as exc:
        services.student_update(actor=world.users["hc_s1_resource"], student=s, version=s.version,
                                repeating_grade=True)
    assert exc.value.errors[0]["field"] == "repeating_grade"
    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.filter(pk=s.pk).update(repeating_grade=True)


# --- exam accommodations (PL-12), deferral (PL-3) ------------------------------------------------------


def test_exam_accommodations_requested_and_granted_are_recorded(world, user_client):
    """PL-12: accommodations requested and granted for the 中考 are recorded with the exam year and audited."""
    s = new_student(world, actor="hc_bureau", school=HC_JUNIOR, grade=9)
    r = user_client("hc_bureau").post(f"/students/{s.pk}/accommodation/", {
        "exam": "zhongkao", "exam_year": 2027, "requested": "延长考试时间30分钟；单独考场",
        "granted": "延长考试时间30分钟", "decided_on": "2027-05-10"})
    assert r.status_code == 302
    a = ExamAccommodation.objects.get(student=s)
    assert (a.exam, a.exam_year, a.requested, a.granted, a.decided_on) == (
        "zhongkao", 2027, "延长考试时间30分钟；单独考场", "延长考试时间30分钟", date(2027, 5, 10))
    assert a.recorded_by == world.users["hc_bureau"]
    assert AuditEvent.objects.filter(action="students.accommodation.recorded", object_id=str(s.pk)).exists()


def test_an_accommodation_for_an_unknown_exam_is_not_recorded(world):
    """PL-12 / SEC-5: the exam is the 中考 or the special admission exam; anything else is refused."""
    s = new_student(world)
    with pytest.raises(DomainError):
        services.accommodation_record(actor=world.users["hc_s1_resource"], student=s, exam="gaokao",
                                      exam_year=2027, requested="延长时间")
    assert not ExamAccommodation.objects.filter(student=s).exists()


def test_deferred_enrolment_keeps_applicant_approver_and_dates(world, user_client):
    """PL-3: a deferral records the guardian's application, the approving body and person, the dates, and the
    student's status becomes deferred."""
    s = new_student(world, grade=1)
    r = user_client("hc_s1_resource").post(f"/students/{s.pk}/deferral/", {
        "applicant": "刘芳", "applied_on": "2026-06-01", "approver_body": "county_bureau",
        "approver_name": "陈建华", "approved_on": "2026-06-20", "deferred_until": "2027-08-31",
        "reason": "康复治疗中"})
    assert r.status_code == 302
    d = Deferral.objects.get(student=s)
    assert (d.applicant, d.applied_on, d.approver_body, d.approver_name, d.approved_on, d.deferred_until) == (
        "刘芳", date(2026, 6, 1), "county_bureau", "陈建华", date(2026, 6, 20), date(2027, 8, 31))
    fresh = Student.objects.get(pk=s.pk)
    assert fresh.status == "deferred"
    assert fresh.version == s.version + 1
    assert AuditEvent.objects.filter(action="students.deferral.recorded", object_id=str(s.pk)).exists()


def test_a_deferral_approved_before_it_was_applied_for_is_refused(world):
    """PL-3 / SEC-5: the approval cannot precede the guardian's application; nothing is recorded."""
    s = new_student(world, grade=1)
    with pytest.raises(DomainError) as exc:
        services.deferral_record(actor=world.users["hc_s1_resource"], student=s, applicant="刘芳",
                                 applied_on=date(2026, 6, 20), approver_body="town", approver_name="某某",
                                 approved_on=date(2026, 6, 1), deferred_until=date(2027, 8, 31))
    assert exc.value.errors[0]["field"] == "approved_on"
    assert not Deferral.objects.filter(student=s).exists()
    assert Student.objects.get(pk=s.pk).status == "active"


def test_a_deferral_without_an_approver_is_refused(world):
    """PL-3: approval by the town government or the county bureau is required."""
    s = new_student(world, grade=1)
    with pytest.raises(DomainError):
        services.deferral_record(actor=world.users["hc_s1_resource"], student=s, applicant="刘芳",
                                 applied_on=date(2026, 6, 1), approver_body="", approver_name="",
                                 approved_on=date(2026, 6, 20), deferred_until=date(2027, 8, 31))
    assert not Deferral.objects.filter(student=s).exists()


# --- leaving outcomes (PL-11) ---------------------------------------------------------------------------


def test_age_18_before_finishing_grade_9_proposes_an_attendance_certificate(world):
    """PL-11: 肄业 (attendance certificate) when age 18 is reached without finishing the nine years."""
    s = new_student(world, grade=6, birth=date(2008, 1, 10))
    rec = services.leaving_propose(actor=world.users["hc_s1_resource"], student=s)
    assert rec.proposed_outcome == "attended"
    assert rec.outcome == ""  # only proposed: the school confirms


def test_grade_9_with_the_criteria_met_proposes_graduation(world):
    """PL-11: 毕业 when all nine years are done and the criteria are met."""
    s = new_student(world, actor="hc_bureau", school=HC_JUNIOR, grade=9)
    assert services.leaving_propose(actor=world.users["hc_bureau"], student=s,
                                    criteria_met=True).proposed_outcome == "graduated"


def test_grade_9_with_the_criteria_not_met_proposes_completion(world):
    """PL-11: 结业 when the nine years are done but the criteria are not met."""
    s = new_student(world, actor="hc_bureau", school=HC_JUNIOR, grade=9)
    assert services.leaving_propose(actor=world.users["hc_bureau"], student=s,
                                    criteria_met=False).proposed_outcome == "completed"


def test_no_leaving_outcome_is_proposed_before_grade_9_and_age_18(world):
    """PL-11: a student in grade 8 under 18 has no leaving outcome to propose."""
    s = new_student(world, actor="hc_bureau", school=HC_JUNIOR, grade=8)
    with pytest.raises(DomainError):
        services.leaving_propose(actor=world.users["hc_bureau"], student=s)
    assert not LeavingRecord.objects.filter(student=s).exists()


@pytest.mark.parametrize("username", ["hc_s1_resource", "hc_bureau", "hc_s2_leader"])
def test_only_the_school_leader_confirms_the_leaving_outcome(world, username):
    """PL-11: the school confirms the proposal — its leader (students.confirm_leaving), not a resource teacher,
    the bureau, or another school's leader."""
    s = new_student(world, grade=6, birth=date(2008, 1, 10))
    rec = services.leaving_propose(actor=world.users["hc_s1_resource"], student=s)
    with pytest.raises(PermissionDenied):
        services.leaving_confirm(actor=world.users[username], record=rec)
    rec.refresh_from_db()
    assert rec.outcome == ""
    assert Student.objects.get(pk=s.pk).status == "active"


def test_the_school_leader_confirms_the_outcome_and_the_status_follows(world, user_client):
    """PL-11: confirmation by the school leader sets the outcome, the student's status and leaves the class."""
    s = new_student(world, grade=6, birth=date(2008, 1, 10), school_class=world.classes[(HC_S1, class_name(6, 1))])
    services.leaving_propose(actor=world.users["hc_s1_resource"], student=s)
    assert user_client("hc_s1_resource").post(f"/students/{s.pk}/leaving/confirm/",
                                              {"outcome": "attended"}).status_code == 403
    r = user_client("hc_s1_leader").post(f"/students/{s.pk}/leaving/confirm/", {"outcome": "attended"})
    assert r.status_code == 302
    rec = LeavingRecord.objects.get(student=s)
    assert (rec.outcome, rec.confirmed_by) == ("attended", world.users["hc_s1_leader"])
    fresh = Student.objects.get(pk=s.pk)
    assert (fresh.status, fresh.school_class_id) == ("attended", None)
    assert AuditEvent.objects.filter(action="students.leaving.confirmed", object_id=str(s.pk)).exists()


# --- list: filters and scope (PL-13, ORG-4) -------------------------------------------------------------


def _ids(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    return {i["id"] for i in body["items"]}


def test_list_filters_by_each_field(world, api_client):
    """PL-13: the list filters by school, class, grade, disability category and grade, placement, status and
    name, each returning exactly the matching students of the user's scope."""
    client = api_client("hc_bureau")
    base = hc_region_students()
    sample = base.filter(school=world.schools[HC_S1], school_class__isnull=False).order_by("id").first()
    sc3 = world.classes[(HC_S1, class_name(3, 1))]
    filters = {
        "school": (world.schools[HC_S1].pk, {"school": world.schools[HC_S1]}),
        "class_id": (sc3.pk, {"school_class": sc3}),
        "grade": (3, {"grade": 3}),
        "disability_category": ("intellectual", {"disability_category": "intellectual"}),
        "disability_grade": (2, {"disability_grade": 2}),
        "placement": ("homebound", {"placement": "homebound"}),
        "status": ("transferred", {"status": "transferred"}),
        "name": (sample.name[:1], {"name__contains": sample.name[:1]}),
    }
    for param, (value, lookup) in filters.items():
        expected = set(base.filter(**lookup).values_list("id", flat=True))
        assert expected, f"the demo world has students for {param}"
        assert expected != set(base.values_list("id", flat=True)), f"{param} filters something out"
        got = _ids(client.get(f"/api/v1/students?{param}={value}&page_size=500"))
        assert got == expected, param


def test_list_filters_combine(world, api_client):
    """PL-13: filters combine (AND)."""
    expected = set(hc_region_students().filter(school=world.schools[HC_S1], grade=3, placement="regular_class")
                   .values_list("id", flat=True))
    got = _ids(api_client("hc_bureau").get(
        f"/api/v1/students?school={world.schools[HC_S1].pk}&grade=3&placement=regular_class&page_size=500"))
    assert got == expected and len(expected) == 3


def test_the_class_teacher_sees_only_the_students_of_their_class(world, api_client):
    """ORG-4: a class teacher sees the students of their own class and no one else."""
    sc3 = world.classes[(HC_S1, class_name(3, 1))]
    got = _ids(api_client("hc_s1_class").get("/api/v1/students?page_size=500"))
    assert got == set(Student.objects.filter(school_class=sc3).values_list("id", flat=True))
    assert len(got) == 3
    other = Student.objects.filter(school=world.schools[HC_S1]).exclude(school_class=sc3).first()
    assert api_client("hc_s1_class").get(f"/api/v1/students/{other.pk}").status_code == 404


def test_the_parent_sees_only_their_child(world, api_client):
    """ORG-4: a guardian sees their own child only."""
    child = world.students["hc_parent_child"]
    client = api_client("hc_parent")
    assert _ids(client.get("/api/v1/students?page_size=500")) == {child.pk}
    classmate = Student.objects.filter(school_class=child.school_class_id).exclude(pk=child.pk).first()
    assert client.get(f"/api/v1/students/{classmate.pk}").status_code == 404


def test_another_schools_leader_does_not_see_the_first_schools_students(world, api_client):
    """ORG-4: the second school's leader sees their school only; the first school's records are 404."""
    client = api_client("hc_s2_leader")
    got = _ids(client.get("/api/v1/students?page_size=500"))
    assert got == set(Student.objects.filter(school=world.schools[HC_S2]).values_list("id", flat=True))
    assert _ids(client.get(f"/api/v1/students?school={world.schools[HC_S1].pk}")) == set()
    s1 = Student.objects.filter(school=world.schools[HC_S1]).first()
    assert client.get(f"/api/v1/students/{s1.pk}").status_code == 404


# --- query counts (list API and roster page) ------------------------------------------------------------


def _count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_api_runs_a_bounded_number_of_queries_independent_of_page_size(world, api_client,
                                                                                 django_assert_max_num_queries):
    """PL-13 / ARCHITECTURE §7: the list costs the same number of queries for 5 or 50 rows (no N+1)."""
    assert hc_region_students().count() >= 50
    client = api_client("hc_bureau")
    client.get("/api/v1/students?page_size=1")  # warm-up: token, policy and translation caches
    small = _count_queries(lambda: client.get("/api/v1/students?page_size=5"))
    with django_assert_max_num_queries(10):
        r = client.get("/api/v1/students?page_size=50")
    assert len(r.json()["items"]) == 50
    large = _count_queries(lambda: client.get("/api/v1/students?page_size=50"))
    assert small == large


def test_the_roster_page_runs_a_bounded_number_of_queries_independent_of_rows(world, user_client,
                                                                              django_assert_max_num_queries):
    """PL-13 / ARCHITECTURE §7: the roster page costs the same number of queries for a few or 50 rows."""
    client = user_client("hc_bureau")
    client.get("/students/")  # warm-up
    few = _count_queries(lambda: client.get("/students/?grade=3"))
    with django_assert_max_num_queries(14):
        r = client.get("/students/")
    assert len(r.context["rows"]) == 50
    many = _count_queries(lambda: client.get("/students/"))
    assert few == many
