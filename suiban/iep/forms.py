"""Page forms of individual education. They only shape and type what the browser sends; every rule is checked
by the services (``suiban.iep.services``, ``sessions``, ``support``) and their errors are put next to the fields."""

import copy
import re

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
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
REVIEW_REQUIRED = ["disability_assessment", "academic_assessment", "social_adaptation", "family_education",
                   "support_needs", "meeting_date", "meeting_conclusions"]


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

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in REVIEW_REQUIRED:  # IEP-2: a draft may be saved without them, not submitted
            self.fields[name].required_for_review = True
        initial = list(self.initial.get("meeting_participants") or [])
        # IEP-2: the school's staff are ticked from a list (with the role they take in the meeting); the
        # guardian, the student and people from outside (experts, therapists) are entered below with their role.
        self.staff = list(staff)
        for uid, name, usual_role in self.staff:
            taken = next((p for p in initial if p.get("name") == name), None)
            if taken is not None:
                initial.remove(taken)
            self.fields[f"staff_{uid}"] = forms.BooleanField(label=name, required=False,
                                                             initial=taken is not None)
            self.fields[f"staff_{uid}_role"] = forms.ChoiceField(
                label=_("role"), required=False, choices=PARTICIPANT_ROLES,
                initial=(taken or {}).get("role") or usual_role)
        for i in range(MAX_PARTICIPANTS):
            p = initial[i] if i < len(initial) else {}
            self.fields[f"p{i}_name"] = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50,
                                                        required=False,
                                                        initial=p.get("name", ""))
            self.fields[f"p{i}_role"] = forms.ChoiceField(label=_("role"), required=False,
                                                          choices=[("", "—"), *PARTICIPANT_ROLES],
                                                          initial=p.get("role", ""))

    def participant_rows(self):
        return [(self[f"p{i}_name"], self[f"p{i}_role"]) for i in range(MAX_PARTICIPANTS)]

    def staff_rows(self):
        return [(self[f"staff_{uid}"], self[f"staff_{uid}_role"]) for uid, _n, _r in self.staff]

    def _staff_chosen(self) -> list[dict]:
        return [{"name": name, "role": self.cleaned_data.get(f"staff_{uid}_role") or usual_role}
                for uid, name, usual_role in self.staff if self.cleaned_data.get(f"staff_{uid}")]

    def section(self, names):
        return [self[n] for n in names]

    def baseline_fields(self):
        return self.section(BASELINE)

    def meeting_fields(self):
        return self.section(MEETING)

    def period_fields(self):
        return self.section(PERIOD)

    def participants(self) -> list[dict]:
        out = self._staff_chosen()
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
            if not i.isdigit():
                return None
            chosen = [uid for uid, _n, _r in self.staff if self.cleaned_data.get(f"staff_{uid}")]
            if int(i) < len(chosen):
                return f"staff_{chosen[int(i)]}_role"
            return f"p{int(i) - len(chosen)}_{rest}"
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


# The amendment page lays each goal out in rows of (field, column classes): four across at 1280 px.
_QUARTER = "col-12 col-sm-6 col-xl-3"
_THIRD = "col-12 col-lg-4"
AMEND_LAYOUT = [
    [("target_behaviour", "col-12")],
    [("domain", _QUARTER), ("training_kind", f"{_QUARTER} sb-training-kind"), ("start_date", _QUARTER),
     ("end_date", _QUARTER)],
    [("target_level", _QUARTER), ("measurement", _QUARTER), ("mastery_criterion", _QUARTER),
     ("responsible_teacher", _QUARTER)],
    [("baseline", _THIRD), ("measures", _THIRD), ("attainment_method", _THIRD)],
]
AMEND_GOAL_FIELDS = [name for row in AMEND_LAYOUT for name, _css in row]
# An active goal keeps these (the service checks the rest, e.g. what makes a short-term goal measurable).
AMEND_REQUIRED = ("target_behaviour", "domain", "start_date", "end_date")
# Field-name prefixes of the goals an amendment may add: a short-term goal under a long-term goal of the plan,
# and a new long-term goal with its first short-term goal.
NEW_SHORT, NEW_LONG, NEW_LONG_SHORT = "new_", "nl_", "nls_"
_GOAL_PATH = re.compile(r"goals\[(\d+)\](?:\.short_term\[(\d+)\])?(?:\.(\w+))?")


def _amend_goal_field(name, kinds, initial=None, required=False):
    """A copy of the draft goal form's field (same label, widget and limits) for the amendment page."""
    field = copy.deepcopy(GoalForm.base_fields[name])
    field.required, field.initial, field.help_text = required, initial, ""
    if name == "training_kind":  # only for the domain "compensatory": the page shows it then
        field.choices = [("", "—"), *[(k, k) for k in kinds]]
    return field


class AmendForm(PlanForm):
    """An amendment of a plan in force (IEP-2 (4), IEP-3): the reason, the plan's fields, every field of each
    active goal, retiring goals (a long-term goal with its short-term goals), one new short-term goal under a
    long-term goal and one new long-term goal with its first short-term goal. ``goal_tree`` is the whole tree
    for ``services.plan_amend``; ``add_service_errors`` puts its errors next to the fields they name.

    A goal field the client does not send at all keeps the goal's value (a client may post only what it
    changes); a field sent empty is empty."""

    reason = _text(_("reason for the amendment"), rows=2, required=True)

    def __init__(self, data=None, *args, goals=(), kinds=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        self.goals = list(goals)
        self.block_errors: dict[str, list[str]] = {}
        self._paths: dict[str, str] = {}
        kinds = list(kinds)
        for g in self.goals:
            own = kinds if not g.training_kind or g.training_kind in kinds else [*kinds, g.training_kind]
            for name in AMEND_GOAL_FIELDS:
                self.fields[f"g{g.pk}_{name}"] = _amend_goal_field(name, own, initial=getattr(g, name),
                                                                   required=name in AMEND_REQUIRED)
            label = _("retire this goal") if g.kind == "short_term" else _("retire this goal and its short-term goals")
            self.fields[f"g{g.pk}_retire"] = forms.BooleanField(label=label, required=False)
        self.fields["new_parent"] = forms.ChoiceField(
            label=_("add a short-term goal under"), required=False,
            choices=[("", "—")] + [(str(g.pk), f"{getattr(g, 'code', '')} {g.target_behaviour[:40]}".strip())
                                   for g in self.goals if g.kind == "long_term"])
        for prefix in (NEW_SHORT, NEW_LONG, NEW_LONG_SHORT):
            for name in AMEND_GOAL_FIELDS:
                self.fields[f"{prefix}{name}"] = _amend_goal_field(name, kinds)
        for prefix in (NEW_SHORT, NEW_LONG_SHORT):
            self.fields[f"{prefix}domain"].help_text = _("Empty: the long-term goal's domain.")
        if self.is_bound:
            self._keep_unsent_goal_fields()

    def _keep_unsent_goal_fields(self):
        unsent = [self.add_prefix(f"g{g.pk}_{name}") for g in self.goals for name in AMEND_GOAL_FIELDS]
        unsent = [n for n in unsent if n not in self.data]
        if not unsent:
            return
        data = self.data.copy()
        for n in unsent:
            v = self.fields[n[len(self.add_prefix("")):]].initial
            data[n] = v.isoformat() if hasattr(v, "isoformat") else ("" if v is None else str(v))
        self.data = data

    def _sent(self, prefix) -> bool:
        """Did the user fill in anything of a new goal (prefix ``new_``, ``nl_``, ``nls_``)?"""
        return any(str(self.data.get(self.add_prefix(f"{prefix}{name}")) or "").strip()
                   for name in AMEND_GOAL_FIELDS)

    def adds_long_goal(self) -> bool:
        return self.is_bound and (self._sent(NEW_LONG) or self._sent(NEW_LONG_SHORT))

    def clean(self):
        cd = super().clean()
        parent = cd.get("new_parent") or ""
        if parent and cd.get(f"g{parent}_retire"):
            self.add_error("new_parent", _("The chosen long-term goal is retired by this amendment."))
        elif not parent and self._sent(NEW_SHORT):
            self.add_error("new_parent", _("Choose the long-term goal the new short-term goal goes under."))
        return cd

    # --- what the template shows ----------------------------------------------------------------------------
    def _rows(self, prefix):
        return [[(self[f"{prefix}{name}"], css) for name, css in row] for row in AMEND_LAYOUT]

    def _has_errors(self, prefix) -> bool:
        return bool(self.block_errors.get(prefix)) or any(
            self.errors.get(f"{prefix}{name}") for name in AMEND_GOAL_FIELDS)

    def goal_blocks(self) -> list[dict]:
        """Each active goal in code order: its rows of fields, its retire box and the errors of the goal as a
        whole (e.g. a long-term goal left without short-term goals)."""
        return [{"goal": g, "rows": self._rows(f"g{g.pk}_"), "retire": self[f"g{g.pk}_retire"],
                 "errors": self.block_errors.get(f"g{g.pk}_", [])} for g in self.goals]

    def new_short_block(self) -> dict:
        return {"rows": self._rows(NEW_SHORT), "errors": self.block_errors.get(NEW_SHORT, []),
                "open": self.is_bound and (self._sent(NEW_SHORT) or bool(self.data.get("new_parent"))
                                           or self._has_errors(NEW_SHORT) or bool(self.errors.get("new_parent")))}

    def new_long_blocks(self) -> dict:
        return {"open": self.adds_long_goal(), "blocks": [
            {"id": "sb-new-long", "label": _("Long-term goal"), "short": False, "rows": self._rows(NEW_LONG),
             "errors": self.block_errors.get(NEW_LONG, [])},
            {"id": "sb-new-long-short", "label": _("Short-term goal"), "short": True,
             "rows": self._rows(NEW_LONG_SHORT), "errors": self.block_errors.get(NEW_LONG_SHORT, [])}]}

    def plan_errors(self) -> bool:
        """An error on the plan's own fields (period, baseline, team meeting): their section opens."""
        names = set(PERIOD + BASELINE + MEETING)
        return any(name in names or re.fullmatch(r"p\d+_(name|role)", name) for name in self.errors)

    def marked_errors(self) -> bool:
        """Errors shown next to fields or goals further down (the top of the page says so)."""
        return bool(self.block_errors) or any(name != "__all__" for name in self.errors)

    # --- to and from the service ----------------------------------------------------------------------------
    def goal_tree(self) -> list[dict]:
        """The whole goal tree for ``plan_amend``: every active goal with its edited values, retired ones left
        out (a retired long-term goal with its short-term goals: the service retires the goals not named), the
        new short-term goal under its long-term goal and the new long-term goal last. Remembers which fields
        each ``goals[i].short_term[j]`` path of the service's errors stands for."""
        from suiban.iep.services import GOAL_FIELDS

        cd = self.cleaned_data
        self._paths = {}

        def item(prefix, goal=None):
            d = {"id": goal.pk, **{f: getattr(goal, f) for f in GOAL_FIELDS}} if goal is not None else {}
            for f in AMEND_GOAL_FIELDS:
                v = cd.get(f"{prefix}{f}")
                d[f] = v.strip() if isinstance(v, str) else v
            if d.get("domain") != "compensatory":  # the kind is only kept for a compensatory-training goal
                d["training_kind"] = ""
            return d

        tree = []
        for g in self.goals:
            if g.kind != "long_term" or cd.get(f"g{g.pk}_retire"):
                continue
            path = f"goals[{len(tree)}]"
            self._paths[path] = f"g{g.pk}_"
            node = {**item(f"g{g.pk}_", g), "short_term": []}
            children = [(f"g{c.pk}_", c) for c in self.goals if c.parent_id == g.pk and not cd.get(f"g{c.pk}_retire")]
            if cd.get("new_parent") == str(g.pk):
                children.append((NEW_SHORT, None))
            for prefix, c in children:
                self._paths[f"{path}.short_term[{len(node['short_term'])}]"] = prefix
                node["short_term"].append(item(prefix, c))
            tree.append(node)
        if self.adds_long_goal():
            path = f"goals[{len(tree)}]"
            self._paths.update({path: NEW_LONG, f"{path}.short_term[0]": NEW_LONG_SHORT})
            tree.append({**item(NEW_LONG), "short_term": [item(NEW_LONG_SHORT)]})
        return tree

    def add_service_errors(self, exc) -> None:
        """The service's errors next to the fields they name: ``goals[i].short_term[j].<field>`` on that goal's
        field, an error of a goal as a whole on the goal's block, the plan's fields as on the draft form, the rest
        above the form."""
        for e in exc.errors or [{"field": None, "message": exc.message}]:
            message = str(e.get("message") or exc.message)
            name, block = self._error_target(e.get("field") or "")
            if name:
                self.add_error(name, message)
            elif block:
                self.block_errors.setdefault(block, []).append(message)
            else:
                self.add_error(None, message)

    def _error_target(self, field) -> tuple[str | None, str | None]:
        m = _GOAL_PATH.fullmatch(field)
        if m:
            i, j, rest = m.groups()
            prefix = self._paths.get(f"goals[{i}]" + (f".short_term[{j}]" if j is not None else ""))
            if prefix is None:
                return None, None
            return (f"{prefix}{rest}", None) if rest and f"{prefix}{rest}" in self.fields else (None, prefix)
        name = self.map_error_field(field) if field != "version" else None
        return (name if name in self.fields else None), None


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
    absent = forms.MultipleChoiceField(label=_("absent from the group session"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    goals = forms.MultipleChoiceField(label=_("linked goals"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, students=(), kinds=(), goals=(), **kwargs):
        """``goals``: (goal, student id, code) of the active goals of the students' plans in force."""
        super().__init__(*args, **kwargs)
        self.fields["students"].choices = [(str(s.pk), s.name) for s in students]
        self.fields["absent"].choices = self.fields["students"].choices
        self.fields["kind"].choices = kinds
        self.fields["date"].initial = timezone.localdate()
        self.goal_options = list(goals)
        self.fields["goals"].choices = [(str(g.pk), f"{code} {g.target_behaviour[:40]}")
                                        for g, _sid, code in self.goal_options]

    def map_error_field(self, field):
        field = field or ""
        for prefix, name in (("student_ids", "students"), ("absent_student_ids", "absent"), ("goal_ids", "goals")):
            if field.startswith(prefix):
                return name
        return field


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
    absent_student_ids = forms.MultipleChoiceField(label=_("absent from the group session"), required=False,
                                                   widget=forms.CheckboxSelectMultiple(
                                                       attrs={"class": "form-check-input"}))
    reason = forms.CharField(label=_("reason for the correction"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kinds=(), students=(), **kwargs):
        """``students``: the session's students the user may see; only a group session offers absentees."""
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        students = list(students)
        if len(students) > 1:
            self.fields["absent_student_ids"].choices = [(str(s.pk), s.name) for s in students]
        else:
            del self.fields["absent_student_ids"]


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
        for code, label in DIMENSIONS:
            # Each input has its own label (WCAG 2.1: "思想品德 等级", not fourteen inputs called "等级").
            self.fields[f"d_{code}_level"] = forms.ChoiceField(
                label=format_lazy("{} {}", label, pgettext_lazy("evaluation", "level")),
                choices=[("", "—"), *LEVELS], required=False)
            self.fields[f"d_{code}_comment"] = forms.CharField(label=format_lazy("{} {}", label, _("comment")),
                                                               required=False)
        from suiban.iep.support import EMPHASES

        for code, label in EMPHASES:
            self.fields[f"e_{code}"] = forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 2}),
                                                       required=True)

    def emphasis_fields(self):
        from suiban.iep.support import EMPHASES

        return [self[f"e_{code}"] for code, _label in EMPHASES]

    def emphasis(self) -> dict:
        from suiban.iep.support import EMPHASES

        return {code: self.cleaned_data.get(f"e_{code}") or "" for code, _label in EMPHASES}

    def dimension_rows(self):
        return [(label, self[f"d_{code}_level"], self[f"d_{code}_comment"]) for code, label in DIMENSIONS]

    def dimensions(self) -> list[dict]:
        return [{"dimension": code, "level": self.cleaned_data.get(f"d_{code}_level") or "",
                 "comment": self.cleaned_data.get(f"d_{code}_comment") or ""} for code, _label in DIMENSIONS]

    def map_error_field(self, field):
        """The service's ``dimensions[i].level`` / ``term_id`` → this form's ``d_<code>_level`` / ``term``."""
        field = field or ""
        if field == "term_id":
            return "term"
        if field.startswith("emphasis."):
            return f"e_{field[len('emphasis.'):]}"
        if field.startswith("dimensions["):
            i, _sep, rest = field[len("dimensions["):].partition("].")
            if i.isdigit() and int(i) < len(DIMENSIONS):
                return f"d_{DIMENSIONS[int(i)][0]}_{rest}"
        return field


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
