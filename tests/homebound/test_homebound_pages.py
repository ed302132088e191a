"""Pages of home-delivered education: opening and activating an enrolment, the plan's new version, the phone
form, corrections, confirmation and disowning from the visit page, lists in a fixed number of queries
(HB-1..HB-8)."""

from datetime import time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from hb_helpers import HC_S1

from suiban.funds.models import LedgerEntry
from suiban.homebound import visits
from suiban.homebound.models import Enrolment, Visit


def _day(year, weekday=1, week=1):
    start = year.start_date - timedelta(days=year.start_date.weekday())
    return start + timedelta(days=7 * week + weekday)


def test_leader_opens_confirms_and_activates_on_the_pages(world, user_client, year, pool, homebound_student):
    """HB-1/HB-2/HB-3: the leader opens an enrolment on the page, confirms the two criteria the record cannot know
    with evidence, and activates it; activation before that is refused with each condition named."""
    s = homebound_student()
    c = user_client("hc_s1_leader")
    r = c.get("/homebound/new/")
    assert r.status_code == 200 and str(s.pk) in {v for v, _l in r.context["form"].fields["student"].choices}
    r = c.post("/homebound/new/", {"student": s.pk, "place": "家中", "teacher_ids": [str(i) for i in pool[:2]],
                                   "visits_per_week": 2, "hours_per_visit": 3, "teaching": "生活语文",
                                   "rehabilitation": "动作训练", "rehab_areas": ["motor"], "rehab_provider": "",
                                   "goals": "认识水果"})
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    e = Enrolment.objects.get(student=s)
    r = c.post(f"/homebound/{e.pk}/", {"action": "activate", "version": e.version}, follow=True)
    assert Enrolment.objects.get(pk=e.pk).state == "draft"
    assert "基本具备接受教育的能力" in r.content.decode()
    for crit in ("cannot_attend_school", "able_to_learn"):
        c.post(f"/homebound/{e.pk}/", {"action": "confirm", "criterion": crit, "met": "on", "evidence": "评估记录"})
    e.refresh_from_db()
    c.post(f"/homebound/{e.pk}/", {"action": "activate", "version": e.version})
    assert Enrolment.objects.get(pk=e.pk).state == "active"


def test_plan_page_saves_a_new_version(world, user_client, year, pool, active_enrolment):
    """HB-2/HB-4: the plan page saves a new version effective from its date."""
    e = active_enrolment()
    c = user_client("hc_s1_leader")
    r = c.post(f"/homebound/{e.pk}/plan/", {"version": e.version, "effective_from": _day(year, 0, 3).isoformat(),
                                             "teacher_ids": [str(pool[0]), str(pool[2])], "visits_per_week": 3,
                                             "hours_per_visit": 3, "rehab_areas": ["language"]})
    assert r.status_code == 302
    assert list(e.plan_versions.values_list("number", "visits_per_week")) == [(1, 2), (2, 3)]


def test_phone_form_records_and_rejects_one_teacher(world, user_client, year, pool, active_enrolment):
    """HB-4: the phone form is prefilled with the plan's teachers; one teacher is refused next to the field and
    nothing is posted; two are saved with the subsidy."""
    e = active_enrolment()
    c = user_client("hc_s1_resource")
    r = c.get(f"/homebound/{e.pk}/visit/")
    assert r.context["form"].initial["teacher_ids"] == [str(i) for i in pool[:2]]
    data = {"status": "delivered", "date": _day(year).isoformat(), "start_time": "09:00", "end_time": "12:00",
            "mode": "onsite", "place": "家中", "notes": "小记", "client_ref": "page-1"}
    n = LedgerEntry.objects.count()
    r = c.post(f"/homebound/{e.pk}/visit/", {**data, "teacher_ids": [str(pool[0])]})
    assert r.status_code == 200 and r.context["form"].errors["teacher_ids"]
    assert LedgerEntry.objects.count() == n
    r = c.post(f"/homebound/{e.pk}/visit/", {**data, "teacher_ids": [str(i) for i in pool[:2]]})
    assert r.status_code == 302
    assert Visit.objects.get(enrolment=e).subsidy == 120


def test_visit_page_correction_and_disowning(world, user_client, year, pool, active_enrolment):
    """HB-6/HB-7: a correction from the visit page records before/after and reverses the subsidy; the recording
    teacher disowns the visit from the page (a recorded correction with its reversal)."""
    e = active_enrolment()
    v = visits.visit_record(actor=world.users["hc_s1_resource"], enrolment=e, date=_day(year), teacher_ids=pool[:2],
                            start_time=time(9), end_time=time(12))
    c = user_client("hc_s1_leader")
    r = c.post(f"/homebound/visits/{v.pk}/", {
        "action": "correct", "version": v.version, "status": "delivered", "date": v.date.isoformat(),
        "start_time": "09:00", "end_time": "12:00", "teacher_ids": [str(i) for i in pool[:3]], "place": v.place,
        "mode": "onsite", "notes": "", "reason": "", "makeup_date": "", "why": "三人同去"})
    assert r.status_code == 302
    v.refresh_from_db()
    assert v.version == 2 and v.subsidy == 180
    r = user_client("hc_s1_resource").post(f"/homebound/visits/{v.pk}/", {"action": "disown", "why": "当天请假"})
    assert r.status_code == 302
    v.refresh_from_db()
    assert v.version == 3 and v.subsidy == 120 and v.corrections.count() == 2
    page = user_client("hc_s1_leader").get(f"/homebound/visits/{v.pk}/")
    assert "三人同去" in page.content.decode() and "当天请假" in page.content.decode()


def test_lists_in_a_fixed_number_of_queries(world, user_client, year, pool, active_enrolment):
    """HB-4: the enrolment list and the district list behind pace do not grow with the number of rows."""
    c = user_client("hc_bureau")

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    count("/homebound/"), count("/homebound/behind/")  # warm the session and the policy cache
    before = (count("/homebound/"), count("/homebound/behind/"))
    for _ in range(3):
        active_enrolment()
    assert (count("/homebound/"), count("/homebound/behind/")) == before


def test_homebound_student_is_offered_a_plan_on_the_iep_page(world, user_client, homebound_student):
    """HB-8: the page that starts a plan offers homebound students too."""
    s = homebound_student()
    r = user_client("hc_s1_resource").get("/iep/new/")
    assert s in list(r.context["students"])
    assert s.school.code == HC_S1
