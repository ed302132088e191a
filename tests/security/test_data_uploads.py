"""Zip-bomb roster uploads (SEC-5): refused from the archive's directory in seconds with bounded memory;
every row counts toward the cap, empty ones too; the reading is bounded in time."""

import io
import random
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from suiban.core.errors import DomainError
from suiban.students.roster import upload as imports

HC_S1 = "3502050101"

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 'spreadsheetml.sheet.main+xml"/>'
                 '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.spreadsheetml.worksheet+xml"/>'
                 '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
           '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
           'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
           '</Relationships>')
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main"><sheetData>'
              '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>性别</t></is></c></row>')
SHEET_TAIL = "</sheetData></worksheet>"


def workbook(rows, shared_strings=()) -> bytes:
    """A minimal .xlsx written with zipfile directly, streaming the sheet rows and shared strings (an iterable
    of XML fragments) so a bomb of hundreds of MB is built with little memory and stays small on disk."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        for name, head, parts, tail in (
                ("xl/worksheets/sheet1.xml", SHEET_HEAD, rows, SHEET_TAIL),
                ("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                 'openxmlformats.org/spreadsheetml/2006/main">', shared_strings, "</sst>")):
            with zf.open(name, "w", force_zip64=True) as fh:
                fh.write(head.encode())
                batch = []
                for part in parts:
                    batch.append(part)
                    if len(batch) >= 100_000:
                        fh.write("".join(batch).encode())
                        batch = []
                fh.write(("".join(batch) + tail).encode())
    return buf.getvalue()


def refused(data: bytes) -> tuple[dict, float, int]:
    """Import it; the first error, the seconds taken and the peak memory traced (bytes)."""
    upload = SimpleUploadedFile("bomb.xlsx", data)
    tracemalloc.start()
    start = time.monotonic()
    try:
        with pytest.raises(DomainError) as exc:
            imports.parse_sheet(imports.read_upload(upload))
    finally:
        elapsed = time.monotonic() - start
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return exc.value.errors[0], elapsed, peak


def test_six_million_empty_rows_are_refused_in_seconds():
    """SEC-5 attack: a small upload holding 6 M empty rows (≈ 200 MB of XML) took 78 s and 1 GB. It is now
    refused from the archive's directory (size and compression ratio) before any of it is inflated."""
    data = workbook('<row spans="1:2" ht="15.75"/>' for _i in range(6_000_000))  # 174 MB: under the old limit
    assert len(data) < 2 * 1024 * 1024
    err, seconds, peak = refused(data)
    assert err["code"] == "too_large" and err["row"] is None
    assert seconds < 5 and peak < 40 * 1024 * 1024, (seconds, peak)


def test_millions_of_shared_strings_are_refused_in_seconds():
    """SEC-5 attack: 11.5 M shared strings (read into memory by openpyxl even in read-only mode) are refused by
    the declared size of sharedStrings.xml."""
    data = workbook([], ("<si><t>a</t></si>" for _i in range(11_500_000)))
    assert len(data) < 4 * 1024 * 1024
    err, seconds, peak = refused(data)
    assert err["code"] == "too_large"
    assert seconds < 5 and peak < 40 * 1024 * 1024, (seconds, peak)


def test_every_row_counts_toward_the_cap_empty_ones_too():
    """SEC-5: rows beyond the cap are refused as soon as the cap is passed, whether empty or not (before, empty
    rows were skipped without counting, so a sheet of millions of them was read to the end)."""
    rng = random.Random(7)
    # Varied row heights: hard to compress, so the directory checks let it through to the row count.
    data = workbook(f'<row r="{i}" ht="{rng.uniform(10, 90):.6f}" customHeight="1"/>'
                    for i in range(2, imports.MAX_ROWS + 50))
    err, seconds, _peak = refused(data)
    assert err["code"] == "too_many_rows" and seconds < 10


def test_too_many_entries_and_a_slow_read_are_refused(monkeypatch):
    """SEC-5: an archive of thousands of entries is refused; the reading stops at the time bound."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(imports.MAX_ENTRIES + 1):
            zf.writestr(f"xl/media/{i}.bin", b"x")
    err, _s, _p = refused(buf.getvalue())
    assert err["code"] == "too_large"
    monkeypatch.setattr(imports, "MAX_SECONDS", -1)
    rows = (f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>学生{i}</t></is></c></row>' for i in range(2, 2000))
    err, _s, _p = refused(workbook(rows))
    assert err["code"] == "too_slow"


def test_the_api_answers_422_quickly_for_a_bomb(world, api_client):
    """SEC-5: through the API the bomb gets a clear 422 with the file-level error, in seconds."""
    data = workbook(f'<row r="{i}"/>' for i in range(2, 2_000_002))
    client = api_client("hc_s1_leader")
    start = time.monotonic()
    r = client.client.post("/api/v1/students/import", {"file": SimpleUploadedFile("bomb.xlsx", data)},
                           HTTP_AUTHORIZATION=client.headers["HTTP_AUTHORIZATION"])
    assert r.status_code == 422 and time.monotonic() - start < 5
    assert r.json()["errors"][0]["code"] == "too_large"
