"""A special class attached to an ordinary school (附设特教班) is a class kind of its own.

Rules: PL-2 (the placements: 随班就读 in an ordinary class and the special class attached to an ordinary school
are two placements), PL-4 (the cap of ⚙ class_advised_max / class_hard_max students in inclusion is an ordinary
class's: a special class has none, and its pupils count against no ordinary class).
"""

import itertools
from datetime import date

import pytest
from django.utils import timezone, translation

from suiban.core.errors import DomainError
from suiban.core.idnumbers import make_id_number
from suiban.org import services as org_services
from suiban.org.models import SchoolClass, SchoolYear, class_name
from suiban.students import services
from suiban.students.models import Student
from suiban.students.roster import imports as roster_imports
from tests.oversight.helpers import open_finding, run
from tests.students.test_roster import errors_by_row, student_row, upload, workbook_bytes

HC_S1 = "3502050101"
TEST_REGION = "350212"
_seq = itertools.count(912, 2)  # even sequences: female identity numbers


def new_student(world, *, grade, placement, school_class=None) -> Student:
    birth = date(2026 - 6 - grade, 3, 1)
    idn = make_id_number(TEST_REGION, birth, next(_seq), "female")
    s, _w = services.student_create(
        actor=world.users["hc_s1_resource"], name="测试学生", gender="female", birth_date=birth, id_number=idn,
        student_number="G" + idn, school=world.schools[HC_S1], school_class=school_class, grade=grade,
        disability_category="intellectual", disability_grade=3, placement=placement, status="active")
    return s


def special_class(world, grade=3, name=None) -> SchoolClass:
    return org_services.class_create(actor=world.admin, school=world.schools[HC_S1],
                                     school_year=SchoolYear.current(timezone.localdate()), grade=grade,
                                     name=name or f"{grade}年级特教班", kind=SchoolClass.SPECIAL)


def regular_in(sc) -> int:
    return Student.objects.filter(school_class=sc, placement="regular_class", status="active").count()


def test_a_special_class_takes_more_pupils_than_the_cap_of_an_ordinary_class(world):
    """PL-2, PL-4: placing pupils in a special class never trips the class cap (no refusal beyond ⚙ class_hard_max
    = 3, no warning beyond the advised 2): the cap is an ordinary class's."""
    sc = special_class(world)
    for _i in range(5):
        s = new_student(world, grade=3, placement="special_class")
        s, warnings = services.place_in_class(actor=world.users["hc_s1_resource"], student=s, school_class=sc,
                                              version=s.version)
        assert warnings == []
        assert s.school_class_id == sc.pk
    assert Student.objects.filter(school_class=sc, status="active").count() == 5


def test_pupils_placed_in_a_special_class_do_not_take_a_seat_of_an_ordinary_class(world, api_client):
    """PL-4: the ordinary class 三年级（1）班 is at its hard maximum of 3 students in inclusion; a pupil placed in a
    special class (附设特教班) recorded in it does not count against its cap, and a 随班就读 student is still
    refused."""
    full = world.classes[(HC_S1, class_name(3, 1))]
    assert regular_in(full) == 3
    pupil = new_student(world, grade=3, placement="special_class")
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{pupil.pk}", {"version": pupil.version,
                                                                            "class_id": full.pk})
    assert r.status_code == 200, r.content
    assert r.json().get("warnings", []) == []
    regular = new_student(world, grade=3, placement="regular_class")
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{regular.pk}", {"version": regular.version,
                                                                              "class_id": full.pk})
    assert r.status_code == 422 and r.json()["code"] == "class_full"


def test_a_special_class_full_of_pupils_leaves_the_ordinary_classes_their_seats(world):
    """PL-4: five pupils in the grade's special class; the grade's ordinary class with 2 students in inclusion takes
    a third with the advised-maximum warning and refuses a fourth — the special class's pupils count for none."""
    sc = special_class(world, grade=2)
    for _i in range(5):
        new_student(world, grade=2, placement="special_class", school_class=sc)
    ordinary = world.classes[(HC_S1, class_name(2, 2))]
    assert regular_in(ordinary) == 2
    third = new_student(world, grade=2, placement="regular_class")
    _s, warnings = services.place_in_class(actor=world.users["hc_s1_resource"], student=third,
                                           school_class=ordinary, version=third.version)
    assert len(warnings) == 1
    fourth = new_student(world, grade=2, placement="regular_class")
    with pytest.raises(DomainError) as exc:
        services.place_in_class(actor=world.users["hc_s1_resource"], student=fourth, school_class=ordinary,
                                version=fourth.version)
    assert exc.value.code == "class_full"


def test_a_student_in_inclusion_in_an_ordinary_class_is_not_placed_in_a_special_class(world):
    """PL-2: 随班就读 is a placement in an ordinary class; the special class is another placement, so a student
    placed 随班就读 cannot be put in it (the class field says why); with the placement changed, the pupil can."""
    sc = special_class(world)
    s = new_student(world, grade=3, placement="regular_class")
    with pytest.raises(DomainError) as exc:
        services.place_in_class(actor=world.users["hc_s1_resource"], student=s, school_class=sc, version=s.version)
    assert [e["field"] for e in exc.value.errors] == ["class_id"]
    s, _w = services.change_placement(actor=world.users["hc_s1_resource"], student=Student.objects.get(pk=s.pk),
                                      placement="special_class", committee_opinion="建议安置在附设特教班。",
                                      version=s.version, school_class=sc)
    assert s.school_class_id == sc.pk and s.placement == "special_class"


def test_findings_leave_special_classes_out_of_the_class_cap(world):
    """PL-4: the findings engine reports an ordinary class over the cap, never a special class however many pupils
    it has (advised and hard maximum)."""
    sc = special_class(world, grade=4)
    for _i in range(5):
        new_student(world, grade=4, placement="special_class", school_class=sc)
    run(sc.school_id, "PL-4", "PL-4.hard")
    assert open_finding("PL-4", "class", sc.pk) is None
    assert open_finding("PL-4.hard", "class", sc.pk) is None
    # the same five pupils as 随班就读 in an ordinary class would be a finding: the check itself runs
    ordinary = world.classes[(HC_S1, class_name(4, 1))]
    Student.objects.filter(school_class=sc).update(school_class=ordinary, placement="regular_class")
    run(sc.school_id, "PL-4", "PL-4.hard")
    assert open_finding("PL-4.hard", "class", ordinary.pk) is not None


def test_an_ordinary_class_with_students_in_inclusion_does_not_become_a_special_class(world):
    """PL-2: a class holding 随班就读 students stays an ordinary class until they are placed elsewhere; an empty
    class may change its kind; a special-education school has no special class attached."""
    full = world.classes[(HC_S1, class_name(3, 1))]
    with pytest.raises(DomainError) as exc:
        org_services.class_update(actor=world.admin, school_class=full, version=full.version, kind="special")
    assert [e["field"] for e in exc.value.errors] == ["kind"]
    empty = next(c for c in SchoolClass.objects.filter(school__code=HC_S1, school_year=full.school_year)
                 if regular_in(c) == 0 and not Student.objects.filter(school_class=c).exists())
    changed = org_services.class_update(actor=world.admin, school_class=empty, version=empty.version, kind="special")
    assert changed.kind == "special"
    special_school = next(s for s in world.schools.values() if s.kind == "special")
    with pytest.raises(DomainError) as exc:
        org_services.class_create(actor=world.admin, school=special_school, school_year=full.school_year, grade=3,
                                  name="三年级特教班", kind="special")
    assert "kind" in [e["field"] for e in exc.value.errors]


def test_the_classes_api_names_the_kind_with_ordinary_as_default(world, api_client):
    """PL-2: GET /api/v1/schools/{id}/classes gives each class its kind ("ordinary" or "special") and filters by
    it; existing clients that ignore the field are unaffected."""
    sc = special_class(world)
    school = world.schools[HC_S1]
    r = api_client("hc_s1_resource").get(f"/api/v1/schools/{school.pk}/classes?page_size=100")
    assert r.status_code == 200
    kinds = {c["id"]: c["kind"] for c in r.json()["items"]}
    assert kinds[sc.pk] == "special"
    assert {k for i, k in kinds.items() if i != sc.pk} == {"ordinary"}
    r = api_client("hc_s1_resource").get(f"/api/v1/schools/{school.pk}/classes?kind=special")
    assert [c["id"] for c in r.json()["items"]] == [sc.pk]


def test_the_class_page_sets_and_shows_the_kind(world, user_client):
    """PL-2: the class form offers the kind in Chinese; the saved special class is marked in the class list."""
    c = user_client("admin")
    r = c.get("/org/classes/new/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "普通学校附设特教班" in html and 'name="kind"' in html
    school = world.schools[HC_S1]
    r = c.post("/org/classes/new/", {"school": school.pk, "school_year": SchoolYear.current(timezone.localdate()).pk,
                                     "grade": 5, "name": "五年级特教班", "kind": "special"})
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    sc = SchoolClass.objects.get(school=school, name="五年级特教班")
    assert sc.kind == "special"
    r = c.get(f"/org/classes/?school={school.pk}&grade=5")
    assert "五年级特教班" in r.content.decode() and "普通学校附设特教班" in r.content.decode()


def test_a_special_class_moves_up_a_grade_as_a_special_class_with_its_pupils(world):
    """PL-2 with ORG-2: at the start of the next school year 三年级特教班 becomes 四年级特教班, still a special class,
    and its pupils move up into it — beyond the ordinary classes' cap, which does not apply to it."""
    from suiban.students.rollover import start_school_year

    sc = special_class(world, grade=3, name="三年级特教班")
    pupils = [new_student(world, grade=3, placement="special_class", school_class=sc) for _i in range(4)]
    summary = start_school_year(actor=world.users["hc_bureau"], start_year=sc.school_year.start_year + 1,
                                schools=[HC_S1])[HC_S1]
    moved = SchoolClass.objects.get(school=sc.school, school_year__start_year=sc.school_year.start_year + 1,
                                    name="四年级特教班")
    assert moved.kind == SchoolClass.SPECIAL and moved.grade == 4
    assert set(Student.objects.filter(school_class=moved).values_list("pk", flat=True)) == {p.pk for p in pupils}
    assert not set(summary["unplaced"]) & {p.pk for p in pupils}
    ordinary = SchoolClass.objects.filter(school=sc.school, school_year=moved.school_year, grade=4)
    assert all(c.kind == SchoolClass.ORDINARY for c in ordinary.exclude(pk=moved.pk))


@pytest.fixture(params=["services", "bulk"])
def import_path(request, monkeypatch):
    """Both write paths of the roster import: row by row (small files) and the bulk path (large files)."""
    monkeypatch.setattr(roster_imports, "BULK_MIN_ROWS", 1 if request.param == "bulk" else 10**9)
    return request.param


def test_a_roster_import_fills_a_special_class_beyond_the_cap_but_keeps_regular_students_out(
        world, api_client, import_path):
    """PL-2, PL-4 on import (both write paths): five rows placed 附设特教班 into the school's special class are
    imported (no class cap there); a row placed 随班就读 into the special class is refused on the class column."""
    special_class(world, grade=3, name="三年级特教班")
    rows = [student_row(601 + 2 * i, birth=date(2016, 3, 4), grade=3, klass="三年级特教班", 安置方式="附设特教班")
            for i in range(5)]
    wrong = student_row(613, birth=date(2016, 3, 4), grade=3, klass="三年级特教班")
    resp = upload(api_client("hc_s1_leader"), workbook_bytes([*rows, wrong]))
    assert resp.status_code == 422
    assert set(errors_by_row(resp)) == {7} and errors_by_row(resp)[7][0]["column"] == "班级"
    resp = upload(api_client("hc_s1_leader"), workbook_bytes(rows))
    assert resp.status_code == 200, resp.content
    assert resp.json()["created"] == 5 and not resp.json().get("warnings")


def test_a_class_form_posted_without_the_kind_makes_an_ordinary_class_and_keeps_a_special_one(world, user_client):
    """PL-2: the kind is a new field with a default: a form posted without it (an older client) creates an
    ordinary class, and an edit without it keeps a special class special."""
    c = user_client("admin")
    school, year = world.schools[HC_S1], SchoolYear.current(timezone.localdate())
    r = c.post("/org/classes/new/", {"school": school.pk, "school_year": year.pk, "grade": 5, "name": "五年级（9）班"})
    assert r.status_code == 302
    assert SchoolClass.objects.get(school=school, name="五年级（9）班").kind == "ordinary"
    sc = special_class(world, grade=5, name="五年级特教班")
    r = c.post(f"/org/classes/{sc.pk}/edit/", {"grade": 5, "name": "五年级培智班", "version": sc.version})
    assert r.status_code == 302
    sc.refresh_from_db()
    assert (sc.name, sc.kind) == ("五年级培智班", "special")


def test_the_place_page_names_a_special_class_as_such(world, user_client):
    """PL-2: where a pupil is placed, the class choice says which class is a special class (附设特教班)."""
    sc = special_class(world, grade=3, name="三年级（3）班")
    s = new_student(world, grade=3, placement="special_class")
    html = user_client("hc_s1_resource").get(f"/students/{s.pk}/place/").content.decode()
    assert "三年级（3）班（附设特教班）" in html
    assert f'value="{sc.pk}"' in html


def test_class_lists_count_in_inclusion_only_pupils_placed_in_ordinary_classes(world, api_client, user_client):
    """PL-2, PL-4: the classes API's inclusion_count counts the active pupils placed 随班就读 in an ordinary class —
    not a special-class pupil recorded there, and nothing for a special class (附设特教班), whose pupils are its own
    figure (pupil_count); the class pages show the special class's pupils as such, not as 随班就读."""
    full = world.classes[(HC_S1, class_name(3, 1))]
    new_student(world, grade=3, placement="special_class", school_class=full)
    sc = special_class(world, grade=5)
    for _ in range(4):
        new_student(world, grade=5, placement="special_class", school_class=sc)
    school = world.schools[HC_S1]
    r = api_client("hc_s1_leader").get(f"/api/v1/schools/{school.pk}/classes?page_size=100")
    by_id = {k["id"]: k for k in r.json()["items"]}
    assert by_id[full.pk]["inclusion_count"] == regular_in(full) == 3
    assert by_id[full.pk]["pupil_count"] == 4
    assert (by_id[sc.pk]["inclusion_count"], by_id[sc.pk]["pupil_count"], by_id[sc.pk]["kind"]) == (0, 4, "special")
    with translation.override("zh-hans"):
        for url in (f"/org/schools/{school.pk}/", "/org/classes/"):
            html = user_client("hc_s1_leader").get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
            row = next(r for r in html.split("<tr>") if sc.name in r)
            assert "特教班学生 4 人" in row, row
