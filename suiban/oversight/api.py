"""API of the oversight module (API.md "Oversight (OV)"): findings (OV-1) and dashboards (OV-2)."""

from datetime import date, datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema

from suiban.core.api_tools import Id, PageIn, paginate, require
from suiban.oversight import dashboard as dashboards
from suiban.oversight import selectors

router = Router(tags=["oversight"])


class SubjectOut(Schema):
    type: str
    id: int
    name: str


class FindingOut(Schema):
    id: int
    rule: str
    severity: str
    subject: SubjectOut
    school_id: int | None
    evidence: str
    action: str
    due_date: date | None
    state: str
    first_seen: datetime
    resolved_at: datetime | None


class FindingList(Schema):
    count: int
    items: list[FindingOut]


class FindingFilters(Schema):
    rule: str | None = Field(None, max_length=12)
    school_id: Id | None = None
    region_id: Id | None = None
    severity: Literal["info", "warning", "violation"] | None = None
    state: Literal["open", "resolved"] | None = None


def finding_out(f) -> dict:
    return {"id": f.pk, "rule": f.rule, "severity": f.severity,
            "subject": {"type": f.subject_type, "id": f.subject_id, "name": f.subject_name},
            "school_id": f.school_id, "evidence": f.evidence, "action": selectors.action_of(f),
            "due_date": f.due_date, "state": f.state, "first_seen": f.first_seen, "resolved_at": f.resolved_at}


@router.get("/findings", response=FindingList, summary="Findings of the compliance engine in the caller's scope")
def list_findings(request, filters: Query[FindingFilters], page: Query[PageIn]):
    require(request, "oversight.view")
    qs = selectors.findings(request.user, filters.dict())
    return paginate(qs, page, finding_out)


@router.get("/findings/{finding_id}", response=FindingOut, summary="One finding")
def get_finding(request, finding_id: Id):
    require(request, "oversight.view")
    f = selectors.findings(request.user, {}).filter(pk=finding_id).first()
    if f is None:
        raise Http404
    return finding_out(f)


class DashboardFilters(Schema):
    region_id: Id | None = None
    school_id: Id | None = None


@router.get("/dashboard", summary="Figures per area (students, findings, homebound, tutoring, pools, assessments, "
                                  "funds) inside the caller's scope")
def get_dashboard(request, filters: Query[DashboardFilters]):
    require(request, "oversight.view")
    return dashboards.dashboard(request.user, region_id=filters.region_id, school_id=filters.school_id)
