"""Cases: one state machine for every application (PL-9) — identification and revocation (PL-5),
reassessment (PL-6), transfer/referral (PL-7), deferred enrolment (PL-3) and disputes (PL-8).

States::

    submitted → under_review → committee_opinion → decided → effective
        │            │                │
        └────────────┴→ withdrawn      └→ rejected (also from under_review)

Who does what (``STEPS``): the guardian or school staff submit (``cases.submit``, for a student in their
scope) and may withdraw while the case is submitted or under review; the bureau routes it for review
(``cases.review``); the expert committee gives its opinion (``cases.opinion``, the note *is* the opinion);
the bureau decides or rejects (``cases.decide``) and applies a decision once its effective date has come.
A deferral (PL-3) needs the approval of the bureau, not the committee, so it may go from under review to
decided directly. A transfer's receiving school answers separately (``transfer_respond``): it may accept or
refuse, a refusal needs a reason, and the bureau sees every refusal (``?refused=1``).

Every step runs in one transaction: the case row is locked, the version checked and bumped, a ``CaseEvent``
(at, actor, from, to, note) and an audit row ``cases.case.<to>`` are written. Nothing is deleted: a
correction is a new event (``case_note``), attachments are only added.

Timing (PL-5, GD §13–14; ⚙ ``school_year_start``, ``identification_processing_start/end``): applications
other than at primary enrolment (identification, revocation, reassessment) are due by the end of the current
term (``deadline``); the committee works in the summer holiday (``processing_window``, shown, not enforced:
GD §14 says 一般, "normally"); an identification, revocation or reassessment decided other than at primary
enrolment takes effect at the start of the next school year, one decided at primary enrolment at once.
Transfers, deferrals and disputes take effect on the decision date. ``decided → effective`` is refused
before the effective date; ``apply_due_cases`` (management command) applies the due ones.

Effects on the student (applied at ``effective`` through ``students.services``):

* identification → the decided placement (``regular_class`` …), status active; a PlacementRecord with the
  committee's opinion and ``case=`` is written even when the placement itself does not change (PL-2: every
  placement decision records the opinion).
* revocation, and reassessment with result *improved* → the identification is revoked: the child stays at
  school as an ordinary pupil (GD §15 "作为普通学生对待"). This platform's register is the register of
  students in inclusion, so the record leaves it with status ``left`` (not in inclusion, not counted in a
  class's cap); the class, placement history and archive are kept, and the case says why. The child's
  school registry (学籍) is not affected. A later identification case brings the record back to ``active``.
* reassessment *worsened* → re-placed per the result (a placement at the same school; a move to another
  school is a transfer case); *unchanged* → recorded, nothing changes (PL-5: stays identified).
* transfer → the receiving school and the decided placement (class cleared: the receiving school places
  the child into a class, PL-4 applies there).
* deferral → a ``Deferral`` record (applicant, approving bureau officer, dates; PL-3) and status deferred.
* dispute → the decision with the school conditions, guardian wishes and committee opinion considered
  (all three required before deciding, PL-8); optionally a placement at the same school.

When the system applies a due case (``actor=None``), the student's record is changed in the name of the
bureau officer who decided it (their authority; the case's own event and audit row say "system").
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban import policy
from suiban.core import audit
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.grades import grade_label
from suiban.core.scoping import can, has_perm
from suiban.core.services import check_version, raise_errors
from suiban.core.services import field_error as _err
from suiban.org.models import School, Term
from suiban.students import services
from suiban.students.models import (
    INCLUSION_PLACEMENTS,
    PLACEMENT_CHOICES,
    ArchiveFile,
    Case,
    CaseEvent,
    PlacementRecord,
    Student,
)

KINDS = dict(Case.KINDS)
STATES = dict(Case.STATES)
PLACEMENTS = dict(PLACEMENT_CHOICES)
# PL-5: the kinds that follow the identification calendar (认定/撤销/重新认定)
TIMED_KINDS = ("identification", "revocation", "reassessment")
REASSESSMENT_RESULTS = {"improved": gettext_lazy("Improved: identification revoked"),
                        "worsened": gettext_lazy("Worsened: re-placed per the result"),
                        "unchanged": gettext_lazy("No marked change: stays identified")}
DIRECTIONS = ("to_ordinary", "to_special")
PARTICIPANT_PERMS = ("cases.submit", "cases.review", "cases.opinion", "cases.decide")


@dataclass(frozen=True)
class Step:
    sources: tuple
    target: str
    perm: str
    label: object
    kinds: tuple = ()  # empty: every kind
    note_required: bool = False
    style: str = "primary"

    def applies(self, case: Case) -> bool:
        return case.state in self.sources and (not self.kinds or case.kind in self.kinds)


STEPS = [
    Step(("submitted",), "under_review", "cases.review", gettext_lazy("Route for review")),
    Step(("under_review",), "committee_opinion", "cases.opinion", gettext_lazy("Give the committee's opinion"),
         note_required=True),
    Step(("committee_opinion",), "decided", "cases.decide", gettext_lazy("Decide"), note_required=True,
         style="success"),
    Step(("under_review",), "decided", "cases.decide", gettext_lazy("Decide"), kinds=("deferral",),
         note_required=True, style="success"),
    Step(("decided",), "effective", "cases.decide", gettext_lazy("Apply the decision"), style="success"),
    Step(("under_review", "committee_opinion"), "rejected", "cases.decide", gettext_lazy("Reject"),
         note_required=True, style="danger"),
    Step(("submitted", "under_review"), "withdrawn", "cases.submit", gettext_lazy("Withdraw"),
         style="secondary"),
]

AUDITED = ["state", "effective_date", "decided_on", "outcome", "deferred_until", "target_response", "version"]
AUDITED_TEXT = ["committee_opinion", "decision", "school_conditions", "guardian_wishes", "refusal_reason"]

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = {
    "pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def today() -> date:
    """The date the rules use (one place, so tests can move the calendar)."""
    return timezone.localdate()


def _invalid(message, field=None):
    return DomainError(message, code="invalid_transition", field=field)


def _md(year: int, month_day: str) -> date:
    m, d = (int(x) for x in month_day.split("-"))
    return date(year, m, d)


# --- timing (PL-5) ------------------------------------------------------------------------------
def next_school_year_start(school: School, day: date) -> date:
    """The first school-year start (⚙ school_year_start) on or after ``day``."""
    md = policy.value(school, "school_year_start")
    start = _md(day.year, md)
    return start if start >= day else _md(day.year + 1, md)


def submission_deadline(day: date) -> date | None:
    """PL-5: an application is due before the end of the current term; in a holiday, of the next term."""
    term = Term.objects.filter(start_date__lte=day, end_date__gte=day).order_by("start_date").first()
    term = term or Term.objects.filter(start_date__gt=day).order_by("start_date").first()
    return term.end_date if term else None


def processing_window(case: Case) -> tuple[date, date] | None:
    """PL-5: the summer-holiday window (⚙ identification_processing_start/end) in which the committee
    normally processes this application: the first one ending on or after its submission."""
    if case.kind not in TIMED_KINDS or case.at_enrolment:
        return None
    school = case.student.school
    start_md = policy.value(school, "identification_processing_start")
    end_md = policy.value(school, "identification_processing_end")
    submitted = timezone.localdate(case.created_at) if case.created_at else today()
    year = submitted.year if _md(submitted.year, end_md) >= submitted else submitted.year + 1
    return _md(year, start_md), _md(year, end_md)


def effective_date_for(case: Case, decided: date) -> date:
    """PL-5: identification-type decisions take effect from the new school year, at primary enrolment at once."""
    if case.kind in TIMED_KINDS and not case.at_enrolment:
        return next_school_year_start(case.student.school, decided)
    return decided


def default_deferred_until(school: School, decided: date) -> date:
    """PL-3: a deferral lasts until the first school-year start at least half a year after the decision."""
    return next_school_year_start(school, decided + timedelta(days=183))


def outcome_label(case: Case) -> str:
    """The decided outcome in words: a placement, or what a revocation / reassessment / deferral found."""
    if case.outcome in PLACEMENTS:
        return str(PLACEMENTS[case.outcome])
    return str({"revoked": _("Identification revoked"), "unchanged": _("No marked change: stays identified"),
                "deferred": _("Deferred enrolment")}.get(case.outcome, case.outcome))


# --- who may do what ---------------------------------------------------------------------------
def may(user, perm: str, case: Case) -> bool:
    return can(user, perm, case)


def may_respond(user, case: Case) -> bool:
    """PL-7: the receiving school's leader, in that school's scope, answers a transfer."""
    return (case.kind == "transfer" and case.target_school_id is not None
            and can(user, "cases.respond_transfer", case.target_school))


def may_participate(user, case: Case) -> bool:
    """May add notes (corrections) and attachments: anyone who may act on the case."""
    return any(may(user, p, case) for p in PARTICIPANT_PERMS) or may_respond(user, case)


def allowed_steps(user, case: Case, *, on: date | None = None) -> list[Step]:
    """The steps ``user`` may take now (for the buttons and the API's ``allowed_transitions``)."""
    on = on or today()
    out, seen = [], set()
    for step in STEPS:
        if step.target in seen or not step.applies(case):
            continue
        if step.target == "effective" and (case.effective_date is None or on < case.effective_date):
            continue
        if may(user, step.perm, case):
            out.append(step)
            seen.add(step.target)
    return out


def can_respond_now(user, case: Case) -> bool:
    return case.state in ("submitted", "under_review", "committee_opinion") and not case.target_response \
        and may_respond(user, case)


# --- writing ------------------------------------------------------------------------------------
def _text_changes(before: dict, case: Case) -> dict:
    out = {}
    for f in AUDITED_TEXT:
        if (before.get(f) or "") != (getattr(case, f) or ""):
            out[f] = ["***" if before.get(f) else "", "***"]
    return out


def _event(case: Case, actor, from_state: str, to_state: str, note: str) -> CaseEvent:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return CaseEvent.objects.create(case=case, actor=user, from_state=from_state, to_state=to_state, note=note)


def _placement_ok_at(school: School, placement: str) -> bool:
    if placement == "awaiting":
        return False
    if school.kind == School.SPECIAL:
        return placement in ("special_school", "homebound", "remote")
    return placement != "special_school"


def case_submit(*, actor, student: Student, kind: str, applicant: str, reason: str, direction: str = "",
                target_school: School | None = None, at_enrolment: bool = False, school_conditions: str = "",
                guardian_wishes: str = "") -> Case:
    """A guardian or the school submits an application for a student in their scope (PL-9)."""
    if not has_perm(actor, "cases.submit"):
        raise PermissionDenied()
    if student is None or not can(actor, "cases.submit", student):
        raise DomainError(_("The object does not exist or is outside your scope."), field="student_id")
    errors = []
    if kind not in KINDS:
        errors.append(_err("kind", _("Choose one of the allowed values.")))
    applicant = (applicant or "").strip()
    reason = (reason or "").strip()
    if not applicant:
        errors.append(_err("applicant", _("Enter the applicant (the guardian or the school).")))
    if not reason:
        errors.append(_err("reason", _("Enter the reason for the application.")))
    raise_errors(errors)
    if kind != "transfer" and (direction or target_school is not None):
        errors.append(_err("target_school_id", _("Only a transfer has a direction and a receiving school.")))
    if kind != "dispute" and (school_conditions.strip() or guardian_wishes.strip()):
        errors.append(_err("school_conditions", _("School conditions and guardian wishes belong to a dispute.")))
    if at_enrolment and (kind != "identification" or student.grade != 1):
        errors.append(_err("at_enrolment", _("Only an identification of a grade 1 pupil can be at primary "
                                             "enrolment.")))
    if kind in ("revocation", "reassessment", "transfer") and student.status != "active":
        errors.append(_err("student_id", _("The student is not in school (status: %(status)s).")
                           % {"status": student.get_status_display()}))
    if kind == "identification" and student.status not in ("active", "left", "deferred"):
        errors.append(_err("student_id", _("The student is not in school (status: %(status)s).")
                           % {"status": student.get_status_display()}))
    if kind == "deferral" and (student.grade != 1 or student.status not in ("active", "deferred")):
        errors.append(_err("student_id", _("Deferred enrolment is for a child entering grade 1.")))
    if kind == "transfer":
        errors += _transfer_errors(student, direction, target_school)
    if Case.objects.filter(student=student, kind=kind, state__in=Case.OPEN_STATES).exists():
        errors.append(_err("kind", _("This student already has an open case of this kind."), "duplicate_case"))
    raise_errors(errors)
    with transaction.atomic():
        day = today()
        case = Case(kind=kind, student=student, school=student.school, region_path=student.region_path,
                    applicant=applicant, reason=reason, direction=direction if kind == "transfer" else "",
                    target_school=target_school if kind == "transfer" else None, at_enrolment=at_enrolment,
                    school_conditions=school_conditions.strip(), guardian_wishes=guardian_wishes.strip(),
                    deadline=submission_deadline(day) if kind in TIMED_KINDS and not at_enrolment else None,
                    submitted_by=actor if getattr(actor, "is_authenticated", False) else None)
        case.save()
        _event(case, actor, "", "submitted", reason)
        audit.record(actor, "cases.case.submitted", case, changes={
            "kind": [None, kind], "student": [None, student.pk], "state": [None, "submitted"],
            "target_school": [None, case.target_school_id], "at_enrolment": [None, at_enrolment],
            "deadline": [None, case.deadline]})
        return case


def _transfer_errors(student: Student, direction: str, target: School | None) -> list[dict]:
    """PL-7 (GD §16): special → ordinary school, or ordinary → special school / a designated ordinary school,
    inside the district whose bureau decides (属地)."""
    errors = []
    if direction not in DIRECTIONS:
        errors.append(_err("direction", _("Choose the direction of the transfer.")))
    if target is None:
        errors.append(_err("target_school_id", _("Choose the receiving school.")))
        return errors
    at_special = student.school.kind == School.SPECIAL
    if target.pk == student.school_id:
        errors.append(_err("target_school_id", _("The receiving school is the student's own school.")))
    elif target.region_path != student.region_path:
        errors.append(_err("target_school_id", _("The receiving school must be in the student's district: its "
                                                 "bureau decides the transfer.")))
    elif not target.is_active:
        errors.append(_err("target_school_id", _("The receiving school is not active.")))
    elif student.grade not in target.allowed_grades() and student.grade + 1 not in target.allowed_grades():
        errors.append(_err("target_school_id", _("This school does not teach %(grade)s.")
                           % {"grade": grade_label(student.grade)}))
    elif direction == "to_ordinary" and (not at_special or target.kind == School.SPECIAL):
        errors.append(_err("direction", _("A transfer to an ordinary school goes from a special-education school "
                                          "to an ordinary school.")))
    elif direction == "to_special" and at_special:
        errors.append(_err("direction", _("A transfer to a special or designated school starts at an ordinary "
                                          "school.")))
    return errors


def transition(*, actor, case: Case, to: str, note: str = "", version: int | None = None,
               placement: str | None = None, result: str | None = None, deferred_until: date | None = None,
               school_conditions: str | None = None, guardian_wishes: str | None = None,
               on: date | None = None) -> Case:
    """Move ``case`` to state ``to`` (PL-9). 422 ``invalid_transition`` when the state or the role does
    not allow it; ``actor=None`` is the system (only for applying a due decision)."""
    note = (note or "").strip()
    with transaction.atomic():
        c = (Case.objects.select_for_update(of=("self",)).select_related("student__school", "target_school")
             .get(pk=case.pk))
        check_version(c, version)
        day = on or today()
        candidates = [s for s in STEPS if s.target == to and s.applies(c)]
        if not candidates:
            raise _invalid(_("A case that is “%(from)s” cannot become “%(to)s”.")
                           % {"from": STATES.get(c.state, c.state), "to": STATES.get(to, to)}, field="to")
        if actor is None:
            if to != "effective":
                raise _invalid(_("Only applying a due decision is done by the system."), field="to")
            step = candidates[0]
        else:
            step = next((s for s in candidates if may(actor, s.perm, c)), None)
            if step is None:
                raise _invalid(_("Your roles do not allow this step on this case (“%(from)s” → “%(to)s”).")
                               % {"from": STATES.get(c.state, c.state), "to": STATES.get(to, to)}, field="to")
        errors = []
        if step.note_required and not note:
            messages = {"committee_opinion": _("Enter the expert committee's opinion."),
                        "decided": _("Enter the decision."), "rejected": _("Enter the reason for the rejection.")}
            errors.append(_err("note", messages.get(to, _("Enter a note.")), "required"))
        if to == "decided":
            errors += _decision_missing(c, placement, result)
        raise_errors(errors)
        before = audit.snapshot(c, AUDITED)
        before_text = {f: getattr(c, f) for f in AUDITED_TEXT}
        from_state = c.state
        if to == "committee_opinion":
            c.committee_opinion = note
        elif to == "decided":
            _decide(c, note, day, placement=placement, result=result, deferred_until=deferred_until,
                    school_conditions=school_conditions, guardian_wishes=guardian_wishes)
        elif to == "rejected":
            c.decision = note
            c.decided_on = day
        elif to == "effective":
            if c.effective_date is None or day < c.effective_date:
                raise _invalid(_("This decision takes effect on %(date)s (from the new school year); it "
                                 "cannot be applied before then.")
                               % {"date": c.effective_date.isoformat() if c.effective_date else "—"},
                               field="to")
            _apply_effect(c, actor, day)
        c.state = to
        c.version += 1
        c.save()
        _event(c, actor, from_state, to, note)
        changes = audit.diff(before, audit.snapshot(c, AUDITED))
        changes.update(_text_changes(before_text, c))
        if actor is None:
            changes["applied_by"] = [None, "system"]
        audit.record(actor, f"cases.case.{to}", c, changes=changes, username=None if actor else "system")
        return c


def _decision_missing(c: Case, placement, result) -> list[dict]:
    """PL-2/PL-9: what a decision of this kind must carry, each missing field named with its own message (the
    note and these are reported together)."""
    errors = []
    if c.kind == "identification" and not placement:
        errors.append(_err("placement", _("An identification decision names the placement."), "required"))
    if c.kind == "reassessment":
        if result not in REASSESSMENT_RESULTS:
            errors.append(_err("result", _("A reassessment decision says whether the disability improved, worsened "
                                           "or did not change markedly (GD §15)."), "required"))
        elif result == "worsened" and not placement:
            errors.append(_err("placement", _("A worsened reassessment names the new placement at the student's "
                                              "school (a move to another school is a transfer case)."), "required"))
    return errors


def _decide(c: Case, note: str, day: date, *, placement, result, deferred_until, school_conditions,
            guardian_wishes):
    """Record the decision and what it carries (placement, result, deferral end, dispute considerations)."""
    if school_conditions is not None and school_conditions.strip():
        c.school_conditions = school_conditions.strip()
    if guardian_wishes is not None and guardian_wishes.strip():
        c.guardian_wishes = guardian_wishes.strip()
    school = c.student.school
    if placement and placement not in PLACEMENTS:
        raise DomainError(_("Choose one of the allowed values."), field="placement")
    if c.kind == "identification":
        if not placement:
            raise DomainError(_("An identification decision names the placement."), field="placement")
        if not _placement_ok_at(school, placement):
            raise DomainError(_("This placement is not possible at the student's school; a move to another "
                                "school is a transfer case."), field="placement")
        c.outcome = placement
    elif c.kind == "revocation":
        c.outcome = "revoked"
    elif c.kind == "reassessment":
        if result not in REASSESSMENT_RESULTS:
            raise DomainError(_("A reassessment decision says whether the disability improved, worsened or did "
                                "not change markedly (GD §15)."), field="result")
        if result == "worsened":
            if not placement or not _placement_ok_at(school, placement):
                raise DomainError(_("A worsened reassessment names the new placement at the student's school "
                                    "(a move to another school is a transfer case)."), field="placement")
            c.outcome = placement
        else:
            c.outcome = "revoked" if result == "improved" else "unchanged"
    elif c.kind == "transfer":
        target = c.target_school
        if target is None:
            raise DomainError(_("Choose the receiving school."), field="target_school_id")
        placement = placement or ("special_school" if target.kind == School.SPECIAL else "regular_class")
        if not _placement_ok_at(target, placement):
            raise DomainError(_("This placement is not possible at the receiving school."), field="placement")
        c.outcome = placement
    elif c.kind == "deferral":
        until = deferred_until or default_deferred_until(school, day)
        if until <= day:
            raise DomainError(_("The deferral must end after the approval."), field="deferred_until")
        c.deferred_until = until
        c.outcome = "deferred"
    elif c.kind == "dispute":
        missing = [f for f in ("school_conditions", "guardian_wishes", "committee_opinion") if not getattr(c, f)]
        if missing:
            raise DomainError(_("A dispute is decided considering the school's conditions, the guardian's wishes "
                                "and the expert committee's opinion (PL-8); record all three first."),
                              errors=[_err(f, _("Required for a dispute decision."), "required") for f in missing])
        if placement:
            if not _placement_ok_at(school, placement):
                raise DomainError(_("This placement is not possible at the student's school; a move to another "
                                    "school is a transfer case."), field="placement")
            c.outcome = placement
    c.decision = note
    c.decided_on = day
    c.effective_date = effective_date_for(c, day)


def _decider(c: Case):
    ev = c.events.filter(to_state="decided").select_related("actor").order_by("-at", "-id").first()
    return ev.actor if ev else None


def _apply_effect(c: Case, actor, day: date):
    """decided → effective: change the student's record through the student services."""
    acting = actor if actor is not None else _decider(c)
    if acting is None:
        raise _invalid(_("Nobody is recorded as having decided this case."))
    student = Student.objects.select_related("school").get(pk=c.student_id)
    opinion = c.committee_opinion or c.decision
    if c.kind == "identification" or (c.kind == "reassessment" and c.outcome in PLACEMENTS) \
            or (c.kind == "dispute" and c.outcome in PLACEMENTS):
        fields = {"placement": c.outcome, "status": "active"}
        if c.outcome not in INCLUSION_PLACEMENTS:
            fields["school_class"] = None
        changed = student.placement != c.outcome or ("school_class" in fields and student.school_class_id)
        services.student_update(actor=acting, student=student, version=student.version, committee_opinion=opinion,
                                case=c, **fields)
        if not changed:
            # PL-2: the decision is recorded with the committee's opinion even when the placement stays.
            PlacementRecord.objects.create(student=student, placement=c.outcome, school=student.school,
                                           school_class=student.school_class, effective_date=day,
                                           committee_opinion=opinion, case=c, recorded_by=acting)
    elif c.kind in ("revocation", "reassessment") and c.outcome == "revoked":
        services.student_update(actor=acting, student=student, version=student.version, status="left")
    elif c.kind == "transfer":
        extra = {}
        allowed = c.target_school.allowed_grades()
        if student.grade not in allowed and student.grade + 1 in allowed:
            extra["grade"] = student.grade + 1  # 小升初: promotion from primary grade 6 into junior grade 7
        services.student_update(actor=acting, student=student, version=student.version, school=c.target_school,
                                school_class=None, placement=c.outcome, committee_opinion=opinion, case=c, **extra)
    elif c.kind == "deferral":
        services.deferral_record(actor=acting, student=student, applicant=c.applicant,
                                 applied_on=timezone.localdate(c.created_at), approver_body="county_bureau",
                                 approver_name=acting.display_name, approved_on=c.decided_on or day,
                                 deferred_until=c.deferred_until, reason=c.reason)
    # reassessment "unchanged" and a dispute without placement: the decision is the record.


def transfer_respond(*, actor, case: Case, accept: bool, reason: str = "", version: int | None = None) -> Case:
    """PL-7 (GD §16): the receiving school accepts or refuses; a refusal must record a reason."""
    reason = (reason or "").strip()
    with transaction.atomic():
        c = Case.objects.select_for_update(of=("self",)).select_related("target_school").get(pk=case.pk)
        check_version(c, version)
        if c.kind != "transfer" or c.target_school_id is None:
            raise _invalid(_("Only a transfer has a receiving school to answer."))
        if not may_respond(actor, c):
            raise _invalid(_("Only the receiving school answers a transfer."))
        if c.state not in ("submitted", "under_review", "committee_opinion"):
            raise _invalid(_("The case is “%(state)s”: it can no longer be answered.")
                           % {"state": STATES.get(c.state, c.state)})
        if c.target_response:
            raise _invalid(_("The receiving school has answered already; add a note to correct it."))
        if not accept and not reason:
            raise DomainError(_("A school may not refuse a transfer without a reason: enter the reason."),
                              field="refusal_reason")
        c.target_response = "accepted" if accept else "refused"
        if not accept:
            c.refusal_reason = reason
        c.responded_by, c.responded_at = actor, timezone.now()
        c.version += 1
        c.save()
        label = _("Receiving school accepted") if accept else _("Receiving school refused")
        _event(c, actor, c.state, c.state, f"{label}{'：' + reason if reason else ''}")
        audit.record(actor, f"cases.case.transfer_{c.target_response}", c,
                     changes={"target_response": ["", c.target_response],
                              **({"refusal_reason": ["", "***"]} if not accept else {})})
        return c


def case_note(*, actor, case: Case, note: str) -> CaseEvent:
    """PL-9: a correction or remark is a new event; the state does not change and nothing is overwritten."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Enter a note."), field="note")
    if not may_participate(actor, case):
        raise _invalid(_("Your roles do not allow adding to this case."))
    with transaction.atomic():
        c = Case.objects.select_for_update().get(pk=case.pk)
        ev = _event(c, actor, c.state, c.state, note)
        audit.record(actor, "cases.case.noted", c, changes={"event": [None, ev.pk]})
        return ev


# --- attachments --------------------------------------------------------------------------------
def sniff(head: bytes, fileobj) -> str | None:
    """The file's real type from its content (not its name): pdf, jpg, png, docx or xlsx."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        # the archives' check (SEC-5): an OOXML package without macros (vbaProject.bin), nothing decompressed
        from suiban.students.archives.services import _ooxml_kind

        return _ooxml_kind(fileobj)
    return None


def attachment_add(*, actor, case: Case, upload, title: str = "") -> ArchiveFile:
    """Attach a document to a case (PL-9): ≤ 20 MB; pdf, jpg, png, docx or xlsx, checked by content."""
    if not may_participate(actor, case):
        raise _invalid(_("Your roles do not allow adding to this case."))
    if upload is None:
        raise DomainError(_("Choose a file."), field="file")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise DomainError(_("The file is larger than 20 MB."), field="file")
    name = upload.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head, upload)
    if kind is None or ATTACHMENT_TYPES.get(ext) != ATTACHMENT_TYPES[kind]:
        raise DomainError(_("Only PDF, JPG, PNG, DOCX and XLSX files are accepted, and the content must match "
                            "the file name's extension."), field="file")
    title = (title or "").strip()[:200] or name[:200]
    with transaction.atomic():
        c = Case.objects.select_for_update().get(pk=case.pk)
        af = ArchiveFile(student=c.student, case=c, title=title, content_type=ATTACHMENT_TYPES[kind],
                         size=upload.size, uploaded_by=actor)
        af.file.save(f"case-{c.pk}.{'jpg' if kind == 'jpg' else kind}", upload, save=False)
        af.save()
        _event(c, actor, c.state, c.state, _("Attached: %(title)s") % {"title": title})
        audit.record(actor, "cases.attachment.uploaded", c,
                     changes={"attachment": [None, af.pk], "title": [None, title], "size": [None, af.size]})
        return af


def attachment_opened(*, actor, case: Case, attachment: ArchiveFile) -> None:
    audit.record(actor, "cases.attachment.downloaded", case, changes={"attachment": [None, attachment.pk]})


# --- the system: due decisions ------------------------------------------------------------------
def apply_due(*, on: date | None = None) -> tuple[list[Case], list[tuple[Case, str]]]:
    """Apply every decided case whose effective date has come (PL-5). Returns (applied, failed)."""
    on = on or today()
    applied, failed = [], []
    for c in Case.objects.filter(state="decided", effective_date__lte=on).order_by("effective_date", "id"):
        try:
            applied.append(transition(actor=None, case=c, to="effective", on=on,
                                      note=_("Applied by the system on the effective date.")))
        except DomainError as exc:
            failed.append((c, str(exc.message)))
    return applied, failed


# Panels other modules add to the case page without this module importing them (e.g. the expert committee's
# opinions, PL-16): callables ``(request, case) -> {"template": ..., **context}`` or None.
CASE_PANELS: list = []


def case_panels(request, case) -> list[dict]:
    return [p for p in (f(request, case) for f in CASE_PANELS) if p]
