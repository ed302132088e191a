"""Rule checks of home-delivered education for the findings engine (OV-1): students behind the yearly pace and
short visits (HB-4), homebound students without an enrolment and enrolments whose eligibility is no longer met
(HB-1)."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban.core.registry import Check, FindingData, checks
from suiban.homebound import selectors, services
from suiban.homebound.models import Enrolment, Visit
from suiban.org.models import SchoolYear
from suiban.students.models import Student


def _year():
    return SchoolYear.current()


def _in(qs, school_ids, field="school_id"):
    return qs if school_ids is None else qs.filter(**{f"{field}__in": school_ids})


def behind_pace(school_ids):
    year = _year()
    if year is None:
        return
    share = selectors.pace_share(year)
    qs = _in(selectors.behind_filter(Enrolment.objects.filter(school_year=year), share), school_ids)
    for e in qs.select_related("student"):
        expected = e.required_year * selectors.share_of(e, share)
        yield FindingData(
            subject_type="student", subject_id=e.student_id, subject_name=e.student.name, school_id=e.school_id,
            evidence=_("%(hours)s class hours delivered, %(expected)s expected by now of %(year)s for the year; "
                       "teachers: %(teachers)s.") % {"hours": f"{e.hours_delivered:g}", "expected": f"{expected:.1f}",
                                                     "year": f"{e.required_year:g}", "teachers": e.teacher_names},
            key=year.name)


def short_visits(school_ids):
    year = _year()
    if year is None:
        return
    rows = (_in(Visit.objects.filter(enrolment__school_year=year, status=Visit.DELIVERED, short=True), school_ids)
            .values("student_id", "student__name", "school_id").annotate(n=Count("id")).order_by("student_id"))
    for r in rows:
        yield FindingData(subject_type="student", subject_id=r["student_id"], subject_name=r["student__name"],
                          school_id=r["school_id"],
                          evidence=_("%(n)d visits this school year were shorter than the planned class hours.")
                          % {"n": r["n"]}, key=year.name)


def without_enrolment(school_ids):
    year = _year()
    if year is None:
        return
    enrolled = Enrolment.objects.filter(school_year=year).values("student_id")
    qs = _in(Student.objects.filter(placement="homebound", status="active").exclude(pk__in=enrolled), school_ids)
    for s in qs.only("pk", "name", "school_id"):
        yield FindingData(subject_type="student", subject_id=s.pk, subject_name=s.name, school_id=s.school_id,
                          evidence=_("Placed in home-delivered education without an enrolment for %(year)s.")
                          % {"year": year.name}, key=year.name)


def eligibility_not_met(school_ids):
    year = _year()
    if year is None:
        return
    qs = _in(Enrolment.objects.filter(school_year=year).filter(Q(state=Enrolment.ACTIVE) | Q(state=Enrolment.DRAFT)),
             school_ids).select_related("student", "school__region", "school_year")
    for e in qs:
        missing = [item["label"] for item in services.eligibility(e).values() if not item["met"]]
        if missing and e.state == Enrolment.ACTIVE:
            yield FindingData(subject_type="student", subject_id=e.student_id, subject_name=e.student.name,
                              school_id=e.school_id, evidence=_("Not met: %(list)s.") % {"list": "；".join(missing)},
                              key=year.name)


checks.register(Check(
    rule="HB-4", severity="warning", subject_type="student", code="HB-4.pace",
    title=gettext_lazy("Home-delivered education behind the yearly class hours"),
    action=gettext_lazy("Plan more or longer visits so that the year reaches its class hours."),
    assignee_permission="homebound.manage", compute=behind_pace, watches=("homebound.visit", "homebound.enrolment")))
checks.register(Check(
    rule="HB-4", severity="info", subject_type="student", code="HB-4.short",
    title=gettext_lazy("Home visits shorter than planned"),
    action=gettext_lazy("Check the visit times and plan full-length visits."),
    assignee_permission="homebound.manage", compute=short_visits, watches=("homebound.visit",)))
checks.register(Check(
    rule="HB-1", severity="warning", subject_type="student", code="HB-1.enrolment",
    title=gettext_lazy("Homebound student without an enrolment"),
    action=gettext_lazy("Open the enrolment for this school year and confirm the eligibility."),
    assignee_permission="homebound.manage", compute=without_enrolment,
    watches=("students.student", "homebound.enrolment")))
checks.register(Check(
    rule="HB-1", severity="violation", subject_type="student", code="HB-1.eligibility",
    title=gettext_lazy("Home-delivery enrolment whose eligibility is not met"),
    action=gettext_lazy("Check the student record and the evidence of each condition."),
    assignee_permission="homebound.manage", compute=eligibility_not_met,
    watches=("students.student", "homebound.enrolment")))
