"""Enrolments of home-delivered education (HB-1, HB-2, HB-3, HB-8): open, plan, confirm eligibility, activate,
end. Every write is atomic, validated with one message per field, audited, and checked against the actor's scope.

Eligibility (HB-1): each criterion is checked from the student record where the record knows it — household
registration under the school's district (⚙ homebound_hukou_in_district), the certifying body (⚙
homebound_certifiers) and certificate, the age on 1 September of the school year (⚙ homebound_min_age..max_age),
the disability grade (⚙ homebound_max_disability_grade: grades 1–2 are severe) — and otherwise confirmed by a
person with evidence (a note, or an uploaded document named in the note). Activation needs every criterion met,
else 422 ``not_eligible`` naming each one that is not.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban import policy
from suiban.core import audit, divisions
from suiban.core.errors import DomainError, NotFound, PermissionDenied
from suiban.core.scoping import can, has_perm
from suiban.core.services import check_version
from suiban.core.services import field_error as _err
from suiban.homebound.models import CRITERIA, CRITERION_LABELS, REHAB_AREAS, Enrolment, EnrolmentDocument, PlanVersion
from suiban.org.calendar import current_school_year, school_year_dates
from suiban.org.models import Region, SchoolYear
from suiban.staff.models import Pool, PoolMember, StaffMember
from suiban.staff.selectors import pool_staff
from suiban.students.models import Student

RECORD_CRITERIA = ("hukou_in_district", "certified", "age", "severe_disability")
CURRICULUM_KEYS = ("teaching", "rehabilitation", "rehab_provider", "rehab_areas")
PLAN_KEYS = ("teacher_ids", "visits_per_week", "hours_per_visit", "curriculum", "goals")


def today() -> date:
    return timezone.localdate()


def param(school, name):
    return policy.value(school, name)


def september_first(school_year: SchoolYear) -> date:
    return date(school_year.start_year, 9, 1)


# --- eligibility (HB-1) ----------------------------------------------------------------------------------
def record_check(student: Student, school, school_year: SchoolYear) -> dict:
    """What the record says about each criterion it knows: {criterion: (met, evidence)}; (None, why) = unknown."""
    out = {}
    if not param(school, "homebound_hukou_in_district"):
        out["hukou_in_district"] = (True, _("The district's policy does not require local household registration."))
    elif not student.hukou_region_code:
        out["hukou_in_district"] = (None, _("The record has no household registration region."))
    else:
        code = student.hukou_region_code
        inside = code == school.region.code or Region.objects.filter(
            code=code, path__startswith=school.region.path).exists()
        out["hukou_in_district"] = (inside, _("Household registration: %(place)s (record).")
                                    % {"place": divisions.place_name(code)})
    certifiers = list(param(school, "homebound_certifiers"))
    if not student.certified_by:
        out["certified"] = (None, _("The record names no certifying body."))
    else:
        body = student.get_certified_by_display()
        number = student.certificate_masked or _("no certificate number")
        out["certified"] = (student.certified_by in certifiers,
                            _("Certified by %(body)s, %(number)s (record).") % {"body": body, "number": number})
    low, high = param(school, "homebound_min_age"), param(school, "homebound_max_age")
    age = student.age_on(september_first(school_year))
    out["age"] = (low <= age <= high, _("Aged %(age)d on 1 September %(year)d; the policy asks %(low)d–%(high)d "
                                         "(record).") % {"age": age, "year": school_year.start_year,
                                                          "low": low, "high": high})
    if student.disability_grade is None:
        out["severe_disability"] = (None, _("The record has no disability grade."))
    else:
        limit = param(school, "homebound_max_disability_grade")
        out["severe_disability"] = (student.disability_grade <= limit,
                                    _("Disability grade %(grade)d; grades 1–%(limit)d count as severe (record).")
                                    % {"grade": student.disability_grade, "limit": limit})
    return out


def eligibility(enrolment: Enrolment) -> dict:
    """{criterion: {"met", "evidence", "source" ("record"|"confirmed"|"missing"), "label"}}."""
    known = record_check(enrolment.student, enrolment.school, enrolment.school_year)
    out = {}
    for c in CRITERIA:
        met, evidence = known.get(c, (None, ""))
        conf = (enrolment.confirmations or {}).get(c) or {}
        if met is not None:
            out[c] = {"met": bool(met), "evidence": str(evidence), "source": "record"}
        elif conf.get("evidence"):
            out[c] = {"met": bool(conf.get("met")), "evidence": conf["evidence"], "source": "confirmed",
                      "by": conf.get("by", ""), "at": conf.get("at", "")}
        else:
            out[c] = {"met": False, "evidence": str(evidence) if evidence else "", "source": "missing"}
        out[c]["label"] = str(CRITERION_LABELS[c])
    return out


def _confirmations(enrolment: Enrolment, value, actor, errors: list) -> dict:
    current = dict(enrolment.confirmations or {})
    if not isinstance(value, dict):
        errors.append(_err("eligibility", _("Give the criteria as an object.")))
        return current
    for c, item in value.items():
        if c not in CRITERIA:
            errors.append(_err(f"eligibility.{c}", _("Unknown criterion.")))
            continue
        item = item or {}
        evidence = str(item.get("evidence") or "").strip()
        met = bool(item.get("met"))
        if met and not evidence:
            errors.append(_err(f"eligibility.{c}", _("A criterion confirmed as met needs its evidence: a note, or "
                                                     "the uploaded document it rests on."), "evidence_required"))
            continue
        if len(evidence) > 1000:
            errors.append(_err(f"eligibility.{c}", _("The evidence is at most 1000 characters.")))
            continue
        current[c] = {"met": met, "evidence": evidence, "by": getattr(actor, "display_name", "") or actor.username,
                      "at": timezone.now().isoformat()}
    return current


# --- the plan (HB-2, HB-3) -------------------------------------------------------------------------------
def pool_teacher_ids(school, school_year) -> set[int]:
    """HB-2: the staff of the school's filed resource-teacher pool of that year."""
    return set(pool_staff(school.pk, school_year.pk, filed_only=True).values_list("pk", flat=True))


def teachers_with_pool(teacher_ids, school, school_year) -> dict[int, StaffMember]:
    """The staff members ``teacher_ids`` with ``in_pool`` (in the school's filed pool of that year), one query."""
    ids = [int(i) for i in teacher_ids]
    if not ids:
        return {}
    members = PoolMember.objects.filter(pool__school_id=school.pk, pool__school_year_id=school_year.pk,
                                        pool__state=Pool.FILED, staff_id=OuterRef("pk"))
    return {s.pk: s for s in StaffMember.objects.filter(pk__in=ids).annotate(in_pool=Exists(members))}


def check_teachers(teacher_ids, school, school_year, *, field="teacher_ids", minimum=None,
                   staff: dict | None = None) -> list[dict]:
    """Errors for teachers outside the school's filed pool (``teacher_not_in_pool``) and for fewer teachers than
    ``minimum`` (``too_few_teachers``). ``staff``: the result of ``teachers_with_pool`` when the caller has it."""
    errors = []
    staff = teachers_with_pool(teacher_ids, school, school_year) if staff is None else staff
    for i, tid in enumerate(teacher_ids):
        s = staff.get(tid)
        if s is None or not s.in_pool:
            errors.append(_err(f"{field}[{i}]", _("%(name)s is not in the school's filed resource-teacher pool for "
                                                  "this school year.") % {"name": s.name if s else tid},
                               "teacher_not_in_pool"))
    if minimum is not None and len(teacher_ids) < minimum:
        errors.append(_err(field, _("A home visit is made by at least %(n)d teachers (二对一).") % {"n": minimum},
                           "too_few_teachers"))
    return errors


def raise_coded(errors: list[dict]) -> None:
    """Refuse with every error; the problem's code is the first rule code among them (else validation_error)."""
    if not errors:
        return
    rule_codes = ("not_eligible", "too_few_teachers", "teacher_not_in_pool")
    code = next((e["code"] for e in errors if e["code"] in rule_codes), "validation_error")
    first = next((e for e in errors if e["code"] == code), errors[0])
    raise DomainError(first["message"], code=code, errors=errors)


def _plan_values(data: dict, base: PlanVersion | None, school, errors: list) -> dict:
    values = {
        "teacher_ids": list(base.teacher_ids) if base else [],
        "visits_per_week": base.visits_per_week if base else param(school, "homebound_visits_per_week"),
        "hours_per_visit": base.hours_per_visit if base else Decimal(str(param(school, "homebound_hours_per_visit"))),
        "teaching": base.teaching if base else "", "rehabilitation": base.rehabilitation if base else "",
        "rehab_areas": list(base.rehab_areas) if base else [], "rehab_provider": base.rehab_provider if base else "",
        "goals": base.goals if base else "",
    }
    if data.get("teacher_ids") is not None:
        try:
            ids = [int(i) for i in data["teacher_ids"]]
        except (TypeError, ValueError):
            errors.append(_err("teacher_ids", _("Choose teachers from the list.")))
            ids = []
        values["teacher_ids"] = list(dict.fromkeys(ids))
    if data.get("visits_per_week") is not None:
        try:
            n = int(data["visits_per_week"])
        except (TypeError, ValueError):
            n = -1
        minimum = param(school, "homebound_visits_per_week")
        if n < minimum or n > 7:
            errors.append(_err("visits_per_week", _("Plan at least %(n)d and at most 7 visits a week.")
                               % {"n": minimum}))
        values["visits_per_week"] = n
    if data.get("hours_per_visit") is not None:
        try:
            h = Decimal(str(data["hours_per_visit"])).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            h = Decimal("-1")
        minimum = Decimal(str(param(school, "homebound_hours_per_visit")))
        if not h.is_finite() or h < minimum or h > 8:
            errors.append(_err("hours_per_visit", _("Plan at least %(n)s and at most 8 class hours a visit.")
                               % {"n": minimum}))
        values["hours_per_visit"] = h
    curriculum = data.get("curriculum")
    if curriculum is not None:
        if not isinstance(curriculum, dict):
            errors.append(_err("curriculum", _("Give the curriculum as an object.")))
        else:
            for k in ("teaching", "rehabilitation", "rehab_provider"):
                if k in curriculum and curriculum[k] is not None:
                    text = str(curriculum[k]).strip()
                    limit = 200 if k == "rehab_provider" else 4000
                    if len(text) > limit:
                        errors.append(_err(f"curriculum.{k}", _("At most %(n)d characters.") % {"n": limit}))
                    values[k] = text
            if curriculum.get("rehab_areas") is not None:
                areas = [str(a) for a in curriculum["rehab_areas"]]
                allowed = [a for a, _label in REHAB_AREAS]
                if any(a not in allowed for a in areas):
                    errors.append(_err("curriculum.rehab_areas", _("Choose perception, motor skills or language.")))
                values["rehab_areas"] = [a for a in allowed if a in areas]
    if data.get("goals") is not None:
        values["goals"] = str(data["goals"]).strip()[:4000]
    return values


def current_plan(enrolment: Enrolment, on: date | None = None, versions=None) -> PlanVersion | None:
    """The plan version in force on ``on`` (default today); before the first one, the first one. ``versions``: the
    enrolment's plan versions when the caller has read them."""
    versions = list(enrolment.plan_versions.all()) if versions is None else versions
    if not versions:
        return None
    on = on or today()
    in_force = [v for v in versions if v.effective_from <= on]
    return (max(in_force, key=lambda v: (v.effective_from, v.number)) if in_force
            else min(versions, key=lambda v: (v.effective_from, v.number)))


def _teacher_names(ids) -> str:
    names = dict(StaffMember.objects.filter(pk__in=ids).values_list("pk", "name"))
    return "、".join(names[i] for i in ids if i in names)[:300]


def _require(actor, perm, obj, field=None):
    if not has_perm(actor, perm):
        raise PermissionDenied()
    if obj is None or not can(actor, perm, obj):
        if field:
            raise DomainError(_("The object does not exist or is outside your scope."), field=field)
        if obj is not None and can(actor, "homebound.view", obj):
            raise PermissionDenied()
        raise NotFound()


# --- writes ------------------------------------------------------------------------------------------------
def enrolment_create(*, actor, student: Student, school_year: SchoolYear | None = None, place: str = "",
                     delivering_school=None, delivering_centre=None, eligibility: dict | None = None,
                     start_date: date | None = None, **plan) -> Enrolment:
    """Open the enrolment of a homebound student for a school year at the student's school (the responsible
    school, HB-8), with its first plan version (HB-2, HB-3) and any eligibility confirmations (HB-1)."""
    _require(actor, "homebound.manage", student, field="student_id")
    unknown = set(plan) - set(PLAN_KEYS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    # The year in course by the student's school calendar (ORG-2: a district may start its year later).
    school_year = school_year or current_school_year(student.school if student.school_id else None, today())
    if school_year is None:
        raise DomainError(_("There is no current school year."), field="school_year")
    errors = []
    if student.placement != "homebound" or student.status != "active":
        errors.append(_err("student_id", _("Only a student in school placed in home-delivered education is "
                                           "enrolled here."), "not_homebound"))
    if Enrolment.objects.filter(student=student, school_year=school_year).exists():
        errors.append(_err("student_id", _("%(name)s already has an enrolment for %(year)s.")
                           % {"name": student.name, "year": school_year.name}, "duplicate"))
    school = student.school
    errors += _delivering(delivering_school, delivering_centre, school)
    values = _plan_values(plan, None, school, errors)
    errors += check_teachers(values["teacher_ids"], school, school_year)
    first, last = school_year_dates(school_year, school)  # the school's own calendar (ORG-2)
    start = start_date or max(first, min(today(), last))
    if not first <= start <= last:
        errors.append(_err("start_date", _("The start date lies within the school year.")))
    e = Enrolment(student=student, school=school, region_path=school.region_path, school_year=school_year,
                  place=(place or "").strip()[:200], delivering_school=delivering_school,
                  delivering_centre=delivering_centre, start_date=start, created_by=actor,
                  required_year=Decimal(str(param(school, "homebound_hours_per_year"))))
    e.confirmations = _confirmations(e, eligibility or {}, actor, errors)
    raise_coded(errors)
    with transaction.atomic():
        e.teacher_names = _teacher_names(values["teacher_ids"])
        e.save()
        PlanVersion.objects.create(enrolment=e, number=1, effective_from=start, created_by=actor, **values)
        audit.record(actor, "homebound.enrolment.opened", e, changes={
            "student": [None, student.pk], "school_year": [None, school_year.name], "teachers": [None,
                                                                                                values["teacher_ids"]]})
        return e


def _delivering(delivering_school, delivering_centre, school) -> list[dict]:
    errors = []
    if delivering_school is not None and delivering_school.region_id != school.region_id:
        errors.append(_err("delivering_school_id", _("The delivering school is in the responsible school's "
                                                     "district.")))
    if delivering_centre is not None and delivering_centre.region_id != school.region_id:
        errors.append(_err("delivering_centre_id", _("The delivering resource centre is the district's.")))
    return errors


EDITABLE = ("place", "delivering_school", "delivering_centre", "eligibility", "state", "end_reason",
            "effective_from", *PLAN_KEYS)


def enrolment_update(*, actor, enrolment: Enrolment, version: int | None = None, **fields) -> Enrolment:
    """Change an enrolment: place, delivering body, eligibility confirmations; the plan (teachers, weekly visits,
    hours per visit, curriculum, goals) as a new version effective from ``effective_from`` (default today; a
    draft's plan is replaced in place of its start); ``state`` → active (every criterion met, else 422
    not_eligible naming each) or → ended (with ``end_reason``)."""
    _require(actor, "homebound.manage", enrolment)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    with transaction.atomic():
        e = Enrolment.objects.select_for_update().select_related("student", "school__region", "school_year").get(
            pk=enrolment.pk)
        check_version(e, version)
        errors = []
        changes = {}
        if e.state == Enrolment.ENDED:
            raise DomainError(_("An ended enrolment does not change."), code="invalid_transition", field="state")
        if "place" in fields and fields["place"] is not None:
            changes["place"] = [e.place, str(fields["place"]).strip()[:200]]
            e.place = changes["place"][1]
        for k in ("delivering_school", "delivering_centre"):
            if k in fields:
                changes[k] = [getattr(e, f"{k}_id"), getattr(fields[k], "pk", None)]
                setattr(e, k, fields[k])
        errors += _delivering(e.delivering_school, e.delivering_centre, e.school)
        if fields.get("eligibility") is not None:
            before = dict(e.confirmations)
            e.confirmations = _confirmations(e, fields["eligibility"], actor, errors)
            changes["eligibility"] = [sorted(before), sorted(e.confirmations)]
        plan_data = {k: fields[k] for k in PLAN_KEYS if fields.get(k) is not None}
        new_plan = None
        if plan_data:
            base = current_plan(e, fields.get("effective_from"))
            values = _plan_values(plan_data, base, e.school, errors)
            errors += check_teachers(values["teacher_ids"], e.school, e.school_year)
            effective = fields.get("effective_from") or (e.start_date if e.state == Enrolment.DRAFT
                                                         else max(today(), e.start_date))
            first, last = school_year_dates(e.school_year, e.school)
            if not first <= effective <= last:
                errors.append(_err("effective_from", _("The plan takes effect within the school year.")))
            new_plan = (values, effective)
        target = fields.get("state")
        if target and target != e.state:
            if target == Enrolment.ACTIVE and e.state == Enrolment.DRAFT:
                pass
            elif target == Enrolment.ENDED and e.state == Enrolment.ACTIVE:
                if not (fields.get("end_reason") or "").strip():
                    errors.append(_err("end_reason", _("Say why the enrolment ends."), "required"))
            else:
                errors.append(_err("state", _("This step is not allowed."), "invalid_transition"))
        raise_coded(errors)
        if new_plan:
            values, effective = new_plan
            number = e.plan_versions.count() + 1
            PlanVersion.objects.create(enrolment=e, number=number, effective_from=effective, created_by=actor,
                                       **values)
            e.teacher_names = _teacher_names(current_plan(e).teacher_ids)
            changes["plan"] = [number - 1, number]
        if target == Enrolment.ACTIVE and e.state == Enrolment.DRAFT:
            _activate(e)
            changes["state"] = [Enrolment.DRAFT, Enrolment.ACTIVE]
        elif target == Enrolment.ENDED and e.state == Enrolment.ACTIVE:
            e.state, e.ended_at, e.end_reason = Enrolment.ENDED, timezone.now(), fields["end_reason"].strip()[:200]
            changes["state"] = [Enrolment.ACTIVE, Enrolment.ENDED]
        if not changes:
            return e
        e.version += 1
        e.save()
        audit.record(actor, "homebound.enrolment.changed", e, changes=changes)
        if new_plan and e.state == Enrolment.ACTIVE:
            from suiban.homebound.visits import refresh_enrolment

            refresh_enrolment(e, since=new_plan[1])
        return e


def _activate(e: Enrolment) -> None:
    """HB-1/HB-2: every criterion met and at least teachers_per_visit teachers from the filed pool planned."""
    errors = []
    for c, item in eligibility(e).items():
        if not item["met"]:
            errors.append(_err(f"eligibility.{c}", _("Not met: %(label)s.") % {"label": item["label"]},
                               "not_eligible"))
    plan = current_plan(e)
    errors += check_teachers(plan.teacher_ids if plan else [], e.school, e.school_year,
                             minimum=param(e.school, "teachers_per_visit"))
    if errors:
        raise_coded(errors)
    e.state, e.activated_at = Enrolment.ACTIVE, timezone.now()
    e.required_year = Decimal(str(param(e.school, "homebound_hours_per_year")))


def document_add(*, actor, enrolment: Enrolment, uploaded_file, criterion: str = "") -> EnrolmentDocument:
    """Upload a document evidencing a criterion (medical certification, entry assessment …; HB-1, HB-6)."""
    from suiban.homebound.files import check_media, store

    _require(actor, "homebound.manage", enrolment)
    if criterion and criterion not in CRITERIA:
        raise DomainError(_("Unknown criterion."), field="criterion")
    kind = check_media(uploaded_file, documents=True)
    doc = EnrolmentDocument(enrolment=enrolment, criterion=criterion,
                            name=(uploaded_file.name or "file").rsplit("/", 1)[-1][:200])
    return store(doc, kind, uploaded_file, actor=actor, action="homebound.document.uploaded", audit_obj=enrolment)
