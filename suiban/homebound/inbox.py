"""Inbox items of home-delivered education: the visits still to record this week for the pool teachers named in
an enrolment's plan, and the students behind pace for the school leader (HB-4)."""

from datetime import timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from suiban.core.registry import InboxItem, inbox
from suiban.homebound import selectors, services
from suiban.homebound.models import Enrolment, VisitWeek
from suiban.homebound.visits import is_term_week, term_ranges, week_start
from suiban.org.models import SchoolYear
from suiban.staff.models import StaffMember

LIMIT = 50


def visits_to_record(user):
    year = SchoolYear.current()
    try:
        staff_id = user.staff_member.pk
    except StaffMember.DoesNotExist:
        return []
    if year is None:
        return []
    today = services.today()
    monday = week_start(today)
    regional = selectors.regional_calendars()  # then each school's own term weeks decide (ORG-2)
    if not regional and not is_term_week(monday, term_ranges(year)):
        return []
    enrolments = list(Enrolment.objects.visible_to(user, "homebound.record")
                      .filter(school_year=year, state=Enrolment.ACTIVE)
                      .select_related("student", "school").prefetch_related("plan_versions")[:500])
    done = dict(VisitWeek.objects.filter(enrolment__in=enrolments, week_start=monday)
                .values_list("enrolment_id", "visits"))
    items = []
    for e in enrolments:
        if regional and not is_term_week(monday, term_ranges(year, e.school)):
            continue
        plan = services.current_plan(e, today)
        if plan is None or staff_id not in plan.teacher_ids:
            continue
        n = done.get(e.pk, 0)
        if n < plan.visits_per_week:
            items.append(InboxItem(
                kind="homebound.visits_to_record",
                title=_("Visit %(name)s at home: %(n)d of %(req)d visits this week") % {
                    "name": e.student.name, "n": n, "req": plan.visits_per_week},
                url=reverse("homebound:visit_new", args=[e.pk]), due_date=monday + timedelta(days=6),
                object_type="enrolment", object_id=e.pk))
    return items[:LIMIT]


def behind_pace(user):
    year = SchoolYear.current()
    if year is None:
        return []
    qs, _share = selectors.behind_pace(user, year)
    qs = qs.filter(pk__in=Enrolment.objects.visible_to(user, "homebound.manage").values("pk"))
    return [InboxItem(kind="homebound.behind_pace",
                      title=_("%(name)s is behind the yearly class hours of home-delivered education "
                              "(%(hours)s so far)") % {"name": e.student.name, "hours": f"{e.hours_delivered:g}"},
                      url=reverse("homebound:progress", args=[e.pk]), object_type="enrolment", object_id=e.pk)
            for e in qs[:LIMIT]]


inbox.register("homebound.visits_to_record", visits_to_record, "homebound.record")
inbox.register("homebound.behind_pace", behind_pace, "homebound.manage")
