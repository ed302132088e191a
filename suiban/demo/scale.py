"""Province-scale generated data for benchmarks (ARCHITECTURE "Scale-out": ~10⁵ students per province).

``plan()`` builds the whole data set as plain data from a seed, without touching the database, so two runs
with the same arguments (and school year) produce the same students; ``write()`` inserts it with
``bulk_create`` in batches. Per-object services would take hours for 60,000 students and write an audit row
per generated record, which is noise, not history; instead ``write()`` computes every derived field exactly
as the services do (``Region.compute_path``, ``School.region_path``, ``students.services._derive``: region
path, keyed identity hash, masked identity and certificate numbers) and respects the class cap (PL-4) in the
plan. Encrypted fields (identity number, certificate, family situation, medical notes) are encrypted by
``EncryptedTextField.get_prep_value``, which ``bulk_create`` calls too.

Codes: a fictional province "规模测试省" 530000 (the 53 prefix keeps clear of the demo's 35/44 regions),
cities 53CC00, districts 53CCDD, schools = district code + kind digit (1 primary, 2 junior, 3 nine-year,
9 special) + 3-digit serial. Identity numbers are valid (GB 11643) with fictional sequence digits.
"""

import hashlib
import itertools
import math
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from suiban import policy
from suiban.accounts.models import RoleAssignment, User
from suiban.core.crypto import lookup_hash, mask_id, mask_student_number
from suiban.core.idnumbers import make_id_number
from suiban.core.text import pinyin_key
from suiban.demo import world as demo_world  # before demo.students: the world module registers the steps in order
from suiban.demo.students import (
    FAMILY_NOTES,
    MEDICAL_NOTES,
    OPINIONS,
    birth_for_grade,
    certificate_for,
    enrolled_on_for,
    guardians_for,
    pick_category,
    pick_disability_grade,
    pick_name,
)
from suiban.org.models import Region, ResourceCentre, School, SchoolClass, SchoolYear, Term
from suiban.students.models import INCLUSION_PLACEMENTS, Guardian, PlacementRecord, Student

PROVINCE_CODE = "530000"
PROVINCE_NAME = "规模测试省"
PROVINCE_PROFILE = "gd-2020"
CN_DIGITS = "〇一二三四五六七八九"
KIND_DIGIT = {School.PRIMARY: "1", School.JUNIOR: "2", School.NINE_YEAR: "3", School.SPECIAL: "9"}
KIND_SUFFIX = {School.PRIMARY: "小学", School.JUNIOR: "中学", School.NINE_YEAR: "九年一贯制学校"}
PLACEMENT_WEIGHTS = {"regular_class": 74, "special_class": 4, "special_school": 8, "homebound": 7, "remote": 2,
                     "awaiting": 5}
STATUS_WEIGHTS = {"active": 94, "deferred": 1.5, "transferred": 2, "graduated": 1.5, "left": 1}
ACCOUNTS = [  # username, full name, role, scope ("province" | "district" | "school")
    ("scale_province", "规模省级专员", "bureau_officer", "province"),
    ("scale_district", "规模区级专员", "bureau_officer", "district"),
    ("scale_school", "规模校长", "school_leader", "school"),
]


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 40 → 四十, 105 → 一百〇五 (school names)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    head = CN_DIGITS[n // 100] + "百"
    if rest == 0:
        return head
    return head + ("〇" + CN_DIGITS[rest] if rest < 10 else cn_number(rest) if rest >= 20 else "一" + cn_number(rest))


@dataclass
class Plan:
    start_year: int
    hard_max: int
    cities: list = field(default_factory=list)  # (code, name)
    districts: list = field(default_factory=list)  # (code, name, city code)
    schools: list = field(default_factory=list)  # (code, name, kind, district code)
    classes: list = field(default_factory=list)  # (school code, grade, name)
    students: list = field(default_factory=list)  # dicts: school, class_name, fields, guardians, opinion

    def fingerprint(self) -> str:
        """SHA-256 of the sorted national student numbers: equal plans, equal fingerprints."""
        numbers = sorted(s["fields"]["student_number"] for s in self.students)
        return hashlib.sha256("\n".join(numbers).encode()).hexdigest()


def plan(*, students: int, seed: int, schools: int = 16000, cities: int = 21, districts: int = 120,
         start_year: int | None = None, hard_max: int = 3) -> Plan:
    """The whole data set as plain data: deterministic for (arguments, start year)."""
    if not 1 <= cities <= 99 or not cities <= districts <= 99 * cities:
        raise ValueError("need 1–99 cities and between one and 99 districts per city")
    if schools < 2 * districts:
        raise ValueError("need at least two schools per district (a special school and an ordinary one)")
    start_year = start_year or demo_world.current_start_year()
    rng = random.Random(seed)
    p = Plan(start_year=start_year, hard_max=hard_max)
    # Regions: districts spread evenly over the cities.
    for c in range(1, cities + 1):
        p.cities.append((f"53{c:02d}00", f"测试{cn_number(c)}市"))
    for i in range(districts):
        c = i % cities + 1
        d = i // cities + 1
        p.districts.append((f"53{c:02d}{d:02d}", f"测试{cn_number(c)}市{cn_number(d)}区", f"53{c:02d}00"))
    p.districts.sort()
    # Schools: one special school per district, the others 68 % primary, 22 % junior, 10 % nine-year.
    by_district = {code: [] for code, _n, _c in p.districts}
    for i in range(schools):
        code, name, _city = p.districts[i % districts]
        if not by_district[code]:
            kind = School.SPECIAL
        else:
            kind = rng.choices((School.PRIMARY, School.JUNIOR, School.NINE_YEAR), weights=(68, 22, 10))[0]
        by_district[code].append(kind)
    school_weight = {}
    district_schools = {}
    for dcode, dname, _city in p.districts:
        serial = dict.fromkeys(KIND_DIGIT, 0)
        rows = []
        for kind in sorted(by_district[dcode], key=lambda k: KIND_DIGIT[k]):
            serial[kind] += 1
            if serial[kind] > 999:
                raise ValueError("at most 999 schools of one kind per district")
            scode = f"{dcode}{KIND_DIGIT[kind]}{serial[kind]:03d}"
            sname = f"{dname}特殊教育学校" if kind == School.SPECIAL else \
                f"{dname}第{cn_number(serial[kind])}{KIND_SUFFIX[kind]}"
            p.schools.append((scode, sname, kind, dcode))
            rows.append((scode, kind))
            # Skewed sizes: most schools have 0–10 students, a few many more; the first school is a big one.
            school_weight[scode] = 0.0 if kind == School.SPECIAL else rng.expovariate(1.0)
        first_ordinary = next(code for code, kind in rows if kind != School.SPECIAL)
        school_weight[first_ordinary] = max(school_weight[first_ordinary], 8.0)
        district_schools[dcode] = rows
    # District sizes vary; the first district is twice the average (≈ 1,000 students at 60,000).
    district_weight = [rng.uniform(0.5, 1.5) for _d in p.districts]
    district_weight[0] = 2.0
    ordinary = {}  # district → (ordinary school codes, cumulative weights): rng.choices is O(n) without them
    for d, rows in district_schools.items():
        codes = [c for c, k in rows if k != School.SPECIAL]
        ordinary[d] = (codes, list(itertools.accumulate(school_weight[c] for c in codes)))
    special = {d: next(c for c, k in rows if k == School.SPECIAL) for d, rows in district_schools.items()}
    kind_of = {code: kind for code, _n, kind, _d in p.schools}
    district_codes = [d for d, _n, _c in p.districts]
    other_regions = district_codes + ["350203", "441521", "430124", "511623"]
    # Students.
    used_ids, per_school_grade = set(), {}
    placements, pw = list(PLACEMENT_WEIGHTS), list(itertools.accumulate(PLACEMENT_WEIGHTS.values()))
    statuses, sw = list(STATUS_WEIGHTS), list(itertools.accumulate(STATUS_WEIGHTS.values()))
    district_picks = rng.choices(district_codes, weights=district_weight, k=students)
    for i, dcode in enumerate(district_picks):
        placement = rng.choices(placements, cum_weights=pw)[0]
        status = rng.choices(statuses, cum_weights=sw)[0]
        if placement == "special_school":
            scode = special[dcode]
        else:
            codes, cum = ordinary[dcode]
            scode = rng.choices(codes, cum_weights=cum)[0]
        grades = School.GRADES[kind_of[scode]]
        grade = rng.choice(grades)
        if status == "deferred":
            grade, placement = grades[0], "awaiting"
        elif status == "graduated":
            if 9 in grades:
                grade = 9
            else:
                status = "active"
        gender = rng.choice(("male", "female"))
        name = pick_name(rng, gender, local="35")
        birth = birth_for_grade(rng, grade, start_year)
        severe = placement == "homebound"
        category = rng.choice(("multiple", "physical", "intellectual")) if severe else pick_category(rng)
        dgrade = pick_disability_grade(rng, severe=severe)
        migrant = rng.random() < 0.1
        if rng.random() < 0.05:
            id_number, student_number = "", f"L{dcode}{birth:%Y%m%d}{i % 10000:04d}"
            while student_number in used_ids:
                student_number = f"L{dcode}{birth:%Y%m%d}{rng.randrange(10000):04d}"
            used_ids.add(student_number)
        else:
            region = rng.choice(other_regions) if migrant else dcode
            id_number = make_id_number(region, birth, rng.randrange(1, 1000), gender)
            while id_number in used_ids:
                id_number = make_id_number(region, birth, rng.randrange(1, 1000), gender)
            used_ids.add(id_number)
            student_number = "G" + id_number
        has_cert = bool(id_number) and rng.random() < 0.85
        fields = {
            "name": name, "gender": gender, "birth_date": birth, "id_number": id_number,
            "student_number": student_number,
            "hukou_region_code": id_number[:6] if migrant and id_number else dcode,
            "grade": grade, "disability_category": category, "disability_grade": dgrade,
            "certificate_number": certificate_for(rng, id_number, category, dgrade) if has_cert else "",
            "certificate_issued_on": (birth + timedelta(days=365 * rng.randint(3, 5) + rng.randrange(300)))
            if has_cert else None,
            "certified_by": "dpf" if has_cert else rng.choice(("hospital", "committee")),
            "placement": placement, "status": status, "enrolled_on": enrolled_on_for(grade, start_year),
            "family_situation": rng.choice(FAMILY_NOTES), "medical_notes": MEDICAL_NOTES[category],
        }
        in_class = placement in INCLUSION_PLACEMENTS and status == "active"
        if in_class:
            per_school_grade.setdefault((scode, grade), []).append(len(p.students))
        p.students.append({"school": scode, "class_name": None, "fields": fields,
                           "guardians": guardians_for(rng, name[0], dcode), "opinion": OPINIONS[placement]})
    # Classes: every grade of a school that has students; enough classes that nobody exceeds the hard maximum.
    with_students = {s["school"] for s in p.students}
    per_seat = max(1, hard_max - 1)
    for scode, _name, kind, _d in p.schools:
        if scode not in with_students:
            continue
        for g in School.GRADES[kind]:
            members = per_school_grade.get((scode, g), [])
            needed = math.ceil(len(members) / per_seat)
            n_classes = 1 if kind == School.SPECIAL else max(rng.choice((1, 2, 2, 3)), needed)
            names = [demo_world.class_name(g, n) for n in range(1, n_classes + 1)]
            p.classes += [(scode, g, cname) for cname in names]
            counts = dict.fromkeys(names, 0)
            for idx in members:
                free = [c for c in names if counts[c] < hard_max]
                cname = rng.choice(free)
                counts[cname] += 1
                p.students[idx]["class_name"] = cname
    return p


def _batches(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _current_school_year(start_year: int) -> SchoolYear:
    """The school year of the classes; created like ``org.services.school_year_create`` when absent."""
    sy = SchoolYear.objects.filter(start_year=start_year).first()
    if sy:
        return sy

    def md(year, name):
        m, d = (int(x) for x in policy.value(None, name).split("-"))
        return date(year, m, d)

    start = md(start_year, "school_year_start")
    sy = SchoolYear.objects.create(start_year=start_year, start_date=start,
                                   end_date=md(start_year + 1, "school_year_start") - timedelta(days=1))
    Term.objects.create(school_year=sy, number=1, start_date=start, end_date=md(start_year + 1, "term1_end"))
    Term.objects.create(school_year=sy, number=2, start_date=md(start_year + 1, "term2_start"),
                        end_date=md(start_year + 1, "term2_end"))
    return sy


def exists() -> bool:
    return Region.objects.filter(code=PROVINCE_CODE).exists()


def reset(log=print) -> None:
    """Delete the generated province and everything below it (accounts are kept if the audit log names them)."""
    path = f"{PROVINCE_CODE}/"
    with transaction.atomic():
        students = Student.objects.filter(region_path__startswith=path)
        scope = (RoleAssignment.objects.filter(region__path__startswith=path)
                 | RoleAssignment.objects.filter(school__region_path__startswith=path)
                 | RoleAssignment.objects.filter(school_class__school__region_path__startswith=path)
                 | RoleAssignment.objects.filter(student__region_path__startswith=path))
        scope.delete()
        from suiban.demo import staff_scale

        staff_scale.reset(path)
        PlacementRecord.objects.filter(student__in=students).delete()
        Guardian.objects.filter(student__in=students).delete()
        students.delete()
        SchoolClass.objects.filter(school__region_path__startswith=path).delete()
        ResourceCentre.objects.filter(region__path__startswith=path).delete()
        School.objects.filter(region_path__startswith=path).delete()
        for level in (Region.DISTRICT, Region.CITY, Region.PROVINCE):
            Region.objects.filter(path__startswith=path, level=level).delete()
    for username, *_rest in ACCOUNTS:
        try:
            with transaction.atomic():
                User.objects.filter(username=username).delete()
        except ProtectedError:
            log(f"kept account {username} (named by audit events)")
    from suiban.policy.resolve import invalidate

    invalidate()


def write(p: Plan, *, batch_size: int = 5000, log=print, province: Region | None = None) -> dict:
    """Insert the plan with bulk_create; returns row counts and per-stage seconds."""
    timings, counts = {}, {}
    t = time.perf_counter()

    def lap(name):
        nonlocal t
        now = time.perf_counter()
        timings[name] = round(now - t, 2)
        log(f"  {name:<26} {timings[name]:7.2f} s")
        t = now

    with transaction.atomic():
        # Regions (bulk_create bypasses save(): the materialised path is set here, as Region.save() would).
        province = province or _create_province()
        cities = [Region(code=c, name=n, level=Region.CITY, parent=province) for c, n in p.cities]
        for r in cities:
            r.path = r.compute_path()
        Region.objects.bulk_create(cities, batch_size=batch_size)
        city_by_code = {r.code: r for r in Region.objects.filter(level=Region.CITY, path__startswith=province.path)}
        districts = [Region(code=c, name=n, level=Region.DISTRICT, parent=city_by_code[cc]) for c, n, cc in p.districts]
        for r in districts:
            r.path = r.compute_path()
        Region.objects.bulk_create(districts, batch_size=batch_size)
        district_by_code = {r.code: r for r in
                            Region.objects.filter(level=Region.DISTRICT, path__startswith=province.path)}
        counts["regions"] = 1 + len(cities) + len(districts)
        centres = [ResourceCentre(region=r, name=f"{r.name}特殊教育资源中心") for r in district_by_code.values()]
        ResourceCentre.objects.bulk_create(centres, batch_size=batch_size)
        counts["resource_centres"] = len(centres)
        lap("regions, centres")
        schools = []
        for code, name, kind, dcode in p.schools:
            d = district_by_code[dcode]
            schools.append(School(code=code, name=name, kind=kind, region=d, region_path=d.path,
                                  address=f"{d.name}{name[-4:]}路{code[-3:]}号", phone=f"0871-6{code[-5:]}00"))
        School.objects.bulk_create(schools, batch_size=batch_size)
        school_by_code = dict(School.objects.filter(region_path__startswith=province.path).values_list("code", "id"))
        school_path = {code: district_by_code[dcode].path for code, _n, _k, dcode in p.schools}
        counts["schools"] = len(schools)
        lap("schools")
        sy = _current_school_year(p.start_year)
        classes = [SchoolClass(school_id=school_by_code[sc], school_year=sy, grade=g, name=n) for sc, g, n in p.classes]
        SchoolClass.objects.bulk_create(classes, batch_size=batch_size)
        class_by_key = {(sid, n): cid for cid, sid, n in SchoolClass.objects.filter(
            school__region_path__startswith=province.path, school_year=sy).values_list("id", "school_id", "name")}
        counts["classes"] = len(classes)
        lap("classes")
        objs = []
        for s in p.students:
            f = s["fields"]
            sid = school_by_code[s["school"]]
            objs.append(Student(
                **f, school_id=sid, region_path=school_path[s["school"]],
                school_class_id=class_by_key[(sid, s["class_name"])] if s["class_name"] else None,
                # the derived fields, exactly as students.services._derive computes them
                name_pinyin=pinyin_key(f["name"]),
                id_number_hash=lookup_hash(f["id_number"]), id_number_masked=mask_id(f["id_number"]),
                student_number_hash=lookup_hash(f["student_number"]),
                student_number_masked=mask_student_number(f["student_number"]),
                certificate_masked=mask_id(f["certificate_number"])))
        lap("students (build)")
        for chunk in _batches(objs, batch_size):
            Student.objects.bulk_create(chunk)
        counts["students"] = len(objs)
        lap("students (encrypt+insert)")
        if objs and objs[0].pk is None:  # a backend that does not return primary keys from bulk inserts
            ids = dict(Student.objects.filter(region_path__startswith=province.path)
                       .values_list("student_number_hash", "id"))
            for o in objs:
                o.pk = ids[o.student_number_hash]
        guardians = [Guardian(student_id=o.pk, name=g["name"], relation=g["relation"], phone=g["phone"])
                     for o, s in zip(objs, p.students, strict=True) for g in s["guardians"]]
        for chunk in _batches(guardians, batch_size):
            Guardian.objects.bulk_create(chunk)
        counts["guardians"] = len(guardians)
        records = [PlacementRecord(student_id=o.pk, placement=o.placement, school_id=o.school_id,
                                   school_class_id=o.school_class_id, effective_date=o.enrolled_on,
                                   committee_opinion=s["opinion"])
                   for o, s in zip(objs, p.students, strict=True)]
        for chunk in _batches(records, batch_size):
            PlacementRecord.objects.bulk_create(chunk)
        counts["placement_records"] = len(records)
        lap("guardians, placements")
        from suiban.demo import staff_scale  # ST-1/ST-2: staff, this year's pools (filed, late, missing), training

        counts.update(staff_scale.write(province.path, sy, seed=len(p.schools), batch_size=batch_size))
        lap("staff, pools, training")
        first_district = district_by_code[p.districts[0][0]]
        first_school = School.objects.filter(region=first_district).exclude(kind=School.SPECIAL).order_by("code") \
            .first()
        scopes = {"province": {"region": province}, "district": {"region": first_district},
                  "school": {"school": first_school}}
        password = None  # hashed once for the three accounts (the hasher is deliberately slow)
        for username, full_name, role, scope in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                password = password or make_password(demo_world.DEMO_PASSWORD)
                user = User.objects.create(username=username, full_name=full_name, password=password,
                                           password_changed_at=timezone.now())
            if not RoleAssignment.objects.filter(user=user, role=role, revoked_at__isnull=True,
                                                 **scopes[scope]).exists():
                RoleAssignment.objects.create(user=user, role=role, **scopes[scope])
        lap("accounts")
    from suiban.policy.resolve import invalidate

    invalidate()
    return {"counts": counts, "timings": timings}


def generate(*, students: int, seed: int, schools: int = 16000, cities: int = 21, districts: int = 120,
             batch_size: int = 5000, log=print) -> dict:
    """Plan and write in one transaction; the class cap is the policy value of the new province (its profile)."""
    started = time.perf_counter()
    with transaction.atomic():
        province = _create_province()
        hard_max = policy.value(province, "class_hard_max")
        t = time.perf_counter()
        p = plan(students=students, seed=seed, schools=schools, cities=cities, districts=districts,
                 hard_max=hard_max)
        log(f"  {'plan':<26} {time.perf_counter() - t:7.2f} s")
        result = write(p, batch_size=batch_size, log=log, province=province)
    result["fingerprint"] = p.fingerprint()
    result["hard_max"] = hard_max
    result["elapsed"] = round(time.perf_counter() - started, 2)
    return result


def _create_province() -> Region:
    province = Region(code=PROVINCE_CODE, name=PROVINCE_NAME, level=Region.PROVINCE, profile=PROVINCE_PROFILE)
    province.save()  # Region.save() sets the materialised path
    return province
