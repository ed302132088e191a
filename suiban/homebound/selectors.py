"""Reads of home-delivered education (HB-4, HB-7): a student's progress against the three minimums, the district
list of students behind pace, the teachers' workload.

Progress reads the weekly summary (``VisitWeek``) and the enrolment's year figures, never the raw visits. The pace:
of the weeks that count for the year (every week of the school year when holiday visits count, ⚙
homebound_holiday_visits_count, else the term weeks), a share has passed; the forecast is the hours delivered so far
extended at the same rate to the end of the year; a student is behind pace when the forecast misses the yearly
hours (⚙ homebound_hours_per_year) — an early warning, long before the year ends. The district list applies the
same test in SQL to the enrolments' year figures (hours_delivered < required_year × share of the year passed):
one query per page, with the school and the teachers' names.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.db.models import Case, Count, DecimalField, F, Q, Subquery, Sum, Value, When
from django.db.models.functions import TruncMonth

from suiban.homebound.models import MISS_REASONS, Enrolment, Visit, VisitTeacher, VisitWeek
from suiban.homebound.services import current_plan, param, today
from suiban.homebound.visits import _plan_on, is_term_week, term_ranges, week_start
from suiban.org.calendar import own_calendar_region_paths, own_calendar_school_ids, school_year_dates
from suiban.org.models import Region, School, SchoolYear, Term

CENT = Decimal("0.01")


def _q(x) -> Decimal:
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class YearWeeks:
    counted: list[date]  # Mondays that count for the year
    passed: int  # of them, up to and including the current week
    share: Decimal  # passed / len(counted)


def year_weeks(school_year: SchoolYear, school, on: date | None = None, *, calendar_of=...) -> YearWeeks:
    """The weeks that count for ``school_year`` at ``school``: its term weeks (or every week when holiday visits
    count) by the calendar of ``calendar_of`` (default the school: a district with its own start date has its own
    weeks, ORG-2)."""
    on = on or today()
    subject = school if calendar_of is ... else calendar_of
    holidays_count = param(school, "homebound_holiday_visits_count")
    start, end = school_year_dates(school_year, subject)
    terms = tuple(term_ranges(school_year, subject))
    return _year_weeks(start, end, terms, bool(holidays_count), on)


@lru_cache(maxsize=64)
def _year_weeks(start: date, end: date, terms: tuple, holidays_count: bool, on: date) -> YearWeeks:
    """Memoised per calendar, policy and day."""
    mondays, d = [], week_start(start)
    while d <= end:
        if holidays_count or is_term_week(d, terms):
            mondays.append(d)
        d += timedelta(days=7)
    passed = sum(1 for m in mondays if m <= week_start(on))
    share = (Decimal(passed) / Decimal(len(mondays))) if mondays else Decimal(1)
    return YearWeeks(mondays, passed, share)


def progress(enrolment: Enrolment, on: date | None = None) -> dict:
    """HB-4: hours this year against the yearly minimum with the forecast at the current pace, visits this week
    against the weekly minimum, each week of the year so far, hours owed against hours delivered with the missing
    hours split by reason."""
    e = enrolment
    year_first, year_last = school_year_dates(e.school_year, e.school)  # the school's own calendar (ORG-2)
    on = min(on or today(), year_last)
    terms = term_ranges(e.school_year, e.school)
    versions = list(e.plan_versions.all())
    rows = {w.week_start: w for w in VisitWeek.objects.filter(enrolment=e)}
    yw = year_weeks(e.school_year, e.school, on)
    hours_year = _q(e.hours_delivered)
    required_year = _q(e.required_year or param(e.school, "homebound_hours_per_year"))
    if yw.passed:
        forecast = _q(hours_year * Decimal(len(yw.counted)) / Decimal(yw.passed))
    else:
        forecast = hours_year
    this_week = week_start(on)
    weeks = []
    first = week_start(max(e.start_date or year_first, year_first))
    d = first
    owed = Decimal(0)
    while d <= this_week:
        w = rows.get(d)
        plan = _plan_on(versions, d)
        required = plan.visits_per_week if plan and is_term_week(d, terms) else 0
        per = plan.hours_per_visit if plan else Decimal(0)
        visits = w.visits if w else 0
        full = visits - (w.short_visits if w else 0)
        if d < this_week:
            owed += required * per
        weeks.append({"week_start": d, "visits": visits, "hours": float(w.hours) if w else 0.0,
                      "required_visits": required, "short_visits": w.short_visits if w else 0,
                      "missed_visits": w.missed_visits if w else 0, "met": full >= required,
                      "term_week": is_term_week(d, terms), "current": d == this_week})
        d += timedelta(days=7)
    plan_now = current_plan(e, on)
    required_week = plan_now.visits_per_week if plan_now and is_term_week(this_week, terms) else 0
    current = rows.get(this_week)
    missing = _missing_by_reason(e, this_week, versions, owed)
    return {
        "hours_year": float(hours_year), "required_year": float(required_year),
        "visits_this_week": current.visits if current else 0, "required_visits_week": required_week,
        "hours_per_visit": float(plan_now.hours_per_visit) if plan_now else 0.0,
        "on_pace": forecast >= required_year, "forecast_year_hours": float(forecast),
        "share_of_year_passed": float(_q(yw.share * 100)) / 100,
        "expected_to_date": float(_q(required_year * yw.share)),
        "hours_owed": float(_q(owed)), "hours_delivered_term_weeks": float(missing["delivered"]),
        "missing_hours": {k: float(v) for k, v in missing["by_reason"].items()},
        "weeks": weeks,
    }


def _missing_by_reason(e: Enrolment, this_week: date, versions, owed: Decimal) -> dict:
    """Hours owed by the plan over the past term weeks against hours delivered, the gap split by reason: the
    planned hours of each missed or cancelled visit by its reason, the shortfall of short visits, and the rest
    as not recorded."""
    terms = term_ranges(e.school_year, e.school)
    past = Visit.objects.filter(enrolment=e, date__lt=this_week).only("date", "status", "reason", "hours", "short")
    delivered, by_reason = Decimal(0), defaultdict(Decimal)
    for v in past:
        if not is_term_week(week_start(v.date), terms):
            continue
        plan = _plan_on(versions, week_start(v.date))
        per = plan.hours_per_visit if plan else Decimal(0)
        if v.status == Visit.DELIVERED:
            delivered += v.hours
            if v.short:
                by_reason["short_visits"] += per - v.hours
        else:
            by_reason[v.reason or "unrecorded"] += per
    gap = max(Decimal(0), owed - delivered)
    explained = sum(by_reason.values(), Decimal(0))
    out = {k: _q(by_reason.get(k, 0)) for k in [r for r, _l in MISS_REASONS] + ["short_visits"]}
    out["unrecorded"] = _q(max(Decimal(0), gap - explained))
    return {"delivered": _q(delivered), "by_reason": out}


def pace_share(school_year: SchoolYear | None, school_id=None, on: date | None = None, enrolments=None):
    """The share of the year's counted weeks passed (by the policy of the school, or of the first enrolment's
    school among ``enrolments``, default all of the year), per calendar (ORG-2): a plain figure where every region
    keeps the installation's dates, else an expression choosing each enrolment's figure by its school or region.
    One look-up by primary key whatever the number of enrolments (plus, where some schools set their own dates,
    one for their regions). ``school_year`` None: the year of ``enrolments`` (filtered to one year by the caller)."""
    qs = Enrolment.objects.all() if enrolments is None else enrolments
    if school_year is not None:
        qs = qs.filter(school_year=school_year)
    if school_id:
        qs = qs.filter(school_id=school_id)
    first = first_enrolment(qs)
    if first is None:
        return Decimal(0)
    school, year = first
    return year_share(school_year or year, school, on)


def first_enrolment(qs) -> tuple[School, SchoolYear] | None:
    """The school and school year of the first enrolment of ``qs``, read as one plain row (no model instances); the
    school's region path is the one the enrolment keeps (written from its school), so no join to the school."""
    first = next(iter(qs.order_by("pk").values_list(
        "school_id", "region_path", "school_year_id", "school_year__start_year", "school_year__start_date",
        "school_year__end_date")[:1]), None)
    if first is None:
        return None
    return (School(pk=first[0], region_path=first[1]),
            SchoolYear(pk=first[2], start_year=first[3], start_date=first[4], end_date=first[5]))


def year_share(year: SchoolYear, school, on: date | None = None):
    """``pace_share`` of the school year by the policy of ``school``: a figure, or an expression per calendar."""
    default = year_weeks(year, school, on, calendar_of=None).share
    branches = []
    own_schools = own_calendar_school_ids()
    if own_schools:
        for s in School.objects.filter(pk__in=own_schools).only("id", "region_path"):
            branches.append((Q(school_id=s.pk), year_weeks(year, school, on, calendar_of=s).share))
    for path in sorted(own_calendar_region_paths(), key=len, reverse=True):  # the nearest region wins
        branches.append((Q(region_path__startswith=path),
                         year_weeks(year, school, on, calendar_of=Region(path=path)).share))
    if all(share == default for _q_, share in branches):
        return default
    return Case(*[When(q, then=Value(share)) for q, share in branches], default=Value(default),
                output_field=DecimalField(max_digits=30, decimal_places=20))


def regional_calendars() -> bool:
    """Whether any region or school keeps calendar dates of its own (ORG-2)."""
    return bool(own_calendar_region_paths() or own_calendar_school_ids())


def share_of(enrolment, share) -> Decimal:
    """The share of the year passed that applies to one enrolment of a list filtered with ``behind_filter``."""
    return share if isinstance(share, Decimal) else enrolment.pace_share


def installation_share(share) -> Decimal:
    """The figure of a ``pace_share`` answer for the regions that keep the installation's calendar."""
    return share if isinstance(share, Decimal) else share.default.value


def behind_filter(qs, share):
    """Active enrolments whose hours so far are below the yearly minimum's share of the year passed (``share``: a
    figure, or the expression of ``pace_share`` when regions keep calendars of their own)."""
    if not isinstance(share, Decimal):
        qs = qs.annotate(pace_share=share)
        return qs.filter(state=Enrolment.ACTIVE, hours_delivered__lt=F("required_year") * F("pace_share"))
    return qs.filter(state=Enrolment.ACTIVE, hours_delivered__lt=F("required_year") * share)


BEHIND_FIELDS = ("id", "student_id", "school_id", "region_path", "state", "hours_delivered", "required_year",
                 "teacher_names", "student__id", "student__name", "school__id", "school__code", "school__name",
                 "school__region_path")


def behind_pace(user, school_year: SchoolYear | None, *, on: date | None = None, school_id=None, region_path=None):
    """HB-4: active enrolments in the user's scope whose hours so far are below the yearly minimum's share of the
    year passed — so that the forecast misses it. One look-up of the first enrolment in scope (its school's policy
    and the year's dates give the share; ``school_year`` None: the current one, a subquery of that look-up), then
    one query per page (school and teachers' names included) and the count, filtered by the year's id, reading only
    the columns the list shows. No enrolment in scope that year: an empty list, no further query.
    Answers (list, share): the share as ``pace_share`` answers it — ``share_of(row, share)`` is a row's figure."""
    base = Enrolment.objects.visible_to(user, "homebound.view")
    if school_id:
        base = base.filter(school_id=school_id)
    if region_path:
        base = base.filter(region_path__startswith=region_path)
    if school_year is None:
        current = SchoolYear.objects.filter(start_date__lte=today()).order_by("-start_date").values("pk")[:1]
        first = first_enrolment(base.filter(school_year=Subquery(current)))
    else:
        first = first_enrolment(base.filter(school_year=school_year))
    if first is None:  # no enrolment in scope this year: nothing is behind, no further query
        return Enrolment.objects.none(), Decimal(0)
    school, year = first
    # The year found by the first look-up: the list's count and page filter by its id, with no subquery.
    scoped = base.filter(school_year_id=year.pk)
    share = year_share(school_year or year, school, on)
    qs = (behind_filter(scoped, share).select_related("student", "school").only(*BEHIND_FIELDS)
          .order_by("school__code", "student__name", "id"))
    return qs, share


def teacher_workload(staff_ids, school_year) -> dict:
    """HB-7: per teacher, delivered visits and hours in the school year, per month and per term (the figure a school
    needs for performance pay): {staff_id: {"visits", "hours", "months": {"2026-09": {visits, hours}}, "terms":
    {1: {visits, hours}, 2: {…}}}}. Disowned visits no longer name the teacher, so they do not count."""
    staff_ids = list(staff_ids)
    out = {sid: {"visits": 0, "hours": Decimal(0), "months": {}, "terms": {1: {"visits": 0, "hours": Decimal(0)},
                                                                          2: {"visits": 0, "hours": Decimal(0)}}}
           for sid in staff_ids}
    if not staff_ids:
        return out
    base = VisitTeacher.objects.filter(staff_id__in=staff_ids, visit__status=Visit.DELIVERED,
                                       visit__enrolment__school_year=school_year)
    rows = (base.annotate(month=TruncMonth("visit__date")).order_by()
            .values("staff_id", "month").annotate(visits=Count("id"), hours=Sum("visit__hours")))
    for r in rows:
        m = r["month"]
        key = f"{m.year:04d}-{m.month:02d}"
        item = out[r["staff_id"]]
        item["months"][key] = {"visits": r["visits"], "hours": r["hours"] or Decimal(0)}
        item["visits"] += r["visits"]
        item["hours"] += r["hours"] or Decimal(0)
    for t in Term.objects.filter(school_year=school_year):
        for r in (base.filter(visit__date__gte=t.start_date, visit__date__lte=t.end_date).order_by()
                  .values("staff_id").annotate(visits=Count("id"), hours=Sum("visit__hours"))):
            out[r["staff_id"]]["terms"][t.number] = {"visits": r["visits"], "hours": r["hours"] or Decimal(0)}
    return out


def workload_rows(user, school_year, school_id=None) -> list[dict]:
    """Teachers who made visits in the user's scope this year, with their workload (for the page and the export)."""
    from suiban.staff.models import StaffMember

    visits = Visit.objects.visible_to(user, "homebound.view").filter(enrolment__school_year=school_year)
    if school_id:
        visits = visits.filter(school_id=school_id)
    ids = set(VisitTeacher.objects.filter(visit__in=visits).values_list("staff_id", flat=True))
    staff = {s.pk: s for s in StaffMember.objects.filter(pk__in=ids).select_related("school")}
    load = teacher_workload(sorted(ids), school_year)
    return [{"staff": staff[sid], **load[sid]} for sid in sorted(ids, key=lambda i: (staff[i].name, i))]


def _register_workload() -> None:
    """Fill the staff module's workload registry where it exists."""
    try:
        from suiban.staff import selectors as staff_selectors
    except ImportError:  # pragma: no cover
        return
    providers = getattr(staff_selectors, "WORKLOAD_PROVIDERS", None)
    if providers is None:
        return
    if hasattr(providers, "register"):
        providers.register("homebound", teacher_workload)
    elif isinstance(providers, dict):
        providers.setdefault("homebound", teacher_workload)
    elif isinstance(providers, list) and teacher_workload not in providers:
        providers.append(teacher_workload)


_register_workload()

__all__ = ["behind_pace", "progress", "teacher_workload", "workload_rows", "year_weeks"]
