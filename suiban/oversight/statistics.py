"""The yearly statistics a bureau reports upward (OV-2), in the categories of the education statistics returns
(教育事业统计): students in inclusion by disability category, grade and sex; by placement; home-delivered students;
resource rooms and resource teachers — one .xlsx, counted inside the caller's scope, so nobody counts by hand."""

import io

from django.apps import apps
from django.db.models import Count
from django.utils import timezone

from suiban.oversight.dashboard import PERM, Scope
from suiban.students.models import ACTIVE_STATUSES, CATEGORY_CHOICES, Student

CATEGORY_NAMES = {"visual": "视力残疾", "hearing": "听力残疾", "speech": "言语残疾", "physical": "肢体残疾",
                  "intellectual": "智力残疾", "mental": "精神残疾", "multiple": "多重残疾"}
# The placements of the national returns (PL-2: the first four are counted there).
PLACEMENTS = [("regular_class", "随班就读"), ("special_class", "附设特教班"), ("special_school", "特殊教育学校"),
              ("homebound", "送教上门")]
GRADE_NAMES = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三"]


def _text(value):
    """Cells that would start a formula are written as text (= + - @ tab CR)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _sheet(wb, title, header_rows, rows, widths):
    from openpyxl.styles import Alignment, Border, Font, Side

    ws = wb.create_sheet(title)
    thin = Side(style="thin")
    for r in header_rows + rows:
        ws.append([_text(v) for v in r])
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = w
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{len(header_rows)}"
    return ws


def workbook(user, scope: Scope) -> bytes:
    from openpyxl import Workbook

    students = scope.filter(Student.objects.visible_to(user, PERM)).filter(status__in=ACTIVE_STATUSES)
    title = f"{scope.name or '全部'} 特殊教育学生统计（{timezone.localdate():%Y-%m-%d}）"
    wb = Workbook()
    wb.remove(wb.active)
    inclusion = students.filter(placement__in=("regular_class", "special_class"))
    cells = {(c, g, f): n for c, g, f, n in inclusion.order_by().values_list("disability_category", "grade", "gender")
             .annotate(n=Count("id"))}
    rows = []
    for code, _label in CATEGORY_CHOICES:
        per_grade = [sum(n for (c, g, _f), n in cells.items() if c == code and g == grade) for grade in range(1, 10)]
        girls = sum(n for (c, _g, f), n in cells.items() if c == code and f == "female")
        rows.append([CATEGORY_NAMES[code], sum(per_grade), girls, *per_grade])
    totals = ["合计"] + [sum(r[i] for r in rows) for i in range(1, 12)]
    _sheet(wb, "随班就读学生", [[title], ["残疾类别", "合计", "其中：女", *GRADE_NAMES]], [*rows, totals],
           [14, 8, 10] + [8] * 9)
    by_place = {(p, f): n for p, f, n in students.order_by().values_list("placement", "gender").annotate(n=Count("id"))}
    place_rows = [[label, by_place.get((code, "male"), 0) + by_place.get((code, "female"), 0),
                   by_place.get((code, "female"), 0)] for code, label in PLACEMENTS]
    _sheet(wb, "按安置形式", [[title], ["安置形式", "在校生", "其中：女"]], place_rows, [18, 10, 10])
    homebound = students.filter(placement="homebound")
    hb = {c: n for c, n in homebound.order_by().values_list("disability_category").annotate(n=Count("id"))}
    _sheet(wb, "送教上门学生", [[title], ["残疾类别", "送教上门学生"]],
           [[CATEGORY_NAMES[c], hb.get(c, 0)] for c, _l in CATEGORY_CHOICES] + [["合计", sum(hb.values())]], [14, 14])
    _sheet(wb, "资源教室与资源教师", [[title], ["项目", "数量"]], _rooms_and_teachers(user, scope), [28, 10])
    for ws in wb.worksheets:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ws.max_column)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rooms_and_teachers(user, scope: Scope) -> list[list]:
    rows = []
    for label, name in (("资源教室（间）", "rooms.ResourceRoom"), ("资源教室（间）", "rooms.Room")):
        try:
            model = apps.get_model(*name.split("."))
        except LookupError:
            continue
        if hasattr(model.objects, "visible_to") and "region_path" in {f.name for f in model._meta.get_fields()}:
            rows.append([label, scope.filter(model.objects.visible_to(user, PERM)).count()])
            break
    from suiban.org.models import SchoolYear

    try:
        pool = apps.get_model("staff", "Pool")
        member = apps.get_model("staff", "PoolMember")
    except LookupError:
        return rows
    pools = scope.filter(pool.objects.visible_to(user, PERM)).filter(school_year=SchoolYear.current())
    teachers = member.objects.filter(pool__in=pools, kind__in=("fixed_resource", "excellent"))
    rows.append(["资源教师（人）", teachers.values("staff_id").distinct().count()])
    rows.append(["其中：专职资源教师（人）", teachers.filter(full_time=True).values("staff_id").distinct().count()])
    return rows
