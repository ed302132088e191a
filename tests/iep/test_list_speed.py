"""Lists at province scale (issue 9 "Speed"): a region or school scope filters a session's own indexed columns; only a
class teacher's scope (through the attendances) needs the de-duplicating subquery; the plan list computes the last
review date for the page's rows only."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from suiban.iep.models import Review, Session


def _sql(qs):
    return str(qs.query)


def test_region_scope_of_sessions_filters_the_row_itself(world):
    """IEP-5 / ORG-4: the bureau's sessions are those of its region, read without a subquery over the table."""
    bureau = world.users["hc_bureau"]
    qs = Session.objects.visible_to(bureau, "iep.records")
    assert " IN (SELECT" not in _sql(qs)
    assert "region_path" in _sql(qs)
    assert qs.count() == Session.objects.filter(region_path__startswith=bureau.role_assignments
                                                .filter(region__isnull=False).first().region.path).count() > 0


def test_class_scope_of_sessions_lists_each_session_once(world):
    """IEP-5: a class teacher's scope follows the attendances, so a group session is listed once, not per pupil."""
    teacher = world.users["hc_s1_class"]
    qs = Session.objects.visible_to(teacher, "iep.records")
    ids = list(qs.values_list("pk", flat=True))
    assert len(ids) == len(set(ids))
    if " IN (SELECT" not in _sql(qs):  # a teacher without a class grant reads the school's sessions directly
        assert "attendances" not in _sql(qs)


def test_plan_list_query_count_does_not_grow_with_reviews(world, api_client):
    """IEP-1 / IEP-3: the plan list answers in a fixed number of queries, with the last review date per row."""
    client = api_client("hc_bureau")
    client.get("/api/v1/ieps?page_size=1")  # the first request caches the grants
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/api/v1/ieps?page_size=50").json()
    assert body["count"] > 0
    plan_selects = [q["sql"] for q in ctx.captured_queries if 'FROM "iep_plan"' in q["sql"]]
    assert all("GROUP BY" not in sql for sql in plan_selects)
    before = len(ctx.captured_queries)
    from django.db.models import Max

    last = dict(Review.objects.values("plan_id").annotate(m=Max("review_date")).values_list("plan_id", "m"))
    for p in body["items"]:
        assert p["last_review_on"] == (last[p["id"]].isoformat() if p["id"] in last else None)
    with CaptureQueriesContext(connection) as ctx2:
        client.get("/api/v1/ieps?page_size=5")
    # the token's look-up and the page; the count too when the page is full (a page not full tells the count)
    assert len(ctx2.captured_queries) == 3 and before == 2 + (body["count"] >= 50)


def test_the_weeks_below_the_minimum_are_counted_together_in_one_query(world, new_student, past_term):
    """IEP-5: the page counts this week and last week in one pass over the students (a filtered count per week),
    each count equal to the one its own list gives."""
    from decimal import Decimal

    from iep_helpers import full_weeks

    from suiban.iep import selectors
    from suiban.iep.models import WeeklyHours

    first, second = full_weeks(past_term)[11:13]
    met = new_student()
    new_student()
    WeeklyHours.objects.create(student=met, week_start=first, delivered_hours=Decimal("5"), delivered_sessions=2)
    bureau = world.users["hc_bureau"]
    results = [selectors.below_minimum(bureau, week, {}) for week in (first, second)]
    expected = [r.students.count() for r in results]
    assert expected[1] == expected[0] + 1 > 1
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.count_below(results) == expected
    assert len(ctx.captured_queries) == 1
