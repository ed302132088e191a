"""Staff benchmarks (ST-1): the bureau's filing status of the province's pools on the generated data (~16,000
schools, see suiban/demo/staff_scale.py). Target: p95 ≤ 500 ms and ≤ 2× the bare SQL of the page (the COUNT and
the page SELECT with the pool subqueries). Run with ``python -m bench.run --only staff``."""

FILING_RATIO_MAX = 2.0


def staff_benchmarks(args, log, api, pages, want):
    from bench.run import bench_get, bench_list
    from suiban.org.models import School
    from suiban.staff.models import Pool

    rows = []
    if not any(want(n) for n in ("staff API pool filing", "staff page /staff/filing/")):
        return rows
    ensure_staff(log)
    tables = [School._meta.db_table, Pool._meta.db_table]
    for who in ("scale_province", "scale_district"):
        for label, query in (("all", ""), ("missing", "&state=missing")):
            name = f"staff API pool filing 1×50, {label}"
            if want(name):
                log(f"… {name} as {who}")
                rows.append(bench_list(name, api[who], f"/api/v1/pools/filing?page=1&page_size=50{query}", args,
                                       username=who, kind="filing", tables=tables))
    name = "staff page /staff/filing/"
    if want(name):
        log(f"… {name} as scale_province")
        rows.append(bench_get(name, "page", pages["scale_province"], "/staff/filing/", args,
                              username="scale_province"))
    rows.append(reference_row(args, log, api, "scale_district"))
    return rows


def reference_row(args, log, api, who):
    """GET /api/v1/me, timed beside a module's lists: the fixed cost of any authenticated API request (token,
    middleware, serialising) — what a list costs above its bare SQL however lean that SQL is."""
    from bench.run import bench_get

    log(f"… fixed cost of an API request (GET /api/v1/me) as {who}")
    return bench_get("reference: GET /api/v1/me (fixed cost of an API request)", "reference", api[who],
                     "/api/v1/me", args, username=who)


def ensure_staff(log):
    """The generated province's staff, pools and training (``suiban.demo.staff_scale``), written when a province
    generated before the staff module has none."""
    from django.db import transaction

    from suiban.demo import scale, staff_scale
    from suiban.org.models import Region, School, SchoolYear
    from suiban.staff.models import StaffMember

    path = Region.objects.get(code=scale.PROVINCE_CODE).path
    if StaffMember.objects.filter(region_path__startswith=path).exists():
        return
    log("Generating staff, pools and training for the generated province …")
    with transaction.atomic():
        counts = staff_scale.write(path, SchoolYear.current(), seed=School.objects.filter(
            region_path__startswith=path).count())
    log(f"staff scale: {counts}")
    analyze()


def analyze():
    """Fresh planner statistics after generating rows (PostgreSQL)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
