"""Every list endpoint and list page at province, district and school scope (issue 9 "Speed"): p95 ≤ 150 ms and
≤ 2× its bare SQL. Names start with "Lists" (``--only Lists``; ``--only "Lists API"`` or ``--only "Lists page"``).

The bare SQL of a list is every SELECT the request runs to read its answer (the count, capped or not, the page
``SELECT … LIMIT`` with the same scope filter and order, and the reads of what each item shows), captured and
re-run raw; the look-up of who is asking (token or session, account, roles) is the request's fixed cost and not
part of it (``bench.run.bare_sql``). The COUNT and page SELECT on the list's own tables alone are reported beside.
"""

LIST_RATIO_MAX = 2.0
LIST_TARGET_MS = 150


def _tables(*labels):
    from django.apps import apps

    return [f'"{apps.get_model(label)._meta.db_table}"' for label in labels]


def endpoints(school_id, monday):
    """(name, path, tables): every list endpoint and list page (the same filter-free first page a user opens)."""
    week = monday.isoformat()
    return [
        ("Lists API students", "/api/v1/students?page=1&page_size=50", _tables("students.Student")),
        ("Lists API cases", "/api/v1/cases?page=1&page_size=50", _tables("students.Case")),
        ("Lists API ieps", "/api/v1/ieps?page=1&page_size=50", _tables("iep.Plan")),
        ("Lists API sessions", "/api/v1/sessions?page=1&page_size=50", _tables("iep.Session")),
        ("Lists API evaluations", "/api/v1/evaluations?page=1&page_size=50", _tables("iep.Evaluation")),
        ("Lists API peer-support", "/api/v1/peer-support?page=1&page_size=50", _tables("iep.PeerSupport")),
        ("Lists API aids", "/api/v1/aids?page=1&page_size=50", _tables("iep.AidIssue")),
        ("Lists API sessions/below-minimum", f"/api/v1/sessions/below-minimum?week={week}&page=1&page_size=50",
         _tables("iep.WeeklyHours", "students.Student")),
        ("Lists API audit", "/api/v1/audit?page=1&page_size=50", _tables("core.AuditEvent")),
        ("Lists API schools", "/api/v1/schools?page=1&page_size=50", _tables("org.School")),
        ("Lists API regions", "/api/v1/regions?page=1&page_size=50", _tables("org.Region")),
        ("Lists API school classes", f"/api/v1/schools/{school_id}/classes?page=1&page_size=50",
         _tables("org.SchoolClass")),
        ("Lists API terms", "/api/v1/terms", _tables("org.Term")),
        ("Lists page /students/", "/students/", _tables("students.Student")),
        ("Lists page /cases/", "/cases/", _tables("students.Case")),
        ("Lists page /iep/", "/iep/", _tables("iep.Plan")),
        ("Lists page /iep/sessions/", "/iep/sessions/", _tables("iep.Session")),
        ("Lists page /iep/below-minimum/", "/iep/below-minimum/", _tables("iep.WeeklyHours", "students.Student")),
        ("Lists page /audit/", "/audit/", _tables("core.AuditEvent")),
        ("Lists page /org/schools/", "/org/schools/", _tables("org.School")),
    ]


AUDIT_ROWS_PER_STUDENT = 16  # ≈ 10⁶ audit rows for the 60,000-student province: a year of list views and edits


def ensure_audit_rows(log):
    """The generated province has no history; a year of a province's audit log is ~10⁶ rows. Add them once (SQL,
    PostgreSQL only), spread over the students' schools and the last 365 days, marked ``client_address='bench'``."""
    from django.db import connection

    from suiban.core.models import AuditEvent
    from suiban.demo import scale
    from suiban.students.models import Student

    if connection.vendor != "postgresql" or AuditEvent.objects.filter(client_address="bench").exists():
        return
    log(f"Generating audit rows ({AUDIT_ROWS_PER_STUDENT} a student) …")
    with connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO {AuditEvent._meta.db_table} (at, actor_id, actor_username, action, object_type, object_id,
                object_repr, result, client_address, changes, region_path, school_id)
            SELECT now() - (random() * interval '365 days'), NULL, 'bench', 'students.student.updated', 'student',
                   s.id::text, s.name, 'success', 'bench', '{{}}'::jsonb, s.region_path, s.school_id
            FROM {Student._meta.db_table} s CROSS JOIN generate_series(1, %s) g
            WHERE s.region_path LIKE %s""", [AUDIT_ROWS_PER_STUDENT, f"{scale.PROVINCE_CODE}/%"])
        cur.execute(f"ANALYZE {AuditEvent._meta.db_table}")


def ensure_student_records(log):
    """generate_iep_scale writes no term evaluations, peer support or aids. Add them once (SQL, PostgreSQL only):
    an evaluation with its seven scores for every plan in the term before today's, peer support for one plan in
    three, an aid for one in two — marked by the evaluator / item name "基准"."""
    from django.db import connection, transaction
    from django.utils import timezone

    from suiban.iep.models import DIMENSIONS, AidIssue, Evaluation, EvaluationScore, PeerSupport, Plan
    from suiban.org.models import Term

    if connection.vendor != "postgresql" or AidIssue.objects.filter(notes="基准").exists():
        return
    today = timezone.localdate()
    term = Term.objects.filter(end_date__lt=today).order_by("-end_date").first() or \
        Term.objects.order_by("start_date").first()
    if term is None:
        return
    log("Generating term evaluations, peer support and aids …")
    ev, sc, ps, ai, pl = (m._meta.db_table for m in (Evaluation, EvaluationScore, PeerSupport, AidIssue, Plan))
    dims = ",".join(f"'{d}'" for d, _label in DIMENSIONS)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO {ev} (version, created_at, updated_at, student_id, school_id, region_path, term_id, plan_id,
                evaluated_on, evaluator_name, summary, social_adaptation, compensation, labour_skills,
                recorded_by_id)
            SELECT 1, now(), now(), p.student_id, p.school_id, p.region_path, %s, p.id,
                   %s::date - (p.id %% 20)::int, '基准', '', '', '', '', NULL
            FROM {pl} p ON CONFLICT DO NOTHING""", [term.pk, term.end_date])
        cur.execute(f"""
            INSERT INTO {sc} (evaluation_id, dimension, level, comment)
            SELECT e.id, d, (ARRAY['excellent','good','pass','developing'])[1 + (e.id % 4)::int], '基准'
            FROM {ev} e CROSS JOIN unnest(ARRAY[{dims}]) d WHERE e.evaluator_name = '基准'
            ON CONFLICT DO NOTHING""")
        cur.execute(f"""
            INSERT INTO {ps} (version, created_at, updated_at, student_id, school_id, region_path, mode, peers,
                starts_on, ends_on, notes, created_by_id)
            SELECT 1, now(), now(), p.student_id, p.school_id, p.region_path, 'one_to_one',
                   '[{{"name": "同桌", "student_id": null}}]'::jsonb, %s::date - (p.id %% 200)::int, NULL, '基准', NULL
            FROM {pl} p WHERE p.id %% 3 = 0""", [today])
        cur.execute(f"""
            INSERT INTO {ai} (version, created_at, updated_at, student_id, school_id, region_path, item, kind,
                issued_on, returned_on, notes, recorded_by_id)
            SELECT 1, now(), now(), p.student_id, p.school_id, p.region_path, '基准助听器', 'assistive_device',
                   %s::date - (p.id %% 300)::int, NULL, '基准', NULL
            FROM {pl} p WHERE p.id %% 2 = 0""", [today])
        for t in (ev, sc, ps, ai):
            cur.execute(f"ANALYZE {t}")


CASE_EVERY = 15  # one case a 15 students: ≈ 4,000 cases in the 60,000-student province, with their timelines


def ensure_cases(log):
    """The generated province has no cases; a province's year holds thousands (identifications, reassessments,
    transfers). Add them once (SQL, PostgreSQL only): a reassessment for one student in ``CASE_EVERY`` over the
    last 365 days, a third of them under review, each with its timeline — marked by the applicant "基准"."""
    from django.db import connection, transaction

    from suiban.demo import scale
    from suiban.students.models import Case, CaseEvent, Student

    if connection.vendor != "postgresql" or Case.objects.filter(applicant="基准").exists():
        return
    log("Generating cases with their timelines …")
    ca, ev, st = (m._meta.db_table for m in (Case, CaseEvent, Student))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO {ca} (version, created_at, updated_at, kind, student_id, school_id, region_path, state,
                applicant, reason, committee_opinion, decision, outcome, direction, refusal_reason,
                school_conditions, guardian_wishes, at_enrolment, target_response, deadline)
            SELECT 1, t, t, 'reassessment', s.id, s.school_id, s.region_path,
                   CASE WHEN s.id %% 3 = 0 THEN 'under_review' ELSE 'submitted' END, '基准', '年度复测', '', '', '',
                   '', '', '', '', false, '', (t + interval '30 days')::date
            FROM (SELECT s.*, now() - ((s.id %% 365) * interval '1 day') AS t FROM {st} s
                  WHERE s.region_path LIKE %s AND s.id %% %s = 0) s""", [f"{scale.PROVINCE_CODE}/%", CASE_EVERY])
        cur.execute(f"""
            INSERT INTO {ev} (case_id, at, actor_id, from_state, to_state, note)
            SELECT c.id, c.created_at, NULL::bigint, '', 'submitted', '' FROM {ca} c WHERE c.applicant = '基准'
            UNION ALL
            SELECT c.id, c.created_at + interval '2 days', NULL::bigint, 'submitted', 'under_review', ''
            FROM {ca} c WHERE c.applicant = '基准' AND c.state = 'under_review'""")
        for t in (ca, ev):
            cur.execute(f"ANALYZE {t}")


def floor_rows(args, log, u):
    """What any request costs before its list's SQL, measured in the same run: a request through the whole stack
    (middleware, routing, the API's error answer) that reads nothing — ``GET /api/v1/me`` without a token, 401 —
    and the token look-up's SQL alone, raw. A list whose bare SQL is below their sum cannot be within 2× of it."""
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench.run import measure, summary
    from suiban.accounts.models import ApiToken
    from suiban.accounts.services import _token_lookup, token_issue

    log("… reference: the floor of a request")
    anon = Client()

    def unauthenticated():
        if anon.get("/api/v1/me").status_code != 401:
            raise AssertionError("expected 401")

    key, _tok = token_issue(user=u["scale_district"])
    sql, _names, _conv = _token_lookup(connection)

    def token_sql():
        with connection.cursor() as cur:
            cur.execute(sql, [ApiToken.hash(key), connection.ops.adapt_datetimefield_value(timezone.now())])
            cur.fetchall()

    opts = {"repeat": args.repeat, "warmup": args.warmup, "budget": args.budget}
    return [
        {"name": "Lists reference: a request that reads nothing (GET /api/v1/me without a token → 401)",
         "kind": "reference", "user": "—", "path": "/api/v1/me", "status": "ok",
         **summary(measure(unauthenticated, **opts))},
        {"name": "Lists reference: the token look-up's SQL alone, raw", "kind": "reference", "user": "scale_district",
         "path": "—", "status": "ok", **summary(measure(token_sql, **opts))},
    ]


def list_benchmarks(args, log, u, api, pages, want):
    from django.utils import timezone

    from bench.run import bench_list
    from suiban.iep.sessions import week_start
    from suiban.org.models import School

    names = [e[0] for e in endpoints(0, timezone.localdate())]
    if not any(want(n) for n in [*names, "Lists reference"]):
        return []
    if any(want(f"Lists API {n}") for n in ("evaluations", "peer-support", "aids")):
        ensure_student_records(log)
    if want("Lists API cases") or want("Lists page /cases/"):
        ensure_cases(log)
    if want("Lists API audit") or want("Lists page /audit/"):
        ensure_audit_rows(log)
    school = School.objects.visible_to(u["scale_school"]).order_by("id").first()
    rows = floor_rows(args, log, u) if want("Lists reference") or want("Lists API") else []
    monday = week_start(timezone.localdate())
    for name, path, tables in endpoints(school.pk if school else 0, monday):
        if not want(name):
            continue
        clients = api if name.startswith("Lists API") else pages
        for who, scope in (("scale_province", "province"), ("scale_district", "district"),
                           ("scale_school", "school")):
            log(f"… {name} ({scope})")
            row = bench_list(f"{name} ({scope})", clients[who], path, args, username=who, kind="list2",
                             tables=tables)
            if row.get("status") == "error" and str(row.get("note", "")).startswith("HTTP 403"):
                row.update(status="not permitted", note="this role may not see the list (403)")
            rows.append(row)
    return rows

