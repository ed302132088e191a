"""Dashboards per scope (OV-2): the figures of one region or school, each counted inside the caller's scope and
each with the address of the list that shows the same rows.

Oversight reads every app (ARCHITECTURE "Layout"); the areas of modules that may not be installed (home
delivery, pools, assessments, funds) are read through ``django.apps`` and left out when their models are absent.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from suiban.core.grades import GRADE_CHOICES
from suiban.core.registry import checks
from suiban.oversight.models import SEVERITY_CHOICES, Finding
from suiban.students.models import (
    ACTIVE_STATUSES,
    CATEGORY_CHOICES,
    GENDER_CHOICES,
    INCLUSION_PLACEMENTS,
    PLACEMENT_CHOICES,
    STATUS_CHOICES,
    Student,
)

PERM = "oversight.view"


@dataclass
class Scope:
    kind: str  # "all" | "region" | "school"
    id: int | None
    name: str
    level: str = ""  # region level
    path: str = ""

    def filter(self, qs, path_field="region_path", school_field="school_id"):
        if self.kind == "region":
            return qs.filter(**{f"{path_field}__startswith": self.path})
        if self.kind == "school":
            return qs.filter(**{school_field: self.id})
        return qs

    def params(self, *, region_key="region", school_key="school") -> dict:
        if self.kind == "region":
            return {region_key: self.id}
        if self.kind == "school":
            return {school_key: self.id}
        return {}


def resolve_scope(user, region_id=None, school_id=None) -> Scope:
    """The region or school the dashboard is about (404 outside the caller's scope); without either, the
    caller's own widest scope."""
    from suiban.org.models import Region, School

    if school_id:
        school = School.objects.visible_to(user, PERM).filter(pk=school_id).first()
        if school is None:
            raise Http404
        return Scope("school", school.pk, school.name, path=school.region_path)
    if region_id:
        region = Region.objects.visible_to(user, PERM).filter(pk=region_id).first()
        if region is None:
            raise Http404
        return Scope("region", region.pk, region.name, region.level, region.path)
    grants = [g for g in user.grants() if PERM in g.permissions]
    if any(g.kind == "all" for g in grants):
        return Scope("all", None, "")
    regions = [g for g in grants if g.kind == "region"]
    if regions:
        widest = min(regions, key=lambda g: len(g.region_path))
        region = Region.objects.get(pk=widest.region_id)
        return Scope("region", region.pk, region.name, region.level, region.path)
    schools = [g for g in grants if g.school_id]
    if schools:
        school = School.objects.get(pk=schools[0].school_id)
        return Scope("school", school.pk, school.name, path=school.region_path)
    raise Http404


def _url(name: str, params: dict, *args) -> str:
    try:
        base = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return base + ("?" + urlencode(clean) if clean else "")


def _model(label: str):
    app_label, name = label.split(".")
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _scoped(model, user, scope: Scope):
    return scope.filter(model.objects.visible_to(user, PERM))


# --- areas ------------------------------------------------------------------------------------------------
STUDENT_KEYS = ("status", "gender", "disability_category", "placement", "grade")


class StudentCounts:
    """The students in scope counted once, grouped by status, sex, category, placement and grade (one pass over
    the students table); every student figure of the dashboard is a sum over these groups."""

    def __init__(self, user, scope: Scope):
        qs = _scoped(Student, user, scope)
        self.rows = list(qs.order_by().values_list(*STUDENT_KEYS).annotate(n=Count("id")))

    def count(self, *, active=True, **where) -> int:
        return sum(r[-1] for r in self.rows if self._match(r, active, where))

    def by(self, field, *, active=True) -> dict:
        i, out = STUDENT_KEYS.index(field), {}
        for r in self.rows:
            if self._match(r, active, {}):
                out[r[i]] = out.get(r[i], 0) + r[-1]
        return out

    @staticmethod
    def _match(r, active, where) -> bool:
        if active and r[0] not in ACTIVE_STATUSES:
            return False
        for field, allowed in where.items():
            value = r[STUDENT_KEYS.index(field)]
            if value not in (allowed if isinstance(allowed, (list, tuple, set, frozenset)) else (allowed,)):
                return False
        return True


def _counts(user, scope: Scope, counts: StudentCounts | None) -> StudentCounts:
    return counts if counts is not None else StudentCounts(user, scope)


def students_area(user, scope: Scope, counts: StudentCounts | None = None) -> dict:
    counts = _counts(user, scope, counts)
    base = {**scope.params(), "status": "active"}
    roster = "students:list"

    def grouped(field, choices, extra=None):
        found = counts.by(field)
        return [{"code": code, "label": str(label), "count": found.get(code, 0),
                 "url": _url(roster, {**base, field: code, **(extra or {})})} for code, label in choices]

    by_status = counts.by("status", active=False)
    by_sex = counts.by("gender")
    return {
        "total": counts.count(),
        "inclusion": counts.count(placement=INCLUSION_PLACEMENTS),
        "url": _url(roster, base),
        "by_category": grouped("disability_category", CATEGORY_CHOICES),
        "by_placement": grouped("placement", PLACEMENT_CHOICES),
        "by_grade": grouped("grade", list(GRADE_CHOICES)),
        "by_sex": [{"code": c, "label": str(label), "count": by_sex.get(c, 0)} for c, label in GENDER_CHOICES],
        "by_status": [{"code": code, "label": str(label), "count": by_status.get(code, 0),
                       "url": _url(roster, {**scope.params(), "status": code})} for code, label in STATUS_CHOICES],
    }


class FindingCounts:
    """The findings in scope counted once, grouped by state, rule, check, severity and the day first seen (one
    pass over the findings table): the findings area, the tutoring shortfall and the trend read these groups."""

    def __init__(self, user, scope: Scope):
        qs = scope.filter(Finding.objects.visible_to(user, PERM))
        self.rows = list(qs.order_by().values_list("state", "rule", "check_code", "severity", TruncDate("first_seen"))
                         .annotate(n=Count("id")))

    def open_by(self, i: int) -> dict:
        out = {}
        for r in self.rows:
            if r[0] == "open":
                out[r[i]] = out.get(r[i], 0) + r[-1]
        return out

    def opened(self) -> list[tuple]:
        """[(day first seen, n)] of every finding, open or resolved."""
        return [(r[4], r[-1]) for r in self.rows]


def findings_area(user, scope: Scope, found: FindingCounts | None = None) -> dict:
    found = found if found is not None else FindingCounts(user, scope)
    params = scope.params(region_key="region_id", school_key="school_id")
    link = "oversight:findings"
    by_rule = found.open_by(1)
    titles = {}
    for c in checks.checks.values():
        titles.setdefault(c.rule, str(c.title))
    by_sev = found.open_by(3)
    return {
        "open": sum(by_rule.values()),
        "url": _url(link, {**params, "state": "open"}),
        "by_rule": [{"code": r, "label": titles.get(r, r), "count": n,
                     "url": _url(link, {**params, "state": "open", "rule": r})} for r, n in sorted(by_rule.items())],
        "by_severity": [{"code": code, "label": str(label), "count": by_sev.get(code, 0),
                         "url": _url(link, {**params, "state": "open", "severity": code})}
                        for code, label in SEVERITY_CHOICES],
    }


class WeeklyCounts:
    """Tutoring hours delivered to the students in scope, summed per week, student status and placement in one
    pass (the students joined to their weekly hours): this week's hours and the yearly trend read these sums."""

    def __init__(self, user, scope: Scope):
        self.rows = list(_scoped(Student, user, scope).filter(iep_weekly_hours__week_start__isnull=False).order_by()
                         .values_list("iep_weekly_hours__week_start", "status", "placement")
                         .annotate(h=Sum("iep_weekly_hours__delivered_hours")))

    def week(self, monday) -> Decimal:
        return sum((Decimal(r[-1] or 0) for r in self.rows if r[0] == monday and r[1] in ACTIVE_STATUSES
                    and r[2] in INCLUSION_PLACEMENTS), Decimal("0"))

    def between(self, first, last) -> Decimal:
        return sum((Decimal(r[-1] or 0) for r in self.rows if first <= r[0] <= last), Decimal("0"))


def tutoring_area(user, scope: Scope, counts: StudentCounts | None = None, weekly: WeeklyCounts | None = None,
                  found: FindingCounts | None = None) -> dict:
    from suiban.iep.checks import last_term_week
    from suiban.iep.services import today

    monday, _days = last_term_week(today())
    n = _counts(user, scope, counts).count(placement=INCLUSION_PLACEMENTS)
    out = {"week_start": monday.isoformat() if monday else None, "students": n, "hours": "0",
           "below_minimum": 0}
    if monday:
        weekly = weekly if weekly is not None else WeeklyCounts(user, scope)
        out["hours"] = f"{weekly.week(monday):.2f}"
        found = found if found is not None else FindingCounts(user, scope)
        out["below_minimum"] = found.open_by(2).get("IEP-5", 0)
        out["url"] = _url("oversight:findings", {**scope.params(region_key="region_id", school_key="school_id"),
                                                 "state": "open", "rule": "IEP-5"})
    return out


def homebound_area(user, scope: Scope, counts: StudentCounts | None = None) -> dict:
    out = {"students": _counts(user, scope, counts).count(placement="homebound"),
           "url": _url("students:list", {**scope.params(), "status": "active", "placement": "homebound"})}
    visit = _model("homebound.Visit")
    if visit is not None and hasattr(visit.objects, "visible_to"):
        fields = {f.name for f in visit._meta.get_fields()}
        if "region_path" in fields and "school" in fields:
            qs = _scoped(visit, user, scope)
            out["visits"] = qs.count()
            hour_field = next((f for f in ("hours", "class_hours") if f in fields), None)
            if hour_field:
                out["hours"] = f"{Decimal(qs.aggregate(h=Sum(hour_field))['h'] or 0):.2f}"
    return out


def pools_area(user, scope: Scope) -> dict | None:
    from suiban.org.models import School, SchoolYear

    pool = _model("staff.Pool")
    if pool is None:
        return None
    year = SchoolYear.current(timezone.localdate())
    schools = scope.filter(School.objects.visible_to(user, PERM).filter(is_active=True), path_field="region_path",
                           school_field="id").exclude(kind="special")
    filed = _scoped(pool, user, scope).filter(state="filed", school_year=year).values("school_id")
    n_schools = schools.count()
    n_filed = schools.filter(pk__in=filed).count()
    return {"school_year": year.name if year else None, "schools": n_schools, "filed": n_filed,
            "missing": n_schools - n_filed}


def assessments_area(user, scope: Scope) -> dict | None:
    for label in ("rooms.Assessment", "rooms.AssessmentResult"):
        model = _model(label)
        if model is None or not hasattr(model.objects, "visible_to"):
            continue
        fields = {f.name for f in model._meta.get_fields()}
        grade_field = next((f for f in ("grade", "result_grade") if f in fields), None)
        if grade_field is None or "region_path" not in fields:
            continue
        rows = dict(_scoped(model, user, scope).exclude(**{grade_field: ""}).order_by()
                    .values_list(grade_field).annotate(n=Count("id")))
        return {"by_grade": [{"code": k, "count": v} for k, v in sorted(rows.items())]}
    return None


def funds_area(user, scope: Scope) -> dict | None:
    from suiban.org.models import SchoolYear

    entry = _model("funds.LedgerEntry")
    if entry is None:
        return None
    year = SchoolYear.current(timezone.localdate())
    qs = scope.filter(entry.objects.visible_to(user, PERM)).filter(school_year=year)
    spent = dict(qs.filter(kind__in=("expense", "reversal")).order_by().values_list("category")
                 .annotate(s=Sum("amount")))
    totals = qs.aggregate(budget=Sum("amount", filter=Q(kind="budget")), income=Sum("amount", filter=Q(kind="income")),
                          spent=Sum("amount", filter=Q(kind__in=("expense", "reversal"))))
    money = {k: f"{Decimal(v or 0):.2f}" for k, v in totals.items()}
    return {"school_year": year.name if year else None, **money,
            "by_category": [{"code": k or "", "amount": f"{Decimal(v or 0):.2f}"} for k, v in sorted(spent.items())]}


def trends(user, scope: Scope, weekly: WeeklyCounts | None = None, found: FindingCounts | None = None) -> list[dict]:
    """Per school year: plans, tutoring hours delivered and findings first seen (OV-2 trends)."""
    from suiban.iep.models import Plan
    from suiban.org.models import SchoolYear

    years = list(SchoolYear.objects.order_by("start_year")[:10])
    plans = dict(scope.filter(Plan.objects.visible_to(user, PERM)).order_by().values_list("school_year__start_year")
                 .annotate(n=Count("id")))
    weekly = weekly if weekly is not None else WeeklyCounts(user, scope)
    opened = (found if found is not None else FindingCounts(user, scope)).opened()
    out = []
    for y in years:
        hours = weekly.between(y.start_date - timedelta(days=6), y.end_date)
        n = sum(c for day, c in opened if day and y.start_date <= day <= y.end_date)
        out.append({"school_year": y.name, "plans": plans.get(y.start_year, 0),
                    "tutoring_hours": f"{hours:.2f}", "findings_opened": n})
    return out


def dashboard(user, *, region_id=None, school_id=None) -> dict:
    scope = resolve_scope(user, region_id, school_id)
    counts, found, weekly = StudentCounts(user, scope), FindingCounts(user, scope), WeeklyCounts(user, scope)
    return {
        "scope": {"type": scope.kind, "id": scope.id, "name": scope.name, "level": scope.level},
        "students": students_area(user, scope, counts),
        "findings": findings_area(user, scope, found),
        "homebound": homebound_area(user, scope, counts),
        "tutoring": tutoring_area(user, scope, counts, weekly, found),
        "pools": pools_area(user, scope),
        "assessments": assessments_area(user, scope),
        "funds": funds_area(user, scope),
        "trends": trends(user, scope, weekly, found),
    }
