"""Staff data of the generated province (ST-1, ST-2, ST-3): staff, this school year's pools and training.

Called by ``scale.write`` after the schools exist, in bulk and deterministic for a seed: every ordinary school has
two teachers (the first a qualified fixed resource teacher, the second an excellent teacher) and one school in
ten a purchased assistant; three schools in four have opened this year's pool, of which 85 % are filed (one in
five of those after the deadline) and the rest still drafts — so the bureau's filing page has filed, late and
missing schools; seven teachers in ten have one training record this school year.
"""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from suiban.core.text import pinyin_key
from suiban.org.models import School
from suiban.staff.models import Pool, PoolMember, StaffMember, Training

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "晓明丽华建芳敏静婷伟强军娜秀英慧"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _batches(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def write(province_path: str, school_year, *, seed: int, batch_size: int = 5000) -> dict:
    rng = random.Random(f"staff-{seed}")
    schools = list(School.objects.filter(region_path__startswith=province_path).exclude(kind=School.SPECIAL)
                   .order_by("code").values_list("id", "region_path"))
    staff = []
    for sid, path in schools:
        staff.append(StaffMember(name=_name(rng), school_id=sid, region_path=path, kind=StaffMember.TEACHER,
                                 qualification="special_ed_degree" if rng.random() < 0.8 else "none"))
        staff.append(StaffMember(name=_name(rng), school_id=sid, region_path=path, kind=StaffMember.TEACHER,
                                 qualification="provincial_training" if rng.random() < 0.4 else "none",
                                 qualification_evidence=""))
        if rng.random() < 0.1:
            staff.append(StaffMember(name=_name(rng), school_id=sid, region_path=path, kind=StaffMember.ASSISTANT))
    for s in staff:
        s.name_pinyin = pinyin_key(s.name)  # as StaffMember.save() sets it (bulk_create bypasses save)
        if s.qualification == "provincial_training":
            s.qualification_evidence = f"培训证书{rng.randrange(10**5, 10**6)}"
    for chunk in _batches(staff, batch_size):
        StaffMember.objects.bulk_create(chunk)
    by_school: dict[int, list[int]] = {}
    kinds: dict[int, str] = {}
    for pk, sid, kind in (StaffMember.objects.filter(region_path__startswith=province_path)
                          .order_by("id").values_list("id", "school_id", "kind")):
        by_school.setdefault(sid, []).append(pk)
        kinds[pk] = kind
    deadline = timezone.make_aware(datetime.combine(school_year.start_date, time(9)))
    pools = []
    for sid, path in schools:
        if rng.random() >= 0.75:
            continue  # missing: no pool opened
        filed = rng.random() < 0.85
        at, late = None, False
        if filed:
            late = rng.random() < 0.2
            at = deadline + timedelta(days=rng.randrange(1, 40)) if late else \
                deadline - timedelta(days=rng.randrange(1, 30))
            at = min(at, timezone.now())
        pools.append(Pool(school_id=sid, school_year=school_year, region_path=path,
                          state=Pool.FILED if filed else Pool.DRAFT, filed_at=at, filed_late=late))
    for chunk in _batches(pools, batch_size):
        Pool.objects.bulk_create(chunk)
    members = []
    for pid, sid in Pool.objects.filter(region_path__startswith=province_path, school_year=school_year) \
            .values_list("id", "school_id"):
        ids = by_school.get(sid, [])
        for i, pk in enumerate(ids):
            kind = "fixed_resource" if i == 0 else ("assistant" if kinds[pk] == "assistant" else "excellent")
            members.append(PoolMember(pool_id=pid, staff_id=pk, kind=kind, full_time=i == 0))
    for chunk in _batches(members, batch_size):
        PoolMember.objects.bulk_create(chunk)
    trainings = []
    day = school_year.start_date + timedelta(days=10)
    for pk, kind in kinds.items():
        if kind == "teacher" and rng.random() < 0.7:
            trainings.append(Training(staff_id=pk, course="随班就读专项培训", level=rng.choice(
                ["province", "city", "county", "school"]), hours=rng.choice([4, 8, 12, 24, 30]), start_date=day,
                end_date=day, school_year=school_year))
    paths = dict(StaffMember.objects.filter(region_path__startswith=province_path).values_list("id", "region_path"))
    schools_of = dict(StaffMember.objects.filter(region_path__startswith=province_path)
                      .values_list("id", "school_id"))
    for t in trainings:
        t.region_path, t.school_id = paths[t.staff_id], schools_of[t.staff_id]
    for chunk in _batches(trainings, batch_size):
        Training.objects.bulk_create(chunk)
    return {"staff": len(staff), "pools": len(pools), "pool_members": len(members), "trainings": len(trainings)}


def reset(province_path: str) -> None:
    """Remove the generated staff rows (before the schools they belong to)."""
    Training.objects.filter(region_path__startswith=province_path).delete()
    PoolMember.objects.filter(pool__region_path__startswith=province_path).delete()
    Pool.objects.filter(region_path__startswith=province_path).delete()
    StaffMember.objects.filter(region_path__startswith=province_path).delete()
