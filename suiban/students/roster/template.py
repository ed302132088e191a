"""The roster import template (PL-13): Chinese headers, drop-downs and instructions."""

import io

from django.utils.translation import gettext as _

from suiban.org.models import School, SchoolClass, SchoolYear
from suiban.students.roster.columns import CN_DIGITS, COLUMNS, DGRADE_LABELS, MAX_BYTES, MAX_ROWS


# --- import template -----------------------------------------------------------------------------
def _notes() -> dict:
    return {
        "name": _("The student's full name (at most 50 characters)."),
        "gender": _("Must agree with the 17th digit of the identity number."),
        "birth_date": _("YYYY-MM-DD; must agree with the identity number."),
        "id_number": _("18 characters (GB 11643) with a valid check digit; enter as text."),
        "student_number": _("19 characters: G + identity number, or J/L + 18 digits. Existing students are "
                            "matched by this number (or by identity number) and updated."),
        "hukou_region_code": _("6-digit administrative division code (GB/T 2260) of the household registration."),
        "school": _("10-digit school code; the school must be inside your scope (see the schools sheet)."),
        "school_class": _("Class name of the current school year, e.g. 三年级（1）班; at most the policy's hard "
                          "maximum of students in inclusion per class (PL-4)."),
        "grade": _("1–9; must be taught by the school and match the class."),
        "disability_category": _("GB/T 26341-2010 category."),
        "disability_grade": _("一级 is the most severe; needed with a certificate number."),
        "certificate_number": _("Identity number + category digit + grade digit, optionally B + a digit."),
        "certificate_issued_on": _("YYYY-MM-DD."),
        "certified_by": _("Who certified the disability."),
        "placement": _("Empty for a new student means 随班就读; changing it on an existing student needs the "
                       "expert committee's opinion."),
        "status": _("Empty for a new student means 在校."),
        "enrolled_on": _("YYYY-MM-DD."),
        "guardian_name": _("One guardian per row; replaces the stored guardian of the same name (or the first)."),
        "guardian_relation": _("For example 母亲, 父亲, 祖母."),
        "guardian_phone": _("Digits, spaces, + and - only."),
        "committee_opinion": _("The expert committee's opinion recorded with the placement."),
    }


def build_template(actor) -> bytes:
    """The import template: headers in row 1, instructions and allowed values, the schools and classes in scope."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from suiban.core.xlsx import safe_row

    notes = _notes()
    wb = Workbook()
    ws = wb.active
    ws.title = _("Students")[:31]
    bold, red = Font(bold=True), Font(bold=True, color="C00000")
    fill = PatternFill("solid", fgColor="DDEBF7")
    last = MAX_ROWS + 1
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font, cell.fill = (red if col.required else bold), fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.comment = Comment(notes[col.key], "Suiban")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        if col.kind == "id":
            ws.column_dimensions[letter].number_format = "@"
        elif col.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        values = None
        if col.kind == "dgrade":
            values = list(DGRADE_LABELS.values())
        elif col.kind == "grade":
            values = [f"{d}年级" for d in CN_DIGITS]
        elif col.labels:
            values = list(col.labels.values())
        if values:
            dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                                showErrorMessage=True, errorStyle="warning")
            dv.error = _("Choose one of: %(values)s.") % {"values": col.allowed()}
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"

    info = wb.create_sheet(_("Instructions")[:31])
    general = [
        _("Fill in one student per row from row 2 of the first sheet; keep the headers of row 1."),
        _("Red headers are required for a new student. Existing students are matched by national student number "
          "(or identity number) and updated; an empty cell keeps the stored value."),
        _("Every row is checked first: if any row is invalid nothing is imported and each problem is listed with "
          "its row number, column and reason."),
        _("At most %(rows)d rows and %(mb)d MB per file; .xlsx only.") % {"rows": MAX_ROWS,
                                                                          "mb": MAX_BYTES // (1024 * 1024)},
    ]
    info.append([_("Import template of the student roster ")])
    info["A1"].font = Font(bold=True, size=14)
    for line in general:
        info.append([line])
    info.append([])
    info.append([_("Column"), _("Required"), _("Allowed values"), _("Description")])
    for c in info[info.max_row]:
        c.font, c.fill = bold, fill
    for col in COLUMNS:
        info.append([col.header, _("Yes") if col.required else "", col.allowed(), notes[col.key]])
    for letter, width in zip("ABCD", (16, 8, 48, 90), strict=True):
        info.column_dimensions[letter].width = width

    ref = wb.create_sheet(_("Schools and classes")[:31])
    ref.append(["学校标识码", "学校", "班级", "年级", "学年"])
    for c in ref[1]:
        c.font, c.fill = bold, fill
    schools = list(School.objects.visible_to(actor, "students.import").filter(is_active=True).order_by("code"))
    year = SchoolYear.current()
    classes = {}
    if year:
        for sc in SchoolClass.objects.filter(school__in=schools, school_year=year).order_by("grade", "name"):
            classes.setdefault(sc.school_id, []).append(sc)
    for s in schools:
        for sc in classes.get(s.pk, []) or [None]:
            ref.append(safe_row([s.code, s.name, sc.name if sc else "", sc.grade if sc else "",
                                 year.name if year else ""]))
    for letter, width in zip("ABCDE", (14, 30, 16, 8, 12), strict=True):
        ref.column_dimensions[letter].width = width
    ref.freeze_panes = "A2"

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
