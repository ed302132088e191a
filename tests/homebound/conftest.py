"""Fixtures of the home-delivered education tests: fresh homebound students of the first 海沧区 school, the school's
filed pool (created with the ORM: hc_s1_resource and two colleagues), an active enrolment."""

import itertools
from datetime import date

import pytest
from hb_helpers import CONFIRMED, HC_S1

from suiban.demo import world as demo
from suiban.demo.homebound import _pool
from suiban.org.models import School
from suiban.staff.models import Pool, PoolMember, StaffMember
from suiban.students import services as student_services

_seq = itertools.count(1)


@pytest.fixture
def year(world):
    return world.years[demo.current_start_year()]


@pytest.fixture
def pool(world, year):
    """The first school's filed pool: [hc_s1_resource's staff id, a colleague's, a third teacher's]."""
    school = School.objects.get(code=HC_S1)
    ids = _pool(world, school, year)
    third = StaffMember.objects.create(name="王老师", school=school, region_path=school.region_path)
    PoolMember.objects.create(pool=Pool.objects.get(school=school, school_year=year), staff=third, kind="excellent")
    return [*ids, third.pk]


@pytest.fixture
def outsider(world):
    school = School.objects.get(code=HC_S1)
    return StaffMember.objects.create(name="池外老师", school=school, region_path=school.region_path)


@pytest.fixture
def homebound_student(world):
    def make(school_code=HC_S1, grade=3, birth=None, disability_grade=1, certified_by="dpf", hukou="350205",
             placement="homebound"):
        n = next(_seq)
        school = School.objects.get(code=school_code)
        start = demo.current_start_year()
        s, _w = student_services.student_create(
            actor=world.users["hc_bureau"], name=f"送教{n}", gender="female",
            birth_date=birth or date(start - 6 - grade, 5, 1), student_number=f"L{school_code[:6]}88{n:010d}",
            hukou_region_code=hukou, school=school, grade=grade, disability_category="multiple",
            disability_grade=disability_grade, certified_by=certified_by, placement=placement, status="active",
            committee_opinion="送教上门", guardians=[{"name": "家长", "relation": "母亲"}])
        return s

    return make


@pytest.fixture
def active_enrolment(world, year, pool, homebound_student):
    from suiban.homebound import services

    def make(student=None, teachers=None):
        s = student or homebound_student()
        e = services.enrolment_create(actor=world.users["hc_s1_leader"], student=s, school_year=year,
                                      start_date=year.start_date, teacher_ids=teachers or pool[:2],
                                      place="学生家中", eligibility=CONFIRMED)
        return services.enrolment_update(actor=world.users["hc_s1_leader"], enrolment=e, state="active")

    return make
