"""The draft plan's forms (IEP-1/IEP-2): team-meeting participants picked from the school's staff plus free
entries with their role, the draft checklist naming each missing field once, and the submit button disabled with
its reason next to it while something is missing."""

import re

from iep_helpers import complete_payload

from suiban.iep import selectors
from suiban.iep.models import Plan


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_meeting_staff_are_the_schools_staff_accounts_with_their_usual_role(world):
    """IEP-2: the list offers the school's leaders, resource and class teachers and the district's itinerant
    teachers, each once, with the role they usually take; other schools' staff are not offered."""
    from suiban.org.models import School

    school = School.objects.get(code="3502050101")
    staff = selectors.meeting_staff(school)
    by_name = {name: role for _uid, name, role in staff}
    users = world.users
    assert by_name[users["hc_s1_leader"].display_name] == "working_group"
    assert by_name[users["hc_s1_resource"].display_name] == "resource_teacher"
    assert by_name[users["hc_center"].display_name] == "itinerant_teacher"
    assert users["hc_s2_leader"].display_name not in by_name
    assert len({uid for uid, _n, _r in staff}) == len(staff)


def test_meeting_participants_are_ticked_from_the_staff_and_others_entered_with_their_role(
        user_client, new_student, world, year):
    """IEP-2: on the draft form the school's staff are ticked from a list (role pre-set, changeable) and the
    guardian or outside experts are entered with their role; both are saved as participants, and the edit form
    shows the staff ticked again."""
    s = new_student()
    c = user_client("hc_s1_resource")
    form = _html(c.get(f"/iep/new/?student={s.pk}"))
    leader = world.users["hc_s1_leader"]
    box = re.search(r'<fieldset class="mt-3" id="sb-meeting-staff">(.*?)</fieldset>', form, re.S).group(1)
    assert f'name="staff_{leader.pk}"' in box and leader.display_name in box
    assert re.search(rf'<select[^>]*name="staff_{leader.pk}_role"[^>]*aria-label="[^"]+"', box)
    r = c.post(f"/iep/new/?student={s.pk}", {
        "start_date": year.start_date, "end_date": year.end_date,
        f"staff_{leader.pk}": "on", f"staff_{leader.pk}_role": "working_group",
        f"staff_{world.users['hc_center'].pk}_role": "itinerant_teacher",  # not ticked: not a participant
        "p0_name": "刘芳", "p0_role": "guardian", "p1_name": "陈医生", "p1_role": "therapist"})
    assert r.status_code == 302, r.content.decode()[:1500]
    p = Plan.objects.get(student=s)
    assert p.meeting_participants == [{"name": leader.display_name, "role": "working_group"},
                                      {"name": "刘芳", "role": "guardian"}, {"name": "陈医生", "role": "therapist"}]
    edit = _html(c.get(f"/iep/{p.pk}/edit/"))
    assert re.search(rf'name="staff_{leader.pk}" id="[^"]+" checked', edit)
    assert f'name="staff_{world.users["hc_center"].pk}" id="id_staff_{world.users["hc_center"].pk}">' in edit
    assert 'value="刘芳"' in edit and 'value="陈医生"' in edit
    assert edit.count(f'value="{leader.display_name}"') == 0  # the ticked staff is not repeated as a free row


def test_draft_checklist_names_each_missing_field_once_and_submit_says_why_it_is_disabled(
        user_client, new_student, year):
    """IEP-2: the checklist of an incomplete draft names each missing field once (the baseline fields by name,
    the meeting's date, participants and conclusions, the goals); the submit button is disabled and the reason
    next to it is text the button refers to with aria-describedby."""
    s = new_student()
    c = user_client("hc_s1_resource")
    r = c.post(f"/iep/new/?student={s.pk}", {"start_date": year.start_date, "end_date": year.end_date,
                                            "disability_assessment": "轻度智力障碍"})
    assert r.status_code == 302
    p = Plan.objects.get(student=s)
    page = _html(c.get(f"/iep/{p.pk}/"))
    box = re.search(r'<div class="alert alert-warning small" id="sb-missing">(.*?)</div>\s*</div>|'
                    r'<div class="alert alert-warning small" id="sb-missing">(.*?)<a ', page, re.S)
    items = re.findall(r'<li data-field="([^"]*)">([^<]*)</li>', page)
    fields = [f for f, _m in items]
    assert len(fields) == len(set(fields)), "each missing field once"
    assert set(fields) == {"academic_assessment", "social_adaptation", "family_education", "support_needs",
                           "meeting_date", "meeting_participants", "meeting_conclusions", "goals"}
    messages = dict(items)
    assert "学业水平评估" in messages["academic_assessment"] and "家庭教育情况" in messages["family_education"]
    assert len({m for _f, m in items}) == len(items), "no two items say the same"
    assert box is not None and "8" in page[page.index('id="sb-missing-title"'):][:80]
    step = re.search(r'<form[^>]*data-to="in_review"[^>]*>(.*?)</form>', page, re.S).group(1)
    button = re.search(r"<button[^>]*>", step).group(0)
    assert " disabled" in button and 'aria-describedby="sb-submit-why"' in button
    reason = re.search(r'<span class="small text-danger" id="sb-submit-why">([^<]+)</span>', step).group(1)
    assert "8" in reason and "暂不能提交" in reason


def test_complete_draft_has_no_checklist_and_an_enabled_submit(user_client, api_client, new_student, year):
    """IEP-2: once the baseline, the meeting and the goals are there, the checklist is gone and the button works."""
    s = new_student()
    r = api_client("hc_s1_resource").post("/api/v1/ieps", complete_payload(s, year))
    assert r.status_code == 201, r.content
    page = _html(user_client("hc_s1_resource").get(f"/iep/{r.json()['id']}/"))
    assert 'id="sb-missing"' not in page
    step = re.search(r'<form[^>]*data-to="in_review"[^>]*>(.*?)</form>', page, re.S).group(1)
    assert " disabled" not in re.search(r"<button[^>]*>", step).group(0)


def test_plan_form_marks_what_the_review_needs(user_client, new_student):
    """IEP-2: the fields needed before review are marked (asterisk, and the hidden text says they are needed
    before submitting, since a draft may be saved without them)."""
    s = new_student()
    form = _html(user_client("hc_s1_resource").get(f"/iep/new/?student={s.pk}"))
    label = re.search(r'<label[^>]*for="id_meeting_conclusions">(.*?)</label>', form, re.S).group(1)
    assert '<span class="text-danger" aria-hidden="true">*</span>' in label and "提交审核前必填" in label
    label = re.search(r'<label[^>]*for="id_baseline_collected_by">(.*?)</label>', form, re.S).group(1)
    assert "*" not in label
