"""The student edit page never carries a full identity, student or certificate number (SEC-4, ORG-5): it shows
the masks and empty "replace" inputs; left empty, the saved numbers are kept; a new number is validated and
saved, and the audit row says only that it changed (SEC-3)."""

import itertools
from datetime import date

import pytest

from suiban.core import audit
from suiban.core.crypto import mask_id
from suiban.core.idnumbers import make_id_number
from suiban.core.models import AuditEvent
from suiban.students import services
from suiban.students.models import Student

HC_S1 = "3502050101"
EDITOR = "hc_s1_resource"
_seq = itertools.count(601, 2)  # the sequence parity follows the gender: step 2


def _student(world) -> Student:
    birth = date(2017, 3, 15)
    idn = make_id_number("350206", birth, next(_seq), "female")
    s, _w = services.student_create(
        actor=world.users[EDITOR], guardians=[{"name": "刘芳", "relation": "母亲", "phone": "138-0000-0000"}],
        name="测试学生", gender="female", birth_date=birth, id_number=idn, student_number="G" + idn,
        hukou_region_code="350205", school=world.schools[HC_S1], school_class=None, grade=3,
        disability_category="intellectual", disability_grade=3, certificate_number=idn + "53",
        certificate_issued_on=date(2022, 5, 1), certified_by="dpf", placement="regular_class", status="active",
        family_situation="", medical_notes="")
    return Student.objects.get(pk=s.pk)


def _post_data(client, s: Student, **override) -> dict:
    """The edit form as the browser would send it back unchanged (initial values of every input)."""
    form = client.get(f"/students/{s.pk}/edit/").context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            value = ""
        data[name] = getattr(value, "pk", value)
    data.update(override)
    return data


@pytest.mark.django_db
def test_the_edit_page_html_holds_no_full_number_only_the_masks(world, user_client):
    """SEC-4: the edit form shows the masked numbers and empty inputs; the full numbers are nowhere in the HTML."""
    s = _student(world)
    r = user_client(EDITOR).get(f"/students/{s.pk}/edit/")
    assert r.status_code == 200
    html = r.content.decode()
    for number in (s.id_number, s.student_number, s.certificate_number, s.id_number[6:14] + s.id_number[14:]):
        assert number not in html
    assert s.id_number_masked in html and s.student_number_masked in html
    form = r.context["form"]
    assert not any(form.initial.get(f) for f in ("id_number", "student_number", "certificate_number"))


@pytest.mark.django_db
def test_saving_without_touching_the_numbers_keeps_them(world, user_client):
    """SEC-4: an empty "replace" input keeps the saved number (the student number stays required only on create)."""
    s = _student(world)
    client = user_client(EDITOR)
    r = client.post(f"/students/{s.pk}/edit/", _post_data(client, s, grade=4))
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    after = Student.objects.get(pk=s.pk)
    assert after.grade == 4
    assert (after.id_number, after.student_number, after.certificate_number) == (
        s.id_number, s.student_number, s.certificate_number)
    changes = AuditEvent.objects.filter(action="students.student.updated", object_id=str(s.pk)).latest("pk").changes
    assert not {"id_number", "student_number", "certificate_number"} & set(changes)


@pytest.mark.django_db
def test_a_new_number_replaces_the_saved_one_and_the_audit_says_only_changed(world, user_client):
    """SEC-4, SEC-3: a number typed into the "replace" input is validated as on creation and saved; the audit row
    records "(changed)", never the old or new value."""
    s = _student(world)
    client = user_client(EDITOR)
    bad = s.id_number[:17] + ("0" if s.id_number[17] != "0" else "1")
    r = client.post(f"/students/{s.pk}/edit/", _post_data(client, s, id_number=bad))
    assert r.status_code == 200 and r.context["form"].errors.get("id_number")
    assert Student.objects.get(pk=s.pk).id_number == s.id_number

    new = make_id_number("350206", s.birth_date, next(_seq), "female")
    assert new != s.id_number
    # The kept certificate number (identity number + two digits) no longer matches: refused like on creation.
    r = client.post(f"/students/{s.pk}/edit/", _post_data(client, s, id_number=new, student_number="G" + new))
    assert r.status_code == 200 and r.context["form"].errors.get("certificate_number")
    r = client.post(f"/students/{s.pk}/edit/", _post_data(client, s, id_number=new, student_number="G" + new,
                                                           certificate_number=new + "53"))
    assert r.status_code == 302
    after = Student.objects.get(pk=s.pk)
    assert (after.id_number, after.student_number, after.certificate_number) == (new, "G" + new, new + "53")
    event = AuditEvent.objects.filter(action="students.student.updated", object_id=str(s.pk)).latest("pk")
    assert event.changes["id_number"] == [audit.CHANGED, audit.CHANGED]
    assert event.changes["student_number"] == [audit.CHANGED, audit.CHANGED]
    assert event.changes["certificate_number"] == [audit.CHANGED, audit.CHANGED]
    dump = str(event.changes)
    for value in (s.id_number, new, s.id_number[6:]):
        assert value not in dump


@pytest.mark.django_db
def test_a_version_conflict_shows_the_numbers_masked(world, user_client):
    """SEC-4, SEC-6: the conflict table (saved value beside the input) shows numbers masked: the saved numbers are
    nowhere on the page (the person's own new input stays in its field, to be sent again)."""
    s = _student(world)
    client = user_client(EDITOR)
    stale = _post_data(client, s)
    assert client.post(f"/students/{s.pk}/edit/", _post_data(client, s, grade=4)).status_code == 302
    new = make_id_number("350206", s.birth_date, next(_seq), "female")
    r = client.post(f"/students/{s.pk}/edit/", {**stale, "id_number": new, "student_number": "G" + new,
                                                 "certificate_number": new + "53"})
    assert r.status_code == 409
    html = r.content.decode()
    table = html[html.index('id="sb-conflict"'):html.index("</table>", html.index('id="sb-conflict"'))]
    for number in (s.id_number, s.student_number, s.certificate_number):
        assert number not in html
    for number in (new, "G" + new, new + "53"):
        assert number not in table
    assert s.id_number_masked in table and mask_id(new) in table
