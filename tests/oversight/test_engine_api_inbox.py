"""The engine's API (OV-1), incremental recompute through the tasks framework, the inbox provider and the
registry of checkable rules."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from suiban.core.registry import checks, inbox
from suiban.oversight import engine
from suiban.oversight.models import Finding
from suiban.oversight.rules import CHECKABLE_RULES, RULE_SOURCES
from suiban.students import services as student_services
from suiban.students.models import INCLUSION_PLACEMENTS, Student
from tests.oversight.helpers import open_finding

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
HC_S1, GD_S1 = "3502050101", "4401060101"


def test_every_checkable_rule_has_a_registered_check():
    """OV-1: every rule the project declares checkable (CHECKABLE_RULES, including those of the staff, funds,
    home-delivery and resource-room modules) has a check in the registry, and its source is stated in words."""
    missing = {rule: f"expected from suiban/{app}/checks.py" for rule, app in CHECKABLE_RULES.items()
               if rule not in checks.rules()}
    assert not missing, f"checkable rules without a registered check: {missing}"
    assert not sorted(set(CHECKABLE_RULES) - set(RULE_SOURCES))


def test_checkable_rules_of_the_register_iep_policy_and_oversight_have_checks():
    """OV-1: the rules of the apps that existed before this module (students, IEP, policy) and oversight's own are
    all checked (the full list above also waits for the staff, funds, home-delivery and resource-room checks)."""
    mine = {rule for rule, app in CHECKABLE_RULES.items() if app in ("students", "iep", "policy", "oversight")}
    assert len(mine) == 14 and mine <= checks.rules()


def test_every_registered_check_names_a_known_permission_and_severity():
    """OV-1: each check declares who must act (a declared permission) and a severity."""
    from suiban.core.permissions import PERMISSIONS

    for c in checks.checks.values():
        assert c.assignee_permission in PERMISSIONS, c.key
        assert c.severity in ("info", "warning", "violation")
        assert str(c.title) and str(c.action)


@pytest.fixture
def computed(world):
    engine.recompute(None)


def test_findings_api_lists_the_callers_scope_with_filters(api_client, computed, django_assert_max_num_queries):
    """OV-1: GET /api/v1/findings → {count, items} with rule, severity, subject, evidence, action, due date and
    state, inside the caller's scope (ORG-4), filtered by rule, school, region, severity and state."""
    hc = api_client("hc_bureau")
    with django_assert_max_num_queries(12):
        r = hc.get("/api/v1/findings?state=open&page_size=500")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == Finding.objects.filter(state="open", region_path__startswith="350000/350200/350205/") \
        .count() > 0
    item = body["items"][0]
    assert set(item) == {"id", "rule", "severity", "subject", "school_id", "evidence", "action", "due_date", "state",
                         "first_seen", "resolved_at"}
    assert set(item["subject"]) == {"type", "id", "name"}
    gd = Finding.objects.filter(region_path__startswith="440000/").values_list("pk", flat=True)
    assert not {i["id"] for i in body["items"]} & set(gd)
    r = hc.get("/api/v1/findings?rule=AR-1&severity=info")
    assert r.json()["count"] and all(i["rule"] == "AR-1" for i in r.json()["items"])
    from suiban.org.models import School

    gd_school = School.objects.get(code=GD_S1)
    assert hc.get(f"/api/v1/findings?school_id={gd_school.pk}").status_code == 404
    leader = api_client("hc_s1_leader").get("/api/v1/findings?page_size=500").json()
    s1 = School.objects.get(code=HC_S1)
    assert leader["count"] and all(i["school_id"] == s1.pk for i in leader["items"])
    assert api_client("hc_parent").get("/api/v1/findings").status_code == 403


@override_settings(TASKS=IMMEDIATE)
def test_an_edit_recomputes_the_school_after_commit(world, django_capture_on_commit_callbacks):
    """OV-1: an edit through a service enqueues the incremental recompute of that school (tasks framework) on
    commit: the finding appears, and resolves after the data is mended."""
    s = (Student.objects.filter(school__code=HC_S1, status="active", placement__in=INCLUSION_PLACEMENTS)
         .order_by("student_number").first())
    actor = world.users["hc_s1_resource"]
    old = timezone.localdate().replace(year=timezone.localdate().year - 10) + timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        s, _w = student_services.student_update(actor=actor, student=s, version=s.version,
                                                certificate_issued_on=old)
    assert len(callbacks) == 1  # one enqueue per transaction, whatever it saved
    f = open_finding("PL-1", "student", s.pk)
    assert f is not None and f.rule == "PL-1"
    with django_capture_on_commit_callbacks(execute=True):
        student_services.student_update(actor=actor, student=s, version=s.version,
                                        certificate_issued_on=timezone.localdate())
    f.refresh_from_db()
    assert f.state == "resolved"


def test_inbox_gives_school_staff_their_findings_and_the_bureau_its_violations(world, computed):
    """OV-1: open findings reach the holders of the check's permission whose scope covers the finding — a school
    leader every finding of the school, the bureau the violations of its region — ordered by due date, each
    linked to where it is mended."""
    provider = inbox.providers["oversight.finding"].provider
    leader = list(provider(world.users["hc_s1_leader"]))
    assert leader
    s1 = world.schools[HC_S1] if isinstance(world.schools, dict) and HC_S1 in world.schools else None
    ids = [i.object_id for i in leader]
    rows = Finding.objects.in_bulk(ids)
    assert all(rows[i].school_id == (s1.pk if s1 else rows[i].school_id) for i in ids)
    assert all(i.url and i.url.startswith("/") for i in leader)
    dated = [i.due_date for i in leader if i.due_date]
    assert dated == sorted(dated)
    bureau = list(provider(world.users["hc_bureau"]))
    sev = {Finding.objects.get(pk=i.object_id).severity for i in bureau}
    assert bureau and "violation" in sev and "info" not in sev
    assert {Finding.objects.get(pk=i.object_id).rule for i in bureau} >= {"IEP-1", "PL-7"}
    assert all(Finding.objects.get(pk=i.object_id).region_path.startswith("350000/350200/350205/") for i in bureau)
    assert list(provider(world.users["hc_parent"])) == []
    gd = {i.object_id for i in provider(world.users["gd_s1_leader"])}
    assert not gd & set(ids)


def test_full_recompute_is_idempotent_and_resolves_only_what_data_mends(world, computed):
    """OV-1: a second full recompute on unchanged data creates, updates and resolves nothing."""
    stats = engine.recompute(None)
    assert (stats.created, stats.updated, stats.resolved) == (0, 0, 0)
    assert stats.checks == len(checks.checks)


def test_recompute_command_reports_its_work(world, capsys):
    """OV-1: ``manage.py recompute_findings`` recomputes every check over every school."""
    from django.core.management import call_command

    call_command("recompute_findings")
    out = capsys.readouterr().out
    assert "checks=" in out and "created=" in out
    assert Finding.objects.filter(state="open").exists()
