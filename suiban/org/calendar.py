"""The school calendar of a school or region (ORG-2): the installation's school years and terms, with the dates
that the school's region sets.

``SchoolYear`` and ``Term`` rows are the installation's calendar: created from the installation-wide values of
the calendar parameters (⚙ school_year_start, term1_end, term2_start, term2_end — product defaults, see
``suiban.policy.params``) and editable on the school-years page. A province, city, district or school whose
policy gives a calendar date other than the installation's (an override, or the profile attached to its region)
keeps that date: ``term_dates`` and ``school_year_dates`` answer the dates that apply to a subject (a school, a
region, or anything that knows its school), ``local_term`` a term with those dates. Where no region sets its
own dates, the stored rows are the answer and nothing is resolved twice.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from suiban import policy
from suiban.org.models import SchoolYear, Term
from suiban.policy.params import CALENDAR_PARAMS
from suiban.policy.resolve import cached


def month_day(year: int, value: str) -> date:
    m, d = (int(x) for x in value.split("-"))
    return date(year, m, d)


def local_values(subject) -> dict[str, str]:
    """The calendar parameters whose value for ``subject`` differs from the installation-wide one."""
    if subject is None:
        return {}
    out = {}
    for name in CALENDAR_PARAMS:
        mine = policy.value(subject, name)
        if mine != policy.value(None, name):
            out[name] = mine
    return out


def term_dates(term: Term, subject=None) -> tuple[date, date]:
    """The first and last day of ``term`` for ``subject``'s school or region."""
    own = local_values(subject)
    if not own:
        return term.start_date, term.end_date
    y = term.school_year.start_year
    if term.number == 1:
        start_key, start_year, end_key = "school_year_start", y, "term1_end"
    else:
        start_key, start_year, end_key = "term2_start", y + 1, "term2_end"
    start = month_day(start_year, own[start_key]) if start_key in own else term.start_date
    end = month_day(y + 1, own[end_key]) if end_key in own else term.end_date
    return start, max(end, start)


def school_year_dates(school_year: SchoolYear, subject=None) -> tuple[date, date]:
    """The first and last day of ``school_year`` for ``subject``: it runs to the day before the next one starts."""
    own = local_values(subject)
    if "school_year_start" not in own:
        return school_year.start_date, school_year.end_date
    start = month_day(school_year.start_year, own["school_year_start"])
    return start, month_day(school_year.start_year + 1, own["school_year_start"]) - timedelta(days=1)


@dataclass(frozen=True)
class LocalTerm:
    """A term with the dates of one school's calendar; otherwise the term it stands for."""

    term: Term
    start_date: date
    end_date: date

    def __getattr__(self, name):
        return getattr(self.term, name)


def local_term(term: Term, subject=None):
    """``term`` itself where the subject keeps the installation's dates, else a ``LocalTerm`` with its own."""
    start, end = term_dates(term, subject)
    if (start, end) == (term.start_date, term.end_date):
        return term
    return LocalTerm(term, start, end)


def own_calendar_region_paths() -> frozenset[str]:
    """The paths of the regions that set calendar dates of their own: by an override, or by a profile attached to
    them that states one other than the installation's (the regions below inherit the dates). Kept with the
    policy resolutions."""
    return cached(("calendar-regions",), _own_calendar_region_paths)


def own_calendar_school_ids() -> frozenset[int]:
    """The schools with a calendar override of their own."""
    return cached(("calendar-schools",), _own_calendar_school_ids)


def _own_calendar_region_paths() -> frozenset[str]:
    from suiban.org.models import Region
    from suiban.policy.models import PolicyOverride
    from suiban.policy.profiles import registry

    paths = set(PolicyOverride.objects.filter(name__in=CALENDAR_PARAMS, region__isnull=False)
                .values_list("region__path", flat=True))
    installation = {n: policy.value(None, n) for n in CALENDAR_PARAMS}
    codes = [code for code, p in registry().profiles.items()
             if any(n in p.flat and p.flat[n][0] != installation[n] for n in CALENDAR_PARAMS)]
    if codes:
        paths |= set(Region.objects.filter(profile__in=codes).values_list("path", flat=True))
    return frozenset(paths)


def _own_calendar_school_ids() -> frozenset[int]:
    from suiban.policy.models import PolicyOverride

    return frozenset(PolicyOverride.objects.filter(name__in=CALENDAR_PARAMS, school__isnull=False)
                     .values_list("school_id", flat=True))


def current_school_year(subject=None, today: date | None = None) -> SchoolYear | None:
    """The school year in course for ``subject``'s school or region on ``today``: where its region sets a start date
    of its own, the year that has begun by that date (a district starting on 25 September is still in last year's
    on 10 September); elsewhere the installation's current year (``SchoolYear.current``)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    own = local_values(subject)
    if "school_year_start" not in own:
        return SchoolYear.current(today)
    start = month_day(today.year, own["school_year_start"])
    start_year = today.year if start <= today else today.year - 1
    return SchoolYear.objects.filter(start_year=start_year).first() or SchoolYear.current(today)
