"""The findings engine (OV-1): runs the registered checks and reconciles their output with the stored findings.

Set-based: each check is computed once over all schools (or over the few schools an edit touched) and the
result is written in bulk — new findings created, changed ones updated, and the open findings the data no longer
yields marked resolved. Nothing is ever deleted. The engine knows no domain rule: the checks come from the
registry (``suiban.core.registry.checks``), filled by each app's ``checks.py``.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from suiban.core import runmemo
from suiban.core.registry import Check, FindingData, checks
from suiban.oversight.models import Finding

log = logging.getLogger("suiban.oversight")
REGION_SUBJECTS = ("region", "census_child")  # checks above the schools are always computed in full
UPDATABLE = ("subject_name", "evidence", "due_date", "school_id", "region_id", "region_path", "class_id",
             "student_id", "severity", "rule")


@dataclass
class Stats:
    created: int = 0
    updated: int = 0
    resolved: int = 0
    checks: int = 0

    def add(self, other: "Stats"):
        self.created += other.created
        self.updated += other.updated
        self.resolved += other.resolved
        self.checks += other.checks


def checks_watching(labels: Iterable[str]) -> list[str]:
    """The codes of the checks whose result may change when a model of ``labels`` ("app_label.model") changes."""
    wanted = {label.lower() for label in labels}
    return [c.key for c in checks.checks.values() if wanted & {w.lower() for w in c.watches}]


def watched_labels() -> set[str]:
    return {w.lower() for c in checks.checks.values() for w in c.watches}


def recompute(school_ids: list[int] | None = None, *, check_keys: Iterable[str] | None = None) -> Stats:
    """Run the checks (all, or ``check_keys``) for ``school_ids`` (None: every school) and store the result.
    Evidence is written in the site's language, whoever's request started the run."""
    with translation.override(settings.LANGUAGE_CODE):
        return _recompute(school_ids, check_keys)


def _recompute(school_ids, check_keys) -> Stats:
    selected = [checks.checks[k] for k in (check_keys if check_keys is not None else checks.checks)
                if k in checks.checks]
    if school_ids is not None:
        return _recompute_schools(selected, list(school_ids))
    total = Stats()
    with runmemo.active():  # the rows several checks share are read once for the run
        for check in selected:
            try:
                total.add(_run(check, None))
            except IntegrityError:  # a concurrent run stored the same finding first: compute once more
                total.add(_run(check, None))
    return total


def _run(check: Check, school_ids: list[int] | None) -> Stats:
    found = _compute(check, school_ids)
    with transaction.atomic():
        return _reconcile(check, school_ids, found)


def _compute(check: Check, school_ids: list[int] | None) -> dict[tuple, FindingData]:
    found: dict[tuple, FindingData] = {}
    for fd in check.compute(list(school_ids) if school_ids is not None else None):
        found[(fd.subject_type, int(fd.subject_id), fd.key or "")] = fd
    return found


def _recompute_schools(selected: list[Check], school_ids: list[int]) -> Stats:
    """The incremental recompute of a few schools (after an edit): every selected check in ONE transaction, the
    open findings of all of them read in one query, and the rows several checks share (schools, districts, policy
    values, plans, the students' classes) read once for the run (``suiban.core.runmemo``). A concurrent run that
    stored the same finding first makes the whole run start again once."""
    for attempt in (1, 2):
        try:
            with runmemo.active(), transaction.atomic():
                return _run_schools(selected, school_ids)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _run_schools(selected: list[Check], school_ids: list[int]) -> Stats:
    scoped = [c.key for c in selected if c.subject_type not in REGION_SUBJECTS]
    open_rows: dict[str, dict[tuple, Finding]] = {k: {} for k in scoped}
    if scoped:
        for f in Finding.objects.filter(check_code__in=scoped, state="open", school_id__in=school_ids):
            open_rows[f.check_code][(f.subject_type, f.subject_id, f.key)] = f
    total = Stats()
    for check in selected:
        if check.subject_type in REGION_SUBJECTS:
            total.add(_reconcile(check, None, _compute(check, None)))
        else:
            total.add(_reconcile(check, school_ids, _compute(check, school_ids), existing=open_rows[check.key]))
    return total


def _places(found: dict, school_ids=None) -> tuple[dict, dict, dict]:
    """Region paths of the schools and regions named, and (school class) of the students named. For a recompute
    of a few schools the schools' paths and their students' classes are read once for the run."""
    from suiban.org.models import Region, School
    from suiban.students.models import Student

    if not found:
        return {}, {}, {}
    wanted_schools = {fd.school_id for fd in found.values() if fd.school_id}
    region_ids = {fd.region_id for fd in found.values() if fd.region_id}
    student_ids = [sid for (stype, sid, _k) in found if stype == "student"]
    if school_ids is not None and wanted_schools <= set(school_ids):
        schools = runmemo.memo(("engine.school_paths", runmemo.ids_key(school_ids)), lambda: dict(
            School.objects.filter(pk__in=school_ids).values_list("pk", "region_path")))
    else:
        schools = dict(School.objects.filter(pk__in=wanted_schools).values_list("pk", "region_path")) \
            if wanted_schools else {}
    regions = dict(Region.objects.filter(pk__in=region_ids).values_list("pk", "path")) if region_ids else {}
    classes = {}
    if school_ids is not None and student_ids:
        classes = runmemo.memo(("engine.classes", runmemo.ids_key(school_ids)), lambda: dict(
            Student.objects.filter(school_id__in=school_ids).values_list("pk", "school_class_id")))
        student_ids = [sid for sid in student_ids if sid not in classes]  # a student who moved in meanwhile
        if student_ids:
            classes = dict(classes)
    for i in range(0, len(student_ids), 5000):
        classes.update(Student.objects.filter(pk__in=student_ids[i:i + 5000]).values_list("pk", "school_class_id"))
    return schools, regions, classes


def _values(check: Check, fd: FindingData, schools, regions, classes) -> dict:
    path = schools.get(fd.school_id) if fd.school_id else regions.get(fd.region_id, "")
    student = int(fd.subject_id) if fd.subject_type == "student" else None
    return {"rule": check.rule, "severity": check.severity, "subject_name": (fd.subject_name or "")[:200],
            "evidence": str(fd.evidence), "due_date": fd.due_date, "school_id": fd.school_id,
            "region_id": fd.region_id, "region_path": path or "", "student_id": student,
            "class_id": classes.get(student) if student else None}


def _reconcile(check: Check, school_ids, found: dict, existing: dict | None = None) -> Stats:
    """Store what ``check`` found for ``school_ids`` (None: everywhere): create, update, resolve. ``existing``: its
    open findings in those schools when the caller has read them already."""
    if not found and existing is not None and not existing:
        return Stats(checks=1)  # nothing found, nothing open: no query
    now = timezone.now()
    code = check.key
    existing_qs = Finding.objects.filter(check_code=code, state="open")
    if existing is None:
        scope_qs = existing_qs.filter(school_id__in=school_ids) if school_ids is not None else existing_qs
        existing = {(f.subject_type, f.subject_id, f.key): f for f in scope_qs}
    else:
        existing = dict(existing)
    # A subject that moved to one of these schools may still have its open finding under its old school.
    missing_ids = sorted({k[1] for k in found if k not in existing})
    if school_ids is not None and missing_ids:
        for i in range(0, len(missing_ids), 5000):
            for f in existing_qs.filter(subject_id__in=missing_ids[i:i + 5000]):
                existing.setdefault((f.subject_type, f.subject_id, f.key), f)
    schools, regions, classes = _places(found, school_ids)
    create, update, resolve = [], [], []
    for k, fd in found.items():
        values = _values(check, fd, schools, regions, classes)
        row = existing.get(k)
        if row is None:
            create.append(Finding(check_code=code, subject_type=k[0], subject_id=k[1], key=k[2], state="open",
                                  first_seen=now, **values))
            continue
        if any(getattr(row, f) != values[f] for f in UPDATABLE):
            for f in UPDATABLE:
                setattr(row, f, values[f])
            update.append(row)
    for k, row in existing.items():
        if k not in found and (school_ids is None or row.school_id in school_ids):
            row.state, row.resolved_at = "resolved", now
            resolve.append(row)
    Finding.objects.bulk_create(create, batch_size=1000)
    if update:
        Finding.objects.bulk_update(update, list(UPDATABLE), batch_size=1000)
    if resolve:
        Finding.objects.bulk_update(resolve, ["state", "resolved_at"], batch_size=1000)
    return Stats(created=len(create), updated=len(update), resolved=len(resolve), checks=1)
