"""Pieces every API router uses: problem+json responses, page/page_size lists, permission checks.

Kept apart from ``suiban.core.api`` (which mounts the routers) so routers can import them without a cycle.
"""

import json
from typing import Annotated

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema

from suiban.core.errors import TITLES


def problem(status: int, code: str, title=None, detail=None, errors=None) -> HttpResponse:
    body = {
        "status": status,
        "code": code,
        "title": str(title or TITLES.get(code, code)),
        "detail": str(detail if detail is not None else (title or TITLES.get(code, code))),
        "errors": [
            {k: (str(v) if k == "message" else v) for k, v in e.items()} for e in (errors or [])
        ],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                        content_type="application/problem+json; charset=utf-8")


# Identifiers and pages are bounded so no query parameter can overflow the database's integers.
Id = Annotated[int, Field(ge=1, le=2**53)]


class PageIn(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=500)


def paginate(qs, page: PageIn, serialize):
    total = qs.count()
    start = (page.page - 1) * page.page_size
    items = [serialize(o) for o in qs[start:start + page.page_size]]
    return {"count": total, "items": items}


def require(request, perm: str):
    from suiban.core.errors import PermissionDenied
    from suiban.core.scoping import has_perm

    if not has_perm(request.user, perm):
        raise PermissionDenied(_("Your roles do not allow this."))


