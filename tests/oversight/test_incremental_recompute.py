"""The incremental recompute of one school after an edit (OV-1): every check watching the edited model runs in
one transaction, reading its inputs once per school — the query count does not grow with the school's students,
and the rows several checks share (districts, policy values, plans, classes) are read once per run."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suiban.core import runmemo
from suiban.oversight import engine
from suiban.students.models import INCLUSION_PLACEMENTS, Student
from tests.oversight.helpers import open_finding

HC_S1 = "3502050101"
# queries of one incremental recompute after a student edit: per check about one read of its inputs, plus the
# shared reads of the run (open findings, schools, districts, policy overrides, school year, classes) and the
# region-level census check; a bound, not a target (PostgreSQL p95 figures are in bench/results/oversight-*.md)
MAX_QUERIES = 40


def _school():
    return (Student.objects.filter(school__code=HC_S1, status="active", placement__in=INCLUSION_PLACEMENTS)
            .order_by("student_number").first().school)


def _queries(school_id, keys):
    with CaptureQueriesContext(connection) as ctx:
        engine.recompute([school_id], check_keys=keys)
    return [q["sql"] for q in ctx.captured_queries]


def _clone_students(school, n):
    """``n`` more students in inclusion in the school (copies of one, new identity numbers)."""
    from suiban.core.crypto import lookup_hash
    from suiban.core.idnumbers import make_id_number

    model = Student.objects.filter(school=school, status="active", placement__in=INCLUSION_PLACEMENTS).first()
    for i in range(n):
        idn = make_id_number(school.region.code, model.birth_date, 700 + i, "female")
        model.pk = None
        model.id = None
        model.student_number = f"Q{i:05d}"
        model.student_number_hash = lookup_hash(model.student_number)
        model.id_number, model.id_number_hash = idn, lookup_hash(idn)
        model.certificate_issued_on = timezone.localdate().replace(year=timezone.localdate().year - 10)
        model.save()


def test_incremental_recompute_reads_each_input_once_per_school(world):
    """OV-1: after a student edit the school's checks run with a bounded number of queries that does not grow with
    the school's students (one query per check per school, shared reads once per run)."""
    engine.recompute(None)
    school = _school()
    keys = engine.checks_watching(["students.student"])
    before = _queries(school.pk, keys)
    assert len(before) <= MAX_QUERIES, "\n".join(before)
    _clone_students(school, 12)
    after = _queries(school.pk, keys)
    # a check that finds something new adds its insert and one look-up of subjects that moved in
    assert len(after) <= len(before) + 2 * len(keys), "\n".join(after)
    again = _queries(school.pk, keys)
    assert len(again) <= len(before), "\n".join(again)


def test_shared_reads_happen_once_per_run(world):
    """OV-1: the current school year, the schools' districts and policy overrides and the students' plans are read
    once in a run, however many checks ask for them."""
    engine.recompute(None)
    school = _school()
    sql = _queries(school.pk, engine.checks_watching(["students.student"]))
    assert sum('FROM "org_schoolyear"' in q and '"org_schoolyear"."start_date" <=' in q
               and "end_date" not in q.split("WHERE")[1] for q in sql) <= 1
    assert sum('FROM "policy_policyoverride"' in q and "school_id" in q.split("FROM")[0] for q in sql) <= 2
    assert sum('FROM "iep_plan"' in q or '"iep_plan" U0' in q for q in sql if q.startswith("SELECT")) <= 1


def test_incremental_recompute_finds_and_resolves_in_one_transaction(world):
    """OV-1: the incremental run stores what the edit changed — a certificate now expiring opens its finding, the
    renewed one resolves it — and nothing else (a second run changes nothing)."""
    engine.recompute(None)
    s = (Student.objects.filter(school__code=HC_S1, status="active", placement__in=INCLUSION_PLACEMENTS)
         .order_by("student_number").first())
    keys = engine.checks_watching(["students.student"])
    Student.objects.filter(pk=s.pk).update(
        certificate_issued_on=timezone.localdate().replace(year=timezone.localdate().year - 10) + timedelta(days=5))
    stats = engine.recompute([s.school_id], check_keys=keys)
    assert stats.created >= 1 and open_finding("PL-1", "student", s.pk) is not None
    assert engine.recompute([s.school_id], check_keys=keys).created == 0
    Student.objects.filter(pk=s.pk).update(certificate_issued_on=timezone.localdate())
    stats = engine.recompute([s.school_id], check_keys=keys)
    assert stats.resolved >= 1 and open_finding("PL-1", "student", s.pk) is None


def test_the_memo_lives_for_one_run_only():
    """OV-1: outside a run every read is fresh; inside one it is read once; the memo is gone after the run."""
    calls = []

    def read():
        calls.append(1)
        return len(calls)

    assert runmemo.memo("k", read) == 1 and runmemo.memo("k", read) == 2
    with runmemo.active():
        assert runmemo.memo("k", read) == 3 and runmemo.memo("k", read) == 3
        with runmemo.active():
            assert runmemo.memo("k", read) == 3
    assert runmemo.memo("k", read) == 4
