"""Demo data of the oversight module: a census list of 海沧区 (one child on a register, one followed up, one
not yet), an enrolment refusal at the second school, a designated school, the first school's barrier-free
checklist (one item missing), archive custodian and activities, the district's county plan and a joint meeting —
then the findings of every check (OV-1), so the inbox and dashboards have something to show. Idempotent: each
record is looked up first; writes go through the services."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from suiban.core.idnumbers import make_id_number
from suiban.demo.world import World, step
from suiban.org.models import Region, School

HC, HC_S1, HC_S2 = "350205", "3502050101", "3502050102"


def _census_file(rows) -> SimpleUploadedFile:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "性别", "出生日期", "身份证号", "残疾类别", "家庭住址"])
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("残联名单.xlsx", buf.getvalue())


@step
def oversight_step(world: World) -> None:
    from suiban.oversight import census, engine, services
    from suiban.oversight.models import (
        AccessibilityItem,
        Activity,
        ArchiveCustodian,
        CensusChild,
        DesignatedSchool,
        EnrolmentRefusal,
        GovernanceRecord,
    )
    from suiban.students.models import Student

    today = timezone.localdate()
    bureau, leader, leader2 = world.users["hc_bureau"], world.users["hc_s1_leader"], world.users["hc_s2_leader"]
    region = Region.objects.get(code=HC)
    s1, s2 = School.objects.get(code=HC_S1), School.objects.get(code=HC_S2)
    # PL-14: the federation's list — one child already on a register, two not in school
    if not CensusChild.objects.filter(region=region).exists():
        on_register = Student.objects.filter(school=s1).exclude(id_number="").order_by("student_number").first()
        y = today.year
        rows = [("林小雨", "女", None, make_id_number(HC, today.replace(year=y - 8, month=3, day=12), 961, "female"),
                 "智力", "海沧街道海虹社区"),
                ("陈小舟", "男", None, make_id_number(HC, today.replace(year=y - 10, month=6, day=2), 973, "male"),
                 "肢体", "新阳街道兴旺社区")]
        if on_register:
            rows.append((on_register.name, None, None, on_register.id_number, "", ""))
        census.census_import(actor=bureau, region=region, source="dpf", upload=_census_file(rows))
        child = CensusChild.objects.get(region=region, name="林小雨")
        services.census_follow_up(actor=bureau, child=child, version=child.version, state="not_in_school",
                                  follow_up_person="黄丽娟", follow_up_due=today + timedelta(days=7),
                                  note="家访了解入学意愿")
    # PL-15: a designated school and a refusal awaiting the bureau
    if not DesignatedSchool.objects.filter(school=s2).exists():
        services.school_designate(actor=bureau, school=s2, categories=["hearing", "visual"],
                                  designated_on=today - timedelta(days=200), note="听障、视障学生定点学校")
    if not EnrolmentRefusal.objects.filter(school=s2).exists():
        child = CensusChild.objects.filter(region=region, name="陈小舟").first()
        services.refusal_record(actor=leader2, school=s2, child=child, child_name="陈小舟",
                                refused_on=today - timedelta(days=5),
                                reason="学校暂无无障碍设施，建议转特殊教育学校")
    # OV-5: the first school's checklist, one item missing
    if not AccessibilityItem.objects.filter(school=s1).exists():
        for item in ("entrance_ramp", "handrails", "signage", "ground_floor_room", "accessible_route",
                     "tactile_paving"):
            services.accessibility_set(actor=leader, school=s1, item=item, present=True,
                                       checked_on=today - timedelta(days=30))
        services.accessibility_set(actor=leader, school=s1, item="accessible_toilet", present=False,
                                   checked_on=today - timedelta(days=30), rectify_by=today + timedelta(days=60),
                                   note="教学楼一层卫生间改造已列入年度计划")
    # AR-4: the archive custodian
    if not ArchiveCustodian.objects.filter(school=s1).exists():
        services.custodian_set(actor=leader, school=s1, name="李梅", phone="0592-6060101", cabinet="资源教室档案柜",
                               appointed_on=today - timedelta(days=300))
    # OV-6: the county plan and a joint meeting
    if not GovernanceRecord.objects.filter(region=region).exists():
        services.governance_record(actor=bureau, region=region, kind="county_plan",
                                   title="海沧区适龄残疾儿童少年教育一县一案", held_on=today - timedelta(days=120),
                                   content="摸排全区适龄残疾儿童少年，逐一制定安置方案。",
                                   valid_until=today + timedelta(days=600))
        services.governance_record(actor=bureau, region=region, kind="joint_meeting", title="特殊教育联席会议",
                                   held_on=today - timedelta(days=40), participants="教育局、残联、卫健局、民政局",
                                   content="研究未入学残疾儿童的安置与送教上门安排。")
    # OV-4: structured activities
    if not Activity.objects.filter(school=s1).exists():
        services.activity_record(actor=leader, school=s1, kind="inclusion", held_on=today - timedelta(days=20),
                                 title="普特融合趣味运动会", summary="随班就读学生与同伴结对参加。", participants=80)
        services.activity_record(actor=leader, school=s1, kind="research", held_on=today - timedelta(days=12),
                                 title="个别化教育计划教研活动", summary="资源教师与班主任研讨目标的可测量性。",
                                 participants=12)
        services.activity_record(actor=leader, school=s1, kind="home_school", held_on=today - timedelta(days=8),
                                 title="随班就读学生家长会", summary="向家长说明个别化教育计划与送教安排。",
                                 participants=25)
    # OV-1: every check over the demo world
    engine.recompute(None)
