"""Home-delivered education benchmarks (HB-4, HB-7), run by ``bench/run.py`` on the generated province.

* the district list of homebound students behind pace (``GET /api/v1/homebound/behind-pace`` as the district
  officer): p95 ≤ 200 ms and ≤ 2× its bare SQL;
* recording a visit with its ledger posting (``POST /api/v1/homebound/visits`` as the school account, each in a
  rolled-back transaction so the data set stays as generated): p95 ≤ 60 ms.

The home-delivery data (``suiban.demo.homebound_scale``: ≈3 % of the students in inclusion, visits of the year so far,
their postings) are generated on first use.
"""

import json
from datetime import timedelta

TARGETS = {
    "hb behind": (200, "p95 ≤ 200 ms and ≤ 2× bare SQL"),
    "hb record": (60, "p95 ≤ 60 ms"),
}
RATIO_MAX = 2.0


def homebound_benchmarks(args, log, u, api, want):
    from django.db import transaction
    from django.utils import timezone

    from bench.run import Failed, NotAvailable, bench_list, measure, route_exists, summary
    from bench.staff import analyze, reference_row
    from suiban.demo import homebound_scale as scale
    from suiban.homebound.models import Enrolment
    from suiban.org.models import SchoolYear
    from suiban.staff.selectors import pool_staff

    rows = []
    if not (want("HB behind") or want("HB record")):
        return rows
    if not scale.present():
        from bench.staff import ensure_staff

        ensure_staff(log)  # the pools the visits take their teachers from
        log("Generating home-delivered education …")
        scale.generate(seed=args.seed, log=log)
        analyze()
    name = "HB behind pace (district)"
    if want(name):
        log(f"… {name}")
        rows.append(bench_list(name, api["scale_district"], "/api/v1/homebound/behind-pace?page=1&page_size=50",
                               args, username="scale_district", kind="hb behind",
                               tables=[Enrolment._meta.db_table]))
    name = "HB record a visit with its posting"
    path = "/api/v1/homebound/visits"
    if want(name):
        log(f"… {name}")
        row = {"name": name, "kind": "hb record", "user": "scale_school", "path": f"POST {path}"}
        year = SchoolYear.current()
        es = list(Enrolment.objects.visible_to(u["scale_school"], "homebound.record")
                  .filter(school_year=year, state="active").order_by("id")[:20])
        if not es:  # the school account's school had none drawn: enrol a fifth of its students in inclusion
            from suiban.students.models import Student

            one = Student.objects.visible_to(u["scale_school"], "homebound.record").order_by("id").first()
            if one is not None:
                scale.generate(seed=args.seed, share=0.2, school_id=one.school_id, log=log)
                es = list(Enrolment.objects.visible_to(u["scale_school"], "homebound.record")
                          .filter(school_year=year, state="active").order_by("id")[:20])
        if not route_exists(path) or not es:
            rows.append(dict(row, status="not available", note="no route or no enrolment in scale_school's scope"))
            return rows
        teachers = list(pool_staff(es[0].school_id, year.pk, filed_only=True).values_list("pk", flat=True))[:2]
        day = min(timezone.localdate(), year.end_date) - timedelta(days=1)
        it = iter(es * 1000)
        answers = []

        class Rollback(Exception):
            pass

        def call():
            e = next(it)
            body = {"enrolment_id": e.pk, "date": day.isoformat(), "start_time": "09:00", "end_time": "12:00",
                    "teacher_ids": teachers, "notes": "基准测试"}
            try:
                with transaction.atomic():
                    answers.append(api["scale_school"].post(path, json.dumps(body), content_type="application/json"))
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
        except (NotAvailable, Failed) as exc:
            rows.append(dict(row, status="error", note=str(exc)[:600]))
        else:
            rows.append(dict(row, status="ok", **summary(samples)))
    rows.append(reference_row(args, log, api, "scale_district"))
    return rows
