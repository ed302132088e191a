"""Archive pages (AR-1..AR-3) and the only way to get an archive file back: an access-checked download (SEC-4).

Scope: every object is fetched with ``get_visible_or_404(…, "archives.view")`` — outside the user's scope the
answer is 404, never 403; in scope without ``archives.edit`` an upload or handover is 403. Uploaded files
live in the default storage and ``MEDIA_URL`` is not routed, so the download views below are the only path
to a file; each download is audited.
"""

import re
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from suiban.core import audit
from suiban.core.errors import DomainError, apply_to_form
from suiban.core.scoping import can, get_visible_or_404, has_perm
from suiban.core.views import permission_required
from suiban.org.models import School, SchoolYear
from suiban.students.archives import services as archives
from suiban.students.models import (
    ARCHIVE_ITEMS,
    SCHOOL_ARCHIVE_SECTIONS,
    ArchiveFile,
    Handover,
    SchoolArchiveFile,
    Student,
)

PAGE_SIZE = 50
ITEM_LABELS = dict(ARCHIVE_ITEMS)


# --- upload size limit while the request is read ---------------------------------------------------------
class ArchiveSizeLimitHandler(FileUploadHandler):
    """Stops keeping an uploaded file as soon as it passes the size limit (SEC-5): without it a huge upload
    would be written to a temporary file in full before the service could refuse it. The file is dropped
    from ``request.FILES`` and the view reports it as too large."""

    def __init__(self, request=None, limit=None):
        super().__init__(request)
        self.limit = limit if limit is not None else archives.max_upload_bytes()
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request._archive_upload_too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


def size_limited_upload(view):
    """Install the size-limit handler before the body is parsed. The CSRF middleware would parse the body
    first, so the view is CSRF-exempt at the middleware and CSRF-protected right after the handler is in
    place (the pattern Django documents for custom upload handlers)."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            request.upload_handlers.insert(0, ArchiveSizeLimitHandler(request))
        return protected(request, *args, **kwargs)

    return wrapped


def _uploaded(request):
    """The posted file, or a DomainError when the size-limit handler dropped it."""
    if getattr(request, "_archive_upload_too_large", False):
        limit = archives.size_in_mb(archives.max_upload_bytes())
        message = _("The file is larger than %(max)s MB.") % {"max": limit}
        raise DomainError(message, errors=[{"field": "file", "code": "file_too_large", "message": message}])
    return request.FILES.get("file")


# --- forms ---------------------------------------------------------------------------------------------------
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ArchiveUploadForm(forms.Form):
    """Parses the upload; the service validates every field (one place for the rules and messages)."""

    item = forms.CharField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=gettext_lazy("title"), required=False)
    file = forms.FileField(label=gettext_lazy("file"), required=False, allow_empty_file=True)


class SchoolArchiveUploadForm(forms.Form):
    section = forms.CharField(required=False, widget=forms.HiddenInput)
    school_year = forms.CharField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=gettext_lazy("title"), required=False)
    file = forms.FileField(label=gettext_lazy("file"), required=False, allow_empty_file=True)


class HandoverForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("reason"), choices=Handover.REASONS)
    to_school = forms.ModelChoiceField(label=gettext_lazy("receiving school"), queryset=School.objects.none(),
                                       required=False)
    to_party = forms.CharField(label=gettext_lazy("received by"), max_length=100, required=False,
                               help_text=gettext_lazy("Person or body receiving the archive; required when no "
                                                      "school is chosen."))
    handed_over_on = forms.DateField(label=pgettext_lazy("handover", "date"), widget=DATE)
    items = forms.TypedMultipleChoiceField(label=gettext_lazy("items handed over"), choices=ARCHIVE_ITEMS,
                                           coerce=int, required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=gettext_lazy("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, student: Student, **kwargs):
        super().__init__(*args, **kwargs)
        # Receiving schools: the active schools of the student's district. Not limited to the user's scope on
        # purpose — a school hands the archive to a school it cannot see (only names are listed). A receiver
        # elsewhere is named in ``to_party``.
        self.fields["to_school"].queryset = (School.objects.filter(region_id=student.school.region_id,
                                                                   is_active=True)
                                             .exclude(pk=student.school_id).order_by("code"))
        for field in self.fields.values():
            w = field.widget
            if isinstance(w, forms.CheckboxSelectMultiple):
                w.attrs["class"] = "form-check-input"
            elif isinstance(w, forms.Select):
                w.attrs["class"] = "form-select form-select-sm"
            else:
                w.attrs["class"] = "form-control form-control-sm"


# --- helpers -------------------------------------------------------------------------------------------------
def _forbidden(request):
    return render(request, "403.html", status=403)


def _student(request, pk):
    return get_visible_or_404(Student.objects.select_related("school__region", "school_class"), request.user, pk,
                              "archives.view")


def _school(request, pk):
    return get_visible_or_404(School.objects.select_related("region"), request.user, pk, "archives.view")


def _year_from(value) -> SchoolYear | None:
    year = None
    if value and str(value).isdigit():
        year = SchoolYear.objects.filter(start_year=int(value)).first()
    return year or SchoolYear.current() or SchoolYear.objects.first()


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def _download_name(f) -> str:
    ext = f.file.name.rsplit(".", 1)[-1] if "." in f.file.name else "bin"
    stem = _UNSAFE.sub("_", f.title).strip(" ._") or "file"
    return f"{stem[:120]}.{ext}"


def _serve(request, f):
    """FileResponse as an attachment with the recorded type, never sniffed, never cached (SEC-4)."""
    try:
        handle = f.file.storage.open(f.file.name, "rb")
    except OSError as exc:
        audit.record(request.user, "archives.file.downloaded", f, result="failure",
                     changes={"error": "missing from storage"})
        raise Http404 from exc
    archives.download_recorded(actor=request.user, archive_file=f)
    resp = FileResponse(handle, as_attachment=True, filename=_download_name(f), content_type=f.content_type)
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, no-store"
    resp["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


# --- downloads -------------------------------------------------------------------------------------------------
@permission_required("archives.view")
def file_download(request, pk):
    f = get_visible_or_404(ArchiveFile.objects.select_related("student"), request.user, pk, "archives.view")
    return _serve(request, f)


@permission_required("archives.view")
def school_file_download(request, pk):
    f = get_visible_or_404(SchoolArchiveFile.objects.select_related("school"), request.user, pk, "archives.view")
    return _serve(request, f)


# --- overview ----------------------------------------------------------------------------------------------------
@permission_required("archives.view")
def school_list(request):
    """Schools in scope with their students' archive completeness (AR-1) and this year's AR-2 sections.

    Bounded queries: the page of schools, one aggregate over the page's students, one over its documents."""
    schools = (School.objects.visible_to(request.user, "archives.view").select_related("region")
               .order_by("region_path", "code"))
    page = Paginator(schools, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [s.pk for s in page]
    year = _year_from(request.GET.get("year"))
    stats = archives.schools_with_completeness(request.user, ids)
    sections = archives.sections_done(request.user, ids, year)
    rows = []
    for s in page:
        st = stats.get(s.pk) or {"students": 0, "avg_done": None, "complete": 0}
        rows.append({"school": s, "students": st["students"], "avg_done": st["avg_done"],
                     "complete": st["complete"], "sections": sections.get(s.pk, 0)})
    return render(request, "students/archive_school_list.html", {
        "page": page, "rows": rows, "year": year, "item_total": len(ARCHIVE_ITEMS),
        "section_total": len(SCHOOL_ARCHIVE_SECTIONS),
    })


# --- school archive (AR-2) -----------------------------------------------------------------------------------
def _school_page(request, school, year, *, upload_form=None, upload_section=None):
    files = (SchoolArchiveFile.objects.visible_to(request.user).filter(school=school, school_year=year)
             .select_related("uploaded_by")) if year else SchoolArchiveFile.objects.none()
    by_section = {code: [] for code, _label in SCHOOL_ARCHIVE_SECTIONS}
    for f in files:
        by_section.setdefault(f.section, []).append(f)
    sections = [{"code": code, "label": label, "files": by_section[code]} for code, label in SCHOOL_ARCHIVE_SECTIONS]
    students = list(archives.students_with_completeness(request.user, school))
    total = len(ARCHIVE_ITEMS)
    archives.archive_viewed(actor=request.user, obj=school)
    return render(request, "students/archive_school.html", {
        "school": school, "year": year, "years": SchoolYear.objects.all(), "sections": sections,
        "sections_done": sum(1 for s in sections if s["files"]), "section_total": len(sections),
        "students": students, "item_total": total,
        "complete": sum(1 for s in students if s.items_done >= total),
        "can_edit": can(request.user, "archives.edit", school),
        "can_view_students": has_perm(request.user, "students.view"),
        "upload_form": upload_form, "upload_section": upload_section,
        "max_mb": archives.size_in_mb(archives.max_upload_bytes()),
        "accept": ",".join(f".{e}" for e in archives.ALLOWED_EXTENSIONS),
    })


@permission_required("archives.view")
def school_archive(request, school_id):
    school = _school(request, school_id)
    return _school_page(request, school, _year_from(request.GET.get("year")))


@require_POST
@size_limited_upload
@permission_required("archives.view")
def school_upload(request, school_id):
    school = _school(request, school_id)
    if not can(request.user, "archives.edit", school):
        return _forbidden(request)
    form = SchoolArchiveUploadForm(request.POST, request.FILES)
    form.is_valid()
    data = form.cleaned_data
    try:
        f = archives.school_archive_upload(actor=request.user, school=school, section=data.get("section", ""),
                                           school_year=data.get("school_year"), title=data.get("title", ""),
                                           uploaded_file=_uploaded(request))
    except DomainError as exc:
        apply_to_form(form, exc)
        year = archives.school_year_from(data.get("school_year")) or _year_from(None)
        return _school_page(request, school, year, upload_form=form, upload_section=data.get("section"))
    messages.success(request, _("File uploaded: %(title)s") % {"title": f.title})
    url = reverse("archives:school", args=[school.pk])
    return redirect(f"{url}?year={f.school_year.start_year}#section-{f.section}")


# --- student archive (AR-1, AR-3) ----------------------------------------------------------------------------
def _student_page(request, s, *, upload_form=None, upload_item=None, handover_form=None):
    files = (ArchiveFile.objects.visible_to(request.user).filter(student=s).select_related("uploaded_by")
             .order_by("item", "-uploaded_at", "-id"))
    by_item = {n: [] for n, _label in ARCHIVE_ITEMS}
    other = []
    for f in files:
        (by_item[f.item] if f.item in by_item else other).append(f)
    items = [{"n": n, "label": label, "files": by_item[n]} for n, label in ARCHIVE_ITEMS]
    can_edit = can(request.user, "archives.edit", s)
    handovers = list(s.handovers.select_related("from_school", "to_school", "recorded_by")
                     .order_by("-handed_over_on", "-id"))
    for h in handovers:
        h.item_labels = [f"{n}. {ITEM_LABELS[n]}" for n in h.items if n in ITEM_LABELS]
    if handover_form is None and can_edit:
        handover_form = HandoverForm(student=s, initial={"items": [n for n in by_item if by_item[n]]})
    archives.archive_viewed(actor=request.user, obj=s)
    return render(request, "students/archive_student.html", {
        "s": s, "items": items, "other_files": other, "done": sum(1 for i in items if i["files"]),
        "total": len(items), "can_edit": can_edit, "handovers": handovers, "handover_form": handover_form,
        "upload_form": upload_form, "upload_item": upload_item,
        "can_view_record": has_perm(request.user, "students.view"),
        "can_view_school": can(request.user, "archives.view", s.school),
        "max_mb": archives.size_in_mb(archives.max_upload_bytes()),
        "accept": ",".join(f".{e}" for e in archives.ALLOWED_EXTENSIONS),
    })


@permission_required("archives.view")
def student_archive(request, student_id):
    return _student_page(request, _student(request, student_id))


@require_POST
@size_limited_upload
@permission_required("archives.view")
def student_upload(request, student_id):
    s = _student(request, student_id)
    if not can(request.user, "archives.edit", s):
        return _forbidden(request)
    form = ArchiveUploadForm(request.POST, request.FILES)
    form.is_valid()
    data = form.cleaned_data
    try:
        f = archives.archive_upload(actor=request.user, student=s, item=data.get("item"),
                                    title=data.get("title", ""), uploaded_file=_uploaded(request))
    except DomainError as exc:
        apply_to_form(form, exc)
        return _student_page(request, s, upload_form=form, upload_item=archives.parse_item(data.get("item")))
    messages.success(request, _("File uploaded: %(title)s") % {"title": f.title})
    return redirect(f"{reverse('archives:student', args=[s.pk])}#item-{f.item}")


@require_POST
@permission_required("archives.view")
def student_handover(request, student_id):
    s = _student(request, student_id)
    if not can(request.user, "archives.edit", s):
        return _forbidden(request)
    form = HandoverForm(request.POST, student=s)
    if form.is_valid():
        d = form.cleaned_data
        try:
            archives.handover_record(actor=request.user, student=s, reason=d["reason"], to_school=d["to_school"],
                                     to_party=d["to_party"], handed_over_on=d["handed_over_on"], items=d["items"],
                                     note=d["note"])
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, _("Handover recorded."))
            return redirect(f"{reverse('archives:student', args=[s.pk])}#handovers")
    return _student_page(request, s, handover_form=form)
