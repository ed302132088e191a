"""Page forms of individual education. They only shape and type what the browser sends; every rule is checked
by the services (``suiban.iep.services``, ``sessions``, ``support``) and their errors are put next to the fields."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suiban.iep.models import (
    AID_KINDS,
    ATTAINMENT,
    DIMENSIONS,
    DOMAINS,
    LEVELS,
    MEASUREMENTS,
    OUTCOMES,
    PARTICIPANT_ROLES,
    PEER_MODES,
    RESPONSES,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_PARTICIPANTS = 10
BASELINE = ["baseline_collected_by", "baseline_collected_on", "disability_assessment", "academic_assessment",
            "social_adaptation", "family_education", "support_needs"]
MEETING = ["meeting_date", "meeting_conclusions"]
PERIOD = ["start_date", "end_date"]


def _text(label, rows=3, required=False):
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}))


class PlanForm(forms.Form):
    """Baseline (GD §27(1)), the team meeting (§27(2)) with its participants, and the plan's period."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    start_date = forms.DateField(label=_("start date"), widget=DATE, required=False)
    end_date = forms.DateField(label=_("end date"), widget=DATE, required=False)
    baseline_collected_by = forms.CharField(label=_("baseline collected by"), max_length=50, required=False)
    baseline_collected_on = forms.DateField(label=_("baseline collected on"), widget=DATE, required=False)
    disability_assessment = _text(_("disability assessment"))
    academic_assessment = _text(_("academic level assessment"))
    social_adaptation = _text(_("social adaptation assessment"))
    family_education = _text(_("family education situation"))
    support_needs = _text(_("learning-support needs"))
    meeting_date = forms.DateField(label=_("team meeting date"), widget=DATE, required=False)
    meeting_conclusions = _text(_("team meeting conclusions"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        initial = self.initial.get("meeting_participants") or []
        for i in range(MAX_PARTICIPANTS):
            p = initial[i] if i < len(initial) else {}
            self.fields[f"p{i}_name"] = forms.CharField(label=_("name"), max_length=50, required=False,
                                                        initial=p.get("name", ""))
            self.fields[f"p{i}_role"] = forms.ChoiceField(label=_("role"), required=False,
                                                          choices=[("", "—"), *PARTICIPANT_ROLES],
                                                          initial=p.get("role", ""))

    def participant_rows(self):
        return [(self[f"p{i}_name"], self[f"p{i}_role"]) for i in range(MAX_PARTICIPANTS)]

    def section(self, names):
        return [self[n] for n in names]

    def baseline_fields(self):
        return self.section(BASELINE)

    def meeting_fields(self):
        return self.section(MEETING)

    def period_fields(self):
        return self.section(PERIOD)

    def participants(self) -> list[dict]:
        out = []
        for i in range(MAX_PARTICIPANTS):
            name = (self.cleaned_data.get(f"p{i}_name") or "").strip()
            role = self.cleaned_data.get(f"p{i}_role") or ""
            if name or role:
                out.append({"name": name, "role": role})
        return out

    def plan_fields(self) -> dict:
        d = {k: self.cleaned_data.get(k) for k in PERIOD + BASELINE + MEETING}
        d["meeting_participants"] = self.participants()
        return d

    def map_error_field(self, field):
        if field and field.startswith("meeting_participants["):
            i, _sep, rest = field[len("meeting_participants["):].partition("].")
            return f"p{i}_{rest}" if i.isdigit() else None
        return field


class GoalForm(forms.Form):
    """A long-term goal or a measurable short-term goal (IEP-3)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    domain = forms.ChoiceField(label=_("domain"), choices=[("", "—"), *DOMAINS], required=False)
    training_kind = forms.ChoiceField(label=_("compensatory training kind"), required=False)
    target_behaviour = _text(_("target behaviour"), rows=2, required=True)
    baseline = _text(_("baseline"), rows=2)
    target_level = forms.CharField(label=_("target level"), max_length=200, required=False)
    measurement = forms.ChoiceField(label=_("measurement method"), choices=[("", "—"), *MEASUREMENTS],
                                    required=False)
    mastery_criterion = forms.CharField(label=_("mastery criterion"), max_length=200, required=False)
    responsible_teacher = forms.CharField(label=_("responsible teacher"), max_length=50, required=False)
    start_date = forms.DateField(label=_("start date"), widget=DATE, required=False)
    end_date = forms.DateField(label=_("end date"), widget=DATE, required=False)
    measures = _text(_("measures"), rows=2)
    attainment_method = _text(_("method of judging attainment"), rows=2)

    def __init__(self, *args, kinds=(), short=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training_kind"].choices = [("", "—")] + [(k, k) for k in kinds]
        self.fields["domain"].required = not short
        if short:
            self.fields["domain"].help_text = _("Empty: the long-term goal's domain.")

    def goal_fields(self) -> dict:
        d = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if not d.get("domain"):
            d.pop("domain", None)
        return d


class TransitionForm(forms.Form):
    to = forms.CharField(max_length=10)
    note = forms.CharField(required=False, widget=forms.Textarea)
    version = forms.IntegerField(required=False)


class ResponseForm(forms.Form):
    answer = forms.ChoiceField(label=_("answer"), choices=RESPONSES, widget=forms.RadioSelect)
    comment = _text(_("comment"), rows=2)


class ReviewForm(forms.Form):
    """A periodic review: date, evidence and, per active goal, the attainment (IEP-2 (4), IEP-3)."""

    review_date = forms.DateField(label=_("review date"), widget=DATE)
    evidence = _text(_("evidence"), rows=3, required=True)
    summary = _text(_("summary"), rows=2)

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        self.fields["review_date"].initial = timezone.localdate()
        for g in self.goals:
            self.fields[f"g{g.pk}_attained"] = forms.ChoiceField(label=_("attained"), required=False,
                                                                 choices=[("", _("not reviewed")), *ATTAINMENT])
            self.fields[f"g{g.pk}_percentage"] = forms.DecimalField(label=_("percentage"), required=False,
                                                                    min_value=0, max_value=100, decimal_places=1)
            self.fields[f"g{g.pk}_level_reached"] = forms.CharField(label=_("level reached"), max_length=200,
                                                                    required=False)
            self.fields[f"g{g.pk}_note"] = forms.CharField(label=_("note"), required=False)

    def goal_rows(self):
        return [(g, self[f"g{g.pk}_attained"], self[f"g{g.pk}_percentage"], self[f"g{g.pk}_level_reached"],
                 self[f"g{g.pk}_note"]) for g in self.goals]

    def attainments(self) -> list[dict]:
        out = []
        for g in self.goals:
            attained = self.cleaned_data.get(f"g{g.pk}_attained")
            if not attained:
                continue
            pct = self.cleaned_data.get(f"g{g.pk}_percentage")
            out.append({"goal_id": g.pk, "attained": attained, "percentage": float(pct) if pct is not None else None,
                        "level_reached": self.cleaned_data.get(f"g{g.pk}_level_reached") or "",
                        "note": self.cleaned_data.get(f"g{g.pk}_note") or ""})
        return out


AMEND_GOAL_FIELDS = ["target_behaviour", "baseline", "target_level", "mastery_criterion", "responsible_teacher",
                     "measures", "attainment_method", "end_date"]


class AmendForm(PlanForm):
    """An amendment of a plan in force: the reason, the plan's fields, each active goal's fields (short-term
    goals may be retired) and optionally one new short-term goal under a long-term goal."""

    reason = _text(_("reason for the amendment"), rows=2, required=True)

    def __init__(self, *args, goals=(), kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        longs = [g for g in self.goals if g.kind == "long_term"]
        for g in self.goals:
            for f in AMEND_GOAL_FIELDS:
                if f == "end_date":
                    field = forms.DateField(label=_("end date"), widget=DATE, required=False, initial=g.end_date)
                elif f in ("target_level", "mastery_criterion"):
                    field = forms.CharField(label=GoalForm.base_fields[f].label, max_length=200, required=False,
                                            initial=getattr(g, f))
                elif f == "responsible_teacher":
                    field = forms.CharField(label=GoalForm.base_fields[f].label, max_length=50, required=False,
                                            initial=getattr(g, f))
                else:
                    field = forms.CharField(label=GoalForm.base_fields[f].label, required=f == "target_behaviour",
                                            widget=forms.Textarea(attrs={"rows": 2}), initial=getattr(g, f))
                self.fields[f"g{g.pk}_{f}"] = field
            if g.kind == "short_term":
                self.fields[f"g{g.pk}_retire"] = forms.BooleanField(label=_("retire this goal"), required=False)
        self.fields["new_parent"] = forms.ChoiceField(
            label=_("add a short-term goal under"), required=False,
            choices=[("", "—")] + [(str(g.pk), g.target_behaviour[:40]) for g in longs])
        for f in ("target_behaviour", "baseline", "target_level", "measurement", "mastery_criterion",
                  "responsible_teacher", "measures", "attainment_method"):
            base = GoalForm.base_fields[f]
            self.fields[f"new_{f}"] = forms.ChoiceField(label=base.label, required=False, choices=base.choices) \
                if f == "measurement" else forms.CharField(label=base.label, required=False)

    def goal_blocks(self):
        out = []
        for g in self.goals:
            out.append((g, [self[f"g{g.pk}_{f}"] for f in AMEND_GOAL_FIELDS],
                        self[f"g{g.pk}_retire"] if g.kind == "short_term" else None))
        return out

    def new_goal_fields(self):
        return [self[n] for n in self.fields if n.startswith("new_")]

    def goal_tree(self) -> list[dict]:
        """The whole goal tree for ``plan_amend``: every active goal with the edited values, retired ones left
        out, the new short-term goal appended under its long-term goal."""
        from suiban.iep.services import GOAL_FIELDS

        cd = self.cleaned_data

        def item(g):
            d = {"id": g.pk, **{f: getattr(g, f) for f in GOAL_FIELDS}}
            for f in AMEND_GOAL_FIELDS:
                v = cd.get(f"g{g.pk}_{f}")
                if f == "end_date":
                    d[f] = v or g.end_date
                else:
                    d[f] = v if v is not None else ""
            return d

        tree = []
        for g in self.goals:
            if g.kind != "long_term":
                continue
            node = {**item(g), "short_term": []}
            for c in self.goals:
                if c.parent_id == g.pk and not cd.get(f"g{c.pk}_retire"):
                    node["short_term"].append(item(c))
            if cd.get("new_parent") == str(g.pk) and (cd.get("new_target_behaviour") or "").strip():
                new = {f: cd.get(f"new_{f}") or "" for f in ("target_behaviour", "baseline", "target_level",
                                                              "measurement", "mastery_criterion",
                                                              "responsible_teacher", "measures",
                                                              "attainment_method")}
                node["short_term"].append(new)
            tree.append(node)
        return tree


class SessionLogForm(forms.Form):
    """The phone form: students (checkboxes), date (today), hours (1), kind and outcome as buttons."""

    students = forms.MultipleChoiceField(label=_("students"), widget=forms.CheckboxSelectMultiple)
    date = forms.DateField(label=_("session date"), widget=DATE)
    hours = forms.DecimalField(label=_("class hours"), min_value=0, max_value=8, decimal_places=2, initial=1)
    kind = forms.ChoiceField(label=_("kind"), widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label=_("outcome"), choices=OUTCOMES, initial="delivered", widget=forms.RadioSelect)
    cancel_reason = forms.CharField(label=_("reason for the cancellation"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    teacher_name = forms.CharField(label=_("teacher"), max_length=50)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, students=(), kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["students"].choices = [(str(s.pk), s.name) for s in students]
        self.fields["kind"].choices = kinds
        self.fields["date"].initial = timezone.localdate()


class SessionCorrectionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    date = forms.DateField(label=_("session date"), widget=DATE)
    hours = forms.DecimalField(label=_("class hours"), min_value=0, max_value=8, decimal_places=2)
    kind = forms.ChoiceField(label=_("kind"))
    teacher_name = forms.CharField(label=_("teacher"), max_length=50)
    outcome = forms.ChoiceField(label=_("outcome"), choices=OUTCOMES)
    cancel_reason = forms.CharField(label=_("reason for the cancellation"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("reason for the correction"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds


class EvaluationForm(forms.Form):
    """The term evaluation on the seven GD §29 dimensions (IEP-6)."""

    term = forms.ChoiceField(label=_("term"))
    evaluated_on = forms.DateField(label=_("evaluated on"), widget=DATE)
    evaluator_name = forms.CharField(label=_("evaluated by"), max_length=50)
    summary = _text(_("overall comment"), rows=2)

    def __init__(self, *args, terms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = [(str(t.pk), f"{t.school_year.name} {t.get_number_display()}") for t in terms]
        self.fields["evaluated_on"].initial = timezone.localdate()
        for code, _label in DIMENSIONS:
            self.fields[f"d_{code}_level"] = forms.ChoiceField(label=pgettext_lazy("evaluation", "level"),
                                                               choices=[("", "—"), *LEVELS], required=False)
            self.fields[f"d_{code}_comment"] = forms.CharField(label=_("comment"), required=False)

    def dimension_rows(self):
        return [(label, self[f"d_{code}_level"], self[f"d_{code}_comment"]) for code, label in DIMENSIONS]

    def dimensions(self) -> list[dict]:
        return [{"dimension": code, "level": self.cleaned_data.get(f"d_{code}_level") or "",
                 "comment": self.cleaned_data.get(f"d_{code}_comment") or ""} for code, _label in DIMENSIONS]


class PeerSupportForm(forms.Form):
    mode = forms.ChoiceField(label=_("mode"), choices=PEER_MODES)
    peers = forms.CharField(label=_("peers"), help_text=_("Classmates' names, separated by commas."))
    starts_on = forms.DateField(label=_("from"), widget=DATE)
    ends_on = forms.DateField(label=pgettext_lazy("period", "until"), widget=DATE, required=False)
    notes = forms.CharField(label=_("notes"), required=False)

    def peer_list(self) -> list[dict]:
        raw = self.cleaned_data.get("peers") or ""
        for sep in ("，", "、", ";", "；"):
            raw = raw.replace(sep, ",")
        return [{"name": n.strip()} for n in raw.split(",") if n.strip()]


class AidForm(forms.Form):
    item = forms.CharField(label=_("item"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=AID_KINDS)
    issued_on = forms.DateField(label=_("issued on"), widget=DATE)
    returned_on = forms.DateField(label=_("returned on"), widget=DATE, required=False)
    notes = forms.CharField(label=_("notes"), required=False)
