"""Resource-teacher pools (ST-1): renewal, members, filing before the policy deadline, amendments, the bureau's
filing status, reminders and findings."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from suiban.core.errors import DomainError
from suiban.core.registry import checks, inbox
from suiban.org.models import School, SchoolYear
from suiban.staff import selectors, services
from suiban.staff.models import Pool, PoolAmendment, StaffMember

S1, S2, S3 = "3502050101", "3502050102", "3502050201"


def _school(code):
    return School.objects.get(code=code)


def _year():
    return SchoolYear.current()


def test_demo_first_school_filed_before_deadline_second_missing(world):
    """ST-1 (API.md demo): the first 海沧区 school's pool is filed before 1 September with hc_s1_resource and a
    second teacher in it; the second school's pool is missing."""
    sy = _year()
    pool = Pool.objects.get(school__code=S1, school_year=sy)
    assert pool.state == Pool.FILED
    assert timezone.localtime(pool.filed_at).date() <= selectors.deadline_for(pool.school, sy)
    teachers = selectors.pool_staff(pool.school_id, sy.pk, filed_only=True).filter(kind="teacher")
    assert teachers.count() >= 2
    assert world.users["hc_s1_resource"].pk in selectors.pool_user_ids(pool.school_id, sy.pk, filed_only=True)
    assert not Pool.objects.filter(school__code=S2, school_year=sy).exists()


def test_pool_renewed_from_last_year(world, api_client):
    """ST-1: a new school year's pool starts from last year's members (renewed once a school year)."""
    leader = api_client("hc_s2_leader")
    school = _school(S2)
    r = leader.post("/api/v1/pools", {"school_id": school.pk, "school_year": _year().name})
    assert r.status_code == 201, r.content
    body = r.json()
    last = Pool.objects.get(school=school, school_year__start_year=_year().start_year - 1)
    assert body["renewed_from_id"] == last.pk
    assert {m["staff_id"] for m in body["members"]} == set(last.members.values_list("staff_id", flat=True))
    assert body["state"] == "draft" and body["filing_state"] == "missing"
    again = leader.post("/api/v1/pools", {"school_id": school.pk, "school_year": _year().name})
    assert again.status_code == 422


def test_pool_has_one_fixed_resource_teacher_and_purchased_kinds_match(world, api_client):
    """ST-1: one fixed resource teacher plus excellent teachers plus purchased staff (assistants, social workers,
    therapists); a teacher cannot be entered as a purchased assistant, nor two fixed resource teachers."""
    leader = api_client("hc_s2_leader")
    school = _school(S2)
    pool = services.pool_create(actor=world.users["hc_s2_leader"], school=school, school_year=_year(), renew=False)
    teachers = list(StaffMember.objects.filter(school=school, kind="teacher")[:2])
    r = leader.patch(f"/api/v1/pools/{pool.pk}", {"version": pool.version, "members": [
        {"staff_id": teachers[0].pk, "kind": "fixed_resource"},
        {"staff_id": teachers[1].pk, "kind": "fixed_resource"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "one_fixed_resource"
    r = leader.patch(f"/api/v1/pools/{pool.pk}", {"version": pool.version, "members": [
        {"staff_id": teachers[0].pk, "kind": "assistant"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "members[0].kind"
    other = StaffMember.objects.filter(school__code=S1).first()
    r = leader.patch(f"/api/v1/pools/{pool.pk}", {"version": pool.version, "members": [
        {"staff_id": other.pk, "kind": "excellent"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "members[0].staff_id"


def test_filing_needs_fixed_teacher_then_only_amendments(world, api_client):
    """ST-1: filing needs the fixed resource teacher; a filed pool changes only by a recorded amendment."""
    leader = api_client("hc_s2_leader")
    school = _school(S2)
    pool = services.pool_create(actor=world.users["hc_s2_leader"], school=school, school_year=_year(), renew=False)
    r = leader.post(f"/api/v1/pools/{pool.pk}/file", {})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "no_fixed_resource"
    teacher = StaffMember.objects.filter(school=school, kind="teacher").first()
    r = leader.patch(f"/api/v1/pools/{pool.pk}", {"version": pool.version, "members": [
        {"staff_id": teacher.pk, "kind": "fixed_resource", "full_time": True}]})
    assert r.status_code == 200
    r = leader.post(f"/api/v1/pools/{pool.pk}/file", {"version": r.json()["version"]})
    assert r.status_code == 200 and r.json()["state"] == "filed"
    assert api_client("hc_s2_leader").post(f"/api/v1/pools/{pool.pk}/file", {}).json()["code"] == "invalid_transition"
    version = r.json()["version"]
    r = leader.patch(f"/api/v1/pools/{pool.pk}", {"version": version, "members": []})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "amendment_reason_required"
    r = leader.patch(f"/api/v1/pools/{pool.pk}", {"version": version, "members": [
        {"staff_id": teacher.pk, "kind": "fixed_resource", "full_time": False}], "reason": "改为兼职"})
    assert r.status_code == 200
    assert r.json()["amendments"][0]["reason"] == "改为兼职"
    assert PoolAmendment.objects.filter(pool=pool).count() == 1
    # the resource teacher keeps the pool but does not file it
    assert api_client("hc_s1_resource").post(
        f"/api/v1/pools/{Pool.objects.get(school__code=S1, school_year=_year()).pk}/file", {}).status_code == 403


def test_bureau_filing_status_filed_late_missing(world, api_client, django_assert_max_num_queries):
    """ST-1: the bureau sees every ordinary school as filed (before the deadline), late or missing, with counts;
    the list is a bounded number of queries per page."""
    leader = world.users["hc_s2_leader"]
    pool = services.pool_create(actor=leader, school=_school(S2), school_year=_year(), renew=True)
    after = timezone.make_aware(datetime.combine(selectors.deadline_for(pool.school, _year()) + timedelta(days=1),
                                                 time(9)))
    if after <= timezone.now():
        services.pool_file(actor=leader, pool=pool, version=pool.version, filed_at=after)
    bureau = api_client("hc_bureau")
    with django_assert_max_num_queries(12):
        r = bureau.get(f"/api/v1/pools/filing?school_year={_year().name}&counts=1")
    assert r.status_code == 200
    states = {i["school_code"] if "school_code" in i else i["school_id"]: i["state"] for i in r.json()["items"]}
    assert states[S1] == "filed"
    assert states[S2] == ("late" if after <= timezone.now() else "missing")
    assert states[S3] == "missing"
    assert "3502050901" not in states  # the special school keeps no resource-teacher pool
    counts = r.json()["counts"]
    assert counts["total"] == len(states) and counts["filed"] + counts["late"] + counts["missing"] == counts["total"]
    missing = bureau.get("/api/v1/pools/filing?state=missing").json()
    assert {i["school_code"] for i in missing["items"]} == {c for c, s in states.items() if s == "missing"}
    assert api_client("hc_s1_leader").get("/api/v1/pools/filing").status_code == 403
    assert {i["school_code"] for i in api_client("gd_bureau").get("/api/v1/pools/filing").json()["items"]} \
        .isdisjoint(states)


def test_deadline_is_a_policy_parameter(world, api_client):
    """ST-1: the deadline is ⚙ pool_filing_deadline (HC: 09-01); a district override moves it."""
    from suiban.policy import services as policy_services
    from suiban.policy.resolve import invalidate

    school = _school(S2)
    assert selectors.deadline_for(school, _year()).strftime("%m-%d") == "09-01"
    policy_services.override_set(actor=world.users["hc_bureau"], name="pool_filing_deadline", value="12-31",
                                 region=school.region, note="test")
    invalidate()
    assert selectors.deadline_for(school, _year()).strftime("%m-%d") == "12-31"


def test_filing_list_answers_each_schools_deadline(world, api_client):
    """ST-1: the bureau's filing list gives each school the ⚙ pool_filing_deadline of its own policy — a district
    override for the district's schools, a school's own override for that school alone."""
    from suiban.policy import services as policy_services
    from suiban.policy.resolve import invalidate

    s1, s2 = _school(S1), _school(S2)
    policy_services.override_set(actor=world.users["hc_bureau"], name="pool_filing_deadline", value="10-15",
                                 region=s1.region, note="test")
    policy_services.override_set(actor=world.users["hc_bureau"], name="pool_filing_deadline", value="11-30",
                                 school=s2, note="test")
    invalidate()
    items = api_client("hc_bureau").get("/api/v1/pools/filing?page_size=500").json()["items"]
    deadlines = {i["school_code"]: i["deadline"][5:] for i in items}
    assert deadlines[S2] == "11-30"
    assert deadlines[S1] == "10-15"
    assert {d for c, d in deadlines.items() if c != S2 and c.startswith(S1[:8])} == {"10-15"}


def test_school_leader_reminded_until_filed_and_finding_after_deadline(world):
    """ST-1: the school's inbox reminds the leader to file the pool; after the deadline a missing pool is a
    finding, a pool filed after it is a late finding."""
    items = list(inbox.items_for(world.users["hc_s2_leader"]))
    assert any(i.kind == "staff.pool_to_file" and i.object_id == _school(S2).pk for i in items)
    assert not any(i.kind == "staff.pool_to_file" for i in inbox.items_for(world.users["hc_s1_leader"]))
    check = checks.checks["ST-1.pool_filing"]
    found = {f.subject_id: f for f in check.compute([_school(S1).pk, _school(S2).pk])}
    today = timezone.localdate()
    if today > selectors.deadline_for(_school(S2), _year()):
        assert _school(S2).pk in found and found[_school(S2).pk].key.startswith("missing")
    assert _school(S1).pk not in found


def test_pool_pages_renew_add_assistant_and_file(world, user_client):
    """ST-1 pages: the leader opens this year's pool from last year's, adds a purchased assistant and files it."""
    c = user_client("hc_s2_leader")
    school = _school(S2)
    page = c.get(f"/staff/pools/?school={school.pk}")
    assert "sb-renew" in page.content.decode()
    r = c.post("/staff/pools/new/", {"school": school.pk, "year": _year().name, "renew": "1"})
    pool = Pool.objects.get(school=school, school_year=_year())
    assert r.status_code == 302 and r["Location"] == f"/staff/pools/{pool.pk}/"
    r = c.post(f"/staff/pools/{pool.pk}/members/", {"new_name": "郑小燕", "kind": "assistant"})
    assert r.status_code == 302
    assert pool.members.filter(staff__name="郑小燕", kind="assistant", staff__kind="assistant").exists()
    r = c.post(f"/staff/pools/{pool.pk}/file/", {})
    pool.refresh_from_db()
    assert pool.state == Pool.FILED
    html = c.get(f"/staff/pools/{pool.pk}/").content.decode()
    assert "郑小燕" in html and "sb-file" not in html


def test_refusals_are_domain_errors(world):
    """ST-1: a special school keeps no pool; someone outside the school's scope cannot open one."""
    with pytest.raises(DomainError):
        services.pool_create(actor=world.users["hc_bureau"], school=_school("3502050901"), school_year=_year())


def test_bureau_home_shows_filing_counts(world, user_client):
    """ST-1: the bureau's home page counts filed, late and missing pools in its scope, each linking to the list."""
    html = user_client("hc_bureau").get("/").content.decode()
    assert 'data-stat="pools_missing"' in html and "/staff/filing/?state=missing" in html
    assert 'data-stat="pools_missing"' not in user_client("hc_s1_resource").get("/").content.decode()


@pytest.mark.parametrize("username", ["hc_bureau", "hc_s1_leader", "hc_center"])
def test_staff_pages_run_a_bounded_number_of_queries(world, user_client, username, django_assert_max_num_queries):
    """ST-1, ST-2, ST-6: the list pages answer in a fixed number of queries, whatever the number of rows."""
    c = user_client(username)
    for url in ("/staff/pools/", "/staff/people/", "/staff/visits/"):
        with django_assert_max_num_queries(25):
            assert c.get(url).status_code == 200
    if username == "hc_bureau":
        with django_assert_max_num_queries(25):
            assert c.get("/staff/filing/").status_code == 200
