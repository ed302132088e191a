"""Reading a roster upload safely (SEC-5): the file checked by name, content and size, the archive's entries and
ratios checked before anything is unpacked, then streamed row by row up to the row cap (PL-13)."""

import io
import time
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from suiban.core.errors import DomainError
from suiban.students.roster.columns import (
    _HEADERS,
    COLUMNS,
    EXPORT_COLUMNS,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ENTRIES,
    MAX_ENTRY_BYTES,
    MAX_RATIO,
    MAX_ROWS,
    MAX_SECONDS,
    MAX_SHARED_STRINGS_BYTES,
    MAX_UNZIPPED_BYTES,
    RATIO_FROM,
    _file_error,
    _header_key,
    _issue,
    _parse_cell,
    _plain_text,
)


# --- reading the upload ---------------------------------------------------------------------------
def read_upload(upload) -> bytes:
    """SEC-5: an .xlsx file by name and by content, at most 10 MB; otherwise a clear message (422)."""
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(".xlsx"):
        raise _file_error(_("Upload an Excel workbook (.xlsx); other file types are not accepted."), "invalid_type")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _file_error(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}, "too_large")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _file_error(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}, "too_large")
    if not data.startswith(b"PK\x03\x04"):
        raise _file_error(_("The file is not an Excel workbook (.xlsx): its content does not match."),
                          "invalid_type")
    return data


def check_archive(zf: zipfile.ZipFile) -> None:
    """SEC-5: refuse a zip bomb from the archive's directory, before anything is inflated: the number of
    entries, each entry's and the total declared size, the shared strings' size and the compression ratio.
    The declared sizes bound what zipfile will ever inflate, so a lying directory gains nothing."""
    infos = zf.infolist()
    too_large = _file_error(_("The workbook is too large once unpacked; split it into several files."), "too_large")
    if len(infos) > MAX_ENTRIES:
        raise too_large
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_ENTRY_BYTES or total > MAX_UNZIPPED_BYTES:
            raise too_large
        if info.filename.lower().endswith("sharedstrings.xml") and info.file_size > MAX_SHARED_STRINGS_BYTES:
            raise too_large
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _file_error(_("The workbook is packed in an unusual way (far too many empty or repeated cells); "
                                "copy the rows into the import template and upload that."), "too_large")


def _open_workbook(data: bytes):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_archive(zf)
        # read_only: the sheet is streamed row by row, never held in memory as a whole
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DomainError:
        raise
    except Exception:  # any failure to read means: not a workbook we can use
        raise _file_error(_("The file cannot be read as an Excel workbook (.xlsx)."), "invalid_type") from None


def _data_sheet(wb):
    """The sheet whose first row has the 姓名 header (the template's first sheet); else the first sheet."""
    for ws in wb.worksheets:
        ws.reset_dimensions()  # dimensions written by some tools are wrong; read every row present
        first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        if any(_header_key(v) in ("姓名", "name") for v in first):
            return ws
    return wb.worksheets[0]


@dataclass
class ParsedRow:
    row: int
    values: dict  # key → parsed value, only for non-empty cells
    errors: dict = field(default_factory=dict)  # key → message


def _from_export_columns(values: dict) -> None:
    """The export's 监护人 "刘芳（母亲）；…" and 联系电话 "138…；…" → the first guardian's columns (PL-13)."""
    text, phones = values.pop("guardians_text", ""), values.pop("phones_text", "")
    people = [p for p in str(text).split("；") if p.strip()]
    if people and "guardian_name" not in values:
        first = people[0].strip()
        name, _sep, relation = first.partition("（")
        values["guardian_name"] = name.strip()
        if relation.rstrip("）").strip():
            values["guardian_relation"] = relation.rstrip("）").strip()
    numbers = [p.strip() for p in str(phones).split("；") if p.strip()]
    if numbers and "guardian_phone" not in values and (len(numbers) == len(people) or len(numbers) == 1):
        values["guardian_phone"] = numbers[0]


def _too_many_rows() -> DomainError:
    return _file_error(_("The file has more than %(n)d rows (empty rows count too); split it into several files.")
                       % {"n": MAX_ROWS}, "too_many_rows")


def parse_sheet(data: bytes) -> tuple[list[ParsedRow], list[dict]]:
    """Rows with their parsed cells and per-cell errors, and the header errors (row 1).

    SEC-5: every row the sheet holds counts toward MAX_ROWS, empty ones too (a sheet of millions of empty rows
    stops at the cap); at most MAX_COLUMNS cells are read per row; the reading stops after MAX_SECONDS."""
    deadline = time.monotonic() + MAX_SECONDS
    wb = _open_workbook(data)
    try:
        ws = _data_sheet(wb)
        rows = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        header, header_row = next(rows, None), 1
        # The export (PL-13) has a title row above its header row: the header is the first row naming 姓名.
        while header is not None and header_row < 3 and not any(_header_key(v) in ("姓名", "name") for v in header):
            header, header_row = next(rows, None), header_row + 1
        if header is None:
            raise _file_error(_("The workbook is empty; use the import template."), "empty")
        while header and header[-1] is None:
            header = header[:-1]
        columns, issues, seen = [], [], set()
        for value in header:
            text = _plain_text(value)
            key = _header_key(text) if text else ""
            col = _HEADERS.get(key) if text else None
            if col is None and key in EXPORT_COLUMNS:
                columns.append(EXPORT_COLUMNS[key])  # an export's own column (序号: ignored)
                continue
            if text and col is None:
                issues.append(_issue(1, text, _("Unknown column; use the headers of the import template."),
                                     code="unknown_column"))
            elif col is not None and col.key in seen:
                issues.append(_issue(1, text, _("This column appears twice."), code="duplicate_column"))
                col = None
            if col is not None:
                seen.add(col.key)
            columns.append(col)
        if "school_name" in {c.key for c in columns if c is not None}:
            seen.add("school")  # the export names the school instead of its code
        for col in COLUMNS:
            if col.required and col.key not in seen:
                issues.append(_issue(1, col.header, _("This column is missing; use the import template."),
                                     col.key, "missing_column"))
        parsed = []
        for number, cells in enumerate(rows, start=header_row + 1):
            if number > MAX_ROWS + header_row:
                raise _too_many_rows()
            if number % 500 == 0 and time.monotonic() > deadline:
                raise _file_error(_("Reading the workbook takes too long; split it into several files."),
                                  "too_slow")
            if not any(v is not None and _plain_text(v) for v in cells):
                continue
            pr = ParsedRow(number, {})
            for col, value in zip(columns, cells, strict=False):
                if col is None:
                    continue
                try:
                    v = _parse_cell(col, value)
                except ValueError as exc:
                    pr.errors[col.key] = str(exc)
                else:
                    if v is not None and v != "":
                        pr.values[col.key] = v
            _from_export_columns(pr.values)
            parsed.append(pr)
        if not parsed and not issues:
            raise _file_error(_("The file has no student rows."), "empty")
        return parsed, issues
    finally:
        wb.close()
