"""Start of a new school year (ORG-2, PL-4, PL-7, PL-11): classes of the new year, promotion, leaving, 小升初.

``start_school_year(actor=…, start_year=2027)`` does, for every school in the actor's scope (or the schools
given):

1. **The school year** ``start_year``-``start_year+1`` is created if missing, with its two terms, from the
   same policy dates as ``suiban.org.services.school_year_create`` (ORG-2). That service needs
   ``org.manage_regions``, which a bureau officer — the person who starts the year for a district — does
   not hold. A school year is one calendar row shared by every school (it is not region-scoped), so
   creating it is a precondition of the rollover rather than a separate privilege: it is written here,
   audited (``org.school_year.created``) under the real actor's name with ``"via": "students.rollover"``.
   Calling the org service with a borrowed system account would have put someone else's name on it.
2. **Classes of the new year** mirror this year's: ``X年级（n）班`` of grade g becomes ``(X+1)年级（n）班`` of
   grade g+1 (``suiban.org.models.class_name``), skipping grades the school does not teach; the entry
   grade (一年级 / 七年级) is mirrored too so that the new intake has classes. Classes that exist already
   (created by hand) are reused. Class teachers are not carried over: their role assignments are bound to
   a class and are the school's decision. Created through ``org.services.class_create`` (audited).
3. **Active students move up one grade** (never down, never twice — PL-11), into the class with the same
   number. The class cap applies (PL-4 via ``services.class_cap_check``): a student the new class cannot
   take because it would exceed the hard maximum is promoted without a class and listed under
   ``unplaced`` — the cap is never exceeded. Students out of class (送教上门, remote, awaiting) move up a
   grade without a class. Deferred, transferred and leaving students are left alone. Each class change
   keeps its history as a ``PlacementRecord`` (PL-2), each promotion writes ``students.student.promoted``.
4. **Grade-9 students** get a leaving-outcome proposal (PL-11, ``services.leaving_propose``); the school
   confirms later. They stay in their class until then.
5. **Grade-6 students of a primary school** get a transfer case to a junior-secondary school (小升初):
   kind ``transfer``, state ``submitted``, the receiving school being the junior or nine-year school of
   the same district with the lowest code (none: listed under ``no_receiving_school`` for the bureau).
   They keep their grade and class until the case takes effect.

Idempotent: every school's rollover for a start year writes one ``students.year.rolled_over`` audit row,
checked (under a lock on the school row) before anything is done; a second run reports the school as
``skipped``. The pieces are defensive too (classes looked up by name, students already in a class of the
new year not moved, no second open proposal or transfer case).

Each school is one transaction: a failure leaves that school as it was (SEC-5) while the schools before
it stay rolled over; running again finishes the rest.
"""

import re
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban import policy
from suiban.core import audit
from suiban.core.errors import DomainError, NotFound, PermissionDenied
from suiban.core.models import AuditEvent
from suiban.core.scoping import has_perm
from suiban.core.services import validate
from suiban.org import services as org_services
from suiban.org.models import GRADE_NUMERALS, School, SchoolClass, SchoolYear, Term, class_name
from suiban.students import services
from suiban.students.cases import services as cases
from suiban.students.models import (
    CAPPED_PLACEMENT,
    INCLUSION_PLACEMENTS,
    Case,
    CaseEvent,
    LeavingRecord,
    PlacementRecord,
    Student,
)

PERMISSION = "students.rollover"
ROLLED_OVER = "students.year.rolled_over"
LAST_GRADE = 9
LAST_PRIMARY_GRADE = 6
_CLASS_NUMBER = re.compile(r"[（(]\s*(\d+)\s*[）)]")


# --- the school year -----------------------------------------------------------------------------------
def _md(year: int, month_day: str) -> date:
    m, d = (int(x) for x in month_day.split("-"))
    return date(year, m, d)


def ensure_school_year(*, actor, start_year: int) -> tuple[SchoolYear, bool]:
    """The school year ``start_year`` with its two terms, created from the policy dates if missing (ORG-2)."""
    sy = SchoolYear.objects.filter(start_year=start_year).first()
    if sy is not None:
        return sy, False
    start = _md(start_year, policy.value(None, "school_year_start"))
    end = _md(start_year + 1, policy.value(None, "school_year_start")) - timedelta(days=1)
    try:
        with transaction.atomic():
            sy = SchoolYear(start_year=start_year, start_date=start, end_date=end)
            validate(sy)
            sy.save()
            Term.objects.create(school_year=sy, number=1, start_date=start,
                                end_date=_md(start_year + 1, policy.value(None, "term1_end")))
            Term.objects.create(school_year=sy, number=2,
                                start_date=_md(start_year + 1, policy.value(None, "term2_start")),
                                end_date=_md(start_year + 1, policy.value(None, "term2_end")))
            audit.record(actor, "org.school_year.created", sy,
                         changes={"start_year": [None, start_year], "start_date": [None, start],
                                  "end_date": [None, end], "via": "students.rollover"})
    except (IntegrityError, DomainError):
        existing = SchoolYear.objects.filter(start_year=start_year).first()
        if existing is None:
            raise
        return existing, False  # another rollover created it at the same moment
    return sy, True


# --- helpers ------------------------------------------------------------------------------------------
def _class_number(sc: SchoolClass, same_grade: list[SchoolClass]) -> int:
    """The n of "X年级（n）班"; for a name in another style, the class's position among its grade's classes."""
    m = _CLASS_NUMBER.search(sc.name)
    if m:
        return int(m.group(1))
    return [c.pk for c in same_grade].index(sc.pk) + 1


def junior_school_for(school: School) -> School | None:
    """The receiving school of 小升初: the junior or nine-year school of the district with the lowest code."""
    return (School.objects.filter(region_id=school.region_id, kind__in=(School.JUNIOR, School.NINE_YEAR),
                                  is_active=True).order_by("code").first())


def already_rolled_over(school: School, start_year: int) -> bool:
    return AuditEvent.objects.filter(action=ROLLED_OVER, object_type="school", object_id=str(school.pk),
                                     changes__start_year=start_year).exists()


def schools_in_scope(actor, codes=None) -> list[School]:
    """The schools the actor may roll over; a named school outside the scope does not exist (ORG-4)."""
    if not has_perm(actor, PERMISSION):
        raise PermissionDenied()
    visible = School.objects.visible_to(actor, PERMISSION).filter(is_active=True)
    if codes is None:
        return list(visible.order_by("code"))
    wanted = [s.code if isinstance(s, School) else str(s) for s in codes]
    found = {s.code: s for s in visible.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise NotFound(_("School %(code)s does not exist or is outside your scope.") % {"code": missing[0]},
                       field="school")
    return [found[c] for c in wanted]


# --- the rollover -------------------------------------------------------------------------------------
def start_school_year(*, actor, start_year: int, schools=None) -> dict[str, dict]:
    """Start school year ``start_year`` for the schools in scope; returns a summary per school code."""
    targets = schools_in_scope(actor, schools)
    previous = SchoolYear.objects.filter(start_year=start_year - 1).first()
    if previous is None:
        raise DomainError(_("There is no school year %(year)s to move up from.")
                          % {"year": f"{start_year - 1}-{start_year}"}, field="start_year")
    new_year, _created = ensure_school_year(actor=actor, start_year=start_year)
    return {school.code: _roll_school(actor, school, previous, new_year) for school in targets}


def _roll_school(actor, school: School, previous: SchoolYear, new_year: SchoolYear) -> dict:
    summary = {"school": school.code, "name": school.name, "school_year": new_year.name, "skipped": False,
               "classes_created": 0, "promoted": 0, "leaving_proposed": 0, "transfers": 0, "unplaced": [],
               "no_receiving_school": [], "warnings": []}
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()  # one rollover of a school at a time
        if already_rolled_over(school, new_year.start_year):
            summary["skipped"] = True
            return summary
        class_map = _mirror_classes(actor, school, previous, new_year, summary)
        receiving = junior_school_for(school) if school.kind == School.PRIMARY else None
        students = list(Student.objects.select_for_update(of=("self",)).filter(school=school, status="active")
                        .select_related("school", "school_class").order_by("grade", "school_class_id", "id"))
        open_leaving = set(LeavingRecord.objects.filter(student__in=students, outcome="")
                           .values_list("student_id", flat=True))
        open_transfer = set(Case.objects.filter(student__in=students, kind="transfer", state__in=Case.OPEN_STATES)
                            .values_list("student_id", flat=True))
        allowed = set(school.allowed_grades())
        for s in students:
            if s.school_class_id and s.school_class.school_year_id == new_year.pk:
                continue  # already in a class of the new year
            if s.grade + 1 in allowed:
                _promote(actor, s, class_map, new_year, summary)
            elif s.grade == LAST_GRADE and s.pk not in open_leaving:
                services.leaving_propose(actor=actor, student=s, criteria_met=None)
                summary["leaving_proposed"] += 1
            elif school.kind == School.PRIMARY and s.grade == LAST_PRIMARY_GRADE and s.pk not in open_transfer:
                if receiving is None:  # no junior-secondary school in the district: the bureau decides by hand
                    summary["no_receiving_school"].append(s.pk)
                else:
                    _transfer_case(actor, s, receiving, new_year)
                    summary["transfers"] += 1
        audit.record(actor, ROLLED_OVER, school, changes={
            "start_year": new_year.start_year, "classes_created": summary["classes_created"],
            "promoted": summary["promoted"], "leaving_proposed": summary["leaving_proposed"],
            "transfers": summary["transfers"], "unplaced": summary["unplaced"],
            "no_receiving_school": summary["no_receiving_school"]})
    return summary


def _mirror_classes(actor, school, previous, new_year, summary) -> dict[int, SchoolClass]:
    """Create next year's classes; returns {class of this year: class of the next grade in the new year}."""
    allowed = school.allowed_grades()
    entry = min(allowed)
    old = list(SchoolClass.objects.filter(school=school, school_year=previous).order_by("grade", "name", "id"))
    existing = {c.name: c for c in SchoolClass.objects.filter(school=school, school_year=new_year)}
    by_grade: dict[int, list[SchoolClass]] = {}
    for c in old:
        by_grade.setdefault(c.grade, []).append(c)

    def get_or_create(grade, number):
        name = class_name(grade, number)
        sc = existing.get(name)
        if sc is None:
            sc = org_services.class_create(actor=actor, school=school, school_year=new_year, grade=grade, name=name)
            existing[name] = sc
            summary["classes_created"] += 1
        return sc if sc.grade == grade and not sc.is_special else None

    def special_for(c):
        """PL-2: a special class moves up as a special class; "三年级特教班" becomes "四年级特教班"."""
        old_grade = f"{GRADE_NUMERALS[c.grade - 1]}年级"
        name = c.name.replace(old_grade, f"{GRADE_NUMERALS[c.grade]}年级", 1) if old_grade in c.name else c.name
        sc = existing.get(name)
        if sc is None:
            sc = org_services.class_create(actor=actor, school=school, school_year=new_year, grade=c.grade + 1,
                                           name=name, kind=SchoolClass.SPECIAL)
            existing[name] = sc
            summary["classes_created"] += 1
        return sc if sc.grade == c.grade + 1 and sc.is_special else None

    mapping = {}
    for c in old:
        if c.is_special:
            if c.grade + 1 in allowed:
                target = special_for(c)
                if target is not None:
                    mapping[c.pk] = target
            continue
        n = _class_number(c, [o for o in by_grade[c.grade] if not o.is_special])
        if c.grade == entry:
            get_or_create(entry, n)  # the new intake's classes
        if c.grade + 1 in allowed:
            target = get_or_create(c.grade + 1, n)
            if target is not None:
                mapping[c.pk] = target
    return mapping


def _promote(actor, s: Student, class_map, new_year, summary):
    before = audit.snapshot(s, ["grade", "school_class"])
    old_class_id = s.school_class_id
    target = class_map.get(old_class_id) if old_class_id else None
    s.grade += 1  # never down: PL-11
    s.school_class = None
    if target is not None:
        if s.placement == CAPPED_PLACEMENT:  # PL-4 counts 随班就读 in an ordinary class only
            try:
                summary["warnings"] += services.class_cap_check(target, exclude_student_id=s.pk)
            except DomainError:  # PL-4: the new class would exceed the hard maximum
                target = None
        s.school_class = target
    if old_class_id and s.school_class is None and s.placement in INCLUSION_PLACEMENTS:
        summary["unplaced"].append(s.pk)
    s.version += 1
    s.save(update_fields=["grade", "school_class", "version", "updated_at"])
    if old_class_id != s.school_class_id:
        PlacementRecord.objects.create(
            student=s, placement=s.placement, school=s.school, school_class=s.school_class,
            effective_date=new_year.start_date, recorded_by=actor,
            committee_opinion=_("Promotion to grade %(grade)d at the start of school year %(year)s.")
            % {"grade": s.grade, "year": new_year.name})
    audit.record(actor, "students.student.promoted", s,
                 changes=audit.diff(before, audit.snapshot(s, ["grade", "school_class"])))
    summary["promoted"] += 1


def _transfer_case(actor, s: Student, receiving: School, new_year: SchoolYear) -> Case:
    """小升初 (PL-7/PL-9): a transfer case, submitted, to the district's first junior-secondary school.

    Not ``cases.case_submit``: that is the guardian's or school's application (``cases.submit``, which the
    bureau and the system administrator do not hold) and validates a PL-7 referral (special ↔ ordinary
    school, receiving school teaching the current grade), which a promotion is not. The case is written the
    same way otherwise: one ``CaseEvent`` and an audit row ``cases.case.submitted``; the deadline is the end
    of the current term (``cases.submission_deadline``) and the case then follows the one state machine.
    """
    note = _("Primary → junior secondary promotion (小升初) for school year %(year)s.") % {"year": new_year.name}
    case = Case.objects.create(
        kind="transfer", student=s, school=s.school, region_path=s.region_path, state="submitted",
        applicant=s.school.name[:50], reason=note, target_school=receiving, submitted_by=actor,
        deadline=cases.submission_deadline(timezone.localdate()))
    CaseEvent.objects.create(case=case, actor=actor, from_state="", to_state="submitted", note=note)
    audit.record(actor, "cases.case.submitted", case, changes={
        "kind": [None, "transfer"], "student": [None, s.pk], "state": [None, "submitted"],
        "target_school": [None, receiving.pk], "deadline": [None, case.deadline], "via": "students.rollover"})
    return case


__all__ = ["ROLLED_OVER", "ensure_school_year", "junior_school_for", "start_school_year"]
