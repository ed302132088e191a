"""Every write of resource rooms and their assessment (ARCHITECTURE §1): validate (all field errors at once),
lock what is counted, write, audit in the same transaction."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban import policy
from suiban.core import audit, runmemo
from suiban.core.errors import DomainError, NotFound, PermissionDenied
from suiban.core.registry import evidence
from suiban.core.scoping import can, has_perm
from suiban.core.services import check_version, field_error, raise_errors
from suiban.org.models import Region, School, SchoolYear
from suiban.policy.resolve import resolve_all
from suiban.policy.resolve import rubric as effective_rubric
from suiban.rooms import rubric as rb
from suiban.rooms.models import EQUIPMENT_CATEGORIES, ZONES, Assessment, AssessmentEvent, ItemScore, Room, Round
from suiban.staff.models import StaffMember
from suiban.staff.selectors import pool_staff

ROOM_FIELDS = ("name", "use", "door_sign", "area_m2", "floor", "accessible", "safety_measures", "zones",
               "zones_labelled", "equipment", "opening_hours", "timetable", "staff_posted", "service_process",
               "use_records", "is_active")
REPORT_FIELDS = ("person_in_charge", "contact", "situation", "highlights", "problems")
PANEL_FIELDS = ("minutes", "summary_highlights", "summary_improvements", "summary_suggestions")
ASSESSMENT_PERMS = ("assessment.self", "assessment.score", "assessment.manage")


def today():
    return timezone.localdate()


def _invalid(message, field=None):
    return DomainError(message, code="invalid_transition", field=field)


# --- rooms (RR-1, RR-2) -------------------------------------------------------------------------------------
def _clean_room(values: dict, errors: list) -> dict:
    out = dict(values)
    if "use" in out and out["use"] not in (Room.DEDICATED, Room.SHARED):
        errors.append(field_error("use", _("Choose dedicated or shared use.")))
    if "area_m2" in out:
        try:
            area = Decimal(str(out["area_m2"]))
            if not (Decimal(0) < area < Decimal(10000)):
                raise InvalidOperation
            out["area_m2"] = area.quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError, TypeError):
            errors.append(field_error("area_m2", _("Enter the area in square metres (more than 0).")))
    if "floor" in out:
        try:
            out["floor"] = int(out["floor"])
            if out["floor"] == 0 or not (-5 <= out["floor"] <= 50):
                raise ValueError
        except (ValueError, TypeError):
            errors.append(field_error("floor", _("Enter the floor (1 is the ground floor).")))
    if "zones" in out:
        known = {c for c, _l in ZONES}
        zones = list(dict.fromkeys(out["zones"] or []))
        if any(z not in known for z in zones):
            errors.append(field_error("zones", _("Unknown functional zone.")))
        out["zones"] = zones
    if "equipment" in out:
        cats = {c for c, _l in EQUIPMENT_CATEGORIES}
        items = []
        for i, e in enumerate(out["equipment"] or []):
            e = dict(e)
            if not str(e.get("name") or "").strip():
                errors.append(field_error(f"equipment[{i}].name", _("Name the equipment.")))
            if e.get("category") not in cats:
                errors.append(field_error(f"equipment[{i}].category", _("Choose the kind of equipment.")))
            try:
                e["quantity"] = int(e.get("quantity") or 1)
                if e["quantity"] < 0:
                    raise ValueError
            except (ValueError, TypeError):
                errors.append(field_error(f"equipment[{i}].quantity", _("Enter a whole number.")))
            items.append({"name": str(e.get("name") or "").strip(), "category": e.get("category"),
                          "quantity": e.get("quantity"), "use_log": str(e.get("use_log") or ""),
                          "maintenance_log": str(e.get("maintenance_log") or "")})
        out["equipment"] = items
    return out


def _check_floor_safety(room_values: dict, errors: list) -> None:
    """RR-2: a room above the ground floor needs barrier-free access and safety measures (HC 附件1 5)."""
    if room_values.get("floor", 1) != 1 and not (room_values.get("accessible")
                                                 and str(room_values.get("safety_measures") or "").strip()):
        errors.append(field_error("safety_measures", _("A room that is not on the ground floor needs barrier-free "
                                                       "access and recorded safety measures."), "not_ground_floor"))


def _staff_of(school, staff_ids, errors) -> list:
    if staff_ids is None:
        return None
    ids = list(dict.fromkeys(staff_ids))
    year = SchoolYear.current()
    allowed = StaffMember.objects.filter(pk__in=ids, is_active=True)
    pool = set(pool_staff(school.pk, year.pk).values_list("pk", flat=True)) if year else set()
    found = {s.pk: s for s in allowed if s.school_id == school.pk or s.pk in pool}
    for i, sid in enumerate(ids):
        if sid not in found:
            errors.append(field_error(f"staff_ids[{i}]", _("This person is not on the staff or in the "
                                                           "resource-teacher pool of the school.")))
    return [found[s] for s in ids if s in found]


def _served(actor, school, serves_ids, errors) -> list | None:
    """A room serves other schools of its district; only someone who may edit rooms of those schools (the
    bureau, which plans shared rooms, GD §44) names them."""
    if serves_ids is None:
        return None
    ids = [i for i in dict.fromkeys(serves_ids) if i != school.pk]
    found = {s.pk: s for s in School.objects.visible_to(actor, "rooms.edit").filter(
        pk__in=ids, region_id=school.region_id)}
    for i, sid in enumerate(ids):
        if sid not in found:
            errors.append(field_error(f"serves_school_ids[{i}]", _("Only the bureau plans which schools of the "
                                                                   "district a room serves.")))
    return [found[s] for s in ids if s in found]


def room_create(*, actor, school: School, serves_school_ids=None, staff_ids=None, **fields) -> Room:
    """Record a school's resource room (RR-2) and the other schools it serves (RR-1)."""
    if not School.objects.filter(pk=school.pk).visible_to(actor, "rooms.edit").exists():
        raise DomainError(_("The object does not exist or is outside your scope."), field="school_id")
    errors: list = []
    values = _clean_room({k: v for k, v in fields.items() if k in ROOM_FIELDS}, errors)
    values.setdefault("floor", 1)
    if "area_m2" not in values and not any(e["field"] == "area_m2" for e in errors):
        errors.append(field_error("area_m2", _("Enter the area in square metres (more than 0).")))
    _check_floor_safety(values, errors)
    staff = _staff_of(school, staff_ids, errors)
    serves = _served(actor, school, serves_school_ids, errors)
    raise_errors(errors)
    with transaction.atomic():
        room = Room(school=school, **values)
        room.save()
        if staff is not None:
            room.staff.set(staff)
        if serves is not None:
            room.serves.set(serves)
        changes = {k: [None, v] for k, v in audit.snapshot(room, values.keys()).items()}
        changes["serves_school_ids"] = [None, [s.pk for s in serves or []]]
        changes["staff_ids"] = [None, [s.pk for s in staff or []]]
        audit.record(actor, "rooms.room.created", room, changes=changes)
    return room


def room_update(*, actor, room: Room, version, serves_school_ids=None, staff_ids=None, **fields) -> Room:
    if not Room.objects.filter(pk=room.pk).in_own_scope(actor, "rooms.edit").exists():
        raise PermissionDenied(_("Your roles do not allow this."))
    errors: list = []
    values = _clean_room({k: v for k, v in fields.items() if k in ROOM_FIELDS and v is not None}, errors)
    merged = {f: getattr(room, f) for f in ("floor", "accessible", "safety_measures")} | values
    _check_floor_safety(merged, errors)
    staff = _staff_of(room.school, staff_ids, errors)
    serves = _served(actor, room.school, serves_school_ids, errors)
    raise_errors(errors)
    with transaction.atomic():
        locked = Room.objects.select_for_update().get(pk=room.pk)
        check_version(locked, version)
        before = audit.snapshot(locked, values.keys())
        before_rel = {"staff_ids": sorted(locked.staff.values_list("pk", flat=True)),
                      "serves_school_ids": sorted(locked.serves.values_list("pk", flat=True))}
        for k, v in values.items():
            setattr(locked, k, v)
        locked.version += 1
        locked.save()
        if staff is not None:
            locked.staff.set(staff)
        if serves is not None:
            locked.serves.set(serves)
        changes = audit.diff(before, audit.snapshot(locked, values.keys()))
        after_rel = {"staff_ids": sorted(locked.staff.values_list("pk", flat=True)),
                     "serves_school_ids": sorted(locked.serves.values_list("pk", flat=True))}
        changes.update(audit.diff(before_rel, after_rel))
        audit.record(actor, "rooms.room.updated", locked, changes=changes)
    return locked


# --- rounds (RR-4, RR-8) ------------------------------------------------------------------------------------
def _panel_users(ids, field, errors) -> list:
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=list(ids), is_active=True)}
    out = []
    for i, uid in enumerate(ids):
        u = users.get(uid)
        if u is None or not has_perm(u, "assessment.score"):
            errors.append(field_error(f"{field}[{i}]" if field.endswith("ids") else field,
                                      _("Choose an active account that may score as a panel member.")))
        else:
            out.append(u)
    return out


def round_open(*, actor, region: Region, school_year: SchoolYear, name: str, panel_leader_id: int,
               panel_member_ids=(), school_ids=None, self_due=None, with_inspection: bool = False) -> Round:
    """The bureau opens a round for its district (⚙ assessment_level: the city assesses instead), names the
    panel (专家考评组) and the schools; the rubric in force is copied into the round (RR-3) and each school's
    assessment starts with the proposals from the evidence (RR-7) and what the previous round left open (RR-6)."""
    if not Region.objects.filter(pk=region.pk).visible_to(actor, "assessment.manage").exists():
        raise DomainError(_("The object does not exist or is outside your scope."), field="region_id")
    errors: list = []
    level = policy.value(region, "assessment_level")
    want = Region.DISTRICT if level == "district" else "city"
    if region.level != want:
        errors.append(field_error("region_id", _("Rounds are held by the %(level)s here.")
                                  % {"level": dict(Round.LEVEL_CHOICES)[level]}, "wrong_level"))
    rubric = effective_rubric(region)
    if not rubric:
        errors.append(field_error("region_id", _("The policy profile of this region has no assessment rubric."),
                                  "no_rubric"))
    if not str(name or "").strip():
        errors.append(field_error("name", _("This field is required.")))
    leader = _panel_users([panel_leader_id], "panel_leader_id", errors)
    members = _panel_users(list(dict.fromkeys(i for i in panel_member_ids if i != panel_leader_id)),
                           "panel_member_ids", errors)
    schools_qs = School.objects.filter(region_path__startswith=region.path, is_active=True).exclude(kind="special")
    if school_ids is not None:
        found = {s.pk: s for s in School.objects.visible_to(actor, "assessment.manage")
                 .filter(pk__in=list(school_ids), region_path__startswith=region.path)}
        for i, sid in enumerate(school_ids):
            if sid not in found:
                errors.append(field_error(f"school_ids[{i}]", _("The object does not exist or is outside your "
                                                                "scope.")))
        schools = list(found.values())
    else:
        schools = list(schools_qs)
    raise_errors(errors)
    with transaction.atomic():
        previous = Round.objects.filter(region=region).order_by("-school_year__start_year", "-id").first()
        rnd = Round(region=region, school_year=school_year, name=name.strip(), level=level,
                    cycle_years=policy.value(region, "assessment_cycle_years"),
                    profile=resolve_all(region)[0] or "", rubric=rubric,
                    rubric_version=int(rubric.get("version") or 1),
                    exemplary_min=Decimal(str(policy.value(region, "grade_exemplary_min"))),
                    qualified_min=Decimal(str(policy.value(region, "grade_qualified_min"))),
                    self_due=self_due, with_inspection=with_inspection, panel_leader=leader[0],
                    previous=previous)
        rnd.save()
        rnd.panel_members.set(members)
        audit.record(actor, "rooms.round.opened", rnd, changes={
            "name": [None, rnd.name], "rubric_version": [None, rnd.rubric_version], "profile": [None, rnd.profile],
            "panel_leader": [None, leader[0].username], "panel_members": [None, [u.username for u in members]],
            "schools": [None, [s.pk for s in schools]]})
        for s in sorted(schools, key=lambda s: s.code):
            _assessment_start(actor, rnd, s)
    return rnd


def carried_items(school, previous_round) -> list[dict]:
    """RR-6: what the previous round left for this school — each line the panel deducted points on (with the
    reason) and, when the school was unqualified, its open rectification."""
    if previous_round is None:
        return []
    prev = Assessment.objects.filter(round=previous_round, school=school).first()
    if prev is None:
        return []
    out = []
    for it in prev.items.filter(panel_score__isnull=False).order_by("position"):
        if it.panel_score < it.points:
            out.append({"code": it.code, "points": str(it.points), "panel_score": str(it.panel_score),
                        "reason": it.deduction_reason})
    if prev.grade == Assessment.UNQUALIFIED:
        out.append({"code": "", "points": "", "panel_score": str(prev.total or ""),
                    "reason": prev.warning_note or prev.rectification_report or _("Rectification still open."),
                    "rectification": True})
    return out


def compute_proposals(school, school_year, lines) -> dict[str, tuple]:
    """RR-7: for each C-level line, the evidence a module registered (for the line, else for its indicator: an
    indicator's proposal is shared out over its lines in proportion to their points, rounded down to an
    allowed score). {code: (Evidence | None, proposed score | None)}."""
    with runmemo.active():  # the rows several lines read (the room, the school's figures) are read once
        return _compute_proposals(school, school_year, lines)


def _compute_proposals(school, school_year, lines) -> dict[str, tuple]:
    out, by_indicator = {}, {}
    for ln in lines:
        ev = evidence.for_line(ln.code, school, school_year)
        share = False
        if ev is None and ln.indicator_code in evidence.providers:
            if ln.indicator_code not in by_indicator:
                by_indicator[ln.indicator_code] = evidence.for_line(ln.indicator_code, school, school_year)
            ev, share = by_indicator[ln.indicator_code], True
        proposed = None
        if ev is not None and ev.proposed_score is not None:
            raw = Decimal(str(ev.proposed_score))
            if share:
                raw = raw * ln.points / ln.indicator_points
            proposed = ln.snap_down(min(max(raw, Decimal(0)), ln.points))
        out[ln.code] = (ev, proposed)
    return out


def _evidence_fields(ev, proposed) -> dict:
    if ev is None:
        return {"evidence": "", "evidence_links": [], "reasoning": "", "proposed_score": None}
    return {"evidence": str(ev.summary), "evidence_links": [[str(a), str(b)] for a, b in ev.links],
            "reasoning": str(ev.reasoning), "proposed_score": proposed}


def _assessment_start(actor, rnd: Round, school: School) -> Assessment:
    a = Assessment(round=rnd, school=school, carried_over=carried_items(school, rnd.previous))
    a.save()
    lines = rb.lines(rnd.rubric)
    proposals = compute_proposals(school, rnd.school_year, lines)
    ItemScore.objects.bulk_create([
        ItemScore(assessment=a, code=ln.code, position=i, points=ln.points, **_evidence_fields(*proposals[ln.code]))
        for i, ln in enumerate(lines)])
    AssessmentEvent.objects.create(assessment=a, actor=actor if actor and actor.is_authenticated else None,
                                   from_state="", to_state=a.state)
    audit.record(actor, "rooms.assessment.started", a, changes={
        "round": [None, rnd.pk], "carried_over": [None, a.carried_over],
        "proposals": [None, {c: (str(p) if p is not None else None) for c, (_e, p) in proposals.items()}]})
    return a


def assessment_add(*, actor, round: Round, school: School) -> Assessment:
    """The bureau adds one school to an open round (e.g. a school that failed the last round, RR-6)."""
    if not Round.objects.filter(pk=round.pk).visible_to(actor, "assessment.manage").exists():
        raise PermissionDenied(_("Your roles do not allow this."))
    if not School.objects.filter(pk=school.pk, region_path__startswith=round.region_path) \
            .visible_to(actor, "assessment.manage").exists():
        raise DomainError(_("The object does not exist or is outside your scope."), field="school_id")
    if round.state != Round.OPEN:
        raise _invalid(_("The round is closed."))
    if Assessment.objects.filter(round=round, school=school).exists():
        raise DomainError(_("The school is already in this round."), code="duplicate", field="school_id")
    with transaction.atomic():
        return _assessment_start(actor, round, school)


def proposals_refresh(*, actor, assessment: Assessment) -> Assessment:
    """Recompute the proposals from today's records while the school still assesses itself (the school's and
    the panel's scores are untouched); the new proposals are audited."""
    _require_any(actor, assessment)
    if assessment.state != Assessment.SELF or not can(actor, "assessment.self", assessment):
        raise _invalid(_("Proposals are refreshed during the self-assessment, by the school."))
    lines = rb.lines(assessment.round.rubric)
    proposals = compute_proposals(assessment.school, assessment.round.school_year, lines)
    with transaction.atomic():
        changes = {}
        for it in assessment.items.select_for_update():
            fields = _evidence_fields(*proposals.get(it.code, (None, None)))
            if fields["proposed_score"] != it.proposed_score:
                changes[it.code] = [str(it.proposed_score) if it.proposed_score is not None else None,
                                    str(fields["proposed_score"]) if fields["proposed_score"] is not None else None]
            for k, v in fields.items():
                setattr(it, k, v)
            it.save()
        audit.record(actor, "rooms.assessment.proposals_refreshed", assessment, changes=changes)
    return assessment


# --- scoring (RR-3, RR-7) ---------------------------------------------------------------------------------
def _require_any(actor, assessment):
    if not any(has_perm(actor, p) for p in ASSESSMENT_PERMS):
        raise PermissionDenied(_("Your roles do not allow this."))


def _score(value, ln: rb.Line, field: str, errors: list):
    if value is None or value == "":
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors.append(field_error(field, _("Enter a number of points."), "score_out_of_range"))
        return None
    if d < 0 or d > ln.points:
        errors.append(field_error(field, _("Line %(code)s allows 0 to %(points)s points.")
                                  % {"code": ln.code, "points": ln.points}, "score_out_of_range"))
        return None
    if not ln.accepts(d):
        allowed = "、".join(str(a) for a in ln.allowed())
        errors.append(field_error(field, _("Line %(code)s allows these scores: %(allowed)s.")
                                  % {"code": ln.code, "allowed": allowed}, "score_out_of_range"))
        return None
    return d.quantize(Decimal("0.1"))


def scores_put(*, actor, assessment: Assessment, items: list[dict], version=None) -> Assessment:
    """The school enters its self-scores during the self-assessment; a panel member the panel's scores with the
    reason for every deduction during panel scoring (附件3). A score outside the line's allowed values → 422
    ``score_out_of_range``; the proposals are kept as they are (RR-7: proposal, decision and difference stay)."""
    _require_any(actor, assessment)
    rnd = assessment.round
    if assessment.state == Assessment.SELF and can(actor, "assessment.self", assessment):
        role = "self"
    elif assessment.state == Assessment.PANEL and has_perm(actor, "assessment.score") and rnd.on_panel(actor):
        role = "panel"
    else:
        raise _invalid(_("Scores are entered by the school during its self-assessment and by the panel's members "
                         "during panel scoring."))
    lmap = rb.line_map(rnd.rubric)
    errors: list = []
    updates: dict[str, dict] = {}
    for i, row in enumerate(items):
        code = str(row.get("code") or "")
        ln = lmap.get(code)
        if ln is None:
            errors.append(field_error(f"items[{i}].code", _("Unknown line of the rubric.")))
            continue
        if role == "self":
            upd = {}
            if "self_score" in row:
                upd["self_score"] = _score(row["self_score"], ln, f"items[{i}].self_score", errors)
            if row.get("self_note") is not None:
                upd["self_note"] = str(row["self_note"])
        else:
            upd = {}
            if "panel_score" in row:
                upd["panel_score"] = _score(row["panel_score"], ln, f"items[{i}].panel_score", errors)
            if row.get("deduction_reason") is not None:
                upd["deduction_reason"] = str(row["deduction_reason"]).strip()
            score = upd.get("panel_score")
            if score is not None and score < ln.points and not upd.get("deduction_reason"):
                existing = assessment.items.filter(code=code).values_list("deduction_reason", flat=True).first()
                if "deduction_reason" in upd or not existing:
                    errors.append(field_error(f"items[{i}].deduction_reason",
                                              _("Give the reason for deducting points on line %(code)s.")
                                              % {"code": code}, "reason_required"))
        updates[code] = upd
    if any(e["code"] == "score_out_of_range" for e in errors):  # API.md: the problem's code names the rule
        raise DomainError(errors[0]["message"], code="score_out_of_range", errors=errors,
                          title=_("A score is outside what the line allows"))
    raise_errors(errors)
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        check_version(locked, version)
        changes = {}
        rows = {it.code: it for it in locked.items.all()}
        for code, upd in updates.items():
            it = rows[code]
            before = audit.snapshot(it, upd.keys())
            for k, v in upd.items():
                setattr(it, k, v)
            it.save()
            d = audit.diff(before, audit.snapshot(it, upd.keys()))
            if d:
                changes[code] = d
        _recount(locked, rows.values())
        locked.version += 1
        locked.save()
        audit.record(actor, f"rooms.assessment.{role}_scored", locked, changes=changes)
    return locked


def _recount(a: Assessment, items) -> None:
    """Totals of what is entered so far; a total can never exceed 100 because no line exceeds its points."""
    items = list(items)
    self_scores = [it.self_score for it in items if it.self_score is not None]
    a.self_total = sum(self_scores, Decimal(0)) if self_scores else None
    panel = [it.panel_score for it in items if it.panel_score is not None]
    a.total = sum(panel, Decimal(0)) if panel else None


def assessment_update(*, actor, assessment: Assessment, version=None, **fields) -> Assessment:
    """The school's report (附件2) during the self-assessment and its rectification report during rectification;
    the panel's minutes and summary (附件4) during panel scoring."""
    _require_any(actor, assessment)
    fields = {k: ("" if v is None else str(v)) for k, v in fields.items() if v is not None}
    school_side = can(actor, "assessment.self", assessment)
    panel_side = has_perm(actor, "assessment.score") and assessment.round.on_panel(actor)
    allowed = set()
    if school_side and assessment.state == Assessment.SELF:
        allowed |= set(REPORT_FIELDS)
    if school_side and assessment.state == Assessment.RECTIFICATION:
        allowed.add("rectification_report")
    if panel_side and assessment.state == Assessment.PANEL:
        allowed |= set(PANEL_FIELDS)
    refused = [k for k in fields if k not in allowed]
    if refused:
        raise _invalid(_("This part of the assessment cannot be changed by you at this step."), field=refused[0])
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        check_version(locked, version)
        before = audit.snapshot(locked, fields.keys())
        for k, v in fields.items():
            setattr(locked, k, v.strip())
        locked.version += 1
        locked.save()
        audit.record(actor, "rooms.assessment.updated", locked,
                     changes=audit.diff(before, audit.snapshot(locked, fields.keys())))
    return locked


# --- workflow (RR-4..RR-6, RR-8) ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    src: str
    dst: str
    who: str  # "self" | "panel" | "manage"
    label: object


STEPS = [
    Step(Assessment.SELF, Assessment.SUBMITTED, "self", gettext_lazy("Submit the self-assessment")),
    Step(Assessment.SUBMITTED, Assessment.SELF, "manage", gettext_lazy("Return to the school")),
    Step(Assessment.SUBMITTED, Assessment.PANEL, "panel", gettext_lazy("Start panel scoring")),
    Step(Assessment.PANEL, Assessment.SCORED, "panel", gettext_lazy("Finish scoring and send the summary")),
    Step(Assessment.SCORED, Assessment.RECTIFICATION, "manage", gettext_lazy("Order rectification")),
    Step(Assessment.SCORED, Assessment.CLOSED, "manage", gettext_lazy("Close the assessment")),
    Step(Assessment.RECTIFICATION, Assessment.PANEL, "self", gettext_lazy("Submit the rectification report")),
    Step(Assessment.RECTIFICATION, Assessment.CLOSED, "manage", gettext_lazy("Close without rectification")),
]


STEP_PERMS = {"self": "assessment.self", "manage": "assessment.manage"}


def may_take(user, a: Assessment, step: Step, scope: dict | None = None) -> bool:
    """``scope`` ({who: ids of assessments the user may move that way}, from ``step_scope``) answers for a page of
    assessments at once; without it each question is one query."""
    if step.src != a.state:
        return False
    if step.who == "panel":
        return has_perm(user, "assessment.score") and runmemo.memo(
            ("rooms.on_panel", a.round_id, user.pk), lambda: a.round.on_panel(user))
    if scope is not None:
        return a.pk in scope[step.who]
    return can(user, STEP_PERMS[step.who], a)


def step_scope(user, assessments) -> dict[str, set[int]]:
    """For a page of assessments: the ids the user may move as the school and as the bureau — one query each
    (a list answers its allowed transitions without a query per assessment and step)."""
    ids = [a.pk for a in assessments]
    return {who: set(Assessment.objects.visible_to(user, perm).filter(pk__in=ids).values_list("pk", flat=True))
            if ids and has_perm(user, perm) else set() for who, perm in STEP_PERMS.items()}


def steps_for(user, a: Assessment, scope: dict | None = None) -> list[Step]:
    return [s for s in STEPS if may_take(user, a, s, scope)]


def skipped_carry_over(a: Assessment, rows=None) -> list[dict]:
    """RR-6: carried-over deductions the panel has not looked at again (no panel score, or the same deduction
    with no reason given this time)."""
    rows = rows if rows is not None else {it.code: it for it in a.items.all()}
    out = []
    for c in a.carried_over:
        if not c.get("code"):
            continue
        it = rows.get(c["code"])
        if it is None or it.panel_score is None or (it.panel_score < it.points and not it.deduction_reason):
            out.append(c)
    return out


def _check_step(a: Assessment, step: Step, note: str) -> None:
    errors: list = []
    items = list(a.items.all())
    if step.dst == Assessment.SUBMITTED:
        for f in ("person_in_charge", "contact", "situation"):
            if not getattr(a, f).strip():
                errors.append(field_error(f, _("Fill this part of the self-assessment report before submitting.")))
        missing = [it.code for it in items if it.self_score is None]
        if missing:
            errors.append(field_error("items", _("Self-score every line before submitting (missing: %(codes)s).")
                                      % {"codes": "、".join(missing[:10])}))
    elif step.dst == Assessment.SCORED:
        missing = [it.code for it in items if it.panel_score is None]
        if missing:
            errors.append(field_error("items", _("Score every line before finishing (missing: %(codes)s).")
                                      % {"codes": "、".join(missing[:10])}))
        no_reason = [it.code for it in items
                     if it.panel_score is not None and it.panel_score < it.points and not it.deduction_reason]
        if no_reason:
            errors.append(field_error("items", _("Give the reason for every deduction (missing: %(codes)s).")
                                      % {"codes": "、".join(no_reason[:10])}, "reason_required"))
        if not a.minutes.strip():
            errors.append(field_error("minutes", _("Record the panel's deliberation before grading.")))
        for f in ("summary_highlights", "summary_improvements", "summary_suggestions"):
            if not getattr(a, f).strip():
                errors.append(field_error(f, _("Write this part of the summary report.")))
    elif step.src == Assessment.SCORED and step.dst == Assessment.RECTIFICATION:
        if a.grade != Assessment.UNQUALIFIED or a.warned:
            raise _invalid(_("Only an unqualified school that has not yet rectified is ordered to rectify."))
    elif step.src == Assessment.SCORED and step.dst == Assessment.CLOSED:
        if a.grade == Assessment.UNQUALIFIED and not a.warned:
            raise _invalid(_("An unqualified school rectifies first."))
    elif step.src == Assessment.RECTIFICATION and step.dst == Assessment.PANEL:
        if not a.rectification_report.strip():
            errors.append(field_error("rectification_report", _("Write the rectification report first.")))
    elif step.src == Assessment.RECTIFICATION and step.dst == Assessment.CLOSED:
        if not note.strip():
            errors.append(field_error("note", _("Record the notice and warning in the note.")))
    elif step.dst == Assessment.SELF and not note.strip():
        errors.append(field_error("note", _("Say why the self-assessment is returned.")))
    raise_errors(errors)


def transition(*, actor, assessment: Assessment, to: str, note: str = "", version=None,
               rectification_due=None) -> Assessment:
    """``{"to", "note"}``: self_assessment → submitted (school) → panel_scoring (panel) → scored (panel: totals,
    grade by the round's thresholds, summary sent to the district centre) → rectification (bureau, unqualified
    only, with a deadline) → panel_scoring again (school, with its rectification report) → scored → closed
    (bureau). Still unqualified after rectification → notice and warning recorded (RR-6). Anything else → 422
    ``invalid_transition``; a role holding no assessment permission → 403."""
    _require_any(actor, assessment)
    note = (note or "").strip()
    step = next((s for s in STEPS if s.src == assessment.state and s.dst == to), None)
    if step is None or not may_take(actor, assessment, step):
        raise _invalid(_("This step is not allowed at this stage of the assessment or for your role."), field="to")
    with transaction.atomic():
        a = Assessment.objects.select_for_update().select_related("round", "school").get(pk=assessment.pk)
        check_version(a, version)
        if a.state != step.src:
            raise _invalid(_("The assessment has moved on; reload it."), field="to")
        _check_step(a, step, note)
        changes = {"state": [a.state, to]}
        rows = {it.code: it for it in a.items.all()}
        if to == Assessment.SCORED:
            _recount(a, rows.values())
            a.grade = rb.grade_of(a.total, a.round.exemplary_min, a.round.qualified_min)
            a.summary_submitted_at = timezone.now()
            skipped = skipped_carry_over(a, rows)
            if skipped:
                changes["carried_over_skipped"] = [None, [c["code"] for c in skipped]]
            if a.rectified_at and a.grade == Assessment.UNQUALIFIED:
                a.warned = True
                a.warning_note = _("Still unqualified after rectification (total %(total)s): notified and warned.") \
                    % {"total": a.total}
                changes["warned"] = [False, True]
            changes.update({"total": [None, str(a.total)], "grade": [None, a.grade]})
        elif to == Assessment.RECTIFICATION:
            days = policy.value(a.school, "rectification_days")
            a.rectification_due = rectification_due or today() + timedelta(days=days)
            changes["rectification_due"] = [None, a.rectification_due]
        elif step.src == Assessment.RECTIFICATION and to == Assessment.PANEL:
            a.rectified_at = timezone.now()
            a.first_total = a.total
            changes["first_total"] = [None, str(a.first_total)]
        elif step.src == Assessment.RECTIFICATION and to == Assessment.CLOSED:
            a.warned = True
            a.warning_note = note
            changes["warned"] = [False, True]
        a.state = to
        a.version += 1
        a.save()
        AssessmentEvent.objects.create(assessment=a, actor=actor, from_state=step.src, to_state=to, note=note)
        audit.record(actor, f"rooms.assessment.{to}", a, changes=changes | ({"note": [None, note]} if note else {}))
    return a


def photo_attach(*, actor, assessment: Assessment, code: str, upload) -> ItemScore:
    """A photo backs a score (RR-6: photos can back any score); the school while assessing itself or
    rectifying, the panel while scoring."""
    from suiban.students.archives.services import check_upload

    _require_any(actor, assessment)
    school_side = can(actor, "assessment.self", assessment) and assessment.state in (Assessment.SELF,
                                                                                     Assessment.RECTIFICATION)
    panel_side = (has_perm(actor, "assessment.score") and assessment.round.on_panel(actor)
                  and assessment.state == Assessment.PANEL)
    if not (school_side or panel_side):
        raise _invalid(_("Photos are added while the school assesses itself or the panel scores."))
    item = assessment.items.filter(code=code).first()
    if item is None:
        raise NotFound()
    kind = check_upload(upload, "photo")
    if not kind.content_type.startswith("image/"):
        raise DomainError(_("Upload a photo (JPEG or PNG)."), field="photo")
    with transaction.atomic():
        item.photo.save(f"{assessment.pk}-{code}.{kind.extensions[0]}", upload, save=True)
        audit.record(actor, "rooms.assessment.photo_added", assessment, changes={"photo": [None, code]})
    return item
