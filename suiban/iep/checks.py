"""Checks of individual education for the findings engine (OV-1): plans missing (IEP-1), not in force
(IEP-2), reviews due or overdue (IEP-3) — the rules of ``selectors.findings`` over many schools in one query —
and tutoring below the weekly minimum in the last term week (IEP-5), one query over the summary."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import F, FilteredRelation, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban.core import runmemo
from suiban.core.registry import Check, FindingData, checks
from suiban.iep import selectors
from suiban.iep.models import Plan, Review
from suiban.iep.services import today
from suiban.iep.sessions import week_start
from suiban.org.models import SchoolYear, Term
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

PLAN_WATCHES = ("students.student", "iep.plan", "iep.review", "policy.policyoverride")


def _plan_rows(school_ids):
    """(current school year, rows of the students in inclusion with their plan of that year and its last review,
    review interval per school) — read once per run of the findings engine for the four plan checks."""
    from suiban.students.checks import school_values

    on = today()
    year = SchoolYear.objects.filter(start_date__lte=on, end_date__gte=on).first()
    if year is None:
        return None, [], {}
    year_plans = Plan.objects.filter(student=OuterRef("pk"), school_year=year)
    last_review = (Review.objects.filter(plan__student=OuterRef("pk"), plan__school_year=year)
                   .order_by().values("plan__student").annotate(m=Max("review_date")).values("m"))
    students = Student.objects.filter(placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES)
    if school_ids is not None:
        students = students.filter(school_id__in=school_ids)
    rows = list(students.annotate(plan_id=Subquery(year_plans.values("pk")[:1]),
                                  plan_state=Subquery(year_plans.values("state")[:1]),
                                  in_force_on=Subquery(year_plans.values("in_force_on")[:1]),
                                  last_review_on=Subquery(last_review))
                .order_by("school_id", "grade", "name", "pk")
                .values("pk", "name", "school_id", "plan_id", "plan_state", "in_force_on", "last_review_on"))
    interval = school_values(school_ids, "iep_review_interval_weeks") if rows else {}
    return year, rows, interval


def _plan_findings(school_ids, part: str):
    """The rows of ``selectors.findings`` (IEP-1, IEP-3) for many schools at once: ONE query over the students in
    inclusion with their plan of the current school year and its last review (shared by the four plan checks of
    a run); the review interval per school from the policy (resolved per district). Yields (school id, school
    year name, item) for ``part``."""
    on = today()
    year, rows, interval = runmemo.memo(("iep.plan_rows", runmemo.ids_key(school_ids)),
                                        lambda: _plan_rows(school_ids))
    if year is None:
        return
    for r in rows:
        item = {"student_id": r["pk"], "student_name": r["name"], "plan_id": r["plan_id"]}
        if r["plan_id"] is None:
            kind = "missing_plans"
        elif r["plan_state"] in ("draft", "in_review"):
            kind, item["state"] = "not_in_force", r["plan_state"]
        elif r["plan_state"] == "in_force":
            base = r["last_review_on"] or r["in_force_on"]
            due = base + timedelta(weeks=interval[r["school_id"]]) if base else None
            item.update(last_review_on=r["last_review_on"], due_on=due)
            if due is None:
                continue
            if due < on:
                kind = "reviews_overdue"
            elif due <= on + timedelta(days=selectors.DUE_SOON_DAYS):
                kind = "reviews_due"
            else:
                continue
        else:
            continue
        if kind == part:
            yield r["school_id"], year.name, item


def plans_missing(school_ids):
    for school_id, year, item in _plan_findings(school_ids, "missing_plans"):
        evidence = _("No individual education plan for the school year %(year)s.") % {"year": year}
        yield FindingData("student", item["student_id"], item["student_name"], school_id, evidence, key=year)


def plans_not_in_force(school_ids):
    states = {"draft": _("in draft"), "in_review": _("in review")}
    for school_id, year, item in _plan_findings(school_ids, "not_in_force"):
        evidence = _("The plan for %(year)s is still %(state)s, not in force.") % {
            "year": year, "state": states.get(item["state"], item["state"])}
        yield FindingData("student", item["student_id"], item["student_name"], school_id, evidence, key=year)


def _review_evidence(item) -> str:
    last = item["last_review_on"]
    if last:
        return _("Last review on %(last)s; the next was due on %(due)s.") % {
            "last": last.isoformat(), "due": item["due_on"].isoformat()}
    return _("No review since the plan came into force; the first is due on %(due)s.") % {
        "due": item["due_on"].isoformat()}


def reviews_overdue(school_ids):
    for school_id, year, item in _plan_findings(school_ids, "reviews_overdue"):
        yield FindingData("student", item["student_id"], item["student_name"], school_id, _review_evidence(item),
                          due_date=item["due_on"], key=year)


def reviews_due(school_ids):
    for school_id, year, item in _plan_findings(school_ids, "reviews_due"):
        yield FindingData("student", item["student_id"], item["student_name"], school_id, _review_evidence(item),
                          due_date=item["due_on"], key=year)


checks.register(Check(
    rule="IEP-1", severity="violation", subject_type="student",
    title=gettext_lazy("No individual education plan"),
    action=gettext_lazy("Draft the student's individual education plan for this school year."),
    assignee_permission="iep.edit", compute=plans_missing, watches=PLAN_WATCHES))
checks.register(Check(
    rule="IEP-2", severity="warning", subject_type="student",
    title=gettext_lazy("Individual education plan not in force"),
    action=gettext_lazy("Finish the plan and put it in force."),
    assignee_permission="iep.approve", compute=plans_not_in_force, watches=PLAN_WATCHES))
checks.register(Check(
    rule="IEP-3", severity="violation", subject_type="student",
    title=gettext_lazy("Plan review overdue"),
    action=gettext_lazy("Hold the review of the plan and record the attainment of each goal."),
    assignee_permission="iep.edit", compute=reviews_overdue, watches=PLAN_WATCHES))
checks.register(Check(
    rule="IEP-3", severity="info", subject_type="student", code="IEP-3.due",
    title=gettext_lazy("Plan review due soon"),
    action=gettext_lazy("Plan the review of the individual education plan."),
    assignee_permission="iep.edit", compute=reviews_due, watches=PLAN_WATCHES))


# --- IEP-5: tutoring below the weekly minimum --------------------------------------------------------------
def last_term_week(on):
    """The Monday and school days of the last full or partial term week before the current week (None: none)."""
    monday = week_start(on) - timedelta(days=7)
    terms = list(Term.objects.filter(start_date__lte=monday + timedelta(days=4), end_date__gte=monday - timedelta(
        days=200)).order_by("-start_date"))
    for _i in range(30):  # look back over a holiday
        days = selectors._school_days(monday, terms)
        if days:
            return monday, days
        monday -= timedelta(days=7)
    return None, 0


def tutoring_below_minimum(school_ids):
    monday, days = last_term_week(today())
    if monday is None:
        return
    students = Student.objects.filter(placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES)
    if school_ids is not None:
        students = students.filter(school_id__in=school_ids)
    hours = selectors.HOURS
    rows = (students
            .annotate(week_row=FilteredRelation("iep_weekly_hours", condition=Q(iep_weekly_hours__week_start=monday)))
            .annotate(delivered=Coalesce(F("week_row__delivered_hours"), Value(Decimal("0")), output_field=hours),
                      minimum=selectors._minimum_case(students, days, monday, selectors._terms_around(monday)))
            .filter(delivered__lt=F("minimum"))
            .values_list("pk", "name", "school_id", "delivered", "minimum"))
    for pk, name, school_id, delivered, minimum in rows:
        evidence = _("In the week of %(week)s: %(hours)s class hours of tutoring, below the minimum of %(min)s.") % {
            "week": monday.isoformat(), "hours": f"{Decimal(delivered).normalize():f}",
            "min": f"{Decimal(minimum).normalize():f}"}
        yield FindingData("student", pk, name, school_id, evidence, due_date=monday + timedelta(days=13))


checks.register(Check(
    rule="IEP-5", severity="warning", subject_type="student",
    title=gettext_lazy("Tutoring below the weekly minimum"),
    action=gettext_lazy("Schedule and log the missing tutoring sessions."),
    assignee_permission="iep.edit", compute=tutoring_below_minimum,
    watches=("students.student", "iep.session", "iep.sessionattendance", "iep.weeklyhours",
             "policy.policyoverride")))
