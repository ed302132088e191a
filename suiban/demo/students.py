"""Demo students of API.md (PL-1, PL-2, PL-4): ~60 fictional students per demo district.

Every record goes through ``students.services.student_create`` as the district's bureau officer, so the demo
has the same validation, class cap (PL-4), placement history (PL-2) and audit trail as real use. The data
is deterministic (one ``random.Random`` per district, seeded with the district code) and the step is
idempotent: the planned students are looked up by national student number first (one query per district)
and only the missing ones are created.

The first school of each district is laid out by hand so that API.md's promises hold:
≥ 5 students in inclusion, a class with 0, classes with 1–2 and 三年级（1）班 at the hard maximum of 3
(``class_hard_max``). The second school has fewer than 5. ``hc_s1_class`` teaches 海沧区沧江小学
三年级（1）班 and ``hc_parent`` (刘芳) is the guardian of its first student. In the other schools a pupil placed
in a special class (PL-2) learns in the school's special class of the grade (七年级特教班 …, kind "special"),
created with its first pupil; those pupils count against no ordinary class's cap (PL-4).

The name, birth-date, identity-number and certificate helpers are shared with the scale generator
(``suiban.demo.scale``).
"""

import random
from datetime import date, timedelta

from suiban import policy
from suiban.accounts import services as account_services
from suiban.accounts.models import RoleAssignment
from suiban.core.crypto import lookup_hash
from suiban.core.idnumbers import CATEGORY_DIGITS, make_id_number
from suiban.demo.world import World, class_name, current_start_year, step
from suiban.org import services as org_services
from suiban.org.models import GRADE_NUMERALS, SchoolClass
from suiban.students import services as student_services
from suiban.students.models import Student

# --- shared generators (also used by suiban.demo.scale) -----------------------------------------------
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
# Regional flavour: surnames more common in Fujian / Guangdong come first more often.
LOCAL_SURNAMES = {"35": "林陈黄郑吴王李张杨蔡许洪庄曾苏", "44": "陈李黄梁张林何吴刘罗冯谭邓叶钟"}
GIVEN_MALE = ("浩宇 子轩 宇轩 梓豪 俊杰 一鸣 博文 家豪 天佑 皓然 明哲 睿 晨 航 宇 杰 涛 鑫 子墨 文博 嘉豪 泽宇 "
              "思远 昊天 志鹏 振华 少杰 承泽 奕辰 俊熙").split()
GIVEN_FEMALE = ("欣怡 梓涵 诗涵 雨桐 子萱 可馨 佳怡 思琪 雨欣 婉清 一诺 语嫣 静 婷 雪 琳 悦 萌 梦瑶 紫涵 "
                "欣妍 晓彤 慧敏 嘉欣 美琪 心怡 安琪 若曦 芷若 雅琪").split()
GIVEN_ADULT_MALE = "建国 志强 伟 军 勇 海涛 国华 明 建平 永福 文斌 金龙 振东 德华 少华".split()
GIVEN_ADULT_FEMALE = "秀英 丽华 美玲 春燕 玉兰 桂芳 淑珍 海燕 晓红 丽娟 秋菊 雪梅 慧芳 小燕 美华".split()

CATEGORY_WEIGHTS = {"intellectual": 38, "mental": 16, "speech": 12, "hearing": 10, "visual": 7, "physical": 11,
                    "multiple": 6}
MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "177", "186", "188",
                   "189", "198")
FAMILY_NOTES = ("父母均在本地务工，由祖母日常照料。", "单亲家庭，母亲独自抚养。", "家庭经济困难，已纳入低保。",
                "父母重视康复训练，周末参加机构干预。", "外来务工人员随迁子女。",
                "家长配合度高，每周与班主任沟通。", "")
MEDICAL_NOTES = {"intellectual": "韦氏智力测验结果偏低，需个别化学习支持。",
                 "mental": "孤独症谱系障碍，需结构化教学与行为支持。",
                 "speech": "构音障碍，每周一次言语训练。", "hearing": "双耳配戴助听器，宜安排前排座位。",
                 "visual": "低视力，需大字课本与放大设备。", "physical": "下肢活动受限，需无障碍通道。",
                 "multiple": "多重障碍，需医教结合支持。"}
OPINIONS = {
    "regular_class": "经区残疾人教育专家委员会评估，建议在普通班级随班就读，由资源教师提供支持。",
    "special_class": "经区残疾人教育专家委员会评估，建议安置在普通学校附设特教班。",
    "special_school": "经区残疾人教育专家委员会评估，建议到特殊教育学校就读。",
    "homebound": "经区残疾人教育专家委员会评估，学生障碍程度较重，建议送教上门。",
    "remote": "经区残疾人教育专家委员会评估，建议接受远程教育并定期回校。",
    "awaiting": "已受理安置申请，待专家委员会评估。",
}


def pick_name(rng: random.Random, gender: str, *, surname: str | None = None, adult: bool = False,
              local: str = "") -> str:
    if surname is None:
        pool = LOCAL_SURNAMES.get(local[:2], "")
        surname = rng.choice(pool) if pool and rng.random() < 0.5 else rng.choice(SURNAMES)
    if adult:
        given = rng.choice(GIVEN_ADULT_MALE if gender == "male" else GIVEN_ADULT_FEMALE)
    else:
        given = rng.choice(GIVEN_MALE if gender == "male" else GIVEN_FEMALE)
    return surname + given


def pick_phone(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}-{rng.randrange(10000):04d}-{rng.randrange(10000):04d}"


def birth_for_grade(rng: random.Random, grade: int, start_year: int) -> date:
    """Enrolment at the usual age (GD §10): grade g in school year Y-(Y+1) → born 1 Sep (Y-6-g) … 31 Aug (Y-5-g)."""
    first = date(start_year - 6 - grade, 9, 1)
    return first + timedelta(days=rng.randrange((date(start_year - 5 - grade, 9, 1) - first).days))


def enrolled_on_for(grade: int, start_year: int) -> date:
    first_grade = 7 if grade >= 7 else 1
    return date(start_year - (grade - first_grade), 9, 1)


def pick_category(rng: random.Random) -> str:
    return rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]


def pick_disability_grade(rng: random.Random, severe: bool = False) -> int:
    return rng.choice((1, 2)) if severe else rng.choices((1, 2, 3, 4), weights=(4, 16, 40, 40))[0]


def certificate_for(rng: random.Random, id_number: str, category: str, grade: int) -> str:
    """第二代残疾人证: identity number + category digit + grade digit, a few re-issued ones with B + digit."""
    suffix = f"B{rng.randint(1, 3)}" if rng.random() < 0.05 else ""
    return f"{id_number}{CATEGORY_DIGITS[category]}{grade}{suffix}"


def guardians_for(rng: random.Random, child_surname: str, local: str) -> list[dict]:
    """1–2 guardians: mother, father or grandmother, with 1xx-xxxx-xxxx phones."""
    mother = {"name": pick_name(rng, "female", adult=True, local=local), "relation": "母亲", "phone": pick_phone(rng)}
    father = {"name": pick_name(rng, "male", surname=child_surname, adult=True), "relation": "父亲",
              "phone": pick_phone(rng)}
    grandmother = {"name": pick_name(rng, "female", adult=True, local=local), "relation": "祖母",
                   "phone": pick_phone(rng)}
    r = rng.random()
    if r < 0.45:
        return [mother, father]
    if r < 0.70:
        return [mother]
    if r < 0.85:
        return [father]
    return [grandmother] if rng.random() < 0.5 else [grandmother, father]


# --- the demo plan -------------------------------------------------------------------------------------
PER_DISTRICT = 60
DISTRICTS = {
    # district code: (key prefix, acting bureau officer, first school, second school, other schools)
    "350205": ("hc", "hc_bureau", "3502050101", "3502050102", ("3502050201", "3502050301"), "3502050901"),
    "440106": ("gd", "gd_bureau", "4401060101", "4401060102", ("4401060201", "4401060301"), None),
}
# API.md: the first school's classes include one with 0, some with 1–2 and 三年级（1）班 at the hard maximum.
FIRST_SCHOOL_CLASSES = {(3, 1): "hard_max", (1, 1): 1, (2, 2): 2, (4, 1): 1, (5, 2): 2, (6, 1): 1}
SECOND_SCHOOL_CLASSES = {(2, 1): 1, (5, 1): 1}
# Students of the first/second school outside a class: (grade, placement, status)
FIRST_SCHOOL_OTHERS = [(2, "homebound", "active"), (1, "awaiting", "active"), (1, "awaiting", "deferred"),
                       (4, "regular_class", "transferred")]
SECOND_SCHOOL_OTHERS = [(3, "homebound", "active"), (5, "remote", "active")]
NAMED = {  # handles for later steps (cases etc.): index into the district's plan by (school role, placement, status)
    "homebound": ("first", "homebound", "active"), "awaiting": ("first", "awaiting", "active"),
    "deferred": ("first", "awaiting", "deferred"), "transferred": ("first", "regular_class", "transferred"),
}


def special_class_name(grade: int) -> str:
    """The demo's special class attached to an ordinary school (附设特教班) of a grade: "七年级特教班"."""
    return f"{GRADE_NUMERALS[grade - 1]}年级特教班"


def plan_district(district: str, start_year: int, hard_max: int) -> list[dict]:
    """The district's students as plain data (no database access): deterministic for (district, start year)."""
    prefix, _actor, first, second, others, special = DISTRICTS[district]
    rng = random.Random(f"suiban-demo-students-{district}")
    slots = []  # (school code, class name or None, grade, placement, status, role)
    for (g, n), count in FIRST_SCHOOL_CLASSES.items():
        count = hard_max if count == "hard_max" else count
        for _i in range(count):
            slots.append((first, class_name(g, n), g, "regular_class", "active", "first"))
    for g, placement, status in FIRST_SCHOOL_OTHERS:
        slots.append((first, None, g, placement, status, "first"))
    for (g, n), count in SECOND_SCHOOL_CLASSES.items():
        slots += [(second, class_name(g, n), g, "regular_class", "active", "second")] * count
    for g, placement, status in SECOND_SCHOOL_OTHERS:
        slots.append((second, None, g, placement, status, "second"))
    if special:
        for _i in range(6):
            slots.append((special, None, rng.randint(1, 9), "special_school", "active", "special"))
    # The rest: junior and nine-year schools, at most 2 per class (the advised maximum), a few out of class.
    grades = {others[0]: range(7, 10), others[1]: range(1, 10)}
    per_class = {}
    while len(slots) < PER_DISTRICT:
        school = rng.choices(others, weights=(1, 3))[0]
        g = rng.choice(grades[school])
        r = rng.random()
        if r < 0.80:
            free = [n for n in (1, 2) if per_class.get((school, g, n), 0) < 2]
            if free:
                n = rng.choice(free)
                per_class[(school, g, n)] = per_class.get((school, g, n), 0) + 1
                placement = rng.choices(("regular_class", "special_class"), weights=(9, 1))[0]
                # PL-2: a pupil placed in a special class learns in the school's special class of the grade.
                cname = special_class_name(g) if placement == "special_class" else class_name(g, n)
                slots.append((school, cname, g, placement, "active", "other"))
                continue
        if r < 0.86:
            slots.append((school, None, g, "homebound", "active", "other"))
        elif r < 0.90:
            slots.append((school, None, g, "remote", "active", "other"))
        elif r < 0.95:
            slots.append((school, None, 9, "regular_class", "graduated", "other"))
        else:
            slots.append((school, None, g, "regular_class", "transferred", "other"))
    plan, used_ids = [], set()
    for i, (school, cname, g, placement, status, role) in enumerate(slots):
        gender = rng.choice(("male", "female"))
        name = pick_name(rng, gender, local=district)
        birth = birth_for_grade(rng, g, start_year)
        severe = placement == "homebound"
        category = rng.choice(("multiple", "physical", "intellectual")) if severe else pick_category(rng)
        dgrade = pick_disability_grade(rng, severe=severe)
        migrant = rng.random() < 0.12
        if rng.random() < 0.06:  # no identity number yet: an L-number (19 characters)
            id_number = ""
            student_number = f"L{district}{birth:%Y%m%d}{i:04d}"
        else:
            region = rng.choice(("350203", "350583", "441521", "430182", "511623")) if migrant else district
            while True:
                id_number = make_id_number(region, birth, rng.randrange(1, 1000), gender)
                if id_number not in used_ids:
                    break
            used_ids.add(id_number)
            student_number = "G" + id_number
        has_cert = bool(id_number) and rng.random() < 0.85
        fields = {
            "name": name, "gender": gender, "birth_date": birth, "id_number": id_number,
            "student_number": student_number, "hukou_region_code": id_number[:6] if migrant and id_number
            else district, "grade": g, "disability_category": category, "disability_grade": dgrade,
            "certificate_number": certificate_for(rng, id_number, category, dgrade) if has_cert else "",
            "certificate_issued_on": (birth + timedelta(days=365 * rng.randint(3, 5) + rng.randrange(300)))
            if has_cert else None,
            "certified_by": "dpf" if has_cert else rng.choice(("hospital", "committee")),
            "placement": placement, "status": status, "enrolled_on": enrolled_on_for(g, start_year),
            "family_situation": rng.choice(FAMILY_NOTES), "medical_notes": MEDICAL_NOTES[category],
        }
        key = None
        if district == "350205" and cname == class_name(3, 1) and role == "first" \
                and not any(p["key"] == "hc_parent_child" for p in plan):
            key = "hc_parent_child"
            fields["name"] = pick_name(rng, gender, surname="陈")
            guardians = [{"name": "刘芳", "relation": "母亲", "phone": pick_phone(rng)},
                         {"name": pick_name(rng, "male", surname="陈", adult=True), "relation": "父亲",
                          "phone": pick_phone(rng)}]
        else:
            guardians = guardians_for(rng, fields["name"][0], district)
            for handle, want in NAMED.items():
                if want == (role, placement, status) and not any(p["key"] == f"{prefix}_{handle}" for p in plan):
                    key = f"{prefix}_{handle}"
        plan.append({"school": school, "class_name": cname, "fields": fields, "guardians": guardians, "key": key,
                     "opinion": OPINIONS[placement]})
    return plan


@step
def students(world: World):
    start = current_start_year()
    for district, (_prefix, actor_name, first, *_rest) in DISTRICTS.items():
        actor = world.users[actor_name]
        hard_max = policy.value(world.schools[first], "class_hard_max")
        plan = plan_district(district, start, hard_max)
        existing = {s.student_number: s for s in Student.objects.filter(
            student_number_hash__in=[lookup_hash(p["fields"]["student_number"]) for p in plan])}
        for p in plan:
            s = existing.get(p["fields"]["student_number"])
            school_class = _class_for(world, p["school"], p["class_name"]) if p["class_name"] else None
            if s is None:
                fields = dict(p["fields"], school=world.schools[p["school"]], school_class=school_class)
                s, _warnings = student_services.student_create(actor=actor, guardians=p["guardians"],
                                                               committee_opinion=p["opinion"], **fields)
            world.students[s.student_number] = s
            if p["key"]:
                world.students[p["key"]] = s
    _resolve_pending_roles(world)


def _class_for(world: World, school_code: str, name: str) -> SchoolClass:
    """A class of the classes step, or a special class (PL-2) created the first time a pupil is placed in it."""
    key = (school_code, name)
    if key not in world.classes:
        school, sy = world.schools[school_code], world.years[current_start_year()]
        sc = SchoolClass.objects.filter(school=school, school_year=sy, name=name).first()
        if sc is None:
            grade = GRADE_NUMERALS.index(name[0]) + 1
            sc = org_services.class_create(actor=world.admin, school=school, school_year=sy, grade=grade, name=name,
                                           kind=SchoolClass.SPECIAL)
        world.classes[key] = sc
    return world.classes[key]


def _resolve_pending_roles(world: World):
    """Roles whose scope is a student (the guardian of hc_parent_child), put aside by the accounts step."""
    still_pending = []
    for user, role, key in world.pending_roles:
        student = world.students.get(key)
        if student is None:
            still_pending.append((user, role, key))
            continue
        if not RoleAssignment.objects.filter(user=user, role=role, student=student, revoked_at__isnull=True).exists():
            account_services.role_assign(actor=world.users["secadmin"], user=user, role=role, student=student)
            for cache in ("_assignments_cache", "_grants_cache", "_role_lines_cache"):
                user.__dict__.pop(cache, None)
    world.pending_roles[:] = still_pending
