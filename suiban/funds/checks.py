"""Findings of the funds ledger (OV-1 engine): expenses outside the allowed categories (FN-1, FN-3), a year's
expense beyond its budget (FN-2) and per-pupil funds not arrived by their due date (FN-4)."""

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suiban.core.registry import Check, FindingData, checks
from suiban.funds import services
from suiban.funds.models import FundAllocation, LedgerEntry, category_label, source_label
from suiban.org.models import School, SchoolYear


def _year():
    return SchoolYear.current()


def _schools(ids):
    qs = School.objects.all()
    return qs.filter(pk__in=ids) if ids is not None else qs


def outside_categories(school_ids):
    """FN-1/FN-3: net expenses of the current year in a category the school's policy does not allow for the fund
    they were paid from (e.g. posted before the policy changed)."""
    year = _year()
    if year is None:
        return
    rows = (services.net(LedgerEntry.objects.filter(school_year=year, kind=LedgerEntry.EXPENSE))
            .filter(**({"school_id__in": school_ids} if school_ids is not None else {}))
            .order_by().values("school_id", "source", "category").annotate(total=Sum("amount")))
    rows = list(rows)
    schools = School.objects.in_bulk({r["school_id"] for r in rows})
    for r in rows:
        school = schools[r["school_id"]]
        if r["category"] in services.allowed_categories(school, r["source"]):
            continue
        yield FindingData(
            subject_type="school", subject_id=school.pk, subject_name=school.name, school_id=school.pk,
            key=f"{year.name}:{r['source']}:{r['category']}",
            evidence=str(_("%(amount)s yuan of %(fund)s spent on %(category)s in %(year)s, which the policy does "
                           "not allow for this fund.") % {"amount": f"{r['total']:.2f}",
                                                          "fund": source_label(r["source"]) or "—",
                                                          "category": category_label(r["category"]),
                                                          "year": year.name}))


def over_budget(school_ids):
    """FN-2: the current year's expense beyond the budget, in total or in a category with budget lines."""
    year = _year()
    if year is None:
        return
    ids = (LedgerEntry.objects.filter(school_year=year, base_kind=LedgerEntry.EXPENSE)
           .filter(**({"school_id__in": school_ids} if school_ids is not None else {}))
           .order_by().values_list("school_id", flat=True).distinct())
    for school in _schools(list(ids)):
        t = services.totals(school, year)
        over = []
        if t.expense > t.budget:
            over.append(str(_("total expense %(spent)s yuan against a budget of %(budget)s yuan")
                            % {"spent": f"{t.expense:.2f}", "budget": f"{t.budget:.2f}"}))
        for code, budget in t.budget_by_category.items():
            spent = t.by_category.get(code, services.ZERO)
            if spent > budget:
                over.append(str(_("%(category)s: %(spent)s yuan against %(budget)s yuan")
                                % {"category": category_label(code), "spent": f"{spent:.2f}",
                                   "budget": f"{budget:.2f}"}))
        if over:
            yield FindingData(subject_type="school", subject_id=school.pk, subject_name=school.name,
                              school_id=school.pk, key=year.name,
                              evidence=str(_("Beyond the budget of %(year)s: %(items)s.")
                                           % {"year": year.name, "items": "；".join(over)}))


def allocation_late(school_ids):
    """FN-4: per-pupil funds allocated but not arrived by their due date."""
    today = timezone.localdate()
    qs = (FundAllocation.objects.filter(received_on__isnull=True, due_date__lt=today).select_related("school")
          .filter(**({"school_id__in": school_ids} if school_ids is not None else {})))
    for a in qs:
        yield FindingData(subject_type="school", subject_id=a.school_id, subject_name=a.school.name,
                          school_id=a.school_id, key=f"allocation:{a.pk}", due_date=a.due_date,
                          evidence=str(_("%(amount)s yuan of per-pupil funds allocated on %(day)s were due by "
                                         "%(due)s and have not arrived.")
                                       % {"amount": f"{a.amount:.2f}", "day": a.allocated_on.isoformat(),
                                          "due": a.due_date.isoformat()}))


checks.register(Check(
    rule="FN-1", severity="violation", subject_type="school",
    title=_("Funds spent outside the allowed categories"),
    action=_("Reverse the expense and post it to a fund that may pay for it."),
    assignee_permission="funds.edit", compute=outside_categories, watches=("funds.ledgerentry",)))
checks.register(Check(
    rule="FN-2", severity="warning", subject_type="school",
    title=_("Expense beyond the budget"),
    action=_("Review the expenses, or record the budget that covers them."),
    assignee_permission="funds.edit", compute=over_budget, watches=("funds.ledgerentry",)))
checks.register(Check(
    rule="FN-4", severity="warning", subject_type="school",
    title=_("Per-pupil funds not arrived on time"),
    action=_("Record the arrival of the funds, or ask the bureau where they are."),
    assignee_permission="funds.edit", compute=allocation_late, watches=("funds.fundallocation",)))
