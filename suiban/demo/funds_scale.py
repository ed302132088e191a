"""Ledger entries for the generated province (``suiban.demo.scale``), for the funds benchmark (bench/funds.py).

Each school of the province gets, for the current school year, three budget lines (its annual budget and the
resource room's running costs), three incomes (district and city subsidies, per-pupil funds) and
``expenses`` expenses in the allowed categories, one in eight of them reversed — inserted in bulk with the
totals columns the services would have written (a reversal counts negative against the kind it undoes)."""

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from suiban.demo import scale
from suiban.funds.models import LedgerEntry
from suiban.org.models import Region, School, SchoolYear

PURPOSE = "规模测试"
EXPENSE_CATEGORIES = [("per_pupil_funds", "teaching_aids"), ("per_pupil_funds", "transport_subsidy"),
                      ("per_pupil_funds", "teacher_training"), ("district_subsidy", "professional_services"),
                      ("school_budget", "room_running"), ("resource_room_special", "materials_equipment")]


def _province_path() -> str:
    return Region.objects.get(code=scale.PROVINCE_CODE).path


def present() -> bool:
    return LedgerEntry.objects.filter(region_path__startswith=_province_path(), purpose=PURPOSE).exists()


def _entry(school, year, kind, amount, day, *, source="", category="", reverses=None):
    base = reverses.kind if reverses is not None else kind
    return LedgerEntry(school_id=school.pk, school_year=year, region_path=school.region_path, kind=kind,
                       amount=amount, date=day, source=source, category=category, payee="规模测试供应商",
                       purpose=PURPOSE, reverses=reverses, base_kind=base,
                       signed_amount=-amount if reverses is not None else amount)


def generate(*, seed: int = 1, expenses: int = 18, batch: int = 5000, log=print) -> dict:
    rng = random.Random(seed)
    year = SchoolYear.current()
    t = time.perf_counter()
    schools = list(School.objects.filter(region_path__startswith=_province_path()).only("pk", "region_path"))
    span = max((min(year.end_date, year.start_date + timedelta(days=300)) - year.start_date).days, 1)
    rows, made = [], 0
    with transaction.atomic():
        for school in schools:
            rows += [_entry(school, year, "budget", Decimal("50000.00"), year.start_date, source="school_budget"),
                     _entry(school, year, "budget", Decimal("8000.00"), year.start_date, source="school_budget",
                            category="room_running"),
                     _entry(school, year, "budget", Decimal("12000.00"), year.start_date, source="school_budget",
                            category="transport_subsidy")]
            for source in ("district_subsidy", "city_subsidy", "per_pupil_funds"):
                rows.append(_entry(school, year, "income", Decimal(rng.randrange(500000, 2000000)) / 100,
                                   year.start_date + timedelta(days=rng.randrange(span)), source=source))
            for _i in range(expenses):
                source, category = rng.choice(EXPENSE_CATEGORIES)
                rows.append(_entry(school, year, "expense", Decimal(rng.randrange(1000, 200000)) / 100,
                                   year.start_date + timedelta(days=rng.randrange(span)), source=source,
                                   category=category))
            if len(rows) >= batch:
                made += len(LedgerEntry.objects.bulk_create(rows, batch_size=batch))
                rows = []
        made += len(LedgerEntry.objects.bulk_create(rows, batch_size=batch))
        undo = list(LedgerEntry.objects.filter(region_path__startswith=_province_path(), purpose=PURPOSE,
                                               kind="expense").order_by("id")[::8])
        reversals = [_entry(School(pk=e.school_id, region_path=e.region_path), year, "reversal", e.amount,
                            e.date, source=e.source, category=e.category, reverses=e) for e in undo]
        made += len(LedgerEntry.objects.bulk_create(reversals, batch_size=batch))
    elapsed = round(time.perf_counter() - t, 1)
    log(f"funds scale: {made} ledger entries for {len(schools)} schools in {elapsed} s")
    return {"entries": made, "schools": len(schools), "elapsed": elapsed}
