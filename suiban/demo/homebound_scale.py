"""Province-scale home-delivered education for benchmarks (HB-4, HB-7; ARCHITECTURE "Scale-out").

Of the students in inclusion of a region (default: the generated province of ``suiban.demo.scale``), about
``share`` (3 %) — chosen by a hash of (seed, student number), so the choice does not depend on database ids — are
placed in home-delivered education, each with an active enrolment of the current school year at their school and
two teachers of the school's filed pool (created where missing), and visits over the weeks of the year so far at
about ``visits`` (80) a year: mostly two a week of three class hours, now and then a short one or a missed one
(child ill, family absent). Each delivered visit has its two teacher rows and its subsidy posting in the ledger
(2 × 60 yuan, origin ``homebound_subsidy``). The weekly summary and the enrolments' year figures are then computed
from the visits exactly as the visit service keeps them. Rows are written in bulk; no audit rows (generated data
has no history). Idempotent: students who already have an enrolment this year are left alone.
"""

import hashlib
import time as clock
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum

from suiban.funds.models import LedgerEntry
from suiban.homebound.models import Enrolment, PlanVersion, Visit, VisitTeacher, VisitWeek
from suiban.homebound.visits import is_term_week, term_ranges, week_start
from suiban.org.models import SchoolYear
from suiban.staff.models import Pool, PoolMember, StaffMember
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

SUBSIDY = Decimal("120.00")


def _h(*parts) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def present(path: str | None = None) -> bool:
    from suiban.demo import scale as demo_scale

    path = path or f"{demo_scale.PROVINCE_CODE}/"
    year = SchoolYear.current()
    return year is not None and Enrolment.objects.filter(region_path__startswith=path, school_year=year).exists()


def _pool(school, year) -> list[int]:
    pool = Pool.objects.filter(school=school, school_year=year).first()
    if pool is None:
        pool = Pool.objects.create(school=school, school_year=year, region_path=school.region_path, state=Pool.FILED,
                                   filed_at=datetime(year.start_year, 8, 25, tzinfo=UTC))
    elif pool.state != Pool.FILED:
        Pool.objects.filter(pk=pool.pk).update(state=Pool.FILED)
    ids = list(PoolMember.objects.filter(pool=pool).values_list("staff_id", flat=True)[:2])
    for n in range(2 - len(ids)):
        staff = StaffMember.objects.create(name=("送教教师甲", "送教教师乙")[n], school=school,
                                           region_path=school.region_path)
        PoolMember.objects.create(pool=pool, staff=staff, kind="excellent")
        ids.append(staff.pk)
    return ids


def generate(*, seed: int = 1, share: float = 0.03, visits: int = 80, path: str | None = None, school_id=None,
             log=print) -> dict:
    from django.utils import timezone

    from suiban.demo import scale as demo_scale

    started = clock.perf_counter()
    path = path or f"{demo_scale.PROVINCE_CODE}/"
    year = SchoolYear.current()
    if year is None:
        raise ValueError("there is no current school year")
    today = min(timezone.localdate(), year.end_date)
    terms = term_ranges(year)
    enrolled = Enrolment.objects.filter(school_year=year).values("student_id")
    candidates = (Student.objects.filter(region_path__startswith=path, status__in=ACTIVE_STATUSES)
                  .filter(Q(placement__in=INCLUSION_PLACEMENTS) | Q(placement="homebound")).exclude(pk__in=enrolled)
                  .select_related("school").order_by("student_number"))
    if school_id is not None:
        candidates = candidates.filter(school_id=school_id)
    limit = int(share * 10_000)
    chosen = [s for s in candidates if s.placement == "homebound" or _h(seed, s.student_number) % 10_000 < limit]
    if log:
        log(f"home-delivered education: {len(chosen)} students")
    counts = {"enrolments": 0, "visits": 0, "ledger_entries": 0}
    mondays, d = [], week_start(year.start_date)
    while d <= today:
        mondays.append(d)
        d += timedelta(days=7)
    per_week = max(1, round(visits / 40))
    schools = {}
    with transaction.atomic():
        Student.objects.filter(pk__in=[s.pk for s in chosen]).update(placement="homebound")
        for s in chosen:
            if s.school_id not in schools:
                schools[s.school_id] = _pool(s.school, year)
        names = dict(StaffMember.objects.filter(pk__in={t for ts in schools.values() for t in ts})
                     .values_list("pk", "name"))
        enrolments = Enrolment.objects.bulk_create([
            Enrolment(student=s, school_id=s.school_id, region_path=s.region_path, school_year=year, state="active",
                      start_date=year.start_date, place="学生家中", required_year=240,
                      activated_at=datetime(year.start_year, 9, 1, tzinfo=UTC),
                      confirmations={"cannot_attend_school": {"met": True, "evidence": "生成数据"},
                                     "able_to_learn": {"met": True, "evidence": "生成数据"}},
                      teacher_names="、".join(names[t] for t in schools[s.school_id])) for s in chosen],
            batch_size=1000)
        PlanVersion.objects.bulk_create([
            PlanVersion(enrolment=e, number=1, effective_from=year.start_date, teacher_ids=schools[e.school_id],
                        visits_per_week=2, hours_per_visit=3, teaching="生活语文、生活数学",
                        rehabilitation="感知觉、动作、语言训练", rehab_areas=["perception", "motor", "language"])
            for e in enrolments], batch_size=1000)
        counts["enrolments"] = len(enrolments)
        rows = []
        for e, s in zip(enrolments, chosen, strict=True):
            behind = _h(seed, s.student_number, "pace") % 4 == 0  # a quarter of the students fall behind
            for monday in mondays:
                n = (1 if behind else per_week) if is_term_week(monday, terms) else _h(seed, e.pk, monday) % 2
                for k in range(n):
                    day = monday + timedelta(days=1 + 2 * k)
                    if day > today or day < year.start_date:
                        continue
                    r = _h(seed, s.student_number, day) % 100
                    if r < 5:
                        rows.append(Visit(enrolment=e, student_id=s.pk, school_id=s.school_id,
                                          region_path=s.region_path, date=day, status="missed",
                                          reason="child_ill" if r < 3 else "family_absent", family_informed=True,
                                          place="学生家中", original={}))
                        continue
                    end = time(11, 30) if r < 12 else time(12, 0)
                    hours = Decimal("2.50") if r < 12 else Decimal("3.00")
                    rows.append(Visit(enrolment=e, student_id=s.pk, school_id=s.school_id, region_path=s.region_path,
                                      date=day, start_time=time(9), end_time=end, hours=hours, short=r < 12,
                                      place="学生家中", notes="生成的送教记录", subsidy=SUBSIDY, original={}))
        created = Visit.objects.bulk_create(rows, batch_size=2000)
        counts["visits"] = len(created)
        delivered = [v for v in created if v.status == "delivered"]
        VisitTeacher.objects.bulk_create([VisitTeacher(visit=v, staff_id=t) for v in delivered
                                          for t in schools[v.school_id]], batch_size=5000)
        entries = LedgerEntry.objects.bulk_create([
            LedgerEntry(school_id=v.school_id, school_year=year, region_path=v.region_path, kind="expense",
                        amount=SUBSIDY, date=v.date, category="transport_subsidy", payee="送教教师",
                        purpose="送教上门交通误餐补助", origin="homebound_subsidy", origin_ref=f"visit:{v.pk}:1")
            for v in delivered], batch_size=5000)
        counts["ledger_entries"] = len(entries)
        by_visit = {e.origin_ref: e.pk for e in entries}
        for v in delivered:
            v.ledger_entry_id = by_visit[f"visit:{v.pk}:1"]
        Visit.objects.bulk_update(delivered, ["ledger_entry"], batch_size=5000)
        rebuild([e.pk for e in enrolments], terms)
    counts["elapsed_s"] = round(clock.perf_counter() - started, 1)
    if log:
        log(f"home-delivered education: {counts}")
    return counts


def rebuild(enrolment_ids, terms) -> None:
    """The weekly summary and the year figures of these enrolments, from their visits (as the visit service
    computes them: delivered visits and hours, short and missed visits per week, met against two full visits in a
    term week)."""
    from django.db.models.functions import TruncWeek

    weeks = (Visit.objects.filter(enrolment_id__in=enrolment_ids).annotate(week=TruncWeek("date")).order_by()
             .values("enrolment_id", "week")
             .annotate(visits=Count("id", filter=Q(status="delivered")),
                       hours=Sum("hours", filter=Q(status="delivered")),
                       short=Count("id", filter=Q(status="delivered", short=True)),
                       missed=Count("id", filter=~Q(status="delivered"))))
    out = []
    for w in weeks:
        monday = w["week"].date() if hasattr(w["week"], "date") else w["week"]
        required = 2 if is_term_week(monday, terms) else 0
        out.append(VisitWeek(enrolment_id=w["enrolment_id"], week_start=monday, visits=w["visits"],
                             hours=w["hours"] or 0, short_visits=w["short"], missed_visits=w["missed"],
                             required_visits=required, required_hours_per_visit=3,
                             met=w["visits"] - w["short"] >= required))
    VisitWeek.objects.bulk_create(out, batch_size=5000, update_conflicts=True,
                                  unique_fields=["enrolment", "week_start"],
                                  update_fields=["visits", "hours", "short_visits", "missed_visits", "required_visits",
                                                 "required_hours_per_visit", "met"])
    totals = {r["enrolment_id"]: r for r in Visit.objects.filter(enrolment_id__in=enrolment_ids, status="delivered")
              .order_by().values("enrolment_id").annotate(h=Sum("hours"), n=Count("id"))}
    rows = list(Enrolment.objects.filter(pk__in=enrolment_ids).only("pk"))
    for e in rows:
        t = totals.get(e.pk, {"h": 0, "n": 0})
        e.hours_delivered, e.visits_delivered = t["h"] or 0, t["n"]
    Enrolment.objects.bulk_update(rows, ["hours_delivered", "visits_delivered"], batch_size=2000)
