"""Every write to the funds ledger (FN-2): entries are posted, never edited; a correction is a reversal.

``entry_post`` and ``entry_reverse`` are the interface other modules use (home-delivered education posts each
visit's subsidy, HB-7): both are idempotent — posting with an ``origin_ref`` already posted answers the existing
entry, reversing an entry already reversed answers the existing reversal — so a retried request or two racing
corrections never post twice.
"""

from datetime import date as date_type
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.services import field_error, raise_errors
from suiban.funds.models import LedgerEntry

CENT = Decimal("0.01")


def _money(value) -> Decimal | None:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        return None
    return amount if amount.is_finite() else None


def entry_post(*, actor, school, school_year, kind: str, amount, date: date_type, category: str = "",
               source: str = "", payee: str = "", purpose: str = "", origin: str = LedgerEntry.MANUAL,
               origin_ref: str = "") -> LedgerEntry:
    """Post one budget line, income or expense. With an ``origin_ref`` the posting is idempotent."""
    errors = []
    if kind not in (LedgerEntry.BUDGET, LedgerEntry.INCOME, LedgerEntry.EXPENSE):
        errors.append(field_error("kind", _("Choose budget, income or expense.")))
    money = _money(amount)
    if money is None or money <= 0:
        errors.append(field_error("amount", _("Enter an amount greater than zero, in yuan with at most two "
                                              "decimal places.")))
    if date is None:
        errors.append(field_error("date", _("This field is required.")))
    raise_errors(errors)
    with transaction.atomic():
        if origin_ref:
            existing = LedgerEntry.objects.filter(origin=origin, origin_ref=origin_ref).first()
            if existing is not None:
                return existing
        entry = LedgerEntry(school=school, school_year=school_year, region_path=school.region_path, kind=kind,
                            amount=money, date=date, category=category, source=source, payee=payee,
                            purpose=purpose, origin=origin, origin_ref=origin_ref, created_by=actor)
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            # A concurrent posting of the same origin_ref won the race: answer its entry.
            return LedgerEntry.objects.get(origin=origin, origin_ref=origin_ref)
        audit.record(actor, "funds.entry.posted", entry,
                     changes={f: [None, v] for f, v in audit.snapshot(
                         entry, ["kind", "amount", "date", "category", "source", "payee", "purpose", "origin",
                                 "origin_ref"]).items()})
        return entry


def entry_reverse(*, actor, entry: LedgerEntry, reason: str, date: date_type | None = None) -> LedgerEntry:
    """Undo ``entry`` with a reversal entry of the same amount that points at it (never an edit). Reversing an
    entry twice answers the first reversal; a reversal itself cannot be reversed."""
    from django.utils import timezone

    errors = []
    if not (reason or "").strip():
        errors.append(field_error("reason", _("Give the reason for the reversal.")))
    if entry.kind == LedgerEntry.REVERSAL:
        errors.append(field_error("entry", _("A reversal cannot be reversed; post a new entry instead.")))
    raise_errors(errors)
    with transaction.atomic():
        locked = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
        existing = LedgerEntry.objects.filter(reverses=locked).first()
        if existing is not None:
            return existing
        reversal = LedgerEntry.objects.create(
            school_id=locked.school_id, school_year_id=locked.school_year_id, region_path=locked.region_path,
            kind=LedgerEntry.REVERSAL, amount=locked.amount, date=date or timezone.localdate(),
            category=locked.category, source=locked.source, payee=locked.payee, purpose=reason.strip()[:500],
            reverses=locked, origin=locked.origin, created_by=actor)
        audit.record(actor, "funds.entry.reversed", reversal,
                     changes={"reverses": [None, locked.pk], "amount": [None, str(locked.amount)],
                              "reason": [None, reason.strip()[:500]]})
        return reversal
