"""Students module benchmarks at province scale (ARCHITECTURE "Scale-out"; PL-13 roster; see bench/README.md).

    scripts/with-postgres.sh make bench                      # throwaway PostgreSQL
    SUIBAN_PG_DATA=/var/tmp/suiban-bench-pg scripts/with-postgres.sh make bench   # keep the data between runs

Steps: migrate; generate the 60,000-student province (``generate_scale --students 60000 --seed 1``) unless it
exists; ANALYZE (PostgreSQL); then time, through ``django.test.Client`` in this process (no network, no server),
every endpoint below that exists at run time, after warm-ups, and report median and p95 with PASS/FAIL against
the targets. An endpoint that does not exist yet is reported as "not available". Results go to
``bench/results/students-<date>.json`` and ``.md`` (``-sqlite`` suffix when not run on PostgreSQL).
"""

import argparse
import io
import json
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TARGETS = {  # benchmark kind → (p95 limit in ms, description)
    "list": (150, "p95 ≤ 150 ms and ≤ 3× bare SQL"),
    "detail": (100, "p95 ≤ 100 ms"),
    "export": (2000, "p95 ≤ 2 s"),
    "import": (10000, "p95 ≤ 10 s"),
    "weekly district": (200, "p95 ≤ 200 ms and ≤ 3× bare SQL"),
    "weekly province": (3000, "p95 ≤ 3 s and ≤ 3× bare SQL"),
    "log": (50, "p95 ≤ 50 ms"),
    "ledger totals": (500, "p95 ≤ 500 ms"),
    "filing": (500, "p95 ≤ 500 ms and ≤ 2× bare SQL"),  # ST-1, bench/staff.py
    "round overview": (300, "p95 ≤ 300 ms"),
    "proposals": (500, "p95 ≤ 500 ms"),
    "list2": (150, "p95 ≤ 150 ms and ≤ 2× bare SQL"),
    "peer import": (None, "reported beside ours"),
}
LIST_RATIO_MAX = 3.0
from bench.homebound import RATIO_MAX as HB_RATIO_MAX  # noqa: E402
from bench.homebound import TARGETS as HB_TARGETS  # noqa: E402

TARGETS.update(HB_TARGETS)
SCALE_USERS = ("scale_province", "scale_district", "scale_school")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=60000, help="size of the generated province (if absent)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=30, help="measured repetitions of list/detail/page requests")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--export-repeat", type=int, default=10)
    p.add_argument("--import-repeat", type=int, default=3)
    p.add_argument("--import-rows", type=int, default=5000)
    p.add_argument("--budget", type=float, default=120.0,
                   help="seconds per benchmark after which repetitions stop (at least one is measured)")
    p.add_argument("--iep-attendances", type=int, default=5_000_000,
                   help="session-attendance rows of generate_iep_scale (if the IEP data are absent)")
    p.add_argument("--only", default="", help="run only benchmarks whose name contains this text")
    p.add_argument("--no-write", action="store_true", help="do not write bench/results files")
    return p.parse_args(argv)


# --- measuring ---------------------------------------------------------------------------------------
class NotAvailable(Exception):
    pass


class Failed(Exception):
    pass


def percentile(samples, q):
    """Nearest-rank percentile (p95 of 30 samples is the 29th smallest)."""
    s = sorted(samples)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def measure(fn, *, repeat, warmup, budget):
    """Call ``fn`` ``warmup`` times, then up to ``repeat`` times (stopping once ``budget`` seconds are spent);
    return the samples in milliseconds. ``fn`` raises NotAvailable / Failed on a bad answer."""
    for _i in range(warmup):
        fn()
    samples, spent = [], 0.0
    for _i in range(repeat):
        t = time.perf_counter()
        fn()
        ms = (time.perf_counter() - t) * 1000
        samples.append(ms)
        spent += ms / 1000
        if spent > budget:
            break
    return samples


def summary(samples):
    return {"n": len(samples), "median_ms": round(statistics.median(samples), 1),
            "p95_ms": round(percentile(samples, 0.95), 1), "min_ms": round(min(samples), 1),
            "max_ms": round(max(samples), 1)}


def check_response(resp, path):
    if resp.status_code in (404, 405, 501):
        raise NotAvailable(f"HTTP {resp.status_code}")
    if resp.status_code != 200:
        body = resp.content[:300].decode("utf-8", "replace")
        raise Failed(f"HTTP {resp.status_code}: {body}")
    return resp


def route_exists(path):
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return False
    return True


# --- the data set ------------------------------------------------------------------------------------
def prepare(args, log):
    from django.core.management import call_command
    from django.db import connection

    from suiban.demo import scale

    info = {"database": connection.vendor}
    if connection.vendor != "postgresql":
        log("WARNING: DATABASE_URL does not point to PostgreSQL; the targets are for PostgreSQL "
            "(run: scripts/with-postgres.sh make bench).")
    else:
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            info["server_version"] = cur.fetchone()[0]
    t = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    info["migrate_s"] = round(time.perf_counter() - t, 1)
    if scale.exists():
        log(f"Generated province {scale.PROVINCE_CODE} found; reusing it.")
    else:
        log(f"Generating {args.students} students (seed {args.seed}) …")
        t = time.perf_counter()
        result = scale.generate(students=args.students, seed=args.seed, log=log)
        info["generate_scale"] = {"seconds": round(time.perf_counter() - t, 1), "counts": result["counts"],
                                  "stages_s": result["timings"], "fingerprint": result["fingerprint"]}
        log(f"generate_scale: {info['generate_scale']['seconds']} s")
    if "iep" in args.only.lower() or "list" in args.only.lower() or not args.only:
        from suiban.demo import iep_scale

        if all(iep_scale.present().values()):
            log("Generated individual education found; reusing it.")
        else:
            log(f"Generating individual education ({args.iep_attendances:,} attendance rows, seed {args.seed}) …")
            result = iep_scale.generate(seed=args.seed, attendances=args.iep_attendances, log=log)
            info["generate_iep_scale"] = {"seconds": result["elapsed"], "counts": result["counts"],
                                          "stages_s": result["timings"], "fingerprint": result["fingerprint"]}
    if connection.vendor == "postgresql":
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        info["analyze_s"] = round(time.perf_counter() - t, 1)
    return info


def users():
    from suiban.accounts.models import User

    found = {u.username: u for u in User.objects.filter(username__in=SCALE_USERS)}
    missing = set(SCALE_USERS) - set(found)
    if missing:
        raise SystemExit(f"missing benchmark accounts {sorted(missing)}: run generate_scale --reset")
    return found


def api_client(user):
    from django.test import Client

    from suiban.accounts.services import token_issue

    key, _tok = token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def page_client(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


# --- benchmarks --------------------------------------------------------------------------------------
def bench_get(name, kind, client, path, args, *, username, repeat=None, warmup=None, extra=None):
    row = {"name": name, "kind": kind, "user": username, "path": path, **(extra or {})}
    if not route_exists(path):
        return dict(row, status="not available", note="no route")

    def call():
        return check_response(client.get(path), path)

    try:
        samples = measure(call, repeat=repeat or args.repeat, warmup=args.warmup if warmup is None else warmup,
                          budget=args.budget)
    except NotAvailable as exc:
        return dict(row, status="not available", note=str(exc))
    except Failed as exc:
        return dict(row, status="error", note=str(exc))
    return dict(row, status="ok", **summary(samples))


# Who is asking: the token or session look-up, the account, its roles and second factor. Every request pays them,
# however lean its SQL; they are the request's fixed cost, not the list's SQL.
AUTH_FROM = re.compile(r'\bFROM\s+"?(accounts_|django_session|otp_)', re.IGNORECASE)


def bare_sql(client, path, args, tables=None):
    """The bare SQL that returns the same page, re-timed raw: every SELECT the request runs to read its answer —
    the count (capped or not), the page ``SELECT … LIMIT`` with the same scope filter and order, and the reads of
    what each item shows (a student's guardians, a session's attendances, goals and corrections) — but not the
    look-up of who is asking (token or session, account, roles: ``AUTH_FROM``), nor the audit row the request
    writes. The ratio compares the endpoint with them. Reported beside it: the COUNT and page SELECT alone on the
    list's own ``tables`` ("count + page"), the page SELECT alone, and all SELECTs including the look-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from suiban.students.models import Student

    tables = tables or [Student._meta.db_table]
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(path)
    if resp.status_code != 200:
        return None
    selects = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    mine = [q for q in selects if any(t in q["sql"] for t in tables)]
    paged = [q for q in mine if "LIMIT" in q["sql"].upper()]
    chosen = max(paged or selects, key=lambda q: float(q["time"]), default=None)
    if chosen is None:
        return None
    sql = chosen["sql"]
    data = [q for q in selects if not AUTH_FROM.search(q["sql"])]

    def runner(queries):
        def run():
            with connection.cursor() as cur:
                for q in queries:
                    cur.execute(q["sql"])
                    cur.fetchall()
        return run

    samples = measure(runner(data), repeat=args.repeat, warmup=args.warmup, budget=args.budget)
    narrow = measure(runner(mine), repeat=args.repeat, warmup=args.warmup, budget=args.budget)
    page_samples = measure(runner([chosen]), repeat=args.repeat, warmup=args.warmup, budget=args.budget)
    all_samples = measure(runner(selects), repeat=args.repeat, warmup=args.warmup, budget=args.budget)
    return {"sql": sql, "queries_per_request": len(ctx.captured_queries), "selects_per_request": len(selects),
            "bare_queries": len(data), "count_page_queries": len(mine),
            "count_page_p95_ms": summary(narrow)["p95_ms"], "page_select_p95_ms": summary(page_samples)["p95_ms"],
            "all_selects_p95_ms": summary(all_samples)["p95_ms"], **summary(samples)}


def bench_list(name, client, path, args, *, username, kind="list", tables=None):
    row = bench_get(name, kind, client, path, args, username=username)
    if row["status"] == "ok":
        bare = bare_sql(client, path, args, tables)
        if bare:
            row["bare_sql_p95_ms"] = bare["p95_ms"]
            row["bare_sql_median_ms"] = bare["median_ms"]
            row["queries_per_request"] = bare["queries_per_request"]
            row["all_selects_p95_ms"] = bare["all_selects_p95_ms"]
            row["page_select_p95_ms"] = bare["page_select_p95_ms"]
            row["bare_queries"] = bare["bare_queries"]
            row["count_page_p95_ms"] = bare["count_page_p95_ms"]
            row["count_page_queries"] = bare["count_page_queries"]
            row["own_tables"] = list(tables or [])
            row["ratio"] = round(row["p95_ms"] / max(bare["p95_ms"], 0.001), 1)
            row["bare_sql"] = bare["sql"]
    return row


def import_rows(n, seed):
    """``n`` new students for the province officer's import: valid identity numbers not in the database, 70 % into
    classes with room below the advised maximum, the others 送教上门 / 待安置 without a class."""
    from django.db.models import Count, Q

    from suiban.core.crypto import lookup_hash
    from suiban.core.idnumbers import make_id_number
    from suiban.demo import scale
    from suiban.demo.students import (
        birth_for_grade,
        certificate_for,
        guardians_for,
        pick_category,
        pick_disability_grade,
        pick_name,
    )
    from suiban.demo.world import current_start_year
    from suiban.org.models import School, SchoolClass, SchoolYear
    from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

    rng = random.Random(seed)
    start = current_start_year()
    path = f"{scale.PROVINCE_CODE}/"
    year = SchoolYear.current()
    inclusion = Q(students__placement__in=INCLUSION_PLACEMENTS, students__status__in=ACTIVE_STATUSES)
    classes = list(SchoolClass.objects.filter(school__region_path__startswith=path, school_year=year)
                   .exclude(school__kind=School.SPECIAL)
                   .annotate(n=Count("students", filter=inclusion)).filter(n__lt=2)
                   .values_list("school__code", "school__region__code", "name", "grade", "n"))
    rng.shuffle(classes)
    room = {(c[0], c[2]): 2 - c[4] for c in classes}
    ordinary = list(School.objects.filter(region_path__startswith=path).exclude(kind=School.SPECIAL)
                    .values_list("code", "region__code", "kind"))
    taken = set(Student.objects.exclude(id_number_hash="").values_list("id_number_hash", flat=True))
    cn = "一二三四五六七八九"
    rows, ci = [], 0
    for _i in range(n):
        in_class = rng.random() < 0.7
        while in_class and ci < len(classes) and room[(classes[ci][0], classes[ci][2])] <= 0:
            ci += 1
        if in_class and ci < len(classes):
            scode, dcode, cname, grade, _n = classes[ci]
            room[(scode, cname)] -= 1
            placement, status = "随班就读", "在校"
        else:
            scode, dcode, kind = rng.choice(ordinary)
            grade, cname = rng.choice(School.GRADES[kind]), ""
            placement, status = rng.choice(("送教上门", "待安置")), "在校"
        gender = rng.choice(("male", "female"))
        birth = birth_for_grade(rng, grade, start)
        while True:
            id_number = make_id_number(dcode, birth, rng.randrange(1, 1000), gender)
            h = lookup_hash(id_number)
            if h not in taken:
                taken.add(h)
                break
        category = pick_category(rng)
        severe = placement == "送教上门"
        dgrade = pick_disability_grade(rng, severe=severe)
        name = pick_name(rng, gender, local="53")
        guardian = guardians_for(rng, name[0], dcode)[0]
        rows.append({
            "name": name, "gender": "男" if gender == "male" else "女", "birth_date": birth,
            "id_number": id_number, "student_number": "G" + id_number, "hukou_region_code": dcode,
            "school": scode, "school_class": cname, "grade": f"{cn[grade - 1]}年级",
            "disability_category": {"visual": "视力", "hearing": "听力", "speech": "言语", "physical": "肢体",
                                    "intellectual": "智力", "mental": "精神", "multiple": "多重"}[category],
            "disability_grade": f"{cn[dgrade - 1]}级",
            "certificate_number": certificate_for(rng, id_number, category, dgrade),
            "certificate_issued_on": birth + timedelta(days=365 * 4), "certified_by": "残联",
            "placement": placement, "status": status,
            "enrolled_on": date(start - (grade - (7 if grade >= 7 else 1)), 9, 1),
            "guardian_name": guardian["name"], "guardian_relation": guardian["relation"],
            "guardian_phone": guardian["phone"],
            "committee_opinion": "经专家委员会评估，同意该安置。",
        })
    return rows


HEADER_KEYS = {  # template header (Chinese, as in the roster module) → key of import_rows()
    "姓名": "name", "性别": "gender", "出生日期": "birth_date", "身份证号": "id_number",
    "全国学籍号": "student_number", "学籍号": "student_number", "户籍所在地代码": "hukou_region_code",
    "户籍地": "hukou_region_code", "学校标识码": "school", "学校代码": "school", "班级": "school_class",
    "年级": "grade", "残疾类别": "disability_category", "残疾等级": "disability_grade",
    "残疾人证号": "certificate_number", "残疾证号": "certificate_number", "发证日期": "certificate_issued_on",
    "认定机构": "certified_by", "安置方式": "placement", "学籍状态": "status", "状态": "status",
    "入学日期": "enrolled_on", "监护人姓名": "guardian_name", "监护人": "guardian_name",
    "监护人关系": "guardian_relation", "与学生关系": "guardian_relation", "监护人电话": "guardian_phone",
    "联系电话": "guardian_phone", "专家委员会意见": "committee_opinion",
}


def build_import_file(template: bytes, rows: list[dict]) -> tuple[bytes, list[str]]:
    """A workbook with the template's row-1 headers and ``rows``; returns it and the headers left empty."""
    import re

    from openpyxl import Workbook, load_workbook

    tpl = load_workbook(io.BytesIO(template), read_only=True)
    headers = [c for c in next(tpl.worksheets[0].iter_rows(min_row=1, max_row=1, values_only=True)) if c]
    tpl.close()
    keys = [HEADER_KEYS.get(re.sub(r"[（(].*?[)）]|\*|\s", "", str(h))) for h in headers]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(headers)
    for r in rows:
        ws.append([r.get(k, "") if k else "" for k in keys])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), [str(h) for h, k in zip(headers, keys, strict=True) if k is None]


def bench_import(client, args, *, username):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    path, tpl_path = "/api/v1/students/import", "/api/v1/students/import-template.xlsx"
    row = {"name": f"import {args.import_rows} rows (.xlsx)", "kind": "import", "user": username, "path": path,
           "rows": args.import_rows}
    if not route_exists(path) or not route_exists(tpl_path):
        return dict(row, status="not available", note="no route")
    resp = client.get(tpl_path)
    if resp.status_code != 200:
        return dict(row, status="not available", note=f"template: HTTP {resp.status_code}")
    data, unmapped = build_import_file(resp.content, import_rows(args.import_rows, args.seed))
    if unmapped:
        row["unmapped_headers"] = unmapped
    row["file_bytes"] = len(data)

    class Rollback(Exception):
        pass

    answers = []

    def call():
        # Each import runs in a transaction that is rolled back, so every repetition imports the same new rows
        # and the data set stays as generated.
        try:
            with transaction.atomic():
                upload = SimpleUploadedFile("students.xlsx", data, content_type="application/vnd.openxmlformats-"
                                            "officedocument.spreadsheetml.sheet")
                r = client.post(path, {"file": upload})
                answers.append(r)
                raise Rollback
        except Rollback:
            pass
        r = answers[-1]
        if r.status_code == 422:
            body = json.loads(r.content)
            raise Failed(f"HTTP 422: {json.dumps(body.get('errors', [])[:5], ensure_ascii=False)}")
        check_response(r, path)

    try:
        samples = measure(call, repeat=args.import_repeat, warmup=0, budget=args.budget)
    except NotAvailable as exc:
        return dict(row, status="not available", note=str(exc))
    except Failed as exc:
        return dict(row, status="error", note=str(exc)[:600])
    row["answer"] = json.loads(answers[-1].content)
    row["answer"].pop("warnings", None)
    return dict(row, status="ok", **summary(samples))


def verdict(row):
    if row.get("status") != "ok":
        return row.get("status", "?")
    target = TARGETS.get(row["kind"])
    if target is None or target[0] is None:
        return "—"
    ok = row["p95_ms"] <= target[0]
    if (row["kind"] == "list" or row["kind"].startswith("weekly")) and "ratio" in row:
        ok = ok and row["ratio"] <= LIST_RATIO_MAX
    if row["kind"] == "filing" and "ratio" in row:
        ok = ok and row["ratio"] <= 2.0
    if row["kind"] == "hb behind" and "ratio" in row:
        ok = ok and row["ratio"] <= HB_RATIO_MAX
    if row["kind"] == "list2" and "ratio" in row:
        ok = ok and row["ratio"] <= 2.0
    return "PASS" if ok else "FAIL"


def run_benchmarks(args, log):
    from suiban.students.models import Student

    u = users()
    dist = u["scale_district"]
    api = {name: api_client(user) for name, user in u.items()}
    pages = {name: page_client(user) for name, user in u.items()}
    rows = []

    def want(name):
        return args.only.lower() in name.lower()

    list_path = "/api/v1/students?page=1&page_size=50"
    for who in ("scale_province", "scale_district"):
        for label, query in (("unfiltered", ""), ("intellectual", "&disability_category=intellectual")):
            name = f"API list page 1×50, {label}"
            if want(name):
                log(f"… {name} as {who}")
                rows.append(bench_list(name, api[who], list_path + query, args, username=who))
    for who in ("scale_province", "scale_district"):
        name = "page /students/"
        if want(name):
            log(f"… {name} as {who}")
            rows.append(bench_get(name, "page", pages[who], "/students/", args, username=who))
    ids = list(Student.objects.visible_to(dist).order_by("id").values_list("id", flat=True)[:30])
    name = "API student detail"
    if want(name) and ids:
        log(f"… {name}")
        it = iter(ids * 100)

        class Cycling:  # a different student on every request
            def get(self, _path):
                return api["scale_province"].get(f"/api/v1/students/{next(it)}")

        row = bench_get(name, "detail", Cycling(), f"/api/v1/students/{ids[0]}", args, username="scale_province")
        row["path"] = "/api/v1/students/{id}"
        rows.append(row)
    name = "API roster export .xlsx"
    if want(name):
        n = Student.objects.visible_to(dist).count()
        log(f"… {name} ({n} rows in scope)")
        rows.append(bench_get(name, "export", api["scale_district"], "/api/v1/students/export.xlsx", args,
                              username="scale_district", repeat=args.export_repeat, warmup=1,
                              extra={"rows_in_scope": n}))
    if want("import"):
        log(f"… import {args.import_rows} rows")
        rows.append(bench_import(api["scale_province"], args, username="scale_province"))
    rows += iep_benchmarks(args, log, u, api, pages, want)
    from bench.funds import funds_benchmarks
    rows += funds_benchmarks(args, log, u, api, want)
    from bench.staff import staff_benchmarks

    rows += staff_benchmarks(args, log, api, pages, want)
    from bench.homebound import homebound_benchmarks

    rows += homebound_benchmarks(args, log, u, api, want)
    from bench.rooms import TARGETS as ROOMS_TARGETS  # issue 12
    from bench.rooms import rooms_benchmarks

    TARGETS.update(ROOMS_TARGETS)
    rows += [dict(r, module="Rooms") for r in rooms_benchmarks(args, log, u, api, want, measure, summary, bench_get)]
    from bench.oversight import TARGETS as OVERSIGHT_TARGETS  # issue 13
    from bench.oversight import oversight_benchmarks
    TARGETS.update(OVERSIGHT_TARGETS)
    rows += [dict(r, module="Oversight") for r in oversight_benchmarks(
        args, log, u, api, pages, want, bench_get=bench_get, bench_list=bench_list, measure=measure, summary=summary)]
    from bench.lists import list_benchmarks
    rows += list_benchmarks(args, log, u, api, pages, want)
    from bench.peer_import import import_benchmarks
    rows += import_benchmarks(args, log, u, api, want)
    for r in rows:
        r["result"] = verdict(r)
    return rows


def iep_benchmarks(args, log, u, api, pages, want):
    """Individual education (issue 4) on the data of generate_iep_scale: the weekly below-minimum list (district
    and province), a plan's page and API detail, and logging a session (each POST rolled back)."""
    from django.db import transaction
    from django.utils import timezone

    from suiban.demo import scale
    from suiban.iep.models import WeeklyHours
    from suiban.iep.selectors import current_term
    from suiban.iep.sessions import week_start
    from suiban.org.models import Region
    from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

    rows = []
    tables = [WeeklyHours._meta.db_table, Student._meta.db_table]
    monday = week_start(timezone.localdate())
    district = Region.objects.filter(pk__in=u["scale_district"].role_assignments.filter(region__isnull=False)
                                     .values("region_id")).first()
    province = Region.objects.get(code=scale.PROVINCE_CODE)
    for who, region, kind in (("scale_district", district, "weekly district"),
                              ("scale_province", province, "weekly province")):
        name = f"IEP below-minimum list ({'district' if who == 'scale_district' else 'province'})"
        if want(name):
            log(f"… {name} as {who}")
            path = f"/api/v1/sessions/below-minimum?week={monday.isoformat()}&region={region.pk}"
            rows.append(bench_list(name, api[who], path, args, username=who, kind=kind, tables=tables))
    from suiban.iep.models import Plan

    plan_ids = list(Plan.objects.visible_to(u["scale_district"]).filter(state="in_force").order_by("id")
                    .values_list("id", flat=True)[:30])
    for name, client, tpl in (("IEP page /iep/{id}/", pages["scale_district"], "/iep/{}/"),
                              ("IEP API plan detail", api["scale_district"], "/api/v1/ieps/{}")):
        if want(name) and plan_ids:
            log(f"… {name}")
            it = iter(plan_ids * 100)

            class Cycling:  # a different plan on every request
                def get(self, _path, _client=client, _tpl=tpl, _it=it):
                    return _client.get(_tpl.format(next(_it)))

            row = bench_get(name, "detail", Cycling(), tpl.format(plan_ids[0]), args, username="scale_district")
            row["path"] = tpl.replace("{}", "{id}")
            rows.append(row)
    name = "IEP API log session"
    if want(name):
        log(f"… {name}")
        rows.append(bench_log_session(api["scale_school"], u["scale_school"], args, current_term, transaction,
                                      INCLUSION_PLACEMENTS, ACTIVE_STATUSES))
    return rows


def bench_log_session(client, user, args, current_term, transaction, placements, statuses):
    from django.utils import timezone

    from suiban.students.models import Student

    path = "/api/v1/sessions"
    row = {"name": "IEP API log session", "kind": "log", "user": "scale_school", "path": f"POST {path}"}
    if not route_exists(path):
        return dict(row, status="not available", note="no route")
    ids = list(Student.objects.visible_to(user, "iep.edit").filter(placement__in=placements, status__in=statuses)
               .order_by("id").values_list("id", flat=True)[:20])
    if not ids:
        return dict(row, status="error", note="no student in inclusion in scale_school's scope")
    day = timezone.localdate()
    term = current_term(day)
    day = min(day, term.end_date) if term else day
    while day.weekday() > 4:
        day -= timedelta(days=1)
    it = iter(ids * 1000)
    answers = []

    class Rollback(Exception):
        pass

    def call():
        # Each POST runs in a transaction that is rolled back: the data set stays as generated.
        body = {"student_ids": [next(it)], "date": day.isoformat(), "hours": "1", "kind": "individual_tutoring",
                "teacher_name": "基准教师", "notes": "基准测试"}
        try:
            with transaction.atomic():
                answers.append(client.post(path, json.dumps(body), content_type="application/json"))
                raise Rollback
        except Rollback:
            pass
        r = answers[-1]
        if r.status_code in (404, 405, 501):
            raise NotAvailable(f"HTTP {r.status_code}")
        if r.status_code != 201:
            raise Failed(f"HTTP {r.status_code}: {r.content[:300].decode('utf-8', 'replace')}")

    try:
        samples = measure(call, repeat=args.repeat, warmup=args.warmup, budget=args.budget)
    except NotAvailable as exc:
        return dict(row, status="not available", note=str(exc))
    except Failed as exc:
        return dict(row, status="error", note=str(exc)[:600])
    return dict(row, status="ok", **summary(samples))


# --- reporting ---------------------------------------------------------------------------------------
def fmt(v):
    return "" if v is None else (f"{v:,.1f}" if isinstance(v, float) else str(v))


def _tables(row):
    if row.get("own_tables"):
        return "list's own tables (" + ", ".join(t.strip('"') for t in row["own_tables"]) + ")"
    return "summary and students tables" if row["name"].startswith("IEP") else "students table"


def _above(row):
    """The request's p95 above its bare SQL's p95: the fixed cost of a request (auth, scope, audit, serialising)."""
    if "bare_sql_p95_ms" not in row:
        return None
    return round(row["p95_ms"] - row["bare_sql_p95_ms"], 1)


def markdown(rows, info):
    lines = [f"# {info.get('title', 'Students')} benchmarks — {info['date']}", "",
             f"Database: {info['database']} {info.get('server_version', '')}; "
             f"{info['students_in_province']:,} students in the generated province; Python {info['python']}, "
             f"Django {info['django']}, {info['cpus']} CPUs; commit {info.get('commit', '?')}.", ""]
    if "generate_scale" in info:
        g = info["generate_scale"]
        lines += [f"generate_scale ({', '.join(f'{v:,} {k}' for k, v in g['counts'].items())}): {g['seconds']} s.", ""]
    if "generate_iep_scale" in info:
        g = info["generate_iep_scale"]
        lines += [f"generate_iep_scale ({', '.join(f'{v:,} {k}' for k, v in g['counts'].items())}): "
                  f"{g['seconds']} s.", ""]
    lines += ["| benchmark | as | n | median ms | p95 ms | bare SQL p95 ms | ratio | above bare ms | target | result |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in rows:
        target = TARGETS.get(r["kind"], (None, "—"))[1]
        lines.append(f"| {r['name']} | {r['user']} | {fmt(r.get('n'))} | {fmt(r.get('median_ms'))} | "
                     f"{fmt(r.get('p95_ms'))} | {fmt(r.get('bare_sql_p95_ms'))} | {fmt(r.get('ratio'))} | "
                     f"{fmt(_above(r))} | {target} | {r['result']} |")
    notes = [f"- {r['name']} ({r['user']}): {r['note']}" for r in rows if r.get("note")]
    notes += [f"- {r['name']}: {r['rows_in_scope']} rows in scope" for r in rows if "rows_in_scope" in r]
    notes += [f"- {r['name']}: answer {r['answer']}" for r in rows if "answer" in r]
    notes += [f"- {r['name']} ({r['user']}): {r['queries_per_request']} SQL queries per request; bare SQL = its "
              f"{r['bare_queries']} SELECTs that read the answer (not the look-up of who asks) re-run raw; "
              f"COUNT + page SELECT on the {_tables(r)} alone ({r.get('count_page_queries', '?')} queries) p95 "
              f"{r.get('count_page_p95_ms', '?')} ms; the page SELECT alone p95 {r['page_select_p95_ms']} ms; all its "
              f"SELECTs (incl. the look-up of who asks) p95 {r['all_selects_p95_ms']} ms"
              for r in rows if "queries_per_request" in r]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def machine_info():
    import django

    info = {"python": platform.python_version(), "django": django.get_version(), "cpus": os.cpu_count(),
            "platform": platform.platform()}
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                        check=False, cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    except OSError:
        pass
    return info


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suiban.settings")
    import django

    django.setup()
    from django.utils import timezone

    from suiban.demo import scale
    from suiban.students.models import Student

    def log(msg):
        print(msg, flush=True)

    started = time.perf_counter()
    info = {"date": timezone.localdate().isoformat(), **machine_info(), **prepare(args, log)}
    info["students_in_province"] = Student.objects.filter(region_path__startswith=f"{scale.PROVINCE_CODE}/").count()
    info["args"] = vars(args)
    rows = run_benchmarks(args, log)
    iep_only = bool(rows) and all(r["name"].startswith("IEP") for r in rows)
    core = [r for r in rows if r["kind"] != "reference"]  # bench/staff.py reference_row: beside, not a module's
    lists_only = bool(core) and all(r["kind"] == "list2" for r in core)
    peer_only = bool(rows) and all(r["kind"] == "peer import" for r in rows)
    module = next((m for m, kinds in (("staff", ("filing", "page")), ("homebound", ("hb behind", "hb record")),
                                       ("funds", ("ledger totals",)))
                   if core and all(r["kind"] in kinds and (m != "staff" or "staff" in r["name"]) for r in core)), None)
    module = module or next((m.lower() for m in ("Rooms", "Oversight") if rows and all(r.get("module") == m
                                                                                     for r in rows)), None)
    info["title"] = ("Individual education" if iep_only else "Every list" if lists_only
                     else "Import beside django-import-export" if peer_only
                     else {"staff": "Staff", "homebound": "Home-delivered education", "funds": "Funds ledger",
                           "rooms": "Rooms", "oversight": "Oversight"}.get(module, "Students"))
    info["total_s"] = round(time.perf_counter() - started, 1)
    md = markdown(rows, info)
    print()
    print(md)
    if not args.no_write:
        RESULTS_DIR.mkdir(exist_ok=True)
        prefix = "iep" if iep_only else "lists" if lists_only else "import-peer" if peer_only else module or "students"
        stem = f"{prefix}-{info['date']}" + (
            "" if info["database"] == "postgresql" else f"-{info['database']}")
        (RESULTS_DIR / f"{stem}.json").write_text(json.dumps({"info": info, "results": rows}, ensure_ascii=False,
                                                             indent=2, default=str) + "\n", encoding="utf-8")
        (RESULTS_DIR / f"{stem}.md").write_text(md, encoding="utf-8")
        print(f"Written {RESULTS_DIR / stem}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
