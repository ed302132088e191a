"""Sessions of individual tutoring and compensatory training (IEP-4, IEP-5) and the weekly summary.

A session is entered once, also for a group (``student_ids``), and counts for every student in it: one
``Session`` row, one ``SessionAttendance`` row per student — except a student marked absent from a group
session that the others attended (``absent_student_ids``). A saved session changes only by a recorded
correction (``session_correct``): the session row then holds the effective values, ``Session.original``
the values as first logged and each ``SessionCorrection`` the values before and after, who, when and why.

Weekly hours — the design choice (IEP-5 at ~10⁷ session rows a year, ARCHITECTURE "Scale-out"):
``WeeklyHours`` is a denormalised per-student-per-week summary (student, Monday, delivered hours, delivered
sessions; unique on (student, week_start)). The session service keeps it: every log or correction
recomputes, *from the sessions themselves*, the rows of the (student, week) pairs it touched — one SQL
aggregation (``SUM(hours) … GROUP BY student, week``) over the attendance index (student, date) and one
upsert — inside the same transaction, after locking the students' rows so that two sessions logged at the
same time for the same child serialise (the second recomputation sees the first one's rows). Recomputing
rather than adding deltas means a summary row can never drift from its sessions; ``rebuild`` (command
``manage.py rebuild_weekly_hours``) recomputes any range from scratch after a bulk load.

Reads then never aggregate raw sessions: a student's term is ~20 index lookups on the summary, and the
below-minimum list of a district or a province is one LEFT JOIN of the students in scope with one week's
summary rows (``suiban.iep.selectors.below_minimum``) instead of summing ~3·10⁵ attendance rows per week.
The cost is one extra upsert per session write, which is cheap next to the audit row.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.scoping import can, has_perm
from suiban.core.services import check_version, validate
from suiban.core.services import field_error as _err
from suiban.core.services import raise_errors as _raise
from suiban.iep.models import (
    INDIVIDUAL_TUTORING,
    OUTCOMES,
    Goal,
    Session,
    SessionAttendance,
    SessionCorrection,
    WeeklyHours,
)
from suiban.iep.services import today, training_kinds
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

MAX_HOURS = Decimal("8")
CORRECTABLE = ["date", "hours", "kind", "teacher_name", "outcome", "cancel_reason", "notes", "student_ids",
               "absent_student_ids", "goal_ids"]
PRIVATE = ("notes", "cancel_reason")  # the audit row says that these changed, not what they say


def week_start(d: date) -> date:
    """Weeks start on Monday."""
    return d - timedelta(days=d.weekday())


def session_kinds(school) -> list[str]:
    """IEP-4/5: individual tutoring plus the compensatory training kinds of the school's policy."""
    return [INDIVIDUAL_TUTORING, *training_kinds(school)]


def _hours(value) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return None


def values_of(s: Session) -> dict:
    """The session's effective values as plain JSON (what a correction compares and records)."""
    return {
        "date": s.date.isoformat(), "hours": str(_hours(s.hours)), "kind": s.kind, "teacher_name": s.teacher_name,
        "outcome": s.outcome, "cancel_reason": s.cancel_reason, "notes": s.notes,
        "student_ids": sorted(a.student_id for a in s.attendances.all()),
        "absent_student_ids": sorted(a.student_id for a in s.attendances.all() if a.absent),
        "goal_ids": sorted(g.pk for g in s.goals.all()),
    }


def _normalise(values: dict) -> dict:
    out = dict(values)
    for k in ("kind", "teacher_name", "outcome", "cancel_reason", "notes"):
        out[k] = (out.get(k) or "").strip()
    out["student_ids"] = sorted({int(i) for i in out.get("student_ids") or []})
    out["absent_student_ids"] = sorted({int(i) for i in out.get("absent_student_ids") or []})
    out["goal_ids"] = sorted({int(i) for i in out.get("goal_ids") or []})
    h = _hours(out.get("hours"))
    out["hours"] = str(h) if h is not None else out.get("hours")
    d = out.get("date")
    out["date"] = d.isoformat() if isinstance(d, date) else d
    return out


def _check(actor, values: dict, *, school=None, known_students=()) -> tuple[list, list[Student], list[Goal]]:
    """Validate plain session values; returns (errors, students, goals). New students must be in the actor's
    ``iep.edit`` scope, in inclusion and at one school (``school`` for a correction)."""
    errors = []
    ids = values["student_ids"]
    students = []
    if not ids:
        errors.append(_err("student_ids", _("Choose at least one student."), "required"))
    else:
        found = {s.pk: s for s in Student.objects.filter(pk__in=ids).select_related("school")}
        editable = set(Student.objects.visible_to(actor, "iep.edit").filter(pk__in=ids).values_list("pk", flat=True))
        for i, sid in enumerate(ids):
            s = found.get(sid)
            if s is None or (sid not in editable and sid not in known_students):
                errors.append(_err(f"student_ids[{i}]", _("The object does not exist or is outside your scope.")))
                continue
            if sid not in known_students and (s.placement not in INCLUSION_PLACEMENTS
                                              or s.status not in ACTIVE_STATUSES):
                errors.append(_err(f"student_ids[{i}]", _("%(name)s is not in inclusion (in school, in a regular or "
                                                          "special class).") % {"name": s.name}))
            students.append(s)
        schools = {s.school_id for s in students} | ({school.pk} if school is not None else set())
        if len(schools) > 1:
            errors.append(_err("student_ids", _("A session's students are all at one school.")))
    school = school or (students[0].school if students else None)
    hours = _hours(values.get("hours"))
    if hours is None or hours <= 0 or hours > MAX_HOURS:
        errors.append(_err("hours", _("Class hours are more than 0 and at most 8.")))
    day = date.fromisoformat(values["date"]) if isinstance(values.get("date"), str) else values.get("date")
    if day is None:
        errors.append(_err("date", _("This field is required.")))
    elif day > today():
        errors.append(_err("date", _("The date is in the future.")))
    if school is not None and values["kind"] not in session_kinds(school):
        errors.append(_err("kind", _("Choose individual tutoring or a compensatory training kind of the policy: "
                                     "%(kinds)s.") % {"kinds": "、".join(training_kinds(school))}))
    if not values["teacher_name"]:
        errors.append(_err("teacher_name", _("Enter the teacher."), "required"))
    if values["outcome"] not in dict(OUTCOMES):
        errors.append(_err("outcome", _("Choose one of the allowed values.")))
    elif values["outcome"] == "cancelled" and not values["cancel_reason"]:
        errors.append(_err("cancel_reason", _("A cancelled session records the reason."), "required"))
    elif values["outcome"] != "cancelled" and values["cancel_reason"]:
        errors.append(_err("cancel_reason", _("Only a cancelled session has a cancellation reason.")))
    errors += _check_absent(values)
    goals = []
    if values["goal_ids"]:
        goals = list(Goal.objects.filter(pk__in=values["goal_ids"], retired_in_revision__isnull=True,
                                         plan__state="in_force", plan__student_id__in=ids))
        if len(goals) != len(values["goal_ids"]):
            errors.append(_err("goal_ids", _("Link only active goals of the plans in force of the session's "
                                             "students.")))
    return errors, students, goals


def _check_absent(values: dict) -> list[dict]:
    """IEP-5: students absent from a group session that took place are some (not all) of its students; a
    one-student session records the absence as its outcome, a session that did not take place has no absentees."""
    absent, ids = values["absent_student_ids"], values["student_ids"]
    if not absent:
        return []
    if len(ids) < 2:
        return [_err("absent_student_ids", _("Only a group session records absent students; for one student choose "
                                             "the outcome “student absent”."))]
    if values["outcome"] != "delivered":
        return [_err("absent_student_ids", _("Absent students are recorded for a session that took place; this "
                                             "session was not delivered."))]
    if not set(absent) <= set(ids):
        return [_err("absent_student_ids", _("An absent student is one of the session's students."))]
    if set(absent) == set(ids):
        return [_err("absent_student_ids", _("If every student was absent, choose the outcome “student absent”."))]
    return []


def _lock_students(ids):
    """Serialise writes for the same students (the weekly summary is recomputed under this lock)."""
    list(Student.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk").values_list("pk", flat=True))


def session_log(*, actor, student_ids: list[int], date: date, hours, kind: str, teacher_name: str,
                outcome: str = "delivered", cancel_reason: str = "", notes: str = "", goal_ids=(),
                absent_student_ids=(), client_ref: str = "") -> Session:
    """Log a session, once for a group (IEP-5); hours 0 < h ≤ 8; a cancellation records its reason; students
    absent from a group session that took place are named in ``absent_student_ids`` (it does not count for
    them)."""
    if not has_perm(actor, "iep.edit"):
        raise PermissionDenied()
    values = _normalise({"date": date, "hours": hours, "kind": kind, "teacher_name": teacher_name,
                         "outcome": outcome, "cancel_reason": cancel_reason, "notes": notes,
                         "student_ids": student_ids or [], "absent_student_ids": absent_student_ids or [],
                         "goal_ids": goal_ids or []})
    errors, students, goals = _check(actor, values)
    client_ref = (client_ref or "").strip()
    if client_ref and students and Session.objects.filter(school_id=students[0].school_id,
                                                          client_ref=client_ref).exists():
        errors.append(_err("client_ref", _("A session with this client reference exists already."), "duplicate"))
    _raise(errors)
    school = students[0].school
    with transaction.atomic():
        _lock_students(values["student_ids"])
        s = Session(school=school, region_path=school.region_path, date=date, hours=_hours(hours), kind=values["kind"],
                    teacher_name=values["teacher_name"], outcome=values["outcome"],
                    cancel_reason=values["cancel_reason"], notes=values["notes"], is_group=len(students) > 1,
                    client_ref=client_ref, original=values, logged_by=actor)
        validate(s, exclude=["school", "logged_by"])
        try:
            with transaction.atomic():
                s.save()
        except IntegrityError as exc:
            raise DomainError(_("A session with this client reference exists already."), field="client_ref",
                              code="duplicate") from exc
        absent = set(values["absent_student_ids"])
        SessionAttendance.objects.bulk_create([
            SessionAttendance(session=s, student=st, date=date, absent=st.pk in absent) for st in students])
        if goals:
            s.goals.set(goals)
        refresh_weekly({(st.pk, week_start(date)) for st in students})
        audit.record(actor, "iep.session.logged", s, changes={
            "students": [None, values["student_ids"]], "date": [None, values["date"]],
            "hours": [None, values["hours"]], "kind": [None, values["kind"]], "outcome": [None, values["outcome"]],
            **({"absent": [None, values["absent_student_ids"]]} if absent else {})})
        return s


def can_correct(user, session: Session) -> bool:
    """A correction changes the record of every student in the session: the user may edit each of them (ORG-4;
    a class teacher does not correct a group session that has children of another class)."""
    if not can(user, "iep.edit", session):
        return False
    ids = set(SessionAttendance.objects.filter(session_id=session.pk).values_list("student_id", flat=True))
    return Student.objects.visible_to(user, "iep.edit").filter(pk__in=ids).count() == len(ids)


def session_correct(*, actor, session: Session, reason: str, version: int | None = None, **changes) -> Session:
    """Correct a saved session (IEP-5): the original stays, the correction records before/after, who, when and
    why; the weekly summary of every student and week touched is recomputed."""
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    if not can_correct(actor, session):
        raise PermissionDenied(_("Your roles do not allow changing this session: it has students outside your "
                                 "scope, or you do not record sessions."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the session is corrected."), field="reason")
    with transaction.atomic():
        s = Session.objects.select_for_update(of=("self",)).select_related("school").get(pk=session.pk)
        check_version(s, version)
        before = values_of(s)
        after = dict(before)
        after.update({k: v for k, v in changes.items() if v is not None})
        if "outcome" in changes and after["outcome"] != "cancelled" and "cancel_reason" not in changes:
            after["cancel_reason"] = ""
        if "absent_student_ids" not in changes and after["absent_student_ids"]:
            # absentees follow the session: dropped with a student removed, all of them when it did not take place
            kept = set(after.get("student_ids") or [])
            after["absent_student_ids"] = ([] if after["outcome"] != "delivered"
                                           else [i for i in after["absent_student_ids"] if i in kept])
        after = _normalise(after)
        errors, students, goals = _check(actor, after, school=s.school, known_students=set(before["student_ids"]))
        # Removing a student from a group session changes that student's record: only within the actor's scope.
        removed = set(before["student_ids"]) - set(after["student_ids"])
        if removed and Student.objects.visible_to(actor, "iep.edit").filter(pk__in=removed).count() != len(removed):
            errors.append(_err("student_ids", _("You may only remove students inside your scope.")))
        _raise(errors)
        if after == before:
            raise DomainError(_("The correction changes nothing."), field="reason")
        _lock_students(set(before["student_ids"]) | set(after["student_ids"]))
        day = date.fromisoformat(after["date"])
        s.date, s.hours, s.kind = day, Decimal(after["hours"]), after["kind"]
        s.teacher_name, s.outcome = after["teacher_name"], after["outcome"]
        s.cancel_reason, s.notes = after["cancel_reason"], after["notes"]
        s.is_group = len(after["student_ids"]) > 1
        s.version += 1
        validate(s, exclude=["school", "logged_by"])
        s.save()
        removed = set(before["student_ids"]) - set(after["student_ids"])
        added = [sid for sid in after["student_ids"] if sid not in before["student_ids"]]
        SessionAttendance.objects.filter(session=s, student_id__in=removed).delete()
        absent = set(after["absent_student_ids"])
        SessionAttendance.objects.filter(session=s).update(date=day)
        if absent != set(before["absent_student_ids"]):
            SessionAttendance.objects.filter(session=s).exclude(student_id__in=absent).update(absent=False)
            SessionAttendance.objects.filter(session=s, student_id__in=absent).update(absent=True)
        SessionAttendance.objects.bulk_create([SessionAttendance(session=s, student_id=sid, date=day,
                                                                 absent=sid in absent) for sid in added])
        if after["goal_ids"] != before["goal_ids"]:
            s.goals.set(goals)
        number = s.corrections.count() + 1
        c = SessionCorrection.objects.create(session=s, number=number, reason=reason, before=before, after=after,
                                             corrected_by=actor)
        old_week, new_week = week_start(date.fromisoformat(before["date"])), week_start(day)
        refresh_weekly({(sid, old_week) for sid in before["student_ids"]}
                       | {(sid, new_week) for sid in after["student_ids"]})
        diff = audit.diff(before, after)
        for k in PRIVATE:
            if k in diff:
                diff[k] = ["***" if before[k] else "", "***" if after[k] else ""]
        audit.record(actor, "iep.session.corrected", s, changes={**diff, "correction": [None, c.number]})
        return s


# --- the weekly summary -------------------------------------------------------------------------------------
def _aggregate(student_ids, first: date, last: date) -> dict:
    """Delivered hours and sessions per (student, Monday) from the sessions: one GROUP BY query."""
    rows = (SessionAttendance.objects
            .filter(student_id__in=student_ids, date__gte=first, date__lte=last, session__outcome="delivered",
                    absent=False)
            .annotate(week=TruncWeek("date")).order_by()
            .values("student_id", "week").annotate(hours=Sum("session__hours"), sessions=Count("id")))
    out = {}
    for r in rows:
        week = r["week"].date() if hasattr(r["week"], "date") else r["week"]
        out[(r["student_id"], week)] = (_hours(r["hours"] or 0), r["sessions"])
    return out


def refresh_weekly(keys: set[tuple[int, date]]) -> None:
    """Recompute the summary rows of these (student, Monday) pairs from the sessions (call under the lock)."""
    if not keys:
        return
    weeks = {w for _s, w in keys}
    sums = _aggregate({s for s, _w in keys}, min(weeks), max(weeks) + timedelta(days=6))
    rows = []
    for sid, week in sorted(keys):
        hours, n = sums.get((sid, week), (Decimal("0.00"), 0))
        rows.append(WeeklyHours(student_id=sid, week_start=week, delivered_hours=hours, delivered_sessions=n))
    WeeklyHours.objects.bulk_create(rows, update_conflicts=True, unique_fields=["student", "week_start"],
                                    update_fields=["delivered_hours", "delivered_sessions", "updated_at"])


def rebuild(student_ids=None, *, since: date | None = None, until: date | None = None, batch: int = 500) -> int:
    """Recompute the summary from scratch (all students, or these) for the weeks in [since, until]. Returns the
    number of summary rows written. For bulk loads and as a repair tool; sessions logged through the service
    keep the summary current by themselves."""
    since = week_start(since) if since else None  # whole weeks only: a week is summed from all of its days
    until = week_start(until) + timedelta(days=6) if until else None
    ids = list(student_ids) if student_ids is not None else list(
        SessionAttendance.objects.order_by().values_list("student_id", flat=True).distinct())
    written = 0
    for i in range(0, len(ids), batch):
        chunk = ids[i:i + batch]
        with transaction.atomic():
            att = SessionAttendance.objects.filter(student_id__in=chunk)
            old = WeeklyHours.objects.filter(student_id__in=chunk)
            if since:
                att, old = att.filter(date__gte=since), old.filter(week_start__gte=since)
            if until:
                att, old = att.filter(date__lte=until), old.filter(week_start__lte=week_start(until))
            old.delete()
            first = since or date(1900, 1, 1)
            last = until or date(2999, 12, 31)
            sums = _aggregate(chunk, first, last)
            keys = {(sid, week_start(d)) for sid, d in att.order_by().values_list("student_id", "date").distinct()}
            rows = [WeeklyHours(student_id=sid, week_start=w, delivered_hours=sums.get((sid, w), (0, 0))[0],
                                delivered_sessions=sums.get((sid, w), (0, 0))[1]) for sid, w in sorted(keys)]
            WeeklyHours.objects.bulk_create(rows, batch_size=1000)
            written += len(rows)
    return written
