"""API of the funds ledger module (API.md "Funds ledger", FN-1..FN-4): /api/v1/ledger/…

Entries are posted and reversed, never changed: PATCH and DELETE of an entry answer 405. Out of scope → 404; in
scope but without ``funds.edit`` → 403; money is a decimal string ("120.00")."""

import datetime as dt
from typing import Literal

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from suiban.core.api_tools import Id, PageIn, paginate, problem, require
from suiban.core.errors import DomainError, NotFound, PermissionDenied
from suiban.core.scoping import can, get_visible_or_404
from suiban.funds import documents, services
from suiban.funds.models import FundAllocation, LedgerEntry, LedgerPeriod, LedgerReceipt
from suiban.org.models import School, SchoolYear

router = Router(tags=["funds"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX_RESPONSE = {"responses": {200: {"description": "Excel workbook (.xlsx)", "content": {
    XLSX: {"schema": {"type": "string", "format": "binary"}}}}}}
YearName = Field(..., pattern=r"^\d{4}-\d{4}$", description='e.g. "2025-2026"')
YearOptional = Field(None, pattern=r"^\d{4}-\d{4}$", description='e.g. "2025-2026"; default: the current year')
Kind = Literal["budget", "income", "expense", "reversal"]


class ReceiptOut(Schema):
    id: int
    title: str
    content_type: str
    size: int
    url: str


class EntryOut(Schema):
    id: int
    school_id: int
    school_year: str
    kind: Kind
    source: str
    category: str
    amount: str
    date: dt.date
    payee: str
    purpose: str
    reverses_id: int | None
    reversed_by_id: int | None
    corrects_id: int | None
    origin: str
    over_budget: bool
    receipts: list[ReceiptOut]


class EntryPage(Schema):
    count: int
    items: list[EntryOut]


class EntryFilter(Schema):
    school_id: Id | None = None
    school_year: str | None = Field(None, pattern=r"^\d{4}-\d{4}$")
    kind: Kind | None = None
    category: str | None = Field(None, max_length=40)
    origin: Literal["manual", "homebound_subsidy"] | None = None
    net: bool = False  # True: reversed pairs netted out (the pages' default view)


class EntryIn(Schema):
    school_id: Id
    school_year: str = YearName
    kind: Literal["budget", "income", "expense"]
    source: str = Field("", max_length=30)
    category: str = Field("", max_length=40)
    amount: str | int = Field(..., description='yuan as a decimal string, e.g. "120.00"')
    date: dt.date
    payee: str = Field("", max_length=100)
    purpose: str = Field("", max_length=500)


class ReissueIn(Schema):
    amount: str | int | None = None
    category: str | None = Field(None, max_length=40)
    source: str | None = Field(None, max_length=30)
    payee: str | None = Field(None, max_length=100)
    purpose: str | None = Field(None, max_length=500)
    date: dt.date | None = None


class ReverseIn(Schema):
    reason: str = Field(..., max_length=500)
    date: dt.date | None = None
    reissue: ReissueIn | None = None  # "reverse and reissue" in one step


class ReverseOut(Schema):
    reversal: EntryOut
    reissued: EntryOut | None


class BalanceOut(Schema):
    budget: str
    income: str
    expense: str
    balance: str
    by_category: dict[str, str]
    budget_by_category: dict[str, str]
    income_by_source: dict[str, str]


class LedgerOf(Schema):
    school_id: Id
    school_year: str | None = YearOptional


class TotalsOf(Schema):
    school_id: Id | None = None  # none: every ledger in the caller's scope (a district, a province)
    school_year: str | None = YearOptional


class PeriodIn(Schema):
    school_id: Id
    school_year: str | None = YearOptional
    kind: Literal["month", "term"]
    period: str = Field(..., max_length=7, description='"YYYY-MM" for a month, "1" or "2" for a term')


class PeriodOut(Schema):
    id: int
    school_id: int
    school_year: str
    kind: str
    start_date: dt.date
    end_date: dt.date


class PeriodPage(Schema):
    count: int
    items: list[PeriodOut]


class AllocationIn(Schema):
    school_id: Id
    school_year: str = YearName
    amount: str | int
    allocated_on: dt.date
    due_date: dt.date
    note: str = Field("", max_length=200)


class AllocationOut(Schema):
    id: int
    school_id: int
    school_name: str
    school_year: str
    amount: str
    allocated_on: dt.date
    due_date: dt.date
    received_on: dt.date | None
    late: bool
    income_entry_id: int | None
    note: str


class AllocationPage(Schema):
    count: int
    items: list[AllocationOut]


class ReceiveIn(Schema):
    received_on: dt.date


class AllocationFilter(Schema):
    school_id: Id | None = None
    school_year: str | None = Field(None, pattern=r"^\d{4}-\d{4}$")


# --- helpers ---------------------------------------------------------------------------------------------
def receipt_url(r: LedgerReceipt) -> str:
    from django.urls import reverse

    return reverse("funds:receipt", args=[r.pk])


def entry_out(e: LedgerEntry) -> dict:
    try:
        reversed_by = e.reversed_by
    except LedgerEntry.DoesNotExist:
        reversed_by = None
    return {"id": e.pk, "school_id": e.school_id, "school_year": e.school_year.name, "kind": e.kind,
            "source": e.source, "category": e.category, "amount": f"{e.amount:.2f}", "date": e.date,
            "payee": e.payee, "purpose": e.purpose, "reverses_id": e.reverses_id,
            "reversed_by_id": reversed_by.pk if reversed_by else None, "corrects_id": e.corrects_id,
            "origin": e.origin, "over_budget": e.over_budget,
            "receipts": [{"id": r.pk, "title": r.title, "content_type": r.content_type, "size": r.size,
                          "url": receipt_url(r)} for r in e.receipts.all()]}


def entries_qs(user):
    return (LedgerEntry.objects.visible_to(user, "funds.view")
            .select_related("school_year", "reversed_by")
            .prefetch_related(Prefetch("receipts", queryset=LedgerReceipt.objects.order_by("id"))))


def _year(name: str | None, *, default_current: bool = False) -> SchoolYear:
    year = SchoolYear.objects.filter(start_year=int(name[:4])).first() if name else None
    if year is None and not name and default_current:
        year = SchoolYear.current()
    if year is None:
        raise DomainError(_("Choose a school year."), field="school_year", code="validation_error")
    return year


def school_for_write(request, school_id: int, perm: str = "funds.edit") -> School:
    """The school an entry is posted to: outside the scope (or unknown) → 422 on ``school_id``; in scope but
    without the permission there → 403."""
    require(request, perm)
    school = School.objects.visible_to(request.user, perm).filter(pk=school_id).first()
    if school is None:
        if School.objects.visible_to(request.user, "funds.view").filter(pk=school_id).exists():
            raise PermissionDenied(_("Your roles do not allow this."))
        raise DomainError(_("The object does not exist or is outside your scope."), field="school_id")
    return school


def entry_for_write(request, entry_id: int) -> LedgerEntry:
    require(request, "funds.view")
    entry = get_visible_or_404(LedgerEntry.objects.select_related("school", "school_year"), request.user, entry_id)
    if not can(request.user, "funds.edit", entry):
        raise PermissionDenied(_("Your roles do not allow this."))
    return entry


def school_in_scope(request, school_id: int) -> School:
    require(request, "funds.view")
    school = School.objects.visible_to(request.user, "funds.view").filter(pk=school_id).first()
    if school is None:
        raise NotFound()
    return school


def _one(pk) -> dict:
    return entry_out(entries_qs_all().get(pk=pk))


def entries_qs_all():
    return (LedgerEntry.objects.select_related("school_year", "reversed_by")
            .prefetch_related(Prefetch("receipts", queryset=LedgerReceipt.objects.order_by("id"))))


# --- entries ---------------------------------------------------------------------------------------------
@router.get("/ledger/entries", response=EntryPage)
def list_entries(request, filters: Query[EntryFilter], page: Query[PageIn]):
    """Entries of the ledgers in scope (FN-2), oldest first; ``net=true`` leaves reversed pairs out."""
    require(request, "funds.view")
    qs = entries_qs(request.user)
    if filters.school_id is not None:
        qs = qs.filter(school_id=filters.school_id)
    if filters.school_year:
        qs = qs.filter(school_year__start_year=int(filters.school_year[:4]))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.origin:
        qs = qs.filter(origin=filters.origin)
    if filters.net:
        qs = services.net(qs)
    return paginate(qs.order_by("date", "id"), page, entry_out)


@router.post("/ledger/entries", response={201: EntryOut})
def post_entry(request, payload: EntryIn):
    """Post a budget line, an income or an expense (FN-1..FN-4). An expense in a category the policy does not
    allow for its fund → 422 ``category_not_allowed``; beyond the budget → 422 ``over_budget`` or flagged, as the
    policy says; dated in a closed period → 422 ``period_closed``."""
    school = school_for_write(request, payload.school_id)
    e = services.entry_post(actor=request.user, school=school, school_year=_year(payload.school_year),
                            kind=payload.kind, amount=payload.amount, date=payload.date, category=payload.category,
                            source=payload.source, payee=payload.payee, purpose=payload.purpose)
    return Status(201, _one(e.pk))


@router.get("/ledger/entries/{entry_id}", response=EntryOut)
def get_entry(request, entry_id: Id):
    require(request, "funds.view")
    return entry_out(get_visible_or_404(entries_qs(request.user), request.user, entry_id))


def _not_allowed(request, entry_id):
    require(request, "funds.view")
    get_visible_or_404(LedgerEntry, request.user, entry_id)
    resp = problem(405, "method_not_allowed", _("Ledger entries are never changed"),
                   _("An entry cannot be edited or deleted: post its reversal with the reason "
                     "(POST /api/v1/ledger/entries/{id}/reverse)."))
    resp["Allow"] = "GET"
    return resp


@router.patch("/ledger/entries/{entry_id}", response={405: dict})
def patch_entry(request, entry_id: Id):
    """Never allowed (FN-2): 405; a correction is a reversal (and, where needed, a reissued entry)."""
    return _not_allowed(request, entry_id)


@router.delete("/ledger/entries/{entry_id}", response={405: dict})
def delete_entry(request, entry_id: Id):
    """Never allowed (FN-2): 405; a correction is a reversal."""
    return _not_allowed(request, entry_id)


@router.post("/ledger/entries/{entry_id}/reverse", response={201: ReverseOut})
def reverse_entry(request, entry_id: Id, payload: ReverseIn):
    """Undo an entry with a reversal entry and its reason (FN-2); with ``reissue`` also post the corrected entry
    in the same step. Dated into the open period when the original's period is closed."""
    entry = entry_for_write(request, entry_id)
    if payload.reissue is not None:
        reversal, new = services.entry_reverse_and_reissue(
            actor=request.user, entry=entry, reason=payload.reason, date=payload.date,
            **payload.reissue.dict(exclude_none=True))
    else:
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise DomainError(_("This entry has been reversed already."), field="entry", code="already_reversed")
        reversal, new = services.entry_reverse(actor=request.user, entry=entry, reason=payload.reason,
                                               date=payload.date, by_hand=True), None
    return Status(201, {"reversal": _one(reversal.pk), "reissued": _one(new.pk) if new else None})


@router.post("/ledger/entries/{entry_id}/receipts", response={201: ReceiptOut})
def upload_receipt(request, entry_id: Id, file: File[UploadedFile], title: Form[str] = ""):
    """Attach a scanned receipt (PDF, JPEG or PNG…), checked by content and size (FN-2, SEC-5)."""
    entry = entry_for_write(request, entry_id)
    r = services.receipt_upload(actor=request.user, entry=entry, uploaded_file=file, title=title)
    return Status(201, {"id": r.pk, "title": r.title, "content_type": r.content_type, "size": r.size,
                        "url": receipt_url(r)})


# --- balance and export ------------------------------------------------------------------------------------
@router.get("/ledger/balance", response=BalanceOut)
def balance(request, q: Query[TotalsOf]):
    """Budget, income, expense, balance (income − expense) and expense by category of one school's year; without
    ``school_id``, of every ledger in the caller's scope (the district's or the province's totals by category)."""
    year = _year(q.school_year, default_current=True)
    if q.school_id is None:
        require(request, "funds.view")
        return services.totals_of(LedgerEntry.objects.visible_to(request.user).filter(school_year=year)).as_json()
    school = school_in_scope(request, q.school_id)
    return services.totals(school, year).as_json()


@router.get("/ledger/export.xlsx", openapi_extra=_XLSX_RESPONSE)
def export(request, q: Query[LedgerOf]):
    """The 台账 of one school's year as .xlsx (FN-2), audited."""
    school = school_in_scope(request, q.school_id)
    year = _year(q.school_year, default_current=True)
    data = documents.ledger_xlsx(actor=request.user, school=school, school_year=year)
    resp = HttpResponse(data, content_type=XLSX)
    resp["Content-Disposition"] = content_disposition_header(True, f"{school.name}-{year.name}-经费台账.xlsx")
    resp["Cache-Control"] = "no-store"
    return resp


# --- periods -----------------------------------------------------------------------------------------------
def period_out(p: LedgerPeriod) -> dict:
    return {"id": p.pk, "school_id": p.school_id, "school_year": p.school_year.name, "kind": p.kind,
            "start_date": p.start_date, "end_date": p.end_date}


@router.get("/ledger/periods", response=PeriodPage)
def list_periods(request, filters: Query[AllocationFilter], page: Query[PageIn]):
    require(request, "funds.view")
    qs = LedgerPeriod.objects.visible_to(request.user).select_related("school_year")
    if filters.school_id is not None:
        qs = qs.filter(school_id=filters.school_id)
    if filters.school_year:
        qs = qs.filter(school_year__start_year=int(filters.school_year[:4]))
    return paginate(qs.order_by("school_id", "start_date"), page, period_out)


@router.post("/ledger/periods", response={201: PeriodOut})
def close_period(request, payload: PeriodIn):
    """Close a month or term of a school's ledger (FN-2)."""
    school = school_for_write(request, payload.school_id)
    p = services.period_close(actor=request.user, school=school,
                              school_year=_year(payload.school_year, default_current=True),
                              kind=payload.kind, which=payload.period)
    return Status(201, period_out(p))


# --- allocations (FN-4) ------------------------------------------------------------------------------------
def allocation_out(a: FundAllocation) -> dict:
    return {"id": a.pk, "school_id": a.school_id, "school_name": a.school.name, "school_year": a.school_year.name,
            "amount": f"{a.amount:.2f}", "allocated_on": a.allocated_on, "due_date": a.due_date,
            "received_on": a.received_on, "late": a.late, "income_entry_id": a.income_entry_id, "note": a.note}


@router.get("/ledger/allocations", response=AllocationPage)
def list_allocations(request, filters: Query[AllocationFilter], page: Query[PageIn]):
    """Per-pupil funds allocated to the schools in scope and when they arrived (FN-4)."""
    require(request, "funds.view")
    qs = FundAllocation.objects.visible_to(request.user).select_related("school", "school_year")
    if filters.school_id is not None:
        qs = qs.filter(school_id=filters.school_id)
    if filters.school_year:
        qs = qs.filter(school_year__start_year=int(filters.school_year[:4]))
    return paginate(qs.order_by("school_id", "allocated_on", "id"), page, allocation_out)


@router.post("/ledger/allocations", response={201: AllocationOut})
def create_allocation(request, payload: AllocationIn):
    """The bureau records an allocation of per-pupil funds to a school (FN-4)."""
    school = school_for_write(request, payload.school_id, "funds.allocate")
    a = services.allocation_create(actor=request.user, school=school, school_year=_year(payload.school_year),
                                   amount=payload.amount, allocated_on=payload.allocated_on,
                                   due_date=payload.due_date, note=payload.note)
    return Status(201, allocation_out(FundAllocation.objects.select_related("school", "school_year").get(pk=a.pk)))


@router.post("/ledger/allocations/{allocation_id}/receive", response=AllocationOut)
def receive_allocation(request, allocation_id: Id, payload: ReceiveIn):
    """The school records the day the funds arrived; the income is posted to its ledger (FN-4)."""
    require(request, "funds.view")
    a = get_visible_or_404(FundAllocation.objects.select_related("school", "school_year"), request.user,
                           allocation_id)
    if not can(request.user, "funds.edit", a):
        raise PermissionDenied(_("Your roles do not allow this."))
    a = services.allocation_receive(actor=request.user, allocation=a, received_on=payload.received_on)
    return allocation_out(FundAllocation.objects.select_related("school", "school_year").get(pk=a.pk))
