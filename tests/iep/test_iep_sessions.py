"""Sessions of individual tutoring and compensatory training (IEP-4, IEP-5): logging (once for a group),
outcomes, recorded corrections, the weekly summary, weekly hours against ⚙ tutoring_min_hours_per_week and
the below-minimum list of a school or district, scoped (ORG-4) and computed in SQL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from iep_helpers import full_weeks

from suiban.core.models import AuditEvent
from suiban.demo import world as demo
from suiban.iep import selectors, sessions
from suiban.iep.models import Session, SessionAttendance, SessionCorrection, WeeklyHours
from suiban.policy import services as policy_services
from suiban.policy.resolve import invalidate
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

HC_S1, HC_S2, GD_S1 = "3502050101", "3502050102", "4401060101"


def _log(api_client, username, student_ids, day, hours=1, expect=201, **extra):
    body = {"student_ids": student_ids, "date": str(day), "hours": hours, "kind": "individual_tutoring",
            "teacher_name": "李梅", **extra}
    r = api_client(username).post("/api/v1/sessions", body)
    assert r.status_code == expect, r.content
    return r.json()


def _week(api_client, username, student, term, monday):
    rows = api_client(username).get(f"/api/v1/students/{student.pk}/weekly-hours?term={term.pk}").json()
    return next(w for w in rows if w["week_start"] == str(monday))


# --- IEP-5: logging ------------------------------------------------------------------------------------------
def test_group_session_is_entered_once_and_counts_for_each_student(api_client, new_student, past_term):
    """IEP-5: a group session is one row with one attendance per student; its hours count in every student's
    week, and each student's session list shows it."""
    a, b = new_student(), new_student()
    monday = full_weeks(past_term)[1]
    s = _log(api_client, "hc_s1_resource", [a.pk, b.pk], monday + timedelta(days=3), hours=1.5, kind="感统训练")
    assert s["is_group"] is True and {x["id"] for x in s["students"]} == {a.pk, b.pk} and s["hours"] == 1.5
    assert Session.objects.filter(pk=s["id"]).count() == 1
    assert SessionAttendance.objects.filter(session_id=s["id"]).count() == 2
    for student in (a, b):
        assert _week(api_client, "hc_s1_resource", student, past_term, monday)["delivered_hours"] == 1.5
        listed = api_client("hc_s1_leader").get(f"/api/v1/sessions?student_id={student.pk}").json()
        assert [x["id"] for x in listed["items"]] == [s["id"]]
    event = AuditEvent.objects.get(action="iep.session.logged", object_id=str(s["id"]))
    assert event.changes["students"] == [None, sorted([a.pk, b.pk])]


@pytest.mark.parametrize("extra,field", [
    ({"hours": 0}, "hours"),
    ({"hours": 8.5}, "hours"),
    ({"hours": -1}, "hours"),
    ({"kind": "骑马训练"}, "kind"),  # not individual tutoring nor a kind of the policy (IEP-4)
    ({"outcome": "cancelled"}, "cancel_reason"),  # a cancellation records its reason
    ({"outcome": "delivered", "cancel_reason": "x"}, "cancel_reason"),
    ({"teacher_name": " "}, "teacher_name"),
    ({"student_ids": []}, "student_ids"),
])
def test_session_values_are_checked(api_client, new_student, past_term, extra, field):
    """IEP-4/IEP-5: 0 < class hours ≤ 8; the kind is individual tutoring or a compensatory-training kind of the
    policy; a cancelled session needs its reason; a teacher and at least one student; nothing is written."""
    s = new_student()
    before = Session.objects.count()
    body = {"student_ids": [s.pk], "date": str(full_weeks(past_term)[0]), "hours": 1, "kind": "individual_tutoring",
            "teacher_name": "李梅", **extra}
    r = api_client("hc_s1_resource").post("/api/v1/sessions", body)
    assert r.status_code == 422, r.content
    assert field in {e["field"] for e in r.json()["errors"]}
    assert Session.objects.count() == before


def test_session_students_must_be_in_scope_in_inclusion_and_at_one_school(api_client, new_student, past_term):
    """IEP-5 with ORG-4: every student of a session is in the teacher's scope, in inclusion and at one school;
    a future date is refused."""
    day = full_weeks(past_term)[0]
    own, other_school, homebound = new_student(), new_student(HC_S2), new_student(placement="homebound")
    r = api_client("hc_s1_resource").post("/api/v1/sessions", {
        "student_ids": [own.pk, other_school.pk], "date": str(day), "hours": 1, "kind": "individual_tutoring",
        "teacher_name": "李梅"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "student_ids[1]"
    r = api_client("hc_bureau").post("/api/v1/sessions", {
        "student_ids": [own.pk, other_school.pk], "date": str(day), "hours": 1, "kind": "individual_tutoring",
        "teacher_name": "李梅"})
    assert r.status_code == 403  # the bureau views sessions, it does not log them
    r = api_client("hc_s1_resource").post("/api/v1/sessions", {
        "student_ids": [homebound.pk], "date": str(day), "hours": 1, "kind": "individual_tutoring",
        "teacher_name": "李梅"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "student_ids[0]"
    tomorrow = timezone.localdate() + timedelta(days=1)
    _log(api_client, "hc_s1_resource", [own.pk], tomorrow, expect=422)


def test_only_delivered_hours_count(api_client, new_student, past_term):
    """IEP-5: a session has an outcome; student absent, teacher absent and cancelled sessions count nothing."""
    s = new_student()
    monday = full_weeks(past_term)[2]
    _log(api_client, "hc_s1_resource", [s.pk], monday, hours=2)
    _log(api_client, "hc_s1_resource", [s.pk], monday + timedelta(days=1), hours=1, outcome="student_absent")
    _log(api_client, "hc_s1_resource", [s.pk], monday + timedelta(days=2), hours=1, outcome="teacher_absent")
    _log(api_client, "hc_s1_resource", [s.pk], monday + timedelta(days=3), hours=1, outcome="cancelled",
         cancel_reason="学校运动会")
    week = _week(api_client, "hc_s1_resource", s, past_term, monday)
    assert week["delivered_hours"] == 2.0 and week["met"] is False and week["minimum"] == 3.0


def test_a_student_absent_from_a_group_session_is_not_counted_for_it(api_client, new_student, past_term):
    """IEP-5: a group session that took place counts for each student in it, except a student marked absent
    (``absent_student_ids``); the session is still entered once and the absentee is shown as such."""
    a, b, c = new_student(), new_student(), new_student()
    monday = full_weeks(past_term)[2]
    s = _log(api_client, "hc_s1_resource", [a.pk, b.pk, c.pk], monday, hours=1, absent_student_ids=[c.pk])
    assert {x["id"]: x["absent"] for x in s["students"]} == {a.pk: False, b.pk: False, c.pk: True}
    assert s["original"]["absent_student_ids"] == [c.pk]
    assert SessionAttendance.objects.filter(session_id=s["id"]).count() == 3
    assert _week(api_client, "hc_s1_resource", a, past_term, monday)["delivered_hours"] == 1.0
    assert _week(api_client, "hc_s1_resource", c, past_term, monday)["delivered_hours"] == 0.0
    sessions.rebuild([a.pk, c.pk])  # the summary equals a rebuild from the sessions
    assert WeeklyHours.objects.get(student=c, week_start=monday).delivered_hours == 0
    assert WeeklyHours.objects.get(student=a, week_start=monday).delivered_hours == 1
    event = AuditEvent.objects.get(action="iep.session.logged", object_id=str(s["id"]))
    assert event.changes["absent"] == [None, [c.pk]]


@pytest.mark.parametrize("students,absent,extra", [
    ("one", "first", {}),  # one student: the outcome says it ("student absent")
    ("two", "both", {}),  # everyone absent: the outcome says it
    ("two", "other", {}),  # not one of the session's students
    ("two", "first", {"outcome": "teacher_absent"}),  # the session did not take place
])
def test_absent_students_are_some_students_of_a_group_session_that_took_place(api_client, new_student, past_term,
                                                                             students, absent, extra):
    """IEP-5: absentees are recorded only for a group session that was delivered, among its students and not
    all of them; otherwise 422 on ``absent_student_ids`` and nothing is written."""
    a, b, other = new_student(), new_student(), new_student()
    ids = [a.pk] if students == "one" else [a.pk, b.pk]
    absent_ids = {"first": [a.pk], "both": [a.pk, b.pk], "other": [other.pk]}[absent]
    before = Session.objects.count()
    body = {"student_ids": ids, "date": str(full_weeks(past_term)[0]), "hours": 1, "kind": "individual_tutoring",
            "teacher_name": "李梅", "absent_student_ids": absent_ids, **extra}
    r = api_client("hc_s1_resource").post("/api/v1/sessions", body)
    assert r.status_code == 422, r.content
    assert "absent_student_ids" in {e["field"] for e in r.json()["errors"]}
    assert Session.objects.count() == before


def test_marking_a_student_absent_is_a_recorded_correction(api_client, new_student, past_term):
    """IEP-5: a group session saved without the absence is corrected (reason kept, before and after) and the
    absentee's week loses the hours; when the session is then corrected to "teacher absent" nobody counts it and
    the absentee list goes with it."""
    a, b = new_student(), new_student()
    monday = full_weeks(past_term)[3]
    s = _log(api_client, "hc_s1_resource", [a.pk, b.pk], monday, hours=2)
    c = api_client("hc_s1_resource")
    r = c.post(f"/api/v1/sessions/{s['id']}/corrections", {"reason": "乙生当天请假", "absent_student_ids": [b.pk]})
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["corrections"][0]["before"]["absent_student_ids"] == []
    assert out["corrections"][0]["after"]["absent_student_ids"] == [b.pk]
    assert _week(api_client, "hc_s1_resource", a, past_term, monday)["delivered_hours"] == 2.0
    assert _week(api_client, "hc_s1_resource", b, past_term, monday)["delivered_hours"] == 0.0
    r = c.post(f"/api/v1/sessions/{s['id']}/corrections", {"reason": "教师临时外出", "outcome": "teacher_absent"})
    assert r.status_code == 201, r.content
    assert r.json()["corrections"][1]["after"]["absent_student_ids"] == []
    assert not SessionAttendance.objects.filter(session_id=s["id"], absent=True).exists()
    assert _week(api_client, "hc_s1_resource", a, past_term, monday)["delivered_hours"] == 0.0


# --- IEP-5: corrections ------------------------------------------------------------------------------------
def test_correction_keeps_the_original_and_the_latest_correction_is_effective(api_client, new_student, past_term):
    """IEP-5: a saved session is changed only by a recorded correction (who, when, why, before and after); the
    original stays; the effective values are the latest correction's, and the weekly hours follow them — also
    when a correction moves the session into another week or takes a student out of a group."""
    a, b = new_student(), new_student()
    w1, w2 = full_weeks(past_term)[3:5]
    s = _log(api_client, "hc_s1_resource", [a.pk, b.pk], w1, hours=1)
    c = api_client("hc_s1_resource")
    r = c.post(f"/api/v1/sessions/{s['id']}/corrections", {"hours": 2})
    assert r.status_code == 422  # no reason
    r = c.post(f"/api/v1/sessions/{s['id']}/corrections", {"reason": "无变化", "hours": 1})
    assert r.status_code == 422  # nothing changes
    r = c.post(f"/api/v1/sessions/{s['id']}/corrections", {"reason": "登记有误，实为 2 课时", "hours": 2,
                                                            "version": s["version"]})
    assert r.status_code == 201, r.content
    first = r.json()
    assert first["hours"] == 2.0 and first["original"]["hours"] == "1.00" and first["version"] == s["version"] + 1
    assert first["corrections"][0]["before"]["hours"] == "1.00" and first["corrections"][0]["after"]["hours"] == "2.00"
    assert first["corrections"][0]["corrected_by"] == "hc_s1_resource"
    assert first["corrections"][0]["reason"] == "登记有误，实为 2 课时"
    assert _week(api_client, "hc_s1_resource", a, past_term, w1)["delivered_hours"] == 2.0
    r = c.post(f"/api/v1/sessions/{s['id']}/corrections", {"reason": "stale", "hours": 3, "version": s["version"]})
    assert r.status_code == 409
    r = c.post(f"/api/v1/sessions/{s['id']}/corrections", {"reason": "日期记错，且乙生未参加", "date": str(w2),
                                                            "student_ids": [a.pk]})
    assert r.status_code == 201, r.content
    second = r.json()
    assert [x["id"] for x in second["students"]] == [a.pk] and second["date"] == str(w2)
    assert [x["number"] for x in second["corrections"]] == [1, 2]
    assert second["original"]["student_ids"] == sorted([a.pk, b.pk]) and second["original"]["date"] == str(w1)
    assert _week(api_client, "hc_s1_resource", a, past_term, w1)["delivered_hours"] == 0.0
    assert _week(api_client, "hc_s1_resource", a, past_term, w2)["delivered_hours"] == 2.0
    assert _week(api_client, "hc_s1_resource", b, past_term, w1)["delivered_hours"] == 0.0
    assert SessionCorrection.objects.filter(session_id=s["id"]).count() == 2
    assert AuditEvent.objects.filter(action="iep.session.corrected", object_id=str(s["id"])).count() == 2
    with pytest.raises(PermissionError):
        SessionCorrection.objects.filter(session_id=s["id"]).first().delete()
    assert api_client("hc_bureau").post(f"/api/v1/sessions/{s['id']}/corrections",
                                        {"reason": "x", "hours": 1}).status_code == 403
    assert api_client("hc_s2_leader").post(f"/api/v1/sessions/{s['id']}/corrections",
                                           {"reason": "x", "hours": 1}).status_code == 404


def test_weekly_summary_equals_the_sessions(api_client, new_student, past_term):
    """IEP-5 (the denormalised summary): whatever the service wrote equals a rebuild from the sessions."""
    a, b = new_student(), new_student()
    weeks = full_weeks(past_term)
    _log(api_client, "hc_s1_resource", [a.pk, b.pk], weeks[0], hours=1)
    s = _log(api_client, "hc_s1_resource", [a.pk], weeks[0] + timedelta(days=2), hours=2.5)
    _log(api_client, "hc_s1_resource", [b.pk], weeks[1], hours=1, outcome="student_absent")
    api_client("hc_s1_resource").post(f"/api/v1/sessions/{s['id']}/corrections",
                                      {"reason": "改期", "date": str(weeks[2])})
    keep = lambda: sorted(WeeklyHours.objects.filter(student__in=[a, b], delivered_sessions__gt=0)  # noqa: E731
                          .values_list("student_id", "week_start", "delivered_hours", "delivered_sessions"))
    written = keep()
    assert written == sorted([(a.pk, weeks[0], Decimal("1.00"), 1), (b.pk, weeks[0], Decimal("1.00"), 1),
                              (a.pk, weeks[2], Decimal("2.50"), 1)])
    sessions.rebuild([a.pk, b.pk])
    assert keep() == written


# --- IEP-5: weekly hours against the minimum ---------------------------------------------------------------
def test_weekly_hours_met_and_unmet_against_the_policy_minimum(api_client, world, new_student, past_term,
                                                                django_capture_on_commit_callbacks):
    """IEP-5: every term week shows delivered hours against ⚙ tutoring_min_hours_per_week (3 in both demo
    profiles): 3 hours meet it, 2 do not; a school override of the minimum to 2 changes the answer."""
    s = new_student()
    w1, w2 = full_weeks(past_term)[5:7]
    _log(api_client, "hc_s1_resource", [s.pk], w1, hours=2)
    _log(api_client, "hc_s1_resource", [s.pk], w1 + timedelta(days=2), hours=1)
    _log(api_client, "hc_s1_resource", [s.pk], w2, hours=2)
    rows = api_client("hc_s1_class").get(f"/api/v1/students/{s.pk}/weekly-hours?term={past_term.pk}")
    assert rows.status_code == 404  # not the class teacher's student
    rows = api_client("hc_s1_resource").get(f"/api/v1/students/{s.pk}/weekly-hours?term={past_term.pk}").json()
    assert [r["week_start"] for r in rows] == [str(m) for m, _d in selectors.term_weeks(past_term)]
    by_week = {r["week_start"]: r for r in rows}
    assert by_week[str(w1)] == {"week_start": str(w1), "delivered_hours": 3.0, "minimum": 3.0, "met": True,
                                "school_days": 5, "upcoming": False}
    assert by_week[str(w2)]["delivered_hours"] == 2.0 and by_week[str(w2)]["met"] is False
    with django_capture_on_commit_callbacks(execute=True):
        policy_services.override_set(actor=world.users["hc_bureau"], name="tutoring_min_hours_per_week", value=2,
                                     school=s.school)
    invalidate()
    rows = api_client("hc_s1_resource").get(f"/api/v1/students/{s.pk}/weekly-hours?term={past_term.pk}").json()
    by_week = {r["week_start"]: r for r in rows}
    assert by_week[str(w2)]["minimum"] == 2.0 and by_week[str(w2)]["met"] is True


def test_a_week_the_term_covers_only_in_part_is_held_to_its_share(past_term):
    """IEP-5: a week the term starts or ends in is held to the share of its school days (3 h × 2/5 = 1.2)."""
    assert selectors.weekly_minimum(3, 5) == Decimal("3.0")
    assert selectors.weekly_minimum(3, 2) == Decimal("1.2")
    weeks = selectors.term_weeks(past_term)
    assert weeks[0][0] == sessions.week_start(past_term.start_date) and weeks[0][0].weekday() == 0
    assert all(1 <= d <= 5 for _m, d in weeks)
    assert sum(d for _m, d in weeks) == sum(1 for i in range((past_term.end_date - past_term.start_date).days + 1)
                                            if (past_term.start_date + timedelta(days=i)).weekday() < 5)


# --- IEP-5: below the minimum, by school and district --------------------------------------------------------
def _inclusion(qs):
    return qs.filter(placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES)


def test_below_minimum_list_is_scoped_and_leaves_out_who_met_it(api_client, world, new_student, past_term):
    """IEP-5 with ORG-4: the list of students in inclusion below the minimum in a week — hc_bureau sees 海沧区
    only, gd_bureau 天河区 only, the class teacher their class only; who met the minimum is not listed; outside
    the term weeks the list is empty."""
    monday = full_weeks(past_term)[7]
    met, short = new_student(), new_student()
    _log(api_client, "hc_s1_resource", [met.pk, short.pk], monday, hours=2)
    _log(api_client, "hc_s1_resource", [met.pk], monday + timedelta(days=1), hours=1)
    url = f"/api/v1/sessions/below-minimum?week={monday}&page_size=500"
    hc = api_client("hc_bureau").get(url).json()
    hc_region = world.regions["350205"]
    expected = _inclusion(Student.objects.filter(region_path__startswith=hc_region.path)).exclude(pk=met.pk)
    assert hc["count"] == expected.count() and hc["week_start"] == str(monday) and hc["school_days"] == 5
    items = {i["student_id"]: i for i in hc["items"]}
    assert set(items) == set(expected.values_list("pk", flat=True))
    assert items[short.pk]["delivered_hours"] == 2.0 and items[short.pk]["minimum"] == 3.0
    assert items[short.pk]["shortfall"] == 1.0
    gd = api_client("gd_bureau").get(url).json()
    assert gd["count"] and all(i["school_id"] != met.school_id for i in gd["items"])
    assert set(Student.objects.filter(pk__in=[i["student_id"] for i in gd["items"]])
               .values_list("region_path", flat=True)) == {world.regions["440106"].path}
    own_class = world.classes[(HC_S1, demo.class_name(3, 1))]
    cls = api_client("hc_s1_class").get(url).json()
    assert cls["count"] == _inclusion(Student.objects.filter(school_class=own_class)).count()
    assert {i["class_id"] for i in cls["items"]} == {own_class.pk}
    school = api_client("hc_bureau").get(f"{url}&school={met.school_id}").json()
    assert {i["school_id"] for i in school["items"]} == {met.school_id}
    region = api_client("hc_bureau").get(f"{url}&region={world.regions['440106'].pk}")
    assert region.status_code == 422  # another district is outside hc_bureau's scope
    holiday = past_term.end_date + timedelta(days=14)
    empty = api_client("hc_bureau").get(f"/api/v1/sessions/below-minimum?week={sessions.week_start(holiday)}").json()
    assert empty["count"] == 0 and empty["school_days"] == 0
    # any day of the week stands for its Monday
    r = api_client("hc_bureau").get(f"/api/v1/sessions/below-minimum?week={monday + timedelta(days=2)}")
    assert r.status_code == 200 and r.json()["week_start"] == str(monday)


def test_below_minimum_follows_a_school_override_of_the_minimum(api_client, world, new_student, past_term,
                                                                 django_capture_on_commit_callbacks):
    """IEP-5 / ARCHITECTURE §5: the SQL minimum is each school's own — a school override of
    ⚙ tutoring_min_hours_per_week to 2 takes that school's 2-hour students off the list, not another school's."""
    monday = full_weeks(past_term)[8]
    here, there = new_student(HC_S1), new_student(HC_S2)
    _log(api_client, "hc_s1_resource", [here.pk], monday, hours=2)
    _log(api_client, "hc_s2_leader", [there.pk], monday, hours=2)
    url = f"/api/v1/sessions/below-minimum?week={monday}&page_size=500"
    listed = {i["student_id"] for i in api_client("hc_bureau").get(url).json()["items"]}
    assert {here.pk, there.pk} <= listed
    with django_capture_on_commit_callbacks(execute=True):
        policy_services.override_set(actor=world.users["hc_bureau"], name="tutoring_min_hours_per_week", value=2,
                                     school=here.school)
    invalidate()
    items = {i["student_id"]: i for i in api_client("hc_bureau").get(url).json()["items"]}
    assert here.pk not in items and there.pk in items and items[there.pk]["minimum"] == 3.0


def test_below_minimum_is_one_sql_whatever_the_number_of_students(api_client, new_student, past_term):
    """IEP-5 at scale: no per-student queries — the list costs the same number of queries for more students."""
    monday = full_weeks(past_term)[9]
    c = api_client("hc_bureau")
    url = f"/api/v1/sessions/below-minimum?week={monday}&page_size=500"
    c.get(url)
    with CaptureQueriesContext(connection) as first:
        n1 = c.get(url).json()["count"]
    for _i in range(4):
        _log(api_client, "hc_s1_resource", [new_student().pk], monday, hours=1)
    with CaptureQueriesContext(connection) as second:
        n2 = c.get(url).json()["count"]
    assert n2 == n1 + 4
    assert len(second) == len(first) <= 4  # the token's look-up, the week's terms, the count and the page


def test_session_list_query_count_does_not_grow_with_the_sessions(api_client, new_student, past_term):
    """ARCHITECTURE §7: the session list costs a fixed number of queries per page."""
    a, b = new_student(), new_student()
    monday = full_weeks(past_term)[10]
    _log(api_client, "hc_s1_resource", [a.pk, b.pk], monday)
    c = api_client("hc_s1_leader")
    c.get("/api/v1/sessions?page_size=100")
    with CaptureQueriesContext(connection) as first:
        c.get("/api/v1/sessions?page_size=100")
    for i in range(3):
        s = _log(api_client, "hc_s1_resource", [a.pk, b.pk], monday + timedelta(days=i + 1), kind="沟通训练")
        api_client("hc_s1_resource").post(f"/api/v1/sessions/{s['id']}/corrections", {"reason": "改", "hours": 2})
    with CaptureQueriesContext(connection) as second:
        body = c.get("/api/v1/sessions?page_size=100").json()
    # the token's look-up, the count, the page, its attendances, goals and corrections (the demo's and these
    # sessions were corrected)
    assert len(second) == len(first) <= 6
    assert body["count"] >= 4


def test_class_teacher_sees_group_sessions_of_their_class_without_the_other_children(api_client, world,
                                                                                     new_student, past_term):
    """ORG-4: a group session with a child of the class teacher's class is visible to them (once), but the
    other children of the group are not shown; a session without their children is 404."""
    own_class = world.classes[(HC_S1, demo.class_name(3, 1))]
    mine = _inclusion(Student.objects.filter(school_class=own_class)).first()
    stranger = new_student()
    monday = full_weeks(past_term)[11]
    group = _log(api_client, "hc_s1_resource", [mine.pk, stranger.pk], monday)
    alone = _log(api_client, "hc_s1_resource", [stranger.pk], monday + timedelta(days=1))
    c = api_client("hc_s1_class")
    seen = c.get(f"/api/v1/sessions/{group['id']}").json()
    assert [x["id"] for x in seen["students"]] == [mine.pk]
    listed = c.get(f"/api/v1/sessions?date_from={monday}&date_to={monday + timedelta(days=6)}").json()
    assert [x["id"] for x in listed["items"]] == [group["id"]]
    assert c.get(f"/api/v1/sessions/{alone['id']}").status_code == 404
