"""Writes of the oversight module: the census and its follow-up (PL-14), enrolment refusals and designated schools
(PL-15), the barrier-free checklist (OV-5), the archive custodian (AR-4), governance records (OV-6) and
activities (OV-4). Each is atomic, validated with a message per field, audited, and limited to the actor's scope."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.scoping import can
from suiban.core.services import check_version, field_error, raise_errors
from suiban.oversight.models import (
    ACCESSIBILITY_ITEMS,
    CENSUS_STATES,
    AccessibilityItem,
    Activity,
    ArchiveCustodian,
    CensusChild,
    DesignatedSchool,
    EnrolmentRefusal,
    GovernanceRecord,
)


def _require(actor, perm, obj):
    if not can(actor, perm, obj):
        raise PermissionDenied(_("Your roles do not allow this."))


def _text(errors, field, value, *, required=True, max_length=None):
    value = (value or "").strip()
    if required and not value:
        errors.append(field_error(field, _("This field is required."), "required"))
    elif max_length and len(value) > max_length:
        errors.append(field_error(field, _("The text is too long."), "too_long"))
    return value


def _date(errors, field, value, *, required=True):
    if value is None or value == "":
        if required:
            errors.append(field_error(field, _("This field is required."), "required"))
        return None
    if not isinstance(value, date):
        errors.append(field_error(field, _("Enter a valid date (YYYY-MM-DD)."), "invalid"))
        return None
    return value


# --- census (PL-14) -------------------------------------------------------------------------------------------
def census_follow_up(*, actor, child: CensusChild, version: int | None, state: str, follow_up_person: str = "",
                     follow_up_due: date | None = None, note: str = "") -> CensusChild:
    """Record who follows a child up and when, or that the child is placed / deferred / moved away (PL-14)."""
    _require(actor, "oversight.census", child)
    errors = []
    if state not in dict(CENSUS_STATES):
        errors.append(field_error("state", _("Choose one of the allowed values."), "invalid"))
    person = _text(errors, "follow_up_person", follow_up_person, required=state == "not_in_school", max_length=50)
    due = _date(errors, "follow_up_due", follow_up_due, required=state == "not_in_school")
    raise_errors(errors)
    with transaction.atomic():
        locked = CensusChild.objects.select_for_update().get(pk=child.pk)
        check_version(locked, version)
        before = audit.snapshot(locked, ["state", "follow_up_person", "follow_up_due", "note"])
        locked.state, locked.follow_up_person, locked.follow_up_due = state, person, due
        locked.note = (note or "").strip()
        locked.version += 1
        locked.save()
        audit.record(actor, "oversight.census_child.followed_up", locked,
                     changes=audit.diff(before, audit.snapshot(locked, list(before))))
        return locked


def suggest_schools(child: CensusChild, limit: int = 3):
    """PL-15 (就近, 片区优先): schools of the child's home district teaching the child's age, designated schools
    for the child's disability category first, then the others by school code."""
    from suiban.org.models import School

    age = (timezone.localdate() - child.birth_date).days // 365
    kinds = ["primary", "nine_year"] if age < 12 else ["junior", "nine_year"]
    designated = {d.school_id: d for d in DesignatedSchool.objects.filter(region_path=child.region_path)}
    schools = list(School.objects.filter(region=child.region, is_active=True, kind__in=kinds).order_by("code"))

    def rank(s):
        d = designated.get(s.pk)
        return (0 if d and (not d.categories or child.disability_category in d.categories) else 1, s.code)

    return sorted(schools, key=rank)[:limit]


# --- enrolment refusals and designated schools (PL-15) -------------------------------------------------------
def refusal_record(*, actor, school, child_name: str, refused_on: date, reason: str,
                   child: CensusChild | None = None) -> EnrolmentRefusal:
    """A school records that it refused a child at first enrolment — never without a reason (PL-15)."""
    _require(actor, "oversight.record", school)
    errors = []
    name = _text(errors, "child_name", child_name or (child.name if child else ""), max_length=50)
    day = _date(errors, "refused_on", refused_on)
    why = _text(errors, "reason", reason)
    if day and day > timezone.localdate():
        errors.append(field_error("refused_on", _("The date cannot be in the future."), "invalid"))
    raise_errors(errors)
    with transaction.atomic():
        r = EnrolmentRefusal.objects.create(school=school, region_path=school.region_path, child=child,
                                            child_name=name, refused_on=day, reason=why, recorded_by=actor)
        audit.record(actor, "oversight.refusal.recorded", r,
                     changes={"child_name": [None, name], "reason": [None, why], "refused_on": [None, str(day)]})
        return r


def refusal_decide(*, actor, refusal: EnrolmentRefusal, version: int | None, decision: str) -> EnrolmentRefusal:
    """The bureau's decision on a refusal (PL-15): it closes the finding."""
    _require(actor, "oversight.census", refusal)
    errors = []
    text = _text(errors, "bureau_decision", decision)
    raise_errors(errors)
    with transaction.atomic():
        locked = EnrolmentRefusal.objects.select_for_update().get(pk=refusal.pk)
        check_version(locked, version)
        if locked.decided_on:
            raise DomainError(_("This refusal has already been decided."), code="invalid_transition")
        locked.bureau_decision, locked.decided_on = text, timezone.localdate()
        locked.version += 1
        locked.save()
        audit.record(actor, "oversight.refusal.decided", locked, changes={"bureau_decision": [None, text]})
        return locked


def school_designate(*, actor, school, categories: list[str], designated_on: date, note: str = "",
                     version: int | None = None) -> DesignatedSchool:
    """The bureau names a designated school (定点学校) for some disability categories, or changes what it named
    (PL-15); ``version`` guards an edit against a concurrent one."""
    from suiban.students.models import CATEGORY_CHOICES

    _require(actor, "oversight.govern", school)
    errors = []
    known = dict(CATEGORY_CHOICES)
    categories = [c for c, _label in CATEGORY_CHOICES if c in set(categories or ())] \
        if all(c in known for c in categories or ()) else None
    if categories is None:
        errors.append(field_error("categories", _("Choose one of the allowed values."), "invalid"))
    day = _date(errors, "designated_on", designated_on)
    if day and day > timezone.localdate():
        errors.append(field_error("designated_on", _("The date cannot be in the future."), "invalid"))
    note = _text(errors, "note", note, required=False, max_length=2000)
    raise_errors(errors)
    fields = ["categories", "designated_on", "note"]
    with transaction.atomic():
        d, created = DesignatedSchool.objects.select_for_update().get_or_create(
            school=school, defaults={"region_path": school.region_path, "designated_on": day,
                                     "categories": list(categories), "note": note})
        if created:
            audit.record(actor, "oversight.designated_school.set", d,
                         changes={"categories": [None, list(categories)], "designated_on": [None, str(day)],
                                  "note": [None, note]})
            return d
        if version is not None:
            check_version(d, version)
        before = audit.snapshot(d, fields)
        d.categories, d.designated_on, d.note, d.version = list(categories), day, note, d.version + 1
        d.save()
        audit.record(actor, "oversight.designated_school.set", d, changes=audit.diff(before, audit.snapshot(d, fields)))
        return d


# --- barrier-free checklist (OV-5), archive custodian (AR-4) ---------------------------------------------------
def accessibility_set(*, actor, school, item: str, present: bool, checked_on: date, rectify_by: date | None = None,
                      note: str = "") -> AccessibilityItem:
    """Record one checklist item as in place or missing (with the date it is to be rectified by) (OV-5)."""
    _require(actor, "oversight.record", school)
    errors = []
    if item not in dict(ACCESSIBILITY_ITEMS):
        errors.append(field_error("item", _("Choose one of the allowed values."), "invalid"))
    if present not in (True, False):
        errors.append(field_error("present", _("Say whether the item is in place."), "required"))
    day = _date(errors, "checked_on", checked_on)
    due = _date(errors, "rectify_by", rectify_by, required=present is False)
    raise_errors(errors)
    with transaction.atomic():
        row, created = AccessibilityItem.objects.select_for_update().get_or_create(
            school=school, item=item, defaults={"region_path": school.region_path, "present": present,
                                                "checked_on": day, "rectify_by": due, "note": note})
        before = None if created else audit.snapshot(row, ["present", "rectify_by", "checked_on", "note"])
        if not created:
            row.present, row.checked_on, row.rectify_by, row.note = present, day, None if present else due, note
            row.version += 1
            row.save()
        after = audit.snapshot(row, ["present", "rectify_by", "checked_on", "note"])
        audit.record(actor, "oversight.accessibility.set", row,
                     changes=audit.diff(before or dict.fromkeys(after), after))
        return row


def custodian_set(*, actor, school, name: str, appointed_on: date, phone: str = "",
                  cabinet: str = "") -> ArchiveCustodian:
    """Name the person who keeps the school's archives (专人专柜, AR-4)."""
    _require(actor, "oversight.record", school)
    errors = []
    who = _text(errors, "name", name, max_length=50)
    day = _date(errors, "appointed_on", appointed_on)
    raise_errors(errors)
    with transaction.atomic():
        row, created = ArchiveCustodian.objects.select_for_update().get_or_create(
            school=school, defaults={"region_path": school.region_path, "name": who, "phone": phone,
                                     "cabinet": cabinet, "appointed_on": day})
        if not created:
            row.name, row.phone, row.cabinet, row.appointed_on = who, phone, cabinet, day
            row.version += 1
            row.save()
        audit.record(actor, "oversight.custodian.set", row, changes={"name": [None, who]})
        return row


# --- governance (OV-6) and activities (OV-4) -------------------------------------------------------------------
def governance_record(*, actor, region, kind: str, title: str, held_on: date, content: str, participants: str = "",
                      valid_until: date | None = None) -> GovernanceRecord:
    _require(actor, "oversight.govern", region)
    errors = []
    if kind not in dict(GovernanceRecord.KINDS):
        errors.append(field_error("kind", _("Choose one of the allowed values."), "invalid"))
    if region.level != "district":
        errors.append(field_error("region", _("A county plan belongs to a county or district."), "invalid"))
    t = _text(errors, "title", title, max_length=200)
    day = _date(errors, "held_on", held_on)
    body = _text(errors, "content", content)
    raise_errors(errors)
    with transaction.atomic():
        r = GovernanceRecord.objects.create(region=region, region_path=region.path, kind=kind, title=t, held_on=day,
                                            valid_until=valid_until, participants=participants, content=body,
                                            recorded_by=actor)
        audit.record(actor, "oversight.governance.recorded", r, changes={"title": [None, t], "kind": [None, kind]})
        return r


def activity_record(*, actor, school, kind: str, held_on: date, title: str, summary: str,
                    participants: int = 0) -> Activity:
    _require(actor, "oversight.record", school)
    errors = []
    if kind not in dict(Activity.KINDS):
        errors.append(field_error("kind", _("Choose one of the allowed values."), "invalid"))
    t = _text(errors, "title", title, max_length=200)
    day = _date(errors, "held_on", held_on)
    body = _text(errors, "summary", summary)
    if not isinstance(participants, int) or participants < 0:
        errors.append(field_error("participants", _("Enter a whole number."), "invalid"))
    raise_errors(errors)
    with transaction.atomic():
        a = Activity.objects.create(school=school, region_path=school.region_path, kind=kind, held_on=day, title=t,
                                    summary=body, participants=participants, recorded_by=actor)
        audit.record(actor, "oversight.activity.recorded", a, changes={"title": [None, t], "kind": [None, kind]})
        return a
