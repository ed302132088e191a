"""Student services (PL-1..PL-4, PL-11, PL-12, SEC-4..SEC-6): validated, audited, atomic."""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban import policy
from suiban.core import audit, divisions
from suiban.core.crypto import lookup_hash, lookup_hashes, mask_id, mask_student_number
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.grades import grade_label
from suiban.core.idnumbers import parse_id_number, validate_certificate_number, validate_student_number
from suiban.core.scoping import can, has_perm
from suiban.core.services import check_version, raise_errors, validate
from suiban.core.services import field_error as _err
from suiban.core.text import check_text, control_message, has_control_chars, pinyin_key
from suiban.org.models import SchoolClass
from suiban.students.models import (
    ACTIVE_STATUSES,
    CAPPED_PLACEMENT,
    INCLUSION_PLACEMENTS,
    Deferral,
    ExamAccommodation,
    Guardian,
    LeavingRecord,
    PlacementRecord,
    Student,
)
from suiban.students.signals import students_moved

EDITABLE = ["name", "gender", "birth_date", "id_number", "student_number", "hukou_region_code", "school",
            "school_class", "grade", "disability_category", "disability_grade", "certificate_number",
            "certificate_issued_on", "certified_by", "placement", "status", "enrolled_on", "family_situation",
            "medical_notes"]
# What the audit row records of a change. The numbers and notes are recorded only as changed
# (audit.SENSITIVE_KEYS hides their values, SEC-3/SEC-4): the keyed hashes tell whether a number changed.
AUDITED = ["name", "gender", "birth_date", "hukou_region_code", "school",
           "school_class", "grade", "disability_category", "disability_grade",
           "certificate_issued_on", "certified_by", "placement", "status", "enrolled_on"]
SENSITIVE_CHANGED = ["id_number", "student_number", "certificate_number", "family_situation", "medical_notes"]


def check_record(s: Student) -> list[dict]:
    """PL-1: every field checked; one clear message per bad field."""
    errors = []
    if s.id_number:
        s.id_number = s.id_number.strip().upper()
        try:
            info = parse_id_number(s.id_number)
        except ValueError as exc:
            errors.append(_err("id_number", exc))
        else:
            if s.birth_date and info["birth_date"] != s.birth_date:
                errors.append(_err("birth_date", _("The birth date does not match the identity number.")))
            if s.gender and info["gender"] != s.gender:
                errors.append(_err("gender", _("The gender does not match the identity number (17th digit).")))
    if s.student_number:
        s.student_number = s.student_number.strip().upper()
        try:
            validate_student_number(s.student_number, s.id_number)
        except ValueError as exc:
            errors.append(_err("student_number", exc))
    if s.certificate_number:
        s.certificate_number = s.certificate_number.strip().upper()
        try:
            validate_certificate_number(s.certificate_number, id_number=s.id_number,
                                        category=s.disability_category, grade=s.disability_grade)
        except ValueError as exc:
            errors.append(_err("certificate_number", exc))
        if not s.disability_grade:
            errors.append(_err("disability_grade", _("Enter the disability grade shown on the certificate.")))
    if s.hukou_region_code and not (len(s.hukou_region_code) == 6 and s.hukou_region_code.isdigit()):
        errors.append(_err("hukou_region_code", _("A region code has exactly 6 digits (GB/T 2260).")))
    elif (s.hukou_region_code and s.hukou_region_code != getattr(s, "_stored_hukou", None)
          and not divisions.exists(s.hukou_region_code)):
        # PL-1: a new or changed household registration is a county-level division of GB/T 2260 (the
        # maintained dataset); a code stored before a division was merged stays readable until it is changed.
        errors.append(_err("hukou_region_code", _("This code is not a county-level division of the current "
                                                  "GB/T 2260 list; choose the province, city and county.")))
    if s.birth_date and s.birth_date > timezone.localdate():
        errors.append(_err("birth_date", _("The birth date is in the future.")))
    if s.school_id and s.grade and s.grade not in s.school.allowed_grades():
        errors.append(_err("grade", _("This school does not teach %(grade)s.") % {"grade": grade_label(s.grade)}))
    if s.school_class_id:
        sc = s.school_class
        if sc.school_id != s.school_id:
            errors.append(_err("class_id", _("The class belongs to another school.")))
        elif s.grade and sc.grade != s.grade:
            errors.append(_err("class_id", _("The class is in %(c)s but the student is in %(s)s.")
                               % {"c": grade_label(sc.grade), "s": grade_label(s.grade)}))
        if sc.is_special and s.placement == CAPPED_PLACEMENT:  # PL-2: 随班就读 means an ordinary class
            errors.append(_err("class_id", _("This is a special class attached to the school: a student in "
                                             "inclusion in an ordinary class is placed in an ordinary class.")))
    return errors


def _check_and_derive(s: Student):
    """The record's own rules (PL-1, identity numbers), its derived columns, no duplicate, the model's
    validators — each step refusing with every field error it found."""
    raise_errors(check_record(s))
    _derive(s)
    raise_errors(_check_duplicates(s))
    validate(s)


def _derive(s: Student):
    s.region_path = s.school.region_path
    s.name_pinyin = pinyin_key(s.name)  # PL-13: pinyin order on every database
    s.id_number_hash = lookup_hash(s.id_number)
    s.id_number_masked = mask_id(s.id_number)
    s.student_number_hash = lookup_hash(s.student_number)
    s.student_number_masked = mask_student_number(s.student_number)
    s.certificate_masked = mask_id(s.certificate_number)


def _check_duplicates(s: Student) -> list[dict]:
    errors = []
    if s.id_number and Student.objects.filter(id_number_hash__in=lookup_hashes(s.id_number)).exclude(pk=s.pk).exists():
        errors.append(_err("id_number", _("A student with this identity number exists already."), "duplicate"))
    if Student.objects.filter(student_number_hash__in=lookup_hashes(s.student_number)).exclude(pk=s.pk).exists():
        errors.append(_err("student_number", _("A student with this national student number exists already."),
                           "duplicate"))
    return errors


def class_cap_check(school_class: SchoolClass, *, exclude_student_id=None, lock=True) -> list[str]:
    """PL-4: refuse beyond the hard maximum; warn beyond the advised maximum. Returns warnings.

    The cap is that of an ordinary class and counts its students in inclusion placed there (随班就读); a special
    class attached to the school (附设特教班, PL-2) has no such cap, and its pupils count against no ordinary
    class. The class row is locked (SELECT … FOR UPDATE) so that two placements racing for the last seat are
    serialised: the second one sees the first one's student and is refused.
    """
    if school_class.is_special:
        return []
    if lock:
        SchoolClass.objects.select_for_update().filter(pk=school_class.pk).first()
    current = capped_count(school_class, exclude_student_id=exclude_student_id)
    hard = policy.value(school_class.school, "class_hard_max")
    advised = policy.value(school_class.school, "class_advised_max")
    after = current + 1
    if after > hard:
        raise DomainError(
            _("%(cls)s already has %(n)d students in inclusion; at most %(max)d are allowed per class.")
            % {"cls": school_class.name, "n": current, "max": hard},
            code="class_full", errors=[_err("class_id", _("The class is full: at most %(max)d students in "
                                                          "inclusion per class.") % {"max": hard}, "class_full")])
    if after > advised:
        return [_("%(cls)s will have %(n)d students in inclusion; %(adv)d per class is advised.")
                % {"cls": school_class.name, "n": after, "adv": advised}]
    return []


def capped_count(school_class: SchoolClass, *, exclude_student_id=None) -> int:
    """PL-4: the students that count against the cap of an ordinary class (active, placed 随班就读)."""
    return (Student.objects.filter(school_class=school_class, placement=CAPPED_PLACEMENT, status__in=ACTIVE_STATUSES)
            .exclude(pk=exclude_student_id).count())


def _counts_in_class(s: Student) -> bool:
    """Whether the student takes one of the capped seats of an ordinary class (PL-4)."""
    return (bool(s.school_class_id) and s.placement == CAPPED_PLACEMENT and s.status in ACTIVE_STATUSES
            and not s.school_class.is_special)


def _require_in_scope(actor, perm, obj, field):
    if obj is None or not can(actor, perm, obj):
        # the same answer as for an id that does not exist: nothing tells an out-of-scope object apart (SEC-2)
        raise DomainError(_("The object does not exist or is outside your scope."), field=field)


def _set_guardians(student, guardians, actor):
    if guardians is None:
        return None
    errors = []
    for i, g in enumerate(guardians):
        for key in ("name", "relation", "phone"):
            if has_control_chars(g.get(key) or ""):
                errors.append(_err(f"guardians[{i}].{key}", control_message(), "control_characters"))
        if not (g.get("name") or "").strip():
            errors.append(_err(f"guardians[{i}].name", _("Enter the guardian's name.")))
        if not (g.get("relation") or "").strip():
            errors.append(_err(f"guardians[{i}].relation", _("Enter the relation to the student.")))
        phone = (g.get("phone") or "").strip()
        if phone and not all(c.isdigit() or c in "-+ " for c in phone):
            errors.append(_err(f"guardians[{i}].phone", _("Enter a valid phone number.")))
    raise_errors(errors)
    before = [{"name": g.name, "relation": g.relation} for g in student.guardians.all()]
    student.guardians.all().delete()
    Guardian.objects.bulk_create([Guardian(student=student, name=g["name"].strip(), relation=g["relation"].strip(),
                                           phone=(g.get("phone") or "").strip()) for g in guardians])
    after = [{"name": g["name"].strip(), "relation": g["relation"].strip()} for g in guardians]
    return None if before == after else [before, after]


def student_create(*, actor, guardians=None, committee_opinion: str = "", **fields) -> tuple[Student, list[str]]:
    """Create a student record; placing into a class applies the class cap (PL-4). Returns (student, warnings)."""
    if not has_perm(actor, "students.edit"):
        raise PermissionDenied()
    school = fields.get("school")
    _require_in_scope(actor, "students.edit", school, "school_id")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    check_text(committee_opinion, "committee_opinion", multiline=True)
    with transaction.atomic():
        s = Student(**fields)
        _check_and_derive(s)
        warnings = class_cap_check(s.school_class) if _counts_in_class(s) else []
        s.save()
        _set_guardians(s, guardians or [], actor)
        PlacementRecord.objects.create(
            student=s, placement=s.placement, school=s.school, school_class=s.school_class,
            effective_date=s.enrolled_on or timezone.localdate(),
            committee_opinion=committee_opinion or _("Initial placement recorded with the student record."),
            recorded_by=actor)
        changes = {k: [None, v] for k, v in audit.snapshot(s, AUDITED).items()}
        changes.update({k: [None, audit.SET] for k in SENSITIVE_CHANGED if getattr(s, k)})
        audit.record(actor, "students.student.created", s, changes=changes)
        return s, warnings


def student_update(*, actor, student: Student, version: int | None, guardians=None, committee_opinion: str = "",
                   case=None, **fields) -> tuple[Student, list[str]]:
    """Edit a record with the version read (SEC-6). A placement or class change keeps its history (PL-2)."""
    if not can(actor, "students.edit", student):
        raise PermissionDenied()
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    if "school" in fields and fields["school"] != student.school:
        _require_in_scope(actor, "students.edit", fields["school"], "school_id")
    check_text(committee_opinion, "committee_opinion", multiline=True)
    with transaction.atomic():
        s = Student.objects.select_for_update().get(pk=student.pk)
        if version is None:
            raise DomainError(_("Send the version you read."), field="version")
        check_version(s, version)
        before = audit.snapshot(s, AUDITED)
        before_sensitive = {k: getattr(s, k) for k in SENSITIVE_CHANGED}
        old_place = (s.placement, s.school_id, s.school_class_id)
        was_counted = _counts_in_class(s)
        if "grade" in fields and fields["grade"] is not None and fields["grade"] < s.grade:
            raise DomainError(_("A student cannot repeat a grade: the grade cannot go down."),
                              code="no_grade_repetition", field="grade")
        s._stored_hukou = s.hukou_region_code
        for k, v in fields.items():
            setattr(s, k, v)
        _check_and_derive(s)
        warnings = []
        new_place = (s.placement, s.school_id, s.school_class_id)
        # PL-4: any change that makes the student count in a class (another class, a placement into
        # inclusion, or a status back to active) is checked against the cap.
        if _counts_in_class(s) and not (was_counted and old_place[2] == s.school_class_id):
            warnings = class_cap_check(s.school_class, exclude_student_id=s.pk)
        if new_place != old_place and old_place[0] != s.placement and not committee_opinion.strip():
            raise DomainError(_("A placement decision records the expert committee's opinion."),
                              field="committee_opinion")
        s.version += 1
        s.save()
        if old_place[1] != s.school_id:
            students_moved.send(sender=Student, moves=[(s, old_place[1])], actor=actor)
        guardian_change = _set_guardians(s, guardians, actor)
        if new_place != old_place:
            PlacementRecord.objects.create(
                student=s, placement=s.placement, school=s.school, school_class=s.school_class,
                effective_date=timezone.localdate(),
                committee_opinion=committee_opinion.strip() or _("Class change within the same placement."),
                case=case, recorded_by=actor)
        changes = audit.diff(before, audit.snapshot(s, AUDITED))
        for k in SENSITIVE_CHANGED:  # recorded as changed, never with the values (SEC-3, SEC-4)
            if getattr(s, k) != before_sensitive[k]:
                changes[k] = [audit.CHANGED, audit.CHANGED]
        if guardian_change:
            changes["guardians"] = guardian_change
        audit.record(actor, "students.student.updated", s, changes=changes)
        return s, warnings


def place_in_class(*, actor, student: Student, school_class: SchoolClass | None, version: int | None,
                   committee_opinion: str = "") -> tuple[Student, list[str]]:
    if school_class is not None:
        _require_in_scope(actor, "students.edit", school_class, "class_id")
    return student_update(actor=actor, student=student, version=version, school_class=school_class,
                          committee_opinion=committee_opinion)


def change_placement(*, actor, student: Student, placement: str, committee_opinion: str, version: int | None,
                     school_class=None, case=None) -> tuple[Student, list[str]]:
    """PL-2: a placement decision with the expert committee's opinion; the earlier one stays in the history."""
    if not (committee_opinion or "").strip():
        raise DomainError(_("A placement decision records the expert committee's opinion."), field="committee_opinion")
    fields = {"placement": placement}
    if placement not in INCLUSION_PLACEMENTS:
        fields["school_class"] = None
    elif school_class is not None:
        fields["school_class"] = school_class
    return student_update(actor=actor, student=student, version=version, committee_opinion=committee_opinion,
                          case=case, **fields)


def certificate_expiry(student: Student, today: date | None = None) -> dict | None:
    """PL-1: a disability certificate is valid ⚙ 10 years; warn ⚙ 90 days before it expires."""
    if not student.certificate_issued_on:
        return None
    today = today or timezone.localdate()
    years = policy.value(student.school, "certificate_validity_years")
    issued = student.certificate_issued_on
    try:
        expires = issued.replace(year=issued.year + years)
    except ValueError:  # 29 February
        expires = issued.replace(year=issued.year + years, day=28)
    days_left = (expires - today).days
    warn_days = policy.value(student.school, "certificate_warning_days")
    return {"expires_on": expires, "days_left": days_left, "expired": days_left < 0,
            "warning": days_left <= warn_days}


def view_recorded(*, actor, student: Student, what: str = "viewed") -> None:
    """ORG-5/SEC-3: every view of a student's record is audited (action ends in .viewed)."""
    audit.record(actor, f"students.student.{what}", student)


def identity_visible(actor, student: Student) -> bool:
    return can(actor, "students.view_identity", student)


REVEALABLE = ("id_number", "certificate_number", "student_number")


def check_purpose(purpose) -> str:
    """A full number is shown only with a stated purpose (SEC-4): 422 on the purpose field otherwise."""
    purpose = (purpose or "").strip()
    if not purpose:
        raise DomainError(_("State the purpose for which the full number is needed."), field="purpose")
    if len(purpose) > 200:
        raise DomainError(_("Ensure this value has at most %(max)d characters.") % {"max": 200}, field="purpose")
    check_text(purpose, "purpose")
    return purpose


def number_reveal(*, actor, student: Student, field: str, purpose: str) -> str:
    """Privacy by default (ORG-5, SEC-4): one full number of one student, for a role that may see it, with
    the purpose; audited as students.<field>.revealed (the purpose, never the number)."""
    if field not in REVEALABLE:
        raise DomainError(_("Unknown field."), field="field")
    if not can(actor, "students.view_identity", student):
        raise PermissionDenied()
    purpose = check_purpose(purpose)
    value = getattr(student, field)
    audit.record(actor, f"students.{field}.revealed", student, changes={"field": field, "purpose": purpose})
    return value


# --- deferral, leaving, accommodations ---------------------------------------------------------
def deferral_record(*, actor, student: Student, applicant: str, applied_on: date, approver_body: str,
                    approver_name: str, approved_on: date, deferred_until: date, reason: str = "") -> Deferral:
    """PL-3: deferred enrolment needs the guardian's application and an approval; kept with dates."""
    if not can(actor, "students.edit", student):
        raise PermissionDenied()
    with transaction.atomic():
        d = Deferral(student=student, applicant=applicant, applied_on=applied_on, approver_body=approver_body,
                     approver_name=approver_name, approved_on=approved_on, deferred_until=deferred_until,
                     reason=reason, recorded_by=actor)
        errors = []
        if approved_on and applied_on and approved_on < applied_on:
            errors.append(_err("approved_on", _("The approval cannot precede the application.")))
        if deferred_until and approved_on and deferred_until <= approved_on:
            errors.append(_err("deferred_until", _("The deferral must end after the approval.")))
        raise_errors(errors)
        validate(d, exclude=["recorded_by"])
        d.save()
        Student.objects.filter(pk=student.pk).update(status="deferred", version=student.version + 1)
        audit.record(actor, "students.deferral.recorded", student,
                     changes={"status": [student.status, "deferred"], "deferred_until": [None, deferred_until]})
        return d


def propose_leaving_outcome(student: Student, *, today: date | None = None, criteria_met: bool | None = None) -> tuple:
    """PL-11: 肄业 at the age limit without finishing; 毕业 when all nine years done and criteria met
    (incl. make-up exams); otherwise 结业."""
    today = today or timezone.localdate()
    age_limit = policy.value(student.school, "attendance_certificate_age")
    if student.age_on(today) >= age_limit and student.grade < 9:
        return "attended", _("Age %(age)d reached before finishing grade 9.") % {"age": age_limit}
    if student.grade < 9:
        return None, _("Not yet in grade 9.")
    if student.age_on(today) >= age_limit and criteria_met is None:
        return "attended", _("Age %(age)d reached.") % {"age": age_limit}
    if criteria_met is False:
        return "completed", _("All nine years' courses done but the graduation criteria are not met.")
    return "graduated", _("All nine years' courses done and the graduation criteria met.")


def leaving_propose(*, actor, student: Student, criteria_met: bool | None = True) -> LeavingRecord:
    # The school proposes; the year rollover (students.rollover) proposes for grade 9 (PL-11).
    if not (can(actor, "students.edit", student) or can(actor, "students.rollover", student)):
        raise PermissionDenied()
    outcome, basis = propose_leaving_outcome(student, criteria_met=criteria_met)
    if outcome is None:
        raise DomainError(basis, field="outcome")
    with transaction.atomic():
        rec = LeavingRecord.objects.create(student=student, proposed_outcome=outcome, basis=basis)
        audit.record(actor, "students.leaving.proposed", student, changes={"proposed_outcome": [None, outcome]})
        return rec


def leaving_confirm(*, actor, record: LeavingRecord, outcome: str | None = None) -> LeavingRecord:
    """The school confirms (or corrects) the proposed outcome; the student's status follows."""
    if not can(actor, "students.confirm_leaving", record.student):
        raise PermissionDenied()
    outcome = outcome or record.proposed_outcome
    if outcome not in dict(LeavingRecord.OUTCOMES):
        raise DomainError(_("Choose 毕业, 结业 or 肄业."), field="outcome")
    with transaction.atomic():
        record.outcome, record.confirmed_by, record.confirmed_at = outcome, actor, timezone.now()
        record.save(update_fields=["outcome", "confirmed_by", "confirmed_at"])
        s = record.student
        Student.objects.filter(pk=s.pk).update(status=outcome, school_class=None, version=s.version + 1)
        audit.record(actor, "students.leaving.confirmed", s, changes={"status": [s.status, outcome]})
        return record


def accommodation_record(*, actor, student: Student, exam: str, exam_year: int, requested: str, granted: str = "",
                         decided_on: date | None = None) -> ExamAccommodation:
    """PL-12: accommodations requested/granted for the 中考 or the special admission exam."""
    if not can(actor, "students.edit", student):
        raise PermissionDenied()
    with transaction.atomic():
        a = ExamAccommodation(student=student, exam=exam, exam_year=exam_year, requested=requested,
                              granted=granted, decided_on=decided_on, recorded_by=actor)
        validate(a, exclude=["recorded_by"])
        a.save()
        audit.record(actor, "students.accommodation.recorded", student,
                     changes={"exam": [None, exam], "requested": [None, requested], "granted": [None, granted]})
        return a


def find_by_id_number(user, id_number: str):
    """Lookup by identity number through the keyed hash (SEC-4), within the user's scope."""
    return Student.objects.visible_to(user).filter(id_number_hash__in=lookup_hashes(id_number))


def search_q(term: str) -> Q:
    term = term.strip()
    q = Q(name__contains=term) | Q(student_number_hash__in=lookup_hashes(term))
    if len(term) == 18:
        q |= Q(id_number_hash__in=lookup_hashes(term))
    return q


