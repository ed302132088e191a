"""Demo data of the staff module (API.md "Demo additions"): registers its step with ``world.step``.

海沧区: the first school (沧江小学) keeps staff records for 李梅 (``hc_s1_resource``, the fixed resource teacher),
陈静 (a second teacher without an account, so home-delivered visits have two teachers of the filed pool),
the leader and a purchased teaching assistant; its pool of last year is renewed into this year's and filed
on 25 August, before the 1 September deadline. The second school (新阳小学) filed last year but has no pool
this year (missing). Training records (a province course for 李梅, a county session for 陈静; the leader has
none), the working group with a meeting, the full-time resource teacher's wages, an itinerant visit by
``hc_center`` with an open follow-up, the centre's expert pool and the expert committee. Writes go through the
services as the people who do them (school leader, bureau officer, centre staff). Idempotent.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from suiban.demo.world import World, current_start_year, step
from suiban.org.models import ResourceCentre
from suiban.staff import services
from suiban.staff.models import (
    Expert,
    ItinerantVisit,
    Pool,
    StaffMember,
    StaffYear,
    Training,
    WorkingGroup,
)
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

S1, S2 = "3502050101", "3502050102"
GD_S1 = "4401060101"

# school code → [(name, kind, qualification, evidence, username or None, pool kind or None, full time)]
STAFF = {
    S1: [("李梅", "teacher", "provincial_training", "闽特教培〔2024〕0123号", "hc_s1_resource", "fixed_resource",
          True),
         ("陈静", "teacher", "special_ed_degree", "福建师范大学特殊教育专业", None, "excellent", False),
         ("王志强", "teacher", "none", "", "hc_s1_leader", None, False),
         ("周晓红", "assistant", "none", "", None, "assistant", False)],
    S2: [("林晓燕", "teacher", "special_ed_degree", "泉州师范学院特殊教育专业", None, "fixed_resource", True),
         ("吴国平", "teacher", "none", "", "hc_s2_leader", None, False),
         ("蔡文婷", "teacher", "none", "", None, "excellent", False)],
    GD_S1: [("何嘉欣", "teacher", "none", "", "gd_s1_leader", None, False),
            ("罗敏", "teacher", "special_ed_degree", "广州大学特殊教育专业", None, "fixed_resource", True)],
}
LEADERS = {S1: "hc_s1_leader", S2: "hc_s2_leader", GD_S1: "gd_s1_leader"}
EXPERTS = [  # district, body, name, field, organisation
    ("350205", Expert.COMMITTEE, "苏文华", "education", "海沧区教师进修学校"),
    ("350205", Expert.COMMITTEE, "许明", "medicine", "海沧医院儿科"),
    ("350205", Expert.COMMITTEE, "杨雪", "psychology", "厦门市心理健康指导中心"),
    ("350205", Expert.COMMITTEE, "郭立新", "rehabilitation", "海沧区残联康复中心"),
    ("350205", Expert.CENTRE_POOL, "曾慧", "rehabilitation", "海沧区残联康复中心"),
    ("350205", Expert.CENTRE_POOL, "陈丽", "parents", "家长代表"),
]


def _aware(d, hour=10):
    return timezone.make_aware(datetime.combine(d, time(hour, 0)))


def _staff(world: World, code: str) -> dict:
    school = world.schools[code]
    leader = world.users[LEADERS[code]]
    out = {}
    for name, kind, qual, evidence, username, _pk, _ft in STAFF[code]:
        user = world.users.get(username) if username else None
        s = StaffMember.objects.filter(school=school, name=name).first()
        if s is None:
            s = services.staff_create(actor=leader, name=name, kind=kind, school=school, qualification=qual,
                                      qualification_evidence=evidence, user=user)
        out[name] = s
    return out


def _pool(world: World, code: str, start_year: int, staff: dict, filed_on) -> Pool | None:
    school, leader = world.schools[code], world.users[LEADERS[code]]
    sy = world.years[start_year]
    pool = Pool.objects.filter(school=school, school_year=sy).first()
    if pool is None:
        pool = services.pool_create(actor=leader, school=school, school_year=sy, renew=True)
        if not pool.members.exists():
            members = [{"staff_id": staff[name].pk, "kind": pk, "full_time": ft}
                       for name, _k, _q, _e, _u, pk, ft in STAFF[code] if pk]
            pool = services.pool_set_members(actor=leader, pool=pool, version=pool.version, members=members)
    if filed_on is not None and pool.state != Pool.FILED:
        pool = services.pool_file(actor=leader, pool=pool, version=pool.version, filed_at=_aware(filed_on))
    return pool


@step
def staff(world: World):
    start = current_start_year()
    today = timezone.localdate()
    sy, last = world.years[start], world.years[start - 1]
    people = {code: _staff(world, code) for code in STAFF}
    # Pools: last year's filed for both 海沧区 schools; this year's renewed and filed on 25 August for the first.
    for code in (S1, S2):
        _pool(world, code, start - 1, people[code], last.start_date.replace(month=8, day=20))
    _pool(world, S1, start, people[S1], sy.start_date.replace(month=8, day=25))
    _pool(world, GD_S1, start, people[GD_S1], None)  # 天河区: a draft, not filed yet

    # The centre's itinerant teacher (hc_center) and its expert pool; the district's expert committee.
    bureau = world.users["hc_bureau"]
    centre = ResourceCentre.objects.get(region=world.regions["350205"])
    huang = StaffMember.objects.filter(user=world.users["hc_center"]).first() or services.staff_create(
        actor=bureau, name="黄丽娟", kind=StaffMember.CENTRE, centre=centre, qualification="special_ed_degree",
        qualification_evidence="华东师范大学特殊教育专业", itinerant=True, user=world.users["hc_center"])
    for district, body, name, field, org in EXPERTS:
        if not Expert.objects.filter(region=world.regions[district], body=body, name=name).exists():
            services.expert_create(actor=bureau, body=body, region=world.regions[district], name=name, field=field,
                                   organisation=org, centre=centre if body == Expert.CENTRE_POOL else None)

    # Training (ST-2, ST-7): 李梅 a province course, 陈静 a county session; 王志强 none (a finding).
    early = min(today, sy.start_date + timedelta(days=12))
    li, chen = people[S1]["李梅"], people[S1]["陈静"]
    leader = world.users["hc_s1_leader"]
    if not Training.objects.filter(staff=li).exists():
        services.training_record(actor=leader, staff=li, course="福建省随班就读资源教师专项培训", level="province",
                                 organiser="福建省教育厅", hours=Decimal("24"), start_date=early, end_date=early)
        services.training_record(actor=leader, staff=li, course="孤独症儿童课堂支持策略（专家进校）",
                                 level="school", kind="invited_expert", organiser="海沧区沧江小学",
                                 hours=Decimal("3"), start_date=early, end_date=early)
    if not Training.objects.filter(staff=chen).exists():
        services.training_record(actor=leader, staff=chen, course="海沧区融合教育教研活动", level="county",
                                 kind="school_research", organiser="海沧区特殊教育资源中心", hours=Decimal("8"),
                                 start_date=early, end_date=early)
    if not Training.objects.filter(staff=huang).exists():
        services.training_record(actor=bureau, staff=huang, course="厦门市巡回指导教师培训", level="city",
                                 organiser="厦门市特殊教育资源中心", hours=Decimal("30"), start_date=early,
                                 end_date=early)

    # The full-time resource teacher's year (ST-4, ST-5): wages for the 15 % uplift and the school's evaluation.
    if not StaffYear.objects.filter(staff=li, school_year=sy).exists():
        services.staff_year_save(actor=leader, staff=li, school_year=sy, full_time_resource=True,
                                 service_recorded=True, post_wage="3260.00", scale_wage="1875.00",
                                 evaluation="excellent", evaluation_note="个别化教育计划落实到位，资源教室运行规范。")
    if not StaffYear.objects.filter(staff=chen, school_year=sy).exists():
        services.staff_year_save(actor=leader, staff=chen, school_year=sy, full_time_resource=False,
                                 room_share="0.70", evaluation="good")

    # The working group (ORG-6) with one meeting.
    if not WorkingGroup.objects.filter(school=world.schools[S1], school_year=sy).exists():
        plan = f"沧江小学随班就读工作领导小组工作方案（沧小〔{start}〕12号）：校长任组长，统筹资源教室和个别化教育。"
        g = services.working_group_save(actor=leader, school=world.schools[S1], school_year=sy, plan=plan,
            members=[{"name": "王志强", "function": "principal", "duties": "组长，第一责任人"},
                     {"name": "郑晓东", "function": "vice_principal", "duties": "分管随班就读"},
                     {"name": "刘建国", "function": "middle_manager", "duties": "教导主任，课程安排"},
                     {"name": "张悦", "function": "class_teacher", "duties": "班级融合"},
                     {"name": "李梅", "function": "resource_teacher", "duties": "资源教室日常工作"},
                     {"name": "林医生", "function": "school_doctor", "duties": "健康档案"},
                     {"name": "黄丽娟", "function": "itinerant_teacher", "duties": "巡回指导"}])
        services.working_group_meeting_add(actor=leader, group=g, date_=early, topic="学期初随班就读工作部署",
                                           minutes="研究本学期个别化教育计划制订、资源教室排课和送教上门安排。")

    # An itinerant visit by hc_center with a follow-up the school has not answered yet (ST-6).
    school = world.schools[S1]
    if not ItinerantVisit.objects.filter(school=school, teacher=huang).exists():
        seen = list(Student.objects.filter(school=school, placement__in=INCLUSION_PLACEMENTS,
                                           status__in=ACTIVE_STATUSES).order_by("student_number")
                    .values_list("pk", flat=True)[:2])
        day = min(today, sy.start_date + timedelta(days=20))
        services.itinerant_visit_create(actor=world.users["hc_center"], school=school, date_=day, teacher=huang,
                                        student_ids=seen, advice="建议为两名学生调整座位并在语文课采用分层作业。",
                                        follow_up="提交调整后的分层作业样例和一周课堂观察记录。",
                                        follow_up_due=day + timedelta(days=30))
