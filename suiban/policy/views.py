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
from suiban.policy.display import source_in_words, value_in_words
from suiban.policy.models import PolicyOverride
from suiban.policy.params import PARAMS
from suiban.policy.profiles import registry
from suiban.policy.resolve import resolve_all


def _parse_month_day(text: str) -> str | None:
    """"9月1日", "9-1", "09-01", "9/1" → "09-01"; None when it is no date of the year."""
    import re
    from datetime import date

    m = re.fullmatch(r"\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?\s*", text or "")
    if not m:
        return None
    month, day = int(m.group(1)), int(m.group(2))
    try:
        date(2024, month, day)  # a leap year: 2月29日 is a valid day of the year
    except ValueError:
        return None
    return f"{month:02d}-{day:02d}"


class OverrideForm(forms.Form):
    """An override of one parameter, with an input of the parameter's type (number, date, yes/no, list)."""

    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, param, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from suiban.policy.params import BOOL, INT, MONTH_DAY, NUMBER, STR_LIST

        self.param = param
        label = param.label
        if param.type == INT:
            field = forms.IntegerField(label=label, min_value=param.minimum, max_value=param.maximum)
        elif param.type == NUMBER:
            field = forms.DecimalField(label=label, min_value=param.minimum, max_value=param.maximum,
                                       decimal_places=4)
        elif param.type == BOOL:
            field = forms.TypedChoiceField(label=label, choices=[("1", _("Yes")), ("0", _("No"))],
                                           coerce=lambda v: v == "1", widget=forms.RadioSelect)
        elif param.type == MONTH_DAY:
            field = forms.CharField(label=label, help_text=_("A day of the year, e.g. 9月1日."), max_length=10)
        elif param.type == STR_LIST:
            field = forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 5}),
                                    help_text=_("One item per line."))
        elif param.choices:
            field = forms.ChoiceField(label=label, choices=[(c, c) for c in param.choices])
        else:
            field = forms.CharField(label=label, max_length=200)
        self.fields = {"value": field, **self.fields}

    def clean_value(self):
        from suiban.policy.params import MONTH_DAY, NUMBER, STR_LIST

        value = self.cleaned_data["value"]
        if self.param.type == MONTH_DAY:
            parsed = _parse_month_day(value)
            if parsed is None:
                raise forms.ValidationError(_("Enter a day of the year such as 9月1日."))
            return parsed
        if self.param.type == STR_LIST:
            items = [line.strip() for line in value.splitlines() if line.strip()]
            if not items:
                raise forms.ValidationError(_("Enter at least one item."))
            return items
        if self.param.type == NUMBER:
            return int(value) if value == value.to_integral_value() else float(value)
        return value


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
    editing = request.POST.get("name") or request.GET.get("edit") or ""
    param = PARAMS.get(editing)
    form = OverrideForm(param, request.POST or None) if param and can_manage else None
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        if param is None:
            messages.error(request, _("Unknown parameter."))
            return redirect(request.get_full_path())
        if form.is_valid():
            kw = {"school": subject} if isinstance(subject, School) else {"region": subject}
            try:
                services.override_set(actor=request.user, name=param.name, value=form.cleaned_data["value"],
                                      note=form.cleaned_data["note"], **kw)
            except DomainError as exc:
                form.add_error("value" if exc.errors and exc.errors[0].get("field") == "value" else None,
                               str(exc.errors[0]["message"] if exc.errors else exc.message))
            else:
                messages.success(request, _("Override saved."))
                return redirect(request.path + _subject_query(subject))
    profile, resolved = resolve_all(subject)
    rows = [{"name": n, "param": PARAMS[n], "resolved": r, "value": value_in_words(PARAMS[n], r.value),
             "source": source_in_words(PARAMS[n].source)} for n, r in resolved.items()]
    overrides = [{"override": o, "param": PARAMS.get(o.name),
                  "value": value_in_words(PARAMS[o.name], o.value) if o.name in PARAMS else o.value}
                 for o in PolicyOverride.objects.filter(
                     **({"school": subject} if isinstance(subject, School) else {"region": subject}))]
    return render(request, "policy/effective.html", {
        "subject": subject, "is_school": isinstance(subject, School), "profile": profile,
        "profile_obj": registry().profiles.get(profile) if profile else None, "rows": rows,
        "form": form, "editing": param, "can_manage": can_manage, "overrides": overrides,
        "subject_query": _subject_query(subject),
        "regions": Region.objects.visible_to(request.user, "policy.view"),
        "schools": School.objects.visible_to(request.user, "policy.view").only("id", "name")[:500],
    })


def _subject_query(subject) -> str:
    return f"?school={subject.pk}" if isinstance(subject, School) else f"?region={subject.pk}"


@permission_required("policy.manage")
def override_delete(request, pk):
    if request.method != "POST":
        return redirect("policy:effective")
    ov = get_visible_or_404(PolicyOverride, request.user, pk, "policy.manage")
    services.override_remove(actor=request.user, override=ov)
    messages.success(request, _("Override removed."))
    target = f"?school={ov.school_id}" if ov.school_id else f"?region={ov.region_id}"
    return redirect(f"/policy/{target}")
