"""Plan services (IEP-1..IEP-3): drafting, goals, the review workflow, amendments, reviews and the guardian's
answer. Every write is validated, audited and atomic (ARCHITECTURE §1).

States::

    draft ──submit──▶ in_review ──put in force──▶ in_force ──close──▶ closed
      ▲                  │  (itinerant teacher comments here)
      └──return (note)───┘

Who does what (``STEPS``): the resource or class teacher (``iep.edit``) drafts and submits for review and may
take a plan back to draft with a note; the school leader (``iep.approve``) puts it in force and closes it; the
district's itinerant teacher (``iep.comment``) comments while it is in review. A step the state or the
caller's role does not allow answers 422 ``invalid_transition``; a caller holding none of the workflow's
permissions is answered the same (the pages refuse it with 403).

A draft is edited directly (``plan_update``, ``goal_*``). A plan in force changes only by an amendment
(``plan_amend``): the new contents become revision n+1 and ``PlanVersion`` keeps the full snapshot of every
revision (``revision`` 1 is written when the plan is put in force), so earlier versions stay viewable and
comparable (``compare``). Goals dropped by an amendment are retired, not deleted.
"""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban import policy
from suiban.core import audit
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.scoping import can, has_perm
from suiban.core.services import check_version, validate
from suiban.core.services import field_error as _err
from suiban.core.services import raise_errors as _raise
from suiban.iep.models import (
    ATTAINMENT,
    DOMAINS,
    MEASUREMENTS,
    PARTICIPANT_ROLES,
    PLAN_STATES,
    RESPONSES,
    Goal,
    GoalAttainment,
    Plan,
    PlanEvent,
    PlanResponse,
    PlanVersion,
    Review,
)
from suiban.org.calendar import current_school_year
from suiban.org.models import SchoolYear
from suiban.students.models import Student

STATES = dict(PLAN_STATES)
PLAN_FIELDS = ["start_date", "end_date", "baseline_collected_by", "baseline_collected_on", "disability_assessment",
               "academic_assessment", "social_adaptation", "family_education", "support_needs", "meeting_date",
               "meeting_participants", "meeting_conclusions"]
BASELINE_FIELDS = ["disability_assessment", "academic_assessment", "social_adaptation", "family_education",
                   "support_needs"]
# Free text is personal data: the audit row says that it changed, not what it says (as for cases).
TEXT_FIELDS = BASELINE_FIELDS + ["meeting_conclusions"]
GOAL_FIELDS = ["domain", "training_kind", "target_behaviour", "baseline", "target_level", "measurement",
               "mastery_criterion", "responsible_teacher", "start_date", "end_date", "measures",
               "attainment_method"]
# IEP-3: what makes a short-term goal measurable (all required).
MEASURABLE = ["target_behaviour", "baseline", "target_level", "measurement", "mastery_criterion",
              "responsible_teacher", "measures", "attainment_method"]
WORKFLOW_PERMS = ("iep.edit", "iep.approve", "iep.comment")


@dataclass(frozen=True)
class Step:
    sources: tuple
    target: str
    perm: str
    label: object
    note_required: bool = False
    style: str = "primary"


STEPS = [
    Step(("draft",), "in_review", "iep.edit", gettext_lazy("Submit for review")),
    Step(("in_review",), "draft", "iep.edit", gettext_lazy("Return to draft"), note_required=True,
         style="secondary"),
    Step(("in_review",), "in_force", "iep.approve", gettext_lazy("Put in force"), style="success"),
    Step(("in_force",), "closed", "iep.approve", gettext_lazy("Close the plan"), style="secondary"),
]


def today() -> date:
    """The date the rules use (one place, so tests can move the calendar)."""
    return timezone.localdate()


def _invalid(message, field=None):
    return DomainError(message, code="invalid_transition", field=field)


def _event(plan, actor, kind, from_state, to_state, note=""):
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return PlanEvent.objects.create(plan=plan, kind=kind, actor=user, from_state=from_state, to_state=to_state,
                                    note=note)


def _audit_changes(before: dict, after: dict) -> dict:
    changes = audit.diff(before, after)
    for f in TEXT_FIELDS:
        if f in changes:
            changes[f] = ["***" if before.get(f) else "", "***" if after.get(f) else ""]
    if "meeting_participants" in changes:
        changes["meeting_participants"] = [len(before.get("meeting_participants") or []),
                                           len(after.get("meeting_participants") or [])]
    return changes


# --- checks -----------------------------------------------------------------------------------------------
def training_kinds(school) -> list[str]:
    """IEP-4: the compensatory training kinds of the school's policy (⚙ compensatory_training_kinds)."""
    return list(policy.value(school, "compensatory_training_kinds"))


def _participants(value, prefix="meeting_participants") -> tuple[list, list]:
    errors, out = [], []
    roles = dict(PARTICIPANT_ROLES)
    if not isinstance(value, list):
        return [], [_err(prefix, _("Give a list of participants."))]
    for i, p in enumerate(value):
        p = p if isinstance(p, dict) else {}
        name = str(p.get("name") or "").strip()
        role = str(p.get("role") or "").strip()
        if not name:
            errors.append(_err(f"{prefix}[{i}].name", _("Enter the participant's name.")))
        elif len(name) > 50:
            errors.append(_err(f"{prefix}[{i}].name", _("The text is too long.")))
        if role not in roles:
            errors.append(_err(f"{prefix}[{i}].role", _("Choose one of the allowed values.")))
        out.append({"name": name, "role": role})
    return out, errors


def _check_plan(plan: Plan, sy: SchoolYear) -> list[dict]:
    errors = []
    if plan.start_date and plan.end_date and plan.end_date <= plan.start_date:
        errors.append(_err("end_date", _("The end date must be after the start date.")))
    for f in ("start_date", "end_date"):
        d = getattr(plan, f)
        if d and not (sy.start_date <= d <= sy.end_date):
            errors.append(_err(f, _("The date must lie inside the school year %(year)s (%(start)s – %(end)s).")
                               % {"year": sy.name, "start": sy.start_date, "end": sy.end_date}))
    for f in ("baseline_collected_on", "meeting_date"):
        d = getattr(plan, f)
        if d and d > today():
            errors.append(_err(f, _("The date is in the future.")))
    return errors


def _check_goal(goal: Goal, plan: Plan, parent: Goal | None, kinds: list[str], prefix="") -> list[dict]:
    """IEP-3: the goal's domain, dates inside the plan (and its long-term goal); a short-term goal measurable."""
    errors = []

    def f(name):
        return f"{prefix}{name}"

    if goal.domain not in dict(DOMAINS):
        errors.append(_err(f("domain"), _("Choose one of the allowed values.")))
    elif goal.domain == "compensatory":
        if goal.training_kind not in kinds:
            errors.append(_err(f("training_kind"), _("Choose a compensatory training kind of the policy: "
                                                     "%(kinds)s.") % {"kinds": "、".join(kinds)}))
    elif goal.training_kind:
        errors.append(_err(f("training_kind"), _("Only a compensatory-training goal names a training kind.")))
    if not (goal.target_behaviour or "").strip():
        errors.append(_err(f("target_behaviour"), _("Describe the target behaviour.")))
    if goal.measurement and goal.measurement not in dict(MEASUREMENTS):
        errors.append(_err(f("measurement"), _("Choose one of the allowed values.")))
    if goal.kind == Goal.SHORT:
        for name in MEASURABLE:
            if name != "target_behaviour" and not str(getattr(goal, name) or "").strip():
                errors.append(_err(f(name), _("A short-term goal is measurable: this field is required."),
                                   "required"))
    if not goal.start_date or not goal.end_date:
        errors.append(_err(f("start_date" if not goal.start_date else "end_date"), _("This field is required.")))
        return errors
    if goal.end_date < goal.start_date:
        errors.append(_err(f("end_date"), _("The end date must not be before the start date.")))
    if goal.start_date < plan.start_date or goal.end_date > plan.end_date:
        errors.append(_err(f("end_date" if goal.end_date > plan.end_date else "start_date"),
                           _("A goal's dates lie inside the plan's (%(start)s – %(end)s).")
                           % {"start": plan.start_date, "end": plan.end_date}))
    elif parent is not None and (goal.start_date < parent.start_date or goal.end_date > parent.end_date):
        errors.append(_err(f("end_date" if goal.end_date > parent.end_date else "start_date"),
                           _("A short-term goal's dates lie inside its long-term goal's (%(start)s – %(end)s).")
                           % {"start": parent.start_date, "end": parent.end_date}))
    return errors


def _clean_goal_fields(data: dict) -> dict:
    out = {}
    for k in GOAL_FIELDS:
        if k in data:
            v = data[k]
            out[k] = v.strip() if isinstance(v, str) else v
    return out


def _require_edit(actor, plan: Plan):
    if not can(actor, "iep.edit", plan):
        raise PermissionDenied(_("Your roles do not allow changing this plan."))


def _require_state(plan: Plan, states: tuple, message):
    if plan.state not in states:
        raise _invalid(message)


DRAFT_ONLY = gettext_lazy("Only a draft is edited directly; a plan in force changes only by an amendment.")


# --- plans ------------------------------------------------------------------------------------------------
def plan_create(*, actor, student: Student, school_year: SchoolYear | None = None, goals: list | None = None,
                **fields) -> Plan:
    """Start the student's plan for a school year (IEP-1: one per student per school year)."""
    if not has_perm(actor, "iep.edit"):
        raise PermissionDenied()
    if student is None or not can(actor, "iep.edit", student):
        raise DomainError(_("The object does not exist or is outside your scope."), field="student_id")
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    # The year in course by the student's school calendar (ORG-2: a district may start its year later).
    school_year = school_year or current_school_year(student.school if student.school_id else None, today())
    if school_year is None:
        raise DomainError(_("There is no current school year."), field="school_year")
    # HB-8: a student taught at home (送教上门) has a plan like any student in inclusion.
    if not (student.in_inclusion or (student.placement == "homebound" and student.status == "active")):
        raise DomainError(_("Only a student in inclusion (in school, placed in a regular or special class) has "
                            "a plan here."), field="student_id")
    duplicate = DomainError(_("%(name)s already has a plan for %(year)s (one plan per student per school "
                              "year).") % {"name": student.name, "year": school_year.name},
                            code="duplicate_plan", field="student_id")
    if Plan.objects.filter(student=student, school_year=school_year).exists():
        raise duplicate
    participants, errors = _participants(fields.pop("meeting_participants", []) or [])
    fields = {k: _text(k, v) for k, v in fields.items() if v is not None or k not in ("start_date", "end_date")}
    fields.setdefault("start_date", school_year.start_date)
    fields.setdefault("end_date", school_year.end_date)
    plan = Plan(student=student, school=student.school, region_path=student.region_path, school_year=school_year,
                meeting_participants=participants, created_by=actor, **fields)
    errors += _check_plan(plan, school_year)
    _raise(errors)
    validate(plan, exclude=["student", "school", "school_year", "approved_by", "created_by"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError as exc:  # a concurrent request created it first: the constraint holds IEP-1
            raise duplicate from exc
        _event(plan, actor, "transition", "", "draft")
        if goals:
            _apply_goal_tree(plan, goals, revision=0, retire_missing=False)
        audit.record(actor, "iep.plan.created", plan, changes={
            "student": [None, student.pk], "school_year": [None, school_year.name], "state": [None, "draft"],
            "goals": [None, plan.goals.count()]})
        return plan


def plan_update(*, actor, plan: Plan, version: int | None, **fields) -> Plan:
    """Edit a draft (baseline, meeting, dates) with the version read (SEC-6)."""
    _require_edit(actor, plan)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    with transaction.atomic():
        p = Plan.objects.select_for_update(of=("self",)).select_related("school_year").get(pk=plan.pk)
        if version is None:
            raise DomainError(_("Send the version you read."), field="version")
        check_version(p, version)
        _require_state(p, ("draft",), DRAFT_ONLY)
        before = audit.snapshot(p, PLAN_FIELDS)
        errors = _assign_plan_fields(p, fields)
        errors += _check_plan(p, p.school_year)
        errors += _goals_inside(p)
        _raise(errors)
        validate(p, exclude=["student", "school", "school_year", "approved_by", "created_by"])
        p.version += 1
        p.save()
        audit.record(actor, "iep.plan.updated", p, changes=_audit_changes(before, audit.snapshot(p, PLAN_FIELDS)))
        return p


def _assign_plan_fields(p: Plan, fields: dict) -> list[dict]:
    errors = []
    for k, v in fields.items():
        if k == "meeting_participants":
            v, errs = _participants(v or [])
            errors += errs
        else:
            v = _text(k, v)
        if k in ("start_date", "end_date") and v is None:
            errors.append(_err(k, _("This field is required.")))
            continue
        setattr(p, k, v)
    return errors


def _text(field: str, v):
    if isinstance(v, str):
        return v.strip()
    if v is None and field not in ("start_date", "end_date", "baseline_collected_on", "meeting_date"):
        return ""
    return v


def _goals_inside(p: Plan) -> list[dict]:
    """Changing the plan's dates must leave its active goals inside them."""
    outside = p.goals.filter(retired_in_revision__isnull=True).exclude(start_date__gte=p.start_date,
                                                                        end_date__lte=p.end_date)
    if outside.exists():
        return [_err("end_date", _("Some goals lie outside these dates; change the goals first."))]
    return []


# --- goals (drafts) -----------------------------------------------------------------------------------------
def goal_add(*, actor, plan: Plan, parent_id: int | None = None, **fields) -> Goal:
    """Add a long-term goal, or a short-term goal under ``parent_id`` (IEP-3), to a draft."""
    _require_edit(actor, plan)
    with transaction.atomic():
        p = Plan.objects.select_for_update().get(pk=plan.pk)
        _require_state(p, ("draft",), DRAFT_ONLY)
        parent = None
        if parent_id is not None:
            parent = p.goals.filter(pk=parent_id, kind=Goal.LONG, retired_in_revision__isnull=True).first()
            if parent is None:
                raise DomainError(_("Choose a long-term goal of this plan."), field="parent_id")
        data = {k: v for k, v in _clean_goal_fields(fields).items()
                if not (v is None and k in ("start_date", "end_date"))}
        if parent is not None and not data.get("domain"):
            data["domain"] = parent.domain
            data["training_kind"] = data.get("training_kind") or parent.training_kind
        data.setdefault("start_date", parent.start_date if parent else p.start_date)
        data.setdefault("end_date", parent.end_date if parent else p.end_date)
        data = {k: ("" if v is None and k not in ("start_date", "end_date") else v) for k, v in data.items()}
        # after the last one: codes ("1", "1.2") stay unique when a goal was deleted in between
        position = (p.goals.filter(parent=parent).aggregate(m=Max("position"))["m"] or 0) + 1
        g = Goal(plan=p, parent=parent, kind=Goal.SHORT if parent else Goal.LONG, position=position, **data)
        _raise(_check_goal(g, p, parent, training_kinds(p.school)))
        validate(g, exclude=["plan", "parent"])
        g.save()
        p.version += 1
        p.save(update_fields=["version", "updated_at"])
        audit.record(actor, "iep.goal.created", g, changes={
            "plan": [None, p.pk], "kind": [None, g.kind], "domain": [None, g.domain], "parent": [None, parent_id]})
        return g


def goal_update(*, actor, goal: Goal, version: int | None, **fields) -> Goal:
    """Edit a draft's goal with the goal's version read (SEC-6)."""
    _require_edit(actor, goal.plan)
    with transaction.atomic():
        p = Plan.objects.select_for_update().get(pk=goal.plan_id)
        _require_state(p, ("draft",), DRAFT_ONLY)
        g = Goal.objects.select_related("parent").get(pk=goal.pk)
        if version is None:
            raise DomainError(_("Send the version you read."), field="version")
        check_version(g, version)
        before = audit.snapshot(g, GOAL_FIELDS)
        for k, v in _clean_goal_fields(fields).items():
            if v is None and k in ("start_date", "end_date"):
                continue
            setattr(g, k, "" if v is None else v)
        errors = _check_goal(g, p, g.parent, training_kinds(p.school))
        if g.kind == Goal.LONG:
            for child in g.children.filter(retired_in_revision__isnull=True):
                if child.start_date < g.start_date or child.end_date > g.end_date:
                    errors.append(_err("end_date", _("A short-term goal under this goal lies outside these dates.")))
                    break
        _raise(errors)
        validate(g, exclude=["plan", "parent"])
        g.version += 1
        g.save()
        p.version += 1
        p.save(update_fields=["version", "updated_at"])
        audit.record(actor, "iep.goal.updated", g, changes=audit.diff(before, audit.snapshot(g, GOAL_FIELDS)))
        return g


def goal_delete(*, actor, goal: Goal) -> None:
    """A draft's goal (with its short-term goals) may be removed: nothing refers to it yet."""
    _require_edit(actor, goal.plan)
    with transaction.atomic():
        p = Plan.objects.select_for_update().get(pk=goal.plan_id)
        _require_state(p, ("draft",), DRAFT_ONLY)
        audit.record(actor, "iep.goal.deleted", goal, changes={"plan": [p.pk, None], "kind": [goal.kind, None]})
        Goal.objects.filter(parent_id=goal.pk).delete()
        Goal.objects.filter(pk=goal.pk).delete()
        p.version += 1
        p.save(update_fields=["version", "updated_at"])


def _apply_goal_tree(plan: Plan, tree: list, *, revision: int, retire_missing: bool) -> dict:
    """Write a whole goal tree ``[{id?, …, short_term: [{id?, …}]}]`` (creation or amendment).

    Items with an ``id`` update that active goal of the plan; items without one are new goals. With
    ``retire_missing`` the active goals not named are retired from ``revision`` on (kept for history).
    Returns {"added", "changed", "retired"} goal ids for the audit row."""
    kinds = training_kinds(plan.school)
    active = {g.pk: g for g in plan.goals.filter(retired_in_revision__isnull=True)}
    errors, writes, seen = [], [], set()
    if not isinstance(tree, list) or not tree:
        _raise([_err("goals", _("A plan has at least one long-term goal with short-term goals under it."))])
    for i, item in enumerate(tree):
        prefix = f"goals[{i}]."
        long_goal, errs = _goal_from_item(plan, item, None, Goal.LONG, active, seen, prefix, kinds)
        errors += errs
        children = item.get("short_term") or []
        if not children:
            errors.append(_err(f"{prefix}short_term", _("Every long-term goal has at least one short-term goal "
                                                         "(IEP-3)."), "required"))
        child_goals = []
        for j, child in enumerate(children):
            g, errs = _goal_from_item(plan, child, long_goal, Goal.SHORT, active, seen, f"{prefix}short_term[{j}].",
                                      kinds)
            errors += errs
            child_goals.append((j + 1, g))
        writes.append((i + 1, long_goal, child_goals))
    _raise(errors)
    out = {"added": [], "changed": [], "retired": []}

    def save(g: Goal, position: int, parent: Goal | None):
        g.position, g.parent = position, parent
        if g.pk is None:
            g.created_in_revision = revision
            g.save()
            out["added"].append(g.pk)
        else:
            if active[g.pk]._snapshot != (audit.snapshot(g, GOAL_FIELDS), g.position, g.parent_id):
                g.version += 1
                out["changed"].append(g.pk)
            g.save()

    for pos, long_goal, children in writes:
        save(long_goal, pos, None)
        for cpos, child in children:
            save(child, cpos, long_goal)
    if retire_missing:
        gone = [pk for pk in active if pk not in seen]
        if gone:
            Goal.objects.filter(pk__in=gone).update(retired_in_revision=revision)
            out["retired"] = sorted(gone)
    return out


def _goal_from_item(plan, item, parent, kind, active, seen, prefix, kinds) -> tuple[Goal, list]:
    item = item if isinstance(item, dict) else {}
    gid = item.get("id")
    if gid is not None:
        g = active.get(gid)
        if g is None or g.kind != kind or gid in seen:
            return Goal(plan=plan, kind=kind), [_err(f"{prefix}id", _("Choose an active goal of this plan of the "
                                                                       "same kind, once."))]
        seen.add(gid)
        g._snapshot = (audit.snapshot(g, GOAL_FIELDS), g.position, g.parent_id)
    else:
        g = Goal(plan=plan, kind=kind)
    data = _clean_goal_fields(item)
    if parent is not None and not data.get("domain"):
        data["domain"] = parent.domain
        data["training_kind"] = data.get("training_kind") or parent.training_kind
    for k, v in data.items():
        setattr(g, k, "" if v is None and k not in ("start_date", "end_date") else v)
    if g.start_date is None:
        g.start_date = parent.start_date if parent is not None and parent.start_date else plan.start_date
    if g.end_date is None:
        g.end_date = parent.end_date if parent is not None and parent.end_date else plan.end_date
    g.training_kind = g.training_kind or ""
    errors = _check_goal(g, plan, parent if kind == Goal.SHORT else None, kinds, prefix)
    if not errors:
        try:
            validate(g, exclude=["plan", "parent"])
        except DomainError as exc:
            errors += [{**e, "field": f"{prefix}{e['field']}" if e.get("field") else prefix.rstrip(".")}
                       for e in exc.errors]
    return g, errors


# --- workflow ---------------------------------------------------------------------------------------------
def missing_for_review(plan: Plan) -> list[dict]:
    """IEP-2: before review the baseline, the team meeting and the goals (each long-term goal with short-term
    goals) are complete."""
    errors = []
    for f in BASELINE_FIELDS:  # each missing field named once
        if not (getattr(plan, f) or "").strip():
            errors.append(_err(f, _("Baseline: enter “%(field)s”.")
                               % {"field": Plan._meta.get_field(f).verbose_name}, "required"))
    if not plan.meeting_date:
        errors.append(_err("meeting_date", _("Team meeting: enter its date."), "required"))
    if not plan.meeting_participants:
        errors.append(_err("meeting_participants", _("Team meeting: enter who took part."), "required"))
    if not (plan.meeting_conclusions or "").strip():
        errors.append(_err("meeting_conclusions", _("Team meeting: enter its conclusions."), "required"))
    goals = list(plan.goals.filter(retired_in_revision__isnull=True))
    longs = [g for g in goals if g.kind == Goal.LONG]
    if not longs:
        errors.append(_err("goals", _("Goals: add at least one long-term goal with short-term goals under it."),
                           "required"))
    for g in sorted(longs, key=lambda x: (x.position, x.pk)):
        if not any(c.parent_id == g.pk for c in goals):
            errors.append(_err(f"goals[{g.pk}]", _("Long-term goal “%(goal)s”: add at least one short-term goal.")
                               % {"goal": Truncator(g.target_behaviour).chars(24)}, "required"))
    return errors


def allowed_steps(user, plan: Plan) -> list[Step]:
    return [s for s in STEPS if plan.state in s.sources and can(user, s.perm, plan)]


def transition(*, actor, plan: Plan, to: str, note: str = "", version: int | None = None,
               on: date | None = None) -> Plan:
    """Move the plan to state ``to``; 422 ``invalid_transition`` when the state or the caller's role does not allow
    the step (also for a role that takes no step of the workflow at all, as for cases)."""
    note = (note or "").strip()
    with transaction.atomic():
        p = Plan.objects.select_for_update(of=("self",)).select_related("school", "school_year").get(pk=plan.pk)
        check_version(p, version)
        candidates = [s for s in STEPS if s.target == to and p.state in s.sources]
        if not candidates:
            raise _invalid(_("A plan that is “%(from)s” cannot become “%(to)s”.")
                           % {"from": STATES.get(p.state, p.state), "to": STATES.get(to, to)}, field="to")
        step = next((s for s in candidates if can(actor, s.perm, p)), None)
        if step is None:
            raise _invalid(_("Your roles do not allow this step on this plan (“%(from)s” → “%(to)s”).")
                           % {"from": STATES.get(p.state, p.state), "to": STATES.get(to, to)}, field="to")
        if step.note_required and not note:
            raise DomainError(_("Say why the plan goes back to draft."), field="note")
        day = on or today()
        from_state = p.state
        changes = {"state": [from_state, to]}
        if to == "in_review":
            errors = missing_for_review(p)
            if errors:
                raise DomainError(_("The plan is not complete: %(what)s") % {"what": errors[0]["message"]},
                                  code="plan_incomplete", errors=errors, title=_("The plan is not complete"))
        elif to == "in_force":
            p.revision += 1
            p.in_force_on = day
            p.approved_by = actor
            changes.update({"revision": [p.revision - 1, p.revision], "in_force_on": [None, day]})
        elif to == "closed":
            p.closed_on = day
            changes["closed_on"] = [None, day]
        p.state = to
        p.version += 1
        p.save()
        if to == "in_force":
            _store_version(p, actor, note or _("Put in force."))
        _event(p, actor, "transition", from_state, to, note)
        audit.record(actor, f"iep.plan.{to}", p, changes=changes)
        return p


def plan_comment(*, actor, plan: Plan, note: str) -> PlanEvent:
    """The district's itinerant teacher comments on a plan in review (GD §27(2))."""
    if not has_perm(actor, "iep.comment"):
        raise PermissionDenied(_("Your roles do not allow this."))
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Enter a comment."), field="note")
    with transaction.atomic():
        p = Plan.objects.select_for_update().get(pk=plan.pk)
        if not can(actor, "iep.comment", p):
            raise PermissionDenied(_("Your roles do not allow this."))
        _require_state(p, ("in_review",), _("Comments are given while the plan is in review."))
        ev = _event(p, actor, "comment", p.state, p.state, note)
        audit.record(actor, "iep.plan.commented", p, changes={"event": [None, ev.pk]})
        return ev


# --- versions ---------------------------------------------------------------------------------------------
def _plain(v):
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


def goal_snapshot(g: Goal) -> dict:
    return {"id": g.pk, "kind": g.kind, "position": g.position, **{f: _plain(getattr(g, f)) for f in GOAL_FIELDS}}


def snapshot(plan: Plan) -> dict:
    """The plan's full contents as JSON: the plan's fields and its active goals as a tree."""
    goals = list(plan.goals.filter(retired_in_revision__isnull=True).order_by("position", "id"))
    longs = [g for g in goals if g.kind == Goal.LONG]
    return {
        "revision": plan.revision,
        "student_id": plan.student_id,
        "school_year": plan.school_year.name,
        "plan": {f: _plain(getattr(plan, f)) for f in PLAN_FIELDS},
        "goals": [{**goal_snapshot(g), "short_term": [goal_snapshot(c) for c in goals if c.parent_id == g.pk]}
                  for g in longs],
    }


def _store_version(plan: Plan, actor, reason: str) -> PlanVersion:
    return PlanVersion.objects.create(plan=plan, number=plan.revision, reason=reason, created_by=actor,
                                      snapshot_json=json.dumps(snapshot(plan), ensure_ascii=False))


def _flatten(snap: dict) -> dict:
    out = {f"plan.{k}": v for k, v in (snap.get("plan") or {}).items()}
    for g in snap.get("goals") or []:
        for c in [g, *(g.get("short_term") or [])]:
            for k, v in c.items():
                if k not in ("id", "short_term"):
                    out[f"goals.{c['id']}.{k}"] = v
            if c is not g:
                out[f"goals.{c['id']}.parent"] = g["id"]
    return out


def compare(older: dict, newer: dict) -> list[dict]:
    """What changed between two snapshots: ``[{"path", "from", "to"}]``; a goal added or removed shows as
    its fields going from / to null (paths ``plan.<field>`` and ``goals.<goal id>.<field>``)."""
    a, b = _flatten(older), _flatten(newer)
    return [{"path": k, "from": a.get(k), "to": b.get(k)} for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def plan_amend(*, actor, plan: Plan, reason: str, version: int | None = None, goals: list | None = None,
               **fields) -> Plan:
    """IEP-2 (4), IEP-3: change a plan in force by a recorded amendment; the new contents are revision n+1
    and the earlier revisions stay in ``PlanVersion``."""
    _require_edit(actor, plan)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the plan is amended."), field="reason")
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    with transaction.atomic():
        p = Plan.objects.select_for_update(of=("self",)).select_related("school", "school_year").get(pk=plan.pk)
        check_version(p, version)
        _require_state(p, ("in_force",), _("Only a plan in force is amended; a draft is edited directly."))
        before_snap = snapshot(p)
        before = audit.snapshot(p, PLAN_FIELDS)
        errors = _assign_plan_fields(p, fields)
        errors += _check_plan(p, p.school_year)
        _raise(errors)
        validate(p, exclude=["student", "school", "school_year", "approved_by", "created_by"])
        p.revision += 1
        goal_changes = {"added": [], "changed": [], "retired": []}
        if goals is not None:
            goal_changes = _apply_goal_tree(p, goals, revision=p.revision, retire_missing=True)
        else:
            errors = _goals_inside(p)
            _raise(errors)
        after_snap = snapshot(p)
        if not compare(before_snap, after_snap):
            raise DomainError(_("The amendment changes nothing."), field="reason")
        p.version += 1
        p.save()
        _store_version(p, actor, reason)
        _event(p, actor, "amendment", p.state, p.state, reason)
        changes = _audit_changes(before, audit.snapshot(p, PLAN_FIELDS))
        changes["revision"] = [p.revision - 1, p.revision]
        changes.update({f"goals_{k}": [None, v] for k, v in goal_changes.items() if v})
        audit.record(actor, "iep.plan.amended", p, changes=changes)
        return p


# --- reviews and the guardian's answer ----------------------------------------------------------------------
def review_record(*, actor, plan: Plan, review_date: date, evidence: str, attainments: list, summary: str = ""
                  ) -> Review:
    """IEP-2 (4), IEP-3: a periodic review of a plan in force, with the attainment of each goal reviewed."""
    _require_edit(actor, plan)
    evidence = (evidence or "").strip()
    errors = []
    if not evidence:
        errors.append(_err("evidence", _("Record the evidence the review is based on.")))
    if review_date is None:
        errors.append(_err("review_date", _("This field is required.")))
    elif review_date > today():
        errors.append(_err("review_date", _("The date is in the future.")))
    elif review_date < plan.start_date:
        errors.append(_err("review_date", _("The review date is before the plan starts.")))
    if not attainments:
        errors.append(_err("attainments", _("Record the attainment of at least one goal."), "required"))
    _raise(errors)
    with transaction.atomic():
        p = Plan.objects.select_for_update().get(pk=plan.pk)
        _require_state(p, ("in_force",), _("Only a plan in force is reviewed."))
        if p.in_force_on and review_date < p.in_force_on:
            errors.append(_err("review_date", _("A review comes after the plan was put in force (%(day)s).")
                               % {"day": p.in_force_on}))
        elif review_date > p.end_date:
            errors.append(_err("review_date", _("The review date is after the plan ends (%(day)s).")
                               % {"day": p.end_date}))
        goals = {g.pk: g for g in p.goals.filter(retired_in_revision__isnull=True)}
        rows, seen = [], set()
        levels = dict(ATTAINMENT)
        for i, a in enumerate(attainments):
            gid = a.get("goal_id")
            if gid not in goals or gid in seen:
                errors.append(_err(f"attainments[{i}].goal_id", _("Choose an active goal of this plan, once.")))
            seen.add(gid)
            if a.get("attained") not in levels:
                errors.append(_err(f"attainments[{i}].attained", _("Choose one of the allowed values.")))
            pct = a.get("percentage")
            if pct is not None and not (0 <= Decimal(str(pct)) <= 100):
                errors.append(_err(f"attainments[{i}].percentage", _("A percentage lies between 0 and 100.")))
            rows.append(GoalAttainment(goal_id=gid, attained=a.get("attained") or "",
                                       level_reached=(a.get("level_reached") or "").strip()[:200],
                                       percentage=Decimal(str(pct)).quantize(Decimal("0.1")) if pct is not None
                                       else None, note=(a.get("note") or "").strip()))
        _raise(errors)
        r = Review(plan=p, revision=p.revision, review_date=review_date, evidence=evidence,
                   summary=(summary or "").strip(), reviewer=actor)
        r.save()
        for row in rows:
            row.review = r
        GoalAttainment.objects.bulk_create(rows)
        audit.record(actor, "iep.review.recorded", r, changes={
            "plan": [None, p.pk], "review_date": [None, review_date],
            "attainments": [None, {str(row.goal_id): row.attained for row in rows}]})
        return r


def plan_respond(*, actor, plan: Plan, answer: str, comment: str = "") -> PlanResponse:
    """The guardian answers the plan in force: agree, disagree or agree in part (with a comment)."""
    if not has_perm(actor, "iep.respond"):
        raise PermissionDenied(_("Your roles do not allow this."))
    comment = (comment or "").strip()
    if answer not in dict(RESPONSES):
        raise DomainError(_("Choose one of the allowed values."), field="answer")
    if answer != "agree" and not comment:
        raise DomainError(_("Say what you do not agree with."), field="comment")
    with transaction.atomic():
        p = Plan.objects.select_for_update().get(pk=plan.pk)
        if not can(actor, "iep.respond", p):
            raise PermissionDenied(_("Your roles do not allow this."))
        _require_state(p, ("in_force",), _("Only the plan in force is answered."))
        r = PlanResponse.objects.create(plan=p, revision=p.revision, answer=answer, comment=comment,
                                        responded_by=actor)
        _event(p, actor, "response", p.state, p.state, f"{dict(RESPONSES)[answer]}{'：' + comment if comment else ''}")
        audit.record(actor, "iep.plan.responded", p, changes={"answer": [None, answer],
                                                               "revision": [None, p.revision]})
        return r


def view_recorded(*, actor, plan: Plan) -> None:
    """ORG-5/SEC-3: a plan holds the student's assessments; every view of it is audited."""
    audit.record(actor, "iep.plan.viewed", plan)


def export_recorded(*, actor, plan: Plan, fmt: str) -> None:
    """SEC-3: the plan document (Word or print view) leaves the system: audited as an export."""
    audit.record(actor, "iep.plan.exported", plan, changes={"format": [None, fmt]})


def events_for(user, plan: Plan) -> list[PlanEvent]:
    """The plan's timeline for ``user``: the school's staff and the district see everything; the guardian (who
    sees only the plan in force) not the working notes of the drafting — reviewers' comments and the notes of a
    plan sent back to draft."""
    events = list(plan.events.select_related("actor"))
    if has_perm(user, "iep.records"):
        return events
    return [e for e in events if e.kind != "comment" and not (e.kind == "transition" and e.to_state == "draft"
                                                              and e.from_state == "in_review")]


def follow_moved_students(sender, *, moves, actor, **kwargs) -> None:
    """IEP-1 (一人一案): a student who changes school takes their plan along — the plan of a school year that is
    not over and not closed moves to the new school (its scope with it: the receiving school carries it on,
    the school left no longer sees it); the sessions, evaluations and support stay where they happened.
    Runs inside the transaction that moved the students (``students_moved``)."""
    by_student = {s.pk: s for s, _old in moves}
    plans = list(Plan.objects.select_for_update().filter(student_id__in=by_student, school_year__end_date__gte=today())
                 .exclude(state="closed"))
    for p in plans:
        s = by_student[p.student_id]
        if p.school_id == s.school_id:
            continue
        old = p.school_id
        p.school_id, p.region_path, p.version = s.school_id, s.region_path, p.version + 1
        p.save(update_fields=["school", "region_path", "version", "updated_at"])
        audit.record(actor, "iep.plan.moved", p, changes={"school": [old, s.school_id]})
