"""Reads of individual education that are more than a filter: plan lists, findings (missing plans, reviews
due or overdue), progress per goal, weekly hours against the policy minimum and the below-minimum list."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan

from suiban import policy
from suiban.iep.models import GoalAttainment, Plan, Review, WeeklyHours
from suiban.iep.services import today
from suiban.iep.sessions import week_start
from suiban.org import calendar
from suiban.org.calendar import local_term
from suiban.org.models import Region, School, SchoolYear, Term
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

MINIMUM = "tutoring_min_hours_per_week"
SCHOOL_DAYS = 5  # Monday to Friday
DUE_SOON_DAYS = 14  # a review is "due" from two weeks before its date, "overdue" after it
HOURS = DecimalField(max_digits=6, decimal_places=2)


# --- plans ------------------------------------------------------------------------------------------------
def plans(user, filters: dict, *, perm: str = "iep.view"):
    """The plans ``user`` may see, filtered like the API list, with the last review date (one query a page)."""
    qs = Plan.objects.visible_to(user, perm)
    f = {k: v for k, v in filters.items() if v not in (None, "")}
    if "student_id" in f:
        qs = qs.filter(student_id=int(f["student_id"]))
    if "school" in f:
        qs = qs.filter(school_id=int(f["school"]))
    if "class_id" in f:
        qs = qs.filter(student__school_class_id=int(f["class_id"]))
    if "state" in f:
        qs = qs.filter(state=f["state"])
    if "school_year" in f:
        start = str(f["school_year"]).split("-")[0]
        qs = qs.filter(school_year__start_year=int(start)) if start.isdigit() else qs.none()
    if "region" in f:
        region = Region.objects.visible_to(user).filter(pk=int(f["region"])).first()
        qs = qs.filter(region_path__startswith=region.path) if region else qs.none()
    # The last review date is a correlated subquery, not a GROUP BY over every plan in scope: with a LIMIT the
    # database computes it for the page's rows only (a province holds ~10⁵ plans).
    last_review = Review.objects.filter(plan=OuterRef("pk")).order_by("-review_date").values("review_date")[:1]
    return (qs.select_related("student__school_class", "school", "school_year")
            .defer(*Student.encrypted_fields("student"))
            .annotate(last_review_on=Subquery(last_review))
            .order_by("-school_year__start_year", "school_id", "student__name", "id"))


def _add_weeks(d: date | None, weeks: int) -> date | None:
    return d + timedelta(weeks=weeks) if d else None


def next_review_due(plan: Plan, last_review_on: date | None) -> date | None:
    """IEP-3: the next review is due ⚙ iep_review_interval_weeks after the last one (or after going in force)."""
    if plan.state != "in_force":
        return None
    return _add_weeks(last_review_on or plan.in_force_on, policy.value(plan.school, "iep_review_interval_weeks"))


def next_reviews_due(rows) -> list[date | None]:
    """``next_review_due`` of plans read as plain values: each row a (state, in_force_on, last_review_on,
    school_id, school's region_path); the interval resolved once per school of the rows (cached policy)."""
    weeks: dict[int, int] = {}
    out = []
    for state, in_force_on, last_review_on, school_id, region_path in rows:
        if state != "in_force":
            out.append(None)
            continue
        if school_id not in weeks:
            weeks[school_id] = policy.value(School(pk=school_id, region_path=region_path),
                                            "iep_review_interval_weeks")
        out.append(_add_weeks(last_review_on or in_force_on, weeks[school_id]))
    return out


@dataclass
class Findings:
    school_year: str | None
    missing_plans: list  # students in inclusion without a plan for the school year
    not_in_force: list  # plans still in draft or in review
    reviews_due: list  # next review within DUE_SOON_DAYS
    reviews_overdue: list  # next review date passed


def findings(school: School, *, on: date | None = None, user=None) -> Findings:
    """OV-1 input for one school (IEP-1, IEP-3): the students in inclusion without a plan for the school year
    of ``on``, plans not in force yet, and reviews due or overdue (last review — or going in force — older than
    ⚙ iep_review_interval_weeks). ONE SQL query (correlated subqueries); the interval is read from the policy
    (cached) before it. With ``user``, only the students that user may see are listed (a class teacher: their
    class)."""
    on = on or today()
    interval = policy.value(school, "iep_review_interval_weeks")
    year_plans = Plan.objects.filter(student=OuterRef("pk"), school_year__start_date__lte=on,
                                     school_year__end_date__gte=on)
    last_review = (Review.objects.filter(plan__student=OuterRef("pk"), plan__school_year__start_date__lte=on,
                                         plan__school_year__end_date__gte=on)
                   .order_by().values("plan__student").annotate(m=Max("review_date")).values("m"))
    students = Student.objects.visible_to(user, "iep.view") if user is not None else Student.objects.all()
    rows = (students.filter(school=school, placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES)
            .annotate(plan_id=Subquery(year_plans.values("pk")[:1]),
                      plan_state=Subquery(year_plans.values("state")[:1]),
                      in_force_on=Subquery(year_plans.values("in_force_on")[:1]),
                      year_name=Subquery(SchoolYear.objects.filter(start_date__lte=on, end_date__gte=on)
                                         .values("start_year")[:1]),
                      last_review_on=Subquery(last_review))
            .order_by("grade", "name", "pk")
            .values("pk", "name", "school_class_id", "plan_id", "plan_state", "in_force_on", "last_review_on",
                    "year_name"))
    out = Findings(None, [], [], [], [])
    for r in rows:
        if r["year_name"] and out.school_year is None:
            out.school_year = f"{r['year_name']}-{r['year_name'] + 1}"
        base = {"student_id": r["pk"], "student_name": r["name"], "class_id": r["school_class_id"],
                "plan_id": r["plan_id"]}
        if r["plan_id"] is None:
            out.missing_plans.append(base)
        elif r["plan_state"] in ("draft", "in_review"):
            out.not_in_force.append({**base, "state": r["plan_state"]})
        elif r["plan_state"] == "in_force":
            due = _add_weeks(r["last_review_on"] or r["in_force_on"], interval)
            item = {**base, "last_review_on": r["last_review_on"], "due_on": due}
            if due and due < on:
                out.reviews_overdue.append(item)
            elif due and due <= on + timedelta(days=DUE_SOON_DAYS):
                out.reviews_due.append(item)
    return out


def progress(plan: Plan) -> list[dict]:
    """IEP-3: attainment per goal over time, in review order (the data of a progress chart). Two queries."""
    goals = list(plan.goals.order_by("kind", "position", "id"))
    points: dict[int, list] = {g.pk: [] for g in goals}
    for a in (GoalAttainment.objects.filter(review__plan=plan).select_related("review")
              .order_by("review__review_date", "review_id")):
        points.setdefault(a.goal_id, []).append({
            "review_id": a.review_id, "date": a.review.review_date, "attained": a.attained,
            "percentage": float(a.percentage) if a.percentage is not None else None,
            "level_reached": a.level_reached})
    codes = goal_codes(goals)
    return [{"goal_id": g.pk, "code": code_label(codes[g.pk]), "kind": g.kind, "parent_id": g.parent_id,
             "domain": g.domain, "target_behaviour": g.target_behaviour, "target_level": g.target_level,
             "active": g.active, "points": points[g.pk]} for g in sorted(goals, key=lambda g: codes[g.pk])]


def goal_codes(goals) -> dict[int, tuple]:
    """"1", "1.2" … — long-term goal position, then the short-term goal's position under it."""
    by_id = {g.pk: g for g in goals}
    out = {}
    for g in goals:
        if g.parent_id and g.parent_id in by_id:
            out[g.pk] = (by_id[g.parent_id].position, g.position)
        else:
            out[g.pk] = (g.position, 0)
    return out


def code_label(code: tuple) -> str:
    return f"{code[0]}.{code[1]}" if code[1] else str(code[0])


# --- weekly hours (IEP-5) -----------------------------------------------------------------------------------
def _school_days(monday: date, terms) -> int:
    return sum(1 for i in range(SCHOOL_DAYS)
               if any(t.start_date <= monday + timedelta(days=i) <= t.end_date for t in terms))


def term_weeks(term: Term, subject=None) -> list[tuple[date, int]]:
    """The term's weeks as (Monday, school days of the week inside the term), for weeks with school days — by the
    calendar of ``subject``'s school or region where it sets its own dates (ORG-2)."""
    term = local_term(term, subject)
    out, monday = [], week_start(term.start_date)
    while monday <= term.end_date:
        days = _school_days(monday, [term])
        if days:
            out.append((monday, days))
        monday += timedelta(days=7)
    return out


def weekly_minimum(minimum, days: int) -> Decimal:
    """⚙ tutoring_min_hours_per_week for a full week; a week the term only partly covers (it starts or ends on
    a weekday) is held to the share of its school days: 3 hours × 2/5 days = 1.2."""
    return (Decimal(str(minimum)) * days / SCHOOL_DAYS).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def current_term(on: date | None = None) -> Term | None:
    on = on or today()
    return (Term.objects.filter(start_date__lte=on, end_date__gte=on).select_related("school_year").first()
            or Term.objects.filter(start_date__lte=on).select_related("school_year").order_by("-start_date").first())


def current_term_among(terms, on: date | None = None) -> Term | None:
    """``current_term(on)`` picked from every term of the installation already read (with their school years'
    start years): the term ``on`` falls in (the first by school year and number), else the latest begun."""
    on = on or today()
    running = [t for t in terms if t.start_date <= on <= t.end_date]
    if running:
        return min(running, key=lambda t: (t.school_year.start_year, t.number))
    begun = [t for t in terms if t.start_date <= on]
    return max(begun, key=lambda t: t.start_date) if begun else None


TERM_CODE = re.compile(r"^\s*(\d{4})-(\d{4})-([12])\s*$")


def term_from_param(value) -> Term | None:
    """A term named by its id (``12``) or its code ``"2026-2027-1"`` (school year, then term 1 or 2)."""
    text = str(value).strip()
    if text.isdigit() and len(text) < 10:
        return Term.objects.select_related("school_year").filter(pk=int(text)).first()
    m = TERM_CODE.match(text)
    if m and int(m[2]) == int(m[1]) + 1:
        return (Term.objects.select_related("school_year")
                .filter(school_year__start_year=int(m[1]), number=int(m[3])).first())
    return None


def term_code(term: Term) -> str:
    return f"{term.school_year.name}-{term.number}"


def weekly_hours(student: Student, term: Term, *, on: date | None = None) -> list[dict]:
    """IEP-5: delivered class hours per term week against the policy minimum (one query on the summary)."""
    on = on or today()
    minimum = policy.value(student.school, MINIMUM)
    weeks = term_weeks(term, student.school)
    if not weeks:
        return []
    got = dict(WeeklyHours.objects.filter(student=student, week_start__gte=weeks[0][0], week_start__lte=weeks[-1][0])
               .values_list("week_start", "delivered_hours"))
    out = []
    for monday, days in weeks:
        delivered = Decimal(got.get(monday) or 0)
        need = weekly_minimum(minimum, days)
        out.append({"week_start": monday, "delivered_hours": float(delivered), "minimum": float(need),
                    "met": delivered >= need, "school_days": days, "upcoming": monday > on})
    return out


def _calendar_days(subject, monday: date, terms) -> int:
    """The school days of the week of ``monday`` by ``subject``'s own calendar (ORG-2)."""
    return _school_days(monday, [local_term(t, subject) for t in terms])


def _minimum_case(students, days: int, monday: date | None = None, terms=()):
    """The weekly minimum of each student's school as one SQL CASE (⚙ tutoring_min_hours_per_week).

    The value is resolved per district (the region value every school of the district inherits) and, for the
    few schools with their own override, per school — not once per school in scope. With ``monday`` and the
    installation's ``terms`` around it, a district or school whose calendar sets its own term dates (ORG-2) is
    held to the share of its own school days of that week (none outside its term)."""
    from suiban.policy.resolve import overridden as overrides_of

    local = monday is not None and _local_calendars()

    def days_for(subject):
        return _calendar_days(subject, monday, terms) if local else days

    # The schools and regions with an override of their own are few and cached with the policy; a school out of
    # scope adds a branch no row takes.
    override_ids, overridden = overrides_of(MINIMUM)
    override_ids, overridden = set(override_ids), list(overridden)
    if local:
        override_ids |= calendar.own_calendar_school_ids()
        overridden += list(calendar.own_calendar_region_paths())
    whens = []
    for school in School.objects.filter(pk__in=override_ids) if override_ids else ():
        whens.append(When(school_id=school.pk,
                          then=Value(weekly_minimum(policy.value(school, MINIMUM), days_for(school)))))
    # Only the regions under a region override (or, for the calendar, a profile) can differ from the default: no
    # scan of the students for their districts (a province's DISTINCT over 10⁵ students cost more than the page).
    default_value = weekly_minimum(policy.value(None, MINIMUM), days)
    by_value: dict[Decimal, list[str]] = {}
    if overridden:
        under = Q()
        for path in set(overridden):
            under |= Q(path__startswith=path)
        for region in Region.objects.filter(under):
            value = weekly_minimum(policy.value(region, MINIMUM), days_for(region))
            if value != default_value:
                by_value.setdefault(value, []).append(region.path)
    for value, region_paths in by_value.items():
        whens.append(When(region_path__in=region_paths, then=Value(value)))
    return Case(*whens, default=Value(default_value), output_field=HOURS)


def _terms_around(monday: date) -> list:
    """The installation's terms a regional calendar could move into the week of ``monday`` (ORG-2)."""
    return list(Term.objects.filter(start_date__lte=monday + timedelta(days=200), end_date__gte=monday - timedelta(
        days=200)).select_related("school_year"))


def _local_calendars() -> bool:
    """Whether any region or school keeps calendar dates of its own (an override or an attached profile)."""
    return bool(calendar.own_calendar_region_paths() or calendar.own_calendar_school_ids())


@dataclass
class BelowMinimum:
    week_start: date
    school_days: int
    students: object  # queryset of Student annotated with delivered_hours and minimum
    scope: object = None  # the students in inclusion in scope (before the week's join)
    minimum: object = None  # the SQL expression of each student's weekly minimum


def count_below(results: list[BelowMinimum]) -> list[int]:
    """How many students each result lists. Weeks of the same scope are counted in one pass over the students
    (one LEFT JOIN of the summary per week, a filtered COUNT each): a province's two weeks cost about one count."""
    live = [r for r in results if r.scope is not None]  # no scope: not a term week anywhere, nothing listed
    if len(live) < 2:
        return [r.students.count() for r in results]
    qs = live[0].scope
    aggregates = {}
    for i, r in enumerate(live):
        qs = qs.alias(**{f"w{i}": FilteredRelation("iep_weekly_hours",
                                                   condition=Q(iep_weekly_hours__week_start=r.week_start))})
        delivered = Coalesce(F(f"w{i}__delivered_hours"), Value(Decimal("0")), output_field=HOURS)
        aggregates[f"c{i}"] = Count("pk", filter=LessThan(delivered, r.minimum))
    counts = qs.order_by().aggregate(**aggregates)
    by_result = {id(r): counts[f"c{i}"] for i, r in enumerate(live)}
    return [by_result.get(id(r), 0) for r in results]


# What the list shows of each student (API and page): the rows are sorted after the join, so every column read
# is carried through the sort, and the encrypted ones would be decrypted for nothing.
BELOW_MINIMUM_FIELDS = ("id", "name", "grade", "school_id", "school_class_id", "region_path", "school__name",
                        "school__code", "school_class__name")


def below_minimum(user, week: date, filters: dict) -> BelowMinimum:
    """IEP-5: the students in inclusion (in school, regular or special class) in ``user``'s scope whose
    delivered hours in ``week`` are below their school's minimum — in SQL: the students LEFT JOIN that week's
    summary rows, the minimum as a CASE over districts, filtered and counted by the database."""
    monday = week_start(week)
    around = _terms_around(monday)  # one query: the terms of the week are among them
    terms = [t for t in around if t.start_date <= monday + timedelta(days=SCHOOL_DAYS - 1) and t.end_date >= monday]
    days = _school_days(monday, terms)
    students = Student.objects.visible_to(user, "iep.records").filter(placement__in=INCLUSION_PLACEMENTS,
                                                                   status__in=ACTIVE_STATUSES)
    f = {k: v for k, v in filters.items() if v not in (None, "")}
    if "school" in f:
        students = students.filter(school_id=int(f["school"]))
    if "class_id" in f:
        students = students.filter(school_class_id=int(f["class_id"]))
    if "region" in f:
        region = Region.objects.visible_to(user).filter(pk=int(f["region"])).first()
        students = students.filter(region_path__startswith=region.path) if region else students.none()
    if not days and not _local_calendars():  # not a term week anywhere: the minimum does not apply
        return BelowMinimum(monday, 0, students.none())
    minimum = _minimum_case(students, days, monday, around)
    qs = (students
          .annotate(week_row=FilteredRelation("iep_weekly_hours", condition=Q(iep_weekly_hours__week_start=monday)))
          .annotate(delivered_hours=Coalesce(F("week_row__delivered_hours"), Value(Decimal("0")),
                                             output_field=HOURS),
                    minimum=minimum)
          .filter(delivered_hours__lt=F("minimum"))
          .select_related("school", "school_class")
          .only(*BELOW_MINIMUM_FIELDS)
          .order_by("school__code", "grade", "name", "pk"))
    return BelowMinimum(monday, days, qs, students, minimum)


# IEP-2 (GD §27(2), GD A6.3.2): the team meeting's participants are picked from the people who work for the
# student's school — its leaders / inclusion working group, resource teachers and class teachers, and the
# resource centre's itinerant teachers of its district — each with the role they usually take in the meeting.
STAFF_MEETING_ROLE = {"school_leader": "working_group", "resource_teacher": "resource_teacher",
                      "class_teacher": "class_teacher", "centre_staff": "itinerant_teacher"}
MAX_MEETING_STAFF = 60


def meeting_staff(school: School) -> list[tuple[int, str, str]]:
    """(user id, name, usual meeting role) of the school's staff accounts, by role then name; one row a person."""
    from django.db.models import Q

    from suiban.accounts.models import RoleAssignment

    ancestors = [school.region_path[:i + 1] for i, ch in enumerate(school.region_path) if ch == "/"]
    rows = (RoleAssignment.objects.filter(revoked_at__isnull=True, user__is_active=True)
            .filter(Q(role__in=("school_leader", "resource_teacher"), school=school)
                    | Q(role="class_teacher", school_class__school=school)
                    | Q(role="centre_staff", region__path__in=ancestors))
            .select_related("user").order_by("id"))
    order = list(STAFF_MEETING_ROLE)
    seen: dict[int, tuple[int, str, str]] = {}
    for ra in sorted(rows, key=lambda r: order.index(r.role)):
        seen.setdefault(ra.user_id, (ra.user_id, ra.user.display_name, STAFF_MEETING_ROLE[ra.role]))
    return sorted(seen.values(), key=lambda r: (order.index(next(k for k, v in STAFF_MEETING_ROLE.items()
                                                                  if v == r[2])), r[1]))[:MAX_MEETING_STAFF]
