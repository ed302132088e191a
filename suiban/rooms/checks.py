"""Findings of resource rooms (OV-1): schools at or over ⚙ resource_room_min_students in inclusion with no room
serving them (RR-1), rooms under ⚙ resource_room_min_area (RR-2), rectifications past their deadline (RR-6) and
rooms without a full-time resource teacher in the school's pool (ST-4)."""

from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban import policy
from suiban.core.registry import Check, FindingData, checks
from suiban.org.models import School, SchoolYear
from suiban.rooms.models import Assessment, Room
from suiban.rooms.services import today
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS


def _schools(school_ids):
    qs = School.objects.filter(is_active=True).exclude(kind=School.SPECIAL)
    return qs.filter(pk__in=school_ids) if school_ids is not None else qs


def schools_without_room(school_ids=None):
    """RR-1: at/over the threshold and neither owning an active room nor served by one."""
    own = Room.objects.filter(is_active=True, school=OuterRef("pk"))
    serving = Room.serves.through.objects.filter(room__is_active=True, school=OuterRef("pk"))
    qs = (_schools(school_ids).exclude(Exists(own)).exclude(Exists(serving))  # one query, only these schools
          .annotate(n=Count("students", filter=Q(students__placement__in=INCLUSION_PLACEMENTS,
                                                 students__status__in=ACTIVE_STATUSES), distinct=True)))
    for s in qs.filter(n__gt=0):
        minimum = policy.value(s, "resource_room_min_students")
        if s.n >= minimum:
            yield FindingData("school", s.pk, s.name, s.pk,
                              _("%(n)s students in inclusion (threshold %(min)s) and no resource room serving the "
                                "school.") % {"n": s.n, "min": minimum}, key="no_room")


def small_rooms(school_ids=None):
    qs = Room.objects.filter(is_active=True).select_related("school")
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    for r in qs:
        minimum = Decimal(str(policy.value(r.school, "resource_room_min_area")))
        if r.area_m2 < minimum:
            yield FindingData("room", r.pk, str(r), r.school_id,
                              _("Area %(area)s m², below the required %(min)s m².") % {"area": r.area_m2,
                                                                                      "min": minimum})


def overdue_rectification(school_ids=None):
    qs = Assessment.objects.filter(state=Assessment.RECTIFICATION, rectification_due__lt=today()) \
        .select_related("school")
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    for a in qs:
        yield FindingData("assessment", a.pk, str(a), a.school_id,
                          _("Rectification was due on %(due)s.") % {"due": a.rectification_due.isoformat()},
                          due_date=a.rectification_due)


def rooms_without_full_time_teacher(school_ids=None):
    """ST-4: a room whose school has no full-time resource teacher in this year's pool."""
    from suiban.staff.models import PoolMember

    year = SchoolYear.current()
    if year is None:
        return
    members = PoolMember.objects.filter(pool__school_year=year, full_time=True)
    qs = Room.objects.filter(is_active=True).select_related("school")
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
        members = members.filter(pool__school_id__in=school_ids)
    full_time = set(members.values_list("pool__school_id", flat=True))
    for r in qs:
        if r.school_id not in full_time:
            yield FindingData("room", r.pk, str(r), r.school_id,
                              _("No full-time resource teacher in the school's pool for %(year)s.")
                              % {"year": year.name}, key=f"ft-{year.pk}")


checks.register(Check("RR-1", "warning", "school", gettext_lazy("School without a resource room"),
                      gettext_lazy("Record the school's resource room, or plan a shared room that serves it."),
                      "rooms.edit", schools_without_room, watches=("rooms.room", "students.student")))
checks.register(Check("RR-2", "warning", "room", gettext_lazy("Resource room smaller than required"),
                      gettext_lazy("Enlarge the room or move it to a larger one."), "rooms.edit", small_rooms,
                      watches=("rooms.room",)))
checks.register(Check("RR-6", "violation", "assessment", gettext_lazy("Rectification overdue"),
                      gettext_lazy("Submit the rectification report."), "assessment.self", overdue_rectification,
                      watches=("rooms.assessment",)))
checks.register(Check("ST-4", "warning", "room", gettext_lazy("Resource room without a full-time teacher"),
                      gettext_lazy("Name a full-time resource teacher in the school's pool."), "rooms.edit",
                      rooms_without_full_time_teacher, code="ST-4-room", watches=("rooms.room", "staff.poolmember")))
