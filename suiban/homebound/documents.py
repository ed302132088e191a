"""Documents of home-delivered education: the visit record in the layout of HC 附件5 (送教上门工作记录表: time and
place, the student, the teachers, 送教小记) — one visit or a term's visits, one page each (HB-6) — and the
teachers' workload sheet (HB-7)."""

import io

from django.utils.translation import gettext as _

from suiban.core.xlsx import a4_landscape
from suiban.homebound.models import MISS_REASONS, Enrolment, Visit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WEEKDAYS = "一二三四五六日"


def _district_title(school) -> str:
    region = school.region
    parent = region.parent.name if region.parent_id else ""
    return f"{parent}{region.name}送教上门工作记录表"


def _when(v: Visit) -> str:
    text = f"{v.date.year}年{v.date.month}月{v.date.day}日（星期{WEEKDAYS[v.date.weekday()]}）"
    if v.start_time and v.end_time:
        text += f" {v.start_time:%H:%M}—{v.end_time:%H:%M}（{v.hours:g}课时）"
    return text


def _notes(v: Visit) -> str:
    lines = []
    mode = "上门" if v.mode == Visit.ONSITE else "远程"
    lines.append(f"形式：{mode}，{'线上' if v.online else '线下'}" + ("；开展家长培训" if v.guardian_training else ""))
    if v.status != Visit.DELIVERED:
        reason = dict(MISS_REASONS).get(v.reason, "")
        status = "未送教" if v.status == Visit.MISSED else "取消"
        lines.append(f"{status}：{reason}；{'已' if v.family_informed else '未'}告知家长"
                     + (f"；补送教安排在{v.makeup_date:%Y-%m-%d}" if v.makeup_date else ""))
    if v.notes:
        lines.append(v.notes)
    corrections = list(v.corrections.all())
    for c in corrections:
        lines.append(f"更正{c.number}（{c.corrected_at:%Y-%m-%d}）：{c.reason}")
    return "\n".join(lines)


def _set_cell(cell, text, bold=False, size=11):
    from docx.shared import Pt

    cell.text = ""
    p = cell.paragraphs[0]
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def _page(doc, v: Visit):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(_district_title(v.school))
    run.bold = True
    run.font.size = Pt(16)
    table = doc.add_table(rows=3, cols=4)
    table.style = "Table Grid"
    widths = (Cm(2.6), Cm(6.2), Cm(2.6), Cm(5.0))
    for row in table.rows:
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = w
    r0, r1, r2 = table.rows
    _set_cell(r0.cells[0], "时间", bold=True)
    _set_cell(r0.cells[1], _when(v))
    _set_cell(r0.cells[2], "地点", bold=True)
    _set_cell(r0.cells[3], v.place)
    _set_cell(r1.cells[0], "送教对象", bold=True)
    _set_cell(r1.cells[1], f"{v.student.name}（{v.school.name}）")
    _set_cell(r1.cells[2], "送教教师", bold=True)
    teachers = [t.staff.name + ("" if t.confirmed_at else "") for t in v.visit_teachers.all()]
    _set_cell(r1.cells[3], "、".join(teachers))
    _set_cell(r2.cells[0], "送教小记", bold=True)
    merged = r2.cells[1].merge(r2.cells[3])
    _set_cell(merged, _notes(v))
    r2.height = Cm(14)
    sign = doc.add_paragraph()
    sign.add_run("送教教师签名：" + "　" * 12 + "家长签名：" + "　" * 10)


def visit_records(visits: list[Visit], name: str | None = None) -> tuple[bytes, str]:
    """One 附件5 page per visit (A4 portrait)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2)
    for i, v in enumerate(visits):
        if i:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _page(doc, v)
    if not visits:
        doc.add_paragraph(_("No visits recorded in this term."))
    buf = io.BytesIO()
    doc.save(buf)
    if name is None:
        v = visits[0]
        name = f"送教上门工作记录表-{v.student.name}-{v.date:%Y%m%d}.docx"
    return buf.getvalue(), name


def term_records(user, e: Enrolment, term_number: int | None) -> tuple[bytes, str]:
    from suiban.homebound.api import _visits
    from suiban.org.calendar import local_term
    from suiban.org.models import Term

    terms = [local_term(t, e.school) for t in Term.objects.filter(school_year=e.school_year).order_by("number")]
    from django.utils import timezone

    today = timezone.localdate()
    if term_number is None:
        term = next((t for t in terms if t.start_date <= today <= t.end_date), terms[0] if terms else None)
    else:
        term = next((t for t in terms if t.number == term_number), None)
    qs = _visits(user).filter(enrolment=e).select_related("school__region__parent").order_by("date", "id")
    if term is not None:
        qs = qs.filter(date__gte=term.start_date, date__lte=term.end_date)
    label = f"{e.school_year.name}-{term.number}" if term else e.school_year.name
    return visit_records(list(qs), f"送教上门工作记录表-{e.student.name}-{label}.docx")


def _text(value):
    """Exported cells that start with = + - @ tab CR are written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def workload_xlsx(rows: list[dict], school_year) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    months = sorted({m for r in rows for m in r["months"]})
    wb = Workbook()
    ws = wb.active
    ws.title = "送教工作量"
    ws.append([f"送教上门教师工作量（{school_year.name}学年）"])
    ws["A1"].font = Font(bold=True, size=14)
    header = ["教师", "学校", "送教次数", "送教课时", "第一学期次数", "第一学期课时", "第二学期次数", "第二学期课时"]
    for m in months:
        header += [f"{m}次数", f"{m}课时"]
    ws.append(header)
    for c in ws[2]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, horizontal="center")
    for r in rows:
        s = r["staff"]
        line = [_text(s.name), _text(s.school.name if s.school_id else ""), r["visits"], float(r["hours"]),
                r["terms"][1]["visits"], float(r["terms"][1]["hours"]), r["terms"][2]["visits"],
                float(r["terms"][2]["hours"])]
        for m in months:
            item = r["months"].get(m, {"visits": 0, "hours": 0})
            line += [item["visits"], float(item["hours"])]
        ws.append(line)
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 24
    a4_landscape(ws, "2:2")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
