"""Oversight pages: the findings list (OV-1) with filters and a link to where each is mended, one finding, and the
dashboard of a school, district, city or province (OV-2) with charts that lead to the lists they count."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban.core.lists import Sorting
from suiban.core.registry import checks
from suiban.core.views import permission_required
from suiban.oversight import dashboard as dashboards
from suiban.oversight import selectors
from suiban.oversight.links import mend_url
from suiban.oversight.models import SEVERITY_CHOICES, STATE_CHOICES
from suiban.oversight.rules import source_of

PAGE_SIZE = 50


def _int(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) < 12 else None


def rule_choices():
    """(rule, title in words) of every registered check, one per rule."""
    seen = {}
    for c in checks.checks.values():
        seen.setdefault(c.rule, str(c.title))
    return sorted(seen.items(), key=lambda kv: kv[1])


def _decorate(f):
    f.title = selectors.title_of(f)
    f.action = selectors.action_of(f)
    f.source = str(source_of(f.rule))
    f.url = mend_url(f)
    return f


FINDING_SORT = Sorting({"due_date": ("due_date",), "first_seen": ("first_seen",), "severity": ("severity",),
                        "school": ("school__code",), "subject": ("subject_name",)}, default="due_date")


@permission_required("oversight.view")
def finding_list(request):
    from suiban.org.models import Region, School

    filters = {k: request.GET.get(k, "") for k in ("rule", "severity", "state", "school_id", "region_id")}
    clean = {k: v for k, v in filters.items() if v}
    for k in ("school_id", "region_id"):
        if k in clean:
            if _int(clean[k]) is None:
                raise Http404
            clean[k] = _int(clean[k])
    if "state" not in request.GET:  # open findings unless the user asks for resolved ones or all
        clean["state"] = filters["state"] = "open"
    qs = selectors.findings(request.user, clean).select_related("school")
    filters["overdue"] = request.GET.get("overdue", "")
    today = timezone.localdate()
    if filters["overdue"]:  # open findings past their due date
        qs = qs.filter(state="open", due_date__lt=today)
    raw = request.GET.get("sort", "")
    sort = raw if raw and FINDING_SORT.key(raw) == raw else ""
    if sort:  # without one the selector's order stays: open first, gravest, soonest due
        qs = qs.order_by(*FINDING_SORT.order_by(sort))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_decorate(f) for f in page.object_list]
    for f in rows:
        f.overdue = bool(f.state == "open" and f.due_date and f.due_date < today)
    schools = list(School.objects.visible_to(request.user, "oversight.view").only("id", "name", "code")
                   .order_by("code")[:301])
    regions = list(Region.objects.visible_to(request.user, "oversight.view").only("id", "name", "level"))
    if len(schools) > 300:
        schools = []
    return render(request, "oversight/finding_list.html", {
        "page": page, "rows": rows, "filters": filters, "count": page.paginator.count,
        "rules": rule_choices(), "severities": SEVERITY_CHOICES, "states": STATE_CHOICES,
        "schools": schools, "regions": regions, "state_shown": clean.get("state", ""),
        "title": _("Findings"), "sort": sort, "overdue_only": bool(filters["overdue"]),
    })


@permission_required("oversight.view")
def finding_detail(request, pk):
    f = selectors.findings(request.user, {}).select_related("school", "region").filter(pk=pk).first()
    if f is None:
        raise Http404
    return render(request, "oversight/finding_detail.html", {"f": _decorate(f), "title": _("Finding")})


@permission_required("oversight.view")
def dashboard_page(request):
    data = dashboards.dashboard(request.user, region_id=_int(request.GET.get("region_id")),
                                school_id=_int(request.GET.get("school_id")))
    from suiban.org.models import Region, School

    scope = data["scope"]
    children = []
    if scope["type"] == "region":
        region = Region.objects.get(pk=scope["id"])
        if region.level == Region.DISTRICT:
            children = [("school_id", s.pk, s.name) for s in School.objects.visible_to(request.user, "oversight.view")
                        .filter(region=region).order_by("code")]
        else:
            children = [("region_id", r.pk, r.name) for r in Region.objects.visible_to(request.user, "oversight.view")
                        .filter(parent=region)]
    elif scope["type"] == "all":
        children = [("region_id", r.pk, r.name) for r in Region.objects.filter(level=Region.PROVINCE)]
    from django.urls import reverse

    params = {"region": "region_id", "school": "school_id"}.get(scope["type"])
    stats_url = reverse("oversight:statistics") + (f"?{params}={scope['id']}" if params else "")
    return render(request, "oversight/dashboard.html", {"d": data, "children": children, "stats_url": stats_url,
                                                        "title": _("Dashboard")})


@permission_required("oversight.view")
def statistics_export(request):
    """OV-2: the yearly statistics (教育事业统计 categories) of the dashboard's scope as one .xlsx."""
    from django.http import HttpResponse

    from suiban.core import audit
    from suiban.oversight import statistics

    scope = dashboards.resolve_scope(request.user, _int(request.GET.get("region_id")),
                                     _int(request.GET.get("school_id")))
    data = statistics.workbook(request.user, scope)
    audit.record(request.user, "oversight.statistics.exported", None, object_type="statistics",
                 object_id=scope.id or "", object_repr=scope.name, changes={"scope": [None, scope.kind]})
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = "attachment; filename=\"statistics.xlsx\"; filename*=UTF-8''" + \
        "%E7%89%B9%E6%AE%8A%E6%95%99%E8%82%B2%E7%BB%9F%E8%AE%A1.xlsx"
    return resp
