"""Pages of home-delivered education (HB-1..HB-7): enrolments with their eligibility checklist and plan, the
phone visit form, a visit with its corrections, confirmations and photos, the progress page with the weekly
chart, the district list of students behind pace, the teachers' workload.

Reads go through the scoped managers (out of scope → 404), writes through the services (their errors are shown
next to the fields); a user in scope whose roles do not allow the action gets the 403 page."""

import uuid
from datetime import timedelta
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.lists import Sorting
from suiban.core.scoping import can, get_visible_or_404, has_perm
from suiban.core.views import permission_required
from suiban.homebound import documents, selectors, services, visits
from suiban.homebound.api import serve_attachment
from suiban.homebound.forms import (
    ConfirmForm,
    CorrectionForm,
    DisownForm,
    EnrolmentForm,
    NewPlanForm,
    UploadForm,
    VisitForm,
)
from suiban.homebound.models import CRITERIA, MISS_REASONS, REHAB_AREAS, Enrolment, Visit
from suiban.org.models import SchoolYear
from suiban.staff.models import StaffMember
from suiban.students.models import Student
from suiban.students.selectors import pinyin

PAGE_SIZE = 50


def forbidden(request):
    return render(request, "403.html", status=403)


def _apply(form, exc: DomainError):
    placed = False
    for e in exc.errors or []:
        field = (e.get("field") or "").split("[")[0].split(".")[0]
        if field == "reason" and "why" in form.fields and e.get("code") == "required" and "status" not in str(e):
            field = "why"
        if field in form.fields:
            form.add_error(field, str(e["message"]))
            placed = True
        elif e.get("message"):
            form.add_error(None, str(e["message"]))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def _enrolments(user):
    return Enrolment.objects.visible_to(user).select_related("student", "school__region", "school_year")


def _enrolment(request, pk) -> Enrolment:
    return get_visible_or_404(_enrolments(request.user).prefetch_related("plan_versions", "documents"),
                              request.user, pk)


def _pool_teachers(e_or_school, year):
    school = getattr(e_or_school, "school", e_or_school)
    ids = services.pool_teacher_ids(school, year)
    return list(StaffMember.objects.filter(pk__in=ids).order_by("name", "pk"))


# --- enrolments ------------------------------------------------------------------------------------------------
ENROLMENT_SORT = Sorting({"school": ("school__code", pinyin("student__name")), "student": (pinyin("student__name"),),
                          "state": ("state", pinyin("student__name")), "hours": ("hours_delivered",)},
                         default="school")


@permission_required("homebound.view")
def enrolment_list(request):
    """The year's enrolments, sortable (names in pinyin order on every database)."""
    year = SchoolYear.current()
    state = request.GET.get("state", "")
    qs, sort = ENROLMENT_SORT.apply(_enrolments(request.user), request.GET.get("sort"))
    if year is not None:
        qs = qs.filter(school_year=year)
    if state in dict(Enrolment.STATE_CHOICES):
        qs = qs.filter(state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    share = selectors.year_weeks(year, page[0].school).share if year and len(page) else 0
    own = year is not None and selectors.regional_calendars()
    for e in page:
        # A school whose region keeps its own calendar has its own share of the year passed (ORG-2).
        e.expected = e.required_year * (selectors.year_weeks(year, e.school).share if own else share)
        e.behind = e.state == Enrolment.ACTIVE and e.hours_delivered < e.expected
    return render(request, "homebound/enrolment_list.html", {
        "page": page, "state": state, "states": Enrolment.STATE_CHOICES, "year": year, "sort": sort,
        "can_manage": has_perm(request.user, "homebound.manage")})


@permission_required("homebound.manage")
def enrolment_create(request):
    year = SchoolYear.current()
    enrolled = Enrolment.objects.filter(school_year=year).values("student_id")
    students = list(Student.objects.visible_to(request.user, "homebound.manage")
                    .filter(placement="homebound", status="active").exclude(pk__in=enrolled)
                    .select_related("school").order_by("name")[:200])
    school = students[0].school if students else None
    teachers = _pool_teachers(school, year) if school and year else []
    form = EnrolmentForm(request.POST or None, students=students, teachers=teachers, initial={
        "visits_per_week": 2, "hours_per_visit": 3, "rehab_areas": ["perception", "motor", "language"]})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        student = next(s for s in students if str(s.pk) == d["student"])
        try:
            e = services.enrolment_create(
                actor=request.user, student=student, school_year=year, place=d["place"],
                teacher_ids=[int(i) for i in d["teacher_ids"]], visits_per_week=d["visits_per_week"],
                hours_per_visit=d["hours_per_visit"], goals=d["goals"],
                curriculum={"teaching": d["teaching"], "rehabilitation": d["rehabilitation"],
                            "rehab_provider": d["rehab_provider"], "rehab_areas": d["rehab_areas"]})
        except DomainError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("Enrolment opened. Confirm the eligibility criteria, then activate it."))
            return redirect("homebound:detail", pk=e.pk)
    return render(request, "homebound/enrolment_form.html", {"form": form, "year": year, "students": students})


@permission_required("homebound.view")
def enrolment_detail(request, pk):
    e = _enrolment(request, pk)
    manage = can(request.user, "homebound.manage", e)
    confirm_form = upload_form = None
    if request.method == "POST":
        if not manage:
            return forbidden(request)
        action = request.POST.get("action")
        try:
            if action == "confirm":
                confirm_form = ConfirmForm(request.POST)
                if confirm_form.is_valid():
                    d = confirm_form.cleaned_data
                    if d["criterion"] not in CRITERIA:
                        raise DomainError(_("Unknown criterion."), field="criterion")
                    services.enrolment_update(actor=request.user, enrolment=e, eligibility={
                        d["criterion"]: {"met": d["met"], "evidence": d["evidence"]}})
                    messages.success(request, _("Criterion confirmed."))
                    return redirect("homebound:detail", pk=e.pk)
            elif action == "upload":
                upload_form = UploadForm(request.POST, request.FILES)
                if upload_form.is_valid():
                    services.document_add(actor=request.user, enrolment=e, uploaded_file=request.FILES["file"],
                                          criterion=request.POST.get("criterion", ""))
                    messages.success(request, _("Document uploaded."))
                    return redirect("homebound:detail", pk=e.pk)
            elif action in ("activate", "end"):
                fields = {"state": "active"} if action == "activate" else {
                    "state": "ended", "end_reason": request.POST.get("end_reason", "")}
                services.enrolment_update(actor=request.user, enrolment=e, version=int(request.POST.get("version")),
                                          **fields)
                messages.success(request, _("Enrolment activated.") if action == "activate" else
                                 _("Enrolment ended."))
                return redirect("homebound:detail", pk=e.pk)
        except (DomainError, ValueError, TypeError) as exc:
            errors = exc.errors if isinstance(exc, DomainError) else [{"message": _("The input is not valid")}]
            for err in errors or [{"message": str(exc)}]:
                messages.error(request, str(err["message"]))
            if action != "confirm" and action != "upload":
                return redirect("homebound:detail", pk=e.pk)
    eligibility = services.eligibility(e)
    plan = services.current_plan(e)
    names = dict(StaffMember.objects.filter(pk__in={t for p in e.plan_versions.all() for t in p.teacher_ids})
                 .values_list("pk", "name"))
    versions = [{"v": p, "teachers": "、".join(names.get(t, "") for t in p.teacher_ids),
                 "areas": "、".join(str(label) for a, label in REHAB_AREAS if a in p.rehab_areas)}
                for p in e.plan_versions.all()]
    return render(request, "homebound/enrolment_detail.html", {
        "e": e, "eligibility": [(c, eligibility[c]) for c in CRITERIA], "plan": plan,
        "current": next((v for v in versions if plan and v["v"].pk == plan.pk), None), "versions": versions,
        "all_met": all(x["met"] for x in eligibility.values()), "manage": manage,
        "can_record": e.state == Enrolment.ACTIVE and can(request.user, "homebound.record", e),
        "confirm_form": confirm_form, "upload_form": upload_form or UploadForm(),
        "documents": list(e.documents.all()), "recent": list(e.visits.order_by("-date", "-id")[:5])})


@permission_required("homebound.manage")
def enrolment_plan(request, pk):
    e = _enrolment(request, pk)
    if not can(request.user, "homebound.manage", e):
        return forbidden(request)
    plan = services.current_plan(e)
    teachers = _pool_teachers(e, e.school_year)
    form = NewPlanForm(request.POST or None, teachers=teachers, initial={
        "teacher_ids": [str(t) for t in plan.teacher_ids], "visits_per_week": plan.visits_per_week,
        "hours_per_visit": plan.hours_per_visit, "teaching": plan.teaching, "rehabilitation": plan.rehabilitation,
        "rehab_areas": plan.rehab_areas, "rehab_provider": plan.rehab_provider, "goals": plan.goals,
        "effective_from": max(services.today(), e.start_date or e.school_year.start_date), "version": e.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.enrolment_update(
                actor=request.user, enrolment=e, version=d["version"], effective_from=d["effective_from"],
                teacher_ids=[int(i) for i in d["teacher_ids"]], visits_per_week=d["visits_per_week"],
                hours_per_visit=d["hours_per_visit"], goals=d["goals"],
                curriculum={"teaching": d["teaching"], "rehabilitation": d["rehabilitation"],
                            "rehab_provider": d["rehab_provider"], "rehab_areas": d["rehab_areas"]})
        except DomainError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The plan's new version is saved; earlier weeks keep the earlier one."))
            return redirect("homebound:detail", pk=e.pk)
    return render(request, "homebound/plan_form.html", {"form": form, "e": e})


# --- visits ----------------------------------------------------------------------------------------------------
@permission_required("homebound.record")
def visit_new(request, pk):
    """The phone form: prefilled from the enrolment (student, place, usual teachers, plan goals); the two-teacher,
    pool, hours and week checks run as it is filled in, and again in the service."""
    e = _enrolment(request, pk)
    if not can(request.user, "homebound.record", e):
        return forbidden(request)
    plan = services.current_plan(e)
    teachers = _pool_teachers(e, e.school_year)
    today = services.today()
    form = VisitForm(request.POST or None, request.FILES or None, teachers=teachers, initial={
        "date": today, "start_time": "09:00", "end_time": "12:00", "place": e.place, "status": "delivered",
        "mode": "onsite", "teacher_ids": [str(t) for t in (plan.teacher_ids if plan else [])],
        "client_ref": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            v = visits.visit_record(
                actor=request.user, enrolment=e, date=d["date"], start_time=d["start_time"], end_time=d["end_time"],
                teacher_ids=[int(i) for i in d["teacher_ids"]], place=d["place"], mode=d["mode"],
                online=d["online"], notes=d["notes"], guardian_training=d["guardian_training"], status=d["status"],
                reason=d["reason"], family_informed=d["family_informed"], makeup_date=d["makeup_date"],
                client_ref=d["client_ref"])
            if d.get("photo") and not v.attachments.exists():
                visits.attachment_add(actor=request.user, visit=v, uploaded_file=d["photo"])
        except DomainError as exc:
            _apply(form, exc)
        else:
            week = selectors.progress(e)
            messages.success(request, _("Visit saved: %(hours)s class hours; this week %(n)d of %(req)d visits.")
                             % {"hours": f"{v.hours:g}", "n": week["visits_this_week"],
                                "req": week["required_visits_week"]})
            return redirect("homebound:visit", pk=v.pk)
    monday = visits.week_start(today)
    week_count = e.visits.filter(date__gte=monday, date__lte=monday + timedelta(days=6), status="delivered").count()
    return render(request, "homebound/visit_form.html", {
        "form": form, "e": e, "plan": plan, "week_count": week_count,
        "required_week": plan.visits_per_week if plan else 0,
        "min_teachers": services.param(e.school, "teachers_per_visit"),
        "min_hours": plan.hours_per_visit if plan else services.param(e.school, "homebound_hours_per_visit"),
        "texts": {"too_few": _("Choose at least %(n)s teachers: a visit is made by two (二对一)."),
                  "teachers_ok": _("%(n)s teachers."),
                  "end_after": _("The end time is after the start time."),
                  "short": _("%(h)s class hours: shorter than the planned %(min)s. It is kept and flagged."),
                  "hours_ok": _("%(h)s class hours."),
                  "week": _("With this visit: %(n)s of %(req)s visits this week.")}})


def _visit(request, pk) -> Visit:
    return get_visible_or_404(
        Visit.objects.select_related("student", "school__region__parent", "enrolment", "recorded_by")
        .prefetch_related("visit_teachers__staff", "attachments", "corrections__corrected_by"), request.user, pk)


@permission_required("homebound.view")
def visit_detail(request, pk):
    v = _visit(request, pk)
    record = can(request.user, "homebound.record", v.enrolment)
    own = None
    try:
        own = request.user.staff_member
    except StaffMember.DoesNotExist:
        own = None
    mine = next((t for t in v.visit_teachers.all() if own is not None and t.staff_id == own.pk), None)
    teachers = _pool_teachers(v.enrolment, v.enrolment.school_year)
    initial = {**visits.values_of(v), "version": v.version}
    initial["teacher_ids"] = [str(t) for t in initial["teacher_ids"]]
    correction = CorrectionForm(None, teachers=teachers, initial=initial)
    disown = DisownForm()
    upload = UploadForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("confirm", "disown") and mine is None:
            return forbidden(request)
        if action in ("correct", "upload") and not record:
            return forbidden(request)
        try:
            if action == "confirm":
                visits.visit_confirm(actor=request.user, visit=v)
                messages.success(request, _("Your presence at this visit is confirmed."))
                return redirect("homebound:visit", pk=v.pk)
            if action == "disown":
                disown = DisownForm(request.POST)
                if disown.is_valid():
                    visits.visit_disown(actor=request.user, visit=v, reason=disown.cleaned_data["why"])
                    messages.success(request, _("You are removed from this visit; the correction is recorded."))
                    return redirect("homebound:visit", pk=v.pk)
            if action == "upload":
                upload = UploadForm(request.POST, request.FILES)
                if upload.is_valid():
                    visits.attachment_add(actor=request.user, visit=v, uploaded_file=request.FILES["file"])
                    messages.success(request, _("Attached."))
                    return redirect("homebound:visit", pk=v.pk)
            if action == "correct":
                correction = CorrectionForm(request.POST, teachers=teachers, initial=initial)
                if correction.is_valid():
                    d = correction.cleaned_data
                    visits.visit_correct(
                        actor=request.user, visit=v, reason=d["why"], version=d["version"], date=d["date"],
                        start_time=d["start_time"], end_time=d["end_time"], place=d["place"], mode=d["mode"],
                        online=d["online"], notes=d["notes"], guardian_training=d["guardian_training"],
                        teacher_ids=[int(i) for i in d["teacher_ids"]], status=d["status"],
                        reason_code=d["reason"], family_informed=d["family_informed"], makeup_date=d["makeup_date"])
                    messages.success(request, _("Correction recorded; the original values are kept."))
                    return redirect("homebound:visit", pk=v.pk)
        except DomainError as exc:
            form = {"disown": disown, "upload": upload, "correct": correction}.get(action)
            if form is not None:
                _apply(form, exc)
            else:
                messages.error(request, str(exc.message))
        except PermissionDenied:
            return forbidden(request)
    names = dict(StaffMember.objects.filter(pk__in={t for c in v.corrections.all()
                                                    for t in c.before.get("teacher_ids", []) + c.after.get(
                                                        "teacher_ids", [])}).values_list("pk", "name"))
    return render(request, "homebound/visit_detail.html", {
        "v": v, "record": record, "mine": mine, "correction": correction, "disown": disown, "upload": upload,
        "reasons": dict(MISS_REASONS), "corrections": [(c, _changes(c, names)) for c in v.corrections.all()],
        "subsidy": has_perm(request.user, "homebound.subsidy")})


LABELS = {"date": "日期", "start_time": "开始时间", "end_time": "结束时间", "place": "地点", "mode": "形式",
          "online": "线上", "notes": "送教小记", "guardian_training": "家长培训", "teacher_ids": "送教教师",
          "status": "送教情况", "reason": "原因", "family_informed": "已告知家长", "makeup_date": "补送教日期"}


def _show(key, value, names):
    if key == "teacher_ids":
        return "、".join(names.get(i, "") for i in value or [])
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "mode":
        return {"onsite": "上门", "remote": "远程"}.get(value, "")
    if key == "status":
        return {"delivered": "已送教", "missed": "未送教", "cancelled": "取消"}.get(value, "")
    if key == "reason":
        return str(dict(MISS_REASONS).get(value, "")) if value else ""
    return value or ""


def _changes(c, names):
    return [(LABELS.get(k, k), _show(k, c.before.get(k), names), _show(k, c.after.get(k), names))
            for k in LABELS if c.before.get(k) != c.after.get(k)]


@permission_required("homebound.view")
def visit_attachment(request, pk, attachment_id):
    return serve_attachment(_visit(request, pk), attachment_id)


@permission_required("homebound.view")
def visit_docx(request, pk):
    data, name = documents.visit_records([_visit(request, pk)])
    resp = HttpResponse(data, content_type=documents.DOCX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp


@permission_required("homebound.view")
def term_docx(request, pk):
    e = _enrolment(request, pk)
    term = request.GET.get("term")
    data, name = documents.term_records(request.user, e, int(term) if term in ("1", "2") else None)
    resp = HttpResponse(data, content_type=documents.DOCX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp


# --- progress, behind pace, workload -----------------------------------------------------------------------------
@permission_required("homebound.view")
def progress(request, pk):
    e = _enrolment(request, pk)
    p = selectors.progress(e)
    reasons = {**{k: str(v) for k, v in MISS_REASONS}, "short_visits": _("Visits shorter than planned"),
               "unrecorded": _("No record")}
    missing = [(reasons[k], v) for k, v in p["missing_hours"].items() if v]
    return render(request, "homebound/progress.html", {
        "e": e, "p": p, "missing": missing, "weeks": list(reversed(p["weeks"])),
        "chart": {"weeks": [w["week_start"].strftime("%m-%d") for w in p["weeks"]],
                  "hours": [w["hours"] for w in p["weeks"]], "visits": [w["visits"] for w in p["weeks"]],
                  "required": [w["required_visits"] for w in p["weeks"]]},
        "chart_labels": {"hours": _("class hours"), "visits": _("visits"), "required": _("visits required")},
        "can_record": e.state == Enrolment.ACTIVE and can(request.user, "homebound.record", e)})


@permission_required("homebound.view")
def behind(request):
    year = SchoolYear.current()
    qs, share = selectors.behind_pace(request.user, year) if year else (Enrolment.objects.none(), 0)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for e in page:
        e.expected = e.required_year * selectors.share_of(e, share)
        e.gap = e.expected - e.hours_delivered
    return render(request, "homebound/behind.html", {"page": page, "year": year,
                                                     "share": selectors.installation_share(share) * 100})


@permission_required("homebound.subsidy")
def workload(request):
    year = SchoolYear.current()
    rows = selectors.workload_rows(request.user, year) if year else []
    months = sorted({m for r in rows for m in r["months"]})
    for r in rows:
        r["month_cells"] = [r["months"].get(m) for m in months]
    return render(request, "homebound/workload.html", {"rows": rows, "months": months, "year": year})


@permission_required("homebound.subsidy")
def workload_xlsx(request):
    year = SchoolYear.current()
    data = documents.workload_xlsx(selectors.workload_rows(request.user, year), year)
    resp = HttpResponse(data, content_type=documents.XLSX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'送教教师工作量{year.name}.xlsx')}"
    return resp
