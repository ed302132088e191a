"""The audit log in words (SEC-3; ARCHITECTURE "Pages"): actions as phrases, fields by name, references to other
records by their name, choices by label — never codes, ids or Python values on the page."""

from django.utils import translation

from suiban.core import audit
from suiban.core.audit_display import action_label, present
from suiban.core.models import AuditEvent

HC_S1 = "3502050101"


def test_actions_are_phrases_in_the_users_language():
    with translation.override("zh-hans"):
        assert action_label("students.student.viewed") == "查看学生档案"
        assert action_label("iep.evaluation.recorded") == "记录学期评价"
        assert action_label("accounts.login.failed") == "登录失败"


def test_changes_name_the_field_and_the_referenced_record(world):
    school = world.schools[HC_S1]
    student = school.students.first()
    audit.record(world.users["hc_bureau"], "students.student.updated", student,
                 changes={"school": [None, school.pk], "gender": ["male", "female"], "placement": [None, "homebound"]})
    event = AuditEvent.objects.filter(action="students.student.updated").latest("id")
    with translation.override("zh-hans"):
        (shown,) = present([event])
        rows = {label: (old, new) for label, old, new in shown.change_rows}
    assert rows["学校"] == ("—", school.name)
    assert rows["性别"] == ("男", "女")
    assert rows["安置方式"][1] == "送教上门"


def test_the_audit_page_shows_no_action_codes_or_dicts(world, user_client):
    school = world.schools[HC_S1]
    audit.record(world.users["hc_bureau"], "iep.evaluation.recorded", school,
                 changes={"moral": ["", "good"]})
    html = user_client("auditor").get("/audit/").content.decode()
    assert "iep.evaluation.recorded" not in html
    assert "{'" not in html and "['" not in html
    assert "记录学期评价" in html
