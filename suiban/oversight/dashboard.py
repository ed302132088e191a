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
def students_area(user, scope: Scope) -> dict:
    qs = _scoped(Student, user, scope)
    active = qs.filter(status__in=ACTIVE_STATUSES)
    base = {**scope.params(), "status": "active"}
    roster = "students:list"

    def grouped(field, choices, extra=None):
        counts = dict(active.order_by().values_list(field).annotate(n=Count("id")))
        return [{"code": code, "label": str(label), "count": counts.get(code, 0),
                 "url": _url(roster, {**base, field: code, **(extra or {})})} for code, label in choices]

    by_status = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    by_sex = dict(active.order_by().values_list("gender").annotate(n=Count("id")))
    return {
        "total": active.count(),
        "inclusion": active.filter(placement__in=INCLUSION_PLACEMENTS).count(),
        "url": _url(roster, base),
        "by_category": grouped("disability_category", CATEGORY_CHOICES),
        "by_placement": grouped("placement", PLACEMENT_CHOICES),
        "by_grade": grouped("grade", list(GRADE_CHOICES)),
        "by_sex": [{"code": c, "label": str(label), "count": by_sex.get(c, 0)} for c, label in GENDER_CHOICES],
        "by_status": [{"code": code, "label": str(label), "count": by_status.get(code, 0),
                       "url": _url(roster, {**scope.params(), "status": code})} for code, label in STATUS_CHOICES],
    }


def findings_area(user, scope: Scope) -> dict:
    qs = scope.filter(Finding.objects.visible_to(user, PERM)).filter(state="open")
    params = scope.params(region_key="region_id", school_key="school_id")
    link = "oversight:findings"
    by_rule = dict(qs.order_by().values_list("rule").annotate(n=Count("id")))
    titles = {}
    for c in checks.checks.values():
        titles.setdefault(c.rule, str(c.title))
    by_sev = dict(qs.order_by().values_list("severity").annotate(n=Count("id")))
    return {
        "open": sum(by_rule.values()),
        "url": _url(link, {**params, "state": "open"}),
        "by_rule": [{"code": r, "label": titles.get(r, r), "count": n,
                     "url": _url(link, {**params, "state": "open", "rule": r})} for r, n in sorted(by_rule.items())],
        "by_severity": [{"code": code, "label": str(label), "count": by_sev.get(code, 0),
                         "url": _url(link, {**params, "state": "open", "severity": code})}
                        for code, label in SEVERITY_CHOICES],
    }


def tutoring_area(user, scope: Scope) -> dict:
    from suiban.iep.checks import last_term_week
    from suiban.iep.models import WeeklyHours
    from suiban.iep.services import today

    monday, _days = last_term_week(today())
    students = _scoped(Student, user, scope).filter(status__in=ACTIVE_STATUSES, placement__in=INCLUSION_PLACEMENTS)
    out = {"week_start": monday.isoformat() if monday else None, "students": students.count(), "hours": "0",
           "below_minimum": 0}
    if monday:
        hours = (WeeklyHours.objects.filter(week_start=monday, student__in=students)
                 .aggregate(h=Sum("delivered_hours"))["h"]) or Decimal("0")
        out["hours"] = f"{Decimal(hours):.2f}"
        below = scope.filter(Finding.objects.visible_to(user, PERM)).filter(state="open", check_code="IEP-5")
        out["below_minimum"] = below.count()
        out["url"] = _url("oversight:findings", {**scope.params(region_key="region_id", school_key="school_id"),
                                                 "state": "open", "rule": "IEP-5"})
    return out


def homebound_area(user, scope: Scope) -> dict:
    active = _scoped(Student, user, scope).filter(status__in=ACTIVE_STATUSES, placement="homebound")
    out = {"students": active.count(),
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


def trends(user, scope: Scope) -> list[dict]:
    """Per school year: plans, tutoring hours delivered and findings first seen (OV-2 trends)."""
    from suiban.iep.models import Plan, WeeklyHours
    from suiban.org.models import SchoolYear

    years = list(SchoolYear.objects.order_by("start_year")[:10])
    plans = dict(scope.filter(Plan.objects.visible_to(user, PERM)).order_by().values_list("school_year__start_year")
                 .annotate(n=Count("id")))
    students = _scoped(Student, user, scope)
    weekly = (WeeklyHours.objects.filter(student__in=students).order_by().values_list("week_start")
              .annotate(h=Sum("delivered_hours")))
    opened = (scope.filter(Finding.objects.visible_to(user, PERM)).order_by()
              .values_list(TruncDate("first_seen")).annotate(n=Count("id")))
    weekly, opened = list(weekly), list(opened)
    out = []
    for y in years:
        first = y.start_date - timedelta(days=6)
        hours = sum((Decimal(h or 0) for week, h in weekly if first <= week <= y.end_date), Decimal("0"))
        n = sum(c for day, c in opened if day and y.start_date <= day <= y.end_date)
        out.append({"school_year": y.name, "plans": plans.get(y.start_year, 0),
                    "tutoring_hours": f"{hours:.2f}", "findings_opened": n})
    return out


def dashboard(user, *, region_id=None, school_id=None) -> dict:
    scope = resolve_scope(user, region_id, school_id)
    return {
        "scope": {"type": scope.kind, "id": scope.id, "name": scope.name, "level": scope.level},
        "students": students_area(user, scope),
        "findings": findings_area(user, scope),
        "homebound": homebound_area(user, scope),
        "tutoring": tutoring_area(user, scope),
        "pools": pools_area(user, scope),
        "assessments": assessments_area(user, scope),
        "funds": funds_area(user, scope),
        "trends": trends(user, scope),
    }
