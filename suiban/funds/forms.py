"""Forms of the ledger pages: the services check the rules; the forms only label and parse the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from suiban.funds.models import CATEGORY_CHOICES, SOURCE_CHOICES, LedgerPeriod

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
KIND_CHOICES = [("expense", _("Expense")), ("income", _("Income")), ("budget", _("Budget line"))]


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=KIND_CHOICES)
    date = forms.DateField(label=_("date of the entry"), widget=DATE)
    amount = forms.CharField(label=_("amount (yuan)"), max_length=20, widget=MONEY,
                             help_text=_("In yuan, at most two decimal places, e.g. 120.00."))
    source = forms.ChoiceField(label=_("fund (source)"), required=False,
                               help_text=_("For an income: where it comes from; for an expense: the fund it is paid "
                                           "from (per-pupil funds and resource-room special funds may only pay for "
                                           "the categories the policy allows)."))
    category = forms.ChoiceField(label=_("category"), required=False)
    payee = forms.CharField(label=_("payee"), max_length=100, required=False)
    purpose = forms.CharField(label=_("purpose"), max_length=500, required=False)

    def __init__(self, *args, categories=(), sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(CATEGORY_CHOICES)
        self.fields["category"].choices = [("", "—")] + [(c, labels.get(c, c)) for c in categories]
        src = dict(SOURCE_CHOICES)
        self.fields["source"].choices = [("", "—")] + [(s, src.get(s, s)) for s in sources]


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("reason for the reversal"), max_length=500)
    reissue = forms.BooleanField(label=_("post the corrected entry in the same step"), required=False)
    amount = forms.CharField(label=_("corrected amount (yuan)"), max_length=20, required=False, widget=MONEY)
    category = forms.ChoiceField(label=_("corrected category"), required=False)
    payee = forms.CharField(label=_("corrected payee"), max_length=100, required=False)
    purpose = forms.CharField(label=_("corrected purpose"), max_length=500, required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(CATEGORY_CHOICES)
        self.fields["category"].choices = [("", _("unchanged"))] + [(c, labels.get(c, c)) for c in categories]


class ReceiptForm(forms.Form):
    file = forms.FileField(label=_("receipt scan (PDF, JPEG or PNG)"))
    title = forms.CharField(label=_("title"), max_length=200, required=False)


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(label=_("closing period"), choices=LedgerPeriod.KIND_CHOICES)
    period = forms.ChoiceField(label=_("month or term to close"))

    def __init__(self, *args, months=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [*months, ("1", _("First term")), ("2", _("Second term"))]


class AllocationForm(forms.Form):
    school = forms.ChoiceField(label=_("school"))
    amount = forms.CharField(label=_("amount (yuan)"), max_length=20, widget=MONEY)
    allocated_on = forms.DateField(label=_("allocated on"), widget=DATE)
    due_date = forms.DateField(label=_("due by"), widget=DATE,
                               help_text=_("Per-pupil funds are to be allocated in full and on time."))
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "—")] + [(str(s.pk), s.name) for s in schools]


class ReceiveForm(forms.Form):
    received_on = forms.DateField(label=_("received on"), widget=DATE)
