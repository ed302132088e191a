"""The funds ledger (台账) of a school for a school year (FN-1..FN-4; HB-7 subsidy postings).

Entries are never edited or deleted: a correction is a reversal entry pointing at the entry it undoes.
Money is ``Decimal`` with two places, never a float."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from suiban.core.scoping import ScopedManager
from suiban.org.models import School, SchoolYear


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
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.amount}"

    def audit_scope(self):
        return self.region_path, self.school_id
