"""Lists in a real browser at 1280, 1440 and 390 px: the filter bar's fields never overlap one another (no
select arrow hidden under the next field), a sortable header sorts and says so (aria-sort), and on a phone
each row is a card labelled by its columns. Screenshots: tests/e2e/screenshots/lists-<page>-<width>.png."""

import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e

WIDTHS = {"1280": {"width": 1280, "height": 900}, "1440": {"width": 1440, "height": 900},
          "390": {"width": 390, "height": 844}}
PAGES = {  # account → (name, url)
    "hc_bureau": [("students", "/students/"), ("cases", "/cases/"), ("plans", "/iep/"),
                  ("below", "/iep/below-minimum/"), ("schools", "/org/schools/"), ("staff", "/staff/people/"),
                  ("homebound", "/homebound/"), ("funds", "/funds/"), ("rooms", "/rooms/"),
                  ("findings", "/oversight/findings/")],
    "hc_s1_resource": [("sessions", "/iep/sessions/")],
    "auditor": [("audit", "/audit/")],
}

OVERLAPS_JS = """() => {
  const out = [];
  document.querySelectorAll('form.sb-filters').forEach(f => {
    const els = Array.from(f.querySelectorAll('input:not([type=hidden]), select, button, .form-check'))
      .filter(e => e.offsetParent !== null).map(e => [e, e.getBoundingClientRect()]);
    for (let i = 0; i < els.length; i++) for (let j = i + 1; j < els.length; j++) {
      const [a, ra] = els[i], [b, rb] = els[j];
      if (a.contains(b) || b.contains(a)) continue;
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 1 && h > 1) out.push((a.name || a.className) + ' / ' + (b.name || b.className));
    }
    const box = f.getBoundingClientRect();
    els.forEach(([e, r]) => { if (r.right > box.right + 1) out.push((e.name || e.className) + ' sticks out'); });
  });
  return out;
}"""


@pytest.mark.parametrize("width", list(WIDTHS))
def test_list_pages_at_desktop_and_phone_widths(server, new_page, width):
    for account, pages in PAGES.items():
        page = new_page(viewport=WIDTHS[width])
        login(page, server, account)
        for name, url in pages:
            page.goto(server + url)
            page.wait_for_load_state("networkidle")
            assert page.evaluate(OVERLAPS_JS) == [], f"{name} at {width}px: filter fields overlap"
            shot(page, f"lists-{name}-{width}")
            if width == "390" and page.locator("table.sb-cards tbody tr").count():
                first = page.locator("table.sb-cards tbody tr").first
                assert first.evaluate("e => getComputedStyle(e).display") == "block", f"{name}: not a card"
                cell = page.locator("table.sb-cards tbody tr td[data-label]").first
                if cell.count():
                    assert cell.evaluate("e => getComputedStyle(e, '::before').content") not in ("none", "")
        assert page.js_errors == [] and page.bad_responses == []


def test_sorting_by_a_header_in_the_browser(server, page):
    login(page, server, "hc_s1_leader")
    page.goto(server + "/students/")
    page.locator("#sb-roster thead th.sb-sortable a", has_text="年级").click()
    page.wait_for_load_state("networkidle")
    assert "sort=grade" in page.url
    assert page.locator("#sb-roster thead th[aria-sort=ascending]").count() == 1
    page.locator("#sb-roster thead th[aria-sort=ascending] a").click()
    page.wait_for_load_state("networkidle")
    assert "sort=-grade" in page.url
    page.locator("form.sb-filters button.btn-primary").click()  # the filter form keeps the order
    page.wait_for_load_state("networkidle")
    assert "sort=-grade" in page.url
