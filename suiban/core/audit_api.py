from datetime import date, datetime
from typing import Literal

from ninja import Field, Query, Router

from suiban.core.api_tools import PageIn, Schema, require, values_page
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
    return values_page(qs, page, {"id": "id", "at": "at", "actor": "actor_username", "action": "action",
                                  "object_type": "object_type", "object_id": "object_id", "result": "result",
                                  "client_address": "client_address", "changes": "changes"}, capped=True)
