"""Forms of the home-delivered education pages (every input labelled; Chinese labels through the catalog)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suiban.homebound.models import MISS_REASONS, REHAB_AREAS

CHECK = forms.CheckboxInput(attrs={"class": "form-check-input"})


class PlanForm(forms.Form):
    teacher_ids = forms.MultipleChoiceField(label=_("teachers"), widget=forms.CheckboxSelectMultiple,
                                            help_text=_("From the school's filed resource-teacher pool of the year; "
                                                        "two go on each visit (二对一)."))
    visits_per_week = forms.IntegerField(label=_("visits per week"), min_value=0, max_value=7)
    hours_per_visit = forms.DecimalField(label=_("class hours per visit"), min_value=0, max_value=8, decimal_places=2)
    teaching = forms.CharField(label=_("teaching part"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("May adapt kindergarten, ordinary or special-school curricula."))
    rehabilitation = forms.CharField(label=_("rehabilitation part"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    rehab_areas = forms.MultipleChoiceField(label=_("rehabilitation areas"), choices=REHAB_AREAS, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    rehab_provider = forms.CharField(label=_("purchased rehabilitation service provider"), required=False,
                                     max_length=200)
    goals = forms.CharField(label=_("goals of the visits"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, teachers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher_ids"].choices = [(str(t.pk), t.name) for t in teachers]


class EnrolmentForm(PlanForm):
    student = forms.ChoiceField(label=_("student"))
    place = forms.CharField(label=_("usual place of the visits"), required=False, max_length=200)
    field_order = ["student", "place"]

    def __init__(self, *args, students=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = [("", "—")] + [(str(s.pk), f"{s.name}（{s.school.name}）")
                                                         for s in students]


class NewPlanForm(PlanForm):
    effective_from = forms.DateField(label=_("takes effect on"),
                                     widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    criterion = forms.CharField(widget=forms.HiddenInput)
    met = forms.BooleanField(label=pgettext_lazy("criterion", "met"), required=False)
    evidence = forms.CharField(label=_("evidence"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("A note, or the name of the uploaded document it rests on."))


class VisitForm(forms.Form):
    status = forms.ChoiceField(label=_("the visit"), initial="delivered", widget=forms.RadioSelect, choices=[
        ("delivered", _("Visit delivered")), ("missed", _("Visit missed")), ("cancelled", _("Visit cancelled"))])
    date = forms.DateField(label=_("visit date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(label=_("start time"), required=False,
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=_("end time"), required=False,
                               widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    teacher_ids = forms.MultipleChoiceField(label=_("teachers"), widget=forms.CheckboxSelectMultiple, required=False)
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    mode = forms.ChoiceField(label=_("mode"), choices=[("onsite", _("On site")), ("remote", _("Remote"))],
                             widget=forms.RadioSelect, initial="onsite")
    online = forms.BooleanField(label=_("online"), required=False, widget=CHECK)
    guardian_training = forms.BooleanField(label=_("guardian training given"), required=False, widget=CHECK)
    notes = forms.CharField(label=_("visit notes (送教小记)"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.ChoiceField(label=_("reason"), required=False, choices=[("", "—"), *MISS_REASONS])
    family_informed = forms.BooleanField(label=_("family told"), required=False, widget=CHECK)
    makeup_date = forms.DateField(label=_("make-up visit planned on"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    photo = forms.FileField(label=_("photo or short video"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,video/mp4"}))
    client_ref = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, teachers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher_ids"].choices = [(str(t.pk), t.name) for t in teachers]


class CorrectionForm(VisitForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    why = forms.CharField(label=_("why the visit is corrected"), max_length=2000,
                          widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["photo"], self.fields["client_ref"]


class DisownForm(forms.Form):
    why = forms.CharField(label=_("why you were not at this visit"), max_length=2000,
                          widget=forms.Textarea(attrs={"rows": 2}))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("file"))
