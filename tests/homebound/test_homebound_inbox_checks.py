"""Inbox items and findings checks of home-delivered education (HB-1, HB-4)."""

from datetime import time

from suiban.core.registry import checks, inbox
from suiban.homebound import visits
from suiban.homebound.models import Enrolment


def test_pool_teacher_sees_visits_to_record_and_leader_students_behind(world, active_enrolment):
    """HB-4: the pool teacher named in the plan has "visit … at home: n of 2 this week" in the inbox; the school
    leader has the demo student who is behind pace; the guardian has neither."""
    active_enrolment()
    kinds = {}
    for user in ("hc_s1_resource", "hc_s1_leader", "hc_parent"):
        kinds[user] = {i.kind for i in inbox.items_for(world.users[user])}
    from suiban.homebound.services import today
    from suiban.homebound.visits import is_term_week, term_ranges, week_start
    from suiban.org.models import SchoolYear

    if is_term_week(week_start(today()), term_ranges(SchoolYear.current())):
        assert "homebound.visits_to_record" in kinds["hc_s1_resource"]
    assert "homebound.behind_pace" in kinds["hc_s1_leader"]
    assert not {"homebound.visits_to_record", "homebound.behind_pace"} & kinds["hc_parent"]


def test_behind_pace_check_finds_the_demo_student_behind(world):
    """HB-4: the findings engine's check names the demo student behind pace, not the one on pace."""
    check = checks.checks["HB-4.pace"]
    found = {f.subject_name for f in check.compute(None)}
    demo = {e.student.name: e for e in Enrolment.objects.filter(visits__client_ref__startswith="demo-").distinct()}
    from suiban.homebound.selectors import progress

    behind = {n for n, e in demo.items() if not progress(e)["on_pace"]}
    assert behind and behind <= found
    assert not (set(demo) - behind) & found


def test_short_visit_check(world, year, pool, active_enrolment):
    """HB-4: a short visit is kept and flagged; the check reports the student."""
    e = active_enrolment()
    visits.visit_record(actor=world.users["hc_s1_resource"], enrolment=e, date=year.start_date, teacher_ids=pool[:2],
                        start_time=time(9), end_time=time(10))
    assert e.student_id in {f.subject_id for f in checks.checks["HB-4.short"].compute([e.school_id])}


def test_homebound_student_without_enrolment_and_eligibility_lost(world, year, pool, active_enrolment,
                                                                  homebound_student):
    """HB-1: a homebound student without an enrolment is found; an active enrolment whose record no longer meets
    a criterion (grade changed to 3) is found too."""
    s = homebound_student()
    assert s.pk in {f.subject_id for f in checks.checks["HB-1.enrolment"].compute([s.school_id])}
    e = active_enrolment()
    from suiban.students.models import Student

    Student.objects.filter(pk=e.student_id).update(disability_grade=3)
    assert e.student_id in {f.subject_id for f in checks.checks["HB-1.eligibility"].compute([e.school_id])}


def test_workload_is_registered_with_the_staff_module_where_it_has_a_registry(monkeypatch):
    """HB-7: the teachers' visit workload reaches the staff module's workload registry (when it has one)."""
    from suiban.homebound import selectors
    from suiban.staff import selectors as staff_selectors

    registry = {}
    monkeypatch.setattr(staff_selectors, "WORKLOAD_PROVIDERS", registry, raising=False)
    selectors._register_workload()
    assert registry == {"homebound": selectors.teacher_workload}
