"""Term evaluation (IEP-6), peer support (IEP-7) and aids issued (IEP-8): validated, audited, atomic."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban.core import audit
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.scoping import can, has_perm
from suiban.core.services import check_version, validate
from suiban.core.services import field_error as _err
from suiban.core.services import raise_errors as _raise
from suiban.iep.models import (
    AID_KINDS,
    DIMENSIONS,
    LEVELS,
    PEER_MODES,
    AidIssue,
    Evaluation,
    EvaluationScore,
    PeerSupport,
    Plan,
)
from suiban.iep.services import _invalid, today
from suiban.org.models import Term
from suiban.students.models import Student

# IEP-6 (GD §29 "以社会适应、缺陷补偿与矫正、劳动技能为重点"): the three emphases of every term evaluation.
EMPHASES = [("social_adaptation", gettext_lazy("social adaptation")),
            ("compensation", gettext_lazy("compensation and correction of the disability")),
            ("labour_skills", gettext_lazy("labour skills"))]

def _student_in_scope(actor, student: Student | None):
    if not has_perm(actor, "iep.edit"):
        raise PermissionDenied()
    if student is None or not can(actor, "iep.edit", student):
        raise DomainError(_("The object does not exist or is outside your scope."), field="student_id")


# --- IEP-6: term evaluation ---------------------------------------------------------------------------------
def evaluation_record(*, actor, student: Student, term: Term, evaluated_on: date, evaluator_name: str,
                      dimensions: list[dict], summary: str = "", emphasis: dict | None = None) -> Evaluation:
    """The term's evaluation on all seven GD §29 dimensions, each with a level and a comment, judged against the
    adjusted goals of the student's plan for that school year (which must have been in force), with a comment on
    each emphasis GD §29 asks for: social adaptation, compensation and correction, labour skills (IEP-6)."""
    _student_in_scope(actor, student)
    errors = []
    if term is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field="term_id")
    evaluator_name = (evaluator_name or "").strip()
    if not evaluator_name:
        errors.append(_err("evaluator_name", _("Enter who evaluated."), "required"))
    if evaluated_on is None:
        errors.append(_err("evaluated_on", _("This field is required.")))
    elif evaluated_on > today():
        errors.append(_err("evaluated_on", _("The date is in the future.")))
    elif evaluated_on < term.start_date:
        errors.append(_err("evaluated_on", _("The evaluation date is before the term starts.")))
    emphasis = emphasis if isinstance(emphasis, dict) else {}
    stressed = {key: str(emphasis.get(key) or "").strip() for key, _label in EMPHASES}
    for key, label in EMPHASES:
        if not stressed[key]:
            errors.append(_err(f"emphasis.{key}", _("Comment on %(emphasis)s: the evaluation puts the emphasis "
                                                    "on it.") % {"emphasis": label}, "required"))
    names, levels = dict(DIMENSIONS), dict(LEVELS)
    seen, rows = set(), []
    for i, d in enumerate(dimensions or []):
        d = d if isinstance(d, dict) else {}
        dim, level, comment = d.get("dimension"), d.get("level"), (d.get("comment") or "").strip()
        if dim not in names or dim in seen:
            errors.append(_err(f"dimensions[{i}].dimension", _("Each of the seven dimensions once.")))
        seen.add(dim)
        if level not in levels:
            errors.append(_err(f"dimensions[{i}].level", _("Choose one of the allowed values.")))
        if not comment:
            errors.append(_err(f"dimensions[{i}].comment", _("Comment on the level against the student's adjusted "
                                                             "goals."), "required"))
        rows.append(EvaluationScore(dimension=dim or "", level=level or "", comment=comment))
    missing = [code for code in names if code not in seen]
    if missing:
        errors.append(_err("dimensions", _("The evaluation covers all seven dimensions; missing: "
                                           "%(missing)s.") % {"missing": "、".join(str(names[m]) for m in missing)},
                           "required"))
    plan = Plan.objects.filter(student=student, school_year_id=term.school_year_id,
                               state__in=("in_force", "closed")).first()
    if plan is None:
        errors.append(_err("student_id", _("The evaluation is judged against the adjusted goals of the student's "
                                           "plan; there is no plan in force for %(year)s.")
                           % {"year": term.school_year.name}))
    if Evaluation.objects.filter(student=student, term=term).exists():
        errors.append(_err("term_id", _("This student's evaluation for this term exists already."), "duplicate"))
    _raise(errors)
    with transaction.atomic():
        ev = Evaluation(student=student, school=student.school, region_path=student.region_path, term=term,
                        plan=plan, evaluated_on=evaluated_on, evaluator_name=evaluator_name,
                        summary=(summary or "").strip(), recorded_by=actor, **stressed)
        validate(ev, exclude=["student", "school", "term", "plan", "recorded_by"])
        try:
            with transaction.atomic():
                ev.save()
        except IntegrityError as exc:
            raise DomainError(_("This student's evaluation for this term exists already."), field="term_id",
                              code="duplicate") from exc
        for r in rows:
            r.evaluation = ev
        EvaluationScore.objects.bulk_create(rows)
        audit.record(actor, "iep.evaluation.recorded", ev, changes={
            "student": [None, student.pk], "term": [None, term.pk],
            "levels": [None, {r.dimension: r.level for r in rows}]})
        return ev


# --- IEP-7: peer support ------------------------------------------------------------------------------------
def peer_support_create(*, actor, student: Student, mode: str, peers: list[dict], starts_on: date,
                        ends_on: date | None = None, notes: str = "") -> PeerSupport:
    """Classmates assigned to support the student: one to one (exactly one peer) or many to one (two or more)."""
    _student_in_scope(actor, student)
    errors, clean = [], []
    if mode not in dict(PEER_MODES):
        errors.append(_err("mode", _("Choose one of the allowed values.")))
    linked = {s.pk: s for s in Student.objects.filter(pk__in=[p.get("student_id") for p in peers or []
                                                             if isinstance(p, dict) and p.get("student_id")])}
    for i, p in enumerate(peers or []):
        p = p if isinstance(p, dict) else {}
        sid = p.get("student_id")
        name = (p.get("name") or "").strip()
        if sid is not None:
            s = linked.get(sid)
            if s is None or s.school_id != student.school_id or s.pk == student.pk:
                errors.append(_err(f"peers[{i}].student_id", _("A peer is another student of the same school.")))
                continue
            name = name or s.name
        if not name:
            errors.append(_err(f"peers[{i}].name", _("Enter the classmate's name."), "required"))
        elif len(name) > 50:
            errors.append(_err(f"peers[{i}].name", _("The text is too long.")))
        clean.append({"name": name, "student_id": sid})
    if mode == "one_to_one" and len(peers or []) != 1:
        errors.append(_err("peers", _("One-to-one support names exactly one classmate.")))
    if mode == "many_to_one" and len(peers or []) < 2:
        errors.append(_err("peers", _("Many-to-one support names two or more classmates.")))
    if starts_on and ends_on and ends_on < starts_on:
        errors.append(_err("ends_on", _("The end date must not be before the start date.")))
    _raise(errors)
    with transaction.atomic():
        ps = PeerSupport(student=student, school=student.school, region_path=student.region_path, mode=mode,
                         peers=clean, starts_on=starts_on, ends_on=ends_on, notes=(notes or "").strip(),
                         created_by=actor)
        validate(ps, exclude=["student", "school", "created_by"])
        ps.save()
        audit.record(actor, "iep.peer_support.created", ps, changes={
            "student": [None, student.pk], "mode": [None, mode], "peers": [None, len(clean)],
            "starts_on": [None, starts_on], "ends_on": [None, ends_on]})
        return ps


# --- IEP-8: aids ----------------------------------------------------------------------------------------------
def aid_issue(*, actor, student: Student, item: str, kind: str, issued_on: date, returned_on: date | None = None,
              notes: str = "") -> AidIssue:
    """A teaching aid, learning tool or assistive device issued to the student."""
    _student_in_scope(actor, student)
    errors = []
    item = (item or "").strip()
    if not item:
        errors.append(_err("item", _("Name the item."), "required"))
    if kind not in dict(AID_KINDS):
        errors.append(_err("kind", _("Choose one of the allowed values.")))
    if issued_on and issued_on > today():
        errors.append(_err("issued_on", _("The date is in the future.")))
    if returned_on and issued_on and returned_on < issued_on:
        errors.append(_err("returned_on", _("An item is returned after it was issued.")))
    _raise(errors)
    with transaction.atomic():
        aid = AidIssue(student=student, school=student.school, region_path=student.region_path, item=item,
                       kind=kind, issued_on=issued_on, returned_on=returned_on, notes=(notes or "").strip(),
                       recorded_by=actor)
        validate(aid, exclude=["student", "school", "recorded_by"])
        aid.save()
        audit.record(actor, "iep.aid.issued", aid, changes={
            "student": [None, student.pk], "item": [None, item], "kind": [None, kind],
            "issued_on": [None, issued_on], "returned_on": [None, returned_on]})
        return aid


def aid_return(*, actor, aid: AidIssue, returned_on: date, version: int | None = None) -> AidIssue:
    if not can(actor, "iep.edit", aid):
        raise PermissionDenied(_("Your roles do not allow changing this record."))
    with transaction.atomic():
        a = AidIssue.objects.select_for_update().get(pk=aid.pk)
        check_version(a, version)
        if a.returned_on:
            raise _invalid(_("The item was returned already."))
        if returned_on is None or returned_on < a.issued_on:
            raise DomainError(_("An item is returned after it was issued."), field="returned_on")
        if returned_on > today():
            raise DomainError(_("The date is in the future."), field="returned_on")
        a.returned_on = returned_on
        a.version += 1
        a.save()
        audit.record(actor, "iep.aid.returned", a, changes={"returned_on": [None, returned_on]})
        return a
