from django import forms
from django.utils.translation import gettext_lazy as _

from suiban.org.models import Region, ResourceCentre, School, SchoolClass, Term


def _profile_choices():
    from suiban.policy.profiles import registry

    return [("", _("(inherit from above)"))] + [(c, f"{c} — {p.name}") for c, p in registry().profiles.items()]


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput


class RegionForm(forms.ModelForm):
    version = VersionField(required=False)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "profile"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Region.objects.visible_to(actor, "org.manage_regions").exclude(
            level=Region.DISTRICT)
        self.fields["profile"] = forms.ChoiceField(label=_("policy profile"), choices=_profile_choices(),
                                                   required=False)
        if self.instance.pk:
            for f in ("code", "level", "parent"):
                self.fields[f].disabled = True
            self.initial["version"] = self.instance.version


class SchoolForm(forms.ModelForm):
    version = VersionField(required=False)

    class Meta:
        model = School
        fields = ["code", "name", "kind", "region", "address", "phone", "is_active"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        # ORG-7: a province, a city and a county may each have a centre (GD §39).
        self.fields["region"].queryset = Region.objects.visible_to(actor, "org.manage_schools")
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.initial["version"] = self.instance.version


class CentreForm(forms.ModelForm):
    version = VersionField(required=False)

    class Meta:
        model = ResourceCentre
        fields = ["region", "name", "address", "phone"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        # ORG-7: a province, a city and a county may each have a centre (GD §39).
        self.fields["region"].queryset = Region.objects.visible_to(actor, "org.manage_schools")
        if self.instance.pk:
            self.fields["region"].disabled = True
            self.initial["version"] = self.instance.version


class SchoolClassForm(forms.ModelForm):
    version = VersionField(required=False)

    class Meta:
        model = SchoolClass
        fields = ["school", "school_year", "grade", "name", "kind", "class_teacher"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.visible_to(actor, "org.manage_classes")
        from suiban.org.services import class_teacher_choices

        schools = [self.instance.school_id] if self.instance.pk else self.fields["school"].queryset.values("pk")
        self.fields["class_teacher"].queryset = class_teacher_choices(schools)
        self.fields["class_teacher"].label_from_instance = lambda u: f"{u.display_name} ({u.username})"
        # PL-2: a form posted without the kind (an older client) keeps the class's kind, or makes an ordinary one.
        self.fields["kind"].required = False
        if self.instance.pk:
            for f in ("school", "school_year"):
                self.fields[f].disabled = True
            self.initial["version"] = self.instance.version

    def clean_kind(self):
        return self.cleaned_data.get("kind") or self.instance.kind or SchoolClass.ORDINARY


class SchoolYearForm(forms.Form):
    start_year = forms.IntegerField(label=_("start year"), min_value=2000, max_value=2100,
                                    help_text=_("Dates and terms follow the policy's school calendar."))


class TermForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = ["start_date", "end_date"]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}),
                   "end_date": forms.DateInput(attrs={"type": "date"})}

