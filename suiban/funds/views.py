"""Pages of the funds ledger (FN-1..FN-4): the school's ledger for a year, and the bureau's overview of each
school's allocations of per-pupil funds and spending by category. Writes go through ``services``; a school outside
the scope is 404, in scope without ``funds.edit`` 403."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Prefetch, Q, Sum
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from suiban.core.errors import DomainError
from suiban.core.lists import Sorting
from suiban.core.scoping import can, get_visible_or_404, has_perm
from suiban.core.views import permission_required
from suiban.funds import services
from suiban.funds.forms import AllocationForm, EntryForm, PeriodForm, ReceiptForm, ReceiveForm, ReverseForm
from suiban.funds.models import (
    CATEGORY_CHOICES,
    FundAllocation,
    LedgerEntry,
    LedgerPeriod,
    LedgerReceipt,
    category_label,
    source_label,
)
from suiban.org.calendar import school_year_dates
from suiban.org.models import School, SchoolYear

PAGE_SIZE = 50
ENTRY_PAGE_SIZE = 100


def forbidden(request):
    return render(request, "403.html", status=403)


def _apply_errors(form, exc: DomainError, mapping=None):
    placed = False
    for e in exc.errors or []:
        field = (mapping or {}).get(e.get("field"), e.get("field"))
        if field and field in form.fields:
            form.add_error(field, str(e["message"]))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def _year_from(value) -> SchoolYear:
    year = None
    if value and str(value)[:4].isdigit():
        year = SchoolYear.objects.filter(start_year=int(str(value)[:4])).first()
    return year or SchoolYear.current() or SchoolYear.objects.order_by("-start_year").first()


def _months(year: SchoolYear, school=None) -> list[tuple[str, str]]:
    """The months of the school year so far, by the calendar of the school's region (ORG-2)."""
    first, last = school_year_dates(year, school)
    out, d = [], first.replace(day=1)
    today = timezone.localdate()
    while d <= min(last, today):
        out.append((f"{d:%Y-%m}", _("%(year)d-%(month)02d") % {"year": d.year, "month": d.month}))
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def _money(v) -> str:
    return f"{v:,.2f}"


# --- the school's ledger ------------------------------------------------------------------------------------
def _ledger_context(request, school, year, *, entry_form=None, reverse_forms=None, period_form=None,
                    receipt_form=None, open_form="", open_entry=None):
    history = request.GET.get("history") == "1"
    qs = (LedgerEntry.objects.visible_to(request.user).filter(school=school, school_year=year)
          .select_related("reverses", "reversed_by", "corrects")
          .prefetch_related(Prefetch("receipts", queryset=LedgerReceipt.objects.order_by("id")))
          .order_by("date", "id"))
    if not history:
        qs = services.net(qs)
    page = Paginator(qs, ENTRY_PAGE_SIZE).get_page(request.GET.get("page"))
    totals = services.totals(school, year)
    categories = services.ledger_categories(school)
    by_category = []
    for code in dict.fromkeys([*categories, *totals.by_category, *totals.budget_by_category]):
        spent = totals.by_category.get(code, services.ZERO)
        budget = totals.budget_by_category.get(code)
        if spent or budget:
            by_category.append({"label": category_label(code), "spent": spent, "budget": budget,
                                "over": budget is not None and spent > budget})
    can_edit = can(request.user, "funds.edit", school)
    return {
        "school": school, "year": year, "page": page, "history": history, "totals": totals,
        "by_category": by_category,
        "by_source": [{"label": source_label(k), "amount": v} for k, v in totals.income_by_source.items()],
        "can_edit": can_edit,
        "entry_form": entry_form or EntryForm(categories=categories, sources=services.income_sources(school),
                                              initial={"date": timezone.localdate()}),
        "reverse_forms": reverse_forms or {},
        "reverse_categories": categories,
        "period_form": period_form or PeriodForm(months=_months(year, school)),
        "receipt_form": receipt_form,
        "periods": LedgerPeriod.objects.filter(school=school, school_year=year).order_by("start_date"),
        "allocations": FundAllocation.objects.filter(school=school, school_year=year).order_by("allocated_on"),
        "receive_form": ReceiveForm(initial={"received_on": timezone.localdate()}),
        "years": SchoolYear.objects.order_by("-start_year")[:6],
        "open_form": open_form,
        "open_entry": open_entry,
        "export_url": "/api/v1/ledger/export.xlsx" + f"?school_id={school.pk}&school_year={year.name}",
    }


def _school(request, pk) -> School:
    return get_visible_or_404(School.objects.select_related("region"), request.user, pk, "funds.view")


def _back(school, year, anchor=""):
    return redirect(reverse("funds:ledger", args=[school.pk]) + f"?year={year.name}" + anchor)


@permission_required("funds.view")
def ledger(request, pk):
    """The ledger of one school for one school year: balance, totals by category, entries (reversed pairs netted
    out unless the full history is asked for) and, for those who keep it, the forms to post, reverse and close."""
    school = _school(request, pk)
    year = _year_from(request.GET.get("year") or request.POST.get("year"))
    if request.method != "POST":
        return render(request, "funds/ledger.html", _ledger_context(request, school, year))
    if not can(request.user, "funds.edit", school):
        return forbidden(request)
    form = EntryForm(request.POST, categories=services.ledger_categories(school),
                     sources=services.income_sources(school))
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.entry_post(actor=request.user, school=school, school_year=year, kind=d["kind"],
                                amount=d["amount"], date=d["date"], category=d["category"], source=d["source"],
                                payee=d["payee"], purpose=d["purpose"])
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Entry posted."))
            return _back(school, year)
    return render(request, "funds/ledger.html", _ledger_context(request, school, year, entry_form=form,
                                                                 open_form="entry"), status=422)


def _entry_for_write(request, pk):
    entry = get_visible_or_404(LedgerEntry.objects.select_related("school", "school_year"), request.user, pk,
                               "funds.view")
    if not can(request.user, "funds.edit", entry):
        return entry, forbidden(request)
    return entry, None


@require_POST
@permission_required("funds.view")
def reverse_entry(request, pk):
    """Reverse an entry with its reason; optionally reissue the corrected entry in the same step (FN-2)."""
    entry, refused = _entry_for_write(request, pk)
    if refused:
        return refused
    categories = services.ledger_categories(entry.school)
    form = ReverseForm(request.POST, categories=categories)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if d["reissue"]:
                services.entry_reverse_and_reissue(
                    actor=request.user, entry=entry, reason=d["reason"],
                    **{k: d[k] for k in ("amount", "category", "payee", "purpose") if d[k]})
                messages.success(request, _("Entry reversed and the corrected entry posted."))
            else:
                if LedgerEntry.objects.filter(reverses=entry).exists():
                    raise DomainError(_("This entry has been reversed already."), field="reason")
                services.entry_reverse(actor=request.user, entry=entry, reason=d["reason"], by_hand=True)
                messages.success(request, _("Entry reversed."))
            return _back(entry.school, entry.school_year)
        except DomainError as exc:
            _apply_errors(form, exc, {"entry": "reason"})
    ctx = _ledger_context(request, entry.school, entry.school_year, reverse_forms={entry.pk: form},
                          open_entry=entry.pk)
    return render(request, "funds/ledger.html", ctx, status=422)


@require_POST
@permission_required("funds.view")
def upload_receipt(request, pk):
    entry, refused = _entry_for_write(request, pk)
    if refused:
        return refused
    form = ReceiptForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.receipt_upload(actor=request.user, entry=entry, uploaded_file=form.cleaned_data["file"],
                                    title=form.cleaned_data["title"])
        except DomainError as exc:
            _apply_errors(form, exc, {"entry": "file"})
        else:
            messages.success(request, _("Receipt attached."))
            return _back(entry.school, entry.school_year)
    for errs in form.errors.values():
        for e in errs:
            messages.error(request, e)
    return _back(entry.school, entry.school_year)


@require_GET
@permission_required("funds.view")
def receipt_download(request, pk):
    """A receipt scan, only to those who see the entry; as an attachment, never sniffed or cached (SEC-4)."""
    r = get_visible_or_404(LedgerReceipt.objects.select_related("entry"), request.user, pk, "funds.view")
    try:
        handle = r.file.storage.open(r.file.name, "rb")
    except OSError as exc:
        raise Http404 from exc
    services.receipt_downloaded(actor=request.user, receipt=r)
    ext = r.file.name.rsplit(".", 1)[-1]
    resp = FileResponse(handle, as_attachment=True, filename=f"{r.title}.{ext}", content_type=r.content_type)
    resp["Content-Disposition"] = content_disposition_header(True, f"{r.title}.{ext}")
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, no-store"
    resp["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@require_POST
@permission_required("funds.view")
def close_period(request, pk):
    school = _school(request, pk)
    year = _year_from(request.POST.get("year"))
    if not can(request.user, "funds.edit", school):
        return forbidden(request)
    form = PeriodForm(request.POST, months=_months(year, school))
    if form.is_valid():
        try:
            services.period_close(actor=request.user, school=school, school_year=year,
                                  kind=form.cleaned_data["kind"], which=form.cleaned_data["period"])
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Period closed."))
            return _back(school, year)
    return render(request, "funds/ledger.html", _ledger_context(request, school, year, period_form=form,
                                                                 open_form="period"), status=422)


# --- per-pupil allocations (FN-4) ----------------------------------------------------------------------------
@require_POST
@permission_required("funds.view")
def receive(request, pk):
    a = get_visible_or_404(FundAllocation.objects.select_related("school", "school_year"), request.user, pk,
                           "funds.view")
    if not can(request.user, "funds.edit", a):
        return forbidden(request)
    form = ReceiveForm(request.POST)
    if form.is_valid():
        try:
            services.allocation_receive(actor=request.user, allocation=a, received_on=form.cleaned_data["received_on"])
        except DomainError as exc:
            for e in exc.errors or [{"message": exc.message}]:
                messages.error(request, str(e["message"]))
        else:
            messages.success(request, _("Receipt of the funds recorded and the income posted."))
    else:
        messages.error(request, _("Enter the date the funds arrived."))
    return _back(a.school, a.school_year)


FUNDS_SORT = Sorting({"school": ("region_path", "code"), "code": ("code",)}, default="school")


def _overview_context(request, year, form=None):
    schools, sort = FUNDS_SORT.apply(School.objects.visible_to(request.user, "funds.view").select_related("region"),
                                     request.GET.get("sort"))
    page = Paginator(schools, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [s.pk for s in page]
    spend: dict[int, dict] = {}
    for r in (LedgerEntry.objects.filter(school_id__in=ids, school_year=year).order_by()
              .values("school_id", "base_kind", "category").annotate(total=Sum("signed_amount"))):
        d = spend.setdefault(r["school_id"], {"budget": services.ZERO, "income": services.ZERO,
                                              "expense": services.ZERO, "by_category": {}})
        if r["base_kind"] in ("budget", "income", "expense"):
            d[r["base_kind"]] += r["total"] or 0
        if r["base_kind"] == "expense":
            d["by_category"][r["category"]] = d["by_category"].get(r["category"], 0) + (r["total"] or 0)
    alloc = {r["school_id"]: r for r in (
        FundAllocation.objects.filter(school_id__in=ids, school_year=year).order_by().values("school_id")
        .annotate(allocated=Sum("amount"), received=Sum("amount", filter=Q(received_on__isnull=False)),
                  n=Count("id"), pending=Count("id", filter=Q(received_on__isnull=True)),
                  last_received=Max("received_on"),
                  late=Count("id", filter=Q(received_on__isnull=True, due_date__lt=timezone.localdate())
                             | Q(received_on__gt=F("due_date")))))}
    labels = dict(CATEGORY_CHOICES)
    rows = []
    for s in page:
        sp = spend.get(s.pk, {"budget": 0, "income": 0, "expense": 0, "by_category": {}})
        rows.append({"school": s, "spend": sp, "alloc": alloc.get(s.pk),
                     "categories": [(str(labels.get(c, c)), v) for c, v in sp["by_category"].items() if v]})
    allocatable = School.objects.visible_to(request.user, "funds.allocate").order_by("region_path", "code") \
        if has_perm(request.user, "funds.allocate") else School.objects.none()
    return {"page": page, "rows": rows, "year": year, "years": SchoolYear.objects.order_by("-start_year")[:6],
            "sort": sort,
            "can_allocate": has_perm(request.user, "funds.allocate"),
            "allocation_form": form or AllocationForm(schools=allocatable,
                                                      initial={"allocated_on": timezone.localdate(),
                                                               "due_date": timezone.localdate() + timedelta(30)})}


@require_GET
@permission_required("funds.view")
def index(request):
    """The schools in scope with their allocations of per-pupil funds, when they arrived and the spending by
    category (FN-4); a school account sees its own row and goes on to its ledger."""
    year = _year_from(request.GET.get("year"))
    return render(request, "funds/overview.html", _overview_context(request, year))


@require_POST
@permission_required("funds.allocate")
def allocate(request):
    year = _year_from(request.POST.get("year"))
    schools = School.objects.visible_to(request.user, "funds.allocate").order_by("region_path", "code")
    form = AllocationForm(request.POST, schools=schools)
    if form.is_valid():
        d = form.cleaned_data
        school = schools.filter(pk=int(d["school"])).first()
        try:
            services.allocation_create(actor=request.user, school=school, school_year=year, amount=d["amount"],
                                       allocated_on=d["allocated_on"], due_date=d["due_date"], note=d["note"])
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Allocation recorded."))
            return redirect(reverse("funds:index") + f"?year={year.name}")
    return render(request, "funds/overview.html", _overview_context(request, year, form), status=422)

