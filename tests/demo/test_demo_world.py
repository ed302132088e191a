"""The demo world's students (API.md "Demo world", PL-1, PL-2, PL-4, ORG-4).

The demo world is loaded once per session by tests/conftest.py; the ``world`` fixture reloads it
idempotently and hands back the handles (users, schools, classes, students).
"""

from collections import Counter
from datetime import date

import pytest

from suiban import policy
from suiban.accounts.models import RoleAssignment
from suiban.core.idnumbers import parse_id_number, validate_certificate_number, validate_student_number
from suiban.demo import world as demo
from suiban.demo.students import PER_DISTRICT
from suiban.org.models import SchoolClass
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Guardian, PlacementRecord, Student

FIRST_SCHOOLS = ("3502050101", "4401060101")
SECOND_SCHOOLS = ("3502050102", "4401060102")


def _inclusion(qs):
    return qs.filter(placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES, school_class__isnull=False)


def _class_counts(world, school_code) -> dict[str, int]:
    """Students in inclusion per class of the school's current year, classes with none included."""
    school = world.schools[school_code]
    year = world.years[demo.current_start_year()]
    counts = Counter(_inclusion(Student.objects.filter(school=school)).values_list("school_class__name", flat=True))
    return {c.name: counts.get(c.name, 0) for c in SchoolClass.objects.filter(school=school, school_year=year)}


@pytest.mark.parametrize("district", ["350205", "440106"])
def test_each_demo_district_has_about_sixty_students(world, district):
    """API.md demo world; PL-1: each district has ~60 students, all created through the service (audited, PL-2
    history)."""
    students = Student.objects.filter(region_path__startswith=world.regions[district].path)
    # + the second homebound pupil of 海沧区's first school (API.md demo additions, suiban/demo/homebound.py)
    expected = PER_DISTRICT + (1 if district == "350205" else 0)
    assert students.count() == expected
    assert not students.filter(placements__isnull=True).exists()  # the initial placement decision at least
    assert Guardian.objects.filter(student__in=students).values("student").distinct().count() == expected


@pytest.mark.parametrize("school_code", FIRST_SCHOOLS)
def test_first_school_has_classes_with_none_a_few_and_the_hard_maximum(world, school_code):
    """API.md demo world, PL-4: the first school has ≥ 5 students in inclusion, spread over classes with 0, with
    1 or 2 and with exactly class_hard_max (三年级（1）班)."""
    hard_max = policy.value(world.schools[school_code], "class_hard_max")
    counts = _class_counts(world, school_code)
    assert sum(counts.values()) >= 5
    assert 0 in counts.values()
    assert {1, 2} & set(counts.values())
    assert hard_max in counts.values()
    assert counts[demo.class_name(3, 1)] == hard_max


@pytest.mark.parametrize("school_code", SECOND_SCHOOLS)
def test_another_school_has_fewer_than_five_in_inclusion(world, school_code):
    """API.md demo world, PL-4: another school of the district has fewer than 5 students in inclusion."""
    assert 0 < sum(_class_counts(world, school_code).values()) < 5


def test_no_class_is_above_the_hard_maximum(world):
    """PL-4: no class of the demo holds more than class_hard_max students in inclusion."""
    per_class = Counter(_inclusion(Student.objects.all()).values_list("school_class", flat=True))
    for class_id, n in per_class.items():
        sc = SchoolClass.objects.get(pk=class_id)
        assert n <= policy.value(sc.school, "class_hard_max"), sc


def test_hc_s1_class_teaches_a_class_with_students_in_inclusion(world):
    """API.md demo world, ORG-4: hc_s1_class teaches 三年级（1）班 of the first 海沧区 school, which has students
    in inclusion, and sees exactly them and nobody else."""
    sc = world.classes[("3502050101", demo.class_name(3, 1))]
    assert sc.class_teacher_id == world.users["hc_s1_class"].pk
    in_class = set(_inclusion(Student.objects.filter(school_class=sc)))
    assert in_class
    assert set(Student.objects.visible_to(world.users["hc_s1_class"])) == set(Student.objects.filter(school_class=sc))


def test_hc_parent_sees_exactly_their_own_child(world):
    """API.md demo world, ORG-4: hc_parent (刘芳, 母亲) is the guardian of one student in inclusion of the first
    海沧区 school and sees exactly that child."""
    child = world.students["hc_parent_child"]
    parent = world.users["hc_parent"]
    assert list(Student.objects.visible_to(parent)) == [child]
    assert child.school.code == "3502050101" and child.in_inclusion
    assert child.school_class == world.classes[("3502050101", demo.class_name(3, 1))]
    assert child.guardians.filter(name=parent.full_name, relation="母亲").exists()
    assert RoleAssignment.objects.filter(user=parent, role="guardian", student=child,
                                         revoked_at__isnull=True).count() == 1


def test_every_record_is_consistent(world):
    """PL-1: identity numbers valid (GB 11643) and agreeing with birth date and gender; G-numbers = G + identity
    number, L-numbers 19 characters; certificate numbers agree with identity, category and grade; the birth date
    matches the grade (enrolment at the usual age, PL-3); PL-2: only students in inclusion have a class."""
    start = demo.current_start_year()
    students = list(Student.objects.all())
    assert len(students) >= 2 * PER_DISTRICT
    with_id = 0
    for s in students:
        validate_student_number(s.student_number, s.id_number)
        if s.id_number:
            with_id += 1
            info = parse_id_number(s.id_number)
            assert (info["birth_date"], info["gender"]) == (s.birth_date, s.gender), s.student_number
            assert s.id_number_masked == s.id_number[:6] + "*" * 12  # the region prefix only (SEC-4)
        if s.certificate_number:
            validate_certificate_number(s.certificate_number, id_number=s.id_number, category=s.disability_category,
                                        grade=s.disability_grade)
            assert s.certified_by == "dpf"
        assert date(start - 6 - s.grade, 9, 1) <= s.birth_date < date(start - 5 - s.grade, 9, 1), s.student_number
        assert s.disability_grade in (1, 2, 3, 4)
        if s.placement not in INCLUSION_PLACEMENTS or s.status not in ACTIVE_STATUSES:
            assert s.school_class_id is None, s.student_number
        if s.placement == "homebound":
            assert s.disability_grade in (1, 2)
        assert s.grade in s.school.allowed_grades()
        for g in s.guardians.all():
            assert g.relation in ("母亲", "父亲", "祖母") and g.phone.replace("-", "").isdigit()
    assert with_id > 0.8 * len(students)
    assert {s.student_number[0] for s in students} == {"G", "L"}


def test_loading_the_demo_world_again_creates_no_students(world):
    """API.md demo world: the loader is idempotent (looked up by national student number first)."""
    before = (Student.objects.count(), Guardian.objects.count(), PlacementRecord.objects.count(),
              RoleAssignment.objects.filter(role="guardian").count())
    again = demo.load()
    after = (Student.objects.count(), Guardian.objects.count(), PlacementRecord.objects.count(),
             RoleAssignment.objects.filter(role="guardian").count())
    assert after == before
    assert again.students["hc_parent_child"] == world.students["hc_parent_child"]
    assert again.pending_roles == []
