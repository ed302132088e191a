"""Home-delivered education in a real browser, on a 390×844 phone (HB-1, HB-4..HB-7).

The school leader sees the enrolment page with its eligibility checklist; on a phone the resource teacher opens
the enrolment of a homebound pupil (prefilled visit form: the place and the plan's two teachers already chosen),
records two visits this week — one with a photo — sees the photo and the subsidy on the visit page, the
progress page shows this week met, and each visit's subsidy (2 × 60 yuan) is in the school's funds ledger.

Screenshots: tests/e2e/screenshots/homebound-*.png.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.e2e

SCHOOL = "3502050101"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00"
       b"\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


def assert_clean(page):
    assert page.js_errors == [], page.js_errors
    assert page.bad_responses == [], page.bad_responses


def submit(page, button):
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state("networkidle")


def fresh_enrolment(world):
    """A new homebound pupil of the first school with an active enrolment and the demo pool's two teachers."""
    from suiban.demo import world as demo
    from suiban.demo.homebound import _pool
    from suiban.homebound import services
    from suiban.org.models import School
    from suiban.students import services as student_services

    school = School.objects.get(code=SCHOOL)
    year = world.years[demo.current_start_year()]
    teachers = _pool(world, school, year)
    s, _w = student_services.student_create(
        actor=world.users["hc_bureau"], name="周雨桐", gender="female",
        birth_date=date(demo.current_start_year() - 9, 4, 2), student_number="L350205990000000077",
        hukou_region_code="350205", school=school, grade=3, disability_category="multiple", disability_grade=1,
        certified_by="dpf", placement="homebound", status="active", committee_opinion="送教上门",
        guardians=[{"name": "周母", "relation": "母亲"}])
    e = services.enrolment_create(
        actor=world.users["hc_s1_leader"], student=s, school_year=year, start_date=year.start_date,
        teacher_ids=teachers, place="周雨桐家中（海沧街道）", goals="认识常见水果；坐姿保持10分钟",
        eligibility={"cannot_attend_school": {"met": True, "evidence": "专家委员会意见"},
                     "able_to_learn": {"met": True, "evidence": "入户评估"}})
    return services.enrolment_update(actor=world.users["hc_s1_leader"], enrolment=e, state="active"), teachers


def test_phone_visit_with_two_teachers_and_a_photo(server, e2e_world, new_page, ui, tmp_path):
    """HB-4..HB-7: two visits recorded on a phone (two teachers each, one with a photo) meet this week; each posts
    2 × 60 yuan to the ledger; the eligibility checklist shows every condition met (HB-1)."""
    from suiban.funds.models import LedgerEntry
    from suiban.homebound.models import Visit

    e, teachers = fresh_enrolment(e2e_world)
    leader = new_page()
    ui.login(leader, server, "hc_s1_leader")
    leader.goto(f"{server}/homebound/{e.pk}/")
    assert leader.locator("#sb-eligibility li").count() == 6
    assert leader.locator("#sb-eligibility .bi-check-circle-fill").count() == 6
    ui.shot(leader, "homebound-enrolment")
    assert_clean(leader)

    page = new_page(viewport=ui.PHONE)
    ui.login(page, server, "hc_s1_resource")
    page.goto(f"{server}/homebound/")
    page.get_by_role("link", name="周雨桐").click()
    page.wait_for_load_state("networkidle")
    page.locator("#sb-record-visit").click()
    page.wait_for_load_state("networkidle")
    # prefilled from the enrolment: the plan's two teachers are chosen, the place is the pupil's home
    assert page.locator("input[name=teacher_ids]:checked").count() == 2
    assert "周雨桐家中" in page.locator("details summary").inner_text()
    assert "2" in page.locator("#sb-teacher-check").inner_text()
    # unchecking a teacher shows the two-teacher rule at once
    page.locator("label[for=sb-teacher_ids-2]").click()
    assert "text-danger" in page.locator("#sb-teacher-check").get_attribute("class")
    page.locator("label[for=sb-teacher_ids-2]").click()
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    page.locator("#id_date").fill(monday.isoformat())
    page.locator("#id_notes").fill("认识苹果和香蕉，能指认3种水果。")
    photo = tmp_path / "visit.png"
    photo.write_bytes(PNG)
    page.locator("#id_photo").set_input_files(str(photo))
    ui.shot(page, "homebound-visit-form-phone")
    submit(page, page.locator("#sb-save-visit"))
    assert "/homebound/visits/" in page.url
    assert page.locator("#sb-attachments img").count() == 1
    assert "120.00" in page.locator("#sb-subsidy").inner_text()
    ui.shot(page, "homebound-visit-phone")

    page.goto(f"{server}/homebound/{e.pk}/visit/")
    page.locator("#id_date").fill(min(today, monday + timedelta(days=2)).isoformat())
    submit(page, page.locator("#sb-save-visit"))
    page.goto(f"{server}/homebound/{e.pk}/progress/")
    page.wait_for_load_state("networkidle")
    row = page.locator(f"#sb-weeks tr[data-week='{monday.isoformat()}']")
    assert row.locator(".sb-met").count() == 1
    assert page.locator("#sb-chart svg").count() == 1
    ui.shot(page, "homebound-progress-phone")
    assert_clean(page)

    visits = list(Visit.objects.filter(enrolment=e))
    assert len(visits) == 2 and all(v.visit_teachers.count() == 2 for v in visits)
    entries = LedgerEntry.objects.filter(origin="homebound_subsidy", origin_ref__in=[f"visit:{v.pk}:1" for v in visits])
    assert sorted(str(x.amount) for x in entries) == ["120.00", "120.00"]
    assert {x.category for x in entries} == {"transport_subsidy"}
