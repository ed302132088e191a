"""Roster API (API.md, PL-13): import template, import, export. Mounted before the students router so that
``/students/import…`` and ``/students/export.xlsx`` are never taken for ``/students/{student_id}``."""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile

from suiban.core.api_tools import require
from suiban.students.api import StudentFilter
from suiban.students.roster.columns import XLSX_CONTENT_TYPE
from suiban.students.roster.exports import build_export
from suiban.students.roster.imports import import_roster
from suiban.students.roster.template import build_template

router = Router(tags=["students"])

_XLSX_RESPONSE = {"responses": {200: {"description": "Excel workbook (.xlsx)", "content": {
    XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}}


class ImportIssue(Schema):
    row: int | None
    column: str | None
    field: str = ""
    code: str = ""
    message: str


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    rows: int
    warnings: list[ImportIssue] = []


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    resp["Content-Disposition"] = content_disposition_header(True, filename)
    resp["Cache-Control"] = "no-store"  # personal data: never kept by proxies or the browser cache
    return resp


@router.get("/students/import-template.xlsx", openapi_extra=_XLSX_RESPONSE)
def import_template(request):
    """The import template: Chinese headers in row 1, an instructions sheet with the allowed values, and the
    schools and classes the user may import into (PL-13)."""
    require(request, "students.import")
    return _xlsx(build_template(request.user), "学生导入模板.xlsx")


@router.post("/students/import", response=ImportOut)
def import_students(request, file: File[UploadedFile]):
    """Import students from the template (PL-13): `200 {"created", "updated"}` or `422` with
    `errors: [{"row", "column", "message"}]` and nothing written (SEC-5). Existing students (by national student
    number or identity number) are updated; the class cap applies (PL-4)."""
    require(request, "students.import")
    return import_roster(actor=request.user, upload=file).as_dict()


class ExportOptions(Schema):
    full_numbers: bool = False
    purpose: str = ""


@router.get("/students/export.xlsx", openapi_extra=_XLSX_RESPONSE)
def export_roster(request, filters: Query[StudentFilter], options: Query[ExportOptions]):
    """The roster (花名册) as .xlsx with the same filters as the list; in-school students unless `status` is
    given. Numbers masked for every role (privacy by default, SEC-4); `full_numbers=1&purpose=…` is the only
    full-number export (roles that may see full numbers; 422 without a purpose); audited (SEC-3)."""
    require(request, "students.export")
    data, _count = build_export(request.user, filters.to_filters(), full_numbers=options.full_numbers,
                                purpose=options.purpose)
    return _xlsx(data, f"随班就读学生花名册-{timezone.localdate():%Y%m%d}.xlsx")
