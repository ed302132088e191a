"""Start of a new school year (suiban.students.rollover, manage.py start_school_year).

Rules: ORG-2 (school years and their classes), PL-11 (students move up, never down, no repetition; grade 9
gets a leaving-outcome proposal the school confirms), PL-7/PL-9 (小升初: a transfer case to a junior
secondary school), PL-4 (the class cap holds for the new classes), ORG-4 (scope), SEC-3 (audited).
"""

import pytest
from django.core.management import CommandError, call_command

from suiban.core.errors import DomainError, NotFound, PermissionDenied
from suiban.core.models import AuditEvent
from suiban.demo.world import current_start_year
from suiban.org.models import SchoolClass, SchoolYear, class_name
from suiban.org.services import class_create, school_year_create
from suiban.policy.models import PolicyOverride
from suiban.policy.resolve import invalidate
from suiban.students.models import (
    INCLUSION_PLACEMENTS,
    Case,
    CaseEvent,
    LeavingRecord,
    PlacementRecord,
    Student,
)
from suiban.students.rollover import ROLLED_OVER, start_school_year

HC_S1, HC_S2, HC_JUNIOR, HC_NINE, HC_SPECIAL = "3502050101", "3502050102", "3502050201", "3502050301", "3502050901"
GD_S1 = "4401060101"


@pytest.fixture
def years(world):
    """(this school year's start, the next one's) — the demo world has classes in this year only."""
    this = current_start_year()
    return this, this + 1


def snapshot(school):
    """{student id: (grade, class id, status)} of every student of the school."""
    return {s.pk: (s.grade, s.school_class_id, s.status) for s in Student.objects.filter(school=school)}


def roll(world, actor="hc_bureau", schools=(HC_S1,), year=None):
    year = year or current_start_year() + 1
    return start_school_year(actor=world.users[actor], start_year=year,
                             schools=list(schools) if schools is not None else None)


def in_inclusion(school_class):
    return Student.objects.filter(school_class=school_class, placement__in=INCLUSION_PLACEMENTS,
                                  status="active").count()


# --- promotion (PL-11, ORG-2) ---------------------------------------------------------------------------


def test_the_new_school_year_is_created_with_its_two_terms_from_the_policy_dates(world, years):
    """ORG-2: the rollover creates school year Y-(Y+1) starting on ⚙ school_year_start with two terms."""
    this, new = years
    assert not SchoolYear.objects.filter(start_year=new).exists()
    roll(world)
    sy = SchoolYear.objects.get(start_year=new)
    assert (sy.start_date.isoformat(), sy.end_date.isoformat()) == (f"{new}-09-01", f"{new + 1}-08-31")
    assert [t.number for t in sy.terms.order_by("number")] == [1, 2]
    ev = AuditEvent.objects.get(action="org.school_year.created", object_id=str(sy.pk))
    assert ev.actor == world.users["hc_bureau"]


def test_next_years_classes_mirror_this_years_one_grade_up(world, years):
    """ORG-2: X年级（n）班 of this year becomes (X+1)年级（n）班 of the new year; the entry grade is mirrored for the
    new intake; a primary school gets no 七年级."""
    this, new = years
    school = world.schools[HC_S1]
    summary = roll(world)[HC_S1]
    old = {(c.grade, c.name) for c in SchoolClass.objects.filter(school=school, school_year__start_year=this)}
    created = {(c.grade, c.name) for c in SchoolClass.objects.filter(school=school, school_year__start_year=new)}
    expected = {(g + 1, class_name(g + 1, int(name[4]))) for g, name in old if g < 6}
    expected |= {(1, name) for g, name in old if g == 1}
    assert created == expected
    assert summary["classes_created"] == len(expected)
    assert all(g <= 6 for g, _n in created)


def test_active_students_move_up_one_grade_into_the_class_with_the_same_number(world, years):
    """PL-11: each active student moves up exactly one grade, into the same-numbered class of the new year."""
    this, new = years
    school = world.schools[HC_S1]
    before = snapshot(school)
    old_classes = {c.pk: c for c in SchoolClass.objects.filter(school=school)}
    summary = roll(world)[HC_S1]
    after = snapshot(school)
    promoted = 0
    for pk, (grade, class_id, status) in before.items():
        new_grade, new_class_id, new_status = after[pk]
        assert new_status == status
        if status != "active" or grade == 6:
            assert (new_grade, new_class_id) == (grade, class_id), "not moved"
            continue
        promoted += 1
        assert new_grade == grade + 1
        if class_id is None:
            assert new_class_id is None
        else:
            new_class = SchoolClass.objects.get(pk=new_class_id)
            old = old_classes[class_id]
            assert (new_class.school_year.start_year, new_class.grade) == (new, grade + 1)
            assert new_class.name == class_name(grade + 1, int(old.name[4]))
    assert summary["promoted"] == promoted > 0


def test_no_student_moves_down_or_stays_behind_and_no_repetition_is_recorded(world, years):
    """PL-11: no grade repetition — after the rollover no active student of the district is in a lower grade
    or held back, and nobody is flagged as repeating."""
    before = {s.pk: s.grade for s in Student.objects.filter(region_path__startswith="350000/350200/350205/",
                                                             status="active")}
    roll(world, schools=None)
    for s in Student.objects.filter(pk__in=before):
        assert s.grade >= before[s.pk]
        assert s.repeating_grade is False
        if s.grade == before[s.pk]:  # only the ones leaving stay in their grade: grade 9, or 6 leaving primary
            assert s.grade == 9 or (s.grade == 6 and s.school.kind == "primary"), s


def test_deferred_and_transferred_students_are_not_promoted(world, years):
    """PL-3 / PL-11: only students in school move up; a deferred or transferred record keeps its grade."""
    school = world.schools[HC_S1]
    others = {s.pk: s.grade for s in Student.objects.filter(school=school).exclude(status="active")}
    assert others
    roll(world)
    assert {s.pk: s.grade for s in Student.objects.filter(pk__in=others)} == others


def test_a_class_change_at_promotion_keeps_the_history(world, years):
    """PL-2: the move into the new year's class is a new PlacementRecord; the earlier ones stay."""
    s = world.students["hc_parent_child"]
    old_class, old_version = s.school_class_id, s.version
    before = list(PlacementRecord.objects.filter(student=s).values_list("id", flat=True))
    roll(world)
    s.refresh_from_db()
    records = list(PlacementRecord.objects.filter(student=s).order_by("id"))
    assert [r.id for r in records[:-1]] == before
    assert records[-1].school_class_id == s.school_class_id != old_class
    assert s.version == old_version + 1


# --- grade 9: leaving proposal (PL-11) ------------------------------------------------------------------


def test_grade_9_students_get_a_leaving_outcome_proposal_for_the_school_to_confirm(world, years):
    """PL-11: each active grade-9 student gets a proposed outcome (not confirmed); they stay in grade 9."""
    school = world.schools[HC_JUNIOR]
    nine = list(Student.objects.filter(school=school, grade=9, status="active"))
    assert nine
    summary = roll(world, schools=(HC_JUNIOR,))[HC_JUNIOR]
    assert summary["leaving_proposed"] == len(nine)
    for s in nine:
        rec = LeavingRecord.objects.get(student=s)
        assert rec.proposed_outcome in ("graduated", "completed", "attended")
        assert rec.outcome == "" and rec.confirmed_by is None
        fresh = Student.objects.get(pk=s.pk)
        assert (fresh.grade, fresh.status) == (9, "active")
    assert not LeavingRecord.objects.filter(student__school=school, student__grade__lt=9).exists()


# --- grade 6 of a primary school: 小升初 transfer case (PL-7, PL-9) --------------------------------------


def test_grade_6_students_of_a_primary_school_get_a_transfer_case_to_a_junior_school(world, years):
    """PL-7 / PL-9: leaving primary school, a grade-6 student gets a submitted transfer case to the district's
    junior-secondary (or nine-year) school with the lowest code, with its first event and audit row."""
    school = world.schools[HC_S1]
    six = list(Student.objects.filter(school=school, grade=6, status="active"))
    assert six
    summary = roll(world)[HC_S1]
    assert summary["transfers"] == len(six)
    for s in six:
        case = Case.objects.get(student=s, kind="transfer")
        assert case.state == "submitted"
        assert case.target_school == world.schools[HC_JUNIOR]  # 3502050201 < 3502050301
        assert case.submitted_by == world.users["hc_bureau"]
        assert case.school == school and case.region_path == school.region_path
        assert "junior" in case.reason or "小升初" in case.reason
        ev = CaseEvent.objects.get(case=case)
        assert (ev.from_state, ev.to_state, ev.actor) == ("", "submitted", world.users["hc_bureau"])
        assert AuditEvent.objects.filter(action="cases.case.submitted", object_type="case",
                                         object_id=str(case.pk)).exists()
        assert Student.objects.get(pk=s.pk).grade == 6  # moves when the case takes effect


def test_grade_6_of_a_nine_year_school_moves_up_without_a_transfer(world, years):
    """PL-11: in a nine-year school grade 6 simply becomes grade 7 — no 小升初 case."""
    school = world.schools[HC_NINE]
    six = {s.pk for s in Student.objects.filter(school=school, grade=6, status="active")}
    assert six
    summary = roll(world, schools=(HC_NINE,))[HC_NINE]
    assert summary["transfers"] == 0
    assert not Case.objects.filter(student__in=six).exists()
    assert set(Student.objects.filter(pk__in=six).values_list("grade", flat=True)) == {7}


# --- idempotency ---------------------------------------------------------------------------------------


def test_running_the_rollover_twice_changes_nothing_the_second_time(world, years):
    """ORG-2 / PL-11: a second run for the same year creates no classes, cases or proposals and moves nobody."""
    codes = (HC_S1, HC_JUNIOR, HC_NINE)
    first = roll(world, schools=codes)
    state = {c: snapshot(world.schools[c]) for c in codes}
    counts = (SchoolClass.objects.count(), Case.objects.count(), LeavingRecord.objects.count(),
              PlacementRecord.objects.count(), SchoolYear.objects.count())
    second = roll(world, schools=codes)
    assert all(not first[c]["skipped"] for c in codes)
    assert all(second[c]["skipped"] for c in codes)
    assert {c: snapshot(world.schools[c]) for c in codes} == state
    assert (SchoolClass.objects.count(), Case.objects.count(), LeavingRecord.objects.count(),
            PlacementRecord.objects.count(), SchoolYear.objects.count()) == counts
    assert AuditEvent.objects.filter(action=ROLLED_OVER, object_id=str(world.schools[HC_S1].pk)).count() == 1


def test_classes_created_by_hand_for_the_new_year_are_reused(world, years):
    """ORG-2: a class of the new year that the school created already is used, not duplicated."""
    this, new = years
    sy = school_year_create(actor=world.users["admin"], start_year=new)
    sc = class_create(actor=world.users["hc_s1_leader"], school=world.schools[HC_S1], school_year=sy, grade=4,
                      name=class_name(4, 1))
    roll(world)
    assert SchoolClass.objects.filter(school=world.schools[HC_S1], school_year=sy, name=class_name(4, 1)).count() == 1
    assert in_inclusion(sc) == 3  # the three of 三年级（1）班


# --- class cap (PL-4) ----------------------------------------------------------------------------------


def test_the_class_cap_holds_for_the_new_classes_and_the_rest_are_listed_for_placement(world, years):
    """PL-4: with ⚙ class_hard_max = 2 for the school, only two of the three students of 三年级（1）班 fit in
    四年级（1）班; the third is promoted without a class and listed as needing placement."""
    this, new = years
    school = world.schools[HC_S1]
    full = world.classes[(HC_S1, class_name(3, 1))]
    three = set(Student.objects.filter(school_class=full, status="active").values_list("id", flat=True))
    assert len(three) == 3
    PolicyOverride.objects.create(school=school, name="class_hard_max", value=2)
    invalidate()
    summary = roll(world)[HC_S1]
    target = SchoolClass.objects.get(school=school, school_year__start_year=new, name=class_name(4, 1))
    assert in_inclusion(target) == 2
    assert len(summary["unplaced"]) == 1 and set(summary["unplaced"]) <= three
    left_out = Student.objects.get(pk=summary["unplaced"][0])
    assert (left_out.grade, left_out.school_class_id) == (4, None)
    for sc in SchoolClass.objects.filter(school=school, school_year__start_year=new):
        assert in_inclusion(sc) <= 2


def test_a_class_over_the_advised_maximum_is_reported_as_a_warning(world, years):
    """PL-4: a new class over ⚙ class_advised_max (2) is not refused, it is reported as a warning."""
    summary = roll(world)[HC_S1]
    assert any(class_name(4, 1) in w for w in summary["warnings"])


# --- scope and permission (ORG-4) ----------------------------------------------------------------------


def test_a_bureau_officer_cannot_roll_over_a_school_of_another_district(world, years):
    """ORG-4: 海沧区's bureau officer asking for a 天河区 school gets not-found, and nothing happens."""
    this, new = years
    before = snapshot(world.schools[GD_S1])
    with pytest.raises(NotFound):
        roll(world, schools=(GD_S1,))
    with pytest.raises(NotFound):
        roll(world, schools=(HC_S1, GD_S1))
    assert snapshot(world.schools[GD_S1]) == before
    assert not SchoolYear.objects.filter(start_year=new).exists()
    assert not AuditEvent.objects.filter(action=ROLLED_OVER).exists()


def test_without_a_school_list_only_the_schools_in_scope_are_rolled_over(world, years):
    """ORG-4: hc_bureau's rollover covers 海沧区's schools and leaves 天河区 untouched."""
    gd_before = snapshot(world.schools[GD_S1])
    result = roll(world, schools=None)
    assert set(result) == {c for c in world.schools if c.startswith("350205")}
    assert snapshot(world.schools[GD_S1]) == gd_before


@pytest.mark.parametrize("username", ["hc_s1_leader", "hc_center", "hc_expert"])
def test_roles_without_the_rollover_permission_are_refused(world, years, username):
    """ORG-3: only bureau officers and the system administrator (students.rollover) start a school year."""
    before = snapshot(world.schools[HC_S1])
    with pytest.raises(PermissionDenied):
        roll(world, actor=username)
    assert snapshot(world.schools[HC_S1]) == before


def test_a_year_with_no_previous_year_is_refused(world, years):
    """ORG-2: a rollover moves up from the previous school year, which must exist."""
    with pytest.raises(DomainError) as exc:
        roll(world, year=current_start_year() + 5)
    assert exc.value.errors[0]["field"] == "start_year"


# --- audit (SEC-3) -------------------------------------------------------------------------------------


def test_the_rollover_is_audited_per_school_and_per_student(world, years):
    """SEC-3: one students.year.rolled_over row per school (with the start year and the figures), one
    students.student.promoted row per promoted student, and the classes created — all by the actor."""
    this, new = years
    school = world.schools[HC_S1]
    summary = roll(world)[HC_S1]
    actor = world.users["hc_bureau"]
    ev = AuditEvent.objects.get(action=ROLLED_OVER, object_type="school", object_id=str(school.pk))
    assert ev.actor == actor and ev.school_id == school.pk
    assert ev.changes["start_year"] == new
    assert ev.changes["promoted"] == summary["promoted"]
    promoted = AuditEvent.objects.filter(action="students.student.promoted", school_id=school.pk)
    assert promoted.count() == summary["promoted"]
    assert set(promoted.values_list("actor", flat=True)) == {actor.pk}
    some = promoted.first()
    assert set(some.changes) >= {"grade"}
    assert some.changes["grade"][1] == some.changes["grade"][0] + 1
    assert AuditEvent.objects.filter(action="org.class.created", school_id=school.pk,
                                     actor=actor).count() == summary["classes_created"]


# --- the management command ----------------------------------------------------------------------------


def test_the_command_runs_as_the_first_system_administrator(world, years, capsys):
    """ORG-2: `manage.py start_school_year --year Y --school CODE` rolls the school over as the sysadmin."""
    this, new = years
    call_command("start_school_year", "--year", str(new), "--school", HC_S1)
    out = capsys.readouterr().out
    assert HC_S1 in out and "promoted" in out
    ev = AuditEvent.objects.get(action=ROLLED_OVER, object_id=str(world.schools[HC_S1].pk))
    assert ev.actor == world.users["admin"]
    call_command("start_school_year", "--year", str(new), "--school", HC_S1)
    assert "skipped" in capsys.readouterr().out


def test_the_command_refuses_an_unknown_school(world, years):
    """ORG-4: an unknown school code is an error, not a silent no-op."""
    with pytest.raises(CommandError):
        call_command("start_school_year", "--year", str(years[1]), "--school", "9999999999")


def test_the_command_as_a_bureau_officer_is_limited_to_their_district(world, years):
    """ORG-4: --as hc_bureau cannot touch a 天河区 school."""
    with pytest.raises(CommandError):
        call_command("start_school_year", "--year", str(years[1]), "--school", GD_S1, "--as", "hc_bureau")
