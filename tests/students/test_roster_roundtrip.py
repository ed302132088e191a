"""The roster export (PL-13): only the statuses its title promises, printable on A4 landscape, and an exported
roster imports back unchanged — masked or with full numbers (SEC-4)."""

import io
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from suiban.students.models import Student

HC_S1 = "3502050101"
EXPORT_URL = "/api/v1/students/export.xlsx"


def _import(client, data: bytes):
    return client.client.post("/api/v1/students/import", {"file": SimpleUploadedFile("花名册.xlsx", data)},
                              HTTP_AUTHORIZATION=client.headers["HTTP_AUTHORIZATION"])


def test_export_holds_only_in_school_students_unless_a_status_is_asked(world, api_client):
    """PL-13: the 随班就读学生花名册 lists the students in school; ?status= asks for another status and the title
    says which."""
    leader = api_client("hc_s1_leader")
    s1 = world.schools[HC_S1]
    Student.objects.filter(pk=Student.objects.filter(school=s1, status="active").order_by("pk").first().pk) \
        .update(status="transferred")
    ws = load_workbook(io.BytesIO(leader.get(EXPORT_URL).content)).worksheets[0]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert {r[13] for r in rows} == {"在校"}
    assert len(rows) == Student.objects.filter(school=s1, status="active").count()
    ws = load_workbook(io.BytesIO(leader.get(EXPORT_URL + "?status=transferred").content)).worksheets[0]
    assert ws["A1"].value.endswith("（转出）")
    assert {r[13] for r in ws.iter_rows(min_row=3, values_only=True)} == {"转出"}


def test_export_prints_on_a4_landscape_fitted_to_the_width_with_header_rows_repeated(world, api_client):
    """PL-13 (documents): A4 landscape, every column on the page width, title and header rows on every page."""
    ws = load_workbook(io.BytesIO(api_client("hc_s1_leader").get(EXPORT_URL).content)).worksheets[0]
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$1:$2"


@pytest.mark.parametrize("query", ["", "?full_numbers=1&purpose=学籍核对"])
def test_an_exported_roster_imports_back_unchanged(world, api_client, query):
    """PL-13: the export's own layout (title row, 序号, school by name, guardians in one cell, masked numbers)
    is accepted by the import: every row matches its student and nothing changes."""
    leader = api_client("hc_s1_leader")
    data = leader.get(EXPORT_URL + query).content
    before = {s.pk: (s.version, s.name) for s in Student.objects.filter(school__code=HC_S1)}
    r = _import(leader, data)
    assert r.status_code == 200, r.content
    body = r.json()
    n = Student.objects.filter(school__code=HC_S1, status="active").count()
    assert (body["created"], body["rows"], body["unchanged"]) == (0, n, n), body
    assert {s.pk: (s.version, s.name) for s in Student.objects.filter(school__code=HC_S1)} == before


def test_an_exported_roster_with_a_correction_updates_that_student(world, api_client):
    """PL-13: export, correct one cell, import: that one student is updated."""
    leader = api_client("hc_s1_leader")
    wb = load_workbook(io.BytesIO(leader.get(EXPORT_URL).content))
    ws = wb.worksheets[0]
    name = ws["B3"].value
    ws["B3"].value = name  # unchanged name, another guardian phone
    ws["P3"].value = "139-1111-2222"
    buf = io.BytesIO()
    wb.save(buf)
    r = _import(leader, buf.getvalue())
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["created"] == 0 and body["rows"] - body["unchanged"] == 1


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_the_export_converts_headless_with_libreoffice(world, api_client, tmp_path):
    """PL-13 (documents): the export opens in LibreOffice and converts to PDF headless."""
    src = tmp_path / "roster.xlsx"
    src.write_bytes(api_client("hc_s1_leader").get(EXPORT_URL).content)
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([binary, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "roster.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
