"""The class kind in a real browser (PL-2, PL-4): the school leader of 海沧区沧江小学 sets up a special class
attached to the school (附设特教班) on the class form, at 1280 px; the class list and the school page mark it.

Screenshots: tests/e2e/screenshots/class-kind-*.png.
"""

import pytest

from suiban.org.models import School, SchoolClass

pytestmark = pytest.mark.e2e

SCHOOL = "3502050101"  # 海沧区沧江小学


def test_a_school_leader_sets_up_a_special_class_and_sees_it_marked(server, page, ui):
    """PL-2: the class form offers 班级类型 (普通班 / 普通学校附设特教班) with its rule in words; the saved class is
    shown as a special class in the class list and on the school page, without codes."""
    ui.login(page, server, "hc_s1_leader")
    school = School.objects.get(code=SCHOOL)
    page.goto(f"{server}/org/classes/new/?school={school.pk}")
    kind = page.locator("#id_kind")
    assert kind.locator("option").all_inner_texts() == ["普通班", "普通学校附设特教班"]
    page.select_option("#id_grade", "4") if page.locator("select#id_grade").count() else page.fill("#id_grade", "4")
    page.fill("#id_name", "四年级特教班")
    kind.select_option("special")
    ui.shot(page, "class-kind-form")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    sc = SchoolClass.objects.get(school=school, name="四年级特教班")
    assert sc.kind == SchoolClass.SPECIAL
    assert "附设特教班" in page.locator("main").inner_text()  # the school page marks it
    page.goto(f"{server}/org/classes/?school={school.pk}&grade=4")
    row = page.locator("tr", has_text="四年级特教班")
    assert "附设特教班" in row.inner_text()
    text = page.locator("main").inner_text()
    assert "special" not in text and "ordinary" not in text
    ui.shot(page, "class-kind-list")
    assert not page.js_errors and not page.bad_responses
