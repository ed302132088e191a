"""The province-scale generator behind the benchmarks (ARCHITECTURE "Scale-out"; PL-1, PL-4, ORG-1, ORG-4, SEC-4)."""

import hashlib
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from suiban import policy
from suiban.accounts.models import User
from suiban.core.crypto import lookup_hash, mask_id
from suiban.core.idnumbers import parse_id_number, validate_certificate_number, validate_student_number
from suiban.demo import scale
from suiban.demo.world import current_start_year
from suiban.org.models import Region, ResourceCentre, School, SchoolClass
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Guardian, PlacementRecord, Student

SMALL = {"students": 300, "seed": 1, "cities": 2, "districts": 4, "schools": 40}
PATH = f"{scale.PROVINCE_CODE}/"


def _generate(**extra) -> str:
    out = StringIO()
    call_command("generate_scale", **SMALL, **extra, stdout=out)
    return out.getvalue()


def _fingerprint(numbers) -> str:
    return hashlib.sha256("\n".join(sorted(numbers)).encode()).hexdigest()


def _generated_students():
    return Student.objects.filter(region_path__startswith=PATH)


@pytest.mark.django_db
def test_generate_scale_builds_the_requested_province():
    """ORG-1: a province → cities → districts tree with 6-digit codes, schools with 10-digit codes under their
    district, a resource centre per district; PL-1: every student with guardians and a placement record."""
    out = _generate()
    assert "Generated" in out
    province = Region.objects.get(code=scale.PROVINCE_CODE)
    assert province.path == PATH and province.level == Region.PROVINCE
    assert Region.objects.filter(path__startswith=PATH, level=Region.CITY).count() == 2
    districts = Region.objects.filter(path__startswith=PATH, level=Region.DISTRICT)
    assert districts.count() == 4
    for d in districts:
        assert d.path == f"{PATH}{d.parent.code}/{d.code}/" and d.code[:4] == d.parent.code[:4]
    schools = School.objects.filter(region_path__startswith=PATH)
    assert schools.count() == 40
    assert all(s.code.startswith(s.region.code) and len(s.code) == 10 and s.region_path == s.region.path
               for s in schools)
    assert ResourceCentre.objects.filter(region__path__startswith=PATH).count() == 4
    students = _generated_students()
    assert students.count() == 300
    assert PlacementRecord.objects.filter(student__in=students).count() == 300
    assert Guardian.objects.filter(student__in=students).values("student").distinct().count() == 300


@pytest.mark.django_db
def test_generated_students_are_valid_and_scoped_like_service_created_ones():
    """PL-1: identity numbers valid (GB 11643) and agreeing with birth date and gender, G/L numbers and certificate
    numbers valid; ORG-4: region_path is the school's district path; SEC-4: identity numbers encrypted at rest, with
    the keyed lookup hash and the masked form computed as the services do."""
    _generate()
    students = list(_generated_students().select_related("school", "school__region", "school_class"))
    for s in students:
        validate_student_number(s.student_number, s.id_number)
        if s.id_number:
            info = parse_id_number(s.id_number)
            assert (info["birth_date"], info["gender"]) == (s.birth_date, s.gender)
        if s.certificate_number:
            validate_certificate_number(s.certificate_number, id_number=s.id_number, category=s.disability_category,
                                        grade=s.disability_grade)
        assert s.region_path.startswith(s.school.region.path) and s.region_path == s.school.region_path
        assert s.id_number_hash == lookup_hash(s.id_number)
        assert s.id_number_masked == mask_id(s.id_number)
        assert s.certificate_masked == mask_id(s.certificate_number)
        assert s.grade in s.school.allowed_grades()
        if s.school_class_id:
            assert s.in_inclusion and s.school_class.school_id == s.school_id and s.school_class.grade == s.grade
    with connection.cursor() as cur:
        cur.execute(f"SELECT id_number FROM {Student._meta.db_table} WHERE region_path LIKE %s AND id_number <> ''",
                    [PATH + "%"])
        stored = [row[0] for row in cur.fetchall()]
    assert stored and not any(v[:6].isdigit() for v in stored)  # Fernet tokens, not clear numbers


@pytest.mark.django_db
def test_no_generated_class_exceeds_the_hard_maximum():
    """PL-4: never more than class_hard_max students in inclusion per class (the cap of the province's profile)."""
    _generate()
    in_classes = Counter(_generated_students().filter(placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES,
                                                      school_class__isnull=False)
                         .values_list("school_class", flat=True))
    assert in_classes
    first = School.objects.filter(region_path__startswith=PATH).first()
    hard_max = policy.value(first, "class_hard_max")
    assert max(in_classes.values()) <= hard_max
    assert SchoolClass.objects.filter(school__region_path__startswith=PATH).count() >= len(in_classes)


@pytest.mark.django_db
def test_benchmark_accounts_see_their_scopes():
    """ORG-4: scale_province sees the whole generated province, scale_district only the first district,
    scale_school only the first school."""
    _generate()
    province = User.objects.get(username="scale_province")
    district = User.objects.get(username="scale_district")
    school = User.objects.get(username="scale_school")
    assert Student.objects.visible_to(province).count() == 300
    first_district = Region.objects.filter(path__startswith=PATH, level=Region.DISTRICT).order_by("code").first()
    assert set(Student.objects.visible_to(district).values_list("region_path", flat=True)) == {first_district.path}
    assert 0 < Student.objects.visible_to(district).count() < 300
    assert set(Student.objects.visible_to(school).values_list("school__code", flat=True)) == {
        School.objects.filter(region=first_district).exclude(kind=School.SPECIAL).order_by("code").first().code}


def test_the_plan_is_deterministic_for_a_seed():
    """ARCHITECTURE "Scale-out": benchmarks compare runs, so the same seed (and school year) gives the same
    students; another seed does not."""
    args = dict(SMALL, start_year=2026)
    assert scale.plan(**args).fingerprint() == scale.plan(**args).fingerprint()
    assert scale.plan(**dict(args, seed=2)).fingerprint() != scale.plan(**args).fingerprint()


@pytest.mark.django_db
def test_generating_again_is_a_no_op_and_reset_regenerates_the_same_students():
    """ARCHITECTURE "Scale-out", PL-1: the generator is idempotent (an existing province is left alone);
    --reset deletes and regenerates the same data set for the same seed, matching the plan computed without
    the database."""
    _generate()
    first = set(_generated_students().values_list("student_number", flat=True))
    assert _fingerprint(first) == scale.plan(**SMALL, start_year=current_start_year()).fingerprint()
    assert "exists already" in _generate()
    assert _generated_students().count() == 300
    _generate(reset=True)
    assert set(_generated_students().values_list("student_number", flat=True)) == first
    assert Region.objects.filter(code=scale.PROVINCE_CODE).count() == 1
