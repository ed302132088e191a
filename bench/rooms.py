"""Resource-room assessment benchmarks (issue 12, RR-1/RR-2/RR-4/RR-5/RR-7) on the generated province, whose rooms,
rounds and scored assessments come from ``suiban.demo.rooms_scale`` (generated on first use: a room for nine
schools in ten at or over the threshold, one round per district with every ordinary school scored on every line).

* "Rooms round overview (district)" — ``GET /api/v1/assessment-rounds/{id}`` as the district officer: every
  school of the district with its totals and grade and the plaque list; target p95 ≤ 300 ms.
* "Rooms evidence proposals (one school)" — computing every line's proposal from the evidence registry
  (``services.compute_proposals``) for the district's first school; target p95 ≤ 500 ms.
* Lists and pages (p95 ≤ 150 ms, lists also ≤ 2× their bare SQL): ``GET /api/v1/rooms`` and
  ``GET /api/v1/assessments`` (page 1×50) as the district and the province, the pages ``/rooms/``, the round's
  page and the plaque list as the district officer.
"""

TARGETS = {"rooms page": (150, "p95 ≤ 150 ms")}


def rooms_benchmarks(args, log, u, api, want, measure, summary, bench_get):
    from bench.run import bench_list
    from suiban.demo import rooms_scale
    from suiban.org.models import Region, School, SchoolYear
    from suiban.rooms import rubric as rb
    from suiban.rooms import services
    from suiban.rooms.models import Assessment, ItemScore, Room, Round

    rows = []
    district = Region.objects.filter(pk__in=u["scale_district"].role_assignments.filter(region__isnull=False)
                                     .values("region_id")).first()
    names = ("Rooms round overview (district)", "Rooms evidence proposals (one school)", "Rooms API room list 1×50",
             "Rooms API assessment list 1×50", "Rooms page /rooms/", "Rooms page round overview",
             "Rooms page plaque list")
    if district is None or not any(want(n) for n in names):
        return rows
    if not rooms_scale.present():
        log("Generating resource rooms and assessment rounds of the province …")
        result = rooms_scale.generate(seed=args.seed, log=log)
        log(f"rooms_scale: {result['elapsed']} s, {result['counts']}")
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
    rnd = Round.objects.filter(region=district, name=rooms_scale.ROUND_NAME).first()
    name = "Rooms round overview (district)"
    if want(name):
        log(f"… {name}")
        rows.append(bench_get(name, "round overview", api["scale_district"], f"/api/v1/assessment-rounds/{rnd.pk}",
                              args, username="scale_district",
                              extra={"schools": rnd.assessments.count()}))
    name = "Rooms evidence proposals (one school)"
    if want(name):
        log(f"… {name}")
        school = School.objects.filter(region=district).exclude(kind="special").order_by("code").first()
        lines, year = rb.lines(rnd.rubric), SchoolYear.current()
        row = {"name": name, "kind": "proposals", "user": "—", "path": "services.compute_proposals"}
        samples = measure(lambda: services.compute_proposals(school, year, lines), repeat=args.repeat,
                          warmup=args.warmup, budget=args.budget)
        rows.append(dict(row, status="ok", students=school.students.count(), **summary(samples)))
    room_tables = [Room._meta.db_table]
    # the list answers each assessment with its lines: its bare SQL is the page, its lines and its history
    assessment_tables = [Assessment._meta.db_table, ItemScore._meta.db_table]
    for who in ("scale_district", "scale_province"):
        for name, path, tables in (
                ("Rooms API room list 1×50", "/api/v1/rooms?page=1&page_size=50", room_tables),
                ("Rooms API assessment list 1×50", "/api/v1/assessments?page=1&page_size=50", assessment_tables)):
            if want(name):
                log(f"… {name} as {who}")
                rows.append(bench_list(name, api[who], path, args, username=who, kind="list2", tables=tables))
    pages = _page_clients(u)
    for name, path in (("Rooms page /rooms/", "/rooms/"),
                       ("Rooms page round overview", f"/rooms/assessment/rounds/{rnd.pk}/"),
                       ("Rooms page plaque list", "/rooms/assessment/plaques/")):
        if want(name):
            log(f"… {name}")
            rows.append(bench_get(name, "rooms page", pages["scale_district"], path, args, username="scale_district"))
    return rows


def _page_clients(u):
    from bench.run import page_client

    return {"scale_district": page_client(u["scale_district"])}
