"""The funds ledger in a real browser (FN-1, FN-2, FN-4).

On a 390×844 phone hc_s1_leader opens the first 海沧区 school's ledger, posts an expense with an amount of three
decimals and a category the per-pupil funds may not pay for (each field says what is wrong, in Chinese), corrects
it, reverses and reissues it in one step, sees the balance follow and the full history show the reversed pair;
on a desktop hc_bureau sees each school's allocation and spending by category.

Screenshots: tests/e2e/screenshots/funds-*.png.
"""

import pytest

from tests.e2e.conftest import PHONE, login, shot

pytestmark = pytest.mark.e2e

SCHOOL = "3502050101"


def test_school_keeps_its_ledger_and_the_bureau_sees_the_schools(server, new_page):
    """FN-1/FN-2/FN-4: posting with per-field errors, reverse and reissue, full history, the bureau's overview."""
    from suiban.funds.models import LedgerEntry
    from suiban.org.models import School, SchoolYear

    school = School.objects.get(code=SCHOOL)
    year = SchoolYear.current()
    page = new_page(viewport=PHONE)
    login(page, server, "hc_s1_leader")
    page.goto(f"{server}/funds/school/{school.pk}/")
    balance_before = page.locator('[data-figure="balance"]').inner_text()
    shot(page, "funds-ledger-phone")
    page.locator("#sb-entry-details summary").click()
    form = page.locator("#sb-entry-form")
    form.locator("#id_kind").select_option("expense")
    form.locator("#id_date").fill(f"{year.start_year}-11-02")
    form.locator("#id_amount").fill("88.888")
    form.locator("#id_source").select_option("per_pupil_funds")
    form.locator("#id_category").select_option("room_running")
    form.locator("#id_payee").fill("厦门启智教具有限公司")
    form.locator("#id_purpose").fill("沟通训练图卡")
    form.locator("button").click()
    page.wait_for_load_state("networkidle")
    errors = page.locator("#sb-entry-form .invalid-feedback").all_inner_texts()
    assert any("两位小数" in e for e in errors) and any("不得用于" in e for e in errors), errors
    shot(page, "funds-ledger-errors-phone")
    form = page.locator("#sb-entry-form")
    form.locator("#id_amount").fill("88.80")
    form.locator("#id_category").select_option("teaching_aids")
    form.locator("button").click()
    page.wait_for_load_state("networkidle")
    entry = LedgerEntry.objects.get(school=school, purpose="沟通训练图卡")
    row = page.locator(f'tr[data-entry="{entry.pk}"]')
    row.locator("summary", has_text="冲销").click()
    row.locator('input[name="reason"]').fill("金额录入错误")
    row.locator('input[name="reissue"]').check()
    row.locator('input[name="amount"]').fill("80.00")
    row.locator("form.sb-reverse-form button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(f'tr[data-entry="{entry.pk}"]').count() == 0  # the reversed pair is netted out
    assert page.locator("#sb-entries", has_text="沟通训练图卡").count() == 1
    assert page.locator('[data-figure="balance"]').inner_text() != balance_before
    page.locator("#sb-history-toggle").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(f'tr[data-entry="{entry.pk}"]').count() == 1
    assert page.locator("#sb-entries", has_text="金额录入错误").count() == 1
    shot(page, "funds-ledger-history-phone")
    assert page.js_errors == []

    desk = new_page()
    login(desk, server, "hc_bureau")
    desk.goto(f"{server}/funds/")
    row = desk.locator(f'tr[data-school="{school.pk}"]')
    assert "15000.00" in row.inner_text() and "教具学具和辅具" in row.inner_text()
    shot(desk, "funds-bureau-overview")
    assert desk.js_errors == []
