"""Forms of the rooms pages; the services validate, these only carry the fields with their labels."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suiban.rooms.models import EQUIPMENT_CATEGORIES, ZONES, Room


class RoomForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, label=_("School"))
    name = forms.CharField(label=pgettext_lazy("room", "Name"), max_length=100, required=False)
    use = forms.ChoiceField(label=_("Use"), choices=Room.USE_CHOICES)
    door_sign = forms.BooleanField(label=_("Door sign and signage"), required=False)
    area_m2 = forms.DecimalField(label=_("Area (m²)"), min_value=0.1, max_digits=6, decimal_places=1)
    floor = forms.IntegerField(label=_("Floor"), initial=1, help_text=_("1 is the ground floor."))
    accessible = forms.BooleanField(label=_("Barrier-free access"), required=False)
    safety_measures = forms.CharField(label=_("Safety measures"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text=_("Needed when the room is not on the ground floor."))
    zones = forms.MultipleChoiceField(label=_("Functional zones"), choices=ZONES, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    zones_labelled = forms.BooleanField(label=_("Zones clearly labelled, rooms adjacent"), required=False)
    staff = forms.ModelMultipleChoiceField(queryset=None, label=_("Staff"), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    serves = forms.ModelMultipleChoiceField(queryset=None, label=_("Other schools served"), required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text=_("The bureau plans shared rooms that serve several "
                                                        "schools."))
    opening_hours = forms.CharField(label=_("Opening hours"), required=False)
    timetable = forms.CharField(label=_("Timetable"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    staff_posted = forms.BooleanField(label=_("Staff list and duties posted"), required=False)
    service_process = forms.CharField(label=_("Service process and booking"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    use_records = forms.CharField(label=_("Use records"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    equipment = forms.CharField(
        label=_("Equipment register"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item per line: name | kind | quantity | use records | maintenance records. Kinds: %(kinds)s.")
        % {"kinds": "、".join(str(label) for _c, label in EQUIPMENT_CATEGORIES)})

    def __init__(self, *args, schools, staff, served, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["staff"].queryset = staff
        self.fields["serves"].queryset = served

    def map_error_field(self, field):
        if not field:
            return field
        if field.startswith("staff_ids"):
            return "staff"
        if field.startswith("serves_school_ids"):
            return "serves"
        if field.startswith("equipment"):
            return "equipment"
        return {"school_id": "school"}.get(field, field)

    def equipment_items(self) -> list[dict]:
        by_label = {str(label): code for code, label in EQUIPMENT_CATEGORIES}
        items = []
        for line in (self.cleaned_data.get("equipment") or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")] + [""] * 5
            items.append({"name": parts[0], "category": by_label.get(parts[1], parts[1]),
                          "quantity": parts[2] or 1, "use_log": parts[3], "maintenance_log": parts[4]})
        return items


def equipment_text(items) -> str:
    labels = {code: str(label) for code, label in EQUIPMENT_CATEGORIES}
    return "\n".join(" | ".join([e.get("name", ""), labels.get(e.get("category"), ""), str(e.get("quantity", "")),
                                 e.get("use_log", ""), e.get("maintenance_log", "")]) for e in items or [])


class RoundForm(forms.Form):
    """The bureau opens a round and names the expert panel (专家考评组) from existing accounts that may score."""

    region = forms.ModelChoiceField(queryset=None, label=_("District"))
    name = forms.CharField(label=_("Name of the round"), max_length=100)
    panel_leader = forms.ModelChoiceField(queryset=None, label=_("Panel leader"))
    panel_members = forms.ModelMultipleChoiceField(queryset=None, label=_("Panel members"), required=False,
                                                   widget=forms.CheckboxSelectMultiple)
    self_due = forms.DateField(label=_("Self-assessment due"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    with_inspection = forms.BooleanField(label=_("Combined with the teaching inspection"), required=False)

    def __init__(self, *args, regions, scorers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["panel_leader"].queryset = scorers
        self.fields["panel_members"].queryset = scorers

    def map_error_field(self, field):
        if not field:
            return field
        if field.startswith("panel_member_ids"):
            return "panel_members"
        return {"region_id": "region", "panel_leader_id": "panel_leader"}.get(field, field)
