"""Evidence for rubric line 3 经费管理 (RR-7, HC 附件1 item 3, 3 points): a ledger of the year that includes the
city and district subsidies and the school's annual budget (2 points), and special funds spent only on the
allowed categories (1 point)."""

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _

from suiban.core.registry import Evidence, evidence
from suiban.funds import services
from suiban.funds.models import CITY_SUBSIDY, DISTRICT_SUBSIDY, SCHOOL_BUDGET, LedgerEntry, category_label


def funds_evidence(school, school_year) -> Evidence:
    entries = LedgerEntry.objects.filter(school=school, school_year=school_year)
    t = services.totals_of(entries)
    has_budget = t.budget > 0 or t.income_by_source.get(SCHOOL_BUDGET, 0) > 0
    subsidies = [s for s in (CITY_SUBSIDY, DISTRICT_SUBSIDY) if t.income_by_source.get(s, 0) > 0]
    n = entries.count()
    misused = []
    for r in (services.net(entries.filter(kind=LedgerEntry.EXPENSE)).order_by()
              .values_list("source", "category").distinct()):
        if r[1] not in services.allowed_categories(school, r[0]):
            misused.append(category_label(r[1]))
    ledger_points = Decimal(2) if n and has_budget and subsidies else (Decimal(1) if n else Decimal(0))
    use_points = Decimal(0) if misused else Decimal(1)
    reasons = []
    if not n:
        reasons.append(_("No ledger is kept for this school year."))
    else:
        reasons.append(_("The ledger has %(n)d entries.") % {"n": n})
        if not has_budget:
            reasons.append(_("It shows no school annual budget."))
        if not subsidies:
            reasons.append(_("It shows no city or district subsidy."))
    if misused:
        reasons.append(_("Funds were spent outside the allowed categories: %(c)s.") % {"c": "、".join(misused)})
    else:
        reasons.append(_("Every expense is in a category its fund may pay for."))
    return Evidence(
        summary=_("Budget %(budget)s, income %(income)s, expense %(expense)s, balance %(balance)s yuan.")
        % {"budget": f"{t.budget:.2f}", "income": f"{t.income:.2f}", "expense": f"{t.expense:.2f}",
           "balance": f"{t.balance:.2f}"},
        links=((_("Funds ledger"), reverse("funds:ledger", args=[school.pk]) + f"?year={school_year.name}"),),
        proposed_score=ledger_points + use_points,
        reasoning=" ".join(reasons))


evidence.register("3", funds_evidence)
