"""Resource-room assessment benchmarks (issue 12, RR-4/RR-5/RR-7) on the generated province.

* "Rooms round overview (district)" — ``GET /api/v1/assessment-rounds/{id}`` as the district officer: every
  school of the district with its totals and grade and the plaque list; target p95 ≤ 300 ms.
* "Rooms evidence proposals (one school)" — computing every line's proposal from the evidence registry
  (``services.compute_proposals``) for the district's first school; target p95 ≤ 500 ms.

The round is created once (directly, like a bulk import: a round of the scale district with the hc-2023 rubric,
an assessment per school with its lines scored) and reused by later runs."""

from decimal import Decimal

ROUND_NAME = "规模评估轮次"


def _round(district):
    from suiban.accounts.models import User
    from suiban.org.models import School, SchoolYear
    from suiban.policy.profiles import registry
    from suiban.rooms import rubric as rb
    from suiban.rooms.models import Assessment, ItemScore, Round

    rnd = Round.objects.filter(region=district, name=ROUND_NAME).first()
    if rnd is not None:
        return rnd
    rubric = registry().profiles["hc-2023"].effective_rubric
    rnd = Round.objects.create(region=district, school_year=SchoolYear.current(), name=ROUND_NAME, rubric=rubric,
                               panel_leader=User.objects.filter(username="scale_district").first())
    lines = rb.lines(rubric)
    for i, school in enumerate(School.objects.filter(region=district).exclude(kind="special").order_by("code")):
        share = Decimal(60 + (i * 7) % 40) / 100
        scores = [ln.snap_down(ln.points * share) for ln in lines]
        total = sum(scores, Decimal(0))
        a = Assessment.objects.create(round=rnd, school=school, state="scored", self_total=total, total=total,
                                      grade=rb.grade_of(total, 90, 75))
        ItemScore.objects.bulk_create([
            ItemScore(assessment=a, code=ln.code, position=j, points=ln.points, self_score=s, panel_score=s,
                      deduction_reason="" if s == ln.points else "规模数据扣分")
            for j, (ln, s) in enumerate(zip(lines, scores, strict=True))])
    return rnd


def rooms_benchmarks(args, log, u, api, want, measure, summary, bench_get):
    from suiban.org.models import Region, School, SchoolYear
    from suiban.rooms import rubric as rb
    from suiban.rooms import services

    rows = []
    district = Region.objects.filter(pk__in=u["scale_district"].role_assignments.filter(region__isnull=False)
                                     .values("region_id")).first()
    if district is None:
        return rows
    rnd = _round(district)
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
    return rows
