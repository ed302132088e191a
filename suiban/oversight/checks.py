"""Checks that read several apps at once or oversight's own records (OV-1): dropout risk (PL-10), children of
the census on no register (PL-14), enrolment refusals the bureau has not decided (PL-15) and missing
barrier-free facilities (OV-5)."""

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


# --- PL-14: children of the census on no register -------------------------------------------------------------
def census_not_in_school(school_ids):
    from suiban.oversight.models import CENSUS_SOURCES, CensusChild

    on_register = Student.objects.filter(status="active").exclude(id_number_hash="").values("id_number_hash")
    rows = (CensusChild.objects.filter(state="not_in_school").exclude(id_number_hash__in=on_register)
            .values_list("pk", "name", "region_id", "follow_up_person", "follow_up_due", "source"))
    sources = dict(CENSUS_SOURCES)
    for pk, name, region_id, person, due, source in rows:
        if person:
            evidence = _("On the list of %(source)s but on no school's register; followed up by %(person)s.") % {
                "source": sources.get(source, source), "person": person}
        else:
            evidence = _("On the list of %(source)s but on no school's register; nobody follows the child up yet.") % {
                "source": sources.get(source, source)}
        yield FindingData("census_child", pk, name, None, evidence, due_date=due, region_id=region_id)


checks.register(Check(
    rule="PL-14", severity="warning", subject_type="census_child",
    title=gettext_lazy("Child with a disability not in school"),
    action=gettext_lazy("Name who follows the child up and by when, until the child is placed."),
    assignee_permission="oversight.census", compute=census_not_in_school,
    watches=("oversight.censuschild", "students.student")))


# --- PL-15: enrolment refusals the bureau has not decided -------------------------------------------------------
def refusals_undecided(school_ids):
    from suiban.oversight.models import EnrolmentRefusal

    qs = EnrolmentRefusal.objects.filter(decided_on__isnull=True)
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    for pk, name, school_id, day, reason in qs.values_list("pk", "child_name", "school_id", "refused_on", "reason"):
        evidence = _("Refused at enrolment on %(date)s. Reason given: %(reason)s") % {
            "date": day.isoformat(), "reason": reason}
        yield FindingData("refusal", pk, name, school_id, evidence, due_date=day + timedelta(days=14))


checks.register(Check(
    rule="PL-15", severity="violation", subject_type="refusal",
    title=gettext_lazy("Child refused at enrolment"),
    action=gettext_lazy("Review the refusal and its reason and decide where the child is placed."),
    assignee_permission="oversight.census", compute=refusals_undecided,
    watches=("oversight.enrolmentrefusal",)))


# --- OV-5: barrier-free items missing ------------------------------------------------------------------------------
def accessibility_missing(school_ids):
    from suiban.oversight.models import ACCESSIBILITY_ITEMS, AccessibilityItem

    labels = dict(ACCESSIBILITY_ITEMS)
    qs = AccessibilityItem.objects.filter(present=False)
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    for pk, item, school_id, school_name, due in qs.values_list("pk", "item", "school_id", "school__name",
                                                                "rectify_by"):
        evidence = _("Missing: %(item)s.") % {"item": labels.get(item, item)}
        yield FindingData("accessibility_item", pk, f"{school_name} · {labels.get(item, item)}", school_id, evidence,
                          due_date=due)


checks.register(Check(
    rule="OV-5", severity="warning", subject_type="accessibility_item",
    title=gettext_lazy("Barrier-free facility missing"),
    action=gettext_lazy("Rectify the facility and record it as in place."),
    assignee_permission="oversight.record", compute=accessibility_missing,
    watches=("oversight.accessibilityitem",)))
