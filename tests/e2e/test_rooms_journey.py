"""Resource-room assessment in a real browser (RR-3..RR-8).

The bureau has opened a round for 海沧区沧江小学 (panel: hc_expert leads, hc_center sits on it). hc_s1_leader
writes the self-assessment report, takes the system's proposals (RR-7), scores the remaining lines and submits;
hc_expert starts panel scoring, scores every line with two deductions and their reasons, records the deliberation
and the summary and finishes; hc_bureau sees the grade on the round overview and the school on the plaque list;
the score sheet (附件3) downloads and is read back with openpyxl.

Screenshots: tests/e2e/screenshots/rooms-*.png.
"""

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.e2e
SCHOOL = "3502050101"


def submit(page, button):
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state("networkidle")


def fill_empty_selects(page, prefix):
    """Choose full points on every line still without a score (the last option of each select)."""
    page.eval_on_selector_all(f"select[name^='{prefix}']", """els => els.forEach(e => {
        if (!e.value) { e.value = e.options[e.options.length - 1].value; }
    })""")


def test_rooms_assessment_journey(server, new_page, ui, e2e_world, tmp_path):
    from suiban.org.models import Region, School, SchoolYear
    from suiban.rooms import services
    from suiban.rooms.models import Assessment

    world = e2e_world
    rnd = services.round_open(actor=world.users["hc_bureau"], region=Region.objects.get(code="350205"),
                              school_year=SchoolYear.current(), name="海沧区资源教室评估（浏览器）",
                              panel_leader_id=world.users["hc_expert"].pk,
                              panel_member_ids=[world.users["hc_center"].pk],
                              school_ids=[School.objects.get(code=SCHOOL).pk])
    a = Assessment.objects.get(round=rnd)
    url = f"{server}/rooms/assessment/{a.pk}/"

    # --- the school: report, proposals, self-scores, submit ------------------------------------------------------
    page = new_page()
    ui.login(page, server, "hc_s1_leader")
    page.goto(url)
    assert page.locator(".sb-proposed").count() >= 10  # proposals with their evidence (RR-7)
    assert "系统中没有此项的记录" in page.content()  # lines entered by hand say so
    page.fill("#id_person_in_charge", "王志强")
    page.fill("#id_contact", "0592-6000001")
    page.fill("#id_situation", "资源教室于2024年建成，面积72.5平方米。")
    page.fill("#id_highlights", "个别化教育计划全覆盖。")
    page.fill("#id_problems", "各区标识需完善，下学期整改。")
    submit(page, page.locator("#sb-save-report"))
    page.click("#sb-take-proposals")
    assert page.locator("#self_score_4\\.2").input_value() == "2.0"
    fill_empty_selects(page, "self_score_")
    submit(page, page.locator("#sb-save-scores"))
    assert page.locator("#sb-self-total").inner_text().strip() not in ("", "—")
    ui.shot(page, "rooms-self-assessment")
    page.screenshot(path=str(ui.SCREENSHOTS / "rooms-self-assessment-top.png"))
    submit(page, page.locator("#sb-to-submitted"))
    assert page.locator("#sb-state").inner_text() == "已提交"

    # --- the panel: score with two deductions, deliberate, summarise, finish --------------------------------------
    panel = new_page()
    ui.login(panel, server, "hc_expert")
    panel.goto(url)
    submit(panel, panel.locator("#sb-to-panel_scoring"))
    fill_empty_selects(panel, "panel_score_")
    panel.select_option("#panel_score_6\\.4", "0.0")
    panel.fill("#deduction_reason_6\\.4", "各区标识不清楚")
    panel.select_option("#panel_score_12\\.2", "1.0")
    panel.fill("#deduction_reason_12\\.2", "融合文化活动仅开展一次")
    submit(panel, panel.locator("#sb-save-scores"))
    panel.fill("#id_minutes", "专家考评组合议，意见一致。")
    panel.fill("#id_summary_highlights", "功能分区合理。")
    panel.fill("#id_summary_improvements", "标识需完善。")
    panel.fill("#id_summary_suggestions", "加强融合文化建设。")
    submit(panel, panel.locator("#sb-save-summary"))
    ui.shot(panel, "rooms-panel-scoring")
    panel.locator("#sb-line-6\\.4").scroll_into_view_if_needed()
    panel.screenshot(path=str(ui.SCREENSHOTS / "rooms-panel-scoring-deduction.png"))
    submit(panel, panel.locator("#sb-to-scored"))
    assert panel.locator("#sb-state").inner_text() == "已评定"
    assert panel.locator("#sb-total").inner_text().strip() == "98.0"

    # --- the bureau: grade on the round overview, plaque list, score sheet ---------------------------------------
    bureau = new_page()
    ui.login(bureau, server, "hc_bureau")
    bureau.goto(f"{server}/rooms/assessment/rounds/{rnd.pk}/")
    row = bureau.locator("#sb-round-overview tbody tr").first
    assert "示范校" in row.inner_text() and "98.0" in row.inner_text()
    ui.shot(bureau, "rooms-round-overview")
    bureau.goto(f"{server}/rooms/assessment/plaques/")
    assert "海沧区沧江小学" in bureau.locator("#sb-plaque-list").inner_text()
    ui.shot(bureau, "rooms-plaques")
    bureau.goto(url)
    with bureau.expect_download() as dl:
        bureau.click("#sb-score-sheet")
    path = tmp_path / "score-sheet.xlsx"
    dl.value.save_as(path)
    ws = load_workbook(path).active
    rows = {str(r[2]).split(" ")[0]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[2]}
    assert rows["6.4"][6] == 0 and rows["6.4"][7] == "各区标识不清楚"
    assert rows["12.2"][6] == 1 and rows["12.2"][7] == "融合文化活动仅开展一次"
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == "合计")
    assert total[6] == 98 and "示范校" in total[7]
    phone = new_page(viewport=ui.PHONE)
    ui.login(phone, server, "hc_s1_leader")
    phone.goto(url)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.screenshot(path=str(ui.SCREENSHOTS / "rooms-phone.png"))
    for p in (page, panel, bureau, phone):
        assert p.js_errors == [], p.js_errors
