"""Sessions API (IEP-4, IEP-5): /api/v1/sessions (list/create/get, corrections), the below-minimum list and a
student's weekly hours (/api/v1/students/{id}/weekly-hours?term=)."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from suiban.core.api_tools import Id, PageIn, listed, page_count, require
from suiban.core.errors import DomainError
from suiban.core.scoping import get_visible_or_404
from suiban.iep import selectors, sessions
from suiban.iep.filters import field_named
from suiban.iep.lists import SESSIONS as SESSION_SORT
from suiban.iep.models import Session, SessionAttendance, SessionCorrection
from suiban.org.models import Region, SchoolYear, Term
from suiban.students.models import Student

Outcome = Literal["delivered", "student_absent", "teacher_absent", "cancelled"]


class SessionIn(Schema):
    student_ids: list[Id] = Field(..., description="one student, or every student of a group session")
    date: dt.date
    hours: Decimal = Field(..., description="class hours, more than 0 and at most 8")
    kind: str = Field(..., max_length=30, description='"individual_tutoring" or a compensatory training kind of '
                                                     "the policy")
    teacher_name: str = Field(..., max_length=50)
    outcome: Outcome = "delivered"
    cancel_reason: str = ""
    notes: str = ""
    absent_student_ids: list[Id] = Field([], description="students of a group session that took place who were "
                                                         "absent: it does not count for them")
    goal_ids: list[Id] = []
    client_ref: str = Field("", max_length=64, description="the client's own id of the session (unique per school)")


class SessionCorrectionIn(Schema):
    reason: str
    version: int | None = None
    date: dt.date | None = None
    hours: Decimal | None = None
    kind: str | None = Field(None, max_length=30)
    teacher_name: str | None = Field(None, max_length=50)
    outcome: Outcome | None = None
    cancel_reason: str | None = None
    notes: str | None = None
    student_ids: list[Id] | None = None
    absent_student_ids: list[Id] | None = None
    goal_ids: list[Id] | None = None


class SessionStudentOut(Schema):
    id: int
    name: str
    class_id: int | None
    absent: bool = Field(..., description="absent from this group session (it does not count for the student)")


class SessionCorrectionOut(Schema):
    number: int
    reason: str
    corrected_at: dt.datetime
    corrected_by: str | None
    before: dict[str, Any]
    after: dict[str, Any]


class SessionOut(Schema):
    id: int
    version: int
    school_id: int
    school_name: str
    date: dt.date
    hours: float
    kind: str
    teacher_name: str
    outcome: str
    cancel_reason: str
    notes: str
    is_group: bool
    students: list[SessionStudentOut]
    goal_ids: list[int]
    client_ref: str
    logged_by: str | None
    created_at: dt.datetime
    original: dict[str, Any]
    corrections: list[SessionCorrectionOut]


class SessionPage(Schema):
    count: int
    count_exact: bool = True
    items: list[SessionOut]


class SessionFilter(Schema):
    student_id: Id | None = None
    school: Id | None = None
    school_id: Id | None = None
    class_id: Id | None = None
    kind: str | None = Field(None, max_length=30)
    outcome: Outcome | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class WeeklyHoursOut(Schema):
    week_start: dt.date
    delivered_hours: float
    minimum: float
    met: bool
    school_days: int
    upcoming: bool


class BelowMinimumOut(Schema):
    student_id: int
    student_name: str
    school_id: int
    school_name: str
    class_id: int | None
    class_name: str | None
    grade: int
    delivered_hours: float
    minimum: float
    shortfall: float


class BelowMinimumPage(Schema):
    count: int
    items: list[BelowMinimumOut]
    week_start: dt.date
    school_days: int


class BelowMinimumFilter(Schema):
    week: dt.date | None = Field(None, description="a day of the week (its Monday is used); default the current week")
    school: Id | None = None
    school_id: Id | None = None
    region: Id | None = None
    region_id: Id | None = None
    class_id: Id | None = None


router = Router(tags=["sessions"])


def _only_visible(values: dict | None, visible: set[int] | None) -> dict | None:
    """A stored snapshot of a session without the students the caller may not see (ORG-4)."""
    if not values or visible is None:
        return values
    return {**values, **{k: [i for i in values[k] if i in visible]
                         for k in ("student_ids", "absent_student_ids") if k in values}}


def session_out(s: Session, visible: set[int] | None) -> dict:
    return {
        "id": s.pk, "version": s.version, "school_id": s.school_id, "school_name": s.school.name, "date": s.date,
        "hours": float(s.hours), "kind": s.kind, "teacher_name": s.teacher_name, "outcome": s.outcome,
        "cancel_reason": s.cancel_reason, "notes": s.notes, "is_group": s.is_group,
        "students": [{"id": a.student_id, "name": a.student.name, "class_id": a.student.school_class_id,
                      "absent": a.absent}
                     for a in s.attendances.all() if visible is None or a.student_id in visible],
        "goal_ids": sorted(g.pk for g in s.goals.all()), "client_ref": s.client_ref,
        "logged_by": s.logged_by.username if s.logged_by_id else None, "created_at": s.created_at,
        "original": _only_visible(s.original, visible),
        "corrections": [{"number": c.number, "reason": c.reason, "corrected_at": c.corrected_at,
                         "corrected_by": c.corrected_by.username if c.corrected_by_id else None,
                         "before": _only_visible(c.before, visible), "after": _only_visible(c.after, visible)}
                        for c in s.corrections.all()],
    }


def _related(qs):
    # The attendances with their students in one query, without the students' encrypted columns (not shown).
    attendances = Prefetch("attendances", queryset=SessionAttendance.objects.select_related("student")
                           .defer(*Student.encrypted_fields("student")))
    return qs.select_related("school", "logged_by").prefetch_related(
        attendances, "goals", "corrections__corrected_by")


def _visible_students(user, rows) -> set[int]:
    """Of a group session, show only the students the caller may see (a class teacher: their class's)."""
    ids = {a.student_id for s in rows for a in s.attendances.all()}
    for s in rows:  # students named in the original values and the corrections too (e.g. removed later)
        for values in [s.original, *[v for c in s.corrections.all() for v in (c.before, c.after)]]:
            ids.update((values or {}).get("student_ids", []))
    return set(Student.objects.visible_to(user, "iep.records").filter(pk__in=ids).values_list("pk", flat=True))


def _session(request, session_id: int) -> Session:
    require(request, "iep.records")
    return get_visible_or_404(_related(Session.objects), request.user, session_id)


@router.get("/sessions", response=SessionPage)
def list_sessions(request, filters: Query[SessionFilter], page: Query[PageIn], sort: str | None = None):
    """Sessions in scope, newest first; ``student_id`` lists one student's (a group session counts for each).
    ``sort``: date, hours, kind or outcome (``-`` for descending); any other value keeps the newest first."""
    require(request, "iep.records")
    qs = Session.objects.visible_to(request.user)
    f = field_named(filters.dict(exclude_none=True))
    # A filter names a child (or class) only through the children the user may see: a class teacher filtering by
    # a child of another class learns nothing about that child's group sessions (SEC-2).
    seen = Student.objects.visible_to(request.user, "iep.records")
    if "student_id" in f:
        qs = qs.filter(pk__in=Session.objects.filter(attendances__student_id=f["student_id"],
                                                     attendances__student__in=seen).values("pk"))
    if "class_id" in f:
        qs = qs.filter(pk__in=Session.objects.filter(attendances__student__school_class_id=f["class_id"],
                                                     attendances__student__in=seen).values("pk"))
    if "school" in f:
        qs = qs.filter(school_id=f["school"])
    if "kind" in f:
        qs = qs.filter(kind=f["kind"])
    if "outcome" in f:
        qs = qs.filter(outcome=f["outcome"])
    if "date_from" in f:
        qs = qs.filter(date__gte=f["date_from"])
    if "date_to" in f:
        qs = qs.filter(date__lte=f["date_to"])
    qs, _sort = SESSION_SORT.apply(qs, sort)
    start = (page.page - 1) * page.page_size
    items = session_items(request.user, qs[start:start + page.page_size])
    # a province holds millions of sessions: the count is capped (API.md)
    total, exact = page_count(qs, start, page.page_size, len(items), capped=True)
    return listed({"count": total, "count_exact": exact, "items": items})


# A list row as ``session_out`` answers it, read as plain values (no model instances, no prefetching).
_SESSION_VALUES = {
    "id": "id", "version": "version", "school_id": "school_id", "school_name": "school__name", "date": "date",
    "hours": "hours", "kind": "kind", "teacher_name": "teacher_name", "outcome": "outcome",
    "cancel_reason": "cancel_reason", "notes": "notes", "is_group": "is_group", "client_ref": "client_ref",
    "logged_by": "logged_by__username", "created_at": "created_at", "original": "original",
}


def session_items(user, page_qs) -> list[dict]:
    """The list rows of a page of sessions, in ``SessionOut``'s order of fields: the page (with the school's name
    and who logged it), its attendances (with each student's name, class and whether ``user`` may see the student,
    SEC-2), the goals of those logged with goals or corrected, and the corrections of those corrected (version
    above 1) — two to four queries; one more only when a correction or the original values name a student no
    longer in the session."""
    keys = list(_SESSION_VALUES)
    rows = [dict(zip(keys, row, strict=True)) for row in page_qs.values_list(*_SESSION_VALUES.values())]
    if not rows:
        return []
    by_id = {r["id"]: r for r in rows}
    students = {sid: [] for sid in by_id}
    goals = {sid: [] for sid in by_id}
    corrections = {sid: [] for sid in by_id}
    visible, named = set(), set()
    seen = Student.objects.visible_to(user, "iep.records").filter(pk=OuterRef("student_id"))
    for sid, student_id, name, class_id, absent, ok in (
            SessionAttendance.objects.filter(session_id__in=by_id).order_by("session_id", "student_id")
            .annotate(ok=Exists(seen))
            .values_list("session_id", "student_id", "student__name", "student__school_class_id", "absent", "ok")):
        named.add(student_id)
        if ok:
            visible.add(student_id)
            students[sid].append({"id": student_id, "name": name, "class_id": class_id, "absent": absent})
    # Every correction raises the session's version (SEC-6): a session still at version 1 has none, and its goals
    # are among those it was logged with (only logging and corrections set them; deleting a goal drops it).
    corrected = [sid for sid, r in by_id.items() if r["version"] > 1]
    with_goals = [sid for sid, r in by_id.items() if r["version"] > 1 or (r["original"] or {}).get("goal_ids")]
    for sid, goal_id in (Session.goals.through.objects.filter(session_id__in=with_goals)
                         .values_list("session_id", "goal_id") if with_goals else ()):
        goals[sid].append(goal_id)
    for sid, number, reason, at, by, before, after in (
            SessionCorrection.objects.filter(session_id__in=corrected).order_by("session_id", "number")
            .values_list("session_id", "number", "reason", "corrected_at", "corrected_by__username", "before",
                         "after") if corrected else ()):
        corrections[sid].append({"number": number, "reason": reason, "corrected_at": at, "corrected_by": by,
                                 "before": before, "after": after})
    # Students named only in the original values or a correction (removed from the session since): asked apart.
    others = {i for r in rows for values in [r["original"], *[v for c in corrections[r["id"]]
                                                               for v in (c["before"], c["after"])]]
              for i in (values or {}).get("student_ids", []) if i not in named}
    if others:
        visible.update(Student.objects.visible_to(user, "iep.records").filter(pk__in=others)
                       .values_list("pk", flat=True))
    items = []
    for r in rows:
        sid = r["id"]
        for c in corrections[sid]:
            c["before"], c["after"] = _only_visible(c["before"], visible), _only_visible(c["after"], visible)
        items.append({
            "id": sid, "version": r["version"], "school_id": r["school_id"], "school_name": r["school_name"],
            "date": r["date"], "hours": float(r["hours"]), "kind": r["kind"], "teacher_name": r["teacher_name"],
            "outcome": r["outcome"], "cancel_reason": r["cancel_reason"], "notes": r["notes"],
            "is_group": r["is_group"], "students": students[sid], "goal_ids": sorted(goals[sid]),
            "client_ref": r["client_ref"], "logged_by": r["logged_by"], "created_at": r["created_at"],
            "original": _only_visible(r["original"], visible), "corrections": corrections[sid],
        })
    return items


@router.post("/sessions", response={201: SessionOut})
def create_session(request, payload: SessionIn):
    """Log a session once, also for a group (``student_ids``): it counts for every student in it (IEP-5)."""
    require(request, "iep.edit")
    data = payload.dict()
    s = sessions.session_log(actor=request.user, **data)
    rows = [_related(Session.objects).get(pk=s.pk)]
    return Status(201, session_out(rows[0], _visible_students(request.user, rows)))


@router.get("/sessions/below-minimum", response=BelowMinimumPage)
def below_minimum(request, filters: Query[BelowMinimumFilter], page: Query[PageIn]):
    """Students in inclusion in scope whose delivered hours in the week (a Monday; default this week) are below
    their school's minimum (⚙ tutoring_min_hours_per_week, pro rata in a week the term only partly covers);
    outside the term weeks the list is empty. Computed in SQL from the weekly summary."""
    require(request, "iep.records")
    week = sessions.week_start(filters.week or timezone.localdate())  # any day of the week: its Monday
    if not (dt.date(1900, 1, 1) <= week <= dt.date(2999, 12, 31)):
        raise DomainError(_("Give a day of the week."), field="week")
    f = field_named(filters.dict(exclude_none=True))
    f.pop("week", None)
    if "region" in f and not Region.objects.visible_to(request.user).filter(pk=f["region"]).exists():
        raise DomainError(_("The object does not exist or is outside your scope."), field="region")
    result = selectors.below_minimum(request.user, week, f)
    qs = result.students
    start = (page.page - 1) * page.page_size
    items = [{"student_id": pk, "student_name": name, "school_id": school_id, "school_name": school_name,
              "class_id": class_id, "class_name": class_name, "grade": grade,
              "delivered_hours": float(delivered), "minimum": float(minimum),
              "shortfall": float(Decimal(minimum) - Decimal(delivered))}
             for pk, name, school_id, school_name, class_id, class_name, grade, delivered, minimum
             in ([] if result.scope is None  # not a term week: nothing listed (and no week's hours to read)
                 else qs[start:start + page.page_size].values_list(
                     "id", "name", "school_id", "school__name", "school_class_id", "school_class__name", "grade",
                     "delivered_hours", "minimum"))]
    total, _exact = page_count(qs, start, page.page_size, len(items))
    return listed({"count": total, "items": items, "week_start": result.week_start,
                   "school_days": result.school_days})


@router.get("/sessions/{session_id}", response=SessionOut)
def get_session(request, session_id: int):
    s = _session(request, session_id)
    return session_out(s, _visible_students(request.user, [s]))


@router.post("/sessions/{session_id}/corrections", response={201: SessionOut})
def post_correction(request, session_id: int, payload: SessionCorrectionIn):
    """Correct a saved session with a reason: the original and every correction are kept (who, when, why);
    the effective values are the latest correction's."""
    s = _session(request, session_id)
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason")
    version = data.pop("version", None)
    sessions.session_correct(actor=request.user, session=s, reason=reason, version=version, **data)
    s = _session(request, session_id)
    return Status(201, session_out(s, _visible_students(request.user, [s])))


class TermOut(Schema):
    id: int
    code: str = Field(..., description='"2026-2027-1": the school year and the term number')
    school_year: str
    number: int
    name: str
    start_date: dt.date
    end_date: dt.date
    current: bool


@router.get("/terms", response=list[TermOut])
def list_terms(request):
    """The terms of the school calendar, newest first (the ``term`` of weekly hours and evaluations)."""
    require(request, "iep.records")
    terms = [Term(pk=pk, number=number, start_date=start, end_date=end, school_year=SchoolYear(start_year=year))
             for pk, number, start, end, year in Term.objects.order_by("-start_date").values_list(
                 "id", "number", "start_date", "end_date", "school_year__start_year")]
    current = selectors.current_term_among(terms)  # the same term as ``current_term()``, without asking again
    return listed([{"id": t.pk, "code": selectors.term_code(t), "school_year": t.school_year.name,
                    "number": t.number, "name": str(t), "start_date": t.start_date, "end_date": t.end_date,
                    "current": current is not None and t.pk == current.pk} for t in terms])


@router.get("/students/{student_id}/weekly-hours", response=list[WeeklyHoursOut])
def weekly_hours(request, student_id: int,
                 term: str | None = Query(None, max_length=20, description='the term\'s id or code ("2026-2027-1"); '
                                                                         "default the current term")):
    """Delivered class hours per week of the term (default the current one) against the policy minimum: only
    delivered sessions count; ``met`` when the week's hours reach the minimum (IEP-5)."""
    require(request, "iep.records")
    student = get_visible_or_404(Student.objects.select_related("school"), request.user, student_id, "iep.records")
    t = selectors.term_from_param(term) if term not in (None, "") else selectors.current_term()
    if t is None:
        raise DomainError(_("Unknown term: give its id or its code such as 2026-2027-1."), field="term")
    return selectors.weekly_hours(student, t)
