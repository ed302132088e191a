import json

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban.core.errors import DomainError
from suiban.core.scoping import can, get_visible_or_404
from suiban.core.views import permission_required
from suiban.org.models import Region, School
from suiban.policy import services
from suiban.policy.models import PolicyOverride
from suiban.policy.params import PARAMS
from suiban.policy.profiles import registry
from suiban.policy.resolve import resolve_all


class OverrideForm(forms.Form):
    name = forms.ChoiceField(label=gettext_lazy("Parameter"))
    value = forms.CharField(label=gettext_lazy("Value (JSON: 3, 0.5, true, \"09-01\", [\"a\", \"b\"])"))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].choices = [(n, f"{n} — {p.label}") for n, p in PARAMS.items()]

    def clean_value(self):
        try:
            return json.loads(self.cleaned_data["value"])
        except json.JSONDecodeError:
            raise forms.ValidationError(_("Enter the value as JSON, e.g. 3 or \"09-01\".")) from None


@permission_required("policy.view")
def effective(request):
    """The effective policy of a region or school, and where each value came from."""
    subject = None
    school_id, region_id = request.GET.get("school", ""), request.GET.get("region", "")
    if school_id.isdigit():
        subject = get_visible_or_404(School, request.user, int(school_id), "policy.view")
    elif region_id.isdigit():
        subject = get_visible_or_404(Region, request.user, int(region_id), "policy.view")
    else:
        # A region role starts at its region; a school role at its own school.
        from suiban.core.scoping import grants_for

        region_roles = any(g.kind in ("all", "region") for g in grants_for(request.user, "policy.view"))
        subject = ((region_roles and Region.objects.visible_to(request.user, "policy.view").order_by("path").first())
                   or School.objects.visible_to(request.user, "policy.view").first())
    if subject is None:
        return render(request, "policy/effective.html", {"subject": None})
    can_manage = can(request.user, "policy.manage", subject)
    form = OverrideForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        if form.is_valid():
            kw = {"school": subject} if isinstance(subject, School) else {"region": subject}
            try:
                services.override_set(actor=request.user, name=form.cleaned_data["name"],
                                      value=form.cleaned_data["value"], note=form.cleaned_data["note"], **kw)
            except DomainError as exc:
                form.add_error("value" if exc.errors and exc.errors[0].get("field") == "value" else None,
                               str(exc.errors[0]["message"] if exc.errors else exc.message))
            else:
                messages.success(request, _("Override saved."))
                return redirect(request.get_full_path())
    profile, resolved = resolve_all(subject)
    rows = [{"name": n, "param": PARAMS[n], "resolved": r} for n, r in resolved.items()]
    overrides = PolicyOverride.objects.filter(
        **({"school": subject} if isinstance(subject, School) else {"region": subject}))
    return render(request, "policy/effective.html", {
        "subject": subject, "is_school": isinstance(subject, School), "profile": profile,
        "profile_obj": registry().profiles.get(profile) if profile else None, "rows": rows,
        "form": form, "can_manage": can_manage, "overrides": overrides,
        "regions": Region.objects.visible_to(request.user, "policy.view"),
        "schools": School.objects.visible_to(request.user, "policy.view").only("id", "name")[:500],
    })


@permission_required("policy.manage")
def override_delete(request, pk):
    if request.method != "POST":
        return redirect("policy:effective")
    ov = get_visible_or_404(PolicyOverride, request.user, pk, "policy.manage")
    services.override_remove(actor=request.user, override=ov)
    messages.success(request, _("Override removed."))
    target = f"?school={ov.school_id}" if ov.school_id else f"?region={ov.region_id}"
    return redirect(f"/policy/{target}")
