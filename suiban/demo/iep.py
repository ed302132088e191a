"""Demo individual education (IEP-1..IEP-8) for the first school of each demo district.

For the students in inclusion of 海沧区沧江小学 and 天河区龙口小学 (sorted by national student number):

* plans for the current school year through the plan services — drafted by the resource teacher (天河区: the
  school leader), submitted, put in force by the school leader three weeks into the year, with two long-term
  goals of two short-term goals each; reviews four and eight weeks later for two students in three (the
  third's review becomes overdue after ⚙ iep_review_interval_weeks); the second-to-last student's plan is a
  draft and the last one has none (a "missing plan" finding). ``hc_parent``'s child has a plan in force that
  the guardian has not answered yet.
* sessions for the weeks of the current term so far: two individual tutoring hours a week plus one weekly
  group compensatory-training hour (groups of three, entered once); some student-weeks fall short (a missed
  session, a student absent, a cancellation with its reason), one student in each school is short most
  weeks. The bulk of the sessions is inserted in bulk and the weekly summary rebuilt once; a few go through
  ``session_log`` / ``session_correct`` (a group session, a cancellation, a correction).
* a group session with one student absent (through the service);
* peer support and an assistive device for two students of 海沧区, and the term evaluation (IEP-6) of two
  of them.

Idempotent and fast: plans are keyed by (student, school year); sessions by ``client_ref`` ("demo-…"), so a
later run only adds the days that have passed since; nothing is done when everything is there.
"""

import random
from datetime import timedelta
from decimal import Decimal

from suiban.demo.world import World, current_start_year, step
from suiban.iep import services, sessions
from suiban.iep.models import (
    DIMENSIONS,
    INDIVIDUAL_TUTORING,
    AidIssue,
    Evaluation,
    Goal,
    PeerSupport,
    Plan,
    Session,
    SessionAttendance,
)
from suiban.iep.selectors import current_term
from suiban.iep.support import aid_issue, evaluation_record, peer_support_create
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

SCHOOLS = {  # first school code: (drafting teacher, approving leader)
    "3502050101": ("hc_s1_resource", "hc_s1_leader"),
    "4401060101": ("gd_s1_leader", "gd_s1_leader"),
}
TEACHERS = ("李梅", "张悦", "陈老师", "黄老师")
TRAINING = ("感统训练", "沟通训练", "精细动作训练", "情绪行为训练")
PARTICIPANTS = [{"name": "王志强", "role": "working_group"}, {"name": "黄丽娟", "role": "itinerant_teacher"},
                {"name": "李梅", "role": "resource_teacher"}, {"name": "张悦", "role": "class_teacher"}]


def _goal_tree(start, end, kind: str) -> list[dict]:
    mid = start + (end - start) / 2
    return [
        {"domain": "culture_knowledge", "target_behaviour": "能读懂低年级课文并复述大意",
         "start_date": start, "end_date": end, "measures": "资源教室每周两次个别辅导，课堂分层提问",
         "attainment_method": "学期末课文复述评估",
         "short_term": [
             {"target_behaviour": "能正确认读本学期生字表中的常用字", "baseline": "认读约 60 个常用字",
              "target_level": "认读 150 个常用字", "measurement": "checklist",
              "mastery_criterion": "连续两次检核正确率 ≥ 80%",
              "responsible_teacher": "李梅", "start_date": start, "end_date": mid,
              "measures": "字卡游戏、每日 10 分钟认读练习", "attainment_method": "字表检核"},
             {"target_behaviour": "能用完整句子复述一段短文", "baseline": "只能说出零散词语",
              "target_level": "复述 3 句以上", "measurement": "work_sample", "mastery_criterion": "5 次中 4 次达到",
              "responsible_teacher": "张悦", "start_date": mid, "end_date": end,
              "measures": "图片提示、句式支架", "attainment_method": "录音作品分析"}]},
        {"domain": "compensatory", "training_kind": kind, "target_behaviour": "提高注意力与自我调节能力",
         "start_date": start, "end_date": end, "measures": "每周一次小组补偿训练，家庭配合练习",
         "attainment_method": "训练记录与教师观察",
         "short_term": [
             {"target_behaviour": "能在课堂上持续专注完成任务", "baseline": "持续约 5 分钟",
              "target_level": "持续 15 分钟", "measurement": "duration", "mastery_criterion": "连续三周达到",
              "responsible_teacher": "李梅", "start_date": start, "end_date": end,
              "measures": "视觉计时器、任务分解", "attainment_method": "课堂观察记录"},
             {"target_behaviour": "情绪激动时能使用约定方法平复", "baseline": "每周约 4 次情绪爆发",
              "target_level": "每周不超过 1 次", "measurement": "frequency", "mastery_criterion": "连续四周达到",
              "responsible_teacher": "张悦", "start_date": start, "end_date": end,
              "measures": "情绪卡片、安静角", "attainment_method": "行为频次记录"}]},
    ]


def _baseline(student: Student) -> dict:
    return {
        "baseline_collected_by": "张悦",
        "disability_assessment": f"{student.get_disability_category_display()}，残疾等级"
                                 f"{student.disability_grade or '未评定'}级。",
        "academic_assessment": "语文、数学低于年级水平约两个学期，识字量偏少。",
        "social_adaptation": "能遵守基本课堂常规，与同伴交往较被动。",
        "family_education": "家长重视教育，每周与班主任沟通一次。",
        "support_needs": "个别辅导、课堂分层任务、同伴互助。",
        "meeting_participants": PARTICIPANTS + [{"name": (student.guardians.first() or student).name,
                                                 "role": "guardian"}],
        "meeting_conclusions": "确定以识字与注意力训练为本学年重点，资源教师每周个别辅导两课时。",
    }


def _plans(world: World, school, students: list[Student], sy, drafter, leader, today):
    existing = set(Plan.objects.filter(student__in=students, school_year=sy).values_list("student_id", flat=True))
    start = sy.start_date
    meeting_on = min(start + timedelta(days=14), today)
    approve_on = min(start + timedelta(days=21), today)
    for i, s in enumerate(students):
        if s.pk in existing or i == len(students) - 1:  # the last student: no plan (a finding)
            continue
        draft = i == len(students) - 2
        kind = TRAINING[i % len(TRAINING)]
        tree = _goal_tree(start, sy.end_date, kind)
        if draft:
            tree = tree[:1]
        plan = services.plan_create(actor=drafter, student=s, school_year=sy, start_date=start,
                                    end_date=sy.end_date, baseline_collected_on=meeting_on, meeting_date=meeting_on,
                                    goals=tree, **_baseline(s))
        if draft:
            continue
        plan = services.transition(actor=drafter, plan=plan, to="in_review", note="初稿完成，提交审核。",
                                   on=approve_on)
        plan = services.transition(actor=leader, plan=plan, to="in_force", note="经随班就读工作小组审议通过。",
                                   on=approve_on)
        if i % 3 == 2:
            continue  # no review yet: due or overdue once the interval has passed
        goals = list(plan.goals.filter(kind="short_term").order_by("parent__position", "position"))
        for n, (weeks, attained) in enumerate(((4, "partly"), (8, "yes"))):
            day = approve_on + timedelta(weeks=weeks)
            if day > today:
                break
            services.review_record(
                actor=drafter, plan=plan, review_date=day, evidence="课堂观察记录、作业样本、训练记录。",
                summary="按计划实施，进展良好。" if attained == "yes" else "部分目标仍需加强。",
                attainments=[{"goal_id": g.pk, "attained": attained if k % 2 == 0 else "partly",
                              "percentage": 50 + 20 * n + 5 * k, "level_reached": f"达到目标的 {50 + 20 * n + 5 * k}%"}
                             for k, g in enumerate(goals)])


def _week_plan(rng: random.Random, monday, weak: bool) -> list[tuple]:
    """Individual sessions of one student in one week: (weekday, hours, outcome, cancel reason)."""
    rows = [(0, Decimal("1"), "delivered", ""), (2, Decimal("1"), "delivered", "")]
    r = rng.random()
    if weak or r < 0.12:
        rows = rows[:1]  # a missed session: the week falls short
    elif r < 0.18:
        rows[1] = (2, Decimal("1"), "student_absent", "")
    elif r < 0.22:
        rows[1] = (2, Decimal("1"), "cancelled", "学校组织大型活动，辅导暂停。")
    return rows


def _sessions(world: World, school, students: list[Student], teacher, today):
    term = current_term(today)
    if term is None or not students:
        return
    first = sessions.week_start(term.start_date)
    last = min(term.end_date, today)
    existing = set(Session.objects.filter(school=school, client_ref__startswith="demo-")
                   .values_list("client_ref", flat=True))
    weak = students[1].pk if len(students) > 1 else None
    new, members = [], {}
    monday = first
    groups = [students[i:i + 3] for i in range(0, len(students), 3)]
    while monday <= last:
        for s in students:
            rng = random.Random(f"suiban-iep-{s.student_number}-{monday}")
            for weekday, hours, outcome, reason in _week_plan(rng, monday, s.pk == weak):
                day = monday + timedelta(days=weekday)
                ref = f"demo-{s.pk}-{day}"
                if term.start_date <= day <= last and ref not in existing:
                    new.append(Session(school=school, region_path=school.region_path, date=day, hours=hours,
                                       kind=INDIVIDUAL_TUTORING, teacher_name=TEACHERS[s.pk % 2], outcome=outcome,
                                       cancel_reason=reason, notes="个别辅导：识字与阅读。", client_ref=ref,
                                       logged_by=teacher))
                    members[ref] = [s.pk]
        for g, group in enumerate(groups):
            day = monday + timedelta(days=3)
            ref = f"demo-g{g}-{day}"
            if term.start_date <= day <= last and ref not in existing:
                present = [s.pk for s in group if s.pk != weak]
                if present:
                    new.append(Session(school=school, region_path=school.region_path, date=day, hours=Decimal("1"),
                                       kind=TRAINING[g % len(TRAINING)], teacher_name="李梅", outcome="delivered",
                                       notes="小组补偿训练。", is_group=len(present) > 1, client_ref=ref,
                                       logged_by=teacher))
                    members[ref] = present
        monday += timedelta(days=7)
    if new:
        for s in new:
            s.original = {"date": s.date.isoformat(), "hours": str(s.hours.quantize(Decimal("0.01"))),
                          "kind": s.kind, "teacher_name": s.teacher_name, "outcome": s.outcome,
                          "cancel_reason": s.cancel_reason, "notes": s.notes,
                          "student_ids": sorted(members[s.client_ref]), "absent_student_ids": [],
                          "goal_ids": []}
        Session.objects.bulk_create(new, batch_size=500)
        ids = dict(Session.objects.filter(school=school, client_ref__in=list(members)).values_list("client_ref", "pk"))
        SessionAttendance.objects.bulk_create(
            [SessionAttendance(session_id=ids[s.client_ref], student_id=sid, date=s.date)
             for s in new for sid in members[s.client_ref]], batch_size=1000)
        sessions.rebuild([s.pk for s in students], since=first)
    _service_sessions(school, students, teacher, last, existing)


def _service_sessions(school, students, teacher, last, existing):
    """A few sessions through the service, as a teacher would enter them: a group session with linked goals,
    a cancellation with its reason and a correction."""
    if len(students) < 4:
        return
    last = last - timedelta(days=max(0, last.weekday() - 4))  # a weekday
    pair = [s.pk for s in students[2:4]]
    if "demo-svc-group" not in existing:
        goal_ids = list(Goal.objects.filter(plan__student_id__in=pair, plan__state="in_force", kind="short_term",
                                            domain="compensatory", retired_in_revision__isnull=True)
                        .order_by("pk").values_list("pk", flat=True)[:2])
        s = sessions.session_log(actor=teacher, student_ids=pair, date=last, hours=Decimal("1"), kind="沟通训练",
                                 teacher_name="黄老师", notes="小组沟通训练：轮流发言、请求帮助。",
                                 goal_ids=goal_ids, client_ref="demo-svc-group")
        sessions.session_correct(actor=teacher, session=s, reason="课时登记有误，实际为 1.5 课时。",
                                 hours=Decimal("1.5"))
    if "demo-svc-absent" not in existing and len(students) >= 6:
        trio = [s.pk for s in students[4:7]]
        sessions.session_log(actor=teacher, student_ids=trio, date=last, hours=Decimal("1"), kind="感统训练",
                             teacher_name="李梅", notes="小组感统训练：平衡与协调。", absent_student_ids=trio[-1:],
                             client_ref="demo-svc-absent")
    if "demo-svc-cancelled" not in existing:
        sessions.session_log(actor=teacher, student_ids=pair[:1], date=last, hours=Decimal("1"),
                             kind=INDIVIDUAL_TUTORING, teacher_name="李梅", outcome="cancelled",
                             cancel_reason="教师外出参加区资源教师培训。", client_ref="demo-svc-cancelled")


def _support(world: World, school, students: list[Student], teacher, start):
    if len(students) < 2:
        return
    first, second = students[0], students[1]
    if not PeerSupport.objects.filter(student=first).exists():
        peer_support_create(actor=teacher, student=first, mode="one_to_one", peers=[{"name": "林小雨"}],
                            starts_on=start, notes="同桌结对，课间陪伴、提醒作业。")
    if not PeerSupport.objects.filter(student=second).exists():
        peer_support_create(actor=teacher, student=second, mode="many_to_one",
                            peers=[{"name": "陈子轩"}, {"name": "王欣怡"}, {"name": "郑浩然"}], starts_on=start,
                            notes="学习小组轮流帮助完成课堂任务。")
    if not AidIssue.objects.filter(student=first).exists():
        aid_issue(actor=teacher, student=first, item="台式电子助视器", kind="assistive_device", issued_on=start,
                  notes="资源教室配备，学期末归还。")
        aid_issue(actor=teacher, student=first, item="大字课本（语文、数学）", kind="learning_tool", issued_on=start)


EVALUATION = {  # IEP-6 (GD §29): dimension → (level, comment against the adjusted goals)
    "moral": ("good", "尊重老师和同学，能遵守班级约定。"),
    "academic": ("developing", "按调整后的目标，识字量由约 60 字增至约 110 字，复述仍需图片提示。"),
    "health": ("good", "情绪爆发由每周约 4 次降至约 2 次，能使用情绪卡片。"),
    "arts": ("pass", "愿意参加班级合唱，节奏感有进步。"),
    "social_practice": ("pass", "在同伴帮助下参加班级值日和校园劳动。"),
    "science": ("pass", "能在小组中完成简单观察记录。"),
    "life_skills": ("good", "能独立整理书包、按时完成值日，生活自理明显进步。"),
}


def _evaluations(school, students: list[Student], teacher, today):
    """IEP-6: the term evaluation of two students with plans in force, on the seven dimensions."""
    term = current_term(today)
    if term is None:
        return
    day = max(term.start_date, min(today, term.end_date) - timedelta(days=2))
    for s in students[:2]:
        if Evaluation.objects.filter(student=s, term=term).exists() or not Plan.objects.filter(
                student=s, school_year=term.school_year, state="in_force").exists():
            continue
        evaluation_record(actor=teacher, student=s, term=term, evaluated_on=day, evaluator_name="李梅",
                          summary="对照调整后的个别化目标评价：识字与自我调节进步明显，继续加强阅读理解。",
                          dimensions=[{"dimension": code, "level": EVALUATION[code][0],
                                       "comment": EVALUATION[code][1]} for code, _label in DIMENSIONS],
                          emphasis={"social_adaptation": "能在同伴提醒下遵守课堂常规，主动参加小组活动。",
                                    "compensation": "注意力训练每周三次，持续专注时间由5分钟提高到12分钟。",
                                    "labour_skills": "能独立整理书包和课桌，参与班级值日。"})


@step
def individual_education(world: World):
    from suiban.iep.services import today as _today

    today = _today()
    sy = world.years[current_start_year(today)]
    for code, (drafter_name, leader_name) in SCHOOLS.items():
        school = world.schools[code]
        drafter, leader = world.users[drafter_name], world.users[leader_name]
        students = sorted(Student.objects.filter(school=school, placement__in=INCLUSION_PLACEMENTS,
                                                 status__in=ACTIVE_STATUSES), key=lambda s: s.student_number)
        # hc_parent's child first: a plan in force, never the draft or the missing one at the end
        child = world.students.get("hc_parent_child")
        students.sort(key=lambda s: child is None or s.pk != child.pk)
        _plans(world, school, students, sy, drafter, leader, today)
        _sessions(world, school, students, drafter, today)
        if code.startswith("35"):
            _support(world, school, students, drafter, sy.start_date)
            _evaluations(school, students, drafter, today)
