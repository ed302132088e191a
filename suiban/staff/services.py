"""Every write of the staff module (ARCHITECTURE §1): checked against the actor's permission and scope
(outside it → NotFound, never 403), validated with every field error at once, atomic, audited.

Rules: ST-1 pool (one fixed resource teacher + excellent teachers + purchased staff; renewed from last year's;
filed before the ⚙ deadline; read-only afterwards except by a recorded amendment), ST-2/ST-7 training,
ST-3 qualification basis, ST-4/ST-5 the staff member's year (room share, wages, evaluation) and nominations,
ST-6 itinerant visits, ORG-6 working groups, ORG-7/PL-16 experts and the committee's opinions.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban import policy
from suiban.core import audit
from suiban.core.errors import DomainError, NotFound, PermissionDenied
from suiban.core.scoping import can, has_perm
from suiban.core.services import check_version, raise_errors, validate
from suiban.core.services import field_error as _err
from suiban.org.models import Region, ResourceCentre, School, SchoolYear
from suiban.staff.models import (
    CommitteeOpinion,
    Expert,
    ItinerantVisit,
    Nomination,
    Pool,
    PoolAmendment,
    PoolMember,
    StaffMember,
    StaffYear,
    Training,
    WorkingGroup,
    WorkingGroupMeeting,
    WorkingGroupMember,
)

TEACHER_KINDS = (StaffMember.TEACHER, StaffMember.SPECIAL_TEACHER, StaffMember.CENTRE)
PURCHASED = {PoolMember.ASSISTANT: StaffMember.ASSISTANT, PoolMember.SOCIAL_WORKER: StaffMember.SOCIAL_WORKER,
             PoolMember.THERAPIST: StaffMember.THERAPIST}
MEMBER_KINDS = {k for k, _label in PoolMember.KIND_CHOICES}
QUALIFICATIONS = {k for k, _label in StaffMember.QUALIFICATION_CHOICES}


# --- permission and scope ------------------------------------------------------------------------------------
def require_on(actor, perm: str, obj, view_perm: str = "staff.view"):
    """``perm`` on ``obj`` (a scoped model instance): in scope but not allowed → 403; out of scope → 404."""
    if can(actor, perm, obj):
        return
    if has_perm(actor, view_perm) and can(actor, view_perm, obj):
        raise PermissionDenied()
    raise NotFound()


def _require(actor, perm):
    if not has_perm(actor, perm):
        raise PermissionDenied()


def _text(errors, field, value, *, required=True, max_length=None, label=None):
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if required and not value:
        errors.append(_err(field, label or _("This field is required."), "required"))
    elif max_length and len(value) > max_length:
        errors.append(_err(field, _("At most %(n)d characters.") % {"n": max_length}, "max_length"))
    return value


def _decimal(errors, field, value, *, minimum=Decimal(0), maximum=None, required=True):
    if value in (None, ""):
        if required:
            errors.append(_err(field, _("This field is required."), "required"))
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(_err(field, _("Enter a number."), "invalid"))
        return None
    if not d.is_finite() or d < minimum or (maximum is not None and d > maximum):
        errors.append(_err(field, _("The value is out of range."), "out_of_range"))
        return None
    return d


def school_year_of(day: date) -> SchoolYear | None:
    return SchoolYear.objects.filter(start_date__lte=day, end_date__gte=day).first()


def filing_deadline(school: School, school_year: SchoolYear) -> date:
    """ST-1: the ⚙ pool_filing_deadline (HC §2.1: 1 September) of the school year's start year."""
    month, day = (int(x) for x in policy.value(school, "pool_filing_deadline").split("-"))
    return date(school_year.start_year, month, day)


# --- ST-1, ST-3: staff records -------------------------------------------------------------------------------
STAFF_FIELDS = ("name", "kind", "qualification", "qualification_evidence", "itinerant", "subject", "phone",
                "is_active", "user")


def _check_staff(obj: StaffMember, errors: list):
    if not obj.name.strip():
        errors.append(_err("name", _("Enter the name."), "required"))
    if obj.kind not in {k for k, _label in StaffMember.KIND_CHOICES}:
        errors.append(_err("kind", _("Choose one of the allowed values."), "invalid_choice"))
    if obj.qualification not in QUALIFICATIONS:
        errors.append(_err("qualification", _("Choose one of the allowed values."), "invalid_choice"))
    if obj.qualification == "provincial_training" and not obj.qualification_evidence.strip():
        errors.append(_err("qualification_evidence",
                           _("Enter the number of the provincial training certificate."), "required"))
    if obj.school_id is None and obj.centre_id is None:
        errors.append(_err("school_id", _("Choose the school or resource centre the person works for."),
                           "required"))
    if obj.kind == StaffMember.CENTRE and obj.centre_id is None:
        errors.append(_err("centre_id", _("Choose the resource centre."), "required"))
    if obj.user_id and StaffMember.objects.filter(user_id=obj.user_id).exclude(pk=obj.pk).exists():
        errors.append(_err("user_id", _("This account already belongs to another staff record."), "unique"))


def _staff_place(actor, errors, school, centre):
    """The school or centre must be inside the actor's scope for the permission that keeps it."""
    if school is not None and not can(actor, "staff.edit", school):
        errors.append(_err("school_id", _("Choose a value inside your scope."), "out_of_scope"))
    if centre is not None and not can(actor, "staff.experts", centre):
        errors.append(_err("centre_id", _("Choose a value inside your scope."), "out_of_scope"))


def staff_create(*, actor, name, kind=StaffMember.TEACHER, school=None, centre=None, qualification="none",
                 qualification_evidence="", itinerant=False, subject="", phone="", user=None) -> StaffMember:
    errors = []
    if school is not None:
        _require(actor, "staff.edit")
    else:
        _require(actor, "staff.experts")
    _staff_place(actor, errors, school, centre)
    region_path = school.region_path if school is not None else (centre.region.path if centre else "")
    obj = StaffMember(name=(name or "").strip(), kind=kind, school=school, centre=centre, region_path=region_path,
                      qualification=qualification or "none", qualification_evidence=qualification_evidence or "",
                      itinerant=bool(itinerant), subject=subject or "", phone=phone or "", user=user)
    _check_staff(obj, errors)
    raise_errors(errors)
    with transaction.atomic():
        validate(obj)
        obj.save()
        audit.record(actor, "staff.member.created", obj, changes={
            k: [None, v] for k, v in audit.snapshot(obj, [f for f in STAFF_FIELDS if f != "user"]).items()})
    return obj


def staff_update(*, actor, staff: StaffMember, version, **fields) -> StaffMember:
    perm = "staff.edit" if staff.school_id else "staff.experts"
    require_on(actor, perm, staff)
    with transaction.atomic():
        locked = StaffMember.objects.select_for_update().get(pk=staff.pk)
        check_version(locked, version)
        names = [k for k in fields if k in STAFF_FIELDS]
        before = audit.snapshot(locked, names)
        for k in names:
            setattr(locked, k, fields[k] if fields[k] is not None else "")
        errors = []
        _check_staff(locked, errors)
        raise_errors(errors)
        validate(locked)
        locked.version += 1
        locked.save()
        audit.record(actor, "staff.member.updated", locked, changes=audit.diff(before, audit.snapshot(locked, names)))
    return locked


# --- ST-1: pools ---------------------------------------------------------------------------------------------
def previous_pool(school: School, school_year: SchoolYear) -> Pool | None:
    return (Pool.objects.filter(school=school, school_year__start_year__lt=school_year.start_year)
            .order_by("-school_year__start_year").first())


def pool_create(*, actor, school: School, school_year: SchoolYear, renew: bool = True) -> Pool:
    """A school's pool for a school year, renewed from its latest earlier pool (the members who are still
    active staff of the school) unless ``renew`` is false (ST-1: renewed once a school year)."""
    require_on(actor, "staff.edit", school, "org.view")
    if school.kind == School.SPECIAL:
        raise DomainError(_("Resource-teacher pools are kept by ordinary schools."), field="school_id")
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()  # one pool per school and year
        if Pool.objects.filter(school=school, school_year=school_year).exists():
            raise DomainError(_("The school already has a pool for this school year."), field="school_year")
        last = previous_pool(school, school_year) if renew else None
        pool = Pool.objects.create(school=school, school_year=school_year, region_path=school.region_path,
                                   renewed_from=last)
        copied = []
        if last is not None:
            for m in last.members.select_related("staff").filter(staff__is_active=True, staff__school=school):
                PoolMember.objects.create(pool=pool, staff=m.staff, kind=m.kind, full_time=m.full_time)
                copied.append(m.staff_id)
        audit.record(actor, "staff.pool.created", pool, changes={
            "school": [None, school.pk], "school_year": [None, school_year.name],
            "renewed_from": [None, last.pk if last else None], "members": [None, copied]})
    return pool


def _member_rows(pool: Pool, members: list, errors: list) -> list[dict]:
    """Validate the wanted members list: known staff of the pool's school, kinds that fit, each once,
    at most one fixed resource teacher (ST-1)."""
    rows, seen = [], set()
    ids = [m.get("staff_id") for m in members if isinstance(m, dict)]
    staff = {s.pk: s for s in StaffMember.objects.filter(pk__in=[i for i in ids if isinstance(i, int)],
                                                         school=pool.school)}
    for i, m in enumerate(members):
        f = f"members[{i}]"
        sid, kind = m.get("staff_id"), m.get("kind")
        s = staff.get(sid)
        if s is None:
            errors.append(_err(f"{f}.staff_id", _("Choose a staff member of this school."), "invalid_choice"))
            continue
        if sid in seen:
            errors.append(_err(f"{f}.staff_id", _("This person is in the pool already."), "duplicate"))
            continue
        seen.add(sid)
        if kind not in MEMBER_KINDS:
            errors.append(_err(f"{f}.kind", _("Choose one of the allowed values."), "invalid_choice"))
            continue
        if kind in PURCHASED and s.kind != PURCHASED[kind]:
            errors.append(_err(f"{f}.kind", _("%(name)s is not recorded as %(kind)s.")
                               % {"name": s.name, "kind": dict(PoolMember.KIND_CHOICES)[kind]}, "kind_mismatch"))
        if kind not in PURCHASED and s.kind not in TEACHER_KINDS:
            errors.append(_err(f"{f}.kind", _("Only teachers can be resource teachers of the pool."),
                               "kind_mismatch"))
        rows.append({"staff_id": sid, "kind": kind, "full_time": bool(m.get("full_time", False))})
    if sum(1 for r in rows if r["kind"] == PoolMember.FIXED_RESOURCE) > 1:
        errors.append(_err("members", _("A pool has one fixed resource teacher."), "one_fixed_resource"))
    return rows


def _members_snapshot(pool: Pool) -> list[dict]:
    return [{"staff_id": m.staff_id, "kind": m.kind, "full_time": m.full_time}
            for m in pool.members.order_by("staff_id")]


def pool_set_members(*, actor, pool: Pool, version, members: list, reason: str = "") -> Pool:
    """Replace the pool's members. A filed pool changes only by an amendment with its reason (ST-1)."""
    require_on(actor, "staff.edit", pool)
    with transaction.atomic():
        locked = Pool.objects.select_for_update().get(pk=pool.pk)
        check_version(locked, version)
        errors = []
        reason = (reason or "").strip()
        if locked.state == Pool.FILED and not reason:
            errors.append(_err("reason", _("The pool has been filed: give the reason for the amendment."),
                               "amendment_reason_required"))
        rows = _member_rows(locked, members, errors)
        raise_errors(errors)
        before = _members_snapshot(locked)
        locked.members.all().delete()
        PoolMember.objects.bulk_create([PoolMember(pool=locked, **r) for r in rows])
        after = _members_snapshot(locked)
        locked.version += 1
        locked.save(update_fields=["version"])
        changes = {"members": [before, after]}
        if locked.state == Pool.FILED:
            PoolAmendment.objects.create(pool=locked, reason=reason, changes=changes, amended_by=actor)
            audit.record(actor, "staff.pool.amended", locked, changes={**changes, "reason": [None, reason]})
        else:
            audit.record(actor, "staff.pool.updated", locked, changes=changes)
    return locked


def pool_add_member(*, actor, pool: Pool, staff_id: int, kind: str, full_time: bool = False, reason: str = ""):
    members = _members_snapshot(pool) + [{"staff_id": staff_id, "kind": kind, "full_time": full_time}]
    return pool_set_members(actor=actor, pool=pool, version=pool.version, members=members, reason=reason)


def pool_remove_member(*, actor, pool: Pool, staff_id: int, reason: str = ""):
    members = [m for m in _members_snapshot(pool) if m["staff_id"] != staff_id]
    return pool_set_members(actor=actor, pool=pool, version=pool.version, members=members, reason=reason)


def pool_file(*, actor, pool: Pool, version=None, filed_at: datetime | None = None) -> Pool:
    """File the pool with the bureau (ST-1). It needs its one fixed resource teacher; afterwards it is read-only
    except by amendment. ``filed_at`` records a filing made earlier on paper (never in the future)."""
    require_on(actor, "staff.file", pool)
    now = timezone.now()
    with transaction.atomic():
        locked = Pool.objects.select_for_update().get(pk=pool.pk)
        check_version(locked, version)
        errors = []
        if locked.state == Pool.FILED:
            errors.append(_err("state", _("The pool has been filed already."), "invalid_transition"))
        if not locked.members.filter(kind=PoolMember.FIXED_RESOURCE).exists():
            errors.append(_err("members", _("Name the fixed resource teacher before filing."), "no_fixed_resource"))
        if filed_at is not None and filed_at > now:
            errors.append(_err("filed_at", _("The filing date cannot be in the future."), "invalid"))
        if errors:
            code = errors[0]["code"]
            raise DomainError(errors[0]["message"], code="invalid_transition" if code == "invalid_transition"
                              else "validation_error", errors=errors)
        locked.state = Pool.FILED
        locked.filed_at = filed_at or now
        locked.filed_by = actor if getattr(actor, "is_authenticated", False) else None
        deadline = filing_deadline(locked.school, locked.school_year)
        late = timezone.localtime(locked.filed_at).date() > deadline
        locked.filed_late = late
        locked.version += 1
        locked.save(update_fields=["state", "filed_at", "filed_by", "filed_late", "version"])
        audit.record(actor, "staff.pool.filed", locked, changes={
            "state": [Pool.DRAFT, Pool.FILED], "filed_at": [None, locked.filed_at],
            "late": [None, late], "members": [None, _members_snapshot(locked)]})
    return locked


# --- ST-2, ST-7: training ---------------------------------------------------------------------------------------
LEVELS = {k for k, _label in Training.LEVEL_CHOICES}
TRAINING_KINDS = {k for k, _label in Training.KIND_CHOICES}


def training_record(*, actor, staff: StaffMember, course, level, hours, start_date, end_date=None, organiser="",
                    kind=Training.COURSE, certificate=None) -> Training:
    """Record a training of a staff member (ST-2) at a tier of GD §33 (ST-7), with an optional certificate scan
    checked by content and size (SEC-5) and stored through the storage API."""
    from suiban.students.archives.services import check_upload

    perm = "staff.edit" if staff.school_id else "staff.experts"
    require_on(actor, perm, staff)
    errors = []
    course = _text(errors, "course", course, max_length=200)
    organiser = _text(errors, "organiser", organiser, required=False, max_length=100)
    if level not in LEVELS:
        errors.append(_err("level", _("Choose province, city, county or school."), "invalid_choice"))
    if kind not in TRAINING_KINDS:
        errors.append(_err("kind", _("Choose one of the allowed values."), "invalid_choice"))
    hrs = _decimal(errors, "hours", hours, minimum=Decimal("0.5"), maximum=Decimal(2000))
    if start_date is None:
        errors.append(_err("start_date", _("Enter the date."), "required"))
    end_date = end_date or start_date
    if start_date and end_date and end_date < start_date:
        errors.append(_err("end_date", _("The end date must be after the start date."), "invalid"))
    if start_date and start_date > timezone.localdate():
        errors.append(_err("start_date", _("A training is recorded once it has taken place."), "future"))
    file_kind = None
    if certificate is not None:
        try:
            file_kind = check_upload(certificate, "certificate")
        except DomainError as exc:
            errors.extend(exc.errors)
        if file_kind is not None and file_kind.code not in ("pdf", "jpeg", "png"):
            errors.append(_err("certificate", _("A certificate scan is a PDF, JPEG or PNG file."), "file_type"))
    raise_errors(errors)
    t = Training(staff=staff, region_path=staff.region_path, school_id=staff.school_id, course=course, kind=kind,
                 level=level, organiser=organiser, hours=hrs, start_date=start_date, end_date=end_date,
                 school_year=school_year_of(start_date), recorded_by=actor)
    stored = None
    if certificate is not None:
        from django.core.files import File

        content = certificate if isinstance(certificate, File) else File(certificate)
        content.seek(0)
        t.certificate.save(f"certificate.{file_kind.extensions[0]}", content, save=False)
        t.certificate_type, t.certificate_size, stored = file_kind.content_type, certificate.size, t.certificate.name
    try:
        with transaction.atomic():
            validate(t, exclude=["certificate", "recorded_by"])
            t.save()
            audit.record(actor, "staff.training.recorded", t, changes={
                "staff": [None, staff.pk], "course": [None, course], "level": [None, level], "hours": [None, hrs],
                "start_date": [None, start_date], "certificate": [None, bool(stored)]})
    except BaseException:
        if stored:
            t.certificate.storage.delete(stored)
        raise
    return t


# --- ST-4, ST-5: the staff member's year, nominations ------------------------------------------------------------
def staff_year_save(*, actor, staff: StaffMember, school_year: SchoolYear, version=None, **fields) -> StaffYear:
    """Record a staff member's year: full-time resource teacher, resource-room share of a part-timer (ST-4:
    at least the ⚙ share), the year of full-time service recorded for titles (ST-4), the school's evaluation
    and the wages the performance-pay uplift is computed from (ST-5)."""
    require_on(actor, "staff.incentives", staff)
    errors = []
    data = {}
    if "full_time_resource" in fields:
        data["full_time_resource"] = bool(fields["full_time_resource"])
    if "service_recorded" in fields:
        data["service_recorded"] = bool(fields["service_recorded"])
    if "room_share" in fields:
        data["room_share"] = _decimal(errors, "room_share", fields["room_share"], maximum=Decimal(1),
                                      required=False)
    for f in ("post_wage", "scale_wage"):
        if f in fields:
            v = _decimal(errors, f, fields[f], maximum=Decimal("1000000"), required=False)
            data[f] = v.quantize(Decimal("0.01")) if v is not None else None
    if "evaluation" in fields:
        ev = fields["evaluation"] or ""
        if ev and ev not in {k for k, _label in StaffYear.EVALUATION_CHOICES}:
            errors.append(_err("evaluation", _("Choose one of the allowed values."), "invalid_choice"))
        data["evaluation"] = ev
    if "evaluation_note" in fields:
        data["evaluation_note"] = _text(errors, "evaluation_note", fields["evaluation_note"], required=False,
                                        max_length=2000)
    if data.get("service_recorded") and not data.get("full_time_resource", False):
        errors.append(_err("service_recorded", _("Only a year of full-time resource-teacher service is recorded."),
                           "invalid"))
    raise_errors(errors)
    with transaction.atomic():
        row = StaffYear.objects.select_for_update().filter(staff=staff, school_year=school_year).first()
        action = "staff.year.updated"
        if row is None:
            row = StaffYear(staff=staff, school_year=school_year, region_path=staff.region_path,
                            school_id=staff.school_id)
            action = "staff.year.recorded"
        else:
            check_version(row, version)
            row.version += 1
        before = audit.snapshot(row, data.keys()) if row.pk else {}
        for k, v in data.items():
            setattr(row, k, v)
        validate(row)
        row.save()
        audit.record(actor, action, row, changes=audit.diff(before, audit.snapshot(row, data.keys())))
    return row


def nomination_create(*, actor, school: School, school_year: SchoolYear, staff: StaffMember, category: str,
                      reason: str) -> Nomination:
    """Send the yearly excellent-worker nomination to the bureau: in principle ⚙ one per school (ST-5)."""
    require_on(actor, "staff.incentives", school, "org.view")
    errors = []
    if staff.school_id != school.pk:
        errors.append(_err("staff_id", _("Choose a staff member of this school."), "invalid_choice"))
    if category not in {k for k, _label in Nomination.CATEGORY_CHOICES}:
        errors.append(_err("category", _("Choose one of the allowed values."), "invalid_choice"))
    reason = _text(errors, "reason", reason, max_length=4000)
    raise_errors(errors)
    limit = policy.value(school, "excellent_nominees_per_school")
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()
        n = Nomination.objects.filter(school=school, school_year=school_year).count()
        if n >= limit:
            raise DomainError(_("The school has sent its %(n)d nomination(s) for this school year already.")
                              % {"n": limit}, code="nomination_limit", field="staff_id")
        nom = Nomination.objects.create(school=school, school_year=school_year, region_path=school.region_path,
                                        staff=staff, category=category, reason=reason, nominated_by=actor)
        audit.record(actor, "staff.nomination.sent", nom, changes={
            "staff": [None, staff.pk], "category": [None, category], "school_year": [None, school_year.name]})
    return nom


# --- ST-6: itinerant visits -----------------------------------------------------------------------------------------
def itinerant_visit_create(*, actor, school: School, date_, teacher: StaffMember, advice: str, student_ids=(),
                           follow_up: str = "", follow_up_due: date | None = None,
                           client_ref: str = "") -> ItinerantVisit:
    """Record a visit of a centre or special-school teacher to an ordinary school (ST-6)."""
    _require(actor, "staff.itinerant")
    if client_ref:
        done = ItinerantVisit.objects.filter(recorded_by=actor, client_ref=client_ref).first()
        if done is not None:
            return done
    errors = []
    if school is None or not can(actor, "staff.itinerant", school):
        errors.append(_err("school_id", _("Choose a school inside your scope."), "out_of_scope"))
    elif school.kind == School.SPECIAL:
        errors.append(_err("school_id", _("Itinerant guidance visits ordinary schools."), "invalid_choice"))
    if teacher is None or teacher.kind not in (StaffMember.CENTRE, StaffMember.SPECIAL_TEACHER) \
            or not can(actor, "staff.view", teacher):
        errors.append(_err("teacher_id", _("Choose a resource-centre or special-school teacher."),
                           "invalid_choice"))
    advice = _text(errors, "advice", advice, max_length=4000)
    follow_up = _text(errors, "follow_up", follow_up, required=False, max_length=4000)
    if date_ is None:
        errors.append(_err("date", _("Enter the date."), "required"))
    elif date_ > timezone.localdate():
        errors.append(_err("date", _("A visit is recorded once it has taken place."), "future"))
    if follow_up and follow_up_due is None:
        errors.append(_err("follow_up_due", _("Give the date the follow-up is due."), "required"))
    if follow_up_due and date_ and follow_up_due < date_:
        errors.append(_err("follow_up_due", _("The follow-up is due after the visit."), "invalid"))
    students = []
    if student_ids and school is not None:
        from suiban.students.models import Student

        students = list(Student.objects.visible_to(actor).filter(pk__in=student_ids, school=school))
        if len(students) != len(set(student_ids)):
            errors.append(_err("student_ids", _("Choose students of the school visited."), "invalid_choice"))
    raise_errors(errors)
    with transaction.atomic():
        v = ItinerantVisit.objects.create(school=school, region_path=school.region_path, date=date_,
                                          teacher=teacher, advice=advice, follow_up=follow_up,
                                          follow_up_due=follow_up_due if follow_up else None,
                                          recorded_by=actor, client_ref=client_ref or "")
        v.students.set(students)
        audit.record(actor, "staff.itinerant_visit.recorded", v, changes={
            "school": [None, school.pk], "date": [None, date_], "teacher": [None, teacher.pk],
            "students": [None, sorted(s.pk for s in students)], "follow_up_due": [None, v.follow_up_due]})
    return v


def itinerant_follow_up_answer(*, actor, visit: ItinerantVisit, response: str, version=None) -> ItinerantVisit:
    """The school answers the follow-up of a visit (ST-6)."""
    require_on(actor, "staff.respond", visit)
    errors = []
    response = _text(errors, "response", response, max_length=4000)
    if not visit.follow_up:
        errors.append(_err("response", _("This visit asked for no follow-up."), "invalid"))
    raise_errors(errors)
    with transaction.atomic():
        locked = ItinerantVisit.objects.select_for_update().get(pk=visit.pk)
        check_version(locked, version)
        before = locked.response
        locked.response, locked.responded_at, locked.responded_by = response, timezone.now(), actor
        locked.version += 1
        locked.save(update_fields=["response", "responded_at", "responded_by", "version"])
        audit.record(actor, "staff.itinerant_visit.answered", locked, changes={"response": [before, response]})
    return locked


# --- ORG-6: working groups --------------------------------------------------------------------------------------------
FUNCTIONS = {k for k, _label in WorkingGroupMember.FUNCTION_CHOICES}


def working_group_save(*, actor, school: School, school_year: SchoolYear, members: list, plan: str = "",
                       version=None) -> WorkingGroup:
    """The school's inclusion working group for a school year (ORG-6): led by the principal, members by function."""
    require_on(actor, "staff.edit", school, "org.view")
    errors = []
    rows = []
    for i, m in enumerate(members):
        name = _text(errors, f"members[{i}].name", m.get("name"), max_length=50)
        if m.get("function") not in FUNCTIONS:
            errors.append(_err(f"members[{i}].function", _("Choose one of the allowed values."), "invalid_choice"))
        rows.append({"name": name, "function": m.get("function"), "duties": (m.get("duties") or "")[:200]})
    if not any(r["function"] == "principal" for r in rows):
        errors.append(_err("members", _("The principal leads the working group."), "no_principal"))
    raise_errors(errors)
    with transaction.atomic():
        g = WorkingGroup.objects.select_for_update().filter(school=school, school_year=school_year).first()
        before = None
        if g is None:
            g = WorkingGroup.objects.create(school=school, school_year=school_year, region_path=school.region_path,
                                            plan=plan or "")
        else:
            check_version(g, version)
            before = [{"name": m.name, "function": m.function} for m in g.members.all()]
            g.members.all().delete()
            g.plan = plan or ""
            g.version += 1
            g.save(update_fields=["plan", "version"])
        WorkingGroupMember.objects.bulk_create([WorkingGroupMember(group=g, **r) for r in rows])
        audit.record(actor, "staff.working_group.saved", g, changes={
            "members": [before, [{"name": r["name"], "function": r["function"]} for r in rows]]})
    return g


def working_group_meeting_add(*, actor, group: WorkingGroup, date_: date, topic: str, minutes: str):
    require_on(actor, "staff.edit", group)
    errors = []
    topic = _text(errors, "topic", topic, max_length=200)
    minutes = _text(errors, "minutes", minutes, max_length=20000)
    if date_ is None:
        errors.append(_err("date", _("Enter the date."), "required"))
    raise_errors(errors)
    with transaction.atomic():
        m = WorkingGroupMeeting.objects.create(group=group, date=date_, topic=topic, minutes=minutes)
        audit.record(actor, "staff.working_group.meeting_recorded", group, changes={
            "meeting": [None, {"date": date_, "topic": topic}]})
    return m


# --- ORG-7, PL-16: experts and the committee's opinions ------------------------------------------------------------
FIELDS = {k for k, _label in Expert._meta.get_field("field").choices}


def expert_create(*, actor, body: str, region: Region, name: str, field: str, organisation: str = "",
                  centre: ResourceCentre | None = None, user=None) -> Expert:
    """An expert of a centre's pool (ORG-7) or a member of the region's expert committee (PL-16)."""
    _require(actor, "staff.experts")
    errors = []
    if region is None or not can(actor, "staff.experts", region):
        errors.append(_err("region_id", _("Choose a region inside your scope."), "out_of_scope"))
    if body not in (Expert.CENTRE_POOL, Expert.COMMITTEE):
        errors.append(_err("body", _("Choose one of the allowed values."), "invalid_choice"))
    if body == Expert.CENTRE_POOL and (centre is None or centre.region_id != getattr(region, "pk", None)):
        errors.append(_err("centre_id", _("Choose the region's resource centre."), "required"))
    name = _text(errors, "name", name, max_length=50)
    if field not in FIELDS:
        errors.append(_err("field", _("Choose one of the allowed values."), "invalid_choice"))
    raise_errors(errors)
    with transaction.atomic():
        e = Expert.objects.create(body=body, region=region, region_path=region.path,
                                  centre=centre if body == Expert.CENTRE_POOL else None, name=name, field=field,
                                  organisation=(organisation or "")[:100], user=user)
        audit.record(actor, "staff.expert.created", e, changes={
            "body": [None, body], "name": [None, name], "field": [None, field]})
    return e


def committee_members_for(case) -> list[Expert]:
    """Committee members who may give an opinion on a case: those of the case's region or a region above it."""
    paths = [p for p in _ancestor_paths(case.region_path)]
    return list(Expert.objects.filter(body=Expert.COMMITTEE, is_active=True, region_path__in=paths))


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def committee_opinion_record(*, actor, case, physical_condition: str, education_ability: str,
                             adaptation_ability: str, member_ids, conclusion: str = "",
                             given_on: date | None = None) -> CommitteeOpinion:
    """PL-16: the committee's opinion on a case covers the three aspects of GD §8 — physical condition,
    ability to receive education, ability to adapt to school life — and names the members who gave it."""
    require_on(actor, "cases.opinion", case, "cases.view")
    errors = []
    if case.state not in ("under_review", "committee_opinion"):
        raise DomainError(_("The committee gives its opinion while the case is under review."),
                          code="invalid_transition", field="state")
    physical_condition = _text(errors, "physical_condition", physical_condition, max_length=4000)
    education_ability = _text(errors, "education_ability", education_ability, max_length=4000)
    adaptation_ability = _text(errors, "adaptation_ability", adaptation_ability, max_length=4000)
    conclusion = _text(errors, "conclusion", conclusion, required=False, max_length=4000)
    allowed = {e.pk: e for e in committee_members_for(case)}
    ids = list(dict.fromkeys(member_ids or []))
    if not ids:
        errors.append(_err("member_ids", _("Name the committee members who gave the opinion."), "required"))
    elif any(i not in allowed for i in ids):
        errors.append(_err("member_ids", _("Choose members of the expert committee."), "invalid_choice"))
    given_on = given_on or timezone.localdate()
    if given_on > timezone.localdate():
        errors.append(_err("given_on", _("The date cannot be in the future."), "future"))
    raise_errors(errors)
    with transaction.atomic():
        op = CommitteeOpinion.objects.create(case=case, physical_condition=physical_condition,
                                             education_ability=education_ability,
                                             adaptation_ability=adaptation_ability, conclusion=conclusion,
                                             given_on=given_on, recorded_by=actor)
        op.members.set([allowed[i] for i in ids])
        audit.record(actor, "cases.committee_opinion.recorded", case, changes={
            "opinion": [None, op.pk], "members": [None, ids], "given_on": [None, given_on]})
    return op
