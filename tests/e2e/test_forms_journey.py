"""Forms in a real browser at 1280 px and on a phone (390 px): the household registration picker over the
GB/T 2260 dataset (PL-1), the bureau's decision form with the placement required and 驳回 apart behind a
confirmation (PL-2, PL-9), and the draft plan's checklist with the disabled submit button and its reason
(IEP-2). Each page is also checked with axe-core."""

import itertools
from datetime import date

import pytest
from django.utils import timezone

pytestmark = pytest.mark.e2e

SCHOOL = "3502050101"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
_seq = itertools.count(1)


def _student(world, grade=2, hukou="350203"):
    from suiban.org.models import School
    from suiban.students import services

    n = next(_seq)
    s, _w = services.student_create(
        actor=world.users["hc_bureau"], name=f"林小{'一二三四五六七八九'[n % 9]}", gender="female",
        birth_date=date(timezone.localdate().year - 6 - grade, 3, 1), student_number=f"L35020566{n:010d}",
        school=School.objects.get(code=SCHOOL), grade=grade, hukou_region_code=hukou,
        disability_category="intellectual", placement="regular_class", status="active",
        committee_opinion="初始安置", guardians=[{"name": "林母", "relation": "母亲", "phone": "13800000000"}])
    return s


def _open(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")


def test_household_registration_is_picked_by_province_city_and_county(new_page, server, e2e_world, ui):
    """PL-1: the code input becomes three labelled selects; choosing 福建省 → 厦门市 → 湖里区 saves 350206 and the
    record page shows the place name. The phone layout stacks the selects."""
    s = _student(e2e_world)
    page = new_page(DESKTOP)
    ui.login(page, server, "hc_bureau")
    _open(page, f"{server}/students/{s.pk}/edit/")
    prov, city, county = (page.locator(f"#id_hukou_region_code_{k}") for k in ("province", "city", "county"))
    prov.wait_for()
    assert (prov.input_value(), city.input_value(), county.input_value()) == ("35", "3502", "350203")
    assert page.locator("label[for='id_hukou_region_code_province']").count() == 1
    assert page.locator("#id_hukou_region_code").get_attribute("type") == "hidden"
    county.select_option("350206")
    assert page.locator("#id_hukou_region_code").input_value() == "350206"
    prov.select_option("44")
    assert page.locator("#id_hukou_region_code").input_value() == ""  # incomplete until a county is chosen
    city.select_option(label="东莞市")  # a city without counties: the city's own code
    assert page.locator("#id_hukou_region_code").input_value() == "441900"
    assert not county.is_visible()
    prov.select_option("35")
    city.select_option("3502")
    county.select_option(label="湖里区")
    ui.shot(page, "forms-student-hukou-picker-1280")
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    errors = page.locator(".invalid-feedback, .alert-danger").all_inner_texts()
    assert page.url.rstrip("/").endswith(f"/students/{s.pk}"), (page.url, errors)
    assert "福建省厦门市湖里区" in page.locator("main").inner_text()
    s.refresh_from_db()
    assert s.hukou_region_code == "350206"
    assert page.js_errors == []

    phone = new_page(PHONE)
    ui.login(phone, server, "hc_bureau")
    _open(phone, f"{server}/students/{s.pk}/edit/")
    phone.locator("#id_hukou_region_code_county").wait_for()
    boxes = [phone.locator(f"#id_hukou_region_code_{k}").bounding_box() for k in ("province", "city", "county")]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"], "stacked on a phone"
    assert all(b["x"] + b["width"] <= 390 for b in boxes)
    phone.locator("#id_hukou_region_code_province").scroll_into_view_if_needed()
    ui.shot(phone, "forms-student-hukou-picker-390")
    assert phone.js_errors == []


def _case_at_committee_opinion(world):
    from suiban.students.cases import services as svc

    s = _student(world, grade=3)
    c = svc.case_submit(actor=world.users["hc_s1_leader"], student=s, kind="identification", applicant="林母",
                        reason="家长申请随班就读认定。")
    c = svc.transition(actor=world.users["hc_bureau"], case=c, to="under_review")
    return svc.transition(actor=world.users["hc_expert"], case=c, to="committee_opinion",
                          note="适宜在普通班级随班就读。")


def test_decision_form_marks_the_placement_and_keeps_reject_apart(new_page, server, e2e_world, ui):
    """PL-2/PL-9: the placement is marked required; a decision without it comes back with the message under the
    select; 驳回 opens from a separate section and is sent only after a confirmation."""
    case = _case_at_committee_opinion(e2e_world)
    page = new_page(DESKTOP)
    ui.login(page, server, "hc_bureau")
    _open(page, f"{server}/cases/{case.pk}/")
    decide = page.locator("form.sb-step[data-to='decided']")
    assert "必填" in decide.locator("label[for='sb-placement']").inner_text()
    assert not page.locator("form.sb-step[data-to='rejected']").is_visible()  # folded away
    ui.shot(page, "forms-case-decision-1280")
    decide.locator("textarea[name=note]").fill("同意认定。")
    with page.expect_navigation():
        decide.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#sb-placement-error").inner_text() == "认定决定须写明安置方式。"
    assert page.locator("form.sb-step[data-to='decided'] textarea[name=note]").input_value() == "同意认定。"
    ui.shot(page, "forms-case-decision-error-1280")

    page.locator("#sb-reject summary").click()
    reject = page.locator("form.sb-step[data-to='rejected']")
    reject.locator("textarea[name=note]").fill("材料不全。")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    reject.locator("button[type=submit]").click()
    page.wait_for_timeout(300)
    assert asked and "驳回" in asked[0]
    case.refresh_from_db()
    assert case.state == "committee_opinion", "a dismissed confirmation sends nothing"

    phone = new_page(PHONE)
    ui.login(phone, server, "hc_bureau")
    _open(phone, f"{server}/cases/{case.pk}/")
    phone.locator("form.sb-step[data-to='decided']").scroll_into_view_if_needed()
    ui.shot(phone, "forms-case-decision-390")
    assert page.js_errors == [] and phone.js_errors == []


def test_draft_plan_checklist_and_disabled_submit(new_page, server, e2e_world, ui):
    """IEP-2: an incomplete draft lists each missing field once; the submit button is disabled and says why."""
    from suiban.demo import world as demo
    from suiban.iep import services as iep

    s = _student(e2e_world)
    sy = e2e_world.years[demo.current_start_year()]
    plan = iep.plan_create(actor=e2e_world.users["hc_s1_resource"], student=s, school_year=sy,
                           disability_assessment="轻度智力障碍", academic_assessment="语文二年级水平")
    page = new_page(DESKTOP)
    ui.login(page, server, "hc_s1_resource")
    _open(page, f"{server}/iep/{plan.pk}/")
    items = page.locator("#sb-missing li").all_inner_texts()
    assert len(items) == len(set(items)) >= 5
    button = page.locator("form.sb-step[data-to='in_review'] button[type=submit]")
    assert button.is_disabled()
    assert "暂不能提交" in page.locator("#sb-submit-why").inner_text()
    ui.shot(page, "forms-iep-draft-checklist-1280")
    phone = new_page(PHONE)
    ui.login(phone, server, "hc_s1_resource")
    _open(phone, f"{server}/iep/{plan.pk}/")
    ui.shot(phone, "forms-iep-draft-checklist-390")
    _open(page, f"{server}/iep/{plan.pk}/edit/")
    page.locator("#sb-meeting-staff").scroll_into_view_if_needed()
    ui.shot(page, "forms-iep-draft-edit-1280")
    assert page.js_errors == [] and phone.js_errors == []
