"""Archives: student archive (AR-1), school archive (AR-2), handover (AR-3); uploads (SEC-4, SEC-5).

Writes are service functions (ARCHITECTURE §1): checked against the actor's scope, validated with one
clear message per field, atomic and audited. Uploaded files are checked by their *content* (magic bytes,
and for .docx/.xlsx the package parts), never by the name or the browser's declared type alone, and by
size; they are stored through Django's storage API (the default storage: ``MEDIA_ROOT`` locally, an
S3-compatible bucket in production) under random names and are served only by the access-checked
download views in ``archive_views`` — ``MEDIA_URL`` is deliberately not routed (SEC-4).

The reads here (completeness per student / per school) are single aggregate queries, so the pages that
use them stay at a bounded number of queries whatever the number of students.
"""

import zipfile
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Avg, Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.errors import DomainError, NotFound, PermissionDenied
from suiban.core.scoping import can
from suiban.core.services import field_error as _err
from suiban.core.services import raise_errors, validate
from suiban.org.models import School, SchoolYear
from suiban.students.models import (
    ARCHIVE_ITEMS,
    SCHOOL_ARCHIVE_SECTIONS,
    ArchiveFile,
    Handover,
    SchoolArchiveFile,
    Student,
)

# Default upper bound of one uploaded file (SEC-5). Deployments may set SUIBAN_ARCHIVE_MAX_BYTES.
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ITEM_NUMBERS = tuple(n for n, _label in ARCHIVE_ITEMS)
SECTION_CODES = tuple(code for code, _label in SCHOOL_ARCHIVE_SECTIONS)


def max_upload_bytes() -> int:
    """The size limit of one archive file, read at call time so that settings overrides apply."""
    return int(getattr(settings, "SUIBAN_ARCHIVE_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


# --- content checks -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileKind:
    code: str
    content_type: str
    extensions: tuple[str, ...]


KINDS = {
    k.code: k
    for k in (
        FileKind("pdf", "application/pdf", ("pdf",)),
        FileKind("jpeg", "image/jpeg", ("jpg", "jpeg")),
        FileKind("png", "image/png", ("png",)),
        FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
        FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
        FileKind("mp4", "video/mp4", ("mp4",)),
    )
}
KIND_BY_EXTENSION = {ext: k for k in KINDS.values() for ext in k.extensions}
ALLOWED_EXTENSIONS = tuple(KIND_BY_EXTENSION)
# Parts an Office Open XML package must contain to be a Word document / an Excel workbook.
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def _fail(field, message, code="invalid"):
    raise DomainError(message, errors=[_err(field, message, code)])


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _ooxml_kind(fileobj) -> str | None:
    """'docx' / 'xlsx' when the zip is such a package (central directory only; nothing is decompressed)."""
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        fileobj.seek(0)
    if "[Content_Types].xml" not in names or any(n.lower().endswith("vbaproject.bin") for n in names):
        return None  # not an OOXML package, or one carrying macros
    for code, part in OOXML_MAIN_PART.items():
        if part in names:
            return code
    return None


def sniff(fileobj) -> str | None:
    """The kind of file the content shows (by its first bytes), or None."""
    fileobj.seek(0)
    head = fileobj.read(16)
    fileobj.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(fileobj)
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    return None


def check_upload(uploaded_file, field: str = "file") -> FileKind:
    """SEC-5: an upload is accepted only if present, non-empty, within the size limit, of an allowed type
    *by content*, and named with the extension of that type. Returns the detected kind."""
    if uploaded_file is None:
        _fail(field, _("Choose a file to upload."), "required")
    size = uploaded_file.size or 0
    if size <= 0:
        _fail(field, _("The file is empty."), "file_empty")
    limit = max_upload_bytes()
    if size > limit:
        _fail(field, _("The file is larger than %(max)s MB.") % {"max": size_in_mb(limit)}, "file_too_large")
    ext = _extension(uploaded_file.name or "")
    declared = KIND_BY_EXTENSION.get(ext)
    if declared is None:
        _fail(field, _("Only PDF, JPEG, PNG, Word (.docx), Excel (.xlsx) and MP4 files can be uploaded."),
              "file_type")
    found = sniff(uploaded_file)
    if found is None:
        _fail(field, _("The content of the file is not a valid %(type)s file.") % {"type": ext.upper()},
              "file_content")
    if found != declared.code:
        _fail(field, _("The content of the file does not match its extension .%(ext)s.") % {"ext": ext},
              "file_mismatch")
    return declared


def size_in_mb(n: int) -> str:
    """20971520 → "20"; small test limits keep their significant digits (4096 → "0.00391")."""
    return f"{n / (1024 * 1024):.3g}"


# --- permission ---------------------------------------------------------------------------------------------
def _require_edit(actor, obj):
    """archives.edit on ``obj`` (a Student or a School); outside the actor's scope → NotFound (never 403)."""
    if can(actor, "archives.edit", obj):
        return
    if can(actor, "archives.view", obj):
        raise PermissionDenied()
    raise NotFound()


def _store(obj, kind: FileKind, uploaded_file, *, actor, action: str, changes: dict):
    """Write the file through the storage API, then the row and its audit entry in one transaction.

    If anything after the write fails, the stored file is deleted, so a failed upload leaves neither a
    row nor a file behind (SEC-5). (Should an *outer* transaction of a caller roll back later, the file
    has no row pointing to it and is unreachable; the backup/cleanup job may remove such orphans.)"""
    obj.content_type = kind.content_type
    obj.size = uploaded_file.size
    obj.uploaded_by = actor
    validate(obj, exclude=["file", "uploaded_by"])
    content = uploaded_file if isinstance(uploaded_file, File) else File(uploaded_file)
    content.seek(0)
    # The stored name comes from archive_upload_to (random); only the checked extension is kept.
    obj.file.save(f"upload.{kind.extensions[0]}", content, save=False)
    stored_name = obj.file.name
    try:
        with transaction.atomic():
            obj.save()
            audit.record(actor, action, obj, changes={
                **changes, "content_type": [None, obj.content_type], "size": [None, obj.size]})
    except BaseException:
        obj.file.storage.delete(stored_name)
        obj.pk = None
        raise
    return obj


def _title(title, uploaded_file) -> str:
    title = (title or "").strip()
    if not title and uploaded_file is not None and getattr(uploaded_file, "name", ""):
        title = uploaded_file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0].strip()
    return title


def _check_title(title: str, errors: list):
    if not title:
        errors.append(_err("title", _("Enter a title for the file."), "required"))
    elif len(title) > 200:
        errors.append(_err("title", _("The title is at most 200 characters."), "max_length"))


def parse_item(value) -> int | None:
    """An AR-1 item from its number (1–10, int or digits) or its name (English or translated)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value in ITEM_NUMBERS else None
    text = str(value or "").strip()
    if text.isdigit():
        n = int(text)
        return n if n in ITEM_NUMBERS else None
    if not text:
        return None
    for n, label in ARCHIVE_ITEMS:
        if text == str(label):
            return n
    with translation.override("en"):
        for n, label in ARCHIVE_ITEMS:
            if text == str(label):
                return n
    return None


# --- uploads ------------------------------------------------------------------------------------------------
def _checked_upload(title: str, uploaded_file, errors: list) -> tuple[str, FileKind | None]:
    """The file's title (from the file name when left empty) and its checked kind; problems go to ``errors``."""
    title = _title(title, uploaded_file)
    _check_title(title, errors)
    try:
        return title, check_upload(uploaded_file)
    except DomainError as exc:
        errors.extend(exc.errors)
        return title, None


def archive_upload(*, actor, student: Student, item, title: str, uploaded_file) -> ArchiveFile:
    """Add a file to one of the ten items of a student's archive (AR-1)."""
    _require_edit(actor, student)
    errors = []
    number = parse_item(item)
    if number is None:
        errors.append(_err("item", _("Choose one of the ten archive items."), "invalid_choice"))
    title, kind = _checked_upload(title, uploaded_file, errors)
    raise_errors(errors)
    f = ArchiveFile(student=student, item=number, title=title)
    return _store(f, kind, uploaded_file, actor=actor, action="archives.file.uploaded",
                  changes={"student": [None, student.pk], "item": [None, number], "title": [None, title]})


def school_year_from(value) -> SchoolYear | None:
    if isinstance(value, SchoolYear):
        return value
    if value in (None, ""):
        return None
    try:
        start = int(value)
    except (TypeError, ValueError):
        return None
    return SchoolYear.objects.filter(start_year=start).first()


def school_archive_upload(*, actor, school: School, section: str, school_year, title: str,
                          uploaded_file) -> SchoolArchiveFile:
    """Add a document to a section of a school's inclusion archive for a school year (AR-2)."""
    _require_edit(actor, school)
    errors = []
    if section not in SECTION_CODES:
        errors.append(_err("section", _("Choose a section of the school archive."), "invalid_choice"))
    year = school_year_from(school_year)
    if year is None:
        errors.append(_err("school_year", _("Choose a school year."), "invalid_choice"))
    title, kind = _checked_upload(title, uploaded_file, errors)
    raise_errors(errors)
    f = SchoolArchiveFile(school=school, section=section, school_year=year, title=title)
    return _store(f, kind, uploaded_file, actor=actor, action="archives.file.uploaded",
                  changes={"school": [None, school.pk], "section": [None, section],
                           "school_year": [None, year.start_year], "title": [None, title]})


def download_recorded(*, actor, archive_file) -> None:
    """SEC-3/SEC-4: every download of an archive file is audited."""
    audit.record(actor, "archives.file.downloaded", archive_file,
                 changes={"content_type": archive_file.content_type, "size": archive_file.size})


def archive_viewed(*, actor, obj) -> None:
    """SEC-3: viewing a student's archive or a school's archive page (names of students) is audited."""
    audit.record(actor, f"archives.{obj._meta.model_name}.viewed", obj)


# --- handover (AR-3) --------------------------------------------------------------------------------------
def handover_record(*, actor, student: Student, reason: str, handed_over_on: date, items,
                    to_school: School | None = None, to_party: str = "", note: str = "") -> Handover:
    """Record that the archive was handed over (from, to, date, items) on graduation, promotion or transfer."""
    _require_edit(actor, student)
    errors = []
    if reason not in dict(Handover.REASONS):
        errors.append(_err("reason", _("Choose why the archive is handed over."), "invalid_choice"))
    to_party = (to_party or "").strip()
    if to_school is not None and to_school.pk == student.school_id:
        errors.append(_err("to_school", _("The archive cannot be handed over to the student's own school."),
                           "invalid"))
    if to_school is None and not to_party:
        errors.append(_err("to_party", _("Name the school or the person receiving the archive."), "required"))
    if len(to_party) > 100:
        errors.append(_err("to_party", _("The receiver is at most 100 characters."), "max_length"))
    if not isinstance(handed_over_on, date):
        errors.append(_err("handed_over_on", _("Enter the date of the handover."), "required"))
    elif handed_over_on > timezone.localdate():
        errors.append(_err("handed_over_on", _("The handover date cannot be in the future."), "invalid"))
    numbers, unknown = [], []
    for value in items or []:
        n = parse_item(value)
        (numbers if n is not None else unknown).append(n if n is not None else value)
    if unknown:
        errors.append(_err("items", _("Unknown archive item: %(item)s.") % {"item": unknown[0]}, "invalid_choice"))
    elif not numbers:
        errors.append(_err("items", _("Choose at least one archive item that is handed over."), "required"))
    raise_errors(errors)
    h = Handover(student=student, reason=reason, from_school_id=student.school_id, to_school=to_school,
                 to_party=to_party or to_school.name, handed_over_on=handed_over_on,
                 items=sorted(set(numbers)), note=(note or "").strip(), recorded_by=actor)
    with transaction.atomic():
        validate(h, exclude=["recorded_by"])
        h.save()
        audit.record(actor, "archives.handover.recorded", student, changes={
            "handover": [None, h.pk], "reason": [None, h.reason], "from_school": [None, h.from_school_id],
            "to_school": [None, h.to_school_id], "to_party": [None, h.to_party],
            "handed_over_on": [None, h.handed_over_on], "items": [None, h.items]})
    return h


# --- completeness (reads) -------------------------------------------------------------------------------
def items_done_subquery():
    """Number of distinct AR-1 items with at least one file, per student (correlated on the outer pk)."""
    per_student = (ArchiveFile.objects.filter(student_id=OuterRef("pk"), item__isnull=False)
                   .order_by().values("student_id").annotate(n=Count("item", distinct=True)).values("n"))
    return Coalesce(Subquery(per_student, output_field=IntegerField()), Value(0))


def students_with_completeness(user, school: School):
    """The students of ``school`` the user may see, each annotated ``items_done`` (0–10): ONE query (AR-1)."""
    return (Student.objects.visible_to(user, "archives.view").filter(school=school).select_related("school_class")
            .annotate(items_done=Count("archive_files__item", distinct=True))
            .order_by("grade", "name", "id"))


def schools_with_completeness(user, school_ids):
    """{school_id: {"students", "avg_done", "complete"}} over the students the user may see: ONE query."""
    total = len(ITEM_NUMBERS)
    rows = (Student.objects.visible_to(user, "archives.view").filter(school_id__in=list(school_ids))
            .annotate(items_done=items_done_subquery())
            .order_by().values("school_id")
            .annotate(students=Count("id"), avg_done=Avg("items_done"),
                      complete=Count("id", filter=Q(items_done__gte=total))))
    return {r["school_id"]: r for r in rows}


def sections_done(user, school_ids, school_year) -> dict[int, int]:
    """{school_id: number of AR-2 sections holding a document of ``school_year``}: ONE query."""
    if school_year is None:
        return {}
    rows = (SchoolArchiveFile.objects.visible_to(user).filter(school_id__in=list(school_ids),
                                                              school_year=school_year)
            .order_by().values("school_id").annotate(n=Count("section", distinct=True)))
    return {r["school_id"]: r["n"] for r in rows}
