"""The IEP lists read plain values and render without re-validating (issue 9 "Speed"): every row answers exactly
what the model-based serialisers of the details answer (same keys in the same order, same values), the students a
caller may not see stay out of a group session's row (SEC-2, ORG-4), and each list costs a fixed number of
queries per page."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from iep_helpers import full_weeks
from ninja.responses import NinjaJSONEncoder

from suiban.core.scoping import grants_for
from suiban.demo import world as demo
from suiban.iep import api as plan_api
from suiban.iep import selectors, sessions_api, support_api
from suiban.iep.lists import sort_plans
from suiban.iep.models import AidIssue, Evaluation, Goal, PeerSupport, Session
from suiban.students.models import Student

HC_S1 = "3502050101"
USERS = ["hc_s1_class", "hc_s1_leader", "hc_s1_resource", "hc_bureau"]


def _as_answered(schema, out: dict):
    """What ninja answered before: the dict validated by the schema, dumped and encoded."""
    return json.loads(json.dumps(schema.model_validate(out).model_dump(by_alias=True), cls=NinjaJSONEncoder))


def _same(listed: list, expected: list):
    # order-sensitive: the keys of every row (and of its nested objects) come in the schema's order
    assert json.dumps(listed, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)


@pytest.fixture
def corrected_group(world, api_client, new_student, past_term):
    """A group session of a child of the class teacher's class and a child of another class, corrected to drop
    the other child: its original values and its correction name a student no longer in it."""
    mine = (Student.objects.filter(school_class=world.classes[(HC_S1, demo.class_name(3, 1))],
                                   placement="regular_class", status="active").first())
    stranger, third = new_student(), new_student()
    monday = full_weeks(past_term)[4]
    c = api_client("hc_s1_resource")
    s = c.post("/api/v1/sessions", {"student_ids": [mine.pk, stranger.pk, third.pk], "date": str(monday),
                                    "hours": 1.5, "kind": "individual_tutoring", "teacher_name": "李梅",
                                    "absent_student_ids": [third.pk]}).json()
    r = c.post(f"/api/v1/sessions/{s['id']}/corrections", {"reason": "名单有误", "student_ids": [mine.pk, third.pk]})
    assert r.status_code == 201, r.content
    # and, the same week, a session logged with goals and never corrected
    goal_ids = list(Goal.objects.filter(plan__student=mine, plan__state="in_force", kind="short_term")
                    .values_list("pk", flat=True)[:2])
    assert goal_ids
    r = c.post("/api/v1/sessions", {"student_ids": [mine.pk], "date": str(monday + timedelta(days=1)), "hours": 1,
                                    "kind": "individual_tutoring", "teacher_name": "李梅", "goal_ids": goal_ids})
    assert r.status_code == 201 and r.json()["goal_ids"] == sorted(goal_ids), r.content
    return s["id"]


@pytest.mark.parametrize("username", USERS)
def test_session_rows_answer_what_the_session_serialiser_answers(api_client, world, corrected_group, username):
    """IEP-5 / SEC-2: each row of /sessions equals the session's answer built from the models — the attendances
    with names, the goals, the original values and every correction — and a class teacher sees only the students
    of their class in a group session (also in its original values and corrections)."""
    user = world.users[username]
    body = api_client(username).get("/api/v1/sessions?page_size=500").json()
    assert body["items"]
    rows = list(sessions_api._related(Session.objects.filter(pk__in=[i["id"] for i in body["items"]])))
    rows.sort(key=lambda s: [i["id"] for i in body["items"]].index(s.pk))
    visible = sessions_api._visible_students(user, rows)
    _same(body["items"], [_as_answered(sessions_api.SessionOut, sessions_api.session_out(s, visible)) for s in rows])
    if corrected_group in [i["id"] for i in body["items"]]:
        row = next(i for i in body["items"] if i["id"] == corrected_group)
        assert len(row["corrections"]) == 1 and row["goal_ids"] == sorted(row["goal_ids"])
        named = set(row["original"]["student_ids"]) | set(row["corrections"][0]["before"]["student_ids"])
        seen = set(Student.objects.visible_to(user, "iep.records").values_list("pk", flat=True))
        assert named <= seen
        if username == "hc_s1_class":
            assert len(named) == 1 and {s["id"] for s in row["students"]} == named


@pytest.mark.parametrize("username", USERS)
def test_support_rows_answer_what_the_record_serialisers_answer(api_client, world, username):
    """IEP-6, IEP-7, IEP-8: each row of /evaluations (with its seven scores, its term in words and its emphasis),
    /peer-support and /aids equals the record's answer built from the models."""
    if not grants_for(world.users[username], "iep.records"):
        pytest.skip("no iep.records")
    c = api_client(username)
    for path, model, related, out, schema in (
            ("evaluations", Evaluation, support_api._eval_related, support_api.evaluation_out,
             support_api.EvaluationOut),
            ("peer-support", PeerSupport, lambda qs: qs.select_related("student"), support_api.peer_out,
             support_api.PeerSupportOut),
            ("aids", AidIssue, lambda qs: qs.select_related("student"), support_api.aid_out, support_api.AidOut)):
        items = c.get(f"/api/v1/{path}?page_size=500").json()["items"]
        ids = [i["id"] for i in items]
        objs = sorted(related(model.objects.filter(pk__in=ids)), key=lambda o: ids.index(o.pk))
        _same(items, [_as_answered(schema, out(o)) for o in objs])
        if path == "evaluations" and items:
            assert all(len(i["dimensions"]) == 7 for i in items)


@pytest.mark.parametrize("username", ["hc_s1_class", "hc_s1_leader", "hc_bureau", "hc_parent"])
def test_plan_rows_answer_what_the_plan_serialiser_answers(api_client, world, username):
    """IEP-1 / IEP-3: each row of /ieps equals the plan's answer built from the models, the next review date
    included (⚙ iep_review_interval_weeks of the plan's school)."""
    user = world.users.get(username)
    if user is None:
        pytest.skip("no such demo account")
    for sort in ("", "&sort=-last_review", "&sort=class"):
        items = api_client(username).get(f"/api/v1/ieps?page_size=500{sort}").json()["items"]
        assert items
        qs, _key = sort_plans(selectors.plans(user, {}), sort.partition("=")[2] or None)
        _same(items, [_as_answered(plan_api.PlanOut, plan_api.plan_out(p)) for p in qs[:500]])
    assert any(i["next_review_due"] for i in items) or username == "hc_s1_guardian"


# --- bounded queries ------------------------------------------------------------------------------------------
def _queries(client, path):
    client.get(path)  # the grants and the policy are cached after the first request, as in a running server
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_session_list_runs_a_fixed_number_of_queries_a_page(api_client, world, past_term, corrected_group):
    """IEP-5: the session list is the page and its attendances (with each student's visibility); the goals when a
    session of the page was logged with goals or corrected, the corrections when one was corrected (and the count
    when the page is full); one more only when a page names a student removed from a session since (SEC-2)."""
    c = api_client("hc_s1_leader")
    empty = _queries(c, "/api/v1/sessions?page_size=100&date_to=2000-01-01")
    day = full_weeks(past_term)[6]
    student_ids = [a.student_id for a in Session.objects.get(pk=corrected_group).attendances.all()]
    r = api_client("hc_s1_resource").post("/api/v1/sessions", {
        "student_ids": student_ids, "date": str(day), "hours": 1, "kind": "individual_tutoring",
        "teacher_name": "李梅"})
    assert r.status_code == 201, r.content
    assert _queries(c, f"/api/v1/sessions?page_size=100&date_from={day}&date_to={day}") == empty + 1
    demo_only = f"/api/v1/sessions?page_size=100&date_from={past_term.end_date + timedelta(days=1)}"
    full = len(c.get(demo_only).json()["items"]) == 100  # a full page counts; a page not full tells the count
    assert _queries(c, demo_only) == empty + 3 + full
    monday = full_weeks(past_term)[4]
    assert _queries(c, f"/api/v1/sessions?page_size=100&date_from={monday}&date_to={monday}") == empty + 4
    tuesday = monday + timedelta(days=1)
    goals_only = f"/api/v1/sessions?page_size=100&date_from={tuesday}&date_to={tuesday}"
    assert _queries(c, goals_only) == empty + 2  # logged with goals, never corrected


@pytest.mark.parametrize("path,extra", [("/api/v1/evaluations", 1), ("/api/v1/peer-support", 0),
                                        ("/api/v1/aids", 0), ("/api/v1/ieps", 0)])
def test_support_and_plan_lists_run_a_fixed_number_of_queries(api_client, world, path, extra):
    """IEP-1, IEP-6, IEP-7, IEP-8: the page (evaluations: and the page's scores; the count when the page is full),
    however many rows the page holds."""
    c = api_client("hc_bureau")
    empty = _queries(c, f"{path}?page_size=500&student_id=999999999")
    full = _queries(c, f"{path}?page_size=500")
    assert empty <= 2 and full == empty + extra  # the token's look-up and the page (it tells the count)


def test_terms_answer_the_terms_with_the_current_one_marked(api_client, world):
    """IEP-5 / IEP-6: /terms lists every term newest first, named and coded as the term model names them, the
    current one (``current_term``) marked — read in one query."""
    from suiban.org.models import Term

    c = api_client("hc_s1_resource")
    # like an empty first page of sessions (its page only: it tells the count), the terms are one query
    assert _queries(c, "/api/v1/terms") == _queries(c, "/api/v1/sessions?page_size=1&date_to=2000-01-01")
    current = selectors.current_term()
    expected = [{"id": t.pk, "code": selectors.term_code(t), "school_year": t.school_year.name, "number": t.number,
                 "name": str(t), "start_date": t.start_date, "end_date": t.end_date,
                 "current": current is not None and t.pk == current.pk}
                for t in Term.objects.select_related("school_year").order_by("-start_date")]
    _same(c.get("/api/v1/terms").json(), [_as_answered(sessions_api.TermOut, e) for e in expected])
    assert sum(t["current"] for t in c.get("/api/v1/terms").json()) == 1


def test_the_current_term_among_the_terms_read_is_the_current_term(world):
    """IEP-5: the term picked from the terms already read is ``current_term`` on any day — in a term, between
    two terms (the latest begun) and before every term (none)."""
    from suiban.org.models import Term

    terms = list(Term.objects.select_related("school_year"))
    days = [d for t in terms for d in (t.start_date, t.end_date, t.end_date + timedelta(days=3))]
    days.append(min(t.start_date for t in terms) - timedelta(days=1))
    for day in days:
        assert selectors.current_term_among(terms, day) == selectors.current_term(day), day


def test_a_page_that_is_not_full_tells_the_count(api_client, world, monkeypatch):
    """IEP-5 (API.md "Lists"): a first page holding fewer rows than asked is the whole list — no count query, the
    same count; a last page gives start + its rows; a full page, or an empty one past the end, counts; the cap
    still applies (``count_exact: false``)."""
    from suiban.core import api_tools

    c = api_client("hc_s1_leader")
    n = Session.objects.visible_to(world.users["hc_s1_leader"], "iep.records").count()
    assert n > 3
    for size, page in ((n + 5, 1), (n - 1, 2), (3, 1), (3, n + 2)):
        c.get(f"/api/v1/sessions?page_size={size}&page={page}")
        with CaptureQueriesContext(connection) as ctx:
            body = c.get(f"/api/v1/sessions?page_size={size}&page={page}").json()
        assert body["count"] == n and body["count_exact"] is True
        counted = any("COUNT(" in q["sql"] for q in ctx.captured_queries)
        assert counted == (size * page >= n + size or size * page <= n), (size, page)
    monkeypatch.setattr(api_tools, "COUNT_CAP", 2)
    body = c.get(f"/api/v1/sessions?page_size={n + 5}").json()
    assert (body["count"], body["count_exact"], len(body["items"])) == (2, False, n)
    for path in ("/api/v1/evaluations", "/api/v1/aids", "/api/v1/peer-support", "/api/v1/ieps"):
        full = c.get(f"{path}?page_size=500").json()
        assert full["count"] == len(full["items"]) < 500
        if full["count"] > 1:
            assert c.get(f"{path}?page_size=1&page=2").json()["count"] == full["count"]
