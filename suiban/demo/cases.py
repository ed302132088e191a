"""Demo cases (PL-3, PL-5..PL-9): every state of the case workflow for 海沧区 and 天河区.

Each case is walked through ``suiban.students.cases`` by the demo account whose role does that step in
real use: ``hc_s1_leader`` / ``hc_parent`` / ``hc_s2_leader`` submit, ``hc_bureau`` routes and decides,
``hc_expert`` gives the committee's opinion, ``hc_s2_leader`` refuses an incoming transfer (with a reason).
天河区 has no expert-committee account, so its cases stop at under review or end rejected / withdrawn.

Idempotent: a case is identified by (student, kind, reason); an existing one is left as it is. Only two
cases change a student when they take effect: the identification at primary enrolment of the 海沧区 child
awaiting placement (→ regular class, no class yet) and the deferral of the already deferred child (its
approval record). The worsened reassessment is decided and takes effect at the next school-year start
(PL-5), when ``manage.py apply_due_cases`` applies it.
"""

from suiban.demo.world import World, step
from suiban.students.cases import services as svc
from suiban.students.models import Case, Student

# (district key prefix, first school code)
HC_FIRST, HC_SECOND, HC_SPECIAL = "3502050101", "3502050102", "3502050901"
GD_FIRST = "4401060101"


def _pool(world: World, school_code: str, exclude=()):
    """Active students of a school's regular classes in a stable order (not the hard-maximum class, whose
    students the demo leaves alone)."""
    # Ordered by the (encrypted, SEC-4) student number after decryption, as before it was encrypted.
    return sorted(Student.objects.filter(school=world.schools[school_code], status="active",
                                         placement="regular_class", school_class__isnull=False)
                  .exclude(pk__in=[s.pk for s in exclude if s is not None])
                  .exclude(school_class__name="三年级（1）班"), key=lambda s: s.student_number)


def pick(pool: list, i: int):
    return pool[i] if len(pool) > i else None


def _applicant(student: Student) -> str:
    g = student.guardians.first()
    return g.name if g else "家长"


def _walk(world: World, spec: dict):
    """Submit the case if it is not there yet and walk it through the given steps."""
    student = spec["student"]
    if student is None:
        return None
    existing = Case.objects.filter(student=student, kind=spec["kind"], reason=spec["reason"]).first()
    if existing is not None:
        return existing
    users = world.users
    c = svc.case_submit(actor=users[spec["by"]], student=student, kind=spec["kind"],
                        applicant=spec.get("applicant") or _applicant(student), reason=spec["reason"],
                        direction=spec.get("direction", ""), target_school=spec.get("target"),
                        at_enrolment=spec.get("at_enrolment", False),
                        school_conditions=spec.get("school_conditions", ""),
                        guardian_wishes=spec.get("guardian_wishes", ""))
    for item in spec.get("steps", ()):
        actor, to, note, *extra = item
        if to == "refuse":
            c = svc.transfer_respond(actor=users[actor], case=c, accept=False, reason=note)
            continue
        kwargs = extra[0] if extra else {}
        c = svc.transition(actor=users[actor], case=c, to=to, note=note, **kwargs)
    return c


@step
def cases(world: World):
    hc_child = world.students.get("hc_parent_child")
    hc = _pool(world, HC_FIRST, exclude=[hc_child])
    hc_second = sorted(Student.objects.filter(school=world.schools[HC_SECOND], status="active", placement="remote"),
                       key=lambda s: s.student_number)[:1]
    gd = _pool(world, GD_FIRST)
    specs = [
        # --- 海沧区 -------------------------------------------------------------------------------------
        {"student": world.students.get("hc_awaiting"), "kind": "identification", "by": "hc_s1_leader",
         "at_enrolment": True, "reason": "一年级新生入学，家长申请随班就读认定，附医院诊断证明。",
         "steps": [("hc_bureau", "under_review", "材料齐全，提交专家委员会评估。"),
                   ("hc_expert", "committee_opinion", "经区残疾人教育专家委员会评估，适宜在普通班级随班就读，"
                                                      "由资源教师提供个别化支持。"),
                   ("hc_bureau", "decided", "同意认定为随班就读学生，安置于普通班级。",
                    {"placement": "regular_class"}),
                   ("hc_bureau", "effective", "小学入学时认定，即时生效。")]},
        {"student": world.students.get("hc_deferred"), "kind": "deferral", "by": "hc_s1_leader",
         "reason": "儿童正在接受康复训练，家长申请延缓入学一年。",
         "steps": [("hc_bureau", "under_review", "已受理。"),
                   ("hc_bureau", "decided", "同意延缓入学一年，期满后入学。"),
                   ("hc_bureau", "effective", "")]},
        {"student": hc_child, "kind": "revocation", "by": "hc_parent", "applicant": "刘芳",
         "reason": "孩子近期进步明显，想申请撤销随班就读认定。",
         "steps": [("hc_parent", "withdrawn", "与班主任沟通后决定暂不申请。")]},
        {"student": hc_child, "kind": "reassessment", "by": "hc_parent", "applicant": "刘芳",
         "reason": "孩子语言能力明显好转，申请复测和重新认定。"},
        {"student": pick(hc, 0), "kind": "revocation", "by": "hc_s1_leader",
         "reason": "家长申请撤销随班就读认定：学生经康复训练后已能适应普通教学。",
         "steps": [("hc_bureau", "under_review", "转专家委员会于暑假期间评估。")]},
        {"student": pick(hc, 1), "kind": "dispute", "by": "hc_s1_leader",
         "reason": "家长与学校就学生复学安排（是否需陪读）发生争议，申请教育局处理。",
         "school_conditions": "学校已设资源教室，配备一名专职资源教师，暂无陪读人员编制。",
         "guardian_wishes": "家长希望学生复学后在原班级就读，并由学校安排课间看护。",
         "steps": [("hc_bureau", "under_review", "已受理，请专家委员会出具意见。"),
                   ("hc_expert", "committee_opinion", "学生具备在原班级学习的能力，建议原班复学，"
                                                      "课间由资源教师和同伴互助提供支持。")]},
        {"student": pick(hc, 2), "kind": "reassessment", "by": "hc_s1_leader",
         "reason": "学生病情加重，家长申请复测。",
         "steps": [("hc_bureau", "under_review", "提交专家委员会复测。"),
                   ("hc_expert", "committee_opinion", "复测显示障碍程度加重，建议转入附设特教班。"),
                   ("hc_bureau", "decided", "根据复测结果，安置于普通学校附设特教班，新学年起执行。",
                    {"placement": "special_class", "result": "worsened"})]},
        {"student": hc_second[0] if hc_second else None, "kind": "identification", "by": "hc_s2_leader",
         "reason": "接受远程教育的学生申请随班就读认定，回校就读。",
         "steps": [("hc_bureau", "under_review", "已受理。"),
                   ("hc_bureau", "rejected", "申请材料不全，缺少近期医学诊断证明，请补充后于下学期结束前重新申请。")]},
        {"student": pick(hc, 3), "kind": "transfer", "by": "hc_s1_leader", "direction": "to_special",
         "target": world.schools[HC_SECOND],
         "reason": "学生难以适应本校学习生活，家长申请转入教育局指定的普通学校（新阳小学，离家较近）。",
         "steps": [("hc_s2_leader", "refuse", "本校三年级各班随班就读学生已达上限，且资源教室尚在建设中。"),
                   ("hc_bureau", "under_review", "学校拒绝接收，已记录理由，教育局统筹处理。")]},
        {"student": pick(hc, 4), "kind": "transfer", "by": "hc_s1_leader", "direction": "to_special",
         "target": world.schools[HC_SPECIAL],
         "reason": "学生障碍程度较重，家长申请转入特殊教育学校。"},
        # --- 天河区 (no expert-committee account: under review at most, or rejected / withdrawn) ---------
        {"student": world.students.get("gd_awaiting"), "kind": "identification", "by": "gd_s1_leader",
         "at_enrolment": True, "reason": "一年级新生入学，家长申请随班就读认定。"},
        {"student": pick(gd, 0), "kind": "revocation", "by": "gd_s1_leader",
         "reason": "家长申请撤销随班就读认定。",
         "steps": [("gd_bureau", "under_review", "将于暑假期间委托专家委员会确认。")]},
        {"student": pick(gd, 1), "kind": "reassessment", "by": "gd_s1_leader",
         "reason": "家长认为学生情况有变化，申请复测。",
         "steps": [("gd_bureau", "under_review", "已受理。"),
                   ("gd_bureau", "rejected", "近期已完成评估，残疾情况无明显变化，暂不受理复测申请。")]},
        {"student": pick(gd, 2), "kind": "dispute", "by": "gd_s1_leader",
         "reason": "家长对转学安排有异议。",
         "steps": [("gd_s1_leader", "withdrawn", "经学校与家长沟通，争议已协商解决，撤回申请。")]},
    ]
    for spec in specs:
        _walk(world, spec)
