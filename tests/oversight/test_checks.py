"""Each check: data that violates its rule yields a finding with the rule id; mended data resolves it (OV-1)."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from suiban.iep import sessions
from suiban.iep.checks import last_term_week
from suiban.iep.models import Plan, Review, WeeklyHours
from suiban.org.models import SchoolClass, SchoolYear
from suiban.students.models import INCLUSION_PLACEMENTS, ArchiveFile, Case, Handover, Student
from tests.oversight.helpers import assert_cycle, last, open_finding, run

TODAY = timezone.localdate


def inclusion_student(world, code="3502050101", **filters):
    return (Student.objects.filter(school__code=code, status="active", placement__in=INCLUSION_PLACEMENTS,
                                   **filters).order_by("student_number").first())


def test_certificate_expiring_is_found_and_resolved_when_renewed(world):
    """PL-1: a certificate within ⚙ certificate_warning_days of its tenth year is a finding until renewed."""
    s = inclusion_student(world)
    old = TODAY().replace(year=TODAY().year - 10) + timedelta(days=30)

    f = assert_cycle("PL-1", "student", s.pk, s.school_id,
                     lambda: Student.objects.filter(pk=s.pk).update(certificate_issued_on=old),
                     lambda: Student.objects.filter(pk=s.pk).update(certificate_issued_on=TODAY()))
    assert f.due_date == old.replace(year=old.year + 10)


def _class_with(n_max, world):
    year = SchoolYear.current(TODAY())
    for c in SchoolClass.objects.filter(school__code="3502050101", school_year=year).order_by("grade", "name"):
        n = Student.objects.filter(school_class=c, status="active", placement__in=INCLUSION_PLACEMENTS).count()
        if n <= n_max:
            return c, n
    raise AssertionError("no class")


def test_class_over_the_advised_and_hard_maximum_is_found_and_resolved(world):
    """PL-4: more students in inclusion in a class than ⚙ class_advised_max (warning) or class_hard_max
    (violation) is a finding until students are placed elsewhere."""
    c, n = _class_with(1, world)
    others = list(Student.objects.filter(school=c.school, status="active", placement__in=INCLUSION_PLACEMENTS,
                                         grade=c.grade).exclude(school_class=c).values_list("pk", "school_class_id"))
    extra = Student.objects.filter(school=c.school, status="active", placement__in=INCLUSION_PLACEMENTS) \
        .exclude(school_class=c).order_by("pk")
    moved = list(extra.values_list("pk", "school_class_id")[: 4 - n])
    assert len(moved) == 4 - n, others

    def violate():
        Student.objects.filter(pk__in=[pk for pk, _c in moved]).update(school_class=c)

    def mend():
        for pk, cls in moved:
            Student.objects.filter(pk=pk).update(school_class_id=cls)

    assert_cycle("PL-4", "class", c.pk, c.school_id, violate, mend)
    assert_cycle("PL-4.hard", "class", c.pk, c.school_id, violate, mend, rule="PL-4")


def test_case_past_its_deadline_is_found_and_resolved_when_decided(world):
    """PL-9: an open case whose deadline has passed is a violation until it is moved on."""
    case = Case.objects.filter(state__in=Case.OPEN_STATES, target_school__isnull=True).order_by("id").first()
    state = case.state
    assert_cycle("PL-9", "case", case.pk, case.school_id,
                 lambda: Case.objects.filter(pk=case.pk).update(deadline=TODAY() - timedelta(days=3)),
                 lambda: Case.objects.filter(pk=case.pk).update(state="rejected"))
    Case.objects.filter(pk=case.pk).update(state=state)


def test_refused_transfer_is_found_until_the_case_is_decided(world):
    """PL-7: a transfer the receiving school refused is shown to the bureau until the case is closed."""
    case = Case.objects.filter(kind="transfer", state__in=Case.OPEN_STATES).order_by("id").first()
    assert_cycle("PL-7", "case", case.pk, case.school_id,
                 lambda: Case.objects.filter(pk=case.pk).update(target_response="refused", refusal_reason="满员"),
                 lambda: Case.objects.filter(pk=case.pk).update(state="withdrawn"))


def test_dropout_risk_is_found_and_resolved_by_a_session(world):
    """PL-10: a student in school with no tutoring session or visit for ⚙ dropout_inactivity_weeks of term time
    is at risk of dropping out until a session is recorded."""
    s = inclusion_student(world)
    Student.objects.filter(pk=s.pk).update(enrolled_on=TODAY() - timedelta(days=900))
    monday, _days = last_term_week(TODAY())
    from suiban.iep.models import SessionAttendance

    def violate():
        SessionAttendance.objects.filter(student=s, date__gte=TODAY() - timedelta(days=400)).update(
            date=TODAY() - timedelta(days=500))

    def mend():
        sessions.session_log(actor=world.users["hc_s1_resource"], student_ids=[s.pk], date=monday, hours=1,
                             kind="individual_tutoring", teacher_name="李梅")

    assert_cycle("PL-10", "student", s.pk, s.school_id, violate, mend)


def test_transferred_out_without_receiving_school_is_dropout_risk(world):
    """PL-10: a student transferred out with no receiving school on record is flagged until one is recorded."""
    s = inclusion_student(world, school_class__isnull=False)
    other = Student.objects.filter(school__code="3502050102").first().school

    def mend():
        Handover.objects.create(student=s, reason="transfer", from_school=s.school, to_school=other,
                                to_party="新阳小学", handed_over_on=TODAY(), items=[])

    assert_cycle("PL-10", "student", s.pk, s.school_id,
                 lambda: Student.objects.filter(pk=s.pk).update(status="transferred"), mend)
    f = last("PL-10", "student", s.pk)
    assert f.key == "transferred"


def test_plan_missing_not_in_force_and_review_overdue(world):
    """IEP-1: no plan for the school year; IEP-2: a plan not yet in force; IEP-3: the review overdue — each a
    finding until the plan is drafted, put in force, reviewed."""
    year = SchoolYear.current(TODAY())
    s = (Student.objects.filter(school__code="3502050101", status="active", placement__in=INCLUSION_PLACEMENTS)
         .exclude(iep_plans__school_year=year).order_by("pk").first())
    holder = {}

    def draft():
        holder["plan"] = Plan.objects.create(student=s, school=s.school, region_path=s.region_path, school_year=year,
                                             start_date=year.start_date, end_date=year.end_date)

    assert_cycle("IEP-1", "student", s.pk, s.school_id, lambda: None, draft)
    plan = holder["plan"]
    assert_cycle("IEP-2", "student", s.pk, s.school_id, lambda: None,
                 lambda: Plan.objects.filter(pk=plan.pk).update(state="in_force", in_force_on=TODAY(), revision=1))
    assert_cycle("IEP-3", "student", s.pk, s.school_id,
                 lambda: Plan.objects.filter(pk=plan.pk).update(in_force_on=TODAY() - timedelta(weeks=20)),
                 lambda: Review.objects.create(plan=plan, revision=1, review_date=TODAY(), summary="按期评估"))


def test_tutoring_below_the_weekly_minimum_is_found_and_resolved(world):
    """IEP-5: fewer delivered class hours than ⚙ tutoring_min_hours_per_week in the last term week is a finding
    until the hours are logged."""
    s = inclusion_student(world)
    monday, _days = last_term_week(TODAY())
    assert monday is not None

    def violate():
        WeeklyHours.objects.filter(student=s, week_start=monday).delete()

    def mend():
        WeeklyHours.objects.update_or_create(student=s, week_start=monday,
                                             defaults={"delivered_hours": 5, "delivered_sessions": 3})

    assert_cycle("IEP-5", "student", s.pk, s.school_id, violate, mend)


def test_archive_incomplete_is_found_and_resolved_when_filed(world, settings, tmp_path):
    """AR-1: a student in inclusion whose archive lacks one of the entry documents is a finding until filed."""
    settings.MEDIA_ROOT = str(tmp_path)
    s = inclusion_student(world)

    def mend():
        for item in range(1, 7):
            f = ArchiveFile(student=s, item=item, title=f"档案{item}", content_type="application/pdf", size=4)
            f.file.save(f"a{item}.pdf", ContentFile(b"%PDF"), save=True)

    assert_cycle("AR-1", "student", s.pk, s.school_id,
                 lambda: ArchiveFile.objects.filter(student=s).update(item=None), mend)


def test_a_resolved_problem_that_returns_opens_a_new_finding(world):
    """OV-1: findings are never deleted; the same problem coming back is a new open finding, the old one stays
    resolved with its dates."""
    s = inclusion_student(world)
    old = TODAY().replace(year=TODAY().year - 10)
    Student.objects.filter(pk=s.pk).update(certificate_issued_on=old)
    run(s.school_id, "PL-1")
    first = open_finding("PL-1", "student", s.pk)
    Student.objects.filter(pk=s.pk).update(certificate_issued_on=TODAY())
    run(s.school_id, "PL-1")
    Student.objects.filter(pk=s.pk).update(certificate_issued_on=old)
    run(s.school_id, "PL-1")
    again = open_finding("PL-1", "student", s.pk)
    first.refresh_from_db()
    assert again.pk != first.pk and first.state == "resolved"
