from datetime import date, datetime
from typing import Literal

from ninja import Field, Query, Router

from suiban.core.api_tools import PageIn, Schema, paginate, require
from suiban.core.views import audit_queryset


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    result: str
    client_address: str
    changes: dict


class AuditFilter(Schema):
    object_type: str | None = None
    object_id: str | None = Field(None, max_length=64)
    actor: str | None = Field(None, max_length=150)
    action: str | None = Field(None, max_length=100)
    result: Literal["success", "failure", "denied"] | None = None
    date_from: date | None = None
    date_to: date | None = None


class AuditPage(Schema):
    count: int
    count_exact: bool = True
    items: list[AuditEventOut]


router = Router(tags=["audit"])


@router.get("/audit", response=AuditPage)
def audit_events(request, filters: Query[AuditFilter], page: Query[PageIn]):
    """Audit events within the caller's scope (audit administrator; bureau officers for their region)."""
    require(request, "audit.view")
    qs = audit_queryset(request.user, filters.dict(exclude_none=True))
    return paginate(qs, page, capped=True, serialize=lambda e: {
        "id": e.id, "at": e.at, "actor": e.actor_username, "action": e.action, "object_type": e.object_type,
        "object_id": e.object_id, "result": e.result, "client_address": e.client_address, "changes": e.changes,
    })
