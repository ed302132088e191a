"""Evidence for the resource-room rubric (RR-7) from the staff module, each with a proposed score and its
reasoning in words: 1.2 the working group (ORG-6), 10 itinerant guidance (ST-6), 13 qualifications and
training (ST-2, ST-3, ST-7), 15 workloads (ST-4). The panel confirms or changes each score."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban import policy
from suiban.core.registry import Evidence, evidence
from suiban.org.calendar import local_term, school_year_dates
from suiban.org.models import Term
from suiban.staff.models import ItinerantVisit, PoolMember, StaffYear, Training, WorkingGroup

# HC 附件1 1.2: 分管领导、教导主任、班主任、科任教师、资源教室教师、心理辅导教师、校医、巡回指导教师
GROUP_FUNCTIONS = ("vice_principal", "middle_manager", "class_teacher", "subject_teacher", "resource_teacher",
                   "counsellor", "school_doctor", "itinerant_teacher")


def _q(v) -> Decimal:
    return Decimal(v).quantize(Decimal("0.5")) if v else Decimal(0)


def working_group(school, school_year) -> Evidence:
    """1.2 (3 points): a team of the listed functions with a work plan and appointment (2); duties set (1)."""
    group = WorkingGroup.objects.filter(school=school, school_year=school_year).first()
    link = ((_("Working group"), reverse("staff:group") + f"?school={school.pk}&year={school_year.name}"),)
    if group is None:
        return Evidence(_("No working group is recorded for %(year)s.") % {"year": school_year.name}, link,
                        Decimal(0), _("Without a recorded working group the line scores nothing."))
    members = list(group.members.all())
    functions = {m.function for m in members}
    covered = [f for f in GROUP_FUNCTIONS if f in functions]
    has_lead = "principal" in functions
    part1 = Decimal(2) * len(covered) / len(GROUP_FUNCTIONS) if has_lead and group.plan.strip() else Decimal(0)
    with_duties = sum(1 for m in members if m.duties.strip())
    part2 = Decimal(1) if members and with_duties == len(members) else Decimal(0)
    score = _q(part1) + part2
    return Evidence(
        _("%(n)d members covering %(c)d of %(t)d functions; %(m)d meetings recorded.")
        % {"n": len(members), "c": len(covered), "t": len(GROUP_FUNCTIONS), "m": group.meetings.count()}, link,
        min(score, Decimal(3)),
        _("Composition and plan: %(p1)s of 2 (functions covered, led by the principal, with a work plan); duties: "
          "%(p2)s of 1 (every member has duties).") % {"p1": _q(part1), "p2": part2})


def itinerant(school, school_year) -> Evidence:
    """10 (10 points): visited every term with records (4); improvements answered (3); support given to others
    (3, not held by the system: the panel scores it)."""
    # The school's own calendar (ORG-2): a district that starts its year later has its own terms.
    terms = [local_term(t, school) for t in Term.objects.filter(school_year=school_year).order_by("number")]
    first, last = school_year_dates(school_year, school)
    visits = list(ItinerantVisit.objects.filter(school=school, date__gte=first, date__lte=last))
    today = timezone.localdate()
    begun = [t for t in terms if t.start_date <= today] or terms[:1]
    visited = [t for t in begun if any(t.start_date <= v.date <= t.end_date for v in visits)]
    asked = [v for v in visits if v.follow_up]
    answered = [v for v in asked if v.response]
    p1 = Decimal(4) * len(visited) / len(begun) if begun else Decimal(0)
    p2 = Decimal(3) * len(answered) / len(asked) if asked else (Decimal(3) if visits else Decimal(0))
    link = ((_("Itinerant guidance"), reverse("staff:visit_list")),)
    return Evidence(
        _("%(v)d visits this school year; %(t)d of %(b)d terms visited; %(a)d of %(f)d follow-ups answered.")
        % {"v": len(visits), "t": len(visited), "b": len(begun), "a": len(answered), "f": len(asked)}, link,
        _q(p1) + _q(p2),
        _("Visits: %(p1)s of 4; follow-ups answered: %(p2)s of 3; support to neighbouring schools and home "
          "delivery (3 points) is not recorded here and is scored by the panel.") % {"p1": _q(p1), "p2": _q(p2)})


def qualifications(school, school_year) -> Evidence:
    """13 (6 points): the full-time resource teacher qualified (4); resource teachers' yearly hours met (2)."""
    members = list(PoolMember.objects.filter(pool__school=school, pool__school_year=school_year,
                                             kind__in=(PoolMember.FIXED_RESOURCE, PoolMember.EXCELLENT))
                   .select_related("staff"))
    fixed = [m for m in members if m.kind == PoolMember.FIXED_RESOURCE]
    expected = Decimal(str(policy.value(school, "training_hours_per_year")))
    hours = {}
    for sid, h in Training.objects.filter(staff__in=[m.staff_id for m in members], school_year=school_year) \
            .values_list("staff_id", "hours"):
        hours[sid] = hours.get(sid, Decimal(0)) + h
    qualified_fixed = bool(fixed) and all(m.staff.qualification != "none" for m in fixed)
    met = [m for m in members if hours.get(m.staff_id, Decimal(0)) >= expected]
    p1 = Decimal(4) if qualified_fixed else Decimal(0)
    p2 = Decimal(2) * len(met) / len(members) if members else Decimal(0)
    link = ((_("Staff and training"), reverse("staff:staff_list") + f"?school={school.pk}"),)
    return Evidence(
        _("Fixed resource teacher %(q)s; %(m)d of %(n)d resource teachers reached %(e)s training hours.")
        % {"q": _("qualified") if qualified_fixed else _("not qualified or not named"), "m": len(met),
           "n": len(members), "e": expected}, link, p1 + _q(p2),
        _("Qualification: %(p1)s of 4; training hours: %(p2)s of 2 (the hours expected are this system's default "
          "unless the district's policy sets them).") % {"p1": p1, "p2": _q(p2)})


def workloads(school, school_year) -> Evidence:
    """15 (3 points): a workload and assessment method (2, a document the panel checks); part-time resource
    teachers' room share at least the ⚙ share (1)."""
    minimum = Decimal(str(policy.value(school, "part_time_min_share")))
    years = list(StaffYear.objects.filter(school=school, school_year=school_year))
    part = [y for y in years if not y.full_time_resource and y.room_share is not None]
    ok = all(y.room_share >= minimum for y in part)
    evaluated = sum(1 for y in years if y.evaluation)
    p2 = Decimal(1) if ok else Decimal(0)
    p1 = Decimal(2) if evaluated and evaluated == len(years) else Decimal(0)
    link = ((_("Staffing and incentives"), reverse("staff:incentives") + f"?school={school.pk}"),)
    return Evidence(
        _("%(e)d of %(n)d teachers' years evaluated by the school; %(p)d part-time resource teacher(s), %(s)s.")
        % {"e": evaluated, "n": len(years), "p": len(part),
           "s": _("all at the required room share") if ok else _("some below the required room share")}, link,
        p1 + p2,
        _("Workload assessment: %(p1)s of 2 (every recorded teacher evaluated by the school); part-time share: "
          "%(p2)s of 1.") % {"p1": p1, "p2": p2})


evidence.register("1.2", working_group)
evidence.register("10", itinerant)
evidence.register("13", qualifications)
evidence.register("15", workloads)
