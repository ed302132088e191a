"""Oversight benchmarks (issue 13, OV-1/OV-2) on the province of ``generate_scale``: the full recompute of the
findings, the incremental recompute of one school after one edit, the inbox, and the district and province
dashboards (each with its bare-SQL ratio where it is a read). Called from ``bench/run.py``."""

import time

TARGETS = {
    "recompute full": (60000, "≤ 60 s on 2 cores"),
    "recompute incremental": (200, "p95 ≤ 200 ms"),
    "inbox": (150, "p95 ≤ 150 ms"),
    "dashboard district": (300, "p95 ≤ 300 ms"),
    "dashboard province": (1000, "p95 ≤ 1 s"),
}


def oversight_benchmarks(args, log, u, api, pages, want, *, bench_get, bench_list, measure, summary):
    from django.db import transaction

    from suiban.core.registry import inbox
    from suiban.org.models import Region
    from suiban.oversight import engine
    from suiban.students.models import Student

    rows = []
    name = "Oversight findings full recompute"
    if want(name):
        log(f"… {name}")
        samples = []
        for label in ("first run", "steady state"):
            started = time.perf_counter()
            stats = engine.recompute(None)
            samples.append((time.perf_counter() - started) * 1000)
            log(f"   {label}: {samples[-1]:.0f} ms, created {stats.created}, resolved {stats.resolved}")
        rows.append({"name": name, "kind": "recompute full", "user": "-", "path": "manage.py recompute_findings",
                     "status": "ok", "first_run_ms": round(samples[0], 1), **summary(samples[1:])})
    name = "Oversight findings incremental recompute after one edit"
    if want(name):
        log(f"… {name}")
        district = u["scale_district"]
        ids = list(Student.objects.visible_to(district).filter(status="active")
                   .values_list("pk", "school_id")[:200])
        keys = engine.checks_watching(["students.student"])
        it = iter(ids * 10)

        def call():
            pk, school_id = next(it)
            with transaction.atomic():
                Student.objects.filter(pk=pk).update(certificate_issued_on=None)
                engine.recompute([school_id], check_keys=keys)
                transaction.set_rollback(True)

        samples = measure(call, repeat=args.repeat, warmup=args.warmup, budget=args.budget)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        pk, school_id = next(it)
        with transaction.atomic():
            Student.objects.filter(pk=pk).update(certificate_issued_on=None)
            with CaptureQueriesContext(connection) as ctx:
                engine.recompute([school_id], check_keys=keys)
            transaction.set_rollback(True)
        rows.append({"name": name, "kind": "recompute incremental", "user": "-", "path": "tasks.recompute_school",
                     "status": "ok", **summary(samples),
                     "note": f"{len(keys)} checks watch the student; {len(ctx.captured_queries)} SQL statements per "
                             f"recompute of one school (savepoint included)"})
    name = "Oversight inbox (findings provider)"
    if want(name):
        provider = inbox.providers["oversight.finding"].provider
        for who in ("scale_school", "scale_district"):
            log(f"… {name} as {who}")
            samples = measure(lambda w=who: list(provider(u[w])), repeat=args.repeat, warmup=args.warmup,
                              budget=args.budget)
            rows.append({"name": name, "kind": "inbox", "user": who, "path": "inbox provider", "status": "ok",
                         **summary(samples)})
        rows.append(bench_get("Oversight API inbox", "inbox", api["scale_district"], "/api/v1/inbox", args,
                              username="scale_district"))
    for who, kind in (("scale_district", "dashboard district"), ("scale_province", "dashboard province")):
        name = f"Oversight API {kind}"
        if want(name):
            log(f"… {name}")
            region = Region.objects.filter(pk__in=u[who].role_assignments.filter(region__isnull=False)
                                           .values("region_id")).first()
            rows.append(bench_list(name, api[who], f"/api/v1/dashboard?region_id={region.pk}", args,
                                   username=who, kind=kind))
    return rows
