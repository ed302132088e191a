"""Placement decisions and the class cap.

Rules: PL-2 (placements; the expert committee's opinion is recorded with every placement decision; a
placement may be adjusted and keeps its history), PL-4 (⚙ class_advised_max = 2 is a warning, ⚙
class_hard_max = 3 is a refusal with a clear message — also when two placements race for the last seat),
ARCHITECTURE §5 (the numbers come from the policy, overridable per school), SEC-5 (nothing half-written).
"""

import itertools
import threading
from datetime import date

import pytest
from django.db import connection

from suiban.accounts.models import User
from suiban.core.errors import DomainError
from suiban.core.idnumbers import make_id_number
from suiban.demo import world as demo
from suiban.org.models import SchoolClass, class_name
from suiban.policy.models import PolicyOverride
from suiban.policy.resolve import invalidate
from suiban.students import services
from suiban.students.models import INCLUSION_PLACEMENTS, PlacementRecord, Student

HC_S1 = "3502050101"
TEST_REGION = "350206"  # no demo identity number starts with it
_seq = itertools.count(301)


def new_student(world, *, grade, placement="regular_class", school_class=None, actor="hc_s1_resource") -> Student:
    birth = date(2026 - 6 - grade, 2, 1)
    idn = make_id_number(TEST_REGION, birth, next(_seq), "male")
    s, _w = services.student_create(
        actor=world.users[actor], name="测试学生", gender="male", birth_date=birth, id_number=idn,
        student_number="G" + idn, school=world.schools[HC_S1], school_class=school_class, grade=grade,
        disability_category="speech", disability_grade=4, placement=placement, status="active")
    return s


def in_inclusion(sc) -> int:
    return Student.objects.filter(school_class=sc, placement__in=INCLUSION_PLACEMENTS, status="active").count()


def override(world, name, value):
    PolicyOverride.objects.create(school=world.schools[HC_S1], name=name, value=value)
    invalidate()


@pytest.fixture
def full_class(world):
    """三年级（1）班 of the first 海沧区 school: at the hard maximum of 3 (API.md)."""
    sc = world.classes[(HC_S1, class_name(3, 1))]
    assert in_inclusion(sc) == 3
    return sc


@pytest.fixture
def class_of_two(world):
    sc = world.classes[(HC_S1, class_name(2, 2))]
    assert in_inclusion(sc) == 2
    return sc


@pytest.fixture
def class_of_one(world):
    sc = world.classes[(HC_S1, class_name(1, 1))]
    assert in_inclusion(sc) == 1
    return sc


# --- the hard maximum (PL-4) ---------------------------------------------------------------------------


def test_placing_into_a_class_at_the_hard_maximum_is_refused_with_class_full(world, api_client, full_class):
    """PL-4: a 4th student in inclusion is refused: 422 class_full naming class_id; nothing changes."""
    s = new_student(world, grade=3)
    records = PlacementRecord.objects.filter(student=s).count()
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{s.pk}", {"version": s.version,
                                                                        "class_id": full_class.pk})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "class_full"
    assert "class_id" in [e["field"] for e in body["errors"]]
    assert body["detail"]
    fresh = Student.objects.get(pk=s.pk)
    assert (fresh.school_class_id, fresh.version) == (None, s.version)
    assert PlacementRecord.objects.filter(student=s).count() == records
    assert in_inclusion(full_class) == 3


def test_the_place_page_shows_class_full_next_to_the_class_field_and_changes_nothing(world, user_client, full_class):
    """PL-4: on /students/<id>/place/ the refusal is a form error on the class field; nothing is saved."""
    s = new_student(world, grade=3)
    r = user_client("hc_s1_resource").post(f"/students/{s.pk}/place/", {
        "version": s.version, "school_class": full_class.pk, "committee_opinion": ""})
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert "school_class" in errors and errors["school_class"][0]
    assert errors["school_class"][0] in r.content.decode()
    assert Student.objects.get(pk=s.pk).school_class_id is None
    assert in_inclusion(full_class) == 3


def test_the_place_page_saves_a_placement_below_the_maximum(world, user_client, class_of_one):
    """PL-4: the same page places the student when the class has room."""
    s = new_student(world, grade=1)
    r = user_client("hc_s1_resource").post(f"/students/{s.pk}/place/", {
        "version": s.version, "school_class": class_of_one.pk, "committee_opinion": ""})
    assert r.status_code == 302
    assert Student.objects.get(pk=s.pk).school_class_id == class_of_one.pk


def test_creating_a_student_straight_into_a_full_class_is_refused(world, full_class):
    """PL-4: the cap applies on creation too; the record is not created."""
    before = Student.objects.count()
    with pytest.raises(DomainError) as exc:
        new_student(world, grade=3, school_class=full_class)
    assert exc.value.code == "class_full"
    assert Student.objects.count() == before


def test_students_outside_inclusion_do_not_count_towards_the_cap(world, api_client, full_class):
    """PL-4: the cap counts students in inclusion (regular or special class, in school): a homebound student
    attached to the class does not take a seat."""
    s = new_student(world, grade=3, placement="homebound")
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{s.pk}", {"version": s.version,
                                                                        "class_id": full_class.pk})
    assert r.status_code == 200, r.content
    assert in_inclusion(full_class) == 3


# --- the advised maximum (PL-4) ------------------------------------------------------------------------


def test_exceeding_the_advised_maximum_succeeds_with_a_warning(world, api_client, class_of_two):
    """PL-4: a 3rd student (advised 2, hard 3) is placed, and the response carries a warning."""
    s = new_student(world, grade=2)
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{s.pk}", {"version": s.version,
                                                                        "class_id": class_of_two.pk})
    assert r.status_code == 200, r.content
    assert len(r.json()["warnings"]) == 1
    assert r.json()["class_id"] == class_of_two.pk
    assert in_inclusion(class_of_two) == 3


def test_up_to_the_advised_maximum_there_is_no_warning(world, api_client, class_of_one):
    """PL-4: a 2nd student in a class (advised 2) is placed without a warning."""
    s = new_student(world, grade=1)
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{s.pk}", {"version": s.version,
                                                                        "class_id": class_of_one.pk})
    assert r.status_code == 200, r.content
    assert r.json()["warnings"] == []


# --- the numbers come from the policy (ARCHITECTURE §5) -------------------------------------------------


def test_a_school_override_of_class_hard_max_lets_a_fourth_student_in(world, api_client, full_class):
    """PL-4 / ARCH §5: with class_hard_max = 4 overridden for the school, a 4th student is placed."""
    override(world, "class_hard_max", 4)
    s = new_student(world, grade=3)
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{s.pk}", {"version": s.version,
                                                                        "class_id": full_class.pk})
    assert r.status_code == 200, r.content
    assert r.json()["warnings"]  # still over the advised maximum
    assert in_inclusion(full_class) == 4


def test_a_lower_class_hard_max_refuses_earlier(world, api_client, class_of_two):
    """PL-4 / ARCH §5: with class_hard_max = 2 for the school, a class of two is full."""
    override(world, "class_hard_max", 2)
    s = new_student(world, grade=2)
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{s.pk}", {"version": s.version,
                                                                        "class_id": class_of_two.pk})
    assert r.status_code == 422
    assert r.json()["code"] == "class_full"
    assert in_inclusion(class_of_two) == 2


def test_a_higher_class_advised_max_removes_the_warning(world, api_client, class_of_two):
    """PL-4 / ARCH §5: the advised maximum is a policy parameter too."""
    override(world, "class_advised_max", 3)
    s = new_student(world, grade=2)
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{s.pk}", {"version": s.version,
                                                                        "class_id": class_of_two.pk})
    assert r.status_code == 200, r.content
    assert r.json()["warnings"] == []


# --- placement decisions and their history (PL-2) -------------------------------------------------------


def test_a_placement_change_requires_the_committee_opinion(world, api_client):
    """PL-2: a placement decision records the expert committee's opinion; without one it is refused."""
    s = new_student(world, grade=2)
    records = PlacementRecord.objects.filter(student=s).count()
    with pytest.raises(DomainError) as exc:
        services.change_placement(actor=world.users["hc_s1_resource"], student=s, placement="homebound",
                                  committee_opinion="  ", version=s.version)
    assert exc.value.errors[0]["field"] == "committee_opinion"
    r = api_client("hc_s1_resource").patch(f"/api/v1/students/{s.pk}", {"version": s.version,
                                                                        "placement": "homebound"})
    assert r.status_code == 422
    assert "committee_opinion" in [e["field"] for e in r.json()["errors"]]
    fresh = Student.objects.get(pk=s.pk)
    assert (fresh.placement, fresh.version) == ("regular_class", s.version)
    assert PlacementRecord.objects.filter(student=s).count() == records


def test_placement_changes_keep_the_history_with_each_opinion(world, user_client, class_of_one):
    """PL-2: the first placement and each adjustment stay as PlacementRecord rows, each with its opinion."""
    s = new_student(world, grade=1)
    first = list(PlacementRecord.objects.filter(student=s).values("id", "placement", "committee_opinion"))
    assert len(first) == 1
    client = user_client("hc_s1_resource")
    r = client.post(f"/students/{s.pk}/placement/", {
        "version": s.version, "placement": "homebound", "school_class": "",
        "committee_opinion": "障碍程度加重，建议送教上门。"})
    assert r.status_code == 302
    s.refresh_from_db()
    r = client.post(f"/students/{s.pk}/placement/", {
        "version": s.version, "placement": "regular_class", "school_class": class_of_one.pk,
        "committee_opinion": "康复效果良好，建议回校随班就读。"})
    assert r.status_code == 302
    history = list(PlacementRecord.objects.filter(student=s).order_by("id")
                   .values("id", "placement", "school_class", "committee_opinion"))
    assert len(history) == 3
    assert {k: history[0][k] for k in ("id", "placement", "committee_opinion")} == first[0]
    assert (history[1]["placement"], history[1]["school_class"], history[1]["committee_opinion"]) == (
        "homebound", None, "障碍程度加重，建议送教上门。")
    assert (history[2]["placement"], history[2]["school_class"], history[2]["committee_opinion"]) == (
        "regular_class", class_of_one.pk, "康复效果良好，建议回校随班就读。")
    fresh = Student.objects.get(pk=s.pk)
    assert (fresh.placement, fresh.school_class_id) == ("regular_class", class_of_one.pk)


def test_the_placement_page_without_an_opinion_shows_an_error_and_changes_nothing(world, user_client):
    """PL-2 / SEC-5: the placement form needs the committee's opinion; nothing is saved without it."""
    s = new_student(world, grade=2)
    r = user_client("hc_s1_resource").post(f"/students/{s.pk}/placement/", {
        "version": s.version, "placement": "homebound", "school_class": "", "committee_opinion": ""})
    assert r.status_code == 200
    assert "committee_opinion" in r.context["form"].errors
    assert Student.objects.get(pk=s.pk).placement == "regular_class"
    assert PlacementRecord.objects.filter(student=s).count() == 1


def test_a_placement_decision_into_a_full_class_is_refused_too(world, full_class):
    """PL-4 applies to placement decisions as well: back into a full class is refused."""
    s = new_student(world, grade=3, placement="homebound")
    with pytest.raises(DomainError) as exc:
        services.change_placement(actor=world.users["hc_s1_resource"], student=s, placement="regular_class",
                                  school_class=full_class, committee_opinion="建议回校随班就读。",
                                  version=s.version)
    assert exc.value.code == "class_full"
    assert Student.objects.get(pk=s.pk).placement == "homebound"


# --- concurrency (PL-4, SEC-6) -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def restore_demo_world(django_db_blocker):
    """A transactional test empties the database when it ends (tests/conftest.py lets that flush through the
    audit log's append-only triggers). Load the demo world again, committed, as the session started, so the
    tests after this module do not each rebuild it inside their own transaction."""
    yield
    with django_db_blocker.unblock():
        demo.load()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL: SQLite has no row locks (SELECT … FOR UPDATE) and serialises "
                           "every writer on the whole database, so there is no race to test")
@pytest.mark.django_db(transaction=True)
def test_two_placements_racing_for_the_last_seat_never_make_four(world, restore_demo_world):
    """PL-4: two placements into a class with 2 students (hard maximum 3), started at the same instant on
    two connections, end with exactly one placed and 3 in the class — the class row lock serialises them."""
    sc = world.classes[(HC_S1, class_name(2, 2))]
    assert in_inclusion(sc) == 2
    a, b = new_student(world, grade=2), new_student(world, grade=2)
    actor_id = world.users["hc_s1_resource"].pk
    barrier = threading.Barrier(2)
    results = {}

    def place(student_id):
        try:
            actor = User.objects.get(pk=actor_id)
            student = Student.objects.get(pk=student_id)
            target = SchoolClass.objects.get(pk=sc.pk)
            barrier.wait(timeout=30)
            services.place_in_class(actor=actor, student=student, school_class=target, version=student.version)
            results[student_id] = "placed"
        except DomainError as exc:
            results[student_id] = exc.code
        except Exception as exc:  # reported by the assertion below
            results[student_id] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=place, args=(pk,)) for pk in (a.pk, b.pk)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results.values()) == ["class_full", "placed"], results
    assert in_inclusion(sc) == 3
    placed = Student.objects.filter(pk__in=(a.pk, b.pk), school_class=sc)
    assert placed.count() == 1
