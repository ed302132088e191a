"""Resource-room staffing (ST-4) and incentives (ST-5): full-time teachers against the students in inclusion,
part-time share, service year; evaluations, nominations, the 15 % uplift beside the home-delivery workload."""

from decimal import Decimal

import pytest

from suiban.core.errors import DomainError
from suiban.core.registry import checks
from suiban.org.models import School, SchoolYear
from suiban.staff import selectors, services
from suiban.staff.models import StaffMember, StaffYear

S1, S2 = "3502050101", "3502050102"


def test_uplift_is_rate_of_post_plus_scale_wage_in_decimal(world, user_client):
    """ST-5: full-time resource teachers of ordinary schools raise the performance-pay total by ⚙ 15 % of post
    wage + salary-scale wage, computed as Decimal to the cent; the home-delivery workload stands beside it and
    shows "—" while no module provides one."""
    assert selectors.uplift_amount(Decimal("3260.00"), Decimal("1875.00"), 0.15) == Decimal("770.25")
    assert selectors.uplift_amount(Decimal("0.10"), Decimal("0.00"), 0.15) == Decimal("0.02")  # half-up
    assert selectors.uplift_amount(None, Decimal("1"), 0.15) is None
    school = School.objects.get(code=S1)
    rows = {r["staff"].name: r for r in selectors.uplift_rows(world.users["hc_s1_leader"], school,
                                                                SchoolYear.current())}
    assert rows["李梅"]["uplift"] == Decimal("770.25") and isinstance(rows["李梅"]["uplift"], Decimal)
    assert rows["陈静"]["uplift"] is None  # part-time
    html = user_client("hc_s1_leader").get(f"/staff/incentives/?school={school.pk}").content.decode()
    assert "¥770.25" in html
    # ST-5 with HB-7: the home-delivery module's registered workload stands beside the uplift (the demo's visits)
    workload = rows["李梅"]["workload"]
    assert workload is not None and workload["visits"] > 0 and workload["hours"] > 0


def test_workload_from_registered_providers(world, user_client):
    """ST-5: the home-delivery module registers a workload provider; its visits and hours appear beside the uplift."""
    li = StaffMember.objects.get(school__code=S1, name="李梅")

    def provider(staff_ids, school_year):
        return {li.pk: {"visits": 7, "hours": Decimal("21")}} if li.pk in staff_ids else {}

    before = selectors.workloads([li.pk], SchoolYear.current()).get(li.pk, {"visits": 0, "hours": Decimal(0)})
    selectors.WORKLOAD_PROVIDERS.append(provider)
    try:
        html = user_client("hc_s1_leader").get(f"/staff/incentives/?school={li.school_id}").content.decode()
        summed = selectors.workloads([li.pk], SchoolYear.current())[li.pk]
    finally:
        selectors.WORKLOAD_PROVIDERS.remove(provider)
    assert summed["visits"] == before["visits"] + 7 and summed["hours"] == before["hours"] + 21
    assert str(summed["visits"]) in html


def test_one_nomination_per_school_by_category(world, api_client, user_client):
    """ST-5: the yearly excellent-worker nomination, ⚙ one per school, with its category, sent to the bureau."""
    leader = world.users["hc_s1_leader"]
    school = School.objects.get(code=S1)
    li = StaffMember.objects.get(school=school, name="李梅")
    n = services.nomination_create(actor=leader, school=school, school_year=SchoolYear.current(), staff=li,
                                   category="resource_teacher", reason="资源教室工作成效突出")
    assert n.region_path == school.region_path
    assert "资源教室工作成效突出" in user_client("hc_bureau").get("/staff/nominations/").content.decode()
    assert "资源教室工作成效突出" not in user_client("gd_bureau").get("/staff/nominations/").content.decode()
    with pytest.raises(DomainError) as exc:
        services.nomination_create(actor=leader, school=school, school_year=SchoolYear.current(),
                                   staff=StaffMember.objects.get(school=school, name="陈静"),
                                   category="inclusion_teacher", reason="x")
    assert exc.value.code == "nomination_limit"
    with pytest.raises(DomainError):
        services.nomination_create(actor=world.users["hc_s1_resource"], school=school,
                                   school_year=SchoolYear.current(), staff=li, category="resource_teacher", reason="x")


def test_staffing_check_full_time_teacher_and_part_time_share(world):
    """ST-4: a school with students in inclusion needs a full-time resource teacher (more by the ⚙ ratio); a
    part-time resource teacher below the ⚙ 2/3 share is a finding. The first school meets the rule."""
    sy = SchoolYear.current()
    s1, s2 = School.objects.get(code=S1), School.objects.get(code=S2)
    check = checks.checks["ST-4.staffing"]
    students = selectors.students_in_inclusion([s2.pk]).get(s2.pk, 0)
    found = [f for f in check.compute([s1.pk, s2.pk])]
    assert not [f for f in found if f.subject_id == s1.pk and f.subject_type == "school"]
    assert bool([f for f in found if f.subject_id == s2.pk]) == (students > 0)
    chen = StaffMember.objects.get(school=s1, name="陈静")
    services.staff_year_save(actor=world.users["hc_s1_leader"], staff=chen, school_year=sy, room_share="0.5",
                             version=StaffYear.objects.get(staff=chen, school_year=sy).version)
    short = [f for f in check.compute([s1.pk]) if f.subject_type == "staff"]
    assert [f.subject_id for f in short] == [chen.pk]
    assert not selectors.staffing(s1, sy)["ok"]


def test_year_of_full_time_service_recorded(world):
    """ST-4: one year of full-time service is recorded (counts as rural/weak-school service); not for a
    part-timer."""
    sy = SchoolYear.current()
    li = StaffMember.objects.get(school__code=S1, name="李梅")
    assert StaffYear.objects.get(staff=li, school_year=sy).service_recorded
    chen = StaffMember.objects.get(school__code=S1, name="陈静")
    with pytest.raises(DomainError):
        services.staff_year_save(actor=world.users["hc_s1_leader"], staff=chen, school_year=sy,
                                 full_time_resource=False, service_recorded=True)


def test_evaluation_page_saves_a_year(world, user_client):
    """ST-5: the school's evaluation of an inclusion teacher and the wages are entered on the page."""
    c = user_client("hc_s1_leader")
    school = School.objects.get(code=S1)
    wang = StaffMember.objects.get(school=school, name="王志强")
    r = c.post(f"/staff/incentives/year/?school={school.pk}",
               {"staff": wang.pk, "evaluation": "good", "post_wage": "2800", "scale_wage": "1200"})
    assert r.status_code == 302
    y = StaffYear.objects.get(staff=wang, school_year=SchoolYear.current())
    assert y.evaluation == "good" and y.post_wage == Decimal("2800.00")
    assert c.post(f"/staff/incentives/year/?school={school.pk}", {"staff": wang.pk}).status_code == 302
    assert user_client("hc_s1_resource").post(f"/staff/incentives/year/?school={school.pk}",
                                              {"staff": wang.pk}).status_code == 403
