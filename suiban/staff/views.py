"""Pages of the staff module (Chinese, phone-friendly): pools and their filing (ST-1), the bureau's filing
status, staff with training (ST-2, ST-3, ST-7), staffing and incentives (ST-4, ST-5), itinerant visits (ST-6),
working groups (ORG-6), centres and experts (ORG-7, PL-16). Objects are fetched inside the user's scope (404
outside it); in scope without the permission to change → 403; writes call ``suiban.staff.services``."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from suiban import policy
from suiban.core import audit
from suiban.core.errors import DomainError, PermissionDenied, apply_to_form
from suiban.core.lists import Sorting
from suiban.core.scoping import can, get_visible_or_404, has_perm
from suiban.core.views import permission_required
from suiban.org.models import Region, ResourceCentre, School, SchoolYear
from suiban.staff import forms, selectors, services
from suiban.staff.models import (
    EXPERT_FIELDS,
    Expert,
    ItinerantVisit,
    Nomination,
    Pool,
    StaffMember,
    WorkingGroup,
)
from suiban.students.selectors import pinyin

PAGE_SIZE = 50


def _labels():
    return {"filed": _("Filed on time"), "late": _("Filed late"), "missing": _("Not filed")}


def _forbidden(request):
    return render(request, "403.html", status=403)


def _year(request) -> SchoolYear:
    sy = selectors.school_year_from(request.GET.get("year")) or selectors.current_school_year()
    if sy is None:
        raise Http404
    return sy


def _run(request, fn, success: str, form=None) -> bool:
    """Call a service; a refusal in scope → 403 page (returned as False with ``request._forbidden``), a domain
    error → shown on the form or as a message. True when the service succeeded."""
    try:
        fn()
    except PermissionDenied:
        request._staff_forbidden = True
        return False
    except DomainError as exc:
        if form is not None:
            apply_to_form(form, exc)
        else:
            messages.error(request, str(exc.message))
        return False
    messages.success(request, success)
    return True


def _school_of(request, perm="staff.view"):
    """The school the page is about: ?school= inside scope, else the user's only school."""
    qs = School.objects.visible_to(request.user, perm).exclude(kind=School.SPECIAL)
    value = request.GET.get("school") or request.POST.get("school")
    if value:
        if not str(value).isdigit():
            raise Http404
        return get_object_or_404(qs, pk=int(value))
    schools = list(qs.order_by("code")[:2])
    return schools[0] if len(schools) == 1 else None


# --- pools (ST-1) ---------------------------------------------------------------------------------------------
@permission_required("staff.view")
def pool_list(request):
    """The pools in scope by school year; a school's own list offers to open (renew) this year's pool."""
    sy = _year(request)
    qs = (Pool.objects.visible_to(request.user, "staff.view").select_related("school", "school_year")
          .order_by("-school_year__start_year", "school__code"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(p, selectors.filing_state(p.school, p.school_year, p.state, p.filed_at, p.filed_late)) for p in page]
    school = _school_of(request, "staff.edit") if has_perm(request.user, "staff.edit") else None
    return render(request, "staff/pool_list.html", {
        "page": page, "rows": rows, "labels": _labels(), "year": sy, "school": school,
        "needs_pool": school is not None and not Pool.objects.filter(school=school, school_year=sy).exists(),
        "last_pool": services.previous_pool(school, sy) if school is not None else None})


@permission_required("staff.view")
def pool_school(request, school_id):
    """The school's pool of the current school year (or the page to open it)."""
    school = get_visible_or_404(School, request.user, school_id, "staff.view")
    sy = _year(request)
    pool = Pool.objects.filter(school=school, school_year=sy).first()
    if pool is not None:
        return redirect("staff:pool_detail", pk=pool.pk)
    return redirect(reverse("staff:pool_list") + f"?school={school.pk}")


@require_POST
@permission_required("staff.view")
def pool_create(request):
    school = _school_of(request, "staff.view")
    if school is None:
        raise Http404
    if not has_perm(request.user, "staff.edit"):
        return _forbidden(request)
    sy = selectors.school_year_from(request.POST.get("year")) or selectors.current_school_year()
    renew = request.POST.get("renew", "1") == "1"
    created = {}
    ok = _run(request, lambda: created.update(pool=services.pool_create(
        actor=request.user, school=school, school_year=sy, renew=renew)),
        _("The pool is open; check its members and file it."))
    if getattr(request, "_staff_forbidden", False):
        return _forbidden(request)
    if ok:
        return redirect("staff:pool_detail", pk=created["pool"].pk)
    return redirect(reverse("staff:pool_list") + f"?school={school.pk}")


def _pool(request, pk) -> Pool:
    return get_visible_or_404(Pool.objects.select_related("school", "school_year", "filed_by"), request.user, pk,
                              "staff.view")


@permission_required("staff.view")
def pool_detail(request, pk):
    pool = _pool(request, pk)
    members = list(pool.members.select_related("staff").order_by("kind", "id"))
    kinds = {k: i for i, (k, _l) in enumerate(pool.members.model.KIND_CHOICES)}
    members.sort(key=lambda m: (kinds.get(m.kind, 9), m.pk))
    can_edit = can(request.user, "staff.edit", pool)
    form = forms.MemberForm(school=pool.school) if can_edit else None
    if form is not None and pool.state == Pool.DRAFT:
        del form.fields["reason"]  # a draft changes freely; only a filed pool needs an amendment's reason
    return render(request, "staff/pool_detail.html", {
        "pool": pool, "members": members, "form": form, "can_edit": can_edit,
        "can_file": pool.state == Pool.DRAFT and can(request.user, "staff.file", pool),
        "state": selectors.filing_state(pool.school, pool.school_year, pool.state, pool.filed_at, pool.filed_late),
        "labels": _labels(), "deadline": selectors.deadline_for(pool.school, pool.school_year),
        "amendments": pool.amendments.select_related("amended_by").order_by("-amended_at"),
        "has_fixed": any(m.kind == "fixed_resource" for m in members)})


@require_POST
@permission_required("staff.view")
def pool_member_add(request, pk):
    """Add a member; a new purchased person (assistant, social worker, therapist) is recorded on the way."""
    pool = _pool(request, pk)
    if not can(request.user, "staff.edit", pool):
        return _forbidden(request)
    form = forms.MemberForm(request.POST, school=pool.school)
    if form.is_valid():
        d = form.cleaned_data

        def add():
            from django.db import transaction

            with transaction.atomic():
                staff = d["staff"]
                if staff is None:
                    if not d["new_name"].strip():
                        raise DomainError(_("Choose a staff member or enter the name of a new person."),
                                          field="new_name")
                    kind = services.PURCHASED.get(d["kind"], StaffMember.TEACHER)
                    staff = services.staff_create(actor=request.user, name=d["new_name"], kind=kind,
                                                  school=pool.school)
                services.pool_add_member(actor=request.user, pool=pool, staff_id=staff.pk, kind=d["kind"],
                                         full_time=d["full_time"], reason=d["reason"])

        if _run(request, add, _("Member added."), form):
            return redirect("staff:pool_detail", pk=pool.pk)
    members = list(pool.members.select_related("staff"))
    return render(request, "staff/pool_detail.html", {
        "pool": pool, "members": members, "form": form, "can_edit": True,
        "can_file": pool.state == Pool.DRAFT and can(request.user, "staff.file", pool),
        "state": selectors.filing_state(pool.school, pool.school_year, pool.state, pool.filed_at, pool.filed_late),
        "labels": _labels(), "deadline": selectors.deadline_for(pool.school, pool.school_year),
        "amendments": pool.amendments.all(), "has_fixed": any(m.kind == "fixed_resource" for m in members),
        "open_form": True})


@require_POST
@permission_required("staff.view")
def pool_member_remove(request, pk, staff_id):
    pool = _pool(request, pk)
    if not can(request.user, "staff.edit", pool):
        return _forbidden(request)
    _run(request, lambda: services.pool_remove_member(actor=request.user, pool=pool, staff_id=staff_id,
                                                      reason=request.POST.get("reason", "")), _("Member removed."))
    return redirect("staff:pool_detail", pk=pool.pk)


@require_POST
@permission_required("staff.view")
def pool_file(request, pk):
    pool = _pool(request, pk)
    if not has_perm(request.user, "staff.file"):
        return _forbidden(request)
    version = request.POST.get("version")
    _run(request, lambda: services.pool_file(actor=request.user, pool=pool,
                                             version=int(version) if (version or "").isdigit() else None),
         _("The pool has been filed with the bureau."))
    if getattr(request, "_staff_forbidden", False):
        return _forbidden(request)
    return redirect("staff:pool_detail", pk=pool.pk)


@permission_required("staff.filing")
def filing(request):
    """ST-1: the bureau's view of every ordinary school's pool for the school year: filed, late, missing."""
    sy = _year(request)
    state = request.GET.get("state") if request.GET.get("state") in ("filed", "late", "missing") else None
    region = None
    if (request.GET.get("region") or "").isdigit():
        region = get_visible_or_404(Region, request.user, int(request.GET["region"]))
    path = region.path if region else None
    counts = selectors.filing_counts(request.user, sy, region_path=path)
    qs = selectors.filing_schools(request.user, sy, region_path=path, state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.filing_rows(page, sy)
    return render(request, "staff/filing.html", {
        "year": sy, "counts": counts, "rows": rows, "page": page, "state": state, "labels": _labels(),
        "years": SchoolYear.objects.order_by("-start_year")[:5],
        "regions": Region.objects.visible_to(request.user).exclude(level=Region.PROVINCE).order_by("path")[:200],
        "region": region})


# --- staff and training (ST-1, ST-2, ST-3, ST-7) -----------------------------------------------------------------
# names in pinyin order on every database: the ICU collation on PostgreSQL, the stored sort key elsewhere
STAFF_SORT = Sorting({"school": ("school__code", pinyin("name")), "name": (pinyin("name"),),
                      "kind": ("kind", pinyin("name")), "hours": ("hours", pinyin("name"))}, default="school")
@permission_required("staff.own")
def staff_list(request):
    """Staff in scope with this year's training hours against the ⚙ yearly hours; filter those below or with
    none (ST-7). A teacher sees their own record."""
    sy = _year(request)
    qs = selectors.visible_staff(request.user).select_related("school", "centre")
    school = None
    if (request.GET.get("school") or "").isdigit():
        school = get_visible_or_404(School, request.user, int(request.GET["school"]), "staff.view")
        qs = qs.filter(school=school)
    qs = selectors.staff_with_hours(qs, sy)
    qs, sort = STAFF_SORT.apply(qs, request.GET.get("sort"))
    show = request.GET.get("show")
    if show == "none":
        qs = qs.filter(trainings_count=0)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    expected = {}
    rows = []
    for s in page:
        key = s.school_id or s.region_path
        if key not in expected:
            expected[key] = selectors.hours_expected(s.school if s.school_id else
                                                     (s.centre.region if s.centre_id else None))
        rows.append((s, expected[key], s.hours < expected[key]))
    if show == "below":
        rows = [r for r in rows if r[2]]
    return render(request, "staff/staff_list.html", {
        "page": page, "rows": rows, "year": sy, "show": show, "school": school, "sort": sort,
        "can_add": has_perm(request.user, "staff.edit"),
        "quals": dict(StaffMember.QUALIFICATION_CHOICES)})


@permission_required("staff.edit")
def staff_create(request):
    school = _school_of(request, "staff.edit")
    if school is None:
        schools = School.objects.visible_to(request.user, "staff.edit").exclude(kind=School.SPECIAL)
        return render(request, "staff/pick_school.html", {"schools": schools, "next": "staff:staff_create"})
    form = forms.StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = {}
        if _run(request, lambda: created.update(s=services.staff_create(actor=request.user, school=school,
                                                                          **form.cleaned_data)),
                _("Staff record created."), form):
            return redirect("staff:staff_detail", pk=created["s"].pk)
    return render(request, "staff/staff_form.html", {"form": form, "school": school})


def _staff(request, pk) -> StaffMember:
    """A staff record in scope (staff.view); without staff.view only one's own record (staff.own), any other → 403
    (the role lacks the permission altogether, as for every page it may not open)."""
    s = selectors.staff_for(request.user, pk)
    if s is None:
        raise Http404
    return s


@permission_required("staff.own")
def staff_detail(request, pk):
    try:
        s = _staff(request, pk)
    except PermissionDenied:
        return _forbidden(request)
    perm = "staff.edit" if s.school_id else "staff.experts"
    can_edit = can(request.user, perm, s)
    sy = _year(request)
    trainings = list(s.trainings.select_related("school_year").order_by("-start_date", "-id"))
    year_hours = sum((t.hours for t in trainings if t.school_year_id == sy.pk), start=0)
    return render(request, "staff/staff_detail.html", {
        "s": s, "trainings": trainings, "year": sy, "year_hours": year_hours,
        "expected": selectors.hours_expected(s.school if s.school_id else s.centre.region),
        "form": forms.TrainingForm() if can_edit else None, "can_edit": can_edit,
        "memberships": s.pool_memberships.select_related("pool__school_year")
        .order_by("-pool__school_year__start_year"),
        "years": s.years.select_related("school_year").order_by("-school_year__start_year")})


@permission_required("staff.own")
def staff_edit(request, pk):
    """Correct a staff record, e.g. its qualification basis once the degree or certificate is known (ST-3)."""
    try:
        s = _staff(request, pk)
    except PermissionDenied:
        return _forbidden(request)
    perm = "staff.edit" if s.school_id else "staff.experts"
    if not can(request.user, perm, s):
        return _forbidden(request)
    initial = {f: getattr(s, f) for f in ("name", "kind", "qualification", "qualification_evidence", "subject",
                                          "phone", "itinerant")}
    form = forms.StaffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        version = request.POST.get("version")
        if _run(request, lambda: services.staff_update(
                actor=request.user, staff=s, version=int(version) if (version or "").isdigit() else None,
                **form.cleaned_data), _("Saved."), form):
            return redirect("staff:staff_detail", pk=s.pk)
    return render(request, "staff/staff_form.html", {"form": form, "school": s.school, "s": s})


@permission_required("staff.view")
def nominations(request):
    """The excellent-worker nominations sent to the bureau in scope, by school year (ST-5)."""
    sy = _year(request)
    qs = (Nomination.objects.visible_to(request.user, "staff.view").filter(school_year=sy)
          .select_related("school", "staff").order_by("school__region_path", "school__code", "id"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/nominations.html", {"page": page, "year": sy,
                                                      "years": SchoolYear.objects.order_by("-start_year")[:5]})


@require_POST
@permission_required("staff.own")
def training_add(request, pk):
    try:
        s = _staff(request, pk)
    except PermissionDenied:
        return _forbidden(request)
    perm = "staff.edit" if s.school_id else "staff.experts"
    if not can(request.user, perm, s):
        return _forbidden(request)
    form = forms.TrainingForm(request.POST, request.FILES)
    if form.is_valid():
        d = dict(form.cleaned_data)
        cert = d.pop("certificate")
        if _run(request, lambda: services.training_record(actor=request.user, staff=s, certificate=cert, **d),
                _("Training recorded."), form):
            return redirect("staff:staff_detail", pk=s.pk)
    sy = _year(request)
    return render(request, "staff/staff_detail.html", {
        "s": s, "trainings": s.trainings.all(), "year": sy, "year_hours": None,
        "expected": selectors.hours_expected(s.school if s.school_id else s.centre.region), "form": form,
        "can_edit": True, "open_form": True, "memberships": s.pool_memberships.none(), "years": s.years.none()})


@permission_required("staff.own")
def certificate_download(request, pk):
    """A training certificate scan, only to those who may see the training (SEC-4); audited."""
    if not has_perm(request.user, "staff.view") and not selectors.visible_trainings(request.user).filter(
            pk=pk).exists():
        return _forbidden(request)
    t = get_object_or_404(selectors.visible_trainings(request.user).exclude(certificate=""), pk=pk)
    try:
        handle = t.certificate.storage.open(t.certificate.name, "rb")
    except OSError as exc:
        raise Http404 from exc
    audit.record(request.user, "staff.certificate.downloaded", t)
    ext = t.certificate.name.rsplit(".", 1)[-1]
    resp = FileResponse(handle, as_attachment=True, filename=f"certificate-{t.pk}.{ext}",
                        content_type=t.certificate_type)
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, no-store"
    resp["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


# --- staffing and incentives (ST-4, ST-5) -------------------------------------------------------------------------
@permission_required("staff.view")
def incentives(request):
    """ST-4 staffing against the students in inclusion; ST-5 evaluations, the 15 % uplift beside the home-delivery
    workload, and the yearly nominations."""
    school = _school_of(request)
    if school is None:
        schools = School.objects.visible_to(request.user, "staff.view").exclude(kind=School.SPECIAL)[:200]
        return render(request, "staff/pick_school.html", {"schools": schools, "next": "staff:incentives"})
    sy = _year(request)
    may = can(request.user, "staff.incentives", school)
    return render(request, "staff/incentives.html", {
        "school": school, "year": sy, "staffing": selectors.staffing(school, sy),
        "rows": selectors.uplift_rows(request.user, school, sy),
        "nominations": Nomination.objects.visible_to(request.user).filter(school=school, school_year=sy)
        .select_related("staff"),
        "limit": policy.value(school, "excellent_nominees_per_school"),
        "year_form": forms.StaffYearForm(school=school) if may else None,
        "nomination_form": forms.NominationForm(school=school) if may else None, "may": may})


@require_POST
@permission_required("staff.view")
def staff_year_save(request):
    school = _school_of(request)
    if school is None:
        raise Http404
    if not can(request.user, "staff.incentives", school):
        return _forbidden(request)
    sy = _year(request)
    form = forms.StaffYearForm(request.POST, school=school)
    if form.is_valid():
        d = dict(form.cleaned_data)
        staff = d.pop("staff")
        _run(request, lambda: services.staff_year_save(actor=request.user, staff=staff, school_year=sy,
                                                       version=None, **d), _("Saved."))
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(reverse("staff:incentives") + f"?school={school.pk}")


@require_POST
@permission_required("staff.view")
def nomination_create(request):
    school = _school_of(request)
    if school is None:
        raise Http404
    if not can(request.user, "staff.incentives", school):
        return _forbidden(request)
    form = forms.NominationForm(request.POST, school=school)
    if form.is_valid():
        d = form.cleaned_data
        _run(request, lambda: services.nomination_create(
            actor=request.user, school=school, school_year=_year(request), staff=d["staff"],
            category=d["category"], reason=d["reason"]), _("The nomination has been sent to the bureau."))
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(reverse("staff:incentives") + f"?school={school.pk}")


# --- itinerant visits (ST-6) -----------------------------------------------------------------------------------
@permission_required("staff.view")
def visit_list(request):
    """Visits in scope and, for the district, the schools not visited this term (ST-6)."""
    qs = (ItinerantVisit.objects.visible_to(request.user, "staff.view").select_related("school", "teacher")
          .order_by("-date", "-id"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    term = selectors.term_of(timezone.localdate())
    not_visited = None
    if term is not None and (has_perm(request.user, "staff.itinerant") or has_perm(request.user, "staff.filing")):
        not_visited = list(selectors.schools_not_visited(request.user, term)[:200])
    return render(request, "staff/visit_list.html", {
        "page": page, "term": term, "not_visited": not_visited,
        "can_record": has_perm(request.user, "staff.itinerant")})


@permission_required("staff.itinerant")
def visit_create(request):
    schools = School.objects.visible_to(request.user, "staff.itinerant").exclude(kind=School.SPECIAL)
    form = forms.VisitForm(request.POST or None, schools=schools)
    teacher = StaffMember.objects.filter(user=request.user).first()
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        created = {}

        def record():
            if teacher is None:
                raise DomainError(_("Your account has no staff record yet; ask the bureau to add it."))
            created["v"] = services.itinerant_visit_create(
                actor=request.user, school=d["school"], date_=d["date"], teacher=teacher, advice=d["advice"],
                student_ids=[int(i) for i in request.POST.getlist("students") if i.isdigit()],
                follow_up=d["follow_up"], follow_up_due=d["follow_up_due"])

        if _run(request, record, _("Visit recorded."), form):
            return redirect("staff:visit_detail", pk=created["v"].pk)
    return render(request, "staff/visit_form.html", {"form": form, "teacher": teacher})


@permission_required("staff.view")
def visit_detail(request, pk):
    v = get_visible_or_404(ItinerantVisit.objects.select_related("school", "teacher", "responded_by"),
                           request.user, pk, "staff.view")
    from suiban.students.models import Student

    seen = Student.objects.visible_to(request.user).filter(pk__in=v.students.values("pk"))
    may_answer = bool(v.follow_up) and can(request.user, "staff.respond", v)
    return render(request, "staff/visit_detail.html", {
        "v": v, "students": seen, "form": forms.AnswerForm() if may_answer else None})


@require_POST
@permission_required("staff.view")
def visit_answer(request, pk):
    v = get_visible_or_404(ItinerantVisit, request.user, pk, "staff.view")
    if not can(request.user, "staff.respond", v):
        return _forbidden(request)
    _run(request, lambda: services.itinerant_follow_up_answer(actor=request.user, visit=v,
                                                              response=request.POST.get("response", "")),
         _("The answer has been sent."))
    return redirect("staff:visit_detail", pk=v.pk)


# --- working group (ORG-6) ----------------------------------------------------------------------------------
GROUP_ROWS = 12


@permission_required("staff.view")
def working_group(request):
    school = _school_of(request)
    if school is None:
        schools = School.objects.visible_to(request.user, "staff.view").exclude(kind=School.SPECIAL)[:200]
        return render(request, "staff/pick_school.html", {"schools": schools, "next": "staff:group"})
    sy = _year(request)
    group = WorkingGroup.objects.filter(school=school, school_year=sy).first()
    may = can(request.user, "staff.edit", school)
    members = list(group.members.all()) if group else []
    rows = None
    if may:
        initial = [{"name": m.name, "function": m.function, "duties": m.duties} for m in members]
        rows = [forms.MemberRowForm(prefix=f"m{i}", initial=initial[i] if i < len(initial) else None)
                for i in range(max(GROUP_ROWS, len(initial) + 2))]
    return render(request, "staff/working_group.html", {
        "school": school, "year": sy, "group": group, "members": members, "may": may, "rows": rows,
        "meetings": group.meetings.all() if group else [], "meeting_form": forms.MeetingForm() if may and group
        else None})


@require_POST
@permission_required("staff.view")
def working_group_save(request):
    school = _school_of(request)
    if school is None:
        raise Http404
    if not can(request.user, "staff.edit", school):
        return _forbidden(request)
    sy = _year(request)
    members = []
    for i in range(60):
        name = request.POST.get(f"m{i}-name", "").strip()
        function = request.POST.get(f"m{i}-function", "")
        if name or function:
            members.append({"name": name, "function": function, "duties": request.POST.get(f"m{i}-duties", "")})
    _run(request, lambda: services.working_group_save(actor=request.user, school=school, school_year=sy,
                                                      members=members, plan=request.POST.get("plan", "")),
         _("Working group saved."))
    return redirect(reverse("staff:group") + f"?school={school.pk}&year={sy.name}")


@require_POST
@permission_required("staff.view")
def meeting_add(request, pk):
    group = get_visible_or_404(WorkingGroup, request.user, pk, "staff.view")
    if not can(request.user, "staff.edit", group):
        return _forbidden(request)
    form = forms.MeetingForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        _run(request, lambda: services.working_group_meeting_add(actor=request.user, group=group, date_=d["date"],
                                                                 topic=d["topic"], minutes=d["minutes"]),
             _("Meeting recorded."))
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(reverse("staff:group") + f"?school={group.school_id}&year={group.school_year.name}")


# --- centres and experts (ORG-7, PL-16) -----------------------------------------------------------------------
@permission_required("org.view")
def experts(request):
    """Resource centres at every level with the centres each guides (ORG-7), the centres' staff and expert pools,
    and the expert committee by field (PL-16)."""
    centres = list(ResourceCentre.objects.visible_to(request.user).select_related("region", "region__parent")
                   .order_by("region__path"))
    guided = {}
    for c in centres:
        if c.region.parent_id:
            guided.setdefault(c.region.parent_id, []).append(c)
    experts = list(Expert.objects.visible_to(request.user).filter(is_active=True).select_related("centre"))
    staff = list(StaffMember.objects.visible_to(request.user, "staff.view").filter(centre__isnull=False)
                 .select_related("centre")) if has_perm(request.user, "staff.view") else []
    may = has_perm(request.user, "staff.experts")
    form = forms.ExpertForm(regions=Region.objects.visible_to(request.user, "staff.experts")) if may else None
    return render(request, "staff/experts.html", {
        "centres": [(c, guided.get(c.region_id, [])) for c in centres],
        "committee": [e for e in experts if e.body == Expert.COMMITTEE],
        "pool": [e for e in experts if e.body == Expert.CENTRE_POOL], "centre_staff": staff, "form": form,
        "fields": dict(EXPERT_FIELDS)})


@require_POST
@permission_required("staff.experts")
def expert_create(request):
    regions = Region.objects.visible_to(request.user, "staff.experts")
    form = forms.ExpertForm(request.POST, regions=regions)
    if form.is_valid():
        d = form.cleaned_data
        centre = ResourceCentre.objects.filter(region=d["region"]).first()
        _run(request, lambda: services.expert_create(actor=request.user, body=d["body"], region=d["region"],
                                                     name=d["name"], field=d["field"],
                                                     organisation=d["organisation"], centre=centre),
             _("Expert added."))
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("staff:experts")


@require_POST
@permission_required("cases.view")
def opinion_create(request, pk):
    """PL-16: record the committee's opinion on a case (three aspects, the members who gave it)."""
    from suiban.students.models import Case

    case = get_visible_or_404(Case, request.user, pk, "cases.view")
    if not has_perm(request.user, "cases.opinion"):
        return _forbidden(request)
    form = forms.OpinionForm(request.POST, members=Expert.objects.filter(pk__in=[
        e.pk for e in services.committee_members_for(case)]))
    if form.is_valid():
        d = form.cleaned_data
        _run(request, lambda: services.committee_opinion_record(
            actor=request.user, case=case, physical_condition=d["physical_condition"],
            education_ability=d["education_ability"], adaptation_ability=d["adaptation_ability"],
            conclusion=d["conclusion"], member_ids=[m.pk for m in d["members"]], given_on=d["given_on"]),
            _("The committee's opinion has been recorded."))
        if getattr(request, "_staff_forbidden", False):
            return _forbidden(request)
    else:
        messages.error(request, "；".join(f"{form.fields[k].label}：{e}" if k in form.fields else str(e)
                                         for k, errs in form.errors.items() for e in errs))
    return redirect("cases:detail", pk=case.pk)


def case_panel(request, case):
    """The committee's opinions on the case page (filled into the cases module's panel list)."""
    if not has_perm(request.user, "cases.view"):
        return None
    opinions = list(case.committee_opinions.prefetch_related("members"))
    form = None
    if has_perm(request.user, "cases.opinion") and case.state in ("under_review", "committee_opinion"):
        form = forms.OpinionForm(members=Expert.objects.filter(pk__in=[
            e.pk for e in services.committee_members_for(case)]))
    if not opinions and form is None:
        return None
    return {"template": "staff/_case_opinions.html", "opinions": opinions, "opinion_form": form, "case": case,
            "fields": dict(EXPERT_FIELDS)}

