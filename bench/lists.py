"""Every list endpoint and list page at province, district and school scope (issue 9 "Speed"): p95 ≤ 150 ms and
≤ 2× its bare SQL. Names start with "List" (``--only List``; ``--only "List API"`` or ``--only "List page"``).

The bare SQL of a list is the request's SELECTs on the list's own tables (the count, capped or not, and the
page ``SELECT … LIMIT`` with the same scope filter and order), captured and re-run raw (``bench.run.bare_sql``).
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
        ("List API students", "/api/v1/students?page=1&page_size=50", _tables("students.Student")),
        ("List API cases", "/api/v1/cases?page=1&page_size=50", _tables("students.Case")),
        ("List API ieps", "/api/v1/ieps?page=1&page_size=50", _tables("iep.Plan")),
        ("List API sessions", "/api/v1/sessions?page=1&page_size=50", _tables("iep.Session")),
        ("List API evaluations", "/api/v1/evaluations?page=1&page_size=50", _tables("iep.Evaluation")),
        ("List API peer-support", "/api/v1/peer-support?page=1&page_size=50", _tables("iep.PeerSupport")),
        ("List API aids", "/api/v1/aids?page=1&page_size=50", _tables("iep.AidIssue")),
        ("List API sessions/below-minimum", f"/api/v1/sessions/below-minimum?week={week}&page=1&page_size=50",
         _tables("iep.WeeklyHours", "students.Student")),
        ("List API audit", "/api/v1/audit?page=1&page_size=50", _tables("core.AuditEvent")),
        ("List API schools", "/api/v1/schools?page=1&page_size=50", _tables("org.School")),
        ("List API regions", "/api/v1/regions?page=1&page_size=50", _tables("org.Region")),
        ("List API school classes", f"/api/v1/schools/{school_id}/classes?page=1&page_size=50",
         _tables("org.SchoolClass")),
        ("List API terms", "/api/v1/terms", _tables("org.Term")),
        ("List page /students/", "/students/", _tables("students.Student")),
        ("List page /cases/", "/cases/", _tables("students.Case")),
        ("List page /iep/", "/iep/", _tables("iep.Plan")),
        ("List page /iep/sessions/", "/iep/sessions/", _tables("iep.Session")),
        ("List page /iep/below-minimum/", "/iep/below-minimum/", _tables("iep.WeeklyHours", "students.Student")),
        ("List page /audit/", "/audit/", _tables("core.AuditEvent")),
        ("List page /org/schools/", "/org/schools/", _tables("org.School")),
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


def list_benchmarks(args, log, u, api, pages, want):
    from django.utils import timezone

    from bench.run import bench_list
    from suiban.iep.sessions import week_start
    from suiban.org.models import School

    if not want("List"):
        return []
    if want("List API audit") or want("List page /audit/"):
        ensure_audit_rows(log)
    school = School.objects.visible_to(u["scale_school"]).order_by("id").first()
    rows = []
    monday = week_start(timezone.localdate())
    for name, path, tables in endpoints(school.pk if school else 0, monday):
        if not want(name):
            continue
        clients = api if name.startswith("List API") else pages
        for who, scope in (("scale_province", "province"), ("scale_district", "district"),
                           ("scale_school", "school")):
            log(f"… {name} ({scope})")
            row = bench_list(f"{name} ({scope})", clients[who], path, args, username=who, kind="list2",
                             tables=tables)
            rows.append(row)
    return rows

