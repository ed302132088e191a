"""Smaller leaks and errors found by probing (item 10 of the security review), retried as tests.

Rules: SEC-2 (least privilege: nothing outside one's scope is listed or distinguishable), SEC-5 (every input
validated: no server error for any value, clear Chinese messages, bounded sizes).
"""

import pytest

from suiban.org.forms import SchoolClassForm

HUGE = "99999999999999999999999"


def test_class_teacher_picker_lists_only_staff_of_the_schools_in_scope(world):
    """SEC-2: the class-teacher picker of a school leader lists their school's staff only: no parent, no
    administrator, no one of another school or province."""
    leader = world.users["hc_s1_leader"]
    form = SchoolClassForm(actor=leader)
    names = set(form.fields["class_teacher"].queryset.values_list("username", flat=True))
    assert {"hc_s1_resource", "hc_s1_class", "hc_s1_leader"} <= names
    assert not names & {"hc_parent", "secadmin", "admin", "auditor", "gd_s1_leader", "hc_s2_leader", "hc_bureau"}


def test_class_teacher_from_another_province_is_refused_by_the_service(world):
    """SEC-2: the service refuses a class teacher who is not staff of the class's school (Chinese message)."""
    from suiban.core.errors import DomainError
    from suiban.org import services as org_services

    sc = next(iter(c for (code, _n), c in world.classes.items() if code == "3502050101"))
    with pytest.raises(DomainError) as exc:
        org_services.class_update(actor=world.users["hc_s1_leader"], school_class=sc, version=sc.version,
                                  grade=sc.grade, name=sc.name, class_teacher=world.users["gd_s1_leader"])
    assert exc.value.errors[0]["field"] == "class_teacher"


@pytest.mark.parametrize("url", [
    f"/students/?school={HUGE}", f"/students/?class_id={HUGE}", f"/students/?grade={HUGE}",
    f"/students/?page={HUGE}", f"/archives/?school={HUGE}", f"/archives/?year={HUGE}",
    f"/policy/?region={HUGE}", f"/policy/?school={HUGE}", f"/org/regions/?parent={HUGE}",
    f"/iep/?school={HUGE}", f"/iep/?student={HUGE}", f"/audit/?page={HUGE}",
])
def test_huge_integers_in_page_filters_never_give_a_server_error(world, user_client, url):
    """SEC-5: an integer beyond the database's range in a page filter answers 200/302/404, never 500."""
    client = user_client("hc_bureau")
    client.raise_request_exception = False
    resp = client.get(url)
    assert resp.status_code in (200, 302, 404), (url, resp.status_code)


def test_huge_version_number_of_a_plan_answers_4xx(world, api_client):
    """SEC-5: /ieps/{id}/versions/{n} with n beyond the integer range answers 404/422, not 500."""
    from suiban.iep.models import Plan

    plan = Plan.objects.visible_to(world.users["hc_bureau"]).first()
    c = api_client("hc_bureau")
    c.client.raise_request_exception = False
    resp = c.get(f"/api/v1/ieps/{plan.pk}/versions/{HUGE}")
    assert resp.status_code in (404, 422)
    assert resp["Content-Type"].startswith("application/problem+json")


def test_out_of_scope_class_answers_exactly_like_a_missing_one(world, api_client):
    """SEC-2: placing a student into a class of another province answers the same status, code and message as a
    class id that does not exist."""
    student = next(s for s in world.students.values() if s.school.code == "3502050101")
    other = next(c for (code, _n), c in world.classes.items() if code == "4401060101")
    c = api_client("hc_s1_resource")
    missing = c.patch(f"/api/v1/students/{student.pk}", {"class_id": 2**52, "version": student.version})
    foreign = c.patch(f"/api/v1/students/{student.pk}", {"class_id": other.pk, "version": student.version})
    assert missing.status_code == foreign.status_code
    strip = lambda b: {k: v for k, v in b.items()}  # noqa: E731
    assert strip(missing.json()) == strip(foreign.json())


def _zip(parts: dict) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_case_attachments_refuse_a_macro_docx_like_archives_do():
    """SEC-5: a .docx carrying macros (word/vbaProject.bin) is refused as a case attachment, as in the archives;
    a plain .docx still passes."""
    import io

    from suiban.students.cases import services as cases

    docm = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>",
                 "word/vbaProject.bin": "macro"})
    docx = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
    assert cases.sniff(docm[:16], io.BytesIO(docm)) is None
    assert cases.sniff(docx[:16], io.BytesIO(docx)) == "docx"


def test_free_text_has_a_length_limit_with_a_chinese_message(world, api_client):
    """SEC-5: a 20,000-character family situation is refused with 422 naming the field, in Chinese; nothing is
    stored."""
    from suiban.students.models import Student

    student = next(s for s in world.students.values() if s.school.code == "3502050101")
    before = Student.objects.get(pk=student.pk).family_situation
    resp = api_client("hc_s1_resource").patch(f"/api/v1/students/{student.pk}",
                                              {"family_situation": "家" * 20_000, "version": student.version})
    assert resp.status_code == 422, resp.content[:300]
    err = next(e for e in resp.json()["errors"] if e["field"] == "family_situation")
    assert "过长" in err["message"]
    assert Student.objects.get(pk=student.pk).family_situation == before
