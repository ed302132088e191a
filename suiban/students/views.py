from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from suiban.core import audit
from suiban.core.crypto import mask_id, mask_student_number
from suiban.core.errors import DomainError, VersionConflict
from suiban.core.scoping import can, get_visible_or_404, has_perm
from suiban.core.views import permission_required
from suiban.org.models import Region, School, SchoolClass
from suiban.students import selectors, services, sorting
from suiban.students.forms import (
    AccommodationForm,
    DeferralForm,
    LeavingConfirmForm,
    PlaceForm,
    PlacementForm,
    StudentForm,
)
from suiban.students.models import (
    ARCHIVE_ITEMS,
    CATEGORY_CHOICES,
    DISABILITY_GRADE_CHOICES,
    PLACEMENT_CHOICES,
    STATUS_CHOICES,
    LeavingRecord,
    Student,
)

PAGE_SIZE = 50


def _apply_errors(form, exc: DomainError):
    placed = False
    for e in exc.errors:
        field = form.map_error_field(e.get("field")) if hasattr(form, "map_error_field") else e.get("field")
        if field in form.fields:
            form.add_error(field, str(e["message"]))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def _student(request, pk, perm=None):
    return get_visible_or_404(Student.objects.select_related("school", "school_class__school_year"),
                              request.user, pk, perm)


ROSTER_COLUMNS = ("id", "name", "gender", "id_number_masked", "school__name", "school_class__name", "grade",
                  "disability_category", "disability_grade", "placement", "status")


def _roster_rows(page) -> list[dict]:
    """The roster page's rows as the table shows them (labels in the current language, "—" for no value)."""
    from suiban.core.grades import grade_label
    from suiban.students.models import GENDER_CHOICES

    labels = {f: {k: str(v) for k, v in choices} for f, choices in (
        ("gender", GENDER_CHOICES), ("disability_category", CATEGORY_CHOICES), ("placement", PLACEMENT_CHOICES),
        ("status", STATUS_CHOICES))}
    grades: dict = {}
    rows = []
    for r in page:
        grade = r["grade"]
        if grade not in grades:
            grades[grade] = grade_label(grade)
        rows.append({
            "pk": r["id"], "name": r["name"], "id_number_masked": r["id_number_masked"],
            "school": r["school__name"], "school_class": r["school_class__name"] or "—", "grade": grades[grade],
            "disability_grade": r["disability_grade"] or "—",
            **{f: labels[f].get(r[f], r[f]) for f in labels},
        })
    return rows


@permission_required("students.view")
def student_list(request):
    filters = {k: request.GET.get(k, "") for k in selectors.ROSTER_FILTERS}
    clean = {k: v for k, v in filters.items() if v and (k not in ("school", "class_id", "grade", "disability_grade",
                                                                   "region") or v.isdigit())}
    # Masks only (privacy by default, SEC-4): the numbers themselves are not read, not decrypted. The page shows
    # values only, so it reads the shown columns as values and puts each code's label in once per page.
    # The count runs on the plain roster (no join for the names); only the page reads the joined values.
    qs, sort = sorting.STUDENTS.apply(selectors.roster(request.user, clean), request.GET.get("sort"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _roster_rows(page.object_list.values(*ROSTER_COLUMNS))
    audit.record(request.user, "students.list.viewed", object_type="student", object_id="", object_repr="roster",
                 changes={"filters": clean, "count": len(rows)})
    # A drop-down of schools for a school or district; a province picks a district (and may type a school code).
    schools = list(School.objects.visible_to(request.user, "students.view").only("id", "name", "code")[:301])
    regions = []
    if len(schools) > 300:
        schools = []
        regions = Region.objects.visible_to(request.user).filter(level=Region.DISTRICT).only("id", "name", "code")
    classes = SchoolClass.objects.none()
    if clean.get("school"):
        classes = SchoolClass.objects.visible_to(request.user).filter(school_id=clean["school"]).select_related(
            "school_year").order_by("-school_year__start_year", "grade", "name")
    return render(request, "students/student_list.html", {
        "page": page, "rows": rows, "filters": filters, "schools": schools, "classes": classes, "regions": regions,
        "sort": sort,
        "categories": CATEGORY_CHOICES, "dgrades": DISABILITY_GRADE_CHOICES, "placements": PLACEMENT_CHOICES,
        "statuses": STATUS_CHOICES, "grades": range(1, 10),
        "can_edit": has_perm(request.user, "students.edit"), "can_export": has_perm(request.user, "students.export"),
        "can_import": has_perm(request.user, "students.import"),
        "can_rollover": has_perm(request.user, "students.rollover"),
    })


REVEAL_LABELS = {"id_number": gettext_lazy("identity number"),
                 "student_number": gettext_lazy("national student number"),
                 "certificate_number": gettext_lazy("disability certificate number")}


@permission_required("students.view")
def student_detail(request, pk):
    s = _student(request, pk)
    services.view_recorded(actor=request.user, student=s)
    return _render_detail(request, s)


@require_POST
@permission_required("students.view")
def student_reveal(request, pk):
    """The 显示 button (privacy by default, ORG-5/SEC-4): one number of one student, with the purpose asked
    for; roles that may not see full numbers get 404; audited like the API's reveal."""
    s = _student(request, pk, "students.view_identity")
    field = request.POST.get("field", "")
    if field not in services.REVEALABLE:
        return _render_detail(request, s, status=422, reveal_error=(field, _("Unknown field.")))
    try:
        value = services.number_reveal(actor=request.user, student=s, field=field,
                                       purpose=request.POST.get("purpose", ""))
    except DomainError as exc:
        return _render_detail(request, s, status=422, reveal_error=(field, exc.message))
    return _render_detail(request, s, revealed={field: value})


def _render_detail(request, s, *, status=200, revealed=None, reveal_error=None):
    show = services.identity_visible(request.user, s)
    numbers = [(f, REVEAL_LABELS[f], (revealed or {}).get(f), getattr(s, m)) for f, m in
               (("id_number", "id_number_masked"), ("student_number", "student_number_masked"),
                ("certificate_number", "certificate_masked"))]
    files = list(s.archive_files.all()) if has_perm(request.user, "archives.view") else []
    present = {f.item for f in files if f.item}
    can_edit = can(request.user, "students.edit", s)
    leaving = s.leaving_records.first()
    proposal = services.propose_leaving_outcome(s) if s.status == "active" else (None, "")
    return render(request, "students/student_detail.html", {
        "s": s, "show_identity": show, "guardians": s.guardians.all(),
        "numbers": {f: (label, full, masked) for f, label, full, masked in numbers},
        "reveal_error": reveal_error,
        "placements": s.placements.select_related("school", "school_class", "recorded_by"),
        "deferrals": s.deferrals.all(), "accommodations": s.exam_accommodations.all(),
        "leaving": leaving, "proposal": proposal, "expiry": services.certificate_expiry(s),
        "cases": s.cases.all() if has_perm(request.user, "cases.view") else [],
        "archive": [(n, label, n in present) for n, label in ARCHIVE_ITEMS],
        "archive_done": len(present), "archive_total": len(ARCHIVE_ITEMS),
        "can_edit": can_edit, "can_confirm": can(request.user, "students.confirm_leaving", s),
        "can_view_archive": can(request.user, "archives.view", s),
        "can_submit_case": can(request.user, "cases.submit", s),
        "deferral_form": DeferralForm(), "accommodation_form": AccommodationForm(),
        "leaving_form": LeavingConfirmForm(initial={"outcome": leaving.proposed_outcome if leaving else None}),
    }, status=status)


def _conflict_values(field, saved, mine):
    """The two values of a conflict row; a number is shown masked like everywhere else (SEC-4)."""
    if field in StudentForm.NUMBER_FIELDS:
        mask = mask_student_number if field == "student_number" else mask_id
        return mask(saved or ""), mask(mine or "")
    return saved, mine


def _initial(s: Student):
    """The edit form's starting values: the numbers are not among them (the form shows their masks, SEC-4)."""
    g = list(s.guardians.all())
    data = {f: getattr(s, f) for f in ("name", "gender", "birth_date", "hukou_region_code", "grade",
                                         "disability_category", "disability_grade", "certificate_issued_on",
                                         "certified_by", "placement", "status", "enrolled_on", "family_situation")}
    data.update({"version": s.version, "school": s.school_id, "school_class": s.school_class_id})
    for i, gg in enumerate(g[:2], start=1):
        data.update({f"g{i}_name": gg.name, f"g{i}_relation": gg.relation, f"g{i}_phone": gg.phone})
    return data


@permission_required("students.edit")
def student_create(request):
    form = StudentForm(request.POST or None, actor=request.user, initial={"status": "active",
                                                                          "placement": "regular_class"})
    if request.method == "POST" and form.is_valid():
        try:
            s, warnings = services.student_create(actor=request.user, guardians=form.guardians(),
                                                  committee_opinion=form.cleaned_data["committee_opinion"],
                                                  **form.record_fields())
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            for w in warnings:
                messages.warning(request, w)
            messages.success(request, _("Student record created."))
            return redirect("students:detail", pk=s.pk)
    return render(request, "students/student_form.html", {"form": form, "title": _("New student")})


@permission_required("students.view")
def student_edit(request, pk):
    s = _student(request, pk)
    if not can(request.user, "students.edit", s):
        return render(request, "403.html", status=403)
    if not services.identity_visible(request.user, s):
        return render(request, "403.html", status=403)
    form = StudentForm(request.POST or None, actor=request.user, initial=_initial(s), student=s)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            s2, warnings = services.student_update(
                actor=request.user, student=s, version=form.cleaned_data.get("version"),
                guardians=form.guardians(), committee_opinion=form.cleaned_data["committee_opinion"],
                **form.record_fields())
        except VersionConflict as exc:
            current = Student.objects.select_related("school", "school_class").get(pk=s.pk)
            mine = form.record_fields()
            conflict = {"message": exc.message, "version": current.version, "rows": [
                (form.fields[f].label, *_conflict_values(f, getattr(current, f), mine.get(f)))
                for f in mine if getattr(current, f) != mine.get(f)]}
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            for w in warnings:
                messages.warning(request, w)
            messages.success(request, _("Student record saved."))
            return redirect("students:detail", pk=s2.pk)
    return render(request, "students/student_form.html", {"form": form, "title": _("Edit student record"),
                                                          "student": s, "conflict": conflict},
                  status=409 if conflict else 200)


@permission_required("students.view")
def student_place(request, pk):
    """Place a student into a class of their school (PL-4: the hard maximum refuses, the advised one warns)."""
    s = _student(request, pk)
    if not can(request.user, "students.edit", s):
        return render(request, "403.html", status=403)
    classes = selectors.classes_for_placement(request.user, s.school).filter(grade=s.grade)
    form = PlaceForm(request.POST or None, classes=classes,
                     initial={"version": s.version, "school_class": s.school_class_id})
    if request.method == "POST" and form.is_valid():
        try:
            _s, warnings = services.place_in_class(actor=request.user, student=s,
                                                   school_class=form.cleaned_data["school_class"],
                                                   version=form.cleaned_data["version"],
                                                   committee_opinion=form.cleaned_data["committee_opinion"])
        except DomainError as exc:
            form.add_error("school_class" if exc.code == "class_full" else None, str(exc.message))
        else:
            for w in warnings:
                messages.warning(request, w)
            messages.success(request, _("Class placement saved."))
            return redirect("students:detail", pk=s.pk)
    return render(request, "students/student_action.html", {"form": form, "s": s, "title": _("Place in a class")})


@permission_required("students.view")
def student_placement(request, pk):
    """A placement decision with the expert committee's opinion (PL-2)."""
    s = _student(request, pk)
    if not can(request.user, "students.edit", s):
        return render(request, "403.html", status=403)
    classes = selectors.classes_for_placement(request.user, s.school).filter(grade=s.grade)
    form = PlacementForm(request.POST or None, classes=classes,
                         initial={"version": s.version, "placement": s.placement, "school_class": s.school_class_id})
    if request.method == "POST" and form.is_valid():
        try:
            _s, warnings = services.change_placement(
                actor=request.user, student=s, placement=form.cleaned_data["placement"],
                committee_opinion=form.cleaned_data["committee_opinion"], version=form.cleaned_data["version"],
                school_class=form.cleaned_data["school_class"])
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            for w in warnings:
                messages.warning(request, w)
            messages.success(request, _("Placement decision recorded."))
            return redirect("students:detail", pk=s.pk)
    return render(request, "students/student_action.html", {"form": form, "s": s,
                                                            "title": _("Placement decision")})


def _post_action(request, pk, form_class, act, ok_message):
    s = _student(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            for e in errs:
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}：{e}" if label else e)
        return redirect("students:detail", pk=s.pk)
    try:
        act(s, form.cleaned_data)
    except DomainError as exc:
        for e in exc.errors or [{"message": exc.message}]:
            messages.error(request, str(e["message"]))
    else:
        messages.success(request, ok_message)
    return redirect("students:detail", pk=s.pk)


@require_POST
@permission_required("students.edit")
def student_deferral(request, pk):
    return _post_action(request, pk, DeferralForm,
                        lambda s, d: services.deferral_record(actor=request.user, student=s, **d),
                        _("Deferred enrolment recorded."))


@require_POST
@permission_required("students.edit")
def student_accommodation(request, pk):
    return _post_action(request, pk, AccommodationForm,
                        lambda s, d: services.accommodation_record(actor=request.user, student=s, **d),
                        _("Exam accommodation recorded."))


@require_POST
@permission_required("students.edit")
def student_leaving_propose(request, pk):
    s = _student(request, pk)
    try:
        services.leaving_propose(actor=request.user, student=s)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Leaving outcome proposed; the school confirms it."))
    return redirect("students:detail", pk=s.pk)


@require_POST
@permission_required("students.confirm_leaving")
def student_leaving_confirm(request, pk):
    s = _student(request, pk)
    record = LeavingRecord.objects.filter(student=s, outcome="").first()
    if record is None:
        messages.error(request, _("There is no proposed outcome to confirm."))
        return redirect("students:detail", pk=s.pk)
    return _post_action(request, pk, LeavingConfirmForm,
                        lambda s, d: services.leaving_confirm(actor=request.user, record=record, outcome=d["outcome"]),
                        _("Leaving outcome confirmed."))


class RolloverForm(forms.Form):
    start_year = forms.IntegerField(label=gettext_lazy("new school year starting in"), min_value=2000, max_value=2100)
    confirm = forms.BooleanField(label=gettext_lazy("I confirm: promote every active student of the schools in my "
                                                    "scope by one grade"))


@permission_required("students.rollover")
def rollover(request):
    """Start a new school year for the schools in scope (classes, promotion, leaving outcomes, 小升初 transfers)."""
    from suiban.org.models import SchoolYear
    from suiban.students.rollover import start_school_year

    current = SchoolYear.current()
    form = RolloverForm(request.POST or None,
                        initial={"start_year": (current.start_year + 1) if current else None})
    results = None
    if request.method == "POST" and form.is_valid():
        try:
            results = start_school_year(actor=request.user, start_year=form.cleaned_data["start_year"])
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The new school year has been started for %(n)d schools.")
                             % {"n": sum(1 for r in results.values() if not r["skipped"])})
    return render(request, "students/rollover.html", {"form": form, "results": results, "current": current})
