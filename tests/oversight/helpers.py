"""Shared steps of the oversight tests: run the engine for one school and read the findings of a check."""

from suiban.oversight import engine
from suiban.oversight.models import Finding


def run(school_id=None, *codes):
    """Recompute (all checks, or ``codes``) for one school (None: every school)."""
    return engine.recompute([school_id] if school_id else None, check_keys=list(codes) or None)


def open_finding(code, subject_type, subject_id, key=None):
    qs = Finding.objects.filter(check_code=code, subject_type=subject_type, subject_id=subject_id, state="open")
    if key is not None:
        qs = qs.filter(key=key)
    return qs.first()


def last(code, subject_type, subject_id):
    return (Finding.objects.filter(check_code=code, subject_type=subject_type, subject_id=subject_id)
            .order_by("-id").first())


def assert_cycle(code, subject_type, subject_id, school_id, violate, mend, rule=None):
    """OV-1: the violation yields an open finding with the rule id; the mended data resolves it (kept, not
    deleted)."""
    violate()
    run(school_id, code)
    f = open_finding(code, subject_type, subject_id)
    assert f is not None, f"{code}: no open finding for {subject_type} {subject_id}"
    assert f.rule == (rule or code.split(".")[0])
    assert f.evidence
    mend()
    run(school_id, code)
    f.refresh_from_db()
    assert f.state == "resolved" and f.resolved_at is not None
    assert open_finding(code, subject_type, subject_id) is None
    return f
