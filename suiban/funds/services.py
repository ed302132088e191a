"""Every write to the funds ledger (FN-1..FN-4): entries are posted, never edited; a correction is a reversal.

``entry_post`` and ``entry_reverse`` are the interface other modules use (home-delivered education posts each
visit's subsidy, HB-7): both are idempotent — posting with an ``origin_ref`` already posted answers the existing
entry, reversing an entry already reversed answers the existing reversal — so a retried request or two racing
corrections never post twice.

Rules checked here:

* FN-1/FN-3 — an expense's category must be one the policy allows for the fund it is paid from (per-pupil funds:
  ``fund_expense_categories``; resource-room special funds: ``fund_special_categories``; the school budget and the
  city and district subsidies: any of these or the resource-room budget categories, ``fund_budget_categories``),
  else 422 ``category_not_allowed``.
* FN-2 — an expense beyond the budget (the year's total, or the budget lines of its category where there are any)
  is refused (422 ``over_budget``) or posted and flagged, as ``fund_over_budget`` says; a posting another module
  makes from its own records (a visit's subsidy) is never refused for the budget, only flagged.
* FN-2 — a closed month or term takes no entry dated inside it (422 ``period_closed``); a correction of an entry
  in a closed period posts into the open period and names the original.
* Totals are sums of ``signed_amount`` grouped by what an entry counts as, so the balance, the totals by category
  and the list of entries always reconcile.

Writes lock the school's row: two postings of one school are counted one after the other.
"""

from dataclasses import dataclass, field
from datetime import date as date_type
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.errors import DomainError
from suiban.core.services import field_error, raise_errors
from suiban.funds.models import (
    CATEGORY_LABELS,
    PER_PUPIL_FUNDS,
    SOURCE_LABELS,
    SPECIAL_FUNDS,
    FundAllocation,
    LedgerEntry,
    LedgerPeriod,
    LedgerReceipt,
)
from suiban.org.calendar import school_year_dates, term_dates
from suiban.org.models import School, SchoolYear
from suiban.policy import resolve

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
POSTED_FIELDS = ["kind", "amount", "date", "category", "source", "payee", "purpose", "origin", "origin_ref",
                 "over_budget"]


def _money(value) -> Decimal | None:
    if isinstance(value, float):
        value = repr(value)  # never through binary floating point
    try:
        amount = Decimal(str(value).strip().replace(",", "")).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not amount.is_finite() or abs(amount) >= Decimal("1e10"):
        return None
    if Decimal(str(value).strip().replace(",", "")) != amount:
        return None  # more than two decimal places: refused, never rounded silently
    return amount


# --- policy -----------------------------------------------------------------------------------------------
def allowed_categories(school, source: str = "") -> list[str]:
    """The expense categories the school's policy allows for the fund ``source`` (FN-1, FN-3, FN-4)."""
    per_pupil = list(resolve.value(school, "fund_expense_categories"))
    special = list(resolve.value(school, "fund_special_categories"))
    if source == PER_PUPIL_FUNDS:
        return per_pupil
    if source == SPECIAL_FUNDS:
        return special
    budget = list(resolve.value(school, "fund_budget_categories"))
    return list(dict.fromkeys(per_pupil + special + budget))


def ledger_categories(school) -> list[str]:
    """Every category the school's ledger may use (any fund), in the order of the policy lists."""
    return allowed_categories(school, "")


def income_sources(school) -> list[str]:
    return list(resolve.value(school, "fund_income_sources"))


def over_budget_refuses(school) -> bool:
    return resolve.value(school, "fund_over_budget") != "flag"


# --- reads ------------------------------------------------------------------------------------------------
@dataclass
class Totals:
    budget: Decimal = ZERO
    income: Decimal = ZERO
    expense: Decimal = ZERO
    by_category: dict = field(default_factory=dict)  # expense by category
    budget_by_category: dict = field(default_factory=dict)
    income_by_source: dict = field(default_factory=dict)

    @property
    def balance(self) -> Decimal:
        return self.income - self.expense

    def as_json(self) -> dict:
        money = lambda d: {k: f"{v:.2f}" for k, v in d.items()}  # noqa: E731
        return {"budget": f"{self.budget:.2f}", "income": f"{self.income:.2f}", "expense": f"{self.expense:.2f}",
                "balance": f"{self.balance:.2f}", "by_category": money(self.by_category),
                "budget_by_category": money(self.budget_by_category),
                "income_by_source": money(self.income_by_source)}


def totals_of(qs) -> Totals:
    """Totals of the entries in ``qs`` (one grouped query). Reversals count against the kind they undo."""
    t = Totals()
    rows = (qs.order_by().values("base_kind", "category", "source").annotate(total=Sum("signed_amount")))
    for r in rows:
        amount = (r["total"] or ZERO).quantize(CENT)
        kind = r["base_kind"]
        if kind == LedgerEntry.BUDGET:
            t.budget += amount
            if r["category"]:
                t.budget_by_category[r["category"]] = t.budget_by_category.get(r["category"], ZERO) + amount
        elif kind == LedgerEntry.INCOME:
            t.income += amount
            t.income_by_source[r["source"]] = t.income_by_source.get(r["source"], ZERO) + amount
        elif kind == LedgerEntry.EXPENSE:
            t.expense += amount
            t.by_category[r["category"]] = t.by_category.get(r["category"], ZERO) + amount
    return t


def totals(school, school_year) -> Totals:
    return totals_of(LedgerEntry.objects.filter(school=school, school_year=school_year))


def net(qs):
    """Entries with reversed pairs netted out: neither a reversed entry nor its reversal (FN-2 default view)."""
    return qs.exclude(kind=LedgerEntry.REVERSAL).filter(reversed_by__isnull=True)


def _periods_from(school, day: date_type) -> list[tuple[date_type, date_type]]:
    """(start, end) of the school's closed periods that end on or after ``day``, in order (one query)."""
    return list(LedgerPeriod.objects.filter(school=school, end_date__gte=day).order_by("start_date")
                .values_list("start_date", "end_date"))


def _open_date(day: date_type, periods) -> date_type:
    for start, end in periods:
        if start <= day <= end:
            day = end + timedelta(days=1)
    return day


def open_date(school, day: date_type) -> date_type:
    """``day`` or, when it lies in a closed period, the first day after the closed periods that cover it."""
    return _open_date(day, _periods_from(school, day))


# --- entries ----------------------------------------------------------------------------------------------
def _lock_school(school_id):
    School.objects.select_for_update().filter(pk=school_id).values_list("pk", flat=True).first()


def _year_of(school_year) -> SchoolYear | None:
    if isinstance(school_year, SchoolYear):
        return school_year
    if isinstance(school_year, str) and len(school_year) == 9 and school_year[:4].isdigit():
        return SchoolYear.objects.filter(start_year=int(school_year[:4])).first()
    return None


def _check_fields(school, *, kind, money, date, category, source, payee, purpose, errors, manual):
    if kind not in (LedgerEntry.BUDGET, LedgerEntry.INCOME, LedgerEntry.EXPENSE):
        errors.append(field_error("kind", _("Choose budget, income or expense.")))
    if money is None or money <= 0:
        errors.append(field_error("amount", _("Enter an amount greater than zero, in yuan with at most two "
                                              "decimal places.")))
    if date is None:
        errors.append(field_error("date", _("This field is required."), "required"))
    if len(payee) > 100:
        errors.append(field_error("payee", _("The payee is at most 100 characters."), "max_length"))
    if len(purpose) > 500:
        errors.append(field_error("purpose", _("The purpose is at most 500 characters."), "max_length"))
    if source and source not in SOURCE_LABELS:
        errors.append(field_error("source", _("Choose one of the income sources."), "invalid_choice"))
    elif source and manual and source not in income_sources(school):
        errors.append(field_error("source", _("This income source is not used in your region's ledger."),
                                  "invalid_choice"))
    if kind == LedgerEntry.INCOME and not source:
        errors.append(field_error("source", _("Choose where the income comes from."), "required"))
    if kind == LedgerEntry.EXPENSE:
        if not category:
            errors.append(field_error("category", _("Choose the category of the expense."), "required"))
        elif category not in CATEGORY_LABELS or category not in allowed_categories(school, source):
            errors.append(field_error("category", _("This category of expense is not allowed for this fund by "
                                                    "your region's policy."), "category_not_allowed"))
        if manual and not payee:
            errors.append(field_error("payee", _("Enter who was paid."), "required"))
        if manual and not purpose:
            errors.append(field_error("purpose", _("Enter what the money was spent on."), "required"))
    elif kind == LedgerEntry.BUDGET and category and category not in CATEGORY_LABELS:
        errors.append(field_error("category", _("Choose one of the categories."), "invalid_choice"))


def _raise(errors):
    if any(e["code"] == "category_not_allowed" for e in errors):
        raise DomainError(next(e["message"] for e in errors if e["code"] == "category_not_allowed"),
                          code="category_not_allowed", errors=errors)
    raise_errors(errors)


def _is_over_budget(school, school_year, category: str, money: Decimal) -> bool:
    t = totals(school, school_year)
    if t.expense + money > t.budget:
        return True
    if category in t.budget_by_category:
        return t.by_category.get(category, ZERO) + money > t.budget_by_category[category]
    return False


def _create(entry: LedgerEntry) -> LedgerEntry:
    entry.base_kind = entry.kind
    entry.signed_amount = entry.amount
    entry.save()
    return entry


def entry_post(*, actor, school, school_year, kind: str, amount, date: date_type, category: str = "",
               source: str = "", payee: str = "", purpose: str = "", origin: str = LedgerEntry.MANUAL,
               origin_ref: str = "", corrects: LedgerEntry | None = None, fresh_origin: bool = False) -> LedgerEntry:
    """Post one budget line, income or expense. With an ``origin_ref`` the posting is idempotent.

    A posting of another module (``origin`` not manual) is dated into the open period when its date lies in a
    closed one, is paid from the per-pupil funds unless it names a source, and is flagged, never refused, beyond
    the budget. ``fresh_origin``: the caller has just created, inside its own transaction, the record that
    ``origin_ref`` names (a new visit), so nothing can have posted it before — the look-up and the savepoint that
    guard a retried posting are skipped (the unique constraint on the origin still holds)."""
    manual = origin == LedgerEntry.MANUAL
    category, source = (category or "").strip(), (source or "").strip()
    payee, purpose = (payee or "").strip(), (purpose or "").strip()
    if not manual and kind == LedgerEntry.EXPENSE and not source:
        source = PER_PUPIL_FUNDS  # HB-7: the subsidy is paid from the per-pupil funds
    year = _year_of(school_year)
    money = _money(amount)
    errors = []
    if year is None:
        errors.append(field_error("school_year", _("Choose a school year."), "required"))
    _check_fields(school, kind=kind, money=money, date=date, category=category, source=source, payee=payee,
                  purpose=purpose, errors=errors, manual=manual)
    if manual and year is not None and date is not None and not _within_year(year, school, date):
        errors.append(field_error("date", _("The date lies outside the school year %(year)s.")
                                  % {"year": year.name}, "out_of_year"))
    _raise(errors)
    fresh_origin = fresh_origin and bool(origin_ref) and not manual
    with transaction.atomic(savepoint=not fresh_origin):
        _lock_school(school.pk)
        if origin_ref and not fresh_origin:
            existing = LedgerEntry.objects.filter(origin=origin, origin_ref=origin_ref).first()
            if existing is not None:
                return existing
        periods = _periods_from(school, date)
        if any(start <= date <= end for start, end in periods):
            if manual and corrects is None:
                raise DomainError(_("This month or term is closed: date the entry in the open period."),
                                  code="period_closed", field="date")
            date = _open_date(date, periods)
        over = False
        if kind == LedgerEntry.EXPENSE and _is_over_budget(school, year, category, money):
            if manual and over_budget_refuses(school):
                raise DomainError(_("The expense goes beyond the budget of the year, which your region's policy "
                                    "does not allow."), code="over_budget", field="amount")
            over = True
        entry = LedgerEntry(school=school, school_year=year, region_path=school.region_path, kind=kind,
                            amount=money, date=date, category=category, source=source, payee=payee[:100],
                            purpose=purpose[:500], origin=origin, origin_ref=origin_ref, created_by=actor,
                            corrects=corrects, over_budget=over)
        if fresh_origin:
            _create(entry)
        else:
            try:
                with transaction.atomic():
                    _create(entry)
            except IntegrityError:
                # A concurrent posting of the same origin_ref won the race: answer its entry.
                return LedgerEntry.objects.get(origin=origin, origin_ref=origin_ref)
        changes = {f: [None, v] for f, v in audit.snapshot(entry, POSTED_FIELDS).items()}
        if corrects is not None:
            changes["corrects"] = [None, corrects.pk]
        audit.record(actor, "funds.entry.posted", entry, changes=changes)
        return entry


def entry_reverse(*, actor, entry: LedgerEntry, reason: str, date: date_type | None = None,
                  by_hand: bool = False) -> LedgerEntry:
    """Undo ``entry`` with a reversal entry of the same amount that points at it (never an edit). Reversing an
    entry twice answers the first reversal; a reversal itself cannot be reversed. The reversal is dated into the
    open period. ``by_hand``: a person reversing through a page or the API, who may not reverse another module's
    posting (that one is corrected where it comes from, e.g. the visit)."""
    errors = []
    reason = (reason or "").strip()
    if not reason:
        errors.append(field_error("reason", _("Give the reason for the reversal."), "required"))
    elif len(reason) > 500:
        errors.append(field_error("reason", _("The reason is at most 500 characters."), "max_length"))
    if entry.kind == LedgerEntry.REVERSAL:
        errors.append(field_error("entry", _("A reversal cannot be reversed; post a new entry instead.")))
    if by_hand and entry.origin != LedgerEntry.MANUAL:
        errors.append(field_error("entry", _("This entry was posted from a home-delivery visit; correct the visit "
                                             "instead.")))
    raise_errors(errors)
    with transaction.atomic():
        _lock_school(entry.school_id)
        locked = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
        existing = LedgerEntry.objects.filter(reverses=locked).first()
        if existing is not None:
            return existing
        when = open_date(locked.school, date or timezone.localdate())
        reversal = LedgerEntry(
            school_id=locked.school_id, school_year_id=locked.school_year_id, region_path=locked.region_path,
            kind=LedgerEntry.REVERSAL, amount=locked.amount, date=when, category=locked.category,
            source=locked.source, payee=locked.payee, purpose=reason, reverses=locked, origin=locked.origin,
            created_by=actor, base_kind=locked.base_kind, signed_amount=-locked.amount)
        try:
            with transaction.atomic():
                reversal.save()
        except IntegrityError:
            # The other of two racing reversals won: answer it (never two reversals of one entry).
            return LedgerEntry.objects.get(reverses=locked)
        audit.record(actor, "funds.entry.reversed", reversal,
                     changes={"reverses": [None, locked.pk], "amount": [None, str(locked.amount)],
                              "date": [None, when], "reason": [None, reason]})
        return reversal


def entry_reverse_and_reissue(*, actor, entry: LedgerEntry, reason: str, date: date_type | None = None,
                              **changes) -> tuple[LedgerEntry, LedgerEntry]:
    """"Reverse and reissue" in one step (FN-2): the reversal and a corrected copy of ``entry`` (``changes`` among
    amount, category, source, payee, purpose, date), both in the open period, the copy naming the original.
    Both or neither are posted."""
    unknown = set(changes) - {"amount", "category", "source", "payee", "purpose", "date"}
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    with transaction.atomic():
        _lock_school(entry.school_id)
        entry = LedgerEntry.objects.select_for_update().select_related("school", "school_year").get(pk=entry.pk)
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise DomainError(_("This entry has been reversed already."), field="entry", code="already_reversed")
        reversal = entry_reverse(actor=actor, entry=entry, reason=reason, date=date, by_hand=True)
        values = {"amount": entry.amount, "category": entry.category, "source": entry.source,
                  "payee": entry.payee, "purpose": entry.purpose, "date": reversal.date}
        values.update({k: v for k, v in changes.items() if v not in (None, "")})
        new_date = values.pop("date")
        reissued = entry_post(actor=actor, school=entry.school, school_year=entry.school_year, kind=entry.kind,
                              date=new_date, corrects=entry, **values)
        return reversal, reissued


# --- receipts ---------------------------------------------------------------------------------------------
def receipt_upload(*, actor, entry: LedgerEntry, uploaded_file, title: str = "") -> LedgerReceipt:
    """Attach a scanned receipt to an entry: checked by content and size, stored through the storage API (FN-2)."""
    from suiban.students.archives.services import _checked_upload, _store

    errors = []
    if entry.kind == LedgerEntry.REVERSAL:
        errors.append(field_error("entry", _("Attach receipts to the entry itself, not to its reversal.")))
    title, kind = _checked_upload(title, uploaded_file, errors)
    raise_errors(errors)
    receipt = LedgerReceipt(entry=entry, title=title)
    return _store(receipt, kind, uploaded_file, actor=actor, action="funds.receipt.uploaded",
                  changes={"entry": [None, entry.pk], "title": [None, title]})


def receipt_downloaded(*, actor, receipt: LedgerReceipt) -> None:
    audit.record(actor, "funds.receipt.downloaded", receipt)


# --- periods ----------------------------------------------------------------------------------------------
def _within_year(year: SchoolYear, school, day) -> bool:
    """Whether ``day`` lies in the school year by the school's own calendar (ORG-2)."""
    first, last = school_year_dates(year, school)
    return first <= day <= last


def period_bounds(school_year: SchoolYear, kind: str, which, school=None) -> tuple[date_type, date_type] | None:
    """(start, end) of the month ``which`` ("YYYY-MM") or the term ``which`` (1 or 2) of the school year, by the
    calendar of ``school``'s region (ORG-2)."""
    year_start, year_end = school_year_dates(school_year, school)
    if kind == LedgerPeriod.MONTH:
        try:
            y, m = (int(x) for x in str(which).split("-"))
            start = date_type(y, m, 1)
        except (ValueError, TypeError):
            return None
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if not (year_start.replace(day=1) <= start <= year_end):
            return None
        return max(start, year_start), min(end, year_end)
    if kind == LedgerPeriod.TERM:
        term = school_year.terms.filter(number=int(which) if str(which).isdigit() else 0).first()
        if term is None:
            return None
        return term_dates(term, school)
    return None


def period_close(*, actor, school, school_year, kind: str, which) -> LedgerPeriod:
    """Close a month or term of a school's ledger (FN-2): from then on, entries dated in it are refused and
    corrections of its entries post into the open period."""
    errors = []
    year = _year_of(school_year)
    if kind not in (LedgerPeriod.MONTH, LedgerPeriod.TERM):
        errors.append(field_error("kind", _("Choose a month or a term."), "invalid_choice"))
    bounds = period_bounds(year, kind, which, school) if year is not None and not errors else None
    if not errors and bounds is None:
        errors.append(field_error("period", _("Choose a month or term of the school year."), "invalid_choice"))
    if bounds is not None and bounds[1] >= timezone.localdate():
        errors.append(field_error("period", _("A period can be closed only after it has ended."), "not_ended"))
    raise_errors(errors)
    start, end = bounds
    with transaction.atomic():
        _lock_school(school.pk)
        if LedgerPeriod.objects.filter(school=school, start_date__lte=start, end_date__gte=end).exists():
            raise DomainError(_("This period is closed already."), field="period", code="period_closed")
        period = LedgerPeriod.objects.create(school=school, school_year=year, region_path=school.region_path,
                                             kind=kind, start_date=start, end_date=end, closed_by=actor)
        audit.record(actor, "funds.period.closed", period,
                     changes={"kind": [None, kind], "start_date": [None, start], "end_date": [None, end]})
        return period


# --- allocations of per-pupil funds (FN-4) ----------------------------------------------------------------
def allocation_create(*, actor, school, school_year, amount, allocated_on: date_type, due_date: date_type,
                      note: str = "") -> FundAllocation:
    errors = []
    year = _year_of(school_year)
    money = _money(amount)
    if year is None:
        errors.append(field_error("school_year", _("Choose a school year."), "required"))
    if money is None or money <= 0:
        errors.append(field_error("amount", _("Enter an amount greater than zero, in yuan with at most two "
                                              "decimal places.")))
    if allocated_on is None:
        errors.append(field_error("allocated_on", _("This field is required."), "required"))
    if due_date is None:
        errors.append(field_error("due_date", _("This field is required."), "required"))
    elif allocated_on is not None and due_date < allocated_on:
        errors.append(field_error("due_date", _("The due date cannot be before the allocation."), "invalid"))
    note = (note or "").strip()
    if len(note) > 200:
        errors.append(field_error("note", _("The note is at most 200 characters."), "max_length"))
    raise_errors(errors)
    with transaction.atomic():
        a = FundAllocation.objects.create(school=school, school_year=year, region_path=school.region_path,
                                          amount=money, allocated_on=allocated_on, due_date=due_date, note=note,
                                          created_by=actor)
        audit.record(actor, "funds.allocation.created", a, changes={
            "amount": [None, str(money)], "allocated_on": [None, allocated_on], "due_date": [None, due_date]})
        return a


def allocation_receive(*, actor, allocation: FundAllocation, received_on: date_type) -> FundAllocation:
    """The school records the day the allocated per-pupil funds arrived; the income is posted to its ledger with
    that date (FN-4). Recording it twice answers the first receipt."""
    if received_on is None:
        raise DomainError(_("This field is required."), field="received_on", code="required")
    if received_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="received_on")
    with transaction.atomic():
        a = FundAllocation.objects.select_for_update().select_related("school", "school_year").get(pk=allocation.pk)
        if a.received_on is not None:
            return a
        income = entry_post(actor=actor, school=a.school, school_year=a.school_year, kind=LedgerEntry.INCOME,
                            amount=a.amount, date=received_on, source=PER_PUPIL_FUNDS,
                            payee=a.school.name, purpose=_("Per-pupil funds allocated on %(day)s")
                            % {"day": a.allocated_on.isoformat()})
        a.received_on, a.income_entry = received_on, income
        a.save(update_fields=["received_on", "income_entry"])
        audit.record(actor, "funds.allocation.received", a,
                     changes={"received_on": [None, received_on], "income_entry": [None, income.pk]})
        return a

