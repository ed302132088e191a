"""RR-4 / RR-8 documents (附件2 .docx, 附件3 .xlsx, 附件4 .docx) read back, converted with LibreOffice when it is
installed; the pages of rooms and assessment in Chinese, with the proposals and the plaque list."""

import io
import shutil
import subprocess

import pytest
from docx import Document
from openpyxl import load_workbook

from suiban.rooms.models import Assessment, Room

pytestmark = pytest.mark.django_db
ROUND = "海沧区资源教室评估（示范）"


def _scored():
    return Assessment.objects.get(round__name=ROUND, school__code="3502050101")


def _get(api_client, url):
    r = api_client("hc_bureau").get(url)
    assert r.status_code == 200, r.content[:300]
    return b"".join(r.streaming_content) if r.streaming else r.content


def test_score_sheet_has_levels_scores_reasons_signatures_and_prints_on_a4(world, api_client):
    """RR-8 (附件3): A/B/C levels, points, self-score beside the panel score, deduction reasons, the signature
    lines 组长/成员/校长/时间, 一式两份; A4 landscape, fit to width, header row repeated."""
    a = _scored()
    wb = load_workbook(io.BytesIO(_get(api_client, f"/api/v1/assessments/{a.pk}/score-sheet.xlsx")))
    ws = wb.active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[2] == ["一级指标", "二级指标", "三级指标（考核要求）", "分值", "评估方法", "自评分", "评估得分",
                       "扣分项目及理由"]
    data = [r for r in rows[3:] if isinstance(r[2], str) and r[2][:1].isdigit()]
    assert len(data) == a.items.count()
    by_code = {r[2].split(" ")[0]: r for r in data}
    assert by_code["6.4"][6] == 0 and by_code["6.4"][7] == "各区标识不清楚"
    assert by_code["4.1"][5] == 3 and by_code["4.1"][6] == 3
    assert rows[3][0].startswith("一、组织管理")
    total = next(r for r in rows if r[0] == "合计")
    assert total[6] == float(a.total) and "示范校" in total[7]
    text = " ".join(str(v) for r in rows for v in r if v)
    for word in ("组长", "成员", "校长", "时间", "一式两份"):
        assert word in text
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.print_title_rows == "$3:$3"


def test_self_report_and_summary_documents(world, api_client):
    """RR-4 (附件2: unit, person in charge, contact, situation, highlights, problems and measures; 附件4: panel
    members, highlights, improvements, suggestions)."""
    a = _scored()
    doc = Document(io.BytesIO(_get(api_client, f"/api/v1/assessments/{a.pk}/self-report.docx")))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for r in t.rows
                                                                 for c in r.cells)
    for needle in ("附件2", "单位", a.school.name, "负责人", a.person_in_charge, "联系方式", "基本情况", "亮点",
                   "存在问题及改进措施", a.problems):
        assert needle in text, needle
    doc = Document(io.BytesIO(_get(api_client, f"/api/v1/assessments/{a.pk}/summary.docx")))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for r in t.rows
                                                                 for c in r.cells)
    for needle in ("附件4", "郑宏伟", "黄丽娟", a.summary_highlights, a.summary_improvements, a.summary_suggestions,
                   "示范校"):
        assert needle in text, needle


def test_exported_cells_never_start_a_formula(world):
    """Exports write cells starting with = + - @ as text."""
    from suiban.rooms import documents

    d = documents.gather(_scored())
    d["areas"][0]["indicators"][0]["lines"][0]["reason"] = "=HYPERLINK(\"x\")"
    wb = load_workbook(io.BytesIO(documents.score_sheet_xlsx(d)))
    values = [c.value for r in wb.active.iter_rows() for c in r if isinstance(c.value, str)]
    assert not any(v.startswith("=") for v in values)


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_documents_open_in_libreoffice(world, api_client, tmp_path):
    """The three documents convert headless with LibreOffice (they open in the officials' office suite)."""
    a = _scored()
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    for name in ("self-report.docx", "score-sheet.xlsx", "summary.docx"):
        path = tmp_path / name
        path.write_bytes(_get(api_client, f"/api/v1/assessments/{a.pk}/{name}"))
        subprocess.run([binary, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                        "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
        assert (tmp_path / (path.stem + ".pdf")).stat().st_size > 1000


def test_pages_show_rooms_rounds_proposals_and_plaques(world, user_client):
    """Pages in Chinese: the room, the round overview with grades, the self-assessment with the proposals and
    their evidence, the plaque list and the print view; no English keys on screen."""
    room = Room.objects.get(school__code="3502050101")
    a = _scored()
    c = user_client("hc_bureau")
    for url, needles in [
        ("/rooms/", ["资源教室", "海沧区沧江小学"]),
        (f"/rooms/{room.pk}/", ["72.5", "海沧区新阳小学"]),
        ("/rooms/assessment/", [ROUND]),
        (f"/rooms/assessment/rounds/{a.round_id}/", ["示范校", "未达标校", "海沧区沧江小学"]),
        (f"/rooms/assessment/{a.pk}/", ["各区标识不清楚", "72.5"]),
        ("/rooms/assessment/plaques/", ["海沧区沧江小学"]),
        (f"/rooms/assessment/{a.pk}/print/", ["一式两份", "组长"]),
    ]:
        r = c.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        for n in needles:
            assert n in html, (url, n)
        for raw in ("exemplary", "self_assessment", "panel_scoring", "dedicated"):
            assert f">{raw}<" not in html, (url, raw)


def test_school_leader_saves_self_scores_on_the_page(world, user_client, api_client):
    """RR-4 / RR-7 (page): the school sees the proposals on its self-assessment and saves its scores."""
    from suiban.org.models import School

    r = api_client("hc_bureau").post("/api/v1/assessment-rounds", {
        "region_id": School.objects.get(code="3502050101").region_id, "name": "页面轮次",
        "panel_leader_id": world.users["hc_expert"].pk, "school_ids": [School.objects.get(code="3502050101").pk]})
    aid = r.json()["schools"][0]["assessment_id"]
    c = user_client("hc_s1_leader")
    html = c.get(f"/rooms/assessment/{aid}/").content.decode()
    assert "系统建议" in html or "建议" in html
    assert 'name="self_score_4.1"' in html
    r = c.post(f"/rooms/assessment/{aid}/scores/", {"self_score_4.1": "3", "self_score_4.2": "1"})
    assert r.status_code == 302
    a = Assessment.objects.get(pk=aid)
    assert a.items.get(code="4.1").self_score == 3 and a.self_total == 4
