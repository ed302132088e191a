"""The assessment's documents in the layouts of HC's attachments (RR-4, RR-8):

* 附件2 《普通学校特殊教育资源教室自评报告》 — the school's self-assessment report (.docx);
* 附件3 《资源教室考核评分表》 — the score sheet: A/B/C levels, points, the school's self-score beside the panel's
  score, deduction items and reasons, the signature lines 组长 / 成员 / 校长 / 时间 and "一式两份" (.xlsx, A4
  landscape, fit to width, header rows repeated on every page);
* 附件4 《资源教室评估总结报告》 — the panel's summary report (.docx).

``gather`` reads the assessment once; the renderers and the print view only lay it out. The headings are the
official forms' own wording (these are the attachments' fixed texts, not interface labels)."""

import io
from decimal import Decimal

from django.utils import timezone

from suiban.core.xlsx import a4_landscape
from suiban.rooms import rubric as rb
from suiban.rooms.models import Assessment

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GRADE_WORDS = {"exemplary": "示范校", "qualified": "达标校", "unqualified": "未达标校"}
UNSAFE_START = ("=", "+", "-", "@", "\t", "\r")


def _num(v) -> str:
    if v is None:
        return ""
    d = Decimal(v)
    return f"{d:f}".rstrip("0").rstrip(".") if "." in f"{d:f}" else f"{d:f}"


def gather(a: Assessment) -> dict:
    """Everything the three documents and the print view show, in one dict."""
    rnd = a.round
    lines = rb.lines(rnd.rubric)
    items = {it.code: it for it in a.items.all()}
    areas = []
    for ln in lines:
        it = items.get(ln.code)
        if not areas or areas[-1]["code"] != ln.area_code:
            areas.append({"code": ln.area_code, "name": ln.area_name, "points": _num(ln.area_points),
                          "numeral": rb.A_LEVEL_NUMERALS.get(ln.area_code, ""), "indicators": []})
        inds = areas[-1]["indicators"]
        if not inds or inds[-1]["code"] != ln.indicator_code:
            inds.append({"code": ln.indicator_code, "name": ln.indicator_name, "points": _num(ln.indicator_points),
                         "lines": []})
        criteria = "；".join(f"{t}（{_num(p)}分）" for t, p in ln.criteria)
        inds[-1]["lines"].append({
            "code": ln.code, "text": ln.text + (f"：{criteria}" if criteria else ""), "points": _num(ln.points),
            "methods": "、".join(ln.methods), "source": ln.source,
            "proposed": _num(it.proposed_score) if it else "", "evidence": it.evidence if it else "",
            "self_score": _num(it.self_score) if it else "", "panel_score": _num(it.panel_score) if it else "",
            "reason": it.deduction_reason if it else "",
        })
    panel = [str(u) for u in ([rnd.panel_leader] if rnd.panel_leader else [])]
    panel += [str(u) for u in rnd.panel_members.all()]
    return {
        "school": a.school.name, "round": rnd.name, "school_year": rnd.school_year.name, "areas": areas,
        "person_in_charge": a.person_in_charge, "contact": a.contact, "situation": a.situation,
        "highlights": a.highlights, "problems": a.problems, "minutes": a.minutes,
        "summary_highlights": a.summary_highlights, "summary_improvements": a.summary_improvements,
        "summary_suggestions": a.summary_suggestions, "self_total": _num(a.self_total), "total": _num(a.total),
        "grade": GRADE_WORDS.get(a.grade, ""), "panel": panel,
        "leader": panel[0] if panel else "", "members": "、".join(panel[1:]),
        "rectification_report": a.rectification_report, "warning_note": a.warning_note,
        "date": timezone.localdate().isoformat(),
    }


def _doc():
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    for s in doc.sections:  # A4 portrait
        s.page_width, s.page_height = Cm(21), Cm(29.7)
        s.left_margin = s.right_margin = Cm(2.5)
    return doc


def _title(doc, attachment: str, title: str):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc.add_paragraph(attachment)
    h = doc.add_heading(title, level=1)
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _form(doc, rows):
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for label, value in rows:
        cells = t.add_row().cells
        cells[0].text = label
        cells[1].text = value or ""
    return t


def _save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def self_report_docx(d: dict) -> bytes:
    """附件2: 单位, 负责人, 联系方式; 基本情况, 亮点与特色, 存在问题与改进措施; 自评总分."""
    doc = _doc()
    _title(doc, "附件2", "普通学校特殊教育资源教室自评报告")
    _form(doc, [("单位（盖章）", d["school"]), ("负责人", d["person_in_charge"]), ("联系方式", d["contact"]),
                ("评估轮次", f"{d['round']}（{d['school_year']}学年）")])
    for heading, key in (("一、基本情况", "situation"), ("二、亮点与特色", "highlights"),
                         ("三、存在问题及改进措施", "problems")):
        doc.add_heading(heading, level=2)
        doc.add_paragraph(d[key] or "")
    doc.add_heading("四、自评得分", level=2)
    t = doc.add_table(rows=1, cols=4)
    t.style = "Table Grid"
    for i, h in enumerate(("指标", "分值", "系统建议分", "自评分")):
        t.rows[0].cells[i].text = h
    for area in d["areas"]:
        for ind in area["indicators"]:
            for ln in ind["lines"]:
                cells = t.add_row().cells
                cells[0].text = f"{ln['code']} {ln['text'][:40]}"
                cells[1].text, cells[2].text, cells[3].text = ln["points"], ln["proposed"], ln["self_score"]
    doc.add_paragraph(f"自评总分：{d['self_total']} 分")
    doc.add_paragraph(f"负责人（签名）：__________　　日期：{d['date']}")
    return _save(doc)


def summary_docx(d: dict) -> bytes:
    """附件4: 评估组成员, 总分与等级, 亮点, 需改进之处, 建议; 报区资源中心."""
    doc = _doc()
    _title(doc, "附件4", "资源教室评估总结报告")
    _form(doc, [("被评估学校", d["school"]), ("评估轮次", f"{d['round']}（{d['school_year']}学年）"),
                ("专家考评组组长", d["leader"]), ("专家考评组成员", d["members"]),
                ("评估得分", f"{d['total']} 分" if d["total"] else ""), ("评估等级", d["grade"])])
    for heading, key in (("一、评议情况", "minutes"), ("二、亮点", "summary_highlights"),
                         ("三、需改进之处", "summary_improvements"), ("四、建议", "summary_suggestions")):
        doc.add_heading(heading, level=2)
        doc.add_paragraph(d[key] or "")
    if d["rectification_report"]:
        doc.add_heading("五、整改情况", level=2)
        doc.add_paragraph(d["rectification_report"])
    if d["warning_note"]:
        doc.add_paragraph(f"通报警告：{d['warning_note']}")
    doc.add_paragraph("本报告报送区特殊教育资源中心。")
    doc.add_paragraph(f"组长（签名）：__________　　成员（签名）：__________　　时间：{d['date']}")
    return _save(doc)


def _text(value):
    """Spreadsheet cells never start a formula (= + - @ tab CR are written as text)."""
    if isinstance(value, str) and value.startswith(UNSAFE_START):
        return "'" + value if value.startswith(("=", "+", "@")) else " " + value
    return value


def score_sheet_xlsx(d: dict) -> bytes:
    """附件3: one row per C-level line under merged A and B cells; totals; signature lines; A4 landscape."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.worksheet.page import PageMargins

    wb = Workbook()
    ws = wb.active
    ws.title = "评分表"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    headers = ["一级指标", "二级指标", "三级指标（考核要求）", "分值", "评估方法", "自评分", "评估得分",
               "扣分项目及理由"]
    ws.append(["附件3"])
    ws.append([f"{d['school']} 资源教室考核评分表（{d['round']}，{d['school_year']}学年）"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    ws["A2"].font = Font(bold=True, size=14)
    ws["A2"].alignment = center
    ws.append(headers)
    for c in ws[3]:
        c.font, c.border, c.alignment = Font(bold=True), box, center
    row = 4
    for area in d["areas"]:
        a_start = row
        for ind in area["indicators"]:
            b_start = row
            for ln in ind["lines"]:
                values = [f"{area['numeral']}、{area['name']}（{area['points']}分）",
                          f"{ind['code']} {ind['name']}（{ind['points']}分）",
                          f"{ln['code']} {ln['text']}", float(Decimal(ln["points"])), ln["methods"],
                          float(Decimal(ln["self_score"])) if ln["self_score"] else None,
                          float(Decimal(ln["panel_score"])) if ln["panel_score"] else None, ln["reason"]]
                for col, v in enumerate(values, start=1):
                    cell = ws.cell(row=row, column=col, value=_text(v))
                    cell.border = box
                    cell.alignment = center if col in (4, 6, 7) else wrap
                row += 1
            if row - 1 > b_start:
                ws.merge_cells(start_row=b_start, start_column=2, end_row=row - 1, end_column=2)
        if row - 1 > a_start:
            ws.merge_cells(start_row=a_start, start_column=1, end_row=row - 1, end_column=1)
    total_row = ["合计", "", "", 100, "", float(Decimal(d["self_total"])) if d["self_total"] else None,
                 float(Decimal(d["total"])) if d["total"] else None, f"评估等级：{d['grade']}" if d["grade"] else ""]
    for col, v in enumerate(total_row, start=1):
        cell = ws.cell(row=row, column=col, value=v)
        cell.border, cell.font, cell.alignment = box, Font(bold=True), center
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    row += 2
    ws.cell(row=row, column=1, value=f"组长：{_text(d['leader']) or ''}")
    ws.cell(row=row, column=4, value=f"成员：{_text(d['members']) or ''}")
    row += 1
    ws.cell(row=row, column=1, value="校长：")
    ws.cell(row=row, column=4, value="时间：")
    row += 1
    ws.cell(row=row, column=1, value=("说明：总分≥90分为示范校，75～89.5分为达标校，75分以下为未达标校。"
                                      "本表一式两份，学校、评估组各存一份。"))
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(headers))
    for col, width in zip("ABCDEFGH", (14, 16, 60, 7, 12, 8, 9, 32), strict=True):
        ws.column_dimensions[col].width = width
    a4_landscape(ws)
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.print_title_rows = "3:3"
    ws.freeze_panes = "A4"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
