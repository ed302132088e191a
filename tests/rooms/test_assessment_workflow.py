"""RR-4, RR-5, RR-6, RR-8: the round, the panel, the states and who moves them, grades, plaques, rectification
with its deadline in the school's inbox, the warning after a failed re-score, carry-over into the next round."""

from datetime import timedelta

import pytest
from rooms_helpers import HC_S1, HC_S2, fill_self, open_round, panel_score, share, to_scored

from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.registry import inbox
from suiban.org.models import Region, SchoolYear
from suiban.rooms import services
from suiban.rooms.models import Assessment

pytestmark = pytest.mark.django_db


def _a(rnd, code=HC_S1):
    return Assessment.objects.get(round=rnd, school__code=code)


def test_round_names_the_panel_from_existing_users_and_snapshots_the_policy(world):
    """RR-8 / RR-4: the bureau names the panel from accounts that may score; the round records the assessing
    level and cycle (⚙) and the thresholds it grades with."""
    rnd = open_round(world, with_inspection=True)
    assert rnd.panel_leader == world.users["hc_expert"] and list(rnd.panel_members.all()) == [world.users["hc_center"]]
    assert (rnd.level, rnd.cycle_years, rnd.exemplary_min, rnd.qualified_min) == ("district", 2, 90, 75)
    assert rnd.with_inspection and rnd.profile == "hc-2023"
    with pytest.raises(DomainError) as exc:  # a school leader cannot sit on the panel
        services.round_open(actor=world.users["hc_bureau"], region=Region.objects.get(code="350205"),
                            school_year=SchoolYear.current(), name="x", panel_leader_id=world.users["hc_s1_leader"].pk)
    assert exc.value.errors[0]["field"] == "panel_leader_id"


def test_only_the_bureau_opens_rounds_of_its_own_district(world):
    """RR-8: gd_bureau cannot open a round in 海沧区; a region without a rubric is refused (no_rubric)."""
    with pytest.raises(DomainError):
        services.round_open(actor=world.users["gd_bureau"], region=Region.objects.get(code="350205"),
                            school_year=SchoolYear.current(), name="x", panel_leader_id=world.users["hc_expert"].pk)
    with pytest.raises(DomainError) as exc:
        services.round_open(actor=world.users["gd_bureau"], region=Region.objects.get(code="440106"),
                            school_year=SchoolYear.current(), name="x", panel_leader_id=world.users["hc_expert"].pk)
    assert "no_rubric" in {e["code"] for e in exc.value.errors}


def test_states_move_only_by_the_right_role(world):
    """RR-4: self_assessment → submitted (school) → panel_scoring (panel) → scored (panel); anything else is
    422 invalid_transition; a role without any assessment permission is refused (403)."""
    rnd = open_round(world)
    a = _a(rnd)
    u = world.users
    for actor, to in [(u["hc_expert"], "submitted"), (u["hc_s1_leader"], "panel_scoring"), (u["hc_bureau"], "scored")]:
        with pytest.raises(DomainError) as exc:
            services.transition(actor=actor, assessment=a, to=to)
        assert exc.value.code == "invalid_transition"
    with pytest.raises(PermissionDenied):
        services.transition(actor=u["hc_s1_class"], assessment=a, to="submitted")
    with pytest.raises(DomainError) as exc:  # report and self-scores missing
        services.transition(actor=u["hc_s1_leader"], assessment=a, to="submitted")
    assert {e["field"] for e in exc.value.errors} >= {"person_in_charge", "contact", "situation", "items"}
    a = fill_self(world, a)
    a = services.transition(actor=u["hc_s1_leader"], assessment=a, to="submitted")
    with pytest.raises(DomainError):  # the school cannot change its self-scores after submitting
        services.scores_put(actor=u["hc_s1_leader"], assessment=a, items=[{"code": "1.1", "self_score": 0}])
    a = services.transition(actor=u["hc_center"], assessment=a, to="panel_scoring")
    with pytest.raises(DomainError) as exc:  # not every line scored, no minutes, no summary
        services.transition(actor=u["hc_expert"], assessment=a, to="scored")
    assert {e["field"] for e in exc.value.errors} >= {"items", "minutes", "summary_highlights"}
    a = panel_score(world, a)
    a = services.transition(actor=u["hc_expert"], assessment=a, to="scored")
    assert a.state == "scored" and a.grade == "exemplary" and a.total == 100
    with pytest.raises(DomainError):  # an exemplary school is not sent to rectification
        services.transition(actor=u["hc_bureau"], assessment=a, to="rectification")
    a = services.transition(actor=u["hc_bureau"], assessment=a, to="closed")
    assert list(a.events.values_list("to_state", flat=True)) == [
        "self_assessment", "submitted", "panel_scoring", "scored", "closed"]


def test_a_user_off_the_panel_cannot_score(world):
    """RR-8: only the named panel scores, even with the scoring permission."""
    rnd = open_round(world)
    a = fill_self(world, _a(rnd))
    a = services.transition(actor=world.users["hc_s1_leader"], assessment=a, to="submitted")
    rnd.panel_members.clear()
    with pytest.raises(DomainError) as exc:
        services.transition(actor=world.users["hc_center"], assessment=a, to="panel_scoring")
    assert exc.value.code == "invalid_transition"


def test_unqualified_school_rectifies_with_a_deadline_in_its_inbox_and_is_warned_if_it_still_fails(world):
    """RR-6: unqualified → rectification (deadline ⚙ rectification_days) → an inbox item for the school →
    rectification report → re-scored → still unqualified: notice and warning recorded."""
    u = world.users
    rnd = open_round(world)
    a = to_scored(world, _a(rnd), score=share(0.5))
    assert a.grade == "unqualified"
    with pytest.raises(DomainError):  # an unqualified school rectifies first
        services.transition(actor=u["hc_bureau"], assessment=a, to="closed")
    a = services.transition(actor=u["hc_bureau"], assessment=a, to="rectification")
    assert a.rectification_due == services.today() + timedelta(days=60)
    items = [i for i in inbox.items_for(u["hc_s1_leader"]) if i.kind == "rooms.rectification"]
    assert [i.object_id for i in items if i.object_id == a.pk and i.kind.startswith("rooms.")] == [a.pk]
    assert next(i for i in items if i.object_id == a.pk).due_date == a.rectification_due
    with pytest.raises(DomainError):  # the report comes first
        services.transition(actor=u["hc_s1_leader"], assessment=a, to="panel_scoring")
    a = services.assessment_update(actor=u["hc_s1_leader"], assessment=a, rectification_report="已整改")
    a = services.transition(actor=u["hc_s1_leader"], assessment=a, to="panel_scoring")
    assert a.first_total is not None and a.rectified_at is not None
    a = services.transition(actor=u["hc_expert"], assessment=a, to="scored")
    assert a.grade == "unqualified" and a.warned and a.warning_note
    with pytest.raises(DomainError):  # no second rectification
        services.transition(actor=u["hc_bureau"], assessment=a, to="rectification")
    a = services.transition(actor=u["hc_bureau"], assessment=a, to="closed")
    assert a.state == "closed"


def test_rectified_school_that_passes_is_not_warned(world):
    """RR-6: re-scored at or above the qualified threshold → qualified, no warning."""
    u = world.users
    rnd = open_round(world)
    a = to_scored(world, _a(rnd), score=share(0.5))
    a = services.transition(actor=u["hc_bureau"], assessment=a, to="rectification")
    a = services.assessment_update(actor=u["hc_s1_leader"], assessment=a, rectification_report="已整改")
    a = services.transition(actor=u["hc_s1_leader"], assessment=a, to="panel_scoring")
    a = panel_score(world, a)
    a = services.transition(actor=u["hc_expert"], assessment=a, to="scored")
    assert a.grade == "exemplary" and not a.warned


def test_next_round_carries_over_deductions_and_open_rectification_and_warns_the_panel(world):
    """RR-6: the next round opens with the previous round's deductions and open rectification items; the
    panel is warned about carried-over lines it skips (listed on the assessment and in the audit)."""
    from suiban.core.models import AuditEvent

    u = world.users
    first = open_round(world, schools=(HC_S1, HC_S2))
    to_scored(world, _a(first), score=lambda ln: ln.points if ln.code != "1.1" else ln.snap_down(2))
    b = to_scored(world, _a(first, HC_S2), score=share(0.5), school="hc_s2_leader")
    services.transition(actor=u["hc_bureau"], assessment=b, to="rectification")
    nxt = open_round(world, name="下一轮", schools=(HC_S1, HC_S2))
    assert nxt.previous == first
    carried = _a(nxt).carried_over
    assert [c["code"] for c in carried] == ["1.1"] and carried[0]["reason"] == "扣分理由"
    carried_b = _a(nxt, HC_S2).carried_over
    assert any(c.get("rectification") for c in carried_b)
    # the panel gives 1.1 full points without looking → nothing is skipped; a repeated deduction without reason
    # is refused anyway, so a skip is a line left unscored until the end:
    a2 = fill_self(world, _a(nxt))
    a2 = services.transition(actor=u["hc_s1_leader"], assessment=a2, to="submitted")
    a2 = services.transition(actor=u["hc_expert"], assessment=a2, to="panel_scoring")
    assert [c["code"] for c in services.skipped_carry_over(a2)] == ["1.1"]
    a2 = panel_score(world, a2)
    assert services.skipped_carry_over(a2) == []
    a2 = services.transition(actor=u["hc_expert"], assessment=a2, to="scored")
    ev = AuditEvent.objects.filter(action="rooms.assessment.scored", object_id=str(a2.pk)).get()
    assert "carried_over_skipped" not in ev.changes


def test_plaque_list_holds_exemplary_schools_only(world):
    """RR-5: exemplary schools receive a plaque; the list shows them and no other."""
    from suiban.rooms.selectors import plaques

    rows = list(plaques(world.users["hc_bureau"]))
    assert {a.school.code for a in rows} == {HC_S1}
    assert all(a.grade == "exemplary" for a in rows)
    assert list(plaques(world.users["gd_bureau"])) == []


def test_demo_round_has_one_school_scored_and_one_in_rectification(world):
    """API.md demo: one round in 海沧区, the first school scored, the second in rectification."""
    a = Assessment.objects.get(round__name="海沧区资源教室评估（示范）", school__code=HC_S1)
    b = Assessment.objects.get(round__name="海沧区资源教室评估（示范）", school__code=HC_S2)
    assert a.state == "scored" and a.grade == "exemplary"
    assert a.items.exclude(deduction_reason="").count() == 2
    assert b.state == "rectification" and b.grade == "unqualified" and b.rectification_due


def mine(user, assessment):
    """The user's inbox items about this assessment (other modules' items may share its id)."""
    return [i for i in inbox.items_for(user) if i.object_id == assessment.pk and i.kind.startswith("rooms.")]


def test_inbox_items_for_school_panel_and_bureau(world):
    """RR-4 / RR-6: the school sees its self-assessment (due date of the round) and rectification; the panel
    sees what it must score; the bureau sees scored assessments to close or send to rectification."""
    u = world.users

    def mine(user, a):  # the assessment's items (an item of another kind may carry the same object id)
        return [i for i in inbox.items_for(user) if i.object_id == a.pk and i.kind.startswith("rooms.")]

    rnd = open_round(world, self_due=services.today() + timedelta(days=30))
    a = _a(rnd)
    school = mine(u["hc_s1_leader"], a)
    assert [(i.kind, i.due_date) for i in school] == [("rooms.self_assessment", rnd.self_due)]
    a = fill_self(world, a)
    a = services.transition(actor=u["hc_s1_leader"], assessment=a, to="submitted")
    assert [i.kind for i in mine(u["hc_expert"], a)] == ["rooms.panel_scoring"]
    assert mine(u["hc_s1_leader"], a) == []
    a = services.transition(actor=u["hc_expert"], assessment=a, to="panel_scoring")
    a = panel_score(world, a)
    a = services.transition(actor=u["hc_expert"], assessment=a, to="scored")
    assert [i.kind for i in mine(u["hc_bureau"], a)] == ["rooms.scored"]
    assert mine(u["gd_bureau"], a) == []


def test_home_figure_counts_grades_in_scope(world, user_client, django_assert_max_num_queries):
    """RR-5: the results feed the yearly evaluation as a home figure, counted inside the caller's scope."""
    from suiban.rooms.home import assessment_figures

    with django_assert_max_num_queries(3):
        f = assessment_figures(world.users["hc_bureau"])["assessments"]
    assert f["exemplary"] >= 1 and f["rectifying"] >= 1
    assert assessment_figures(world.users["gd_bureau"])["assessments"]["exemplary"] == 0
    html = user_client("hc_bureau").get("/").content.decode()
    assert "示范校" in html and 'data-stat="exemplary"' in html


def test_bureau_opens_a_round_and_names_the_panel_on_the_page(world, user_client):
    """RR-8: the bureau opens a round on its page, choosing the panel among existing accounts that may score
    (a school leader is not offered); every ordinary school of the district gets its self-assessment."""
    from suiban.org.models import School
    from suiban.rooms.models import Round

    c = user_client("hc_bureau")
    html = c.get("/rooms/assessment/rounds/new/").content.decode()
    assert "郑宏伟" in html and "黄丽娟" in html and "王志强" not in html
    region = Region.objects.get(code="350205")
    r = c.post("/rooms/assessment/rounds/new/", {
        "region": region.pk, "name": "页面开启的轮次", "panel_leader": world.users["hc_expert"].pk,
        "panel_members": [world.users["hc_center"].pk], "self_due": "2027-06-30"})
    assert r.status_code == 302
    rnd = Round.objects.get(name="页面开启的轮次")
    assert r["Location"] == f"/rooms/assessment/rounds/{rnd.pk}/"
    assert rnd.assessments.count() == School.objects.filter(region=region).exclude(kind="special").count()
    assert list(rnd.panel_members.all()) == [world.users["hc_center"]]
