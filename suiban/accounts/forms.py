from django import forms
from django.utils.translation import gettext_lazy as _

from suiban.core.permissions import ROLES, role_choices
from suiban.org.models import Region, School, SchoolClass


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class OtpForm(forms.Form):
    token = forms.CharField(label=_("Verification code"), max_length=32, strip=True,
                            help_text=_("The 6-digit code shown by the authenticator app, or one of your recovery "
                                        "codes."),
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), strip=False, widget=forms.PasswordInput)
    new_password1 = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("New password again"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    password = forms.CharField(label=_("Initial password"), strip=False, widget=forms.PasswordInput,
                               help_text=_("The person must change it at first login."))


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("New initial password"), strip=False, widget=forms.PasswordInput)


class RoleAssignForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=())
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(), required=False)
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.none(), required=False)
    school_class = forms.ModelChoiceField(label=_("Class"), queryset=SchoolClass.objects.none(), required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(c, lbl) for c, lbl in role_choices() if ROLES[c].scope_type != "student"]
        self.fields["region"].queryset = Region.objects.visible_to(actor)
        self.fields["school"].queryset = School.objects.visible_to(actor)
        self.fields["school_class"].queryset = (SchoolClass.objects.visible_to(actor)
                                                .select_related("school", "school_year"))
