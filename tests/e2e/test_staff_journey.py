"""Resource-teacher pools in a real browser (ST-1, ST-2, ST-6).

The leader of 海沧区新阳小学 (hc_s2_leader) opens this school year's pool by renewing last year's, adds a
purchased teaching assistant and files it with the bureau; on the bureau's filing page (hc_bureau) the school
shows as filed (after 1 September in the demo calendar: filed late) while 海沧区育才中学 is missing; the staff
list and a staff member's training show on a phone; the centre's visit page lists the schools not visited.

Screenshots: tests/e2e/screenshots/staff-*.png.
"""

import pytest

pytestmark = pytest.mark.e2e

S2 = "3502050102"  # 海沧区新阳小学
S3 = "3502050201"  # 海沧区育才中学


def submit(page, button):
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state("networkidle")


def test_leader_renews_adds_assistant_files_and_bureau_sees_it(server, new_page, ui):
    """ST-1: renew last year's pool, add a purchased assistant, file it; the bureau sees it filed and another
    school missing."""
    from suiban.org.models import School
    from suiban.staff.models import Pool

    school = School.objects.get(code=S2)
    page = new_page()
    ui.login(page, server, "hc_s2_leader")
    page.goto(f"{server}/staff/pools/?school={school.pk}")
    ui.shot(page, "staff-1-pools")
    assert page.locator("#sb-open-pool").is_visible()
    submit(page, page.locator("#sb-renew"))
    assert "/staff/pools/" in page.url
    members = page.locator("#sb-members li")
    assert members.count() >= 2  # last year's members came along
    assert "林晓燕" in page.locator("#sb-members").inner_text()
    form = page.locator("#sb-add-member")
    form.locator("#id_new_name").fill("郑小燕")
    form.locator("#id_kind").select_option("assistant")
    submit(page, form.locator("button"))
    assert "郑小燕" in page.locator("#sb-members").inner_text()
    assert "助教陪读" in page.locator("#sb-members").inner_text()
    ui.shot(page, "staff-2-pool-with-assistant")
    submit(page, page.locator("#sb-file"))
    assert page.locator("#sb-pool-state [data-state]").get_attribute("data-state") in ("filed", "late")
    assert page.locator("#sb-file").count() == 0
    ui.shot(page, "staff-3-pool-filed")
    pool = Pool.objects.get(school=school, school_year__start_year=Pool.objects.order_by("-school_year__start_year")
                            .first().school_year.start_year)
    assert pool.state == "filed" and pool.members.filter(staff__name="郑小燕", kind="assistant").exists()
    assert page.js_errors == []

    bureau = new_page()
    ui.login(bureau, server, "hc_bureau")
    bureau.goto(f"{server}/staff/filing/")
    filed = bureau.locator(f"#sb-filing [data-school='{S2}'] [data-state]").get_attribute("data-state")
    assert filed in ("filed", "late")
    assert bureau.locator(f"#sb-filing [data-school='{S3}'] [data-state]").get_attribute("data-state") == "missing"
    assert int(bureau.locator("[data-count=missing]").inner_text()) >= 1
    ui.shot(bureau, "staff-4-bureau-filing")
    bureau.goto(f"{server}/staff/filing/?state=missing")
    assert bureau.locator(f"#sb-filing [data-school='{S2}']").count() == 0
    assert bureau.js_errors == []


def test_staff_and_visits_on_a_phone(server, new_page, ui):
    """ST-2, ST-7, ST-6 on a 390×844 phone: the staff list with training hours, a teacher's training, the
    centre's visits with the schools not visited this term."""
    from suiban.staff.models import StaffMember

    phone = new_page(viewport=ui.PHONE)
    ui.login(phone, server, "hc_s1_leader")
    phone.goto(f"{server}/staff/people/")
    assert "王志强" in phone.locator("#sb-staff").inner_text()
    ui.shot(phone, "staff-5-phone-staff")
    li = StaffMember.objects.get(school__code="3502050101", name="李梅")
    phone.goto(f"{server}/staff/people/{li.pk}/")
    assert "福建省随班就读资源教师专项培训" in phone.locator("#sb-trainings").inner_text()
    ui.shot(phone, "staff-6-phone-training")
    phone.goto(f"{server}/staff/incentives/")
    assert "770.25" in phone.locator("#sb-uplift").inner_text()
    ui.shot(phone, "staff-7-phone-incentives")
    centre = new_page(viewport=ui.PHONE)
    ui.login(centre, server, "hc_center")
    centre.goto(f"{server}/staff/visits/")
    assert "海沧区新阳小学" in centre.locator("#sb-not-visited").inner_text()
    ui.shot(centre, "staff-8-phone-visits")
    assert phone.js_errors == [] and centre.js_errors == []
