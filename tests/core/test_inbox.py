"""The inbox (ARCHITECTURE "Pages": each role's home starts with what needs doing; API.md ``GET /api/v1/inbox``):
for each provider — make the data, see the item, act, see it gone — the API's shape, the home page's order, the
figures that link to the lists they count, and the cases' "waiting for me" filter (PL-9)."""

import itertools
from datetime import date, timedelta

import pytest
from django.utils import timezone

from suiban.core.registry import InboxItem, inbox
from suiban.demo import world as demo
from suiban.iep import services as iep
from suiban.iep.models import Plan
from suiban.org.models import School, SchoolYear
from suiban.students import services as student_services
from suiban.students.cases import services as cases
from suiban.students.models import Case, Student

HC_S1, HC_S2, GD_S1 = "3502050101", "3502050102", "4401060101"
_seq = itertools.count(1)


def kinds(user, kind):
    return [i for i in inbox.items_for(user) if i.kind == kind]


def ids(user, kind):
    return {i.object_id for i in kinds(user, kind)}


@pytest.fixture
def new_student(world):
    def make(school_code=HC_S1, grade=2):
        n = next(_seq)
        school = School.objects.get(code=school_code)
        actor = world.users["hc_bureau" if school_code.startswith("35") else "gd_bureau"]
        start = demo.current_start_year()
        s, _w = student_services.student_create(
            actor=actor, name=f"待办{n}", gender="female", birth_date=date(start - 6 - grade, 3, 1),
            student_number=f"L{school_code[:6]}88{n:010d}", school=school, grade=grade, school_class=None,
            disability_category="intellectual", placement="regular_class", status="active",
            committee_opinion="测试安置", guardians=[{"name": "家长", "relation": "父亲"}])
        return s
    return make


def plan_in_review(world, student) -> Plan:
    sy = SchoolYear.current()
    met = min(sy.start_date + timedelta(days=10), timezone.localdate())
    goals = [{"domain": "daily_living", "target_behaviour": "能独立整理书包", "start_date": sy.start_date,
              "end_date": sy.end_date, "measures": "任务分解", "attainment_method": "检核表",
              "short_term": [{"target_behaviour": "能放入课本", "baseline": "需要提示", "target_level": "独立完成",
                              "measurement": "checklist", "mastery_criterion": "连续 5 天",
                              "responsible_teacher": "李梅",
                              "start_date": sy.start_date, "end_date": sy.end_date, "measures": "课表卡片",
                              "attainment_method": "检核表"}]}]
    p = iep.plan_create(actor=world.users["hc_s1_resource"], student=student, school_year=sy, goals=goals,
                        start_date=sy.start_date, end_date=sy.end_date, baseline_collected_by="张悦",
                        baseline_collected_on=met, disability_assessment="轻度", academic_assessment="一年级",
                        social_adaptation="良好", family_education="陪伴", support_needs="个别辅导",
                        meeting_date=met, meeting_participants=[{"name": "王志强", "role": "working_group"}],
                        meeting_conclusions="生活自理")
    return iep.transition(actor=world.users["hc_s1_resource"], plan=p, to="in_review")


# --- the API --------------------------------------------------------------------------------------------------
def test_inbox_api_shape(api_client, world):
    """API.md: GET /api/v1/inbox → {count, items: [{kind, title, url, due_date, object {type, id}}]}."""
    r = api_client("hc_bureau").get("/api/v1/inbox")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == len(body["items"]) > 0
    for item in body["items"]:
        assert {"kind", "title", "url", "due_date", "object"} <= set(item)
        assert set(item["object"]) == {"type", "id"}
        assert item["url"].startswith("/")
    assert api_client().get("/api/v1/inbox").status_code == 401


def test_inbox_of_an_account_without_work_is_empty(api_client, world):
    """The security administrator has nothing of the students' work to do."""
    assert api_client("secadmin").get("/api/v1/inbox").json() == {"count": 0, "items": []}


def test_home_renders_whatever_the_registry_returns_overdue_first(user_client, world, monkeypatch):
    """Other modules register their providers: the home shows every item, overdue ones first and highlighted."""
    def provider(user):
        yield InboxItem("test.later", "以后再做的事", "/later/", date(2000, 1, 2))
        yield InboxItem("test.late", "已经逾期的事", "/late/", date(2000, 1, 1), "plan", 7, overdue=True)

    monkeypatch.setitem(inbox.providers, "test.items", type(next(iter(inbox.providers.values())))(
        "test.items", provider, "dashboard.view"))
    html = user_client("hc_s1_leader").get("/").content.decode()
    assert html.index("已经逾期的事") < html.index("以后再做的事")
    assert 'sb-inbox-item sb-overdue" data-kind="test.late"' in html
    # the inbox comes before the figures
    assert html.index('id="sb-inbox"') < html.index('data-stat="student_total"')


# --- cases (PL-9, PL-7) ---------------------------------------------------------------------------------------
def test_case_moves_through_the_inboxes_of_bureau_expert_and_bureau(world, new_student):
    """PL-9: a submitted case waits for the bureau's routing, then the committee's opinion, then the decision;
    each step leaves the one inbox and enters the next."""
    bureau, expert = world.users["hc_bureau"], world.users["hc_expert"]
    c = cases.case_submit(actor=world.users["hc_s1_leader"], student=new_student(), kind="identification",
                          applicant="家长", reason="申请认定")
    assert c.pk in ids(bureau, "cases.to_route")
    assert c.pk not in ids(expert, "cases.for_opinion")
    assert c.pk not in ids(world.users["gd_bureau"], "cases.to_route")  # another district's bureau
    c = cases.transition(actor=bureau, case=c, to="under_review")
    assert c.pk not in ids(bureau, "cases.to_route")
    assert c.pk in ids(expert, "cases.for_opinion")
    c = cases.transition(actor=expert, case=c, to="committee_opinion", note="建议随班就读")
    assert c.pk not in ids(expert, "cases.for_opinion")
    assert c.pk in ids(bureau, "cases.to_decide")
    cases.transition(actor=bureau, case=c, to="rejected", note="材料不全")
    assert c.pk not in ids(bureau, "cases.to_decide")


def test_transfer_waits_for_the_receiving_school(world):
    """PL-7: the receiving school's leader answers an incoming transfer from the inbox; answered, it is gone."""
    busy = Case.objects.filter(state__in=Case.OPEN_STATES).values("student_id")
    student = (Student.objects.filter(school__code=HC_S1, status="active", placement="regular_class")
               .exclude(pk__in=busy).exclude(pk=world.students["hc_parent_child"].pk).order_by("id").first())
    c = cases.case_submit(actor=world.users["hc_s1_leader"], student=student, kind="transfer", applicant="家长",
                          reason="搬家", direction="to_special", target_school=School.objects.get(code=HC_S2))
    leader2 = world.users["hc_s2_leader"]
    assert c.pk in ids(leader2, "cases.transfer_to_answer")
    assert c.pk not in ids(world.users["hc_s1_leader"], "cases.transfer_to_answer")
    cases.transfer_respond(actor=leader2, case=c, accept=True)
    assert c.pk not in ids(leader2, "cases.transfer_to_answer")


def test_cases_waiting_for_me_filter_and_next_step(user_client, api_client, world, new_student):
    """PL-9: the cases list filters the cases waiting for the user's step and says whose step is next."""
    c = cases.case_submit(actor=world.users["hc_s1_leader"], student=new_student(), kind="identification",
                          applicant="家长", reason="申请认定")
    r = user_client("hc_bureau").get("/cases/?waiting=1")
    listed = {x.pk for x in r.context["page"]}
    assert c.pk in listed
    assert all(x.state in ("submitted", "committee_opinion", "under_review", "decided") for x in r.context["page"])
    assert "由教育局转交审核" in r.content.decode()
    # the expert waits on nothing submitted; the API filters the same way
    assert c.pk not in {x.pk for x in user_client("hc_expert").get("/cases/?waiting=1").context["page"]}
    api = api_client("hc_bureau").get("/api/v1/cases?waiting=true&page_size=500").json()
    assert c.pk in {i["id"] for i in api["items"]}
    assert c.pk not in {i["id"] for i in api_client("hc_expert").get("/api/v1/cases?waiting=true").json()["items"]}
    assert "下一步" in user_client("hc_s1_leader").get(f"/cases/{c.pk}/").content.decode()


# --- plans (IEP-1..IEP-3) -------------------------------------------------------------------------------------
def test_plan_in_review_waits_for_leader_and_itinerant_teacher(world, new_student):
    """The plan in review is in the leader's inbox (to put in force) and the itinerant teacher's (to comment);
    the comment clears the teacher's item, putting it in force the leader's."""
    p = plan_in_review(world, new_student())
    leader, centre = world.users["hc_s1_leader"], world.users["hc_center"]
    assert p.pk in ids(leader, "iep.plan_to_approve")
    assert p.pk in ids(centre, "iep.plan_to_comment")
    assert p.pk not in ids(world.users["hc_s2_leader"], "iep.plan_to_approve")
    iep.plan_comment(actor=centre, plan=p, note="建议增加同伴互助")
    assert p.pk not in ids(centre, "iep.plan_to_comment")
    iep.transition(actor=leader, plan=p, to="in_force")
    assert p.pk not in ids(leader, "iep.plan_to_approve")


def test_guardian_answer_clears_the_guardians_item_and_reaches_the_teacher(world, user_client):
    """The guardian is asked to answer the plan in force; once answered, the class teacher is told until they
    open the plan."""
    parent, teacher = world.users["hc_parent"], world.users["hc_s1_class"]
    child = world.students["hc_parent_child"]
    plan = Plan.objects.get(student=child, state="in_force", school_year=SchoolYear.current())
    assert plan.pk in ids(parent, "iep.plan_to_answer")
    assert kinds(parent, "iep.plan_to_answer")[0].url == f"/family/{child.pk}/plan/"
    iep.plan_respond(actor=parent, plan=plan, answer="agree_in_part", comment="希望多安排户外活动")
    assert plan.pk not in ids(parent, "iep.plan_to_answer")
    assert plan.pk in ids(teacher, "iep.guardian_answered")
    assert plan.pk not in ids(world.users["hc_s2_leader"], "iep.guardian_answered")
    user_client("hc_s1_class").get(f"/iep/{plan.pk}/")
    assert plan.pk not in ids(teacher, "iep.guardian_answered")


def test_review_due_leaves_when_the_review_is_recorded(world):
    """IEP-3: an overdue review is in the plan owners' inbox, highlighted, until the review is recorded."""
    resource = world.users["hc_s1_resource"]
    items = kinds(resource, "iep.review_due")
    assert items and any(i.overdue for i in items)
    item = next(i for i in items if i.overdue)
    plan = Plan.objects.get(pk=item.object_id)
    goal = plan.goals.filter(kind="short_term").first()
    iep.review_record(actor=resource, plan=plan, review_date=timezone.localdate(), evidence="课堂观察",
                      attainments=[{"goal_id": goal.pk, "attained": "partly"}])
    assert plan.pk not in ids(resource, "iep.review_due")
    assert not kinds(world.users["hc_bureau"], "iep.review_due")  # the bureau does not draft plans


def test_below_minimum_counts_match_the_list_and_drop_when_a_session_is_logged(world):
    """IEP-5: the count of students below the weekly minimum last week is the below-minimum list's; logging the
    missing hours for one of them lowers it."""
    from suiban.iep import selectors
    from suiban.iep.sessions import session_log, week_start

    resource = world.users["hc_s1_resource"]
    last_monday = week_start(timezone.localdate()) - timedelta(days=7)
    below = selectors.below_minimum(resource, last_monday, {})
    n = below.students.count()
    if not n:
        pytest.skip("no school days last week")
    item = next(i for i in kinds(resource, "iep.below_minimum") if i.overdue)
    assert str(n) in item.title
    s = below.students.first()
    session_log(actor=resource, student_ids=[s.pk], date=last_monday, hours=s.minimum, kind="individual_tutoring",
                teacher_name="张悦")
    after = [i for i in kinds(resource, "iep.below_minimum") if i.overdue]
    assert (after[0].title if after else "") != item.title
    assert not kinds(world.users["admin"], "iep.below_minimum")


# --- home figures link to the lists they count -------------------------------------------------------------------
def test_home_figures_link_to_the_lists_they_count(user_client, world):
    """ARCHITECTURE "Pages": every figure links to the list it counts — the same number."""
    c = user_client("hc_s1_leader")
    html = c.get("/").content.decode()
    for stat, url in (("student_total", "/students/?status=active"),
                      ("inclusion_total", "/students/?status=active&amp;placement=inclusion"),
                      ("open_cases", "/cases/?open=1")):
        assert f'data-stat="{stat}" href="{url}"' in html
    panel = next(p for p in c.get("/").context["panels"] if p["key"] == "students")
    assert c.get("/students/?status=active&placement=inclusion").context["page"].paginator.count \
        == panel["inclusion_total"]
    assert c.get("/cases/?open=1").context["page"].paginator.count == panel["open_cases"]


def test_inbox_page_lists_everything(user_client, world):
    r = user_client("hc_bureau").get("/inbox/")
    assert r.status_code == 200
    assert r.context["inbox_count"] == len(r.context["inbox_items"]) > 0


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_inbox_queries_do_not_grow_with_the_items(world, new_student):
    """The inbox is read with a fixed number of queries whatever the number of items (per provider)."""
    bureau = world.users["hc_bureau"]
    cases.case_submit(actor=world.users["hc_s1_leader"], student=new_student(), kind="identification",
                      applicant="家长", reason="申请认定")
    inbox.items_for(bureau)  # warm the policy cache
    before = _queries(lambda: inbox.items_for(bureau))
    n = len(kinds(bureau, "cases.to_route"))
    for _ in range(3):
        cases.case_submit(actor=world.users["hc_s1_leader"], student=new_student(), kind="identification",
                          applicant="家长", reason="申请认定")
    assert len(kinds(bureau, "cases.to_route")) == n + 3
    assert _queries(lambda: inbox.items_for(bureau)) == before


def test_cases_api_says_whose_step_is_next(api_client, world, new_student):
    c = cases.case_submit(actor=world.users["hc_s1_leader"], student=new_student(), kind="identification",
                          applicant="家长", reason="申请认定")
    body = api_client("hc_bureau").get(f"/api/v1/cases/{c.pk}").json()
    assert body["next_step"] == "由教育局转交审核"
