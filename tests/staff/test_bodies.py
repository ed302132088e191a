"""Itinerant guidance (ST-6), working groups (ORG-6), centres at every level (ORG-7), the expert committee's
opinions (PL-16), and the rubric evidence of the staff module (RR-7 lines 1.2, 10, 13, 15)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from suiban.core.errors import DomainError
from suiban.core.registry import evidence, inbox
from suiban.org import services as org_services
from suiban.org.models import Region, ResourceCentre, School, SchoolYear
from suiban.staff import selectors, services
from suiban.staff.models import CommitteeOpinion, Expert, ItinerantVisit, StaffMember, WorkingGroup
from suiban.students.models import Case, Student

S1, S2 = "3502050101", "3502050102"


def test_itinerant_visit_recorded_answered_and_coverage(world, api_client, user_client):
    """ST-6: the centre's teacher records a visit (date, school, teacher, students seen, advice, follow-up with its
    due date); the school sees it in its inbox and answers; the district sees the schools not visited this term."""
    s2 = School.objects.get(code=S2)
    term = selectors.term_of(timezone.localdate())
    assert s2 in selectors.schools_not_visited(world.users["hc_bureau"], term)
    before = api_client("hc_bureau").get("/api/v1/itinerant-visits/coverage").json()
    assert S2 in {i["school_code"] for i in before["items"]} and S1 not in {i["school_code"] for i in before["items"]}
    assert School.objects.get(code=S1) not in selectors.schools_not_visited(world.users["hc_bureau"], term)
    student = Student.objects.filter(school=s2, status="active").first()
    centre = api_client("hc_center")
    body = {"school_id": s2.pk, "date": timezone.localdate().isoformat(), "advice": "调整座位，分层布置作业",
            "student_ids": [student.pk] if student else [], "follow_up": "两周后反馈课堂观察记录",
            "follow_up_due": (timezone.localdate() + timedelta(days=14)).isoformat(), "client_ref": "visit-1"}
    r = centre.post("/api/v1/itinerant-visits", body)
    assert r.status_code == 201, r.content
    visit = r.json()
    assert visit["teacher_name"] == "黄丽娟" and visit["follow_up_due"] == body["follow_up_due"]
    assert centre.post("/api/v1/itinerant-visits", body).json()["id"] == visit["id"]  # client_ref
    assert s2 not in selectors.schools_not_visited(world.users["hc_bureau"], term)
    assert centre.post("/api/v1/itinerant-visits", {**body, "client_ref": "", "follow_up_due": None}
                       ).status_code == 422
    items = [i for i in inbox.items_for(world.users["hc_s2_leader"]) if i.kind == "staff.itinerant_follow_up"]
    assert [i.object_id for i in items] == [visit["id"]]
    r = api_client("hc_s2_leader").post(f"/api/v1/itinerant-visits/{visit['id']}/response",
                                        {"response": "已按建议调整并提交观察记录"})
    assert r.status_code == 200 and r.json()["response"]
    assert not [i for i in inbox.items_for(world.users["hc_s2_leader"]) if i.kind == "staff.itinerant_follow_up"]
    assert api_client("hc_s1_leader").post(f"/api/v1/itinerant-visits/{visit['id']}/response",
                                           {"response": "x"}).status_code == 404
    coverage = api_client("hc_bureau").get("/api/v1/itinerant-visits/coverage").json()
    assert S2 not in {i["school_code"] for i in coverage["items"]} and coverage["count"] == len(coverage["items"])
    assert {i["school_code"] for i in api_client("hc_s1_leader").get("/api/v1/itinerant-visits/coverage")
            .json()["items"]} <= {S1}
    html = user_client("hc_center").get("/staff/visits/").content.decode()
    assert "sb-not-visited" in html


def test_working_group_led_by_principal_with_members_and_meetings(world, user_client):
    """ORG-6: the school's working group per school year, led by the principal, members by function, meetings
    with minutes."""
    school = School.objects.get(code=S2)
    sy = SchoolYear.current()
    with pytest.raises(DomainError):
        services.working_group_save(actor=world.users["hc_s2_leader"], school=school, school_year=sy,
                                    members=[{"name": "吴老师", "function": "class_teacher"}])
    g = services.working_group_save(actor=world.users["hc_s2_leader"], school=school, school_year=sy, members=[
        {"name": "吴国平", "function": "principal"}, {"name": "林医生", "function": "school_doctor"},
        {"name": "陈老师", "function": "counsellor"}])
    services.working_group_meeting_add(actor=world.users["hc_s2_leader"], group=g, date_=timezone.localdate(),
                                       topic="工作部署", minutes="研究随班就读工作安排")
    html = user_client("hc_s2_leader").get(f"/staff/group/?school={school.pk}").content.decode()
    assert "吴国平" in html and "工作部署" in html
    assert user_client("hc_s1_leader").get(f"/staff/group/?school={school.pk}").status_code == 404
    demo = WorkingGroup.objects.get(school__code=S1, school_year=sy)
    assert {m.function for m in demo.members.all()} >= {"principal", "resource_teacher", "school_doctor"}


def test_centres_at_province_city_and_county(world, user_client):
    """ORG-7: resource centres at province, city and county level; a city centre guides its counties' centres."""
    admin = world.admin
    city = Region.objects.get(code="350200")
    province = Region.objects.get(code="350000")
    cc = org_services.centre_create(actor=admin, region=city, name="厦门市特殊教育资源中心")
    pc = org_services.centre_create(actor=admin, region=province, name="福建省特殊教育资源中心")
    county = ResourceCentre.objects.get(region__code="350205")
    assert county in cc.guided_centres() and county.guiding_centre() == cc
    assert cc in pc.guided_centres() and cc.guiding_centre() == pc and pc.guiding_centre() is None
    assert cc.level == "city" and pc.level == "province"
    html = user_client("fj_province").get("/staff/experts/").content.decode()
    assert "厦门市特殊教育资源中心" in html and "海沧区特殊教育资源中心" in html
    assert user_client("fj_province").get("/org/centres/new/").status_code == 200


def test_centre_staff_and_expert_pool_by_field(world, api_client):
    """ORG-7: a centre has full-time staff and itinerant teachers and an expert pool by field."""
    centre = ResourceCentre.objects.get(region__code="350205")
    pool = Expert.objects.filter(centre=centre, body=Expert.CENTRE_POOL)
    assert {e.field for e in pool} >= {"rehabilitation", "parents"}
    assert StaffMember.objects.filter(centre=centre, itinerant=True, user=world.users["hc_center"]).exists()
    r = api_client("hc_bureau").post("/api/v1/staff", {"name": "郭晓", "kind": "centre", "centre_id": centre.pk,
                                                       "itinerant": True, "qualification": "special_ed_degree"})
    assert r.status_code == 201 and r.json()["centre_id"] == centre.pk
    gd_centre = ResourceCentre.objects.get(region__code="440106")
    assert api_client("hc_bureau").post("/api/v1/staff", {"name": "x", "kind": "centre",
                                                          "centre_id": gd_centre.pk}).status_code == 422


def _case_under_review():
    case = Case.objects.filter(school__code=S1).order_by("id").first()
    Case.objects.filter(pk=case.pk).update(state="under_review")
    case.refresh_from_db()
    return case


def test_committee_opinion_three_aspects_and_members(world, api_client, user_client):
    """PL-16: committee members have their field; each opinion covers physical condition, ability to receive
    education and ability to adapt to school life, and names the members who gave it."""
    case = _case_under_review()
    members = services.committee_members_for(case)
    assert {e.field for e in members} >= {"education", "medicine", "psychology"}
    expert = api_client("hc_expert")
    full = {"physical_condition": "双耳听力损失，佩戴助听器", "education_ability": "能够接受普通教育",
            "adaptation_ability": "能适应学校生活", "member_ids": [members[0].pk, members[1].pk]}
    r = expert.post(f"/api/v1/cases/{case.pk}/opinions", {**full, "education_ability": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "education_ability"
    assert expert.post(f"/api/v1/cases/{case.pk}/opinions", {**full, "member_ids": []}).status_code == 422
    pool_expert = Expert.objects.filter(body=Expert.CENTRE_POOL).first()
    assert expert.post(f"/api/v1/cases/{case.pk}/opinions",
                       {**full, "member_ids": [pool_expert.pk]}).status_code == 422
    r = expert.post(f"/api/v1/cases/{case.pk}/opinions", full)
    assert r.status_code == 201, r.content
    assert {m["id"] for m in r.json()["members"]} == set(full["member_ids"])
    assert CommitteeOpinion.objects.filter(case=case).count() == 1
    assert api_client("hc_bureau").post(f"/api/v1/cases/{case.pk}/opinions", full).status_code == 403
    html = user_client("hc_bureau").get(f"/cases/{case.pk}/").content.decode()
    assert "sb-committee-opinions" in html and "双耳听力损失" in html and members[0].name in html
    form = user_client("hc_expert").get(f"/cases/{case.pk}/").content.decode()
    assert 'name="physical_condition"' in form


def test_rubric_evidence_lines(world):
    """RR-7 via ORG-6/ST-6/ST-2/ST-3/ST-4: the staff module proposes scores for lines 1.2, 10, 13 and 15 with its
    reasoning."""
    school = School.objects.get(code=S1)
    sy = SchoolYear.current()
    e12 = evidence.for_line("1.2", school, sy)
    assert Decimal(0) < e12.proposed_score <= Decimal(3) and e12.reasoning
    e10 = evidence.for_line("10", school, sy)
    assert e10.proposed_score is not None and e10.proposed_score <= Decimal(7)
    v = ItinerantVisit.objects.filter(school=school).first()
    services.itinerant_follow_up_answer(actor=world.users["hc_s1_leader"], visit=v, response="已整改")
    assert evidence.for_line("10", school, sy).proposed_score > e10.proposed_score or e10.proposed_score == 7
    e13 = evidence.for_line("13", school, sy)
    assert e13.proposed_score >= Decimal(4)  # the fixed resource teacher is qualified
    e15 = evidence.for_line("15", school, sy)
    assert e15.proposed_score >= Decimal(1)  # the part-timer's share (0.70) reaches two thirds
    empty = evidence.for_line("1.2", School.objects.get(code=S2), sy)
    assert empty.proposed_score == 0
