"""The 经费使用台账 (FN-2) as .xlsx: the layout a school's finance office keeps.

Sheet 台账: a title, then one row per entry in date order — number, date, kind, fund (source), category, summary
(purpose), payee, budget / income / expense amounts (a reversal shows the undone amount negative in the column of
the kind it undoes), the running balance (income − expense), receipts and the link to the entry it reverses or
replaces — and a totals row. Sheet 汇总: budget, income, expense and balance; expense and budget by category;
income by source. A4 landscape, fit to one page wide, header rows repeated on every page; every text cell that
starts with = + - @, a tab or a carriage return is written as text (never a formula)."""

import io

from django.db.models import Count
from django.utils import timezone

from suiban.core import audit
from suiban.core.xlsx import a4_landscape
from suiban.funds import services
from suiban.funds.models import LedgerEntry, category_label, source_label

CJK_FONT = "宋体"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
KIND_LABELS = {"budget": "预算", "income": "收入", "expense": "支出", "reversal": "冲销"}


def put(ws, row: int, col: int, value, style: str | None = None):
    """Write one cell; a text that a spreadsheet would read as a formula is stored as plain text."""
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    if style:
        cell.style = style
    return cell


def _styles(wb):
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for ns in (
        NamedStyle("ledger_title", font=Font(name=CJK_FONT, size=16, bold=True),
                   alignment=Alignment(horizontal="center", vertical="center")),
        NamedStyle("ledger_note", font=Font(name=CJK_FONT, size=10), alignment=Alignment(vertical="center")),
        NamedStyle("ledger_head", font=Font(name=CJK_FONT, size=10, bold=True), border=box,
                   alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
        NamedStyle("ledger_text", font=Font(name=CJK_FONT, size=10), border=box,
                   alignment=Alignment(vertical="center", wrap_text=True)),
        NamedStyle("ledger_money", font=Font(name=CJK_FONT, size=10), border=box, number_format="#,##0.00",
                   alignment=Alignment(horizontal="right", vertical="center")),
        NamedStyle("ledger_total", font=Font(name=CJK_FONT, size=10, bold=True), border=box,
                   number_format="#,##0.00", alignment=Alignment(horizontal="right", vertical="center")),
    ):
        wb.add_named_style(ns)


def _page_setup(ws, title_rows: str):
    a4_landscape(ws, title_rows)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.print_options.horizontalCentered = True


HEADERS = [("序号", 6), ("日期", 11), ("类型", 7), ("经费来源", 16), ("支出类别", 18), ("摘要（用途）", 30),
           ("收款单位/人", 16), ("预算金额", 12), ("收入金额", 12), ("支出金额", 12), ("结余", 12), ("票据", 6),
           ("备注", 20)]


def ledger_xlsx(*, actor, school, school_year) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    entries = list(LedgerEntry.objects.filter(school=school, school_year=school_year)
                   .select_related("reverses", "corrects").annotate(n_receipts=Count("receipts"))
                   .order_by("date", "id"))
    totals = services.totals(school, school_year)
    wb = Workbook()
    _styles(wb)
    ws = wb.active
    ws.title = "台账"
    ncols = len(HEADERS)
    last = get_column_letter(ncols)
    put(ws, 1, 1, f"{school.name}{school_year.name}学年随班就读经费使用台账", "ledger_title")
    ws.merged_cells.add(f"A1:{last}1")
    ws.row_dimensions[1].height = 28
    put(ws, 2, 1, f"学校：{school.name}    学年：{school_year.name}    单位：元    "
                  f"导出日期：{timezone.localdate():%Y-%m-%d}", "ledger_note")
    ws.merged_cells.add(f"A2:{last}2")
    for i, (h, width) in enumerate(HEADERS, start=1):
        put(ws, 3, i, h, "ledger_head")
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A4"
    balance = services.ZERO
    row = 4
    number = {e.pk: n for n, e in enumerate(entries, start=1)}
    for n, e in enumerate(entries, start=1):
        kind = e.base_kind or e.kind
        signed = e.signed_amount
        budget = signed if kind == LedgerEntry.BUDGET else None
        income = signed if kind == LedgerEntry.INCOME else None
        expense = signed if kind == LedgerEntry.EXPENSE else None
        balance += (income or 0) - (expense or 0)
        note = ""
        if e.reverses_id:
            note = f"冲销第{number.get(e.reverses_id, e.reverses_id)}行（{e.reverses.date:%Y-%m-%d}）"
        elif e.corrects_id:
            note = f"更正第{number.get(e.corrects_id, e.corrects_id)}行"
        if e.over_budget:
            note = (note + "；" if note else "") + "超预算"
        values = [n, e.date.strftime("%Y-%m-%d"), KIND_LABELS.get(e.kind, e.kind), source_label(e.source),
                  category_label(e.category), e.purpose, e.payee]
        for col, v in enumerate(values, start=1):
            put(ws, row, col, v, "ledger_text")
        for col, v in ((8, budget), (9, income), (10, expense), (11, balance)):
            put(ws, row, col, v, "ledger_money")
        put(ws, row, 12, e.n_receipts or None, "ledger_text")
        put(ws, row, 13, note, "ledger_text")
        row += 1
    put(ws, row, 1, "合计", "ledger_head")
    ws.merged_cells.add(f"A{row}:G{row}")
    for col in range(2, 8):
        put(ws, row, col, None, "ledger_head")
    for col, v in ((8, totals.budget), (9, totals.income), (10, totals.expense), (11, totals.balance)):
        put(ws, row, col, v, "ledger_total")
    put(ws, row, 12, None, "ledger_text")
    put(ws, row, 13, None, "ledger_text")
    sign_row = row + 2
    put(ws, sign_row, 1, "经办人：                    审核人：                    学校负责人（签章）：", "ledger_note")
    ws.merged_cells.add(f"A{sign_row}:{last}{sign_row}")
    _page_setup(ws, "1:3")

    s = wb.create_sheet("汇总")
    for col, width in ((1, 30), (2, 14), (3, 14), (4, 14)):
        s.column_dimensions[get_column_letter(col)].width = width
    put(s, 1, 1, f"{school.name}{school_year.name}学年经费汇总", "ledger_title")
    s.merged_cells.add("A1:D1")
    put(s, 2, 1, "项目", "ledger_head")
    put(s, 2, 2, "预算", "ledger_head")
    put(s, 2, 3, "收入", "ledger_head")
    put(s, 2, 4, "支出", "ledger_head")
    r = 3
    for code in dict.fromkeys([*totals.budget_by_category, *totals.by_category]):
        put(s, r, 1, category_label(code) or "（未分类）", "ledger_text")
        put(s, r, 2, totals.budget_by_category.get(code, 0), "ledger_money")
        put(s, r, 3, None, "ledger_money")
        put(s, r, 4, totals.by_category.get(code, 0), "ledger_money")
        r += 1
    for code, amount in totals.income_by_source.items():
        put(s, r, 1, f"收入：{source_label(code)}", "ledger_text")
        put(s, r, 2, None, "ledger_money")
        put(s, r, 3, amount, "ledger_money")
        put(s, r, 4, None, "ledger_money")
        r += 1
    put(s, r, 1, "合计", "ledger_head")
    put(s, r, 2, totals.budget, "ledger_total")
    put(s, r, 3, totals.income, "ledger_total")
    put(s, r, 4, totals.expense, "ledger_total")
    put(s, r + 1, 1, "结余（收入－支出）", "ledger_head")
    put(s, r + 1, 4, totals.balance, "ledger_total")
    _page_setup(s, "1:2")

    out = io.BytesIO()
    wb.save(out)
    audit.record(actor, "funds.ledger.exported", school, changes={
        "school_year": [None, school_year.name], "rows": [None, len(entries)]})
    return out.getvalue()
