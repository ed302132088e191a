"""Findings of the staff module (OV-1): pools late or missing (ST-1), resource or itinerant teachers without a
qualification basis (ST-3), teachers without training this school year (ST-7), schools with students in
inclusion but no full-time resource teacher or a part-timer below the room share (ST-4)."""

from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban import policy
from suiban.core.registry import Check, FindingData, checks
from suiban.org.models import School, SchoolYear
from suiban.staff import selectors
from suiban.staff.models import Pool, StaffMember, StaffYear, Training


def _year():
    return SchoolYear.current()


def _ordinary_schools(school_ids):
    qs = School.objects.filter(is_active=True).exclude(kind=School.SPECIAL)
    return qs if school_ids is None else qs.filter(pk__in=school_ids)


def pool_filing(school_ids):
    """ST-1: after the ⚙ deadline, a school without a filed pool (missing) or one filed after it (late)."""
    sy = _year()
    if sy is None:
        return
    today = timezone.localdate()
    pools = Pool.objects.filter(school=OuterRef("pk"), school_year=sy)
    schools = _ordinary_schools(school_ids).annotate(
        has_filed=Exists(pools.filter(state=Pool.FILED)))
    filed = {sid: (at, late) for sid, at, late in Pool.objects.filter(
        school_year=sy, state=Pool.FILED, school__in=schools).values_list("school_id", "filed_at", "filed_late")}
    for s in schools:
        deadline = selectors.deadline_for(s, sy)
        if not s.has_filed:
            if today > deadline:
                yield FindingData("school", s.pk, s.name, s.pk, _(
                    "No resource-teacher pool has been filed for %(year)s (deadline %(deadline)s).")
                    % {"year": sy.name, "deadline": deadline.isoformat()}, due_date=deadline, key=f"missing:{sy.name}")
        elif filed[s.pk][1]:
            at = timezone.localtime(filed[s.pk][0]).date()
            yield FindingData("school", s.pk, s.name, s.pk, _(
                "The resource-teacher pool for %(year)s was filed on %(at)s, after the deadline %(deadline)s.")
                % {"year": sy.name, "at": at.isoformat(), "deadline": deadline.isoformat()},
                key=f"late:{sy.name}")


def qualification(school_ids):
    """ST-3: resource teachers of a pool and itinerant teachers without a qualification basis."""
    sy = _year()
    if sy is None:
        return
    for s in selectors.lacking_qualification(school_ids, sy):
        yield FindingData("staff", s.pk, s.name, s.school_id, _(
            "%(name)s teaches as a resource or itinerant teacher without a special-education degree or the "
            "provincial training certificate.") % {"name": s.name})


def untrained(school_ids):
    """ST-7: teachers of a pool, itinerant teachers and centre staff with no training this school year."""
    sy = _year()
    if sy is None:
        return
    trained = Training.objects.filter(staff=OuterRef("pk"), school_year=sy)
    in_pool = Pool.objects.filter(school_year=sy, members__staff=OuterRef("pk"))
    qs = (StaffMember.objects.filter(is_active=True, kind__in=(StaffMember.TEACHER, StaffMember.SPECIAL_TEACHER,
                                                               StaffMember.CENTRE))
          .filter(Exists(in_pool) | Exists(StaffMember.objects.filter(pk=OuterRef("pk"), itinerant=True)))
          .exclude(Exists(trained)))
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    for s in qs:
        yield FindingData("staff", s.pk, s.name, s.school_id, _(
            "%(name)s has no special-education training recorded in %(year)s.") % {"name": s.name, "year": sy.name},
            key=sy.name)


def staffing(school_ids):
    """ST-4: students in inclusion but fewer full-time resource teachers than the ⚙ ratio asks (at least one),
    or a part-time resource teacher below the ⚙ share of workload in the resource room."""
    sy = _year()
    if sy is None:
        return
    schools = {s.pk: s for s in _ordinary_schools(school_ids)}
    students = selectors.students_in_inclusion(list(schools) if school_ids is not None else None)
    full = selectors.full_time_resource_teachers(list(schools) if school_ids is not None else None, sy)
    for sid, n in students.items():
        s = schools.get(sid)
        if s is None or n == 0:
            continue
        needed = -(-n // policy.value(s, "students_per_resource_teacher"))
        have = full.get(sid, 0)
        if have < needed:
            yield FindingData("school", sid, s.name, sid, _(
                "%(n)d students in inclusion call for %(needed)d full-time resource teacher(s); the school has "
                "%(have)d.") % {"n": n, "needed": needed, "have": have}, key=f"full_time:{sy.name}")
    for y in (StaffYear.objects.filter(school_year=sy, full_time_resource=False, room_share__isnull=False,
                                       school_id__in=list(schools)).select_related("staff", "school")):
        minimum = Decimal(str(policy.value(y.school, "part_time_min_share")))
        if y.room_share < minimum:
            yield FindingData("staff", y.staff_id, y.staff.name, y.school_id, _(
                "%(name)s spends %(share)s%% of the workload in the resource room; a part-time resource teacher "
                "spends at least %(min)s%%.") % {"name": y.staff.name, "share": f"{y.room_share * 100:.0f}",
                                                  "min": f"{minimum * 100:.0f}"}, key=f"share:{sy.name}")


checks.register(Check(
    rule="ST-1", severity="warning", subject_type="school",
    title=gettext_lazy("Resource-teacher pool not filed on time"),
    action=gettext_lazy("File the school's resource-teacher pool with the bureau."),
    assignee_permission="staff.file", compute=pool_filing, code="ST-1.pool_filing",
    watches=("staff.pool",)))
checks.register(Check(
    rule="ST-3", severity="violation", subject_type="staff",
    title=gettext_lazy("Resource or itinerant teacher without a qualification basis"),
    action=gettext_lazy("Record the teacher's degree or provincial training certificate, or arrange the training."),
    assignee_permission="staff.edit", compute=qualification, code="ST-3.qualification",
    watches=("staff.staffmember", "staff.poolmember")))
checks.register(Check(
    rule="ST-7", severity="warning", subject_type="staff",
    title=gettext_lazy("Teacher without training this school year"),
    action=gettext_lazy("Arrange special-education training and record it."),
    assignee_permission="staff.edit", compute=untrained, code="ST-7.untrained",
    watches=("staff.training", "staff.poolmember")))
checks.register(Check(
    rule="ST-4", severity="warning", subject_type="school",
    title=gettext_lazy("Resource-room staffing below the rule"),
    action=gettext_lazy("Name enough full-time resource teachers and keep part-timers' room share."),
    assignee_permission="staff.edit", compute=staffing, code="ST-4.staffing",
    watches=("staff.pool", "staff.poolmember", "staff.staffyear", "students.student")))
