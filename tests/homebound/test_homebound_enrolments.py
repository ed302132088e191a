"""Enrolments of home-delivered education: eligibility (HB-1), teachers from the filed pool (HB-2), curriculum
(HB-3), responsible and delivering school, versioned plan, IEP for a homebound student (HB-8)."""

from datetime import date, timedelta

import pytest
from hb_helpers import CONFIRMED, HC_S1

from suiban.core.errors import DomainError
from suiban.homebound import services
from suiban.homebound.models import Enrolment
from suiban.org.models import School
from suiban.staff.models import Pool


def _open(world, year, student, teachers, **kw):
    return services.enrolment_create(actor=world.users["hc_s1_leader"], student=student, school_year=year,
                                     start_date=year.start_date, teacher_ids=teachers, **kw)


def test_eligibility_is_read_from_the_record_where_it_knows(world, year, pool, homebound_student):
    """HB-1: household registration, certification, age on 1 September and grade come from the record; the two
    criteria the record cannot know are missing until confirmed."""
    s = homebound_student()
    e = _open(world, year, s, pool[:2])
    el = services.eligibility(e)
    assert {c: el[c]["source"] for c in el} == {
        "hukou_in_district": "record", "certified": "record", "age": "record", "severe_disability": "record",
        "cannot_attend_school": "missing", "able_to_learn": "missing"}
    assert all(el[c]["met"] for c in ("hukou_in_district", "certified", "age", "severe_disability"))
    assert not el["able_to_learn"]["met"]


def test_activation_refused_naming_each_criterion_not_met(world, year, pool, homebound_student):
    """HB-1: an enrolment whose criteria are not all met → 422 not_eligible naming each criterion."""
    start = year.start_year
    s = homebound_student(birth=date(start - 17, 5, 1), grade=6, disability_grade=3, hukou="350203")
    e = _open(world, year, s, pool[:2])
    with pytest.raises(DomainError) as exc:
        services.enrolment_update(actor=world.users["hc_s1_leader"], enrolment=e, state="active")
    assert exc.value.code == "not_eligible"
    named = {err["field"] for err in exc.value.errors if err["code"] == "not_eligible"}
    assert named == {f"eligibility.{c}" for c in ("hukou_in_district", "age", "severe_disability",
                                                   "cannot_attend_school", "able_to_learn")}
    assert Enrolment.objects.get(pk=e.pk).state == "draft"


def test_confirmation_needs_evidence_and_then_activates(world, year, pool, homebound_student):
    """HB-1: a criterion the record does not know is confirmed by a person with evidence (a note); once every
    criterion is met the enrolment activates."""
    e = _open(world, year, homebound_student(), pool[:2])
    with pytest.raises(DomainError) as exc:
        services.enrolment_update(actor=world.users["hc_s1_leader"], enrolment=e,
                                  eligibility={"able_to_learn": {"met": True, "evidence": ""}})
    assert exc.value.errors[0]["code"] == "evidence_required"
    e = services.enrolment_update(actor=world.users["hc_s1_leader"], enrolment=e, eligibility=CONFIRMED)
    assert services.eligibility(e)["able_to_learn"] == {
        **services.eligibility(e)["able_to_learn"], "met": True, "source": "confirmed", "evidence": "入户评估记录"}
    e = services.enrolment_update(actor=world.users["hc_s1_leader"], enrolment=e, state="active")
    assert e.state == "active" and e.activated_at is not None


def test_age_is_taken_on_first_september(world, year, pool, homebound_student):
    """HB-1 (⚙ 6–15): a child who turns 16 after 1 September is still 15 on that day and eligible by age."""
    start = year.start_year
    s = homebound_student(birth=date(start - 16, 9, 2), grade=6)
    e = _open(world, year, s, pool[:2])
    assert services.eligibility(e)["age"]["met"] is True
    s2 = homebound_student(birth=date(start - 16, 9, 1), grade=6)
    e2 = _open(world, year, s2, pool[:2])
    assert services.eligibility(e2)["age"]["met"] is False


def test_only_homebound_students_are_enrolled(world, year, pool, homebound_student):
    """HB-1: a student not placed in home-delivered education is refused."""
    s = homebound_student(placement="regular_class")
    with pytest.raises(DomainError) as exc:
        _open(world, year, s, pool[:2])
    assert exc.value.errors[0]["code"] == "not_homebound"


def test_teachers_come_from_the_filed_pool(world, year, pool, outsider, homebound_student):
    """HB-2: a teacher outside the school's filed pool → teacher_not_in_pool; a pool still in draft does not count;
    activation needs two teachers (二对一)."""
    s = homebound_student()
    with pytest.raises(DomainError) as exc:
        _open(world, year, s, [pool[0], outsider.pk])
    assert exc.value.code == "teacher_not_in_pool"
    e = _open(world, year, s, [pool[0]], eligibility=CONFIRMED)
    with pytest.raises(DomainError) as exc:
        services.enrolment_update(actor=world.users["hc_s1_leader"], enrolment=e, state="active")
    assert exc.value.code == "too_few_teachers"
    Pool.objects.filter(school__code=HC_S1, school_year=year).update(state="draft")
    with pytest.raises(DomainError) as exc:
        services.enrolment_update(actor=world.users["hc_s1_leader"], enrolment=e, teacher_ids=pool[:2])
    assert exc.value.code == "teacher_not_in_pool"


def test_curriculum_has_teaching_and_rehabilitation_and_a_provider(world, year, pool, homebound_student):
    """HB-3/HB-8: teaching part, rehabilitation part covering perception, motor skills and language, and a
    purchased rehabilitation service recorded with its provider."""
    e = _open(world, year, homebound_student(), pool[:2], curriculum={
        "teaching": "生活语文", "rehabilitation": "动作训练", "rehab_provider": "区康复中心",
        "rehab_areas": ["language", "perception", "motor"]})
    plan = services.current_plan(e)
    assert (plan.teaching, plan.rehabilitation, plan.rehab_provider) == ("生活语文", "动作训练", "区康复中心")
    assert plan.rehab_areas == ["perception", "motor", "language"]
    with pytest.raises(DomainError):
        services.enrolment_update(actor=world.users["hc_s1_leader"], enrolment=e,
                                  curriculum={"rehab_areas": ["swimming"]})


def test_plan_is_versioned_with_effective_dates(world, year, pool, active_enrolment):
    """HB-4/HB-8: changing the teachers or weekly visits of an active enrolment adds a version effective from its
    date; the earlier weeks keep the earlier version."""
    e = active_enrolment()
    later = year.start_date + timedelta(days=28)
    e = services.enrolment_update(actor=world.users["hc_s1_leader"], enrolment=e, teacher_ids=[pool[0], pool[2]],
                                  visits_per_week=3, effective_from=later)
    versions = list(e.plan_versions.order_by("number"))
    assert [(v.number, v.effective_from, v.visits_per_week) for v in versions] == [
        (1, year.start_date, 2), (2, later, 3)]
    assert services.current_plan(e, year.start_date + timedelta(days=3)).teacher_ids == pool[:2]
    assert services.current_plan(e, later).teacher_ids == [pool[0], pool[2]]


def test_responsible_school_and_a_special_school_delivering(world, year, pool, homebound_student):
    """HB-8: the responsible school is named (the student's school); a special school of the district may be the
    one delivering; one of another district may not."""
    special = School.objects.filter(region__code="350205", kind="special").first()
    e = _open(world, year, homebound_student(), pool[:2], delivering_school=special)
    assert e.school.code == HC_S1 and e.delivering_school == special
    other = School.objects.filter(region__code="440106").first()
    with pytest.raises(DomainError):
        _open(world, year, homebound_student(), pool[:2], delivering_school=other)


def test_one_enrolment_per_student_per_year(world, year, pool, homebound_student):
    """HB-1: the enrolment is per school year."""
    s = homebound_student()
    _open(world, year, s, pool[:2])
    with pytest.raises(DomainError) as exc:
        _open(world, year, s, pool[:2])
    assert exc.value.errors[0]["code"] == "duplicate"


def test_only_the_school_leader_opens_enrolments(world, year, pool, homebound_student):
    """HB-1: the school leader opens and activates; a resource teacher records visits but does not enrol."""
    from suiban.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.enrolment_create(actor=world.users["hc_s1_resource"], student=homebound_student(),
                                  school_year=year, teacher_ids=pool[:2])


def test_a_homebound_student_gets_an_iep(world, year, homebound_student):
    """HB-8: a homebound student has an individual education plan like any student in inclusion (the IEP module
    used to refuse them)."""
    from suiban.iep import services as iep_services

    s = homebound_student()
    plan = iep_services.plan_create(actor=world.users["hc_s1_resource"], student=s, school_year=year)
    assert plan.student == s and plan.state == "draft"
