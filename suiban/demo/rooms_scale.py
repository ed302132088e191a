"""Resource rooms and assessment rounds of the generated province (``suiban.demo.scale``), for the rooms and
oversight benchmarks (bench/rooms.py, bench/oversight.py) — RR-1, RR-2, RR-4, RR-5.

Deterministic for a seed and inserted in bulk (like an import of last year's records, not through the services):

* rooms (RR-1, RR-2): nine ordinary schools in ten with five or more students in inclusion have a room of their
  own, one in twelve of those a shared-use room that also serves the next school of the district (so some
  schools are served by a neighbour's room and some have none — the RR-1 finding); areas 40–120 m² (about one in
  six under 60 m²), a quarter above the ground floor (most with barrier-free access and safety measures), the
  zones, an equipment register of the four kinds with use and maintenance records, opening hours, timetable and
  the school's first teacher as staff when the staff data exist;
* rounds (RR-4, RR-5): one round per district for the current school year on the hc-2023 rubric, an assessment
  per ordinary school of the district with every line scored by the school and the panel (a deduction reason
  where the panel took points off), the totals and the grade from the round's thresholds.

``present()`` tells whether the rounds exist; ``reset(path)`` removes everything again (before the schools).
"""

import random
import time
from decimal import Decimal

from django.db import transaction
from django.db.models import Count

from suiban.demo import scale
from suiban.org.models import Region, School, SchoolYear

ROUND_NAME = "规模评估轮次"
ZONE_CODES = ("training", "assessment", "reception")
EQUIPMENT = [("assessment_tools", "韦氏儿童智力量表"), ("assessment_tools", "感觉统合评估工具"),
             ("training", "感统训练器材"), ("training", "言语康复训练仪"), ("training", "精细动作训练套件"),
             ("office", "电脑"), ("office", "打印机"), ("archive_cabinet", "档案柜")]


def _province() -> Region:
    return Region.objects.get(code=scale.PROVINCE_CODE)


def present() -> bool:
    from suiban.rooms.models import Round

    return Round.objects.filter(region_path__startswith=_province().path, name=ROUND_NAME).exists()


def reset(path: str) -> None:
    from suiban.rooms.models import Assessment, Room, Round

    Assessment.objects.filter(region_path__startswith=path).delete()  # items and events cascade
    Round.objects.filter(region_path__startswith=path).delete()
    Room.objects.filter(region_path__startswith=path).delete()


def _batches(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _rooms(rng, schools, in_inclusion, first_teacher, batch):
    from suiban.rooms.models import Room

    rooms, serves, staff = [], [], []
    by_district: dict[int, list] = {}
    for s in schools:
        by_district.setdefault(s.region_id, []).append(s)
    for district_schools in by_district.values():
        for i, s in enumerate(district_schools):
            if in_inclusion.get(s.pk, 0) < 5 or rng.random() >= 0.9:
                continue
            shared = rng.random() < 1 / 12
            floor = 1 if rng.random() < 0.75 else rng.randint(2, 4)
            accessible = floor == 1 or rng.random() < 0.7
            zones = [z for z in ZONE_CODES if rng.random() < 0.9]
            equipment = [{"category": c, "name": n, "quantity": rng.randint(1, 4),
                          "use_log": "每周使用登记" if rng.random() < 0.9 else "",
                          "maintenance_log": "每学期检修" if rng.random() < 0.85 else ""}
                         for c, n in EQUIPMENT if rng.random() < 0.85]
            room = Room(school_id=s.pk, region_path=s.region_path, name=f"{s.name}资源教室",
                        use=Room.SHARED if shared else Room.DEDICATED, door_sign=rng.random() < 0.9,
                        area_m2=Decimal(rng.randrange(400, 1200)) / 10, floor=floor, accessible=accessible,
                        safety_measures="楼梯扶手、防滑地面、专人接送" if floor > 1 and rng.random() < 0.8 else "",
                        zones=zones, zones_labelled=bool(zones) and rng.random() < 0.8, equipment=equipment,
                        opening_hours="周一至周五 8:00-17:00" if rng.random() < 0.9 else "",
                        timetable="资源教室课程表（按周）" if rng.random() < 0.85 else "",
                        staff_posted=rng.random() < 0.8,
                        service_process="预约登记后使用" if rng.random() < 0.7 else "",
                        use_records="使用记录册" if rng.random() < 0.75 else "")
            neighbour = district_schools[i + 1] if shared and i + 1 < len(district_schools) else None
            rooms.append((room, neighbour, first_teacher.get(s.pk)))
    for chunk in _batches([r for r, _n, _t in rooms], batch):
        Room.objects.bulk_create(chunk)
    for room, neighbour, teacher in rooms:
        if neighbour is not None:
            serves.append(Room.serves.through(room_id=room.pk, school_id=neighbour.pk))
        if teacher is not None:
            staff.append(Room.staff.through(room_id=room.pk, staffmember_id=teacher))
    for chunk in _batches(serves, batch):
        Room.serves.through.objects.bulk_create(chunk)
    for chunk in _batches(staff, batch):
        Room.staff.through.objects.bulk_create(chunk)
    return len(rooms), len(serves)


def _rounds(rng, province, schools, year, batch):
    from suiban.accounts.models import User
    from suiban.policy.profiles import registry
    from suiban.rooms import rubric as rb
    from suiban.rooms.models import Assessment, ItemScore, Round

    rubric = registry().profiles["hc-2023"].effective_rubric
    lines = rb.lines(rubric)
    leader = User.objects.filter(username="scale_district").first()
    districts = list(Region.objects.filter(path__startswith=province.path, level=Region.DISTRICT).order_by("code"))
    rounds = [Round(region=d, region_path=d.path, school_year=year, name=ROUND_NAME, rubric=rubric,
                    profile="hc-2023", panel_leader=leader) for d in districts]
    Round.objects.bulk_create(rounds)
    round_of = {r.region_id: r for r in rounds}
    assessments, scores = [], []
    for s in schools:
        rnd = round_of.get(s.region_id)
        if rnd is None:
            continue
        share = Decimal(rng.randrange(55, 100)) / 100
        own = [ln.snap_down(ln.points * min(share + Decimal("0.05"), Decimal(1))) for ln in lines]
        panel = [ln.snap_down(ln.points * share) for ln in lines]
        total, self_total = sum(panel, Decimal(0)), sum(own, Decimal(0))
        assessments.append(Assessment(round=rnd, school_id=s.pk, region_path=s.region_path, state="scored",
                                      person_in_charge="规模校长", contact="0592-0000000", self_total=self_total,
                                      total=total, grade=rb.grade_of(total, rnd.exemplary_min, rnd.qualified_min)))
        scores.append((own, panel))
    for chunk in _batches(assessments, batch):
        Assessment.objects.bulk_create(chunk)
    n_items = 0
    items = []
    for a, (own, panel) in zip(assessments, scores, strict=True):
        for j, ln in enumerate(lines):
            items.append(ItemScore(assessment_id=a.pk, code=ln.code, position=j, points=ln.points,
                                   self_score=own[j], panel_score=panel[j],
                                   deduction_reason="" if panel[j] == ln.points else "现场查看材料不全，酌情扣分"))
        if len(items) >= batch:
            ItemScore.objects.bulk_create(items)
            n_items += len(items)
            items = []
    ItemScore.objects.bulk_create(items)
    return len(rounds), len(assessments), n_items + len(items)


def generate(*, seed: int = 1, batch: int = 5000, log=print) -> dict:
    """Rooms, rounds and scored assessments of the generated province (and its staff first, if absent)."""
    from suiban.staff.models import StaffMember
    from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

    started = time.perf_counter()
    rng = random.Random(f"rooms-{seed}")
    province = _province()
    year = SchoolYear.current()
    counts, timings = {}, {}
    with transaction.atomic():
        if not StaffMember.objects.filter(region_path__startswith=province.path).exists():
            from suiban.demo import staff_scale

            t = time.perf_counter()
            counts.update(staff_scale.write(province.path, year, seed=seed, batch_size=batch))
            timings["staff"] = round(time.perf_counter() - t, 1)
            log(f"   staff: {timings['staff']} s")
        schools = list(School.objects.filter(region_path__startswith=province.path, is_active=True)
                       .exclude(kind=School.SPECIAL).order_by("region_id", "code")
                       .only("pk", "name", "region_id", "region_path"))
        in_inclusion = dict(Student.objects.filter(region_path__startswith=province.path,
                                                   status__in=ACTIVE_STATUSES, placement__in=INCLUSION_PLACEMENTS)
                            .order_by().values_list("school_id").annotate(n=Count("id")))
        first_teacher = {}
        for pk, sid in (StaffMember.objects.filter(region_path__startswith=province.path, kind=StaffMember.TEACHER)
                        .order_by("-id").values_list("id", "school_id")):
            first_teacher[sid] = pk  # ordered newest first: the school's first teacher is written last
        t = time.perf_counter()
        counts["rooms"], counts["shared_served"] = _rooms(rng, schools, in_inclusion, first_teacher, batch)
        timings["rooms"] = round(time.perf_counter() - t, 1)
        log(f"   rooms: {counts['rooms']:,} in {timings['rooms']} s")
        t = time.perf_counter()
        counts["rounds"], counts["assessments"], counts["item_scores"] = _rounds(rng, province, schools, year, batch)
        timings["rounds"] = round(time.perf_counter() - t, 1)
        log(f"   rounds: {counts['rounds']}, assessments {counts['assessments']:,}, items {counts['item_scores']:,} "
            f"in {timings['rounds']} s")
    return {"counts": counts, "timings": timings, "elapsed": round(time.perf_counter() - started, 1)}
