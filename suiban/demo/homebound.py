"""Demo data of the homebound module (API.md "Demo additions"): registers its step with ``world.step``.

In 海沧区, two students of the first school placed in home-delivered education (created through the student
service if the demo has fewer), each with an active enrolment, two teachers from the first school's filed pool
(``hc_s1_resource`` and a colleague; the pool and staff rows are looked up first and created only when missing,
so the step works whichever module's step ran before), and visits since the school year began: the first
student on pace (two full visits every week), the second behind (one visit most weeks, some short, a few
missed) — each delivered visit with its subsidy posting in the school's ledger. Idempotent: a student whose
enrolment exists already is left as it is."""

from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from suiban.core.idnumbers import make_id_number
from suiban.demo.world import World, current_start_year, step
from suiban.homebound import services, visits
from suiban.homebound.models import Enrolment
from suiban.staff.models import Pool, PoolMember, StaffMember
from suiban.students import services as student_services
from suiban.students.models import Student

HC_S1 = "3502050101"
PLANNED = [
    {"name": "林可馨", "gender": "female", "category": "multiple", "grade": 3, "born": (2018, 3, 14), "seq": 731,
     "guardian": "林秀梅", "phone": "139-5921-7310"},
    {"name": "黄梓轩", "gender": "male", "category": "physical", "grade": 5, "born": (2016, 7, 2), "seq": 733,
     "guardian": "黄建国", "phone": "138-5920-7330"},
]


def _pool(world: World, school, year):
    """The first school's filed pool with hc_s1_resource and a colleague (get or create)."""
    pool = Pool.objects.filter(school=school, school_year=year).first()
    if pool is None:
        pool = Pool.objects.create(school=school, school_year=year, region_path=school.region_path,
                                   state=Pool.FILED,
                                   filed_at=datetime(year.start_year, 8, 28, 10, 0, tzinfo=UTC))
    elif pool.state != Pool.FILED:
        pool.state = Pool.FILED
        pool.filed_at = pool.filed_at or datetime(year.start_year, 8, 28, 10, 0, tzinfo=UTC)
        pool.save(update_fields=["state", "filed_at"])
    user = world.users["hc_s1_resource"]
    resource = StaffMember.objects.filter(user=user).first() or StaffMember.objects.create(
        name=user.display_name or user.username, kind=StaffMember.TEACHER, school=school,
        region_path=school.region_path, user=user, qualification="provincial_training")
    colleague = (StaffMember.objects.filter(school=school, name="郑晓雯").first()
                 or StaffMember.objects.create(name="郑晓雯", kind=StaffMember.TEACHER, school=school,
                                               region_path=school.region_path, qualification="provincial_training"))
    for staff, kind in ((resource, PoolMember.FIXED_RESOURCE), (colleague, PoolMember.EXCELLENT)):
        if not PoolMember.objects.filter(pool=pool, staff=staff).exists():
            PoolMember.objects.create(pool=pool, staff=staff, kind=kind, full_time=kind == PoolMember.FIXED_RESOURCE)
    return [resource.pk, colleague.pk]


def _students(world: World, school, start_year: int) -> list[Student]:
    found = list(Student.objects.filter(school=school, placement="homebound", status="active",
                                        disability_grade__lte=2, certified_by__in=("dpf", "hospital", "committee"))
                 .order_by("id"))
    found = [s for s in found if 6 <= s.age_on(date(start_year, 9, 1)) <= 15 and s.hukou_region_code == "350205"]
    actor = world.users["hc_bureau"]
    for p in PLANNED:
        if len(found) >= 2:
            break
        number = f"L350205{p['born'][0]}{p['seq']:08d}"
        s = Student.objects.filter(student_number=number).first()
        if s is None:
            birth = date(*p["born"])
            id_number = make_id_number("350205", birth, p["seq"], p["gender"])
            s, _w = student_services.student_create(
                actor=actor, name=p["name"], gender=p["gender"], birth_date=birth, id_number=id_number,
                student_number=number, hukou_region_code="350205", school=school,
                grade=p["grade"], disability_category=p["category"], disability_grade=1,
                certificate_number=f"{id_number}{7 if p['category'] == 'multiple' else 4}1",
                certificate_issued_on=date(2022, 5, 10), certified_by="dpf", placement="homebound",
                status="active", committee_opinion="专家委员会评估：无法到校就读，送教上门",
                guardians=[{"name": p["guardian"], "relation": "母亲" if p["gender"] == "female" else "父亲",
                            "phone": p["phone"]}])
        if s not in found:
            found.append(s)
    return found[:2]


@step
def homebound_enrolments(world: World):
    start_year = current_start_year()
    year = world.years.get(start_year)
    school = world.schools.get(HC_S1)
    if year is None or school is None:
        return
    teachers = _pool(world, school, year)
    leader, recorder = world.users["hc_s1_leader"], world.users["hc_s1_resource"]
    for i, s in enumerate(_students(world, school, start_year)):
        if Enrolment.objects.filter(student=s, school_year=year).exists():
            continue
        e = services.enrolment_create(
            actor=leader, student=s, school_year=year, place="学生家中（海沧街道）", start_date=year.start_date,
            teacher_ids=teachers, curriculum={
                "teaching": "以培智学校生活语文、生活数学为主，结合绘本阅读", "rehabilitation":
                "感知觉训练、粗大与精细动作训练、语言沟通训练",
                "rehab_provider": "" if i == 0 else "海沧区康复中心（购买服务）",
                "rehab_areas": ["perception", "motor", "language"]},
            goals="认识常见生活用品；坐姿保持15分钟；用词语表达需要",
            eligibility={"cannot_attend_school": {"met": True, "evidence": "区专家委员会评估意见：身体状况不能到校"},
                         "able_to_learn": {"met": True, "evidence": "入户评估：能配合完成简单指令，具备接受教育能力"}})
        e = services.enrolment_update(actor=leader, enrolment=e, state=Enrolment.ACTIVE)
        _visits(recorder, e, teachers, on_pace=i == 0)


def _visits(actor, e: Enrolment, teachers, *, on_pace: bool):
    today = timezone.localdate()
    monday = e.school_year.start_date - timedelta(days=e.school_year.start_date.weekday())
    week = 0
    while monday + timedelta(days=1) < today:
        days = [monday + timedelta(days=1), monday + timedelta(days=3)] if on_pace or week % 4 == 0 \
            else [monday + timedelta(days=2)]
        for n, d in enumerate(days):
            if d < e.school_year.start_date or d >= today:
                continue
            ref = f"demo-{e.pk}-{d.isoformat()}"
            if not on_pace and week % 5 == 3:
                visits.visit_record(actor=actor, enrolment=e, date=d, teacher_ids=teachers, status="missed",
                                    reason="child_ill", family_informed=True, makeup_date=d + timedelta(days=7),
                                    client_ref=ref)
                continue
            end = time(12, 0) if on_pace or week % 3 else time(11, 0)
            visits.visit_record(actor=actor, enrolment=e, date=d, start_time=time(9, 0), end_time=end,
                                teacher_ids=teachers, mode="onsite", guardian_training=n == 0 and week % 4 == 0,
                                notes="开展生活语文与动作训练，学生能配合完成大部分活动。", client_ref=ref)
        monday += timedelta(days=7)
        week += 1
