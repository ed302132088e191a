"""The demo world of API.md: real regions, fictional schools and people.

Loading is idempotent (everything is looked up by its natural key first) and
extensible: each module appends a step to ``STEPS``; a step receives the
``World`` built so far and adds to it. Writes go through the services as the
system administrator, so the demo has the same audit trail as real use.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from suiban.accounts import services as account_services
from suiban.accounts.models import RoleAssignment, User
from suiban.org import services as org_services
from suiban.org.models import Region, ResourceCentre, School, SchoolClass, SchoolYear, class_name  # noqa: F401

DEMO_PASSWORD = "demo-pass-2026"

REGIONS = [
    # code, name, level, parent code, profile
    ("350000", "福建省", "province", None, ""),
    ("350200", "厦门市", "city", "350000", ""),
    ("350205", "海沧区", "district", "350200", "hc-2023"),
    ("440000", "广东省", "province", None, "gd-2020"),
    ("440100", "广州市", "city", "440000", ""),
    ("440106", "天河区", "district", "440100", ""),
]

SCHOOLS = {
    "350205": [
        ("3502050101", "海沧区沧江小学", "primary"),
        ("3502050102", "海沧区新阳小学", "primary"),
        ("3502050201", "海沧区育才中学", "junior"),
        ("3502050301", "海沧区海湾九年一贯制学校", "nine_year"),
        ("3502050901", "海沧区特殊教育学校", "special"),
    ],
    "440106": [
        ("4401060101", "天河区龙口小学", "primary"),
        ("4401060102", "天河区华景小学", "primary"),
        ("4401060201", "天河区天府中学", "junior"),
        ("4401060301", "天河区五山九年一贯制学校", "nine_year"),
    ],
}

CENTRES = {"350205": "海沧区特殊教育资源中心", "440106": "天河区特殊教育指导中心"}

# username, full name, role, scope key
ACCOUNTS = [
    ("admin", "系统管理员", "sysadmin", None),
    ("secadmin", "安全管理员", "secadmin", None),
    ("auditor", "审计管理员", "auditor", None),
    ("fj_province", "林晓云", "bureau_officer", "region:350000"),
    ("hc_bureau", "陈建华", "bureau_officer", "region:350205"),
    ("hc_center", "黄丽娟", "centre_staff", "region:350205"),
    ("hc_expert", "郑宏伟", "expert", "region:350205"),
    ("hc_s1_leader", "王志强", "school_leader", "school:3502050101"),
    ("hc_s1_resource", "李梅", "resource_teacher", "school:3502050101"),
    ("hc_s1_class", "张悦", "class_teacher", "class:3502050101:三年级（1）班"),
    ("hc_s2_leader", "吴国平", "school_leader", "school:3502050102"),
    ("hc_parent", "刘芳", "guardian", "student:hc_parent_child"),
    ("gd_bureau", "梁志明", "bureau_officer", "region:440106"),
    ("gd_s1_leader", "何嘉欣", "school_leader", "school:4401060101"),
]

CN_NUM = "一二三四五六七八九"


@dataclass
class World:
    admin: User | None = None
    regions: dict = field(default_factory=dict)
    schools: dict = field(default_factory=dict)
    years: dict = field(default_factory=dict)
    classes: dict = field(default_factory=dict)  # (school code, class name) → class of the current year
    users: dict = field(default_factory=dict)
    students: dict = field(default_factory=dict)
    pending_roles: list = field(default_factory=list)  # roles whose scope a later step creates


STEPS = []


def step(fn):
    STEPS.append(fn)
    return fn


def current_start_year(today: date | None = None) -> int:
    today = today or timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


@step
def admin_account(world: World):
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User(username="admin", full_name="系统管理员", password_changed_at=timezone.now())
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    world.admin = admin
    world.users["admin"] = admin
    if not RoleAssignment.objects.filter(user=admin, role="sysadmin", revoked_at__isnull=True).exists():
        # Bootstrap: the very first role cannot be granted through the service (no one holds accounts.manage yet).
        RoleAssignment.objects.create(user=admin, role="sysadmin")
    sec = User.objects.filter(username="secadmin").first()
    if sec is None:
        sec = User(username="secadmin", full_name="安全管理员", password_changed_at=timezone.now())
        sec.set_password(DEMO_PASSWORD)
        sec.save()
    if not RoleAssignment.objects.filter(user=sec, role="secadmin", revoked_at__isnull=True).exists():
        RoleAssignment.objects.create(user=sec, role="secadmin")
    world.users["secadmin"] = sec


@step
def regions(world: World):
    for code, name, level, parent, profile in REGIONS:
        region = Region.objects.filter(code=code).first()
        if region is None:
            region = org_services.region_create(actor=world.admin, code=code, name=name, level=level,
                                                parent=world.regions.get(parent), profile=profile)
        world.regions[code] = region


@step
def school_years(world: World):
    start = current_start_year()
    for y in (start - 1, start):
        sy = SchoolYear.objects.filter(start_year=y).first() or org_services.school_year_create(
            actor=world.admin, start_year=y)
        world.years[y] = sy


@step
def schools(world: World):
    for district, rows in SCHOOLS.items():
        for code, name, kind in rows:
            school = School.objects.filter(code=code).first()
            if school is None:
                school = org_services.school_create(actor=world.admin, code=code, name=name, kind=kind,
                                                    region=world.regions[district],
                                                    address=f"{world.regions[district].name}{name[3:]}路{code[-2:]}号",
                                                    phone=f"0592-6{code[-4:]}00" if district == "350205"
                                                    else f"020-8{code[-4:]}00")
            world.schools[code] = school
        if not ResourceCentre.objects.filter(region=world.regions[district]).exists():
            org_services.centre_create(actor=world.admin, region=world.regions[district], name=CENTRES[district])


@step
def classes(world: World):
    sy = world.years[current_start_year()]
    for code, school in world.schools.items():
        grades = school.allowed_grades()
        per_grade = 2 if code.endswith("01") else 1
        for g in grades:
            for n in range(1, per_grade + 1):
                name = class_name(g, n)
                sc = SchoolClass.objects.filter(school=school, school_year=sy, name=name).first()
                if sc is None:
                    sc = org_services.class_create(actor=world.admin, school=school, school_year=sy, grade=g,
                                                   name=name)
                world.classes[(code, name)] = sc


@step
def accounts(world: World):
    secadmin = world.users["secadmin"]
    for username, full_name, role, scope in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_services.user_create(actor=secadmin, username=username, full_name=full_name,
                                                password=DEMO_PASSWORD)
            # Demo accounts start with a current password (real accounts change it at first login).
            User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
            user.refresh_from_db()
        world.users[username] = user
        if scope is None:
            kwargs = {}
        else:
            kind, _, key = scope.partition(":")
            if kind == "region":
                kwargs = {"region": world.regions[key]}
            elif kind == "school":
                kwargs = {"school": world.schools[key]}
            elif kind == "class":
                school_code, _, cname = key.partition(":")
                sc = world.classes[(school_code, cname)]
                kwargs = {"school_class": sc}
            else:
                world.pending_roles.append((user, role, key))
                continue
        if not RoleAssignment.objects.filter(user=user, role=role, revoked_at__isnull=True, **kwargs).exists():
            account_services.role_assign(actor=secadmin, user=user, role=role, **kwargs)
        sc = kwargs.get("school_class")
        if sc is not None and sc.class_teacher_id != user.pk:  # a class teacher is one of the school's staff
            org_services.class_update(actor=world.admin, school_class=sc, version=sc.version,
                                      grade=sc.grade, name=sc.name, class_teacher=user)


def load(stdout=None) -> World:
    world = World()
    with transaction.atomic():
        for fn in STEPS:
            fn(world)
    return world
from suiban.demo import students  # noqa: E402,F401,I001  (registers the students step; steps run in import order)
from suiban.demo import cases  # noqa: E402,F401  (registers the cases step; needs the demo students)
from suiban.demo import iep  # noqa: E402,F401,I001  (plans, sessions, evaluations)
from suiban.demo import staff  # noqa: E402,F401,I001  (pools, staff, training; before home-delivery and rooms)
from suiban.demo import funds  # noqa: E402,F401,I001  (budgets, incomes, expenses)
from suiban.demo import homebound  # noqa: E402,F401,I001  (enrolments, visits and their subsidy postings)
from suiban.demo import rooms  # noqa: E402,F401,I001  (resource rooms, an assessment round)
from suiban.demo import oversight  # noqa: E402,F401,I001  (census, governance records; findings last)
