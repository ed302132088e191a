"""Funds ledger benchmark (issue 11, FN-2/FN-4): the province's and a district's ledger totals by category,
``GET /api/v1/ledger/balance`` without a school (target p95 ≤ 500 ms), beside the bare SQL of its grouped sum.
Ledger entries for the generated province come from ``suiban.demo.funds_scale`` when absent."""


def funds_benchmarks(args, log, u, api, want):
    from bench.run import bench_list
    from bench.staff import analyze, reference_row
    from suiban.demo import funds_scale
    from suiban.funds.models import LedgerEntry

    rows = []
    names = [("API ledger totals by category, province", "scale_province"),
             ("API ledger totals by category, district", "scale_district")]
    if not any(want(n) for n, _who in names):
        return rows
    if not funds_scale.present():
        log("Generating ledger entries for the generated province …")
        funds_scale.generate(seed=args.seed, log=log)
        analyze()
    for name, who in names:
        if want(name):
            log(f"… {name}")
            rows.append(bench_list(name, api[who], "/api/v1/ledger/balance", args, username=who,
                                   kind="ledger totals", tables=[LedgerEntry._meta.db_table]))
    rows.append(reference_row(args, log, api, "scale_district"))
    return rows
