"""Pieces every API router uses: problem+json responses, page/page_size lists, permission checks.

Kept apart from ``suiban.core.api`` (which mounts the routers) so routers can import them without a cycle.
"""

import json
from typing import Annotated

import ninja
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator

from suiban.core.errors import TITLES


class Schema(ninja.Schema):
    """ninja's Schema, but a dict is validated as it is, field by field in pydantic's core.

    ninja wraps whatever it validates in a ``DjangoGetter`` (so a model's attributes, managers and ``resolve_``
    methods can feed a schema); for a dict of plain values — what the list endpoints build — that wrapper only
    adds a Python call per field and item (most of the serialising time of a 50-row page). Objects other than
    dicts still go through it. Schemas here declare no ``resolve_`` methods and dicts hold no managers."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler: ModelWrapValidatorHandler, info: ValidationInfo):
        if type(values) is dict:
            return handler(values)
        return super()._run_root_validator(values, handler, info)


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


def listed(out: dict | list) -> HttpResponse:
    """A list answer the endpoint built as plain values, rendered exactly as ninja renders it (same encoder, same
    content type) but without validating and dumping each item again through the declared schema: on a 50-row
    page that costs as much as the page's SQL. The schema still documents the answer, and the contract and
    schema tests check the answers against it."""
    from ninja.responses import NinjaJSONEncoder

    return HttpResponse(json.dumps(out, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8")


def page_count(qs, start: int, page_size: int, shown: int, *, capped: bool = False,
               cap: int | None = None) -> tuple[int, bool]:
    """(count, exact) of a list whose page starting at row ``start`` holds ``shown`` rows. The rows are in a
    total order, so a page that is not full (and not empty past the first page) ends the list: it tells the
    count without counting — a school's lists mostly fit in one page. Otherwise the count query runs, capped at
    ``cap`` (``COUNT_CAP`` with ``capped``; ``capped_count``: the same answer either way)."""
    if capped and cap is None:
        cap = COUNT_CAP
    if shown < page_size and (shown or start == 0):
        total = start + shown
        if cap is not None and total > cap:
            return cap, False
        return total, True
    return capped_count(qs, cap) if cap is not None else (qs.count(), True)


def values_page(qs, page: "PageIn", columns: dict[str, str], *, finish=None, cap: int | None = None,
                capped: bool = False):
    """``paginate`` for a list whose items are plain columns: one page read with ``values_list`` (``columns`` maps
    each answer key to its lookup, ``__`` through a join), ``finish(item)`` shapes an item further (a nested
    object), and the answer is rendered by ``listed``."""
    keys = list(columns)

    def items_of(page_qs):
        items = [dict(zip(keys, row, strict=True)) for row in page_qs.values_list(*columns.values())]
        for item in items if finish is not None else ():
            finish(item)
        return items

    return listed(_page_answer(qs, page, items_of, cap=cap, capped=capped))


# Identifiers and pages are bounded so no query parameter can overflow the database's integers.
Id = Annotated[int, Field(ge=1, le=2**53)]


class PageIn(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=500)


# Counting millions of rows for every page is not an option (API.md "Lists"): past this many the count is capped
# and the answer says ``count_exact: false``.
COUNT_CAP = 10_000


def capped_count(qs, cap: int | None = None) -> tuple[int, bool]:
    """(count, exact): counts at most ``cap`` + 1 rows (``SELECT COUNT(*) FROM (… LIMIT cap+1)``)."""
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by()[:cap + 1].count()
    return (cap, False) if n > cap else (n, True)


def paginate(qs, page: PageIn, serialize, *, cap: int | None = None, capped: bool = False):
    """{count, items} of one page; with ``capped`` (or a ``cap``) the count is capped at ``cap`` (default
    ``COUNT_CAP``) and ``count_exact`` says so. A page that is not full tells the count (``page_count``)."""
    return _page_answer(qs, page, lambda page_qs: [serialize(o) for o in page_qs], cap=cap, capped=capped)


def _page_answer(qs, page: PageIn, items_of, *, cap: int | None, capped: bool) -> dict:
    """{count, items[, count_exact]} of one page: ``items_of`` reads the page's slice of ``qs``."""
    start = (page.page - 1) * page.page_size
    items = items_of(qs[start:start + page.page_size])
    total, exact = page_count(qs, start, page.page_size, len(items), capped=capped, cap=cap)
    out = {"count": total, "items": items}
    if capped or cap is not None:
        out["count_exact"] = exact
    return out


def require(request, perm: str):
    from suiban.core.errors import PermissionDenied
    from suiban.core.scoping import has_perm

    if not has_perm(request.user, perm):
        raise PermissionDenied(_("Your roles do not allow this."))




def capped_paginator(object_list, per_page, cap: int | None = None):
    """A django Paginator for list pages that may hold millions of rows: its ``count`` counts at most ``cap`` + 1
    rows (``count_exact`` says whether it is exact; ``count_display`` reads "10000+" when capped); pages past the
    cap are not offered (a filter reaches them)."""
    from django.core.paginator import Paginator
    from django.utils.functional import cached_property

    class _Capped(Paginator):
        @cached_property
        def count(self):
            n, self.count_exact = capped_count(self.object_list, cap)
            return n

        @property
        def count_display(self):
            return self.count if self.count_exact else f"{self.count}+"

    return _Capped(object_list, per_page)
