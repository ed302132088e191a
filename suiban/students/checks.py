"""Checks of the student register for the findings engine (OV-1): certificates about to expire (PL-1), classes
over the cap (PL-4), refused transfers (PL-7), cases past their deadline (PL-9) and incomplete archives (AR-1).

Each ``compute(school_ids)`` is one set-based pass (None: every school); policy values are resolved per school
through the cached policy resolution, never per student.
"""

from datetime import date, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban import policy
from suiban.core import runmemo
from suiban.core.registry import Check, FindingData, checks
from suiban.org.models import School, SchoolClass, SchoolYear
from suiban.students.models import (
    ACTIVE_STATUSES,
    ARCHIVE_ITEMS,
    CAPPED_PLACEMENT,
    INCLUSION_PLACEMENTS,
    ArchiveFile,
    Case,
    Student,
)

# AR-1: the items every student in inclusion should have on file once enrolled (the later items — exam analysis,
# development evaluations, growth portfolio, adaptive-behaviour assessment — accrue over the years).
ARCHIVE_REQUIRED = (1, 2, 3, 4, 5, 6)


def today() -> date:
    return timezone.localdate()


def school_values(school_ids, name: str) -> dict[int, object]:
    """{school id: policy value of ``name``} for ``school_ids`` (None: every school). Resolved once per district
    (the value its schools inherit) and once per school with its own override — not once per school. Within one
    run of the findings engine the schools, their districts and their overrides are read once for every name."""
    return runmemo.memo(("school_values", runmemo.ids_key(school_ids), name),
                        lambda: _school_values(school_ids, name))


def _school_places(school_ids):
    """(rows of (school id, region id), {region id: region}, {(school id, policy name)} overridden) for the run."""
    from suiban.org.models import Region
    from suiban.policy.models import PolicyOverride

    def read():
        qs = School.objects.all() if school_ids is None else School.objects.filter(pk__in=school_ids)
        rows = list(qs.values_list("pk", "region_id"))
        regions = {r.pk: r for r in Region.objects.filter(pk__in={rid for _pk, rid in rows})} if rows else {}
        own = set()
        if rows:
            overrides = PolicyOverride.objects.filter(school__isnull=False)
            if school_ids is not None:
                overrides = overrides.filter(school_id__in=[pk for pk, _r in rows])
            own = set(overrides.values_list("school_id", "name"))
        return rows, regions, own

    return runmemo.memo(("school_places", runmemo.ids_key(school_ids)), read)


def _school_values(school_ids, name: str) -> dict[int, object]:
    rows, regions, own = _school_places(school_ids)
    by_region = {rid: policy.value(r, name) for rid, r in regions.items()}
    out = {pk: by_region[rid] for pk, rid in rows}
    mine = [sid for sid, n in own if n == name]
    if mine:
        for school in School.objects.filter(pk__in=mine).select_related("region"):
            out[school.pk] = policy.value(school, name)
    return out


def _students(school_ids):
    qs = Student.objects.all()
    return qs if school_ids is None else qs.filter(school_id__in=school_ids)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


# --- PL-1: disability certificate expiring -----------------------------------------------------------------
def certificate_expiring(school_ids):
    validity = school_values(school_ids, "certificate_validity_years")
    warning = school_values(school_ids, "certificate_warning_days")
    if not validity:
        return
    on = today()
    latest_issue = _add_years(on + timedelta(days=max(warning.values())), -min(validity.values()))
    rows = (_students(school_ids).filter(status__in=ACTIVE_STATUSES, certificate_issued_on__isnull=False,
                                         certificate_issued_on__lte=latest_issue)
            .values_list("pk", "name", "school_id", "certificate_issued_on"))
    for pk, name, school_id, issued in rows:
        expires = _add_years(issued, validity[school_id])
        if expires - timedelta(days=warning[school_id]) > on:
            continue
        evidence = (_("The disability certificate expired on %(date)s.") if expires < on
                    else _("The disability certificate expires on %(date)s.")) % {"date": expires.isoformat()}
        yield FindingData("student", pk, name, school_id, evidence, due_date=expires)


checks.register(Check(
    rule="PL-1", severity="warning", subject_type="student",
    title=gettext_lazy("Disability certificate expiring"),
    action=gettext_lazy("Ask the guardian to renew the disability certificate and record the new one."),
    assignee_permission="students.edit", compute=certificate_expiring,
    watches=("students.student", "policy.policyoverride")))


# --- PL-4: class over the cap ------------------------------------------------------------------------------
def _class_counts(school_ids, year):
    """{class id: (school id, students in inclusion, class name)} of the school year's ordinary classes with any
    随班就读 student — one read shared by the advised and the hard limit in a run of the findings engine.
    PL-2/PL-4: the cap is an ordinary class's and counts its 随班就读 students; special classes are left out."""
    def read():
        rows = list(_students(school_ids).filter(status__in=ACTIVE_STATUSES, placement=CAPPED_PLACEMENT,
                                                 school_class__school_year=year,
                                                 school_class__kind=SchoolClass.ORDINARY)
                    .order_by().values("school_class_id", "school_id", "school_class__name").annotate(n=Count("id")))
        return {r["school_class_id"]: (r["school_id"], r["n"], r["school_class__name"]) for r in rows}

    return runmemo.memo(("students.class_counts", runmemo.ids_key(school_ids), year.pk), read)


def _classes_over(school_ids, param: str):
    year = SchoolYear.current(today())
    if year is None:
        return
    limit = school_values(school_ids, param)
    if not limit:
        return
    for class_id, (school_id, n, name) in _class_counts(school_ids, year).items():
        if n <= limit[school_id]:
            continue
        evidence = _("%(n)s students in inclusion in this class; the limit is %(max)s.") % {
            "n": n, "max": limit[school_id]}
        yield FindingData("class", class_id, name, school_id, evidence)


def class_over_advised(school_ids):
    yield from _classes_over(school_ids, "class_advised_max")


def class_over_hard(school_ids):
    yield from _classes_over(school_ids, "class_hard_max")


CLASS_WATCHES = ("students.student", "org.schoolclass", "policy.policyoverride")
checks.register(Check(
    rule="PL-4", severity="warning", subject_type="class",
    title=gettext_lazy("More students in inclusion in a class than advised"),
    action=gettext_lazy("Place further students in inclusion in other classes of the grade."),
    assignee_permission="org.manage_classes", compute=class_over_advised, watches=CLASS_WATCHES))
checks.register(Check(
    rule="PL-4", severity="violation", subject_type="class", code="PL-4.hard",
    title=gettext_lazy("More students in inclusion in a class than allowed"),
    action=gettext_lazy("Move students in inclusion to other classes until the class is within the limit."),
    assignee_permission="org.manage_classes", compute=class_over_hard, watches=CLASS_WATCHES))


# --- PL-9: cases past their deadline; PL-7: refused transfers ----------------------------------------------
def _cases(school_ids):
    qs = Case.objects.filter(state__in=Case.OPEN_STATES)
    return qs if school_ids is None else qs.filter(school_id__in=school_ids)


def _case_name(kind: str, student_name: str) -> str:
    return f"{dict(Case.KINDS).get(kind, kind)} · {student_name}"


def cases_past_deadline(school_ids):
    on = today()
    rows = (_cases(school_ids).filter(deadline__lt=on)
            .values_list("pk", "kind", "student__name", "school_id", "deadline", "state"))
    states = dict(Case.STATES)
    for pk, kind, name, school_id, deadline, state in rows:
        evidence = _("The case is still “%(state)s”; its deadline was %(date)s.") % {
            "state": states.get(state, state), "date": deadline.isoformat()}
        yield FindingData("case", pk, _case_name(kind, name), school_id, evidence, due_date=deadline)


checks.register(Check(
    rule="PL-9", severity="violation", subject_type="case",
    title=gettext_lazy("Case past its deadline"),
    action=gettext_lazy("Move the case on to its next step or decide it."),
    assignee_permission="cases.decide", compute=cases_past_deadline, watches=("students.case",)))


def refused_transfers(school_ids):
    rows = (_cases(school_ids).filter(kind="transfer", target_response="refused")
            .values_list("pk", "kind", "student__name", "school_id", "target_school__name", "refusal_reason",
                         "deadline"))
    for pk, kind, name, school_id, target, reason, deadline in rows:
        evidence = _("%(school)s refused the transfer. Reason given: %(reason)s") % {
            "school": target or "", "reason": reason or "—"}
        yield FindingData("case", pk, _case_name(kind, name), school_id, evidence, due_date=deadline)


checks.register(Check(
    rule="PL-7", severity="warning", subject_type="case",
    title=gettext_lazy("Transfer refused by the receiving school"),
    action=gettext_lazy("Review the refusal and its reason, then decide the placement."),
    assignee_permission="cases.decide", compute=refused_transfers, watches=("students.case",)))


# --- AR-1: archives incomplete -----------------------------------------------------------------------------
def archives_incomplete(school_ids):
    students = list(_students(school_ids).filter(status__in=ACTIVE_STATUSES, placement__in=INCLUSION_PLACEMENTS)
                    .values_list("pk", "name", "school_id"))
    if not students:
        return
    have: dict[int, set] = {}
    files = ArchiveFile.objects.filter(item__in=ARCHIVE_REQUIRED).order_by().values_list("student_id", "item")
    if school_ids is not None:
        files = files.filter(student__school_id__in=school_ids)
    for student_id, item in files.distinct():
        have.setdefault(student_id, set()).add(item)
    labels = dict(ARCHIVE_ITEMS)
    for pk, name, school_id in students:
        missing = [i for i in ARCHIVE_REQUIRED if i not in have.get(pk, ())]
        if missing:
            evidence = _("Missing from the archive: %(items)s.") % {
                "items": "、".join(str(labels[i]) for i in missing)}
            yield FindingData("student", pk, name, school_id, evidence)


checks.register(Check(
    rule="AR-1", severity="info", subject_type="student",
    title=gettext_lazy("Student archive incomplete"),
    action=gettext_lazy("Upload the missing documents to the student's archive."),
    assignee_permission="archives.edit", compute=archives_incomplete,
    watches=("students.student", "students.archivefile")))


__all__ = ["ARCHIVE_REQUIRED", "school_values"]
