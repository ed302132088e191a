"""Checks that read several apps at once (OV-1), so they live with the engine: dropout risk (PL-10).

The census (PL-14), enrolment refusals (PL-15) and accessibility (OV-5) checks are registered with their
records in ``suiban.oversight.census`` and ``suiban.oversight.governance``.
"""

from datetime import date, timedelta

from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban.core.registry import Check, FindingData, checks
from suiban.org.models import Term
from suiban.students.checks import school_values
from suiban.students.models import Case, Handover, Student


def today() -> date:
    return timezone.localdate()


def term_window_start(on: date, weeks: int, terms) -> date:
    """The day from which the last ``weeks`` weeks of term time run up to ``on`` (holidays do not count)."""
    need, day, counted = weeks * 7, on, 0
    for _i in range(800):
        if any(t.start_date <= day <= t.end_date for t in terms):
            counted += 1
            if counted >= need:
                return day
        day -= timedelta(days=1)
    return day


def activity_sources():
    """(model, student lookup, date field) of every record that shows a student is being taught: tutoring
    sessions, and the home-delivery visits when that module is installed."""
    out = [(apps.get_model("iep", "SessionAttendance"), "student_id", "date")]
    if apps.is_installed("suiban.homebound"):
        for name in ("Visit", "HomeVisit"):
            try:
                model = apps.get_model("homebound", name)
            except LookupError:
                continue
            fields = {f.name for f in model._meta.get_fields()}
            date_field = next((f for f in ("date", "visit_date", "visited_on") if f in fields), None)
            student = next((p for p, f in (("student_id", "student"), ("enrolment__student_id", "enrolment"))
                            if f in fields), None)
            if date_field and student:
                out.append((model, student, date_field))
    return out


def dropout_risk(school_ids):
    """PL-10: students in school with no session or visit for ⚙ dropout_inactivity_weeks of term time (enrolled
    before that window), and students transferred out with no receiving school on record."""
    on = today()
    weeks = school_values(school_ids, "dropout_inactivity_weeks")
    if not weeks:
        return
    terms = list(Term.objects.filter(start_date__lte=on, end_date__gte=on - timedelta(days=800)))
    if not terms:
        return
    starts = {w: term_window_start(on, w, terms) for w in set(weeks.values())}
    earliest = min(starts.values())
    students = Student.objects.filter(status="active").exclude(placement__in=("special_school", "awaiting"))
    if school_ids is not None:
        students = students.filter(school_id__in=school_ids)
    students = students.filter(Q(enrolled_on__isnull=True) | Q(enrolled_on__lt=earliest))
    recent = Q()
    for model, student_lookup, date_field in activity_sources():
        active = model.objects.filter(**{student_lookup: OuterRef("pk"), f"{date_field}__gte": earliest})
        recent |= Exists(active)
    candidates = students.exclude(recent).values_list("pk", "name", "school_id")
    by_school = {sid: starts[w] for sid, w in weeks.items()}
    for pk, name, school_id in candidates:
        since = by_school.get(school_id, earliest)
        evidence = _("No tutoring session or home visit recorded since %(date)s (%(weeks)s weeks of term time).") % {
            "date": since.isoformat(), "weeks": weeks.get(school_id)}
        yield FindingData("student", pk, name, school_id, evidence)
    # transferred out without a receiving school
    received = Exists(Handover.objects.filter(student_id=OuterRef("pk"), to_school__isnull=False))
    placed = Exists(Case.objects.filter(student_id=OuterRef("pk"), kind="transfer", state="effective",
                                        target_school__isnull=False))
    gone = Student.objects.filter(status="transferred").exclude(received).exclude(placed)
    if school_ids is not None:
        gone = gone.filter(school_id__in=school_ids)
    for pk, name, school_id in gone.values_list("pk", "name", "school_id"):
        yield FindingData("student", pk, name, school_id,
                          _("Transferred out, but no receiving school is on record."), key="transferred")


checks.register(Check(
    rule="PL-10", severity="warning", subject_type="student",
    title=gettext_lazy("Dropout risk"),
    action=gettext_lazy("Contact the family, find out why the student stopped appearing and record the follow-up."),
    assignee_permission="students.edit", compute=dropout_risk,
    watches=("students.student", "students.handover", "students.case", "iep.session", "iep.sessionattendance",
             "homebound.visit")))

__all__ = ["dropout_risk", "term_window_start"]
