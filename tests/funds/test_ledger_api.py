"""The ledger API (API.md "Funds ledger"): FN-1 (category_not_allowed), FN-2 (entries, reversal and reissue, no
PATCH/DELETE, balance, export, receipts), FN-4 (allocations), and who sees what."""

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from suiban.funds import services
from suiban.funds.models import LedgerEntry, LedgerReceipt
from suiban.org.models import School

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def expense(school, year, **kw):
    return {"school_id": school.pk, "school_year": year.name, "kind": "expense", "source": "per_pupil_funds",
            "category": "teaching_aids", "amount": "120.00", "date": f"{year.start_year}-09-12",
            "payee": "厦门启智教具有限公司", "purpose": "教具", **kw}


def test_post_list_and_balance_follow_the_contract(funded, api_client, school, year):
    """FN-2: an entry carries the contract's fields, money as "120.00"; the balance reconciles with the entries."""
    c = api_client("hc_s2_leader")
    r = c.post("/api/v1/ledger/entries", expense(school, year))
    assert r.status_code == 201, r.content
    e = r.json()
    assert {"id", "school_id", "school_year", "kind", "source", "category", "amount", "date", "payee", "purpose",
            "reverses_id", "origin", "receipts"} <= set(e)
    assert (e["amount"], e["school_year"], e["origin"], e["reverses_id"], e["receipts"]) == \
        ("120.00", year.name, "manual", None, [])
    b = c.get(f"/api/v1/ledger/balance?school_id={school.pk}&school_year={year.name}").json()
    assert b == {"budget": "10000.00", "income": "10000.00", "expense": "120.00", "balance": "9880.00",
                 "by_category": {"teaching_aids": "120.00"}, "budget_by_category": {},
                 "income_by_source": {"district_subsidy": "6000.00", "per_pupil_funds": "4000.00"}}
    items = c.get(f"/api/v1/ledger/entries?school_id={school.pk}&school_year={year.name}&kind=expense").json()
    assert [i["id"] for i in items["items"]] == [e["id"]]
    assert c.get(f"/api/v1/ledger/entries?school_id={school.pk}&category=teaching_aids").json()["count"] == 1


def test_expense_in_a_refused_category_answers_category_not_allowed(funded, api_client, school, year):
    """FN-1: 422 problem+json with the code category_not_allowed, naming the field; nothing posted."""
    before = LedgerEntry.objects.count()
    r = api_client("hc_s2_leader").post("/api/v1/ledger/entries", expense(school, year, category="room_running"))
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
    assert r.json()["code"] == "category_not_allowed"
    assert r.json()["errors"][0]["field"] == "category"
    assert LedgerEntry.objects.count() == before


def test_entries_are_never_patched_or_deleted(funded, api_client, school, year):
    """FN-2: PATCH and DELETE of an entry answer 405 problem+json and change nothing."""
    c = api_client("hc_s2_leader")
    e = c.post("/api/v1/ledger/entries", expense(school, year)).json()
    for resp in (c.patch(f"/api/v1/ledger/entries/{e['id']}", {"amount": "1.00"}),
                 c.delete(f"/api/v1/ledger/entries/{e['id']}")):
        assert resp.status_code == 405 and resp["Content-Type"].startswith("application/problem+json")
        assert resp.json()["code"] == "method_not_allowed"
    assert LedgerEntry.objects.get(pk=e["id"]).amount == 120


def test_reverse_and_reissue_through_the_api_nets_out_by_default_view(funded, api_client, school, year):
    """FN-2: POST …/reverse with a reason posts the reversal; with "reissue" also the corrected entry; the list with
    net=true leaves the reversed pair out, the full list keeps the history."""
    c = api_client("hc_s2_leader")
    e = c.post("/api/v1/ledger/entries", expense(school, year)).json()
    r = c.post(f"/api/v1/ledger/entries/{e['id']}/reverse", {"reason": "金额错", "reissue": {"amount": "100.00"}})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["reversal"]["reverses_id"] == e["id"] and body["reversal"]["kind"] == "reversal"
    assert body["reissued"]["amount"] == "100.00" and body["reissued"]["corrects_id"] == e["id"]
    again = c.post(f"/api/v1/ledger/entries/{e['id']}/reverse", {"reason": "再冲"})
    assert again.status_code == 422 and again.json()["code"] == "already_reversed"
    full = {i["id"] for i in c.get(f"/api/v1/ledger/entries?school_id={school.pk}&kind=expense").json()["items"]}
    net = {i["id"] for i in c.get(f"/api/v1/ledger/entries?school_id={school.pk}&net=true").json()["items"]}
    assert e["id"] in full and e["id"] not in net and body["reissued"]["id"] in net
    assert body["reversal"]["id"] not in net
    b = c.get(f"/api/v1/ledger/balance?school_id={school.pk}&school_year={year.name}").json()
    assert b["expense"] == "100.00" and b["by_category"] == {"teaching_aids": "100.00"}


def test_who_may_see_and_keep_the_ledger(funded, api_client, school, year):
    """FN-2/FN-4: the school keeps its ledger; the district and province bureaus read it; another school, another
    district and a guardian never see it (404 / 403), and the bureau cannot post to it."""
    e = LedgerEntry.objects.filter(school=school).first()
    for account, status in (("hc_s2_leader", 200), ("hc_bureau", 200), ("fj_province", 200), ("hc_s1_leader", 404),
                            ("gd_bureau", 404), ("hc_parent", 403), ("hc_s1_class", 403), ("hc_center", 403)):
        r = api_client(account).get(f"/api/v1/ledger/entries/{e.pk}")
        assert r.status_code == status, (account, r.status_code)
        b = api_client(account).get(f"/api/v1/ledger/balance?school_id={school.pk}&school_year={year.name}")
        assert b.status_code == status, (account, b.status_code)
    assert api_client("hc_bureau").post("/api/v1/ledger/entries", expense(school, year)).status_code == 403
    assert api_client("hc_s1_leader").post("/api/v1/ledger/entries", expense(school, year)).status_code == 422
    listed = api_client("hc_s1_leader").get("/api/v1/ledger/entries?page_size=500").json()["items"]
    assert all(i["school_id"] != school.pk for i in listed)


def test_list_queries_do_not_grow_with_entries(funded, api_client, post, school, year, media):
    """FN-2: the list reads a page of entries with their receipts in a fixed number of queries."""
    c = api_client("hc_bureau")
    url = f"/api/v1/ledger/entries?school_id={school.pk}&page_size=500"
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for n in range(12):
        e = post("expense", "10.00", category="teaching_aids", source="per_pupil_funds")
        if n % 3 == 0:
            services.entry_reverse(actor=None, entry=e, reason="冲销")
    with CaptureQueriesContext(connection) as many:
        assert c.get(url).json()["count"] > 12
    assert len(many) == len(few) <= 8


def test_receipts_are_checked_by_content_and_served_only_in_scope(funded, api_client, user_client, school, year,
                                                                   media):
    """FN-2/SEC-5: a receipt scan is accepted by its content (a renamed text file is refused), stored, listed on
    its entry and served only to those who see the ledger."""
    c = api_client("hc_s2_leader")
    e = c.post("/api/v1/ledger/entries", expense(school, year)).json()
    fake = io.BytesIO(b"not an image")
    fake.name = "receipt.png"
    bad = c.post_multipart(f"/api/v1/ledger/entries/{e['id']}/receipts", {"file": fake})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "file"
    good = io.BytesIO(PNG)
    good.name = "发票.png"
    r = c.post_multipart(f"/api/v1/ledger/entries/{e['id']}/receipts", {"file": good, "title": "发票"})
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    listed = c.get(f"/api/v1/ledger/entries/{e['id']}").json()["receipts"]
    assert [x["id"] for x in listed] == [rid] and listed[0]["content_type"] == "image/png"
    url = listed[0]["url"]
    resp = user_client("hc_bureau").get(url)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == PNG
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert user_client("hc_s1_leader").get(url).status_code == 404
    assert user_client("hc_parent").get(url).status_code == 403
    assert LedgerReceipt.objects.filter(entry_id=e["id"]).count() == 1


def test_allocations_are_recorded_by_the_bureau_and_received_by_the_school(api_client, school, year):
    """FN-4: the bureau allocates per-pupil funds with a due date; the school records their arrival, which posts
    the income; the bureau sees when it arrived."""
    r = api_client("hc_bureau").post("/api/v1/ledger/allocations", {
        "school_id": school.pk, "school_year": year.name, "amount": "5000.00",
        "allocated_on": f"{year.start_year}-09-05", "due_date": f"{year.start_year}-09-30"})
    assert r.status_code == 201, r.content
    a = r.json()
    assert api_client("hc_s2_leader").post("/api/v1/ledger/allocations", {
        "school_id": school.pk, "school_year": year.name, "amount": "1.00", "allocated_on": f"{year.start_year}-09-05",
        "due_date": f"{year.start_year}-09-30"}).status_code == 403
    r = api_client("hc_s2_leader").post(f"/api/v1/ledger/allocations/{a['id']}/receive",
                                        {"received_on": f"{year.start_year}-09-20"})
    assert r.status_code == 200 and r.json()["received_on"] == f"{year.start_year}-09-20"
    assert r.json()["late"] is False and r.json()["income_entry_id"]
    seen = api_client("hc_bureau").get(f"/api/v1/ledger/allocations?school_id={school.pk}").json()["items"]
    assert {x["id"]: x["received_on"] for x in seen}[a["id"]] == f"{year.start_year}-09-20"
    assert api_client("gd_bureau").get(f"/api/v1/ledger/allocations?school_id={school.pk}").json()["count"] == 0


def _export(api_client, school, year):
    r = api_client("hc_s2_leader").get(f"/api/v1/ledger/export.xlsx?school_id={school.pk}&school_year={year.name}")
    assert r.status_code == 200, r.content[:300]
    return r.content


def test_export_is_the_ledger_layout_and_reconciles(funded, post, api_client, school, year):
    """FN-2: the 台账 .xlsx opens with openpyxl: A4 landscape, fit to width, header rows repeated; one row per
    entry with the running balance; its totals equal the balance; a text starting with = + - @ is text."""
    from openpyxl import load_workbook

    e = post("expense", "300.00", category="teaching_aids", source="per_pupil_funds", payee="=HYPERLINK(\"x\")",
             purpose="+1+1")
    services.entry_reverse(actor=None, entry=e, reason="-冲销")
    post("expense", "200.00", category="teacher_training", source="per_pupil_funds", payee="@供应商")
    wb = load_workbook(io.BytesIO(_export(api_client, school, year)))
    ws = wb["台账"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$3"
    assert [c.value for c in ws[3]][:11] == ["序号", "日期", "类型", "经费来源", "支出类别", "摘要（用途）",
                                              "收款单位/人", "预算金额", "收入金额", "支出金额", "结余"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]
    assert len(rows) == LedgerEntry.objects.filter(school=school, school_year=year).count()
    texts = [c for r in ws.iter_rows(min_row=4) for c in r if isinstance(c.value, str)
             and c.value[:1] in "=+-@"]
    assert texts and all(c.data_type == "s" for c in texts)
    t = services.totals(school, year)
    total = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] == "合计")
    assert (total[7], total[8], total[9], total[10]) == (t.budget, t.income, t.expense, t.balance)
    assert rows[-1][10] == t.balance


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_export_converts_headless_with_libreoffice(funded, post, api_client, school, year, tmp_path):
    """FN-2: the downloaded 台账 opens in LibreOffice (converted headless to PDF)."""
    post("expense", "300.00", category="teaching_aids", source="per_pupil_funds")
    src = tmp_path / "ledger.xlsx"
    src.write_bytes(_export(api_client, school, year))
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([binary, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, timeout=180, capture_output=True)
    assert (tmp_path / "ledger.pdf").read_bytes().startswith(b"%PDF")


def test_totals_of_the_callers_scope(funded, post, api_client, school, year):
    """FN-2/FN-4: without a school the balance sums every ledger in scope: the district sees its schools', another
    district none of them."""
    post("expense", "300.00", category="teaching_aids", source="per_pupil_funds")
    hc = api_client("hc_bureau").get("/api/v1/ledger/balance").json()
    first = api_client("hc_bureau").get("/api/v1/ledger/balance?school_id=" + str(
        School.objects.get(code="3502050101").pk)).json()
    mine = api_client("hc_bureau").get(f"/api/v1/ledger/balance?school_id={school.pk}").json()
    assert Decimal(hc["expense"]) == Decimal(first["expense"]) + Decimal(mine["expense"])
    gd = api_client("gd_bureau").get("/api/v1/ledger/balance").json()
    assert Decimal(gd["expense"]) == 0 and gd["by_category"] == {}
    assert api_client("hc_parent").get("/api/v1/ledger/balance").status_code == 403
