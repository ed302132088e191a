"""Safe spreadsheet cells for every .xlsx the platform writes (SEC-5).

``safe_cell(value)``: text that a spreadsheet would take for a formula (starting with = + - @, a tab or a
carriage return — the username ``=HYPERLINK(…)`` of a failed login, a name typed as ``=1+1``) is written as
text, not as a formula; characters an .xlsx cannot hold (control characters of data stored before they were
refused) are removed, so one bad value never makes a whole export fail.
"""

from suiban.core.text import strip_control

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    value = strip_control(value)
    if value.startswith(FORMULA_START):
        # A leading apostrophe is the spreadsheet convention for "this is text"; openpyxl writes the cell as a
        # string in any case, the apostrophe keeps it text when the sheet is edited and saved again.
        return "'" + value
    return value


def safe_cell(value):
    """The value to put into a cell: strings made safe, other values (numbers, dates, None) unchanged."""
    if isinstance(value, str):
        return safe_text(value)
    return value


def safe_row(values) -> list:
    return [safe_cell(v) for v in values]


def a4_landscape(ws, title_rows: str | None = None) -> None:
    """Print a wide sheet on A4 landscape, every column fitted to the page width, as many pages down as needed,
    with ``title_rows`` (e.g. "2:2") repeated on each page (documents rule). Works on write-only sheets too."""
    from openpyxl.worksheet.worksheet import Worksheet

    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
