"""Session pages (IEP-4, IEP-5): the phone form, list, corrections, weekly hours and the below-minimum view.

Every read goes through the scoped managers (out of scope → 404), every write through the services of
``suiban.iep`` (their DomainErrors are shown next to the fields or as messages); a user in scope whose roles do
not allow the action gets the 403 page."""

from datetime import timedelta

from django.contrib import messages
from django.db.models import F, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.api_tools import capped_paginator
from suiban.core.errors import DomainError
from suiban.core.lists import put_labels, xlsx_response
from suiban.core.scoping import can, get_visible_or_404, has_perm
from suiban.core.views import permission_required
from suiban.iep import lists as iep_lists
from suiban.iep import selectors, services, sessions
from suiban.iep.forms import (
    SessionCorrectionForm,
    SessionLogForm,
)
from suiban.iep.models import (
    INDIVIDUAL_TUTORING,
    Goal,
    Session,
    SessionAttendance,
)
from suiban.iep.views.common import (
    CASELOAD_LIMIT,
    PAGE_SIZE,
    SESSION_FILTERS,
    _apply_errors,
    _correction_rows,
    _kind_label,
    _kinds,
    _session_values_display,
    _student,
    forbidden,
)
from suiban.org.models import Region, School, Term
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student


# --- sessions -----------------------------------------------------------------------------------------------
def _caseload(user):
    """The students a teacher logs sessions for: in inclusion, in the user's iep.edit scope (a class teacher:
    their class; a resource teacher: the school)."""
    return (Student.objects.visible_to(user, "iep.edit")
            .filter(placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES)
            .select_related("school", "school_class").order_by("school_id", "grade", "school_class_id", "name",
                                                               "id")[:CASELOAD_LIMIT])


def _caseload_goals(user, caseload) -> list[tuple]:
    """(goal, student id, code) for the active goals of the caseload's plans in force — one query."""
    goals = list(Goal.objects.visible_to(user, "iep.edit")
                 .filter(plan__student_id__in=[s.pk for s in caseload], plan__state="in_force",
                         retired_in_revision__isnull=True)
                 .annotate(student_id=F("plan__student_id")).order_by("plan_id", "position", "id"))
    codes = selectors.goal_codes(goals)
    return sorted(((g, g.student_id, selectors.code_label(codes[g.pk])) for g in goals),
                  key=lambda t: (t[1], codes[t[0].pk]))


@permission_required("iep.edit")
def session_log(request):
    """The phone form (IEP-5): a few taps — students preselected, today, 1 hour, kind, outcome; for a group
    session the absent students, and optionally the goals worked on."""
    caseload = list(_caseload(request.user))
    pre = [x for x in request.GET.getlist("student") if x.isdigit()]
    if not pre and len(caseload) == 1:
        pre = [str(caseload[0].pk)]
    school = caseload[0].school if caseload else None
    kinds = _kinds(school) if school else [(INDIVIDUAL_TUTORING, _("Individual tutoring"))]
    form = SessionLogForm(request.POST or None, students=caseload, kinds=kinds,
                          goals=_caseload_goals(request.user, caseload),
                          initial={"students": pre, "kind": INDIVIDUAL_TUTORING, "hours": 1,
                                   "teacher_name": request.user.display_name})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            s = sessions.session_log(actor=request.user, student_ids=[int(i) for i in d["students"]], date=d["date"],
                                     hours=d["hours"], kind=d["kind"], teacher_name=d["teacher_name"],
                                     outcome=d["outcome"], cancel_reason=d["cancel_reason"], notes=d["notes"],
                                     absent_student_ids=[int(i) for i in d["absent"]],
                                     goal_ids=[int(i) for i in d["goals"]])
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            names = "、".join(a.student.name for a in s.attendances.select_related("student"))
            hours = f"{s.hours.normalize():f}"
            messages.success(request, _("Session saved: %(names)s, %(hours)s h.") % {"names": names, "hours": hours})
            query = "&".join(f"student={i}" for i in d["students"])
            return redirect(f"{request.path}?{query}")
    recent = (Session.objects.visible_to(request.user).filter(logged_by=request.user)
              .prefetch_related("attendances__student").order_by("-created_at")[:5])
    return render(request, "iep/session_log.html", {"form": form, "caseload": caseload, "recent": recent,
                                                    "kind_label": dict(kinds)})


def _listed_sessions(request):
    """The sessions as filtered and sorted on screen (the page and its export)."""
    filters = {k: request.GET.get(k, "") for k in SESSION_FILTERS}
    qs = Session.objects.visible_to(request.user)
    student = None
    if filters["student_id"].isdigit():
        student = _student(request, int(filters["student_id"]))
        qs = qs.filter(pk__in=Session.objects.filter(attendances__student_id=student.pk).values("pk"))
    for key, lookup in (("date_from", "date__gte"), ("date_to", "date__lte")):
        d = parse_date(filters[key]) if filters[key] else None
        if d:
            qs = qs.filter(**{lookup: d})
    if filters["outcome"]:
        qs = qs.filter(outcome=filters["outcome"])
    qs, sort = iep_lists.SESSIONS.apply(qs.select_related("school").prefetch_related(_attendances()),
                                        request.GET.get("sort"))
    return qs, filters, sort, student


def _session_rows(user, sessions_):
    visible = set(Student.objects.visible_to(user, "iep.records")
                  .filter(pk__in={a.student_id for s in sessions_ for a in s.attendances.all()})
                  .values_list("pk", flat=True))
    return [(s, [(a.student, a.absent) for a in s.attendances.all() if a.student_id in visible], _kind_label(s.kind))
            for s in sessions_]


def _session_page_rows(user, sessions_):
    """The page's rows (session, [(student name, absent)], kind label): the attendances of the page read as values
    in one query (names only: the page shows nothing else of a student), those the user may not see left out."""
    from collections import defaultdict

    attendances = list(SessionAttendance.objects.filter(session_id__in=[s.pk for s in sessions_])
                       .order_by("session_id", "student_id")
                       .values_list("session_id", "student_id", "absent", "student__name"))
    visible = set(Student.objects.visible_to(user, "iep.records")
                  .filter(pk__in={a[1] for a in attendances}).values_list("pk", flat=True))
    names = defaultdict(list)
    for session_id, student_id, absent, name in attendances:
        if student_id in visible:
            names[session_id].append((name, absent))
    return [(s, names.get(s.pk, []), _kind_label(s.kind)) for s in sessions_]


@permission_required("iep.records")
def session_export(request):
    """The sessions as on screen (same filters and order) as .xlsx, A4 landscape; audited (SEC-3)."""
    qs, filters, sort, _student_ = _listed_sessions(request)
    rows = _session_rows(request.user, list(qs[:EXPORT_LIMIT]))
    title = _("Tutoring sessions")
    data = ([s.date, s.school.name, "、".join(st.name + (_("(absent)") if absent else "") for st, absent in students),
             str(kind), s.hours, s.get_outcome_display(), s.cancel_reason, s.teacher_name]
            for s, students, kind in rows)
    resp = xlsx_response(title=title, headers=[str(h) for h, _w in iep_lists.SESSION_HEADERS], rows=data,
                         filename="sessions.xlsx", widths=[w for _h, w in iep_lists.SESSION_HEADERS])
    audit.record(request.user, "iep.sessions.exported", object_type="session", object_id="", object_repr=title,
                 changes={"filters": {k: v for k, v in filters.items() if v}, "sort": sort, "rows": len(rows)})
    return resp


@permission_required("iep.records")
def session_list(request):
    qs, filters, sort, student = _listed_sessions(request)
    # The page shows no school column (the export does): no join for it.
    page = capped_paginator(qs.select_related(None).prefetch_related(None), PAGE_SIZE).get_page(
        request.GET.get("page"))  # millions in a province
    rows = _session_page_rows(request.user, put_labels(page, "outcome"))
    return render(request, "iep/session_list.html", {
        "page": page, "rows": rows, "filters": filters, "student": student, "sort": sort,
        "outcomes": Session._meta.get_field("outcome").choices, "can_log": has_perm(request.user, "iep.edit"),
    })


@permission_required("iep.records")
def session_correct(request, pk):
    s = get_visible_or_404(Session.objects.select_related("school"), request.user, pk)
    editable = sessions.can_correct(request.user, s)
    if request.method == "POST" and not editable:
        return forbidden(request)
    v = sessions.values_of(s)
    kinds = _kinds(s.school)
    if s.kind not in dict(kinds):
        kinds.append((s.kind, s.kind))
    students = list(Student.objects.filter(pk__in=v["student_ids"]).visible_to(request.user, "iep.records")
                    .order_by("name", "pk"))
    form = SessionCorrectionForm(request.POST or None, kinds=kinds, students=students, initial={
        "version": s.version, "date": s.date, "hours": s.hours, "kind": s.kind, "teacher_name": s.teacher_name,
        "outcome": s.outcome, "cancel_reason": s.cancel_reason, "notes": s.notes,
        "absent_student_ids": [str(i) for i in v["absent_student_ids"]]})
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        reason, version = d.pop("reason"), d.pop("version")
        if "absent_student_ids" in d:  # the absentees the user cannot see stay as they are
            shown = {st.pk for st in students}
            d["absent_student_ids"] = sorted({int(i) for i in d["absent_student_ids"]}
                                             | {i for i in v["absent_student_ids"] if i not in shown})
        try:
            sessions.session_correct(actor=request.user, session=s, reason=reason, version=version, **d)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Correction recorded; the original values are kept."))
            return redirect("iep:session_correct", pk=s.pk)
    return render(request, "iep/session_correct.html", {
        "form": form, "s": s, "students": students, "kind_label": _kind_label(s.kind),
        "absent": set(v["absent_student_ids"]), "original": _session_values_display(s.original, students),
        "editable": editable, "current": _session_values_display(v, students),
        "corrections": [(c, _correction_rows(c, students)) for c in s.corrections.select_related("corrected_by")],
        "title": _("Correct a session") if editable else _("Session")})


def _attendances():
    """A session's attendances with their students in one query, without the students' encrypted columns."""
    return Prefetch("attendances", queryset=SessionAttendance.objects.select_related("student")
                    .defer(*Student.encrypted_fields("student")))


# --- weekly hours and the below-minimum list ----------------------------------------------------------------
@permission_required("iep.records")
def student_weekly(request, pk):
    student = _student(request, pk)
    terms = list(Term.objects.select_related("school_year").order_by("-start_date")[:6])
    raw = request.GET.get("term", "")
    term = next((t for t in terms if str(t.pk) == raw), None) if raw.isdigit() else selectors.current_term()
    if raw.isdigit() and term is None:
        term = Term.objects.select_related("school_year").filter(pk=int(raw)).first()
    weeks = selectors.weekly_hours(student, term) if term else []
    past = [w for w in weeks if not w["upcoming"]]
    return render(request, "iep/student_weekly.html", {
        "student": student, "term": term, "terms": terms, "weeks": weeks,
        "met_count": sum(1 for w in past if w["met"]), "past_count": len(past),
        "minimum": selectors.policy.value(student.school, selectors.MINIMUM),
        "this_week": sessions.week_start(services.today()),
        "can_log": can(request.user, "iep.edit", student),
    })


BELOW_LIMIT = 100  # a week's rows on the page; the rest by district or school, or in the export
EXPORT_LIMIT = 20000


@permission_required("iep.records")
def below_minimum(request):
    """The school's or district's students below the weekly minimum this week and last week (IEP-5)."""
    filters, clean = _below_clean(request)
    overdue_only = bool(request.GET.get("overdue"))
    weeks = []
    for label, overdue, result in _below_weeks(request, clean, overdue_only):
        rows = list(result.students[:BELOW_LIMIT])
        for s in rows:
            s.shortfall = s.minimum - s.delivered_hours
        weeks.append({"label": label, "week_start": result.week_start, "school_days": result.school_days,
                      "overdue": overdue, "rows": rows, "count": len(rows), "result": result})
    # A full page may have more rows: those weeks are counted, together in one query.
    full = [w for w in weeks if len(w["rows"]) >= BELOW_LIMIT]
    for w, n in zip(full, selectors.count_below([w["result"] for w in full]), strict=True):
        w["count"] = n
    schools = list(School.objects.visible_to(request.user, "iep.records").only("id", "name", "code")
                   .order_by("code")[:301])
    regions = []
    if len(schools) > 300:
        schools = []
        regions = Region.objects.visible_to(request.user).filter(level=Region.DISTRICT).only("id", "name")
    return render(request, "iep/below_minimum.html", {"weeks": weeks, "filters": filters, "schools": schools,
                                                      "regions": regions, "limit": BELOW_LIMIT,
                                                      "overdue_only": overdue_only})


def _below_clean(request):
    filters = {k: request.GET.get(k, "") for k in ("school", "region")}
    clean = {k: v for k, v in filters.items() if v.isdigit()}
    if "region" in clean and not Region.objects.visible_to(request.user).filter(pk=clean["region"]).exists():
        raise Http404
    return filters, clean


def _below_weeks(request, clean, overdue_only):
    """(label, overdue, result) for this week (still running) and last week (over: its shortfalls are overdue,
    IEP-5); "overdue only" keeps last week."""
    monday = sessions.week_start(services.today())
    for label, week, overdue in ((_("This week"), monday, False), (_("Last week"), monday - timedelta(days=7), True)):
        if overdue or not overdue_only:
            yield label, overdue, selectors.below_minimum(request.user, week, clean)


@permission_required("iep.records")
def below_minimum_export(request):
    """The students below the weekly minimum as on screen (the same weeks and filters) as .xlsx, A4 landscape;
    audited (SEC-3)."""
    filters, clean = _below_clean(request)
    overdue_only = bool(request.GET.get("overdue"))
    title = _("Students below the weekly minimum of tutoring hours")
    data, count = [], 0
    for _label, overdue, result in _below_weeks(request, clean, overdue_only):
        for s in result.students[:EXPORT_LIMIT]:
            count += 1
            data.append([result.week_start, s.name, s.school.name, s.school_class.name if s.school_class_id else "",
                         s.delivered_hours, s.minimum, s.minimum - s.delivered_hours,
                         _("Overdue") if overdue else ""])
    resp = xlsx_response(title=title, headers=[str(h) for h, _w in iep_lists.BELOW_HEADERS], rows=data,
                         filename="below-minimum.xlsx", widths=[w for _h, w in iep_lists.BELOW_HEADERS])
    audit.record(request.user, "iep.below_minimum.exported", object_type="student", object_id="",
                 object_repr=title, changes={"filters": {**clean, "overdue": overdue_only}, "rows": count})
    return resp
