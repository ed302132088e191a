"""Plan pages (IEP-1..IEP-3, IEP-9): list, drafting, goals, workflow, amendments, versions, reviews, progress
charts, the guardian's answer, Word document and print view.

Every read goes through the scoped managers (out of scope → 404), every write through the services of
``suiban.iep`` (their DomainErrors are shown next to the fields or as messages); a user in scope whose roles do
not allow the action gets the 403 page."""


from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from suiban.core import audit
from suiban.core.crypto import EncryptedTextField, lookup_hashes
from suiban.core.errors import DomainError, PermissionDenied, VersionConflict
from suiban.core.lists import put_labels, xlsx_response
from suiban.core.scoping import can, get_visible_or_404, has_perm
from suiban.core.views import permission_required
from suiban.iep import documents, selectors, services
from suiban.iep import lists as iep_lists
from suiban.iep.forms import (
    AmendForm,
    GoalForm,
    PlanForm,
    ResponseForm,
    ReviewForm,
)
from suiban.iep.models import (
    DOMAINS,
    MEASUREMENTS,
    PARTICIPANT_ROLES,
    PLAN_STATES,
    Goal,
    Plan,
)
from suiban.iep.views.common import PAGE_SIZE, PLAN_FILTERS, _apply_errors, _flash_errors, _plan, forbidden
from suiban.org.models import School, SchoolYear
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

EXPORT_LIMIT = 20000
PLAN_SECRETS = [f.name for f in Plan._meta.concrete_fields if isinstance(f, EncryptedTextField)]


# --- plans --------------------------------------------------------------------------------------------------
def _listed_plans(request):
    """The plans as filtered and sorted on screen (the page and its export)."""
    filters = {k: request.GET.get(k, "") for k in PLAN_FILTERS}
    clean = {k: v for k, v in filters.items()
             if v and (k not in ("school", "student_id") or v.isdigit())
             and (k != "state" or v in dict(PLAN_STATES))}
    qs = selectors.plans(request.user, clean)
    filters["overdue"] = request.GET.get("overdue", "")
    if filters["overdue"]:
        qs = iep_lists.overdue_plans(qs)
    qs, sort = iep_lists.sort_plans(qs, request.GET.get("sort"))
    return qs, filters, sort


def _plan_rows(plans):
    on = services.today()
    for p in plans:
        due = selectors.next_review_due(p, p.last_review_on)
        yield p, due, bool(due and due < on)


@permission_required("iep.view")
def plan_export(request):
    """The plans as on screen (same filters and order) as .xlsx, A4 landscape; audited (SEC-3)."""
    qs, filters, sort = _listed_plans(request)
    plans = list(qs[:EXPORT_LIMIT])
    title = _("Individual education plans")
    rows = ([p.student.name, p.school.name, p.student.school_class.name if p.student.school_class_id else "",
             p.school_year.name, p.get_state_display(), p.revision, p.last_review_on, due,
             _("Overdue") if overdue else ""] for p, due, overdue in _plan_rows(plans))
    resp = xlsx_response(title=title, headers=[str(h) for h, _w in iep_lists.PLAN_HEADERS], rows=rows,
                         filename="plans.xlsx", widths=[w for _h, w in iep_lists.PLAN_HEADERS])
    audit.record(request.user, "iep.plans.exported", object_type="plan", object_id="", object_repr=title,
                 changes={"filters": {k: v for k, v in filters.items() if v}, "sort": sort, "rows": len(plans)})
    return resp


@permission_required("iep.view")
def plan_list(request):
    qs, filters, sort = _listed_plans(request)
    # The page shows none of the plan's encrypted texts: they are not read (nor decrypted) for 50 rows.
    page = Paginator(qs.defer(*PLAN_SECRETS), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(_plan_rows(put_labels(page, "state")))
    schools = list(School.objects.visible_to(request.user, "iep.view").only("id", "name", "code")
                   .order_by("code")[:301])
    if len(schools) > 300:
        schools = []
    return render(request, "iep/plan_list.html", {
        "page": page, "rows": rows, "filters": filters, "schools": schools, "states": PLAN_STATES,
        "sort": sort, "overdue_only": bool(filters["overdue"]),
        "years": SchoolYear.objects.order_by("-start_year")[:6], "can_create": has_perm(request.user, "iep.edit"),
    })


@permission_required("iep.edit")
def plan_create(request):
    sid = request.GET.get("student", "")
    year = SchoolYear.current(services.today())
    wanted = request.POST.get("school_year") or request.GET.get("school_year") or ""
    if wanted:  # a plan for another school year than the current one (e.g. the next one, or one missed)
        year = SchoolYear.objects.filter(start_year=int(wanted[:4])).first() if wanted[:4].isdigit() else None
        if year is None or year.name != wanted:
            raise Http404
    if not sid.isdigit():
        q = request.GET.get("q", "").strip()
        students = (Student.objects.visible_to(request.user, "iep.edit")  # HB-8: homebound students too
                    .filter(placement__in=(*INCLUSION_PLACEMENTS, "homebound"), status__in=ACTIVE_STATUSES)
                    .select_related("school", "school_class"))
        if year is not None:
            students = students.exclude(iep_plans__school_year=year)
        if q:
            students = students.filter(Q(name__contains=q) | Q(student_number_hash__in=lookup_hashes(q)))
        return render(request, "iep/plan_pick.html", {"q": q, "year": year,
                                                      "students": students.order_by("grade", "name", "id")[:50]})
    student = get_visible_or_404(Student.objects.select_related("school", "school_class"), request.user, int(sid),
                                 "iep.edit")
    initial = {"start_date": year.start_date if year else None, "end_date": year.end_date if year else None,
               "baseline_collected_by": request.user.display_name}
    form = PlanForm(request.POST or None, initial=initial, staff=selectors.meeting_staff(student.school))
    if request.method == "POST" and form.is_valid():
        try:
            p = services.plan_create(actor=request.user, student=student, school_year=year, **form.plan_fields())
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Plan drafted. Add the long-term goals and their short-term goals."))
            return redirect("iep:detail", pk=p.pk)
    return render(request, "iep/plan_form.html", {"form": form, "student": student, "year": year,
                                                  "title": _("New individual education plan")})


def _progress_series(plan) -> list[dict]:
    """The data of the progress charts (IEP-3): per goal, the review dates and the percentage (or the attainment
    as 100 / 50 / 0 when no percentage was given)."""
    as_pct = {"yes": 100, "partly": 50, "no": 0}
    out = []
    for g in selectors.progress(plan):
        pts = [{"date": p["date"].isoformat(), "value": p["percentage"] if p["percentage"] is not None
                else as_pct.get(p["attained"]), "attained": p["attained"]} for p in g["points"]]
        out.append({"goal_id": g["goal_id"], "code": g["code"], "label": g["target_behaviour"][:30], "points": pts})
    return out


@permission_required("iep.view")
def plan_detail(request, pk):
    p = _plan(request, pk)
    services.view_recorded(actor=request.user, plan=p)
    user = request.user
    goals = list(p.goals.all().order_by("position", "id"))
    active = [g for g in goals if g.active]
    codes = selectors.goal_codes(goals)
    for g in goals:
        g.code = selectors.code_label(codes[g.pk])
    tree = [(g, [c for c in active if c.parent_id == g.pk]) for g in active if g.kind == Goal.LONG]
    retired = [g for g in goals if not g.active]
    editable = can(user, "iep.edit", p)
    reviews = list(p.reviews.select_related("reviewer").prefetch_related("attainments").order_by("-review_date",
                                                                                                 "-id"))
    for r in reviews:
        r.rows = [(codes.get(a.goal_id) and selectors.code_label(codes[a.goal_id]), a) for a in r.attainments.all()]
    versions = list(p.versions.select_related("created_by").defer("snapshot_json"))
    events = [(e, services.STATES.get(e.from_state, e.from_state), services.STATES.get(e.to_state, e.to_state))
              for e in services.events_for(user, p)]
    return render(request, "iep/plan_detail.html", {
        "p": p, "s": p.student, "tree": tree, "retired": retired, "reviews": reviews, "versions": versions,
        "events": events, "responses": list(p.responses.select_related("responded_by")),
        "steps": services.allowed_steps(user, p),
        "missing": services.missing_for_review(p) if p.state == "draft" and editable else [],
        "can_edit": editable and p.state == "draft", "can_amend": editable and p.state == "in_force",
        "can_review": editable and p.state == "in_force",
        "can_comment": p.state == "in_review" and can(user, "iep.comment", p),
        "can_respond": p.state == "in_force" and can(user, "iep.respond", p),
        "next_review": selectors.next_review_due(p, p.last_review_on), "today": services.today(),
        "roles": dict(PARTICIPANT_ROLES), "domains": dict(DOMAINS), "measurements": dict(MEASUREMENTS),
        "progress": _progress_series(p), "response_form": ResponseForm(),
        "my_answer": (p.responses.filter(revision=p.revision, responded_by=user).order_by("-responded_at", "-id")
                      .first() if p.state == "in_force" and has_perm(user, "iep.respond") else None),
        "change_answer": request.GET.get("change") == "1",
        "is_staff_view": has_perm(user, "iep.edit") or has_perm(user, "iep.approve"),
    })


def _editable_plan(request, pk):
    """The plan for a draft-editing page: 404 out of scope, 403 without iep.edit on it."""
    p = _plan(request, pk)
    if not can(request.user, "iep.edit", p):
        return p, forbidden(request)
    return p, None


@permission_required("iep.view")
def plan_edit(request, pk):
    p, refused = _editable_plan(request, pk)
    if refused:
        return refused
    if p.state != "draft":
        messages.error(request, str(services.DRAFT_ONLY))
        return redirect("iep:detail", pk=p.pk)
    initial = {f: getattr(p, f) for f in services.PLAN_FIELDS}
    initial["version"] = p.version
    form = PlanForm(request.POST or None, initial=initial, staff=selectors.meeting_staff(p.school))
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(actor=request.user, plan=p, version=form.cleaned_data.get("version"),
                                 **form.plan_fields())
        except VersionConflict as exc:
            conflict = exc.message
            form.add_error(None, str(exc.message))
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Plan saved."))
            return redirect("iep:detail", pk=p.pk)
    return render(request, "iep/plan_form.html", {"form": form, "student": p.student, "p": p, "year": p.school_year,
                                                  "title": _("Edit the draft plan")},
                  status=409 if conflict else 200)


@permission_required("iep.view")
def goal_add(request, pk):
    p, refused = _editable_plan(request, pk)
    if refused:
        return refused
    parent = None
    pid = request.GET.get("parent", "")
    if pid.isdigit():
        parent = p.goals.filter(pk=int(pid), kind=Goal.LONG, retired_in_revision__isnull=True).first()
        if parent is None:
            raise Http404
    form = GoalForm(request.POST or None, kinds=services.training_kinds(p.school), short=parent is not None)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_add(actor=request.user, plan=p, parent_id=parent.pk if parent else None,
                              **form.goal_fields())
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Goal added."))
            return redirect("iep:detail", pk=p.pk)
    title = _("New short-term goal") if parent else _("New long-term goal")
    return render(request, "iep/goal_form.html", {"form": form, "p": p, "parent": parent, "title": title})


@permission_required("iep.view")
def goal_edit(request, pk, goal_id):
    p, refused = _editable_plan(request, pk)
    if refused:
        return refused
    g = p.goals.select_related("parent").filter(pk=goal_id).first()
    if g is None:
        raise Http404
    g.plan = p
    initial = {f: getattr(g, f) for f in services.GOAL_FIELDS}
    initial["version"] = g.version
    form = GoalForm(request.POST or None, initial=initial, kinds=services.training_kinds(p.school),
                    short=g.kind == Goal.SHORT)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_update(actor=request.user, goal=g, version=form.cleaned_data.get("version"),
                                 **form.goal_fields())
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Goal saved."))
            return redirect("iep:detail", pk=p.pk)
    return render(request, "iep/goal_form.html", {"form": form, "p": p, "parent": g.parent, "goal": g,
                                                  "title": _("Edit goal")})


@require_POST
@permission_required("iep.view")
def goal_delete(request, pk, goal_id):
    p, refused = _editable_plan(request, pk)
    if refused:
        return refused
    g = p.goals.filter(pk=goal_id).first()
    if g is None:
        raise Http404
    g.plan = p
    try:
        services.goal_delete(actor=request.user, goal=g)
    except PermissionDenied:
        return forbidden(request)
    except DomainError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Goal removed."))
    return redirect("iep:detail", pk=p.pk)


@require_POST
@permission_required("iep.view")
def plan_transition(request, pk):
    p = _plan(request, pk)
    if not any(has_perm(request.user, perm) for perm in services.WORKFLOW_PERMS):
        return forbidden(request)
    to = request.POST.get("to", "")
    version = request.POST.get("version", "")
    try:
        services.transition(actor=request.user, plan=p, to=to, note=request.POST.get("note", ""),
                            version=int(version) if version.isdigit() else None)
    except PermissionDenied:
        return forbidden(request)
    except DomainError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("The plan is now “%(state)s”.") % {"state": services.STATES.get(to, to)})
    return redirect("iep:detail", pk=p.pk)


@require_POST
@permission_required("iep.view")
def plan_comment(request, pk):
    p = _plan(request, pk)
    if not has_perm(request.user, "iep.comment"):
        return forbidden(request)
    try:
        services.plan_comment(actor=request.user, plan=p, note=request.POST.get("note", ""))
    except PermissionDenied:
        return forbidden(request)
    except DomainError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Comment added to the timeline."))
    return redirect("iep:detail", pk=p.pk)


@require_POST
@permission_required("iep.view")
def plan_respond(request, pk):
    p = _plan(request, pk)
    if not has_perm(request.user, "iep.respond"):
        return forbidden(request)
    try:
        services.plan_respond(actor=request.user, plan=p, answer=request.POST.get("answer", ""),
                              comment=request.POST.get("comment", ""))
    except PermissionDenied:
        return forbidden(request)
    except DomainError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Your answer is recorded."))
    return redirect("iep:detail", pk=p.pk)


@permission_required("iep.view")
def plan_amend(request, pk):
    p, refused = _editable_plan(request, pk)
    if refused:
        return refused
    if p.state != "in_force":
        messages.error(request, _("Only a plan in force is amended; a draft is edited directly."))
        return redirect("iep:detail", pk=p.pk)
    goals = list(p.goals.filter(retired_in_revision__isnull=True).order_by("position", "id"))
    codes = selectors.goal_codes(goals)
    for g in goals:
        g.code = selectors.code_label(codes[g.pk])
    goals.sort(key=lambda g: codes[g.pk])
    initial = {f: getattr(p, f) for f in services.PLAN_FIELDS}
    initial["version"] = p.version
    form = AmendForm(request.POST or None, initial=initial, goals=goals, kinds=services.training_kinds(p.school),
                     staff=selectors.meeting_staff(p.school))
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_amend(actor=request.user, plan=p, reason=form.cleaned_data["reason"],
                                version=form.cleaned_data.get("version"), goals=form.goal_tree(),
                                **form.plan_fields())
        except VersionConflict as exc:
            conflict = True
            form.add_error(None, str(exc.message))
        except DomainError as exc:
            form.add_service_errors(exc)  # nothing is saved: the service's write is atomic
        else:
            messages.success(request, _("Amendment recorded as revision %(n)d; the earlier version is kept.")
                             % {"n": p.revision + 1})
            return redirect("iep:detail", pk=p.pk)
    return render(request, "iep/plan_amend.html", {"form": form, "p": p, "title": _("Amend the plan")},
                  status=409 if conflict else 200)


def _path_label(path: str, goal_codes: dict) -> str:
    """"plan.meeting_date" → "team meeting date"; "goals.12.target_level" → "Goal 1.2 · target level"."""
    parts = path.split(".")
    if parts[0] == "plan":
        try:
            return str(Plan._meta.get_field(parts[1]).verbose_name)
        except Exception:  # noqa: BLE001 - an unknown key is shown as it is
            return parts[1]
    if parts[0] == "goals" and len(parts) == 3:
        field = parts[2]
        try:
            label = str(Goal._meta.get_field(field).verbose_name)
        except Exception:  # noqa: BLE001
            label = field
        return f"{_('Goal')} {goal_codes.get(parts[1], '#' + parts[1])} · {label}"
    return path


def _snap_codes(*snaps) -> dict:
    out = {}
    for snap in snaps:
        for i, g in enumerate(snap.get("goals") or [], start=1):
            out.setdefault(str(g["id"]), str(g.get("position", i)))
            for j, c in enumerate(g.get("short_term") or [], start=1):
                out.setdefault(str(c["id"]), f"{g.get('position', i)}.{c.get('position', j)}")
    return out


def _show(v):
    if v in (None, ""):
        return "—"
    if isinstance(v, list):
        return "、".join(f"{x.get('name')}（{dict(PARTICIPANT_ROLES).get(x.get('role'), x.get('role'))}）"
                        if isinstance(x, dict) else str(x) for x in v)
    return str(v)


@permission_required("iep.view")
def plan_version(request, pk, number):
    """One revision's contents, compared with another (default: the revision before): a side-by-side table of
    what changed, then the full contents of both."""
    p = _plan(request, pk)
    versions = list(p.versions.select_related("created_by").defer("snapshot_json"))
    numbers = [v.number for v in versions]
    if number not in numbers:
        raise Http404
    raw = request.GET.get("compare_to", "")
    other = int(raw) if raw.isdigit() else (number - 1 if number - 1 in numbers else None)
    if other is not None and other not in numbers:
        raise Http404
    full = {v.number: v for v in p.versions.filter(number__in=[n for n in (number, other) if n is not None])}
    snap = full[number].snapshot
    other_snap = full[other].snapshot if other is not None else None
    codes = _snap_codes(snap, other_snap or {})
    changes = []
    if other_snap is not None:
        older, newer = (other_snap, snap) if other < number else (snap, other_snap)
        for ch in services.compare(older, newer):
            changes.append({"label": _path_label(ch["path"], codes), "from": _show(ch["from"]),
                            "to": _show(ch["to"]), "path": ch["path"]})
    left_n, right_n = (other, number) if other is not None and other < number else (number, other)
    return render(request, "iep/plan_version.html", {
        "p": p, "number": number, "other": other, "versions": versions, "changes": changes,
        "left": left_n, "right": right_n,
        "snap": _snapshot_view(snap), "other_snap": _snapshot_view(other_snap) if other_snap else None,
        "meta": next(v for v in versions if v.number == number),
    })


def _snapshot_view(snap: dict) -> dict:
    plan = snap.get("plan") or {}
    rows = [(str(Plan._meta.get_field(k).verbose_name), _show(v)) for k, v in plan.items()]
    goals = []
    for g in snap.get("goals") or []:
        goals.append({"code": str(g.get("position")), "text": g.get("target_behaviour"),
                      "short": [{"code": f"{g.get('position')}.{c.get('position')}", "text": c.get("target_behaviour"),
                                 "target_level": c.get("target_level"), "criterion": c.get("mastery_criterion")}
                                for c in g.get("short_term") or []]})
    return {"revision": snap.get("revision"), "rows": rows, "goals": goals}


@permission_required("iep.view")
def plan_review(request, pk):
    p, refused = _editable_plan(request, pk)
    if refused:
        return refused
    if p.state != "in_force":
        messages.error(request, _("Only a plan in force is reviewed."))
        return redirect("iep:detail", pk=p.pk)
    goals = list(p.goals.filter(retired_in_revision__isnull=True))
    codes = selectors.goal_codes(goals)
    goals.sort(key=lambda g: codes[g.pk])
    for g in goals:
        g.code = selectors.code_label(codes[g.pk])
    form = ReviewForm(request.POST or None, goals=goals)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_record(actor=request.user, plan=p, review_date=form.cleaned_data["review_date"],
                                   evidence=form.cleaned_data["evidence"], summary=form.cleaned_data["summary"],
                                   attainments=form.attainments())
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Review recorded."))
            return redirect("iep:detail", pk=p.pk)
    return render(request, "iep/plan_review.html", {"form": form, "p": p, "title": _("Record a review")})


@permission_required("iep.view")
def plan_document(request, pk):
    """IEP-9: the plan as a Word document (audited as an export of personal data, SEC-3)."""
    p = _plan(request, pk)
    services.export_recorded(actor=request.user, plan=p, fmt="docx")
    resp = HttpResponse(documents.plan_docx(p),
                        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    resp["Content-Disposition"] = f'attachment; filename="iep-{p.pk}-{p.school_year.name}.docx"'
    return resp


@permission_required("iep.view")
def plan_print(request, pk):
    """IEP-9: the same contents as the Word document, as clean HTML for printing (audited as an export)."""
    p = _plan(request, pk)
    services.export_recorded(actor=request.user, plan=p, fmt="print")
    return render(request, "iep/plan_print.html", documents.plan_contents(p))
