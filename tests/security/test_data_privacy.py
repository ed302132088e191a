"""Privacy by default (ORG-5, SEC-3, SEC-4): masks that cannot be completed, the student number encrypted,
full numbers only through a reveal with a purpose, and an audit log that never holds a number."""

import io
import json
import re
from datetime import date

import pytest
from django.db import connection
from openpyxl import load_workbook

from suiban.core.crypto import lookup_hash, mask_id, mask_student_number
from suiban.core.models import AuditEvent
from suiban.students import services
from suiban.students.models import Student

HC_S1, GD_S1 = "3502050101", "4401060101"
EXPORT_URL = "/api/v1/students/export.xlsx"


def make_fields(school, seq=901):
    from suiban.core.idnumbers import make_id_number

    birth = date(2017, 3, 15)
    idn = make_id_number("350206", birth, seq, "female")
    return {"name": "测试学生", "gender": "female", "birth_date": birth, "id_number": idn, "student_number": "G" + idn,
            "hukou_region_code": "350205", "school": school, "grade": 3, "disability_category": "intellectual",
            "disability_grade": 3, "certificate_number": idn + "53", "certificate_issued_on": date(2022, 5, 1),
            "certified_by": "dpf", "placement": "regular_class", "status": "active",
            "family_situation": "单亲家庭，母亲独自抚养。", "medical_notes": "韦氏智力测验结果偏低。"}


def student_with_numbers(school=HC_S1) -> Student:
    return (Student.objects.filter(school__code=school, status="active").exclude(id_number_hash="")
            .exclude(certificate_masked="").order_by("pk").first())


def test_masks_hide_everything_the_same_record_does_not_show_already():
    """SEC-4: the old mask 350205********1974 hid exactly the birth date the record shows, so the number was
    rebuilt from the same screen. A mask now shows only the region prefix (no secret: the household
    registration's) and hides the birth date, sequence and check digit; the certificate number (identity
    number + category and grade digits, both shown) and the G-student number likewise."""
    idn = "350205201503151974"
    assert mask_id(idn) == "350205" + "*" * 12
    assert "20150315" not in mask_id(idn) and "1974" not in mask_id(idn)
    cert = idn + "53"
    assert mask_id(cert) == "350205" + "*" * 14 and "53" not in mask_id(cert)[6:]
    assert mask_student_number("G" + idn) == "G350205" + "*" * 12
    assert mask_student_number("L350205201503150001") == "L350205" + "*" * 12


def test_api_detail_and_list_show_no_number_that_completes_with_the_birth_date(world, api_client):
    """SEC-4 attack: take the masked identity number and fill its hidden part with the birth date shown in the
    same response. Every role — even the school leader with students.view_identity — gets masks that leave
    the sequence and check digits hidden, for identity, certificate and student number."""
    s = student_with_numbers()
    for user in ("hc_s1_leader", "hc_bureau", "hc_center"):
        d = api_client(user).get(f"/api/v1/students/{s.pk}").json()
        birth = date.fromisoformat(d["birth_date"]).strftime("%Y%m%d")
        rebuilt = d["id_number"].replace("*" * 8, birth, 1)
        assert "*" in rebuilt, (user, d["id_number"])
        assert s.id_number not in json.dumps(d), user
        assert s.id_number[-4:] not in d["id_number"] and s.id_number[-4:] not in d["certificate_number"]
        assert s.id_number not in d["student_number"] and s.student_number not in json.dumps(d)
    listed = api_client("hc_s1_leader").get(f"/api/v1/students?school={s.school_id}&page_size=500").json()
    for item in listed["items"]:
        assert re.fullmatch(r"(\d{6}\*{12})?", item["id_number"]), item["id_number"]
        assert re.fullmatch(r"([GJL]\d{6}\*{12})", item["student_number"]), item["student_number"]
        assert not re.search(r"\d{7}", item["certificate_number"])


def test_student_number_is_stored_encrypted_and_found_by_its_keyed_hash(world, api_client):
    """SEC-4: the national student number (G + identity number) is as sensitive as the identity number: the
    column holds ciphertext, the lookup column a keyed hash; search by student number and by identity number
    still finds the student."""
    s = student_with_numbers()
    with connection.cursor() as cur:
        cur.execute("SELECT student_number, student_number_hash FROM students_student WHERE id = %s", [s.pk])
        raw, digest = cur.fetchone()
    assert s.student_number not in raw and s.id_number not in raw
    assert digest == lookup_hash(s.student_number) and s.student_number not in digest
    items = api_client("hc_s1_leader").get(f"/api/v1/students?student_number={s.student_number.lower()}").json()
    assert [i["id"] for i in items["items"]] == [s.pk]
    assert list(Student.objects.filter(services.search_q(s.student_number))) == [s]
    assert s in Student.objects.filter(services.search_q(s.id_number))


def test_reveal_answers_one_number_with_a_purpose_and_is_audited(world, api_client):
    """ORG-5 / SEC-4 (API.md privacy by default): POST /students/{id}/reveal with field and purpose answers the
    full number to a role with students.view_identity, audited as …revealed with the purpose and without the
    number; a missing purpose is 422; roles that may not see it and other scopes get 404."""
    s = student_with_numbers()
    url = f"/api/v1/students/{s.pk}/reveal"
    leader = api_client("hc_s1_leader")
    for field in ("id_number", "certificate_number", "student_number"):
        r = leader.post(url, {"field": field, "purpose": "中考报名核对"})
        assert r.status_code == 200, r.content
        assert r.json() == {"value": getattr(s, field)}
        ev = AuditEvent.objects.filter(action=f"students.{field}.revealed", object_id=str(s.pk)).first()
        assert ev is not None and ev.actor_username == "hc_s1_leader"
        assert ev.changes["purpose"] == "中考报名核对"
        assert getattr(s, field) not in json.dumps(ev.changes, ensure_ascii=False)
    assert leader.post(url, {"field": "id_number"}).status_code == 422
    r = leader.post(url, {"field": "id_number", "purpose": "  "})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "purpose"
    assert leader.post(url, {"field": "medical_notes", "purpose": "x"}).status_code == 422
    for other in ("hc_center", "gd_s1_leader", "hc_s2_leader", "hc_security"):
        if other not in world.users:
            continue
        assert api_client(other).post(url, {"field": "id_number", "purpose": "看看"}).status_code == 404, other


def test_full_number_export_needs_a_purpose_and_is_audited(world, api_client):
    """SEC-4: the roster export is masked for every role; ?full_numbers=1&purpose=… is the only full-number
    export (roles with students.view_identity), audited with the purpose; without a purpose 422."""
    s = student_with_numbers()
    leader = api_client("hc_s1_leader")
    masked = load_workbook(io.BytesIO(leader.get(EXPORT_URL).content)).worksheets[0]
    text = " ".join(str(v) for row in masked.iter_rows(values_only=True) for v in row if v)
    assert s.id_number not in text and s.student_number not in text and s.certificate_number not in text
    r = leader.get(EXPORT_URL + "?full_numbers=1")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "purpose"
    r = leader.get(EXPORT_URL + "?full_numbers=1&purpose=" + "学籍核对")
    assert r.status_code == 200
    full = load_workbook(io.BytesIO(r.content)).worksheets[0]
    text = " ".join(str(v) for row in full.iter_rows(values_only=True) for v in row if v)
    assert s.id_number in text and s.student_number in text and s.certificate_number in text
    ev = AuditEvent.objects.filter(action="students.roster_numbers.revealed").first()
    assert ev.actor_username == "hc_s1_leader" and ev.changes["purpose"] == "学籍核对"
    assert ev.changes["full_numbers"] is True


@pytest.mark.parametrize("field", ["id_number", "student_number", "certificate_number"])
def test_audit_log_never_records_a_number_only_that_it_changed(world, field):
    """SEC-3 / SEC-4 attack: the audit administrator reads the changes of students.student.created/updated and
    collects every identity, student and certificate number. The audit rows now say only that they changed."""
    actor = world.users["hc_s1_resource"]
    s, _w = services.student_create(actor=actor, guardians=[], **make_fields(world.schools[HC_S1]))
    created = AuditEvent.objects.filter(action="students.student.created", object_id=str(s.pk)).get()
    dumped = json.dumps(created.changes, ensure_ascii=False)
    for secret in (s.id_number, s.student_number, s.certificate_number, s.id_number[6:14] + s.id_number[14:],
                   s.family_situation, s.medical_notes, s.id_number_masked):
        assert secret not in dumped
    assert created.changes[field] == [None, "(set)"]
    new = {"family_situation": "父母外出务工，由祖母照看。", "medical_notes": "癫痫，按时服药。"}
    services.student_update(actor=actor, student=s, version=s.version, **new)
    s.refresh_from_db()
    updated = AuditEvent.objects.filter(action="students.student.updated", object_id=str(s.pk)).get()
    assert updated.changes["family_situation"] == ["(changed)", "(changed)"]
    assert updated.changes["medical_notes"] == ["(changed)", "(changed)"]
    assert "祖母" not in json.dumps(updated.changes, ensure_ascii=False)


def test_audit_of_a_number_change_and_of_list_filters_holds_no_number(world, api_client):
    """SEC-3: changing a student number records ["(changed)", "(changed)"]; a list filtered by student number
    records the filter without the number."""
    s = student_with_numbers()
    leader = api_client("hc_s1_leader")
    leader.get(f"/api/v1/students?student_number={s.student_number}")
    ev = AuditEvent.objects.filter(action="students.list.viewed", actor_username="hc_s1_leader").first()
    assert s.student_number not in json.dumps(ev.changes, ensure_ascii=False)
    assert ev.changes["filters"]["student_number"] == "(set)"
    from suiban.core import audit

    assert audit.redact({"student_number": ["G1", "G2"], "certificate_number": ["", "X"]}) == {
        "student_number": ["(changed)", "(changed)"], "certificate_number": ["", "(set)"]}


def test_student_page_masks_for_every_role_and_reveals_with_the_show_button(world, user_client):
    """ORG-5 / SEC-4: the student page shows masks even to the school leader, with a 显示 form that asks for
    the purpose; posting it shows that one number and audits it; without a purpose 422 and nothing shown;
    a role without students.view_identity has no button and gets 404 when posting."""
    s = student_with_numbers()
    c = user_client("hc_s1_leader")
    html = c.get(f"/students/{s.pk}/").content.decode()
    assert s.id_number not in html and s.student_number not in html and s.certificate_number not in html
    assert s.id_number_masked in html and 'name="purpose"' in html and "显示" in html
    r = c.post(f"/students/{s.pk}/reveal/", {"field": "id_number", "purpose": ""})
    assert r.status_code == 422 and s.id_number not in r.content.decode()
    r = c.post(f"/students/{s.pk}/reveal/", {"field": "id_number", "purpose": "核对学籍"})
    assert r.status_code == 200
    page = r.content.decode()
    assert s.id_number in page and s.certificate_number not in page
    assert AuditEvent.objects.filter(action="students.id_number.revealed", object_id=str(s.pk)).exists()
    centre = user_client("hc_center")
    page = centre.get(f"/students/{s.pk}/").content.decode()
    assert 'name="purpose"' not in page
    assert centre.post(f"/students/{s.pk}/reveal/", {"field": "id_number", "purpose": "x"}).status_code == 404
    html = c.get(f"/students/?school={s.school_id}").content.decode()
    assert s.id_number not in html
