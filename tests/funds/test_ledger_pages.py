"""Ledger pages, findings and rubric evidence: FN-2 (the school's ledger per year, netted view and full history,
Chinese errors per field, reverse and reissue), FN-4 (the bureau's page of allocations and spending by category),
FN-1/FN-2/FN-4 findings, rubric line 3 evidence (RR-7)."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from suiban.core.registry import checks, evidence
from suiban.funds import services
from suiban.funds.models import LedgerEntry
from suiban.org.models import School


def test_ledger_page_shows_balance_by_category_and_nets_reversed_pairs(funded, post, user_client, school, year):
    """FN-2: the page shows the balance and expense by category; a reversed pair is hidden by default and shown
    with the full-history toggle."""
    keep = post("expense", "300.00", category="teaching_aids", source="per_pupil_funds", purpose="感统器材")
    gone = post("expense", "77.00", category="teacher_training", source="per_pupil_funds", purpose="错录培训费")
    services.entry_reverse(actor=None, entry=gone, reason="重复录入")
    c = user_client("hc_s2_leader")
    r = c.get(f"/funds/school/{school.pk}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "感统器材" in html and "错录培训费" not in html
    assert "教具学具和辅具" in html or "教学具和辅具" in html or "辅具" in html
    assert 'data-figure="balance">9,700.00' in html.replace("9700.00", "9,700.00")
    listed = {e.pk for e in r.context["page"]}
    assert keep.pk in listed and gone.pk not in listed
    full = c.get(f"/funds/school/{school.pk}/?history=1")
    assert gone.pk in {e.pk for e in full.context["page"]} and "重复录入" in full.content.decode()


def test_post_form_shows_each_error_in_chinese_next_to_its_field(funded, user_client, school, year):
    """FN-1/FN-2: a wrong expense is refused with one Chinese message per field and nothing posted."""
    before = LedgerEntry.objects.count()
    r = user_client("hc_s2_leader").post(f"/funds/school/{school.pk}/", {
        "year": year.name, "kind": "expense", "date": f"{year.start_year}-09-20", "amount": "12.345",
        "category": "room_construction", "source": "per_pupil_funds", "payee": "", "purpose": ""})
    assert r.status_code == 422
    errors = r.context["entry_form"].errors
    assert set(errors) >= {"amount", "category", "payee", "purpose"}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in msgs[0]) for msgs in errors.values())
    assert LedgerEntry.objects.count() == before


def test_reverse_and_reissue_from_the_page(funded, post, user_client, school, year):
    """FN-2: the finance officer reverses an entry and posts the corrected one in one step from the page."""
    e = post("expense", "300.00", category="teaching_aids", source="per_pupil_funds")
    c = user_client("hc_s2_leader")
    r = c.post(f"/funds/entries/{e.pk}/reverse/", {"reason": "金额有误", "reissue": "on", "amount": "280.00"})
    assert r.status_code == 302
    new = LedgerEntry.objects.get(corrects=e)
    assert new.amount == Decimal("280.00") and LedgerEntry.objects.filter(reverses=e).count() == 1
    r = c.post(f"/funds/entries/{new.pk}/reverse/", {"reason": ""})
    assert r.status_code == 422 and "reason" in r.context["reverse_forms"][new.pk].errors
    assert user_client("hc_bureau").post(f"/funds/entries/{new.pk}/reverse/", {"reason": "x"}).status_code == 403
    assert user_client("hc_s1_leader").post(f"/funds/entries/{new.pk}/reverse/", {"reason": "x"}).status_code == 404


def test_bureau_page_shows_each_schools_allocation_and_spending_in_bounded_queries(world, funded, post, user_client,
                                                                                      school, year):
    """FN-4: the district bureau sees, per school, what was allocated, when it arrived and the spending by
    category — in a number of queries that does not grow with the schools or entries."""
    post("expense", "300.00", category="teaching_aids", source="per_pupil_funds")
    c = user_client("hc_bureau")
    c.get("/funds/")
    with CaptureQueriesContext(connection) as ctx:
        r = c.get("/funds/")
    assert r.status_code == 200
    rows = {row["school"].code: row for row in r.context["rows"]}
    assert set(rows) == set(School.objects.filter(region_path__startswith=school.region_path)
                            .values_list("code", flat=True))
    mine = rows[school.code]
    assert mine["spend"]["expense"] == Decimal("300.00")
    assert ("教具学具和辅具" in dict(mine["categories"])) or mine["categories"][0][1] == Decimal("300.00")
    first = rows["3502050101"]
    assert first["alloc"]["allocated"] == Decimal("15000.00") and first["alloc"]["last_received"] is not None
    assert mine["alloc"]["pending"] == 1
    n = len(ctx)
    post("expense", "20.00", category="teacher_training", source="per_pupil_funds")
    with CaptureQueriesContext(connection) as ctx2:
        c.get("/funds/")
    assert len(ctx2) == n
    # a school account goes straight to its own ledger; a guardian never sees a ledger
    own = user_client("hc_s2_leader").get("/funds/")
    assert [row["school"].pk for row in own.context["rows"]] == [school.pk]
    assert user_client("hc_parent").get("/funds/").status_code == 403


def test_bureau_records_an_allocation_from_its_page(user_client, school, year):
    """FN-4: the allocation form of the bureau's page."""
    r = user_client("hc_bureau").post("/funds/", {})
    assert r.status_code == 405
    r = user_client("hc_bureau").post("/funds/allocations/", {
        "year": year.name, "school": school.pk, "amount": "3000.00", "allocated_on": f"{year.start_year}-10-01",
        "due_date": f"{year.start_year}-10-31"})
    assert r.status_code == 302


def test_findings_flag_outside_categories_over_budget_and_late_allocations(world, funded, post, school, year):
    """FN-1, FN-2, FN-4: the findings engine's checks of the ledger."""
    from suiban.policy import services as policy_services
    from suiban.policy.resolve import invalidate

    post("expense", "300.00", category="teacher_training", source="per_pupil_funds")
    policy_services.override_set(actor=world.users["hc_bureau"], name="fund_expense_categories",
                                 value=["teaching_aids"], school=school, note="test")
    policy_services.override_set(actor=world.users["hc_bureau"], name="fund_over_budget", value="flag",
                                 school=school, note="test")
    invalidate()
    post("expense", "9800.00", category="teaching_aids", source="per_pupil_funds")
    fn1 = list(checks.checks["FN-1"].compute([school.pk]))
    assert [f.subject_id for f in fn1] == [school.pk] and "300.00" in fn1[0].evidence
    fn2 = list(checks.checks["FN-2"].compute([school.pk]))
    assert [f.subject_id for f in fn2] == [school.pk]
    fn4 = {f.school_id for f in checks.checks["FN-4"].compute(None)}
    assert school.pk in fn4  # the demo's allocation to the second school is overdue
    assert School.objects.get(code="3502050101").pk not in fn4  # the first school's has arrived


def test_rubric_line_3_evidence_proposes_full_points_for_a_kept_ledger(world, school, year):
    """RR-7 / FN-2 / FN-3: the demo ledger (budget, district and city subsidies, expenses in allowed categories)
    proposes 3 points; an empty ledger proposes 1 (nothing misused, no ledger)."""
    first = School.objects.get(code="3502050101")
    ev = evidence.for_line("3", first, year)
    assert ev.proposed_score == Decimal(3) and ev.links
    empty = evidence.for_line("3", School.objects.get(code="3502050201"), year)
    assert empty.proposed_score == Decimal(1)


def test_inbox_asks_the_school_to_record_arrived_funds(world, school):
    """FN-4: an allocation whose arrival is not recorded is a to-do of the school's ledger keepers (overdue past its
    due date), never of the bureau or a guardian."""
    from suiban.core.registry import inbox

    items = [i for i in inbox.items_for(world.users["hc_s2_leader"]) if i.kind == "funds.allocation_to_receive"]
    from django.utils import timezone

    assert len(items) == 1 and f"/funds/school/{school.pk}/" in items[0].url
    assert items[0].overdue == (items[0].due_date < timezone.localdate())
    assert not [i for i in inbox.items_for(world.users["hc_s1_leader"]) if i.kind == "funds.allocation_to_receive"]
    for who in ("hc_bureau", "hc_parent"):
        assert not [i for i in inbox.items_for(world.users[who]) if i.kind.startswith("funds.")]
