"""SEC-2 / ORG-4: filtering tutoring sessions by a child or a class the user may not see reveals nothing."""


from iep_helpers import full_weeks

from suiban.demo import world as demo
from suiban.students.models import INCLUSION_PLACEMENTS, Student

HC_S1 = "3502050101"


def _log(api_client, username, student_ids, day):
    resp = api_client(username).post("/api/v1/sessions", {
        "student_ids": student_ids, "date": str(day), "hours": 1, "kind": "individual_tutoring",
        "teacher_name": "李梅"})
    assert resp.status_code == 201, resp.content
    return resp.json()


def test_class_teacher_learns_nothing_about_another_class_childs_group_sessions(api_client, world, new_student,
                                                                                 past_term):
    """SEC-2: a class teacher filtering sessions by a child of another class (or by that class) gets an empty list,
    exactly as for a child that does not exist — even for a group session their own child shared."""
    own_class = world.classes[(HC_S1, demo.class_name(3, 1))]
    mine = Student.objects.filter(school_class=own_class, placement__in=INCLUSION_PLACEMENTS).first()
    other_class = world.classes[(HC_S1, demo.class_name(1, 1))]
    stranger = new_student(grade=1, school_class=other_class)
    monday = full_weeks(past_term)[12]
    _log(api_client, "hc_s1_resource", [mine.pk, stranger.pk], monday)
    c = api_client("hc_s1_class")
    by_child = c.get(f"/api/v1/sessions?student_id={stranger.pk}").json()
    missing = c.get(f"/api/v1/sessions?student_id={2**50}").json()
    assert (by_child["count"], by_child["items"]) == (missing["count"], missing["items"]) == (0, [])
    by_class = c.get(f"/api/v1/sessions?class_id={stranger.school_class_id}").json()
    assert by_class["count"] == 0
    # their own child's sessions are still found by the filter
    assert c.get(f"/api/v1/sessions?student_id={mine.pk}").json()["count"] >= 1
    # the resource teacher, who sees both children, still finds the stranger's session
    assert api_client("hc_s1_resource").get(f"/api/v1/sessions?student_id={stranger.pk}").json()["count"] >= 1
