"""Shared helpers of the rooms tests: a fresh round in 海沧区 and scoring shortcuts through the services."""

from decimal import Decimal

from suiban.org.models import Region, School, SchoolYear
from suiban.rooms import services
from suiban.rooms.models import Assessment, Round
from suiban.rooms.rubric import line_map

HC, HC_S1, HC_S2, HC_JR = "350205", "3502050101", "3502050102", "3502050201"


def open_round(world, name="测试轮次", schools=(HC_S1,), **kw) -> Round:
    return services.round_open(
        actor=world.users["hc_bureau"], region=Region.objects.get(code=HC), school_year=SchoolYear.current(),
        name=name, panel_leader_id=world.users["hc_expert"].pk, panel_member_ids=[world.users["hc_center"].pk],
        school_ids=[School.objects.get(code=c).pk for c in schools], **kw)


def fill_self(world, a: Assessment, leader="hc_s1_leader", score=None) -> Assessment:
    """The school's report and a self-score on every line (full points unless ``score(line)`` says otherwise)."""
    user = world.users[leader]
    a = services.assessment_update(actor=user, assessment=a, person_in_charge="负责人", contact="0592-1",
                                   situation="基本情况")
    lmap = line_map(a.round.rubric)
    items = [{"code": it.code, "self_score": score(lmap[it.code]) if score else it.points} for it in a.items.all()]
    return services.scores_put(actor=user, assessment=a, items=items)


def panel_score(world, a: Assessment, score=None, reason="扣分理由", scorer="hc_expert") -> Assessment:
    user = world.users[scorer]
    lmap = line_map(a.round.rubric)
    items = []
    for it in a.items.all():
        s = score(lmap[it.code]) if score else it.points
        items.append({"code": it.code, "panel_score": s, "deduction_reason": reason if s < it.points else ""})
    a = services.scores_put(actor=user, assessment=a, items=items)
    return services.assessment_update(actor=user, assessment=a, minutes="合议", summary_highlights="亮点",
                                      summary_improvements="改进", summary_suggestions="建议")


def to_scored(world, a: Assessment, score=None, school="hc_s1_leader") -> Assessment:
    a = fill_self(world, a, leader=school)
    a = services.transition(actor=world.users[school], assessment=a, to="submitted")
    a = services.transition(actor=world.users["hc_expert"], assessment=a, to="panel_scoring")
    a = panel_score(world, a, score)
    return services.transition(actor=world.users["hc_expert"], assessment=a, to="scored")


def share(fraction):
    return lambda ln: ln.snap_down(ln.points * Decimal(str(fraction)))
