"""Demo data of the rooms module (API.md "Demo additions"): the first 海沧区 school has a dedicated resource room
(≥ 60 m², ground floor) that also serves the second school; one assessment round in 海沧区 (panel: hc_expert as
leader, hc_center as member) in which the first school is scored (exemplary, two deductions) and the second is
in rectification; the other schools are still assessing themselves. Everything goes through the services;
idempotent (nothing is done when the round exists)."""

from decimal import Decimal

from suiban.demo.world import World, step
from suiban.org.models import Region, School, SchoolYear
from suiban.rooms import services
from suiban.rooms.models import Assessment, Room, Round
from suiban.rooms.rubric import line_map
from suiban.staff.models import StaffMember

HC, HC_S1, HC_S2 = "350205", "3502050101", "3502050102"
ROUND_NAME = "海沧区资源教室评估（示范）"
EQUIPMENT = [
    {"name": "韦氏儿童智力量表", "category": "assessment_tools", "quantity": 1, "use_log": "每学期评估记录",
     "maintenance_log": "2025-09 核查"},
    {"name": "感统训练器材", "category": "training", "quantity": 12, "use_log": "训练课使用登记",
     "maintenance_log": "每月检查"},
    {"name": "电脑、打印机", "category": "office", "quantity": 2, "use_log": "日常办公",
     "maintenance_log": "信息中心维护"},
    {"name": "档案柜", "category": "archive_cabinet", "quantity": 2, "use_log": "学生档案专柜",
     "maintenance_log": "专人保管"},
]


def _room(world: World, bureau):
    s1, s2 = School.objects.get(code=HC_S1), School.objects.get(code=HC_S2)
    room = Room.objects.filter(school=s1).first()
    if room is not None:
        return room
    staff = list(StaffMember.objects.filter(school=s1, is_active=True).values_list("pk", flat=True)[:2])
    return services.room_create(
        actor=bureau, school=s1, name="沧江小学资源教室", use=Room.DEDICATED, door_sign=True,
        area_m2=Decimal("72.5"), floor=1, accessible=True, zones=["training", "assessment", "reception"],
        zones_labelled=False, equipment=EQUIPMENT, staff_ids=staff, opening_hours="周一至周五 8:00–17:00",
        timetable="周一、三、五下午个别辅导；周二、四下午小组康复训练", staff_posted=True,
        service_process="班主任提出申请 → 资源教师评估 → 排入课表", use_records="资源教室使用登记簿（按日登记）",
        serves_school_ids=[s2.pk])


def _share(a: Assessment, item, share) -> Decimal:
    return line_map(a.round.rubric)[item.code].snap_down(item.points * share)


def _self(a: Assessment, leader, share=None):
    a = services.assessment_update(actor=leader, assessment=a, person_in_charge=str(leader),
                                   contact="0592-6000000", situation=f"{a.school.name}资源教室建设与运行情况。",
                                   highlights="个别化教育计划覆盖全部随班就读学生。",
                                   problems="兼职资源教师工作量有待核定；将于下学期完善。")
    items = []
    for it in a.items.all():
        full = it.proposed_score if it.proposed_score is not None else it.points
        score = full if share is None else _share(a, it, share)
        items.append({"code": it.code, "self_score": score})
    a = services.scores_put(actor=leader, assessment=a, items=items)
    return services.transition(actor=leader, assessment=a, to=Assessment.SUBMITTED)


def _panel(a: Assessment, expert, deductions: dict, share=None):
    a = services.transition(actor=expert, assessment=a, to=Assessment.PANEL)
    items = []
    for it in a.items.all():
        if it.code in deductions:
            score, reason = deductions[it.code]
        elif share is not None:
            score = _share(a, it, share)
            reason = "" if score == it.points else "材料不全，未达到考核要求"
        else:
            score, reason = it.points, ""
        items.append({"code": it.code, "panel_score": score, "deduction_reason": reason})
    a = services.scores_put(actor=expert, assessment=a, items=items)
    a = services.assessment_update(actor=expert, assessment=a, minutes="专家考评组合议，意见一致。",
                                   summary_highlights="资源教室功能分区合理，个别化教育扎实。",
                                   summary_improvements="各区标识需完善；融合文化活动需常态化。",
                                   summary_suggestions="加强资源教师专业培训，完善档案管理。")
    return services.transition(actor=expert, assessment=a, to=Assessment.SCORED)


@step
def rooms(world: World):
    users = world.users
    if not users or "hc_bureau" not in users:
        return
    bureau, expert, centre = users["hc_bureau"], users["hc_expert"], users["hc_center"]
    _room(world, bureau)
    region = Region.objects.get(code=HC)
    if Round.objects.filter(region=region, name=ROUND_NAME).exists():
        return
    rnd = services.round_open(actor=bureau, region=region, school_year=SchoolYear.current(), name=ROUND_NAME,
                              panel_leader_id=expert.pk, panel_member_ids=[centre.pk])
    first = Assessment.objects.get(round=rnd, school__code=HC_S1)
    first = _self(first, users["hc_s1_leader"])
    _panel(first, expert, {"6.4": (Decimal(0), "各区标识不清楚"), "12.2": (Decimal(1), "融合文化活动仅开展一次")})
    second = Assessment.objects.get(round=rnd, school__code=HC_S2)
    second = _self(second, users["hc_s2_leader"], share=Decimal("0.8"))
    second = _panel(second, centre, {}, share=Decimal("0.6"))
    services.transition(actor=bureau, assessment=second, to=Assessment.RECTIFICATION, note="请于期限内完成整改。")
