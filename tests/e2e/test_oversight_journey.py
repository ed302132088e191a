"""Oversight in the browser (OV-1, OV-2): the bureau sees the findings of its district, each with a link to where
it is mended, and the dashboard; a click on a chart bar lands on the list with the same count."""

import re

import pytest

pytestmark = pytest.mark.e2e


def _bar_click(page, chart_id: str, index: int):
    """Click the middle of bar ``index`` of an ECharts bar chart (its pixel position from the chart itself)."""
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    point = page.evaluate(
        """([id, i]) => {
            const el = document.getElementById(id);
            const chart = echarts.getInstanceByDom(el);
            const value = chart.getOption().series[0].data[i].value;
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [i, value / 2]);
            const box = el.getBoundingClientRect();
            return {x: box.left + x, y: box.top + y, value: value};
        }""", [chart_id, index])
    page.mouse.click(point["x"], point["y"])
    return point["value"]


def test_bureau_sees_findings_and_a_dashboard_whose_bars_lead_to_lists(server, page, ui):
    from suiban.oversight.models import Finding

    ui.login(page, server, "hc_bureau")
    page.goto(f"{server}/oversight/findings/")
    count = int(page.locator("#sb-count").inner_text())
    assert count == Finding.objects.filter(state="open", region_path__startswith="350000/350200/350205/").count() > 0
    assert page.locator(".sb-findings .list-group-item").count() >= 1
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(?:PL|IEP|AR|OV)-\d+\b", text)
    assert "依据" in text
    ui.shot(page, "oversight_findings")
    href = page.locator(".sb-mend").first.get_attribute("href")
    page.locator(".sb-mend").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(href) and not page.bad_responses  # the page where it is mended opens

    page.goto(f"{server}/oversight/dashboard/")
    page.wait_for_selector("#c-category svg")
    ui.shot(page, "oversight_dashboard")
    bars = page.evaluate("JSON.parse(document.getElementById('sb-dashboard').textContent).students.by_category")
    index = max(range(len(bars)), key=lambda i: bars[i]["count"])
    value = _bar_click(page, "c-category", index)
    page.wait_for_url(re.compile(r".*/students/\?.*disability_category=.*"))
    page.wait_for_load_state("networkidle")
    total = re.search(r"共\s*(\d+)\s*条", page.locator("main").inner_text())
    assert total and int(total.group(1)) == value == bars[index]["count"]
    ui.shot(page, "oversight_dashboard_drilldown")
    assert not page.js_errors and not page.bad_responses


def test_findings_and_dashboard_work_on_a_phone(server, new_page, ui):
    page = new_page(viewport=ui.PHONE)
    ui.login(page, server, "hc_s1_leader")
    page.goto(f"{server}/oversight/dashboard/")
    page.wait_for_selector("#c-category svg")
    ui.shot(page, "oversight_dashboard_phone")
    page.goto(f"{server}/oversight/findings/")
    ui.shot(page, "oversight_findings_phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert not page.js_errors


def test_bureau_names_a_designated_school_and_reads_it_on_a_phone(server, new_page, ui):
    """PL-15: the bureau names a designated school on its page (through the service), sees it in the list with its
    categories in words, opens it; the page works on a phone."""
    from suiban.org.models import School

    s1 = School.objects.get(code="3502050101")
    page = new_page()
    ui.login(page, server, "hc_bureau")
    page.goto(f"{server}/oversight/designated/")
    page.select_option("#d-school", str(s1.pk))
    page.locator("input[name=categories][value=intellectual]").check()
    page.fill("#id_designated_on", "2026-09-01")
    page.fill("#id_note", "智力障碍学生定点学校")
    page.locator("form[method=post] button.btn-primary").click()
    page.wait_for_load_state("networkidle")
    assert "/oversight/designated/" in page.url and s1.name in page.locator("h1").inner_text()
    assert "智力残疾" in page.locator("main").inner_text()
    ui.shot(page, "oversight_designated_detail")
    page.goto(f"{server}/oversight/designated/")
    text = page.locator("main").inner_text()
    assert s1.name in text and "听力残疾" in text and not page.bad_responses
    ui.shot(page, "oversight_designated_list")
    phone = new_page(viewport={"width": 390, "height": 844})
    ui.login(phone, server, "hc_bureau")
    phone.goto(f"{server}/oversight/designated/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    ui.shot(phone, "oversight_designated_phone")
