"""Rubric evidence (RR-7) from the records oversight keeps (OV-4): line 11 (融合活动: inclusion activities every
term, peer support, home-school contacts) and line 14 (教师职责: assessments and archives, plans in force,
tutoring, training and counselling of parents, teaching research). The score proposed follows the line's items;
the assessor decides."""

from decimal import Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from suiban.core.registry import Evidence, evidence
from suiban.org.calendar import local_term, school_year_dates
from suiban.oversight.models import Activity


def _activities(school, school_year):
    first, last = school_year_dates(school_year, school)  # the school's own calendar (ORG-2)
    return Activity.objects.filter(school=school, held_on__gte=first, held_on__lte=last)


def line_11(school, school_year) -> Evidence:
    from suiban.iep.models import PeerSupport
    from suiban.org.models import Term

    acts = _activities(school, school_year)
    first, last = school_year_dates(school_year, school)
    terms = [local_term(t, school) for t in Term.objects.filter(school_year=school_year).order_by("number")]
    terms = [t for t in terms if t.start_date <= last]
    inclusion_terms = {t.number for t in terms
                       if acts.filter(kind="inclusion", held_on__gte=t.start_date, held_on__lte=t.end_date).exists()}
    started = [t for t in terms if t.start_date <= last and t.start_date <= _today()]
    peers = PeerSupport.objects.filter(school=school, starts_on__lte=last).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=first)).count()
    contacts = acts.filter(kind="home_school").count()
    score = Decimal("0")
    if started and len(inclusion_terms) >= len(started):
        score += 3
    if peers:
        score += 2
    if contacts:
        score += 1
    summary = _("%(terms)d of %(started)d terms with an inclusion activity; %(peers)d peer-support pairs or groups; "
                "%(contacts)d home-school contacts.") % {"terms": len(inclusion_terms), "started": len(started),
                                                           "peers": peers, "contacts": contacts}
    return Evidence(summary=summary, links=((str(_("Activities")), reverse("oversight:activities")),),
                    proposed_score=score,
                    reasoning=_("An inclusion activity every term counts 3 points, peer support 2, home-school "
                                "contacts 1."))


def line_14(school, school_year) -> Evidence:
    acts = _activities(school, school_year)
    research = acts.filter(kind="research").count()
    summary = _("%(n)d teaching-research activities recorded this school year.") % {"n": research}
    return Evidence(summary=summary, links=((str(_("Activities")), reverse("oversight:activities")),),
                    proposed_score=None,
                    reasoning=_("Teaching research supports item 14.5; the other items are judged from the plans, "
                                "tutoring and training records."))


def _today():
    from django.utils import timezone

    return timezone.localdate()


evidence.register("11", line_11)
evidence.register("14", line_14)
