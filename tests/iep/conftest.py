"""Fixtures of the individual-education tests: fresh students in inclusion (the demo students of the first
schools already have their plans for the current school year), complete plan payloads, a plan walked into
force, and a past term whose weeks are all over (so sessions can be logged on any of its days)."""

import itertools
from datetime import date

import pytest
from iep_helpers import complete_payload

from suiban.demo import world as demo
from suiban.org.models import School
from suiban.students import services as student_services

HC_S1, HC_S2, GD_S1 = "3502050101", "3502050102", "4401060101"
_seq = itertools.count(1)


@pytest.fixture
def new_student(world):
    """new_student(school_code, grade=…, school_class=…, placement=…) → a fresh student created through the
    student service (in inclusion unless told otherwise)."""

    def make(school_code=HC_S1, grade=2, school_class=None, placement="regular_class", status="active"):
        n = next(_seq)
        school = School.objects.get(code=school_code)
        actor = world.users["hc_bureau" if school_code.startswith("35") else "gd_bureau"]
        start = demo.current_start_year()
        s, _w = student_services.student_create(
            actor=actor, name=f"个案{n}", gender="male", birth_date=date(start - 6 - grade, 5, 1),
            student_number=f"L{school_code[:6]}77{n:010d}", school=school, grade=grade, school_class=school_class,
            disability_category="intellectual", placement=placement, status=status, committee_opinion="测试安置",
            guardians=[{"name": "家长", "relation": "母亲"}])
        return s

    return make


@pytest.fixture
def year(world):
    return world.years[demo.current_start_year()]


@pytest.fixture
def plan_in_force(world, api_client, year):
    """plan_in_force(student, teacher=…, leader=…, sy=…) → the plan's API detail after draft → in_review →
    in_force through the API, by the demo accounts of the student's school."""

    def make(student, teacher="hc_s1_resource", leader="hc_s1_leader", sy=None):
        sy = sy or year
        r = api_client(teacher).post("/api/v1/ieps", complete_payload(student, sy))
        assert r.status_code == 201, r.content
        pid = r.json()["id"]
        r = api_client(teacher).post(f"/api/v1/ieps/{pid}/transitions", {"to": "in_review", "note": "提交"})
        assert r.status_code == 200, r.content
        r = api_client(leader).post(f"/api/v1/ieps/{pid}/transitions", {"to": "in_force", "note": "通过"})
        assert r.status_code == 200, r.content
        return r.json()

    return make


@pytest.fixture
def past_term(world):
    """The second term of last school year: every week is over, and the demo logged no sessions in it."""
    return world.years[demo.current_start_year() - 1].terms.get(number=2)
