"""Forms of the staff pages: labels and help in the user's language; the services do the validation."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suiban.staff.models import (
    EXPERT_FIELDS,
    Expert,
    Nomination,
    PoolMember,
    StaffMember,
    StaffYear,
    Training,
    WorkingGroupMember,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    kind = forms.ChoiceField(label=_("kind"), choices=StaffMember.KIND_CHOICES)
    qualification = forms.ChoiceField(
        label=_("qualification basis"), choices=StaffMember.QUALIFICATION_CHOICES,
        help_text=_("Resource and itinerant teachers graduated in special education or passed the special-education "
                    "training organised by the province (Guangdong implementing rules, art. 31)."))
    qualification_evidence = forms.CharField(
        label=_("degree or certificate"), max_length=200, required=False,
        help_text=_("The graduating institution, or the number of the provincial training certificate."))
    subject = forms.CharField(label=_("subject taught"), max_length=50, required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    itinerant = forms.BooleanField(label=_("itinerant teacher"), required=False)


class MemberForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("staff member"), queryset=StaffMember.objects.none(), required=False,
                                   empty_label=_("— a new person (enter the name below) —"))
    new_name = forms.CharField(label=_("name of a new person"), max_length=50, required=False,
                               help_text=_("For a purchased assistant, social worker or therapist not yet recorded."))
    kind = forms.ChoiceField(label=_("role in the pool"), choices=PoolMember.KIND_CHOICES)
    full_time = forms.BooleanField(label=_("full-time"), required=False)
    reason = forms.CharField(label=_("reason for the amendment"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Needed once the pool has been filed: the change is kept as an amendment."))

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        if school is not None:
            self.fields["staff"].queryset = StaffMember.objects.filter(school=school, is_active=True)


class TrainingForm(forms.Form):
    course = forms.CharField(label=_("course"), max_length=200)
    kind = forms.ChoiceField(label=_("kind of training"), choices=Training.KIND_CHOICES)
    level = forms.ChoiceField(label=_("level"), choices=Training.LEVEL_CHOICES,
                              help_text=_("Province, city, county and school training (Guangdong implementing "
                                          "rules, art. 33)."))
    organiser = forms.CharField(label=_("organiser"), max_length=100, required=False)
    hours = forms.DecimalField(label=_("hours"), min_value=0.5, max_value=2000, decimal_places=1)
    start_date = forms.DateField(label=_("start date"), widget=DATE)
    end_date = forms.DateField(label=_("end date"), widget=DATE, required=False)
    certificate = forms.FileField(label=_("certificate scan"), required=False,
                                  help_text=_("PDF, JPEG or PNG; checked by its content."))


class StaffYearForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("staff member"), queryset=StaffMember.objects.none())
    full_time_resource = forms.BooleanField(label=_("full-time resource teacher"), required=False)
    room_share = forms.DecimalField(
        label=_("share of workload in the resource room"), required=False, min_value=0, max_value=1,
        decimal_places=3, help_text=_("For a part-time resource teacher, e.g. 0.7; at least two thirds "
                                      "(Guangdong implementing rules, art. 45)."))
    service_recorded = forms.BooleanField(
        label=_("year of full-time service recorded as rural/weak-school service"), required=False,
        help_text=_("One year of full-time resource-teacher service counts as a year in a rural or weak school "
                    "for professional titles."))
    evaluation = forms.ChoiceField(label=_("school's evaluation"), required=False,
                                   choices=[("", "—"), *StaffYear.EVALUATION_CHOICES])
    evaluation_note = forms.CharField(label=_("evaluation remarks"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    post_wage = forms.DecimalField(label=_("post wage (yuan per month)"), required=False, min_value=0,
                                   decimal_places=2)
    scale_wage = forms.DecimalField(label=_("salary-scale wage (yuan per month)"), required=False, min_value=0,
                                    decimal_places=2)

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        if school is not None:
            self.fields["staff"].queryset = StaffMember.objects.filter(school=school, is_active=True)


class NominationForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("nominee"), queryset=StaffMember.objects.none())
    category = forms.ChoiceField(label=_("category"), choices=Nomination.CATEGORY_CHOICES)
    reason = forms.CharField(label=_("achievements"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        if school is not None:
            self.fields["staff"].queryset = StaffMember.objects.filter(school=school, is_active=True)


class VisitForm(forms.Form):
    school = forms.ModelChoiceField(label=_("school visited"), queryset=None)
    date = forms.DateField(label=_("date"), widget=DATE)
    advice = forms.CharField(label=_("advice given"), widget=forms.Textarea(attrs={"rows": 3}))
    follow_up = forms.CharField(label=_("follow-up asked of the school"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    follow_up_due = forms.DateField(label=_("follow-up due"), widget=DATE, required=False)

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.initial.setdefault("date", timezone.localdate())


class AnswerForm(forms.Form):
    response = forms.CharField(label=_("the school's answer"), widget=forms.Textarea(attrs={"rows": 3}))


class MemberRowForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50, required=False)
    function = forms.ChoiceField(label=_("function"), choices=[("", "—"), *WorkingGroupMember.FUNCTION_CHOICES],
                                 required=False)
    duties = forms.CharField(label=_("duties"), max_length=200, required=False)


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE)
    topic = forms.CharField(label=_("topic"), max_length=200)
    minutes = forms.CharField(label=_("minutes"), widget=forms.Textarea(attrs={"rows": 4}))


class ExpertForm(forms.Form):
    body = forms.ChoiceField(label=_("body"), choices=Expert.BODY_CHOICES)
    region = forms.ModelChoiceField(label=_("region"), queryset=None)
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    field = forms.ChoiceField(label=pgettext_lazy("expertise", "field"), choices=EXPERT_FIELDS)
    organisation = forms.CharField(label=_("organisation"), max_length=100, required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class OpinionForm(forms.Form):
    physical_condition = forms.CharField(label=_("physical condition"), widget=forms.Textarea(attrs={"rows": 2}))
    education_ability = forms.CharField(label=_("ability to receive education"),
                                        widget=forms.Textarea(attrs={"rows": 2}))
    adaptation_ability = forms.CharField(label=_("ability to adapt to school life"),
                                         widget=forms.Textarea(attrs={"rows": 2}))
    conclusion = forms.CharField(label=_("conclusion"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    members = forms.ModelMultipleChoiceField(label=_("members who gave it"), queryset=None,
                                             widget=forms.CheckboxSelectMultiple)
    given_on = forms.DateField(label=_("date"), widget=DATE)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members
        self.initial.setdefault("given_on", timezone.localdate())
