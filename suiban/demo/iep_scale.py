"""Province-scale individual education for benchmarks (issue 4; ARCHITECTURE "Scale-out", IEP-1..IEP-5).

For the students in inclusion (in school, regular or special class) of the generated province 530000
(``suiban.demo.scale``), sorted by national student number:

* one plan for the current school year, *in force* (revision 1, in force three weeks into the year) with its
  history as the plan services leave it — two transition events (draft → in review → in force) and the
  version-1 snapshot — and 2 long-term goals with 2 short-term goals each;
* sessions for the term weeks of the current school year up to today (``--weeks N``: only the last N of
  them): individual tutoring and compensatory training, some absent/cancelled, one weekly group session per
  three students of a school (entered once, one attendance row each; now and then one of them absent). The
  number of attendance rows is configurable (``attendances``, default 5,000,000): the individual sessions
  per student-week follow from it;
* the ``WeeklyHours`` summary computed in one ``INSERT … SELECT … GROUP BY`` from the sessions, exactly as
  ``suiban.iep.sessions.rebuild`` would (a row for each (student, Monday) with a session, delivered hours and
  sessions counting only ``delivered`` ones).

Everything is decided by ``random.Random`` seeded per (seed, student number, week), so the generated rows do
not depend on database ids: ``fingerprint`` is equal for equal arguments. Plans, sessions and attendance rows
are written in bulk (``COPY`` on PostgreSQL, ``bulk_create`` elsewhere); no audit rows (generated data has no
history). Idempotent: parts already present (plans of the school year; sessions in the school year) are
skipped.
"""

import hashlib
import json
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from suiban import policy
from suiban.demo import scale as demo_scale
from suiban.iep.models import (
    INDIVIDUAL_TUTORING,
    Goal,
    Plan,
    PlanEvent,
    PlanVersion,
    Session,
    SessionAttendance,
    WeeklyHours,
)
from suiban.iep.services import GOAL_FIELDS, PLAN_FIELDS, _plain
from suiban.iep.sessions import week_start
from suiban.org.models import Region, SchoolYear, Term
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

PATH = f"{demo_scale.PROVINCE_CODE}/"
TEACHERS = ("李梅", "张悦", "陈静", "黄敏", "王芳", "刘洋")
HOURS = (Decimal("0.25"), Decimal("0.50"), Decimal("0.50"), Decimal("0.75"), Decimal("1.00"))
OUTCOMES = (("delivered", 85), ("student_absent", 7), ("teacher_absent", 3), ("cancelled", 5))
CANCEL_REASON = "学校组织大型活动，辅导暂停。"
PARTICIPANTS = [{"name": "王志强", "role": "working_group"}, {"name": "黄丽娟", "role": "itinerant_teacher"},
                {"name": "李梅", "role": "resource_teacher"}, {"name": "张悦", "role": "class_teacher"}]
LONG_GOALS = (  # (domain, target behaviour, measures, short-term goals: (behaviour, baseline, level, measurement))
    ("culture_knowledge", "能读懂低年级课文并复述大意", "资源教室个别辅导，课堂分层提问",
     (("能正确认读本学期生字表中的常用字", "认读约 60 个常用字", "认读 150 个常用字", "checklist"),
      ("能用完整句子复述一段短文", "只能说出零散词语", "复述 3 句以上", "work_sample"))),
    ("compensatory", "提高注意力与自我调节能力", "每周小组补偿训练，家庭配合练习",
     (("能在课堂上持续专注完成任务", "持续约 5 分钟", "持续 15 分钟", "duration"),
      ("情绪激动时能使用约定方法平复", "每周约 4 次情绪爆发", "每周不超过 1 次", "frequency"))),
)


def _log(log, msg):
    if log:
        log(msg)


def school_year(on: date) -> SchoolYear:
    sy = SchoolYear.current(on)
    if sy is None:
        raise ValueError("there is no current school year (run generate_scale first)")
    return sy


def term_weeks(sy: SchoolYear, on: date, weeks: int | None = None) -> list[tuple[date, list[date]]]:
    """The term weeks of ``sy`` up to ``on``: (Monday, its school days inside a term and not after ``on``)."""
    terms = list(Term.objects.filter(school_year=sy).order_by("start_date"))
    out = []
    for t in terms:
        monday = week_start(t.start_date)
        while monday <= min(t.end_date, on):
            days = [monday + timedelta(days=i) for i in range(5)
                    if t.start_date <= monday + timedelta(days=i) <= min(t.end_date, on)]
            if days:
                out.append((monday, days))
            monday += timedelta(days=7)
    return out[-weeks:] if weeks else out


def students_in_scope():
    # The student number is encrypted (SEC-4): decrypted by values() and ordered here.
    return sorted(Student.objects.filter(region_path__startswith=PATH, placement__in=INCLUSION_PLACEMENTS,
                                         status__in=ACTIVE_STATUSES)
                  .values("pk", "student_number", "school_id", "region_path", "name", "disability_category"),
                  key=lambda r: r["student_number"])


# --- plans and goals -----------------------------------------------------------------------------------------
def _plan_fields(st: dict, sy: SchoolYear) -> dict:
    start = sy.start_date
    return {
        "start_date": start, "end_date": sy.end_date, "baseline_collected_by": "张悦",
        "baseline_collected_on": start + timedelta(days=14),
        "disability_assessment": f"残疾类别：{st['disability_category']}。",
        "academic_assessment": "语文、数学低于年级水平约两个学期，识字量偏少。",
        "social_adaptation": "能遵守基本课堂常规，与同伴交往较被动。",
        "family_education": "家长重视教育，每周与班主任沟通一次。",
        "support_needs": "个别辅导、课堂分层任务、同伴互助。",
        "meeting_date": start + timedelta(days=14), "meeting_participants": PARTICIPANTS,
        "meeting_conclusions": "确定以识字与注意力训练为本学年重点，资源教师每周个别辅导。",
    }


def _goals(plan: Plan, kinds: list[str], i: int):
    """(long-term goals, [(long-term index, short-term goal)]) — unsaved, as plan_create builds them."""
    start, end = plan.start_date, plan.end_date
    mid = start + (end - start) / 2
    longs, shorts = [], []
    for n, (domain, behaviour, measures, children) in enumerate(LONG_GOALS, start=1):
        longs.append(Goal(plan=plan, kind=Goal.LONG, position=n, domain=domain,
                          training_kind=kinds[i % len(kinds)] if domain == "compensatory" else "",
                          target_behaviour=behaviour, start_date=start, end_date=end, measures=measures,
                          attainment_method="学期末评估与教师观察", created_in_revision=0))
        for m, (b, base, level, measurement) in enumerate(children, start=1):
            shorts.append((n - 1, Goal(plan=plan, kind=Goal.SHORT, position=m, domain=domain,
                                       training_kind=longs[-1].training_kind, target_behaviour=b, baseline=base,
                                       target_level=level, measurement=measurement,
                                       mastery_criterion="连续三次检核达到目标", responsible_teacher=TEACHERS[m % 2],
                                       start_date=start, end_date=mid if m == 1 else end, measures="分层练习",
                                       attainment_method="检核记录", created_in_revision=0)))
    return longs, shorts


def _snapshot(plan: Plan, longs: list[Goal], shorts: list[Goal], sy: SchoolYear) -> str:
    """``services.snapshot`` of the plan, from the objects in memory (no query per plan)."""
    def goal(g):
        return {"id": g.pk, "kind": g.kind, "position": g.position, **{f: _plain(getattr(g, f)) for f in GOAL_FIELDS}}

    return json.dumps({
        "revision": plan.revision, "student_id": plan.student_id, "school_year": sy.name,
        "plan": {f: _plain(getattr(plan, f)) for f in PLAN_FIELDS},
        "goals": [{**goal(g), "short_term": [goal(c) for c in shorts if c.parent_id == g.pk]} for g in longs],
    }, ensure_ascii=False)


def write_plans(students: list[dict], sy: SchoolYear, kinds: list[str], *, batch: int = 2000) -> dict:
    counts = {"plans": 0, "goals": 0, "plan_events": 0, "plan_versions": 0}
    in_force_on = sy.start_date + timedelta(days=21)
    for b in range(0, len(students), batch):
        chunk = students[b:b + batch]
        plans = [Plan(student_id=st["pk"], school_id=st["school_id"], region_path=st["region_path"],
                      school_year=sy, state="in_force", revision=1, in_force_on=in_force_on, version=3,
                      **_plan_fields(st, sy)) for st in chunk]
        Plan.objects.bulk_create(plans)
        trees = [_goals(p, kinds, b + i) for i, p in enumerate(plans)]
        Goal.objects.bulk_create([g for longs, _s in trees for g in longs])
        for longs, shorts in trees:
            for n, g in shorts:
                g.parent_id = longs[n].pk
        Goal.objects.bulk_create([g for _l, shorts in trees for _n, g in shorts])
        PlanEvent.objects.bulk_create([PlanEvent(plan=p, kind="transition", from_state=a, to_state=z, note=note)
                                       for p in plans for a, z, note in (("draft", "in_review", "初稿完成，提交审核。"),
                                                                         ("in_review", "in_force", "审议通过。"))])
        PlanVersion.objects.bulk_create([
            PlanVersion(plan=p, number=1, reason="Put in force.",
                        snapshot_json=_snapshot(p, longs, [g for _n, g in shorts], sy))
            for p, (longs, shorts) in zip(plans, trees, strict=True)])
        counts["plans"] += len(plans)
        counts["goals"] += sum(len(longs) + len(shorts) for longs, shorts in trees)
        counts["plan_events"] += 2 * len(plans)
        counts["plan_versions"] += len(plans)
    return counts


# --- sessions ------------------------------------------------------------------------------------------------
def _outcome(rng):
    r = rng.randrange(100)
    for name, weight in OUTCOMES:
        if r < weight:
            return name
        r -= weight
    return "delivered"


def session_plan(students: list[dict], weeks, kinds: list[str], *, seed: int, attendances: int):
    """Yield the sessions of each week, per school in student-number order, as plain tuples
    (day, hours, kind, teacher, outcome, cancel reason, notes, [student dicts], {absent student pks}) —
    deterministic. In about one group session in twelve one member is absent."""
    by_school: dict[int, list[dict]] = {}
    for st in students:
        by_school.setdefault(st["school_id"], []).append(st)
    groups = [g[i:i + 3] for g in by_school.values() for i in range(0, len(g), 3) if len(g[i:i + 3]) > 1]
    group_rows = sum(len(g) for g in groups) * len(weeks)
    full_weeks = max(1e-9, len(students) * sum(len(days) / 5 for _m, days in weeks))  # a partial week counts less
    rate = max(0.0, (attendances - group_rows) / full_weeks)  # individual sessions per student and full week
    for monday, days in weeks:
        for st in students:
            rng = random.Random(f"suiban-iep-scale-{seed}-{st['student_number']}-{monday}")
            share = len(days) / 5
            expected = rate * share * (0.5 if rng.random() < 0.15 else 1.0882)  # some get fewer; mean 1.0
            n = int(expected) + (rng.random() < expected - int(expected))
            for _k in range(n):
                outcome = _outcome(rng)
                kind = INDIVIDUAL_TUTORING if rng.random() < 0.6 else rng.choice(kinds)
                yield (rng.choice(days), rng.choice(HOURS), kind, rng.choice(TEACHERS), outcome,
                       CANCEL_REASON if outcome == "cancelled" else "", "", [st], frozenset())
        for g in groups:
            rng = random.Random(f"suiban-iep-scale-{seed}-g-{g[0]['student_number']}-{monday}")
            kind = rng.choice(kinds)
            absent = frozenset({rng.choice(g)["pk"]}) if rng.random() < 1 / 12 else frozenset()
            yield (days[-1] if len(days) < 4 else days[3], Decimal("1.00"), kind, "李梅", "delivered",
                   "", "小组补偿训练。", g, absent)


def _original(row) -> dict:
    day, hours, kind, teacher, outcome, reason, notes, members, absent = row
    return {"date": day.isoformat(), "hours": str(hours), "kind": kind, "teacher_name": teacher, "outcome": outcome,
            "cancel_reason": reason, "notes": notes, "student_ids": sorted(m["pk"] for m in members),
            "absent_student_ids": sorted(absent), "goal_ids": []}


def write_sessions(rows, *, fingerprint, batch: int = 50000, log=None) -> dict:
    """Insert the planned sessions with explicit ids (COPY on PostgreSQL), one attendance row per student."""
    now = timezone.now()
    pg = connection.vendor == "postgresql"
    s_table, a_table = Session._meta.db_table, SessionAttendance._meta.db_table
    if pg:
        with connection.cursor() as cur:
            cur.execute(f"LOCK TABLE {s_table} IN EXCLUSIVE MODE")  # noqa: S608 — our own table name
    next_id = (Session.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    n_sessions = n_att = 0
    buf: list[tuple[int, tuple]] = []

    def flush():
        nonlocal buf
        if not buf:
            return
        if pg:
            with connection.cursor() as cur:
                with cur.copy(f"COPY {s_table} (id, version, created_at, updated_at, school_id, region_path, date, "
                              "hours, kind, teacher_name, outcome, cancel_reason, notes, is_group, client_ref, "
                              "original, logged_by_id) FROM STDIN") as copy:
                    for sid, r in buf:
                        m = r[7]
                        copy.write_row((sid, 1, now, now, m[0]["school_id"], m[0]["region_path"], r[0], r[1], r[2],
                                        r[3], r[4], r[5], r[6], len(m) > 1, "",
                                        json.dumps(_original(r), ensure_ascii=False), None))
                with cur.copy(f"COPY {a_table} (session_id, student_id, date, absent) FROM STDIN") as copy:
                    for sid, r in buf:
                        for m in r[7]:
                            copy.write_row((sid, m["pk"], r[0], m["pk"] in r[8]))
        else:
            Session.objects.bulk_create([
                Session(pk=sid, school_id=r[7][0]["school_id"], region_path=r[7][0]["region_path"], date=r[0],
                        hours=r[1], kind=r[2], teacher_name=r[3], outcome=r[4], cancel_reason=r[5], notes=r[6],
                        is_group=len(r[7]) > 1, original=_original(r)) for sid, r in buf], batch_size=1000)
            SessionAttendance.objects.bulk_create([SessionAttendance(session_id=sid, student_id=m["pk"], date=r[0],
                                                                     absent=m["pk"] in r[8])
                                                   for sid, r in buf for m in r[7]], batch_size=1000)
        buf = []

    for r in rows:
        members = ",".join(m["student_number"] for m in r[7])
        absent = ",".join(m["student_number"] for m in r[7] if m["pk"] in r[8])
        fingerprint.update(f"{r[0]}|{r[1]}|{r[2]}|{r[3]}|{r[4]}|{members}|{absent}\n".encode())
        buf.append((next_id, r))
        next_id += 1
        n_sessions += 1
        n_att += len(r[7])
        if len(buf) >= batch:
            flush()
            if log and n_sessions % (batch * 20) == 0:
                log(f"  … {n_sessions:,} sessions, {n_att:,} attendance rows")
    flush()
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Session, SessionAttendance]):
            cur.execute(sql)
    return {"sessions": n_sessions, "session_attendances": n_att}


def _week_sql() -> str:
    if connection.vendor == "postgresql":
        return "CAST(date_trunc('week', a.date) AS date)"
    if connection.vendor == "sqlite":
        return "date(a.date, '-' || ((CAST(strftime('%%w', a.date) AS INTEGER) + 6) %% 7) || ' days')"
    raise NotImplementedError(connection.vendor)


def write_weekly(first: date, last: date) -> int:
    """The summary rows of every (student, Monday) of the province's students with a session in [first, last]
    weeks, recomputed from the sessions in one INSERT … SELECT … GROUP BY (as ``sessions.rebuild``)."""
    first, last = week_start(first), week_start(last) + timedelta(days=6)
    w, a, s, st = (m._meta.db_table for m in (WeeklyHours, SessionAttendance, Session, Student))
    week = _week_sql()
    sql = (f"INSERT INTO {w} (student_id, week_start, delivered_hours, delivered_sessions, updated_at) "  # noqa: S608
           f"SELECT a.student_id, {week}, "
           "COALESCE(SUM(CASE WHEN s.outcome = 'delivered' AND NOT a.absent THEN s.hours ELSE 0 END), 0), "
           "SUM(CASE WHEN s.outcome = 'delivered' AND NOT a.absent THEN 1 ELSE 0 END), %s "
           f"FROM {a} a JOIN {s} s ON s.id = a.session_id "
           f"WHERE a.student_id IN (SELECT id FROM {st} WHERE region_path LIKE %s) AND a.date >= %s AND a.date <= %s "
           f"GROUP BY a.student_id, {week} "
           "ON CONFLICT (student_id, week_start) DO UPDATE SET delivered_hours = excluded.delivered_hours, "
           "delivered_sessions = excluded.delivered_sessions, updated_at = excluded.updated_at")
    if connection.vendor == "sqlite":  # SQLite: INSERT … SELECT … ON CONFLICT needs a WHERE on the SELECT
        sql = sql.replace(f"GROUP BY a.student_id, {week} ", f"GROUP BY a.student_id, {week} HAVING 1 ")
    with connection.cursor() as cur:
        cur.execute(sql, [timezone.now(), PATH + "%", first, last])
        return cur.rowcount


# --- the whole thing -----------------------------------------------------------------------------------------
def present(on: date | None = None) -> dict:
    on = on or timezone.localdate()
    sy = SchoolYear.current(on)
    if sy is None:
        return {"plans": False, "sessions": False}
    return {"plans": Plan.objects.filter(region_path__startswith=PATH, school_year=sy).exists(),
            "sessions": Session.objects.filter(region_path__startswith=PATH, date__gte=sy.start_date,
                                               date__lte=sy.end_date).exists()}


def generate(*, seed: int, weeks: int | None = None, attendances: int = 5_000_000, on: date | None = None,
             log=print) -> dict:
    """Plans, goals, sessions and the weekly summary for the generated province; returns counts, timings,
    fingerprint and elapsed seconds. Parts already present are skipped."""
    if not demo_scale.exists():
        raise ValueError(f"the generated province {demo_scale.PROVINCE_CODE} is missing: run generate_scale first")
    started = t = time.perf_counter()
    timings, counts = {}, {}

    def lap(name):
        nonlocal t
        now = time.perf_counter()
        timings[name] = round(now - t, 2)
        _log(log, f"  {name:<26} {timings[name]:7.2f} s")
        t = now

    on = on or timezone.localdate()
    sy = school_year(on)
    province = Region.objects.get(code=demo_scale.PROVINCE_CODE)
    kinds = list(policy.value(province, "compensatory_training_kinds"))
    students = list(students_in_scope())
    week_list = term_weeks(sy, on, weeks)
    already = present(on)
    fingerprint = hashlib.sha256()
    with transaction.atomic():
        if already["plans"]:
            _log(log, "  plans of the school year present: skipped")
        else:
            counts.update(write_plans(students, sy, kinds))
            lap("plans, goals")
        if already["sessions"]:
            _log(log, "  sessions of the school year present: skipped")
        elif week_list:
            rows = session_plan(students, week_list, kinds, seed=seed, attendances=attendances)
            counts.update(write_sessions(rows, fingerprint=fingerprint, log=log))
            lap("sessions, attendances")
            counts["weekly_hours"] = write_weekly(week_list[0][0], week_list[-1][0])
            lap("weekly summary")
    if connection.vendor == "postgresql" and counts.get("sessions"):
        with connection.cursor() as cur:
            for m in (Plan, Goal, Session, SessionAttendance, WeeklyHours):
                cur.execute(f"ANALYZE {m._meta.db_table}")
        lap("analyze")
    return {"counts": counts, "timings": timings, "students": len(students), "weeks": len(week_list),
            "fingerprint": fingerprint.hexdigest(), "elapsed": round(time.perf_counter() - started, 2),
            "skipped": [k for k, v in already.items() if v]}
