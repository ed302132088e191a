"""Forms of the oversight pages; the services validate (their errors are shown next to the fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from suiban.oversight.models import ACCESSIBILITY_ITEMS, CENSUS_SOURCES, CENSUS_STATES, Activity, GovernanceRecord

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CensusImportForm(forms.Form):
    source = forms.ChoiceField(label=_("list"), choices=[("", "—"), *CENSUS_SOURCES])
    file = forms.FileField(label=_("file (.xlsx)"))


class FollowUpForm(forms.Form):
    state = forms.ChoiceField(label=_("state"), choices=CENSUS_STATES)
    follow_up_person = forms.CharField(label=_("followed up by"), max_length=50, required=False)
    follow_up_due = forms.DateField(label=_("next follow-up by"), required=False, widget=DATE)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RefusalForm(forms.Form):
    child_name = forms.CharField(label=_("child"), max_length=50, required=False)
    refused_on = forms.DateField(label=_("refused on"), required=False, widget=DATE)
    reason = forms.CharField(label=_("reason for the refusal"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    decision = forms.CharField(label=_("bureau's decision"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AccessibilityForm(forms.Form):
    item = forms.ChoiceField(label=_("item"), choices=ACCESSIBILITY_ITEMS)
    present = forms.TypedChoiceField(label=_("in place"), choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
                                     coerce=lambda v: v == "yes", empty_value=None, required=False)
    checked_on = forms.DateField(label=_("checked on"), required=False, widget=DATE)
    rectify_by = forms.DateField(label=_("to be rectified by"), required=False, widget=DATE)
    note = forms.CharField(label=_("note"), required=False)


class CustodianForm(forms.Form):
    name = forms.CharField(label=_("custodian"), max_length=50, required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    cabinet = forms.CharField(label=_("cabinet / location"), max_length=100, required=False)
    appointed_on = forms.DateField(label=_("appointed on"), required=False, widget=DATE)


class GovernanceForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=GovernanceRecord.KINDS)
    title = forms.CharField(label=_("title"), max_length=200, required=False)
    held_on = forms.DateField(label=_("date"), required=False, widget=DATE)
    valid_until = forms.DateField(label=_("valid until"), required=False, widget=DATE)
    participants = forms.CharField(label=_("participants"), required=False)
    content = forms.CharField(label=_("content and decisions"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Activity.KINDS)
    title = forms.CharField(label=_("title"), max_length=200, required=False)
    held_on = forms.DateField(label=_("date"), required=False, widget=DATE)
    participants = forms.IntegerField(label=_("participants"), min_value=0, initial=0)
    summary = forms.CharField(label=_("summary"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DesignatedSchoolForm(forms.Form):
    """PL-15: the disability categories a designated school (定点学校) takes first, since when, and a note."""

    categories = forms.MultipleChoiceField(
        label=_("disability categories it takes first"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave every box empty if the school is designated for children of every category."))
    designated_on = forms.DateField(label=_("designated on"),
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from suiban.students.models import CATEGORY_CHOICES

        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = CATEGORY_CHOICES
