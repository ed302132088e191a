"""RR-1, RR-2 and the API contract of rooms and assessments (API.md "Resource rooms and assessment")."""

import pytest
from rooms_helpers import HC_S1, HC_S2

from suiban.core.models import AuditEvent
from suiban.org.models import School
from suiban.rooms import checks
from suiban.rooms.models import Assessment, Room

pytestmark = pytest.mark.django_db


def _put(c, url, data):
    return c.client.put(url, data, content_type="application/json", **c.headers)


def test_room_fields_and_schools_served(world, api_client):
    """RR-1 / RR-2 (API.md): the demo's first school has a dedicated room ≥ 60 m² on the ground floor that also
    serves the second school; the fields of the contract are there."""
    r = api_client("hc_bureau").get("/api/v1/rooms?page_size=500")
    assert r.status_code == 200
    room = next(i for i in r.json()["items"] if i["school_id"] == School.objects.get(code=HC_S1).pk)
    assert set(room) >= {"id", "version", "school_id", "serves_school_ids", "use", "door_sign", "area_m2", "floor",
                         "accessible", "zones", "equipment", "staff_ids"}
    assert room["use"] == "dedicated" and float(room["area_m2"]) >= 60 and room["floor"] == 1
    assert room["serves_school_ids"] == [School.objects.get(code=HC_S2).pk]
    assert api_client("gd_bureau").get(f"/api/v1/rooms/{room['id']}").status_code == 404


def test_room_create_validates_every_field_at_once(world, api_client):
    """RR-2: above the ground floor without barrier-free access and safety measures → refused, with the area and
    the staff errors in the same answer."""
    school = School.objects.get(code="3502050201")
    r = api_client("hc_bureau").post("/api/v1/rooms", {"school_id": school.pk, "area_m2": "50", "floor": 3,
                                                       "staff_ids": [999999]})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"safety_measures", "staff_ids[0]"}
    r = api_client("hc_bureau").post("/api/v1/rooms", {"school_id": school.pk, "area_m2": "50", "floor": 3,
                                                       "accessible": True, "safety_measures": "扶手、护栏"})
    assert r.status_code == 201 and r.json()["area_m2"] == "50.0"
    assert AuditEvent.objects.filter(action="rooms.room.created", object_id=str(r.json()["id"])).exists()


def test_only_the_bureau_plans_which_schools_a_room_serves(world, api_client):
    """RR-1: the school edits its room's facts but cannot name other schools it serves (the bureau plans shared
    rooms); PATCH needs the version it read (409 otherwise)."""
    room = Room.objects.get(school__code=HC_S1)
    c = api_client("hc_s1_leader")
    r = c.patch(f"/api/v1/rooms/{room.pk}", {"version": room.version,
                                              "serves_school_ids": [School.objects.get(code="3502050201").pk]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "serves_school_ids[0]"
    r = c.patch(f"/api/v1/rooms/{room.pk}", {"version": room.version, "zones_labelled": True})
    assert r.status_code == 200 and r.json()["zones_labelled"] is True
    assert c.patch(f"/api/v1/rooms/{room.pk}", {"version": room.version, "door_sign": False}).status_code == 409
    r = api_client("hc_bureau").patch(f"/api/v1/rooms/{room.pk}", {
        "version": room.version + 1, "serves_school_ids": [School.objects.get(code=HC_S2).pk,
                                                           School.objects.get(code="3502050201").pk]})
    assert r.status_code == 200 and len(r.json()["serves_school_ids"]) == 2


def test_findings_school_without_room_small_room_and_overdue_rectification(world):
    """RR-1, RR-2, RR-6: a school at/over ⚙ 5 students in inclusion with no room serving it is flagged; the
    first school (own room) and the second (served) are not; a room under ⚙ 60 m² is flagged; a
    rectification past its deadline is flagged."""
    from datetime import timedelta

    s1, s2 = School.objects.get(code=HC_S1), School.objects.get(code=HC_S2)
    flagged = {f.subject_id for f in checks.schools_without_room([s1.pk, s2.pk])}
    assert flagged == set()
    Room.objects.filter(school=s1).update(is_active=False)
    assert {f.subject_id for f in checks.schools_without_room([s1.pk])} == {s1.pk}
    Room.objects.filter(school=s1).update(is_active=True, area_m2=50)
    assert [f.subject_id for f in checks.small_rooms([s1.pk])] == [Room.objects.get(school=s1).pk]
    a = Assessment.objects.get(school=s2, state="rectification")
    assert list(checks.overdue_rectification([s2.pk])) == []
    Assessment.objects.filter(pk=a.pk).update(rectification_due=a.rectification_due - timedelta(days=400))
    assert [f.subject_id for f in checks.overdue_rectification([s2.pk])] == [a.pk]


def test_assessment_contract_and_scores_put(world, api_client):
    """API.md: assessment fields; PUT scores with items [{code, points, self_score, proposed_score, evidence,
    panel_score, deduction_reason}]; out of range → 422 score_out_of_range; wrong step → invalid_transition."""
    a = Assessment.objects.get(round__name="海沧区资源教室评估（示范）", school__code="3502050201")
    hc = api_client("hc_bureau")
    r = hc.get(f"/api/v1/assessments/{a.pk}")
    body = r.json()
    assert set(body) >= {"id", "version", "school_id", "round", "state", "items", "self_total", "total", "grade"}
    assert set(body["items"][0]) >= {"code", "points", "self_score", "proposed_score", "evidence", "panel_score",
                                     "deduction_reason"}
    rnd = api_client("hc_bureau").post("/api/v1/assessment-rounds", {
        "region_id": a.round.region_id, "name": "接口轮次", "panel_leader_id": world.users["hc_expert"].pk,
        "panel_member_ids": [world.users["hc_center"].pk], "school_ids": [School.objects.get(code=HC_S1).pk]})
    assert rnd.status_code == 201, rnd.content
    aid = rnd.json()["schools"][0]["assessment_id"]
    leader = api_client("hc_s1_leader")
    r = _put(leader, f"/api/v1/assessments/{aid}/scores", {"items": [{"code": "4.1", "self_score": "3.5"}]})
    assert r.status_code == 422 and r.json()["code"] == "score_out_of_range"
    assert r.json()["errors"][0]["code"] == "score_out_of_range" and r.json()["errors"][0]["field"] == \
        "items[0].self_score"
    r = _put(leader, f"/api/v1/assessments/{aid}/scores", {"items": [{"code": "4.1", "self_score": "1.5",
                                                                      "proposed_score": "3", "points": "9"}]})
    assert r.status_code == 200
    item = next(i for i in r.json()["items"] if i["code"] == "4.1")
    assert item["self_score"] == "1.5" and item["points"] == "3.0" and item["proposed_score"] == "3.0"
    assert item["difference"] == "-1.5" and r.json()["self_total"] == "1.5"
    r = _put(api_client("hc_expert"), f"/api/v1/assessments/{aid}/scores",
             {"items": [{"code": "4.1", "panel_score": "3"}]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_transition"
    r = leader.post(f"/api/v1/assessments/{aid}/transitions", {"to": "scored", "note": ""})
    assert r.status_code == 422 and r.json()["code"] == "invalid_transition"
    assert api_client("gd_bureau").get(f"/api/v1/assessments/{aid}").status_code == 404


def test_round_overview_lists_every_school_with_totals_grades_and_plaques(world, api_client,
                                                                         django_assert_max_num_queries):
    """RR-5 / RR-4: a district's round overview: all schools, totals, grades, the plaque list; fixed queries."""
    c = api_client("hc_bureau")
    rid = Assessment.objects.filter(round__name="海沧区资源教室评估（示范）").first().round_id
    with django_assert_max_num_queries(12):
        r = c.get(f"/api/v1/assessment-rounds/{rid}")
    body = r.json()
    assert len(body["schools"]) == School.objects.filter(region__code="350205").exclude(kind="special").count()
    assert [p["school_id"] for p in body["plaques"]] == [School.objects.get(code=HC_S1).pk]
    grades = {s["school_id"]: s["grade"] for s in body["schools"]}
    assert grades[School.objects.get(code=HC_S2).pk] == "unqualified"


def test_assessment_list_query_count_is_fixed(world, api_client, django_assert_max_num_queries):
    """Lists pin their query count whatever the number of assessments."""
    c = api_client("hc_bureau")
    with django_assert_max_num_queries(14):
        r = c.get("/api/v1/assessments?page_size=500")
    assert r.status_code == 200 and r.json()["count"] >= 4


def test_assessment_list_answers_exactly_the_schema_and_the_details(world, api_client):
    """API.md / RR-4: the list, written out directly for speed, answers each assessment with exactly the fields
    and values of ``AssessmentPage`` (as the schema itself would write them) and of its detail."""
    from suiban.rooms.api import AssessmentPage

    a = Assessment.objects.get(round__name="海沧区资源教室评估（示范）", school__code=HC_S1)
    Assessment.objects.filter(pk=a.pk).update(rectification_due="2027-01-15", carried_over=[{"code": "4.1"}])
    c = api_client("hc_bureau")
    r = c.get("/api/v1/assessments?page_size=500")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["count"] == len(body["items"]) >= 4
    assert body == AssessmentPage.model_validate(body).model_dump(mode="json", by_alias=True)
    mine = next(x for x in body["items"] if x["id"] == a.pk)
    assert mine["rectification_due"] == "2027-01-15" and mine["items"]
    for row in body["items"]:
        assert row == c.get(f"/api/v1/assessments/{row['id']}").json()


def test_a_served_school_sees_the_shared_room_but_cannot_change_it(world, api_client):
    """RR-1: the second school sees the room of the first school that serves it; only the owning school and
    the bureau change it (403 for the served school); a school it does not serve does not see it (404)."""
    room = Room.objects.get(school__code=HC_S1)
    s2 = api_client("hc_s2_leader")
    assert s2.get(f"/api/v1/rooms/{room.pk}").status_code == 200
    assert room.pk in {i["id"] for i in s2.get("/api/v1/rooms?page_size=500").json()["items"]}
    r = s2.patch(f"/api/v1/rooms/{room.pk}", {"version": room.version, "use_records": "改"})
    assert r.status_code == 403
    assert api_client("gd_s1_leader").get(f"/api/v1/rooms/{room.pk}").status_code == 404
