"""Journeys that start at the inbox (ARCHITECTURE "Pages"): the bureau officer routes a case from the home page's
to-do list; the guardian, on a 390×844 phone, sees the child, answers the plan (nothing pre-selected; the saved
answer shown after) and asks for a correction of the record; the school leader finds the request in the inbox
and answers it on record, and the guardian sees the answer.

Screenshots: tests/e2e/screenshots/inbox-*.png.
"""

import pytest

pytestmark = pytest.mark.e2e


def assert_clean(page):
    assert page.js_errors == [], page.js_errors
    assert page.bad_responses == [], page.bad_responses


def submit(page, button):
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state("networkidle")


def test_bureau_routes_a_case_from_the_inbox(new_page, server, e2e_world, ui):
    """PL-9: hc_bureau starts at the inbox, opens a case waiting to be routed, routes it, and it leaves the inbox."""
    page = new_page()
    ui.login(page, server, "hc_bureau")
    inbox = page.locator("#sb-inbox")
    assert inbox.is_visible()
    box = page.locator("#sb-inbox").bounding_box()
    figures = page.locator('[data-stat="student_total"]').bounding_box()
    assert box["y"] < figures["y"]  # the inbox comes first, the figures follow
    ui.shot(page, "inbox-bureau-home")
    item = page.locator('.sb-inbox-item[data-kind="cases.to_route"] a').first
    title = item.inner_text()
    assert title.startswith("转交审核")
    submit(page, item)
    assert "/cases/" in page.url
    assert page.locator("#sb-next-step").inner_text().strip().endswith("由教育局转交审核")
    step = page.locator('.sb-step[data-to="under_review"]')
    step.locator("textarea").fill("材料齐全，转专家委员会")
    submit(page, step.locator("button[type=submit]"))
    assert page.locator(".alert-success").count() >= 1
    ui.shot(page, "inbox-bureau-case-routed")
    page.goto(f"{server}/")
    remaining = page.locator('.sb-inbox-item[data-kind="cases.to_route"] a').all_inner_texts()
    assert title not in remaining
    page.goto(f"{server}/cases/?waiting=1")
    ui.shot(page, "inbox-bureau-cases-waiting")
    # search from the top bar: a student of the district by name
    child = e2e_world.students["hc_parent_child"]
    page.locator("#sb-search-q").fill(child.name)
    submit(page, page.locator(".sb-search button[type=submit]"))
    assert page.locator(f'a[href="/students/{child.pk}/"]').count() >= 1
    ui.shot(page, "inbox-bureau-search")
    assert_clean(page)

    phone = new_page(viewport=ui.PHONE)
    ui.login(phone, server, "hc_bureau")
    ui.shot(phone, "inbox-bureau-home-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    assert_clean(phone)


def test_parent_answers_the_plan_and_asks_for_a_correction_on_a_phone(new_page, server, e2e_world, ui):
    """The guardian's own pages on a phone; then the school leader answers the correction from the inbox."""
    phone = new_page(viewport=ui.PHONE)
    ui.login(phone, server, "hc_parent")
    child = e2e_world.students["hc_parent_child"]
    assert phone.locator("h1").first.inner_text().strip() == child.name
    assert phone.locator('.sb-inbox-item[data-kind="iep.plan_to_answer"]').count() == 1
    assert phone.locator("#sb-search-q").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    ui.shot(phone, "inbox-parent-child-phone")

    submit(phone, phone.locator('.sb-inbox-item[data-kind="iep.plan_to_answer"] a'))
    assert phone.locator("#sb-plan-summary").is_visible()
    assert phone.locator("input[name=answer]:checked").count() == 0  # nothing pre-selected
    ui.shot(phone, "inbox-parent-plan-phone")
    phone.locator("label[for=sb-answer-agree_in_part]").click()
    phone.locator("#sb-answer-comment").fill("希望每周多一次户外活动")
    submit(phone, phone.locator("#sb-answer-form button[type=submit]"))
    saved = phone.locator("#sb-saved-answer")
    assert "部分同意" in saved.inner_text()
    assert phone.locator("#sb-answer-form").count() == 0
    ui.shot(phone, "inbox-parent-plan-answered-phone")

    phone.goto(f"{server}/family/{child.pk}/sessions/")
    ui.shot(phone, "inbox-parent-sessions-phone")
    phone.goto(f"{server}/family/{child.pk}/record/")
    ui.shot(phone, "inbox-parent-record-phone")

    phone.goto(f"{server}/family/{child.pk}/corrections/")
    phone.locator("#id_field").select_option("birth_date")
    phone.locator("#id_current_value").fill("2017-03-01")
    phone.locator("#id_requested_value").fill("2017-03-10")
    phone.locator("#id_reason").fill("出生医学证明上是 3 月 10 日")
    submit(phone, phone.locator("#sb-correction-form button[type=submit]"))
    assert phone.locator('.sb-correction[data-state="open"]').count() == 1
    ui.shot(phone, "inbox-parent-correction-phone")
    assert_clean(phone)

    leader = new_page()
    ui.login(leader, server, "hc_s1_leader")
    leader.goto(f"{server}/inbox/")  # the whole inbox (the home lists its first items only)
    item = leader.locator('.sb-inbox-item[data-kind="students.correction_to_answer"] a')
    assert item.count() == 1 and child.name in item.inner_text()
    ui.shot(leader, "inbox-leader-home")
    submit(leader, item)
    assert leader.locator("input[name=decision]:checked").count() == 0
    leader.locator("label[for=sb-decision-accepted]").click()
    leader.locator("#sb-request-answer-text").fill("已按出生医学证明更正出生日期")
    ui.shot(leader, "inbox-leader-correction")
    submit(leader, leader.locator("#sb-request-answer button[type=submit]"))
    assert "已按出生医学证明更正出生日期" in leader.locator("#sb-request-answered").inner_text()
    leader.goto(f"{server}/inbox/")
    assert leader.locator('.sb-inbox-item[data-kind="students.correction_to_answer"]').count() == 0
    assert_clean(leader)

    phone.goto(f"{server}/family/{child.pk}/corrections/")
    assert "已按出生医学证明更正出生日期" in phone.locator('.sb-correction[data-state="accepted"]').inner_text()
    ui.shot(phone, "inbox-parent-correction-answered-phone")
