"""The roster export (花名册, PL-13): the official layout with masked numbers (privacy by default, SEC-4); the
full numbers only with a stated purpose, audited. Every text cell goes through ``core.xlsx.safe_cell`` (no
formula injection, no control characters: SEC-5). A4 landscape, fitted to the page width, header rows
repeated on every printed page."""

import io

from django.db.models import F
from django.utils import timezone

from suiban.core import audit
from suiban.core.errors import PermissionDenied
from suiban.core.grades import grade_label
from suiban.core.scoping import grants_for, has_perm
from suiban.core.xlsx import a4_landscape, safe_cell
from suiban.org.models import Region, School
from suiban.students import selectors
from suiban.students.roster.columns import (
    CATEGORY_LABELS,
    DGRADE_LABELS,
    GENDER_LABELS,
    PLACEMENT_LABELS,
    STATUS_LABELS,
)
from suiban.students.roster.imports import _AuditScope

# --- export --------------------------------------------------------------------------------------
EXPORT_HEADERS = [("序号", 6), ("姓名", 10), ("性别", 6), ("出生日期", 12), ("身份证号", 21), ("全国学籍号", 22),
                  ("学校", 26), ("班级", 14), ("年级", 6), ("残疾类别", 9), ("残疾等级", 9), ("残疾人证号", 25),
                  ("安置方式", 13), ("学籍状态", 9), ("监护人", 24), ("联系电话", 30)]
CJK_FONT = "宋体"


def _scope_name(actor, filters: dict) -> tuple[str, _AuditScope]:
    """'海沧区沧江小学' for a school filter, else the region or school of the user's export grants."""
    if filters.get("school"):
        s = School.objects.filter(pk=int(filters["school"])).first()
        if s is not None:
            return s.name, _AuditScope.of([s])
    if filters.get("region"):
        r = Region.objects.visible_to(actor).filter(pk=int(filters["region"])).first()
        if r is not None:
            return r.name, _AuditScope(r.path, None)
    grants = grants_for(actor, "students.export")
    names, scopes = [], []
    for g in grants:
        if g.kind == "region":
            r = Region.objects.filter(pk=g.region_id).first()
            names.append(r.name if r else "")
            scopes.append(_AuditScope(g.region_path, None))
        elif g.school_id:
            s = School.objects.filter(pk=g.school_id).first()
            names.append(s.name if s else "")
            scopes.append(_AuditScope(g.region_path, g.school_id))
    if len(scopes) == 1:
        return names[0], scopes[0]
    return "、".join(n for n in names if n), _AuditScope("", None)


def export_queryset(actor, filters: dict, *, full_numbers: bool = False):
    qs = selectors.roster(actor, filters, perm="students.export")
    deferred = ("family_situation", "medical_notes") + (() if full_numbers else qs.model.NUMBER_FIELDS)
    return (qs.select_related("school", "school_class").prefetch_related("guardians").defer(*deferred)
            .order_by("school__code", "grade", F("school_class__name").asc(nulls_last=True),
                      selectors.pinyin("name"), "id"))


def build_export(actor, filters: dict, *, full_numbers: bool = False, purpose: str = "") -> tuple[bytes, int]:
    """The 花名册 (PL-13): title row, header row, one row per student. Only in-school students unless a status
    is asked (the title says which). Identity, student and certificate numbers masked for every role; with
    ``full_numbers`` (a purpose required, 422 without; roles with students.view_identity, 403 otherwise) the
    full numbers of the students the role may see in full. Audited with the filters, the row count and the
    purpose (SEC-3)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from suiban.students.api import identity_checker, student_out
    from suiban.students.services import check_purpose

    filters = {k: v for k, v in filters.items() if v not in (None, "")}
    filters.setdefault("status", "active")  # the title promises the students in school
    if full_numbers:
        purpose = check_purpose(purpose)
        if not has_perm(actor, "students.view_identity"):
            raise PermissionDenied()
    scope_name, scope = _scope_name(actor, filters)
    ok = identity_checker(actor) if full_numbers else (lambda s: False)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    for i, (_h, width) in enumerate(EXPORT_HEADERS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    # A4 landscape, all columns on the page width, as many pages down as needed (documents rule).
    a4_landscape(ws)
    ws.print_options.horizontalCentered = True
    ncols = len(EXPORT_HEADERS)
    ws.merged_cells.add(f"A1:{get_column_letter(ncols - 3)}1")
    ws.merged_cells.add(f"{get_column_letter(ncols - 2)}1:{get_column_letter(ncols)}1")

    # Named styles: assigning one per cell is cheap; assigning fonts/borders per cell hashes them every time.
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for ns in (NamedStyle("roster_title", font=Font(name=CJK_FONT, size=14, bold=True),
                          alignment=Alignment(vertical="center")),
               NamedStyle("roster_note", font=Font(name=CJK_FONT, size=10), alignment=Alignment(horizontal="right")),
               NamedStyle("roster_head", font=Font(name=CJK_FONT, size=10, bold=True), border=box,
                          fill=PatternFill("solid", fgColor="DDEBF7"),
                          alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
               NamedStyle("roster_body", font=Font(name=CJK_FONT, size=10), border=box),
               NamedStyle("roster_date", font=Font(name=CJK_FONT, size=10), border=box, number_format="yyyy-mm-dd")):
        wb.add_named_style(ns)

    def cell(value, style="roster_body"):
        c = WriteOnlyCell(ws, value=safe_cell(value))
        c.style = style
        return c

    status = filters["status"]
    title = f"{scope_name} 随班就读学生花名册".strip()
    if status != "active":
        title += f"（{STATUS_LABELS.get(status, status)}）"
    ws.append([cell(title, "roster_title")] + [None] * (ncols - 4)
              + [cell(f"导出日期：{timezone.localdate():%Y-%m-%d}", "roster_note")])
    ws.append([cell(h, "roster_head") for h, _w in EXPORT_HEADERS])
    count = 0
    for s in export_queryset(actor, filters, full_numbers=full_numbers).iterator(chunk_size=1000):
        o = student_out(s, False)
        if full_numbers and ok(s):
            o.update(id_number=s.id_number, student_number=s.student_number, certificate_number=s.certificate_number)
        guardians = list(s.guardians.all())
        count += 1
        ws.append([cell(v) if i != 3 else cell(v, "roster_date") for i, v in enumerate((
            count, s.name, GENDER_LABELS.get(s.gender, s.gender), s.birth_date, o["id_number"], o["student_number"],
            s.school.name, o["class_name"] or "", grade_label(s.grade, language="zh-hans"),
            CATEGORY_LABELS.get(s.disability_category, s.disability_category),
            DGRADE_LABELS.get(s.disability_grade, ""), o["certificate_number"],
            PLACEMENT_LABELS.get(s.placement, s.placement), STATUS_LABELS.get(s.status, s.status),
            "；".join(f"{g.name}（{g.relation}）" for g in guardians),
            "；".join(g.phone for g in guardians if g.phone)))])
    changes = {"filters": filters, "count": count}
    if full_numbers:
        changes.update(full_numbers=True, purpose=purpose)
    audit.record(actor, "students.roster_numbers.revealed" if full_numbers else "students.roster.exported", scope,
                 object_type="student", object_id="", object_repr="roster export", changes=changes)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), count
