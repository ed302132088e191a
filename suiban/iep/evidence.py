"""Rubric evidence from individual education (RR-7 ← IEP-1..IEP-5, IEP-7): lines 9.1, 9.2 and 11.2.

The proposals are shares of the school's students in inclusion: the line's points times the share that meets the
requirement, rounded down to the next half point (a proposal is never more generous than the records)."""

from decimal import ROUND_FLOOR, Decimal

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from suiban import policy
from suiban.core.registry import Evidence, evidence
from suiban.iep.models import Plan, WeeklyHours
from suiban.iep.selectors import term_weeks, weekly_minimum
from suiban.iep.services import today
from suiban.org.models import Term
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student


def _share(points, done: int, total: int) -> Decimal:
    if not total:
        return Decimal(0)
    raw = Decimal(points) * done / total
    return (raw * 2).to_integral_value(rounding=ROUND_FLOOR) / 2


def _students(school):
    return Student.objects.filter(school=school, placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES)


def _none(school) -> Evidence:
    return Evidence(_("%(school)s has no students in inclusion on record.") % {"school": school.name},
                    ((_("Education plans"), reverse("iep:list")),), None,
                    _("Nothing to count: the evidence is entered by hand."))


def plans_and_reviews(school, school_year):
    """9.1 每名学生每学年有个别化教育计划并定期评估 (4): a plan in force (or closed) for the school year that has
    been reviewed at least once."""
    ids = list(_students(school).values_list("id", flat=True))
    if not ids:
        return _none(school)
    plans = (Plan.objects.filter(student_id__in=ids, school_year=school_year, state__in=("in_force", "closed"))
             .annotate(n_reviews=Count("reviews")))
    in_force = {p.student_id for p in plans}
    reviewed = {p.student_id for p in plans if p.n_reviews}
    summary = _("%(n)s students in inclusion; %(p)s with a plan in force for %(year)s, %(r)s of them reviewed.") % {
        "n": len(ids), "p": len(in_force), "year": school_year.name, "r": len(reviewed)}
    score = _share(4, len(reviewed), len(ids))
    return Evidence(summary, ((_("Education plans"), reverse("iep:list") + f"?school={school.pk}"),), score,
                    _("4 points times the share of students whose plan is in force and reviewed (%(r)s of %(n)s), "
                      "rounded down to half a point.") % {"r": len(reviewed), "n": len(ids)})


def weekly_tutoring(school, school_year):
    """9.2 每名学生每周个别辅导和训练不少于 3 课时且有记录 (4): the share of student-weeks of the school year's
    terms so far that reached ⚙ tutoring_min_hours_per_week (read from the weekly summary, IEP-5)."""
    ids = list(_students(school).values_list("id", flat=True))
    if not ids:
        return _none(school)
    minimum = policy.value(school, "tutoring_min_hours_per_week")
    now = today()
    weeks = [(monday, days) for term in Term.objects.filter(school_year=school_year, start_date__lte=now)
             for monday, days in term_weeks(term, school) if monday <= now]
    if not weeks:
        return Evidence(_("No term week has passed yet in %(year)s.") % {"year": school_year.name},
                        ((_("Weekly hours"), reverse("iep:below_minimum")),), None,
                        _("Nothing to count yet: the evidence is entered by hand."))
    need = {monday: weekly_minimum(minimum, days) for monday, days in weeks}
    got = {}
    for sid, monday, hours in WeeklyHours.objects.filter(student_id__in=ids, week_start__in=list(need)) \
            .values_list("student_id", "week_start", "delivered_hours"):
        got[(sid, monday)] = hours
    met = sum(1 for sid in ids for monday in need if Decimal(got.get((sid, monday)) or 0) >= need[monday])
    total = len(ids) * len(need)
    summary = _("%(met)s of %(total)s student-weeks reached %(min)s class hours of tutoring and training "
                "(%(n)s students, %(w)s weeks).") % {"met": met, "total": total, "min": minimum, "n": len(ids),
                                                     "w": len(need)}
    return Evidence(summary, ((_("Below the weekly minimum"), reverse("iep:below_minimum")),),
                    _share(4, met, total),
                    _("4 points times the share of student-weeks at the minimum, rounded down to half a point."))


def peer_support(school, school_year):
    """11.2 建立同伴互助制度 (2): the share of students in inclusion with peer support recorded (IEP-7)."""
    qs = _students(school).annotate(n_peer=Count("iep_peer_support", filter=Q(
        iep_peer_support__starts_on__lte=school_year.end_date)))
    rows = list(qs.values_list("id", "n_peer"))
    if not rows:
        return _none(school)
    with_peer = sum(1 for _sid, n in rows if n)
    summary = _("%(p)s of %(n)s students in inclusion have peer support recorded.") % {"p": with_peer, "n": len(rows)}
    return Evidence(summary, ((_("Peer support"), reverse("iep:list") + f"?school={school.pk}"),),
                    _share(2, with_peer, len(rows)),
                    _("2 points times the share of students with peer support, rounded down to half a point."))


evidence.register("9.1", plans_and_reviews)
evidence.register("9.2", weekly_tutoring)
evidence.register("11.2", peer_support)
