"""The funds ledger (台账) of a school for a school year (FN-1..FN-4; HB-7 subsidy postings).

Entries are never edited or deleted: a correction is a reversal entry pointing at the entry it undoes.
Money is ``Decimal`` with two places, never a float."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suiban.core.scoping import ScopedManager
from suiban.org.models import School, SchoolYear

# Income sources (FN-2, FN-3): where the money comes from; an expense names the fund it is paid from.
CITY_SUBSIDY, DISTRICT_SUBSIDY, SCHOOL_BUDGET = "city_subsidy", "district_subsidy", "school_budget"
PER_PUPIL_FUNDS, SPECIAL_FUNDS = "per_pupil_funds", "resource_room_special"
SOURCE_CHOICES = [
    (CITY_SUBSIDY, _("City subsidy")),
    (DISTRICT_SUBSIDY, _("District subsidy")),
    (SCHOOL_BUDGET, _("School annual budget")),
    (PER_PUPIL_FUNDS, _("Per-pupil funds for inclusive education")),
    (SPECIAL_FUNDS, _("Resource-room special funds")),
]
SOURCE_LABELS = dict(SOURCE_CHOICES)

# Categories of expenses and budget lines: what per-pupil funds may pay for (FN-1, HC §4.1), what the
# resource-room special funds may pay for (FN-3) and the resource room's construction, maintenance and
# running costs of the school's annual budget (FN-4). Which ones a region allows is policy (⚙).
TRANSPORT_SUBSIDY = "transport_subsidy"
CATEGORY_CHOICES = [
    ("teaching_aids", _("Teaching aids and assistive devices")),
    ("purchased_courses", _("Purchased courses")),
    (TRANSPORT_SUBSIDY, _("Transport subsidies of home-delivery teachers")),
    ("professional_services", _("Purchased professional services")),
    ("teacher_training", _("Teacher training")),
    ("materials_equipment", _("Materials, equipment and consumables")),
    ("room_construction", _("Resource-room construction")),
    ("room_maintenance", _("Resource-room maintenance")),
    ("room_running", _("Resource-room running costs")),
]
CATEGORY_LABELS = dict(CATEGORY_CHOICES)


def category_label(code: str) -> str:
    return str(CATEGORY_LABELS.get(code, code)) if code else ""


def source_label(code: str) -> str:
    return str(SOURCE_LABELS.get(code, code)) if code else ""


class LedgerEntry(models.Model):
    BUDGET, INCOME, EXPENSE, REVERSAL = "budget", "income", "expense", "reversal"
    KIND_CHOICES = [(BUDGET, _("Budget")), (INCOME, _("Income")), (EXPENSE, _("Expense")),
                    (REVERSAL, _("Reversal"))]
    MANUAL, HOMEBOUND_SUBSIDY = "manual", "homebound_subsidy"
    ORIGIN_CHOICES = [(MANUAL, _("Entered by hand")), (HOMEBOUND_SUBSIDY, _("Home-delivery subsidy"))]

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="ledger_entries",
                               verbose_name=_("school"))
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("school year"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=KIND_CHOICES)
    source = models.CharField(_("source"), max_length=30, blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    date = models.DateField(_("date"))
    payee = models.CharField(_("payee"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", verbose_name=_("reverses"))
    origin = models.CharField(_("origin"), max_length=20, choices=ORIGIN_CHOICES, default=MANUAL)
    # What posted the entry (e.g. "visit:17:1" for version 1 of visit 17): unique per origin, so posting
    # the same thing twice creates nothing (HB-7 idempotent posting).
    origin_ref = models.CharField(max_length=64, blank=True)
    # What the entry counts as in the totals: its own kind, or for a reversal the kind of the entry it undoes;
    # ``signed_amount`` is the amount with the sign it adds to that kind (a reversal: negative). Totals are
    # plain sums of it, so balance and totals by category reconcile by construction (FN-2).
    base_kind = models.CharField(_("counts as"), max_length=10, default="", editable=False)
    signed_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0, editable=False)
    # "Reverse and reissue": the new entry names the entry it replaces (the reversal names it too).
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reissues",
                                 verbose_name=_("replaces"))
    # Posted beyond the budget where the policy flags rather than refuses (FN-2).
    over_budget = models.BooleanField(_("over budget"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("entered by"))
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "funds.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["origin", "origin_ref"], condition=~models.Q(origin_ref=""),
                                    name="ledger_origin_ref_once"),
        ]
        indexes = [
            models.Index(fields=["school", "school_year", "date"], name="ledger_school_year_date_idx"),
            models.Index(fields=["school_year", "region_path", "category"], name="ledger_year_region_cat_idx"),
            models.Index(fields=["school", "school_year", "base_kind", "category"], name="ledger_school_totals_idx"),
            # Totals by category of a district or a province: the grouped sum reads this index alone, in group order.
            models.Index(fields=["school_year", "base_kind", "category", "source", "region_path", "signed_amount"],
                         name="ledger_year_totals_idx"),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.amount}"

    def audit_scope(self):
        return self.region_path, self.school_id

    @property
    def category_label(self) -> str:
        return category_label(self.category)

    @property
    def source_label(self) -> str:
        return source_label(self.source)


def receipt_upload_to(instance, filename):
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"ledger/school-{instance.entry.school_id}/{uuid.uuid4().hex}.{ext}"


class LedgerReceipt(models.Model):
    """A scanned receipt of an entry (FN-2): checked by content, stored through the storage API, served only by
    the access-checked view."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="receipts",
                              verbose_name=_("ledger entry"))
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=receipt_upload_to)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "funds.view"
    SCOPE_LOOKUPS = {"region": "entry__region_path", "school": "entry__school_id"}

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self):
        return self.title

    def audit_scope(self):
        return self.entry.region_path, self.entry.school_id


class LedgerPeriod(models.Model):
    """A closed month or term of a school's ledger: no entry is dated inside it any more; a correction of an
    entry in it posts into the open period and names the original (FN-2)."""

    MONTH, TERM = "month", "term"
    KIND_CHOICES = [(MONTH, _("Month")), (TERM, _("Term"))]

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("school year"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    kind = models.CharField(pgettext_lazy("accounting", "period"), max_length=10, choices=KIND_CHOICES)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "funds.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods")
        constraints = [models.UniqueConstraint(fields=["school", "start_date", "end_date"],
                                               name="ledger_period_once")]

    def __str__(self):
        return f"{self.start_date}–{self.end_date}"

    def audit_scope(self):
        return self.region_path, self.school_id


class FundAllocation(models.Model):
    """Per-pupil funds the bureau allocates to a school for a year, and when they arrived (FN-4). Receiving
    posts the income entry (source: per-pupil funds) into the school's ledger."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("school year"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    allocated_on = models.DateField(_("allocated on"))
    due_date = models.DateField(_("due by"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    income_entry = models.OneToOneField(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="allocation", verbose_name=_("income entry"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "funds.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["allocated_on", "id"]
        verbose_name = _("allocation of per-pupil funds")
        verbose_name_plural = _("allocations of per-pupil funds")

    def __str__(self):
        return f"{self.school_id} {self.amount}"

    def audit_scope(self):
        return self.region_path, self.school_id

    @property
    def late(self) -> bool:
        from django.utils import timezone

        if self.received_on is not None:
            return self.received_on > self.due_date
        return timezone.localdate() > self.due_date
