"""Issue 4: the province-scale individual education generator (generate_iep_scale) on a tiny province."""

from io import StringIO

import pytest
from django.core.management import call_command

from suiban.demo import iep_scale as scale
from suiban.iep.models import Goal, Plan, PlanEvent, PlanVersion, Session, SessionAttendance, WeeklyHours
from suiban.iep.sessions import _aggregate
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

PATH = scale.PATH


def _run(**options) -> str:
    out = StringIO()
    call_command("generate_iep_scale", seed=1, stdout=out, **options)
    return out.getvalue()


def _counts() -> dict:
    plans = Plan.objects.filter(region_path__startswith=PATH)
    sessions = Session.objects.filter(region_path__startswith=PATH)
    return {"plans": plans.count(), "goals": Goal.objects.filter(plan__in=plans).count(),
            "sessions": sessions.count(),
            "attendances": SessionAttendance.objects.filter(session__in=sessions).count(),
            "weekly": WeeklyHours.objects.filter(student__region_path__startswith=PATH).count()}


def _delete():
    sessions = Session.objects.filter(region_path__startswith=PATH)
    WeeklyHours.objects.filter(student__region_path__startswith=PATH).delete()
    SessionAttendance.objects.filter(session__in=sessions).delete()
    sessions.delete()
    plans = Plan.objects.filter(region_path__startswith=PATH)
    for model in (PlanEvent, PlanVersion):  # append-only history: removed by a raw delete in the test only
        model.objects.filter(plan__in=plans)._raw_delete("default")
    Goal.objects.filter(plan__in=plans, parent__isnull=False).delete()
    Goal.objects.filter(plan__in=plans).delete()
    plans.delete()


@pytest.mark.django_db
def test_generate_iep_scale_counts_determinism_and_weekly_summary():
    call_command("generate_scale", students=50, seed=1, cities=1, districts=2, schools=10, stdout=StringIO())
    inclusion = Student.objects.filter(region_path__startswith=PATH, placement__in=INCLUSION_PLACEMENTS,
                                       status__in=ACTIVE_STATUSES)
    n = inclusion.count()
    assert n > 20
    out = _run(attendances=3000)
    assert "attendance" in out and " s (fingerprint" in out
    c = _counts()
    weeks = len(scale.term_weeks(scale.school_year(scale.timezone.localdate()), scale.timezone.localdate()))
    assert c["plans"] == n and c["goals"] == 6 * n
    assert set(Plan.objects.filter(region_path__startswith=PATH).values_list("state", "revision")) == {("in_force", 1)}
    assert PlanVersion.objects.filter(plan__region_path__startswith=PATH).count() == n
    assert Goal.objects.filter(plan__region_path__startswith=PATH, kind=Goal.SHORT, parent__isnull=False).count() \
        == 4 * n
    if weeks:
        assert 2400 <= c["attendances"] <= 3600, c  # about the requested row count
        assert c["weekly"] > 0
    # idempotent: a second run adds nothing
    assert "nothing to do" in _run(attendances=3000)
    assert _counts() == c
    # WeeklyHours equals the recomputation from the sessions (as the session service would write it)
    ids = list(inclusion.order_by("pk").values_list("pk", flat=True)[:5])
    for sid in ids:
        got = {(w.student_id, w.week_start): (w.delivered_hours, w.delivered_sessions)
               for w in WeeklyHours.objects.filter(student_id=sid)}
        keys = {(sid, scale.week_start(d)) for d in SessionAttendance.objects.filter(student_id=sid)
                .values_list("date", flat=True)}
        sums = _aggregate([sid], scale.date(1900, 1, 1), scale.date(2999, 12, 31))
        assert set(got) == keys
        for key in keys:
            hours, sessions = sums.get(key, (0, 0))
            assert got[key] == (hours, sessions)
    # deterministic: the same sessions again after deleting them
    first = scale.generate(seed=1, attendances=3000, log=None)
    assert first["counts"] == {}
    fp = _fingerprint()
    _delete()
    again = scale.generate(seed=1, attendances=3000, log=None)
    assert _counts() == c
    assert _fingerprint() == fp
    assert again["counts"]["session_attendances"] == c["attendances"]


def _fingerprint():
    return sorted((a.student.student_number, a.date, a.session.hours, a.session.kind, a.session.outcome)
                  for a in SessionAttendance.objects.filter(student__region_path__startswith=PATH)
                  .select_related("student", "session"))
