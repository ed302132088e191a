"""The ledger's rules, through the services: FN-1 (per-pupil funds only on the allowed categories), FN-2 (ledger
per school per year; entries never edited, corrections are reversals; refused or flagged beyond the budget; closed
periods; balances reconcile), FN-3 (resource-room special funds are a source of the same ledger with their own
categories), FN-4 (resource-room budget lines; per-pupil funds allocated and received), HB-7 (subsidy postings)."""

from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suiban.core.audit import AuditEvent
from suiban.core.errors import DomainError
from suiban.funds import services
from suiban.funds.models import FundAllocation, LedgerEntry, LedgerPeriod
from suiban.policy import services as policy_services
from suiban.policy.resolve import invalidate


def override(world, school, name, value):
    policy_services.override_set(actor=world.users["hc_bureau"], name=name, value=value, school=school, note="test")
    invalidate()  # the service invalidates on commit; the test's transaction never commits


@pytest.fixture
def flagging(world, school):
    """The second school's policy flags rather than refuses expenses beyond the budget."""
    override(world, school, "fund_over_budget", "flag")


def reconcile(school, year):
    """Sum every entry by hand (never through the service's grouping) and compare with the totals."""
    entries = list(LedgerEntry.objects.filter(school=school, school_year=year).select_related("reverses"))
    by_kind = {"budget": Decimal(0), "income": Decimal(0), "expense": Decimal(0)}
    by_category: dict[str, Decimal] = {}
    for e in entries:
        kind, amount = (e.reverses.kind, -e.amount) if e.kind == "reversal" else (e.kind, e.amount)
        by_kind[kind] += amount
        if kind == "expense":
            by_category[e.category] = by_category.get(e.category, Decimal(0)) + amount
    t = services.totals(school, year)
    assert (t.budget, t.income, t.expense) == (by_kind["budget"], by_kind["income"], by_kind["expense"])
    assert t.balance == by_kind["income"] - by_kind["expense"]
    assert {k: v for k, v in t.by_category.items() if v} == {k: v for k, v in by_category.items() if v}
    assert sum(t.by_category.values(), Decimal(0)) == t.expense
    net = services.net(LedgerEntry.objects.filter(school=school, school_year=year))
    assert sum((e.amount for e in net if e.kind == "expense"), Decimal(0)) == t.expense
    return t


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(["budget", "income", "expense", "reverse"]),
                              st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
                              st.sampled_from(["teaching_aids", "teacher_training", "transport_subsidy"]),
                              st.integers(min_value=0, max_value=50)), min_size=1, max_size=25))
def test_ledger_reconciles_after_random_entries_and_reversals(ops, flagging, world, school, year, post):
    """FN-2: after any sequence of budget lines, incomes, expenses and reversals, budget, income, expense,
    balance and expense by category equal the sums of the entries themselves, and the netted view agrees."""
    start = LedgerEntry.objects.filter(school=school, school_year=year).count()
    posted = []
    for op, amount, category, pick in ops:
        if op == "reverse":
            live = [e for e in posted if not LedgerEntry.objects.filter(reverses=e).exists()]
            if live:
                services.entry_reverse(actor=world.users["hc_s2_leader"], entry=live[pick % len(live)],
                                       reason="随机冲销")
            continue
        posted.append(post(op, amount, category=category if op == "expense" else "",
                           source="per_pupil_funds" if op != "budget" else "school_budget"))
    assert LedgerEntry.objects.filter(school=school, school_year=year).count() >= start + len(posted)
    reconcile(school, year)


def test_expense_outside_the_allowed_categories_is_refused(world, funded, post, school):
    """FN-1: per-pupil funds may pay only for the policy's categories; anything else is refused with
    category_not_allowed and nothing is posted."""
    before = LedgerEntry.objects.count()
    with pytest.raises(DomainError) as exc:
        post("expense", "100.00", category="room_construction", source="per_pupil_funds")
    assert exc.value.code == "category_not_allowed"
    assert exc.value.errors[0]["field"] == "category"
    with pytest.raises(DomainError) as exc:
        post("expense", "100.00", category="banquet", source="school_budget")
    assert exc.value.code == "category_not_allowed"
    assert LedgerEntry.objects.count() == before
    # the region narrows the list: teacher training is no longer allowed for per-pupil funds
    override(world, school, "fund_expense_categories", ["teaching_aids", "transport_subsidy"])
    with pytest.raises(DomainError) as exc:
        post("expense", "100.00", category="teacher_training", source="per_pupil_funds")
    assert exc.value.code == "category_not_allowed"
    assert post("expense", "100.00", category="teaching_aids", source="per_pupil_funds").pk


def test_special_funds_are_a_source_with_their_own_categories(funded, post, school, year):
    """FN-3: resource-room special funds are an income source of the same ledger and pay for aids, courses,
    services, training, materials, equipment and consumables — not for home-delivery transport."""
    post("income", "3000.00", source="resource_room_special")
    post("expense", "800.00", category="materials_equipment", source="resource_room_special")
    with pytest.raises(DomainError) as exc:
        post("expense", "120.00", category="transport_subsidy", source="resource_room_special")
    assert exc.value.code == "category_not_allowed"
    t = reconcile(school, year)
    assert t.income_by_source["resource_room_special"] == Decimal("3000.00")
    assert t.by_category == {"materials_equipment": Decimal("800.00")}


def test_expense_beyond_the_budget_is_refused_or_flagged_as_the_policy_says(world, funded, post, school, year):
    """FN-2: beyond the year's budget (10,000) an expense is refused by default (over_budget) and posted with a
    flag where the region's policy says "flag"; a category with budget lines is held to them too."""
    post("expense", "9000.00", category="teaching_aids", source="per_pupil_funds")
    with pytest.raises(DomainError) as exc:
        post("expense", "1000.01", category="teacher_training", source="per_pupil_funds")
    assert exc.value.code == "over_budget"
    assert post("expense", "1000.00", category="teacher_training", source="per_pupil_funds").over_budget is False
    override(world, school, "fund_over_budget", "flag")
    e = post("expense", "50.00", category="teaching_aids", source="per_pupil_funds")
    assert e.over_budget is True
    # a category's own budget line: 500 for teacher training, already 1,000 spent → flagged even under total
    post("budget", "500.00", category="teacher_training", source="school_budget")
    override(world, school, "fund_over_budget", "refuse")
    with pytest.raises(DomainError) as exc:
        post("expense", "10.00", category="teacher_training", source="per_pupil_funds")
    assert exc.value.code == "over_budget"
    reconcile(school, year)


def test_budget_lines_include_the_resource_room_costs(world, post, school, year):
    """FN-4: the school's annual budget carries the resource room's construction, maintenance and running costs,
    and the school budget may pay for them."""
    for cat in ("room_construction", "room_maintenance", "room_running"):
        post("budget", "1000.00", category=cat, source="school_budget")
    post("income", "3000.00", source="school_budget")
    post("expense", "600.00", category="room_running", source="school_budget")
    t = reconcile(school, year)
    assert t.budget_by_category == {"room_construction": Decimal("1000.00"), "room_maintenance": Decimal("1000.00"),
                                    "room_running": Decimal("1000.00")}
    with pytest.raises(DomainError) as exc:  # but per-pupil funds may not
        post("expense", "100.00", category="room_running", source="per_pupil_funds")
    assert exc.value.code == "category_not_allowed"


def test_money_is_decimal_and_never_rounded_silently(funded, post, school, year):
    """FN-2: amounts are exact decimals; 0.1 + 0.2 is 0.3 and more than two decimal places is refused."""
    post("expense", "0.10", category="teaching_aids", source="per_pupil_funds")
    post("expense", 0.2, category="teaching_aids", source="per_pupil_funds")
    assert services.totals(school, year).by_category["teaching_aids"] == Decimal("0.30")
    for bad in ("12.345", "abc", "-5", "0", "NaN", "1e3x"):
        with pytest.raises(DomainError) as exc:
            post("expense", bad, category="teaching_aids", source="per_pupil_funds")
        assert exc.value.errors[0]["field"] == "amount"


def test_a_reversal_undoes_an_entry_and_is_audited_and_idempotent(world, funded, post, school, year):
    """FN-2: an entry is never edited: its reversal (with the reason) undoes it; reversing twice answers the first
    reversal; a reversal cannot be reversed; every write leaves an audit row."""
    e = post("expense", "300.00", category="teaching_aids", source="per_pupil_funds")
    actor = world.users["hc_s2_leader"]
    r1 = services.entry_reverse(actor=actor, entry=e, reason="重复录入")
    r2 = services.entry_reverse(actor=actor, entry=e, reason="再次冲销")
    assert r1.pk == r2.pk and r1.reverses_id == e.pk and r1.purpose == "重复录入"
    assert LedgerEntry.objects.filter(reverses=e).count() == 1
    with pytest.raises(DomainError):
        services.entry_reverse(actor=actor, entry=r1, reason="x")
    with pytest.raises(DomainError) as exc:
        services.entry_reverse(actor=actor, entry=e, reason=" ")
    assert exc.value.errors[0]["field"] == "reason"
    assert services.totals(school, year).expense == 0
    assert AuditEvent.objects.filter(action="funds.entry.posted", object_id=str(e.pk)).count() == 1
    assert AuditEvent.objects.filter(action="funds.entry.reversed", object_id=str(r1.pk)).count() == 1
    e.refresh_from_db()
    assert (e.amount, e.kind) == (Decimal("300.00"), "expense")  # untouched


def test_reverse_and_reissue_in_one_step(world, funded, post, school, year):
    """FN-2: the finance officer reverses a wrong entry and posts the corrected one in one step; both or neither
    (a reissue in a refused category leaves no reversal either)."""
    e = post("expense", "300.00", category="teaching_aids", source="per_pupil_funds")
    actor = world.users["hc_s2_leader"]
    with pytest.raises(DomainError) as exc:
        services.entry_reverse_and_reissue(actor=actor, entry=e, reason="类别错", category="room_construction")
    assert exc.value.code == "category_not_allowed"
    assert not LedgerEntry.objects.filter(reverses=e).exists()
    rev, new = services.entry_reverse_and_reissue(actor=actor, entry=e, reason="金额错", amount="250.00")
    assert rev.reverses_id == e.pk and new.corrects_id == e.pk
    assert (new.amount, new.category, new.payee) == (Decimal("250.00"), "teaching_aids", e.payee)
    assert reconcile(school, year).expense == Decimal("250.00")
    with pytest.raises(DomainError) as exc:
        services.entry_reverse_and_reissue(actor=actor, entry=e, reason="again", amount="1.00")
    assert exc.value.code == "already_reversed"


def test_two_racing_reversals_never_post_two(world, funded, post, school):
    """FN-2: two reversals of one entry that both read "not reversed yet" (as two requests at the same instant
    would) end with one reversal: the second hits the one-reversal-per-entry constraint and answers the first."""
    e = post("expense", "300.00", category="teaching_aids", source="per_pupil_funds")
    actor = world.users["hc_s2_leader"]
    first = services.entry_reverse(actor=actor, entry=e, reason="冲销一")
    real_filter = LedgerEntry.objects.filter

    def stale_filter(*args, **kwargs):  # the second request does not see the first's reversal yet
        qs = real_filter(*args, **kwargs)
        return qs.none() if set(kwargs) == {"reverses"} else qs

    with mock.patch.object(LedgerEntry.objects, "filter", side_effect=stale_filter):
        second = services.entry_reverse(actor=actor, entry=e, reason="冲销二")
    assert second.pk == first.pk
    assert LedgerEntry.objects.filter(reverses=e).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL: SQLite has no row locks and serialises every writer")
@pytest.mark.django_db(transaction=True)
def test_two_reversals_on_two_connections_never_post_two(world):
    """FN-2: two reversals of one entry started at the same instant on two connections post one reversal."""
    import threading

    from django.db import connections

    from suiban.org.models import School, SchoolYear

    school, year = School.objects.get(code="3502050102"), SchoolYear.current()
    actor = world.users["hc_s2_leader"]
    e = services.entry_post(actor=actor, school=school, school_year=year, kind="income", amount="10.00",
                            date=year.start_date, source="district_subsidy", payee="区", purpose="补助")
    barrier, results = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            results.append(services.entry_reverse(actor=actor, entry=e, reason="并发").pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    assert LedgerEntry.objects.filter(reverses=e).count() == 1


def test_a_closed_period_takes_no_entry_and_corrections_post_into_the_open_period(world, funded, post, school, year,
                                                                                 day):
    """FN-2: after September is closed, an entry dated in September is refused (period_closed); reversing a
    September entry posts the reversal in the open period and names the original; closing twice is refused."""
    e = post("expense", "300.00", category="teaching_aids", source="per_pupil_funds", when=day(9, 20))
    actor = world.users["hc_s2_leader"]
    month = f"{year.start_year}-09"
    p = services.period_close(actor=actor, school=school, school_year=year, kind="month", which=month)
    assert (p.start_date, p.end_date) == (day(9, 1), day(9, 30))
    with pytest.raises(DomainError) as exc:
        post("expense", "10.00", category="teaching_aids", source="per_pupil_funds", when=day(9, 25))
    assert exc.value.code == "period_closed"
    rev = services.entry_reverse(actor=actor, entry=e, reason="更正", date=day(9, 28))
    assert rev.date == day(10, 1) and rev.reverses_id == e.pk
    e2 = post("expense", "200.00", category="teaching_aids", source="per_pupil_funds", when=day(10, 3))
    services.period_close(actor=actor, school=school, school_year=year, kind="month", which=f"{year.start_year}-10")
    rev2, new = services.entry_reverse_and_reissue(actor=actor, entry=e2, reason="金额错", amount="150.00",
                                                   date=day(10, 5))
    assert rev2.date == new.date == day(11, 1) and new.corrects_id == e2.pk
    with pytest.raises(DomainError) as exc:
        services.period_close(actor=actor, school=school, school_year=year, kind="month", which=month)
    assert exc.value.code == "period_closed"
    with pytest.raises(DomainError):  # a period that has not ended cannot be closed
        services.period_close(actor=actor, school=school, school_year=year, kind="term", which="2")
    assert LedgerPeriod.objects.filter(school=school).count() == 2
    reconcile(school, year)


def test_subsidy_postings_are_idempotent_and_flagged_not_refused_beyond_the_budget(world, school, year, day):
    """HB-7/FN-2: a visit's subsidy posted twice with one origin_ref is one entry, paid from the per-pupil funds;
    with no budget it is posted and flagged (the visit's subsidy is owed), and dated into the open period when
    its visit's month is closed."""
    actor = world.users["hc_s2_leader"]
    kw = dict(actor=actor, school=school, school_year=year, kind="expense", amount="120.00", date=day(9, 15),
              category="transport_subsidy", payee="李梅、张悦", purpose="送教上门交通补助",
              origin="homebound_subsidy")
    a = services.entry_post(origin_ref="visit:9001:1", **kw)
    b = services.entry_post(origin_ref="visit:9001:1", **kw)
    assert a.pk == b.pk and a.source == "per_pupil_funds" and a.over_budget
    services.period_close(actor=actor, school=school, school_year=year, kind="month", which=f"{year.start_year}-09")
    c = services.entry_post(origin_ref="visit:9001:2", **kw)
    assert c.date == day(10, 1)
    with pytest.raises(DomainError):  # a person cannot reverse it by hand: the visit is corrected instead
        services.entry_reverse(actor=actor, entry=a, reason="x", by_hand=True)
    assert services.entry_reverse(actor=actor, entry=a, reason="走访更正").reverses_id == a.pk


def test_per_pupil_funds_allocated_and_received_post_the_income(world, school, year, day):
    """FN-4: the bureau records the allocation and its due date; the school records the day the money arrived,
    which posts the income (source per-pupil funds) with that date — once."""
    before = FundAllocation.objects.filter(school=school).count()
    a = services.allocation_create(actor=world.users["hc_bureau"], school=school, school_year=year, amount="8000",
                                   allocated_on=day(9, 5), due_date=day(9, 30))
    assert a.received_on is None
    actor = world.users["hc_s2_leader"]
    a = services.allocation_receive(actor=actor, allocation=a, received_on=day(10, 8))
    again = services.allocation_receive(actor=actor, allocation=a, received_on=day(10, 9))
    assert again.received_on == day(10, 8) and a.late
    income = a.income_entry
    assert (income.kind, income.source, income.amount, income.date) == ("income", "per_pupil_funds",
                                                                        Decimal("8000.00"), day(10, 8))
    assert LedgerEntry.objects.filter(school=school, source="per_pupil_funds", kind="income").count() == 1
    with pytest.raises(DomainError) as exc:
        services.allocation_create(actor=world.users["hc_bureau"], school=school, school_year=year, amount="1",
                                   allocated_on=day(9, 5), due_date=day(9, 1))
    assert exc.value.errors[0]["field"] == "due_date"
    assert FundAllocation.objects.filter(school=school).count() == before + 1
