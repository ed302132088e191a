"""Reads of the oversight module: the findings a user may see, filtered like the API and the page (OV-1)."""

from django.db.models import F
from django.http import Http404

from suiban.core.registry import checks
from suiban.oversight.models import Finding
from suiban.oversight.rules import source_of

FILTERS = ("rule", "school_id", "region_id", "severity", "state", "check")


def findings(user, filters: dict, *, perm: str = "oversight.view"):
    """The findings inside ``user``'s scope, filtered; an out-of-scope school or region → Http404."""
    from suiban.org.models import Region, School

    qs = Finding.objects.visible_to(user, perm)
    f = {k: v for k, v in filters.items() if v not in (None, "")}
    if "rule" in f:
        qs = qs.filter(rule=str(f["rule"]))
    if "check" in f:
        qs = qs.filter(check_code=str(f["check"]))
    if "severity" in f:
        qs = qs.filter(severity=str(f["severity"]))
    if "state" in f:
        qs = qs.filter(state=str(f["state"]))
    if "school_id" in f:
        if not School.objects.visible_to(user).filter(pk=int(f["school_id"])).exists():
            raise Http404
        qs = qs.filter(school_id=int(f["school_id"]))
    if "region_id" in f:
        region = Region.objects.visible_to(user).filter(pk=int(f["region_id"])).first()
        if region is None:
            raise Http404
        qs = qs.filter(region_path__startswith=region.path)
    # open first; violations before warnings before information; the earliest due date first, undated last
    return qs.order_by("state", "-severity", F("due_date").asc(nulls_last=True), "id")


def check_of(finding):
    return checks.checks.get(finding.check_code)


def title_of(finding) -> str:
    c = check_of(finding)
    return str(c.title) if c else finding.rule


def action_of(finding) -> str:
    c = check_of(finding)
    return str(c.action) if c else ""


def source_text(finding) -> str:
    return str(source_of(finding.rule))
