"""Privacy by default in a real browser (ORG-5, SEC-4): the student page shows masked numbers to the school
leader; the 显示 button asks for the purpose, refuses without one (the browser's required field), shows that one
number after it and leaves the others masked; on a phone the page does not scroll sideways.

Screenshots: tests/e2e/screenshots/privacy-*.png.
"""

import pytest

pytestmark = pytest.mark.e2e


def test_reveal_one_number_with_a_purpose(new_page, server, e2e_world, ui):
    student = e2e_world.students["hc_parent_child"]
    for name, viewport in (("desktop", ui.DESKTOP), ("phone", ui.PHONE)):
        page = new_page(viewport=viewport)
        ui.login(page, server, "hc_s1_leader")
        page.goto(f"{server}/students/{student.pk}/")
        page.wait_for_load_state("networkidle")
        ident = page.locator("#sb-id-number")
        assert student.id_number not in page.content() and student.id_number_masked in ident.inner_text()
        purpose = page.locator("#sb-purpose-id_number")
        assert purpose.get_attribute("required") is not None
        assert page.locator("label[for=sb-purpose-id_number]").count() == 1
        ui.shot(page, f"privacy-{name}-masked")
        purpose.fill("核对中考报名信息")
        with page.expect_navigation():
            ident.locator("button").click()
        page.wait_for_load_state("networkidle")
        assert student.id_number in page.locator("#sb-id-number").inner_text()
        assert not student.certificate_number or student.certificate_number not in page.content()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"the student page scrolls sideways ({width}px)"
        ui.shot(page, f"privacy-{name}-revealed")
        assert page.js_errors == [], page.js_errors
