"""Home visits (HB-4..HB-7): record, correct, confirm, disown; the weekly summary and the subsidy postings.

One visit is one record (HC 附件5: date, start and end time, place, student, teachers, 送教小记) plus mode, online,
guardian training, photos and videos. Hours come from the start and end time; a visit shorter than the plan's
hours per visit is kept and flagged (``short``), never rounded. Too few teachers → 422 ``too_few_teachers``, a
teacher outside the school's filed pool → 422 ``teacher_not_in_pool`` — checked before anything is written, so
a bad record never reaches the subsidy. A missed or cancelled visit keeps its reason, whether the family was told
and the planned make-up visit; it posts nothing.

Subsidy (HB-7): a delivered visit posts one ledger expense of teachers × ⚙ homebound_subsidy_per_teacher_visit
(category ``transport_subsidy``, origin ``homebound_subsidy``, origin_ref ``visit:{id}:{version}``) through
``suiban.funds.services.entry_post``; a correction that changes the subsidy reverses the visit's entry and posts
the new version's — never an edit. The visit row is locked (SELECT … FOR UPDATE) and the version checked, so two
racing corrections never post two reversals; posting and reversing are idempotent in the ledger as well.

``client_ref``: a retried POST by the same user with the same ``client_ref`` answers the first visit and creates
nothing (no second visit, no second ledger entry).

The weekly summary (``VisitWeek``) and the enrolment's year figures are recomputed from the visits inside the
writing transaction, under the enrolment's row lock (as ``suiban.iep.sessions`` keeps ``WeeklyHours``).
"""

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from time import monotonic

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.errors import DomainError, NotFound, PermissionDenied
from suiban.core.scoping import can, has_perm
from suiban.core.services import check_version
from suiban.core.services import field_error as _err
from suiban.homebound.models import (
    MISS_REASONS,
    Enrolment,
    Visit,
    VisitAttachment,
    VisitCorrection,
    VisitTeacher,
    VisitWeek,
)
from suiban.homebound.services import check_teachers, current_plan, param, raise_coded, teachers_with_pool, today
from suiban.org.calendar import local_values, school_year_dates, term_dates
from suiban.org.models import Term
from suiban.staff.models import StaffMember

CENT = Decimal("0.01")
CORRECTABLE = ("date", "start_time", "end_time", "place", "mode", "online", "notes", "guardian_training",
               "teacher_ids", "status", "reason_code", "family_informed", "makeup_date")
SUBSIDY_FIELDS = ("date", "teacher_ids", "status")
PRIVATE = ("notes",)


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def hours_between(start: time | None, end: time | None) -> Decimal | None:
    """Class hours from the start and end time, to the hundredth (never rounded to a whole visit)."""
    if start is None or end is None:
        return None
    minutes = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 60
    return (Decimal(int(minutes)) / Decimal(60)).quantize(CENT, rounding=ROUND_HALF_UP)


def _time(v):
    if v in (None, ""):
        return None
    return v if isinstance(v, time) else time.fromisoformat(str(v))


def _date(v):
    if v in (None, ""):
        return None
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def values_of(v: Visit, teacher_ids=None) -> dict:
    ids = teacher_ids if teacher_ids is not None else [t.staff_id for t in v.visit_teachers.all()]
    return {"date": v.date.isoformat(), "start_time": v.start_time.isoformat() if v.start_time else None,
            "end_time": v.end_time.isoformat() if v.end_time else None, "place": v.place, "mode": v.mode,
            "online": v.online, "notes": v.notes, "guardian_training": v.guardian_training,
            "teacher_ids": list(ids), "status": v.status, "reason": v.reason,
            "family_informed": v.family_informed, "makeup_date": v.makeup_date.isoformat() if v.makeup_date else None}


def _normalise(values: dict) -> dict:
    out = dict(values)
    for k in ("place", "notes", "reason", "mode", "status"):
        out[k] = str(out.get(k) or "").strip()
    out["online"] = bool(out.get("online"))
    out["guardian_training"] = bool(out.get("guardian_training"))
    out["family_informed"] = bool(out.get("family_informed"))
    out["teacher_ids"] = list(dict.fromkeys(int(i) for i in (out.get("teacher_ids") or [])))
    for k in ("date", "makeup_date"):
        d = _date(out.get(k))
        out[k] = d.isoformat() if d else None
    for k in ("start_time", "end_time"):
        t = _time(out.get(k))
        out[k] = t.replace(microsecond=0).isoformat() if t else None
    return out


def check_visit(enrolment: Enrolment, values: dict, *, disowning: bool = False,
                versions=None) -> tuple[list[dict], dict]:
    """Validate plain visit values against the enrolment's plan and the policy; returns (errors, derived) with
    derived = {hours, short, staff} (``staff``: the named teachers, {id: StaffMember with ``in_pool``}).
    ``versions``: the enrolment's plan versions when the caller has read them."""
    errors = []
    staff = teachers_with_pool(values["teacher_ids"], enrolment.school, enrolment.school_year)
    school, year = enrolment.school, enrolment.school_year
    year_first, year_last = school_year_dates(year, school)  # the school's own calendar (ORG-2)
    day = _date(values.get("date"))
    if day is None:
        errors.append(_err("date", _("This field is required."), "required"))
    elif day > today():
        errors.append(_err("date", _("The date is in the future.")))
    elif not (year_first <= day <= year_last):
        errors.append(_err("date", _("The visit lies within the enrolment's school year.")))
    if values["mode"] not in (Visit.ONSITE, Visit.REMOTE):
        errors.append(_err("mode", _("Choose on site or remote.")))
    if values["status"] not in (Visit.DELIVERED, Visit.MISSED, Visit.CANCELLED):
        errors.append(_err("status", _("Choose one of the allowed values.")))
    if len(values["place"]) > 200:
        errors.append(_err("place", _("At most %(n)d characters.") % {"n": 200}))
    if len(values["notes"]) > 4000:
        errors.append(_err("notes", _("At most %(n)d characters.") % {"n": 4000}))
    hours, short = Decimal("0.00"), False
    plan = current_plan(enrolment, day, versions) if day else current_plan(enrolment, versions=versions)
    if values["status"] == Visit.DELIVERED:
        start, end = _time(values.get("start_time")), _time(values.get("end_time"))
        if start is None:
            errors.append(_err("start_time", _("Enter the start time."), "required"))
        if end is None:
            errors.append(_err("end_time", _("Enter the end time."), "required"))
        if start and end:
            if end <= start:
                errors.append(_err("end_time", _("The end time is after the start time.")))
            else:
                hours = hours_between(start, end)
                minimum = plan.hours_per_visit if plan else Decimal(str(param(school, "homebound_hours_per_visit")))
                short = hours < minimum
        if values["reason"]:
            errors.append(_err("reason", _("Only a missed or cancelled visit has a reason.")))
        minimum = None if disowning else param(school, "teachers_per_visit")
        errors += check_teachers(values["teacher_ids"], school, year, minimum=minimum, staff=staff)
    elif values["status"] in (Visit.MISSED, Visit.CANCELLED):
        if values["reason"] not in dict(MISS_REASONS):
            errors.append(_err("reason", _("Say why the visit did not take place: family not at home, child ill, "
                                           "teacher absent or holiday."), "required"))
        makeup = _date(values.get("makeup_date"))
        if makeup and day and makeup < day:
            errors.append(_err("makeup_date", _("The make-up visit comes after the missed one.")))
        errors += check_teachers(values["teacher_ids"], school, year, staff=staff)
    return errors, {"hours": hours, "short": short, "staff": staff}


def _lock_enrolment(enrolment_id: int) -> Enrolment:
    return (Enrolment.objects.select_for_update(of=("self",))
            .select_related("school__region", "school_year", "student").get(pk=enrolment_id))


def _require_record(actor, enrolment):
    if not has_perm(actor, "homebound.record"):
        raise PermissionDenied()
    if not can(actor, "homebound.record", enrolment):
        if can(actor, "homebound.view", enrolment):
            raise PermissionDenied()
        raise NotFound()


# --- subsidy (HB-7) ----------------------------------------------------------------------------------------
def subsidy_for(v: Visit, n_teachers: int) -> Decimal:
    if v.status != Visit.DELIVERED:
        return Decimal("0.00")
    per = Decimal(str(param(v.school, "homebound_subsidy_per_teacher_visit")))
    return (per * n_teachers).quantize(CENT)


def _post_subsidy(actor, v: Visit, names: list[str], *, fresh: bool = False) -> None:
    """Post the visit's subsidy (``fresh``: the visit was created in this transaction, see ``entry_post``)."""
    from suiban.funds.services import entry_post

    v.subsidy = subsidy_for(v, len(names))
    v.ledger_entry = None
    if v.subsidy > 0:
        v.ledger_entry = entry_post(
            actor=actor, school=v.school, school_year=v.enrolment.school_year, kind="expense", amount=v.subsidy,
            date=v.date, category="transport_subsidy", payee="、".join(names)[:100],
            purpose=_("Home-delivery transport and meal subsidy: %(student)s, %(date)s, %(n)d teachers")
            % {"student": v.student.name, "date": v.date.isoformat(), "n": len(names)},
            origin="homebound_subsidy", origin_ref=f"visit:{v.pk}:{v.version}", fresh_origin=fresh)


def _reverse_subsidy(actor, v: Visit, reason: str) -> None:
    from suiban.funds.services import entry_reverse

    if v.ledger_entry_id:
        entry_reverse(actor=actor, entry=v.ledger_entry, reason=reason)


# --- writes ------------------------------------------------------------------------------------------------
def visit_record(*, actor, enrolment: Enrolment, date, teacher_ids=(), start_time=None, end_time=None,
                 place: str = "", mode: str = "onsite", online: bool = False, notes: str = "",
                 guardian_training: bool = False, status: str = "delivered", reason: str = "",
                 family_informed: bool = False, makeup_date=None, client_ref: str = "") -> Visit:
    """Record a visit (HB-4..HB-6) and post its subsidy (HB-7). With a ``client_ref`` already used by the same
    user, answer that visit and create nothing.

    A fixed number of queries, whatever the enrolment's history: one UPDATE of the enrolment takes its row lock,
    checks the actor's scope and the state and adds the visit to the year figures; one query checks the teachers
    against the pool; the visit, its teachers (one insert), the posting, the week's summary row (one upsert that
    adds the visit) and the audit row. The enrolment's plan versions are read once (prefetch them). A visit just
    written carries ``teachers_written`` (its teacher rows with their staff), so the caller need not read it back;
    a retried ``client_ref`` answers the first visit as stored."""
    client_ref = (client_ref or "").strip()[:64]
    if client_ref and actor is not None and actor.is_authenticated:
        first = Visit.objects.filter(recorded_by=actor, client_ref=client_ref).first()
        if first is not None:
            return first
    if not has_perm(actor, "homebound.record"):
        raise PermissionDenied()
    values = _normalise({"date": date, "start_time": start_time, "end_time": end_time,
                         "place": place or enrolment.place,
                         "mode": mode, "online": online, "notes": notes, "guardian_training": guardian_training,
                         "teacher_ids": teacher_ids, "status": status, "reason": reason,
                         "family_informed": family_informed, "makeup_date": makeup_date})
    try:
        with transaction.atomic():
            return _record(actor, enrolment, values, client_ref)
    except IntegrityError:
        if client_ref:  # a concurrent retry of the same request won: answer its visit
            first = Visit.objects.filter(recorded_by=actor, client_ref=client_ref).first()
            if first is not None:
                return first
        raise


def _record(actor, e: Enrolment, values: dict, client_ref: str) -> Visit:
    versions = list(e.plan_versions.all())  # one query, or none when the caller prefetched them
    day = _date(values["date"])
    terms = term_ranges(e.school_year, e.school)
    delivered = values["status"] == Visit.DELIVERED
    hours = (hours_between(_time(values["start_time"]), _time(values["end_time"])) or Decimal(0)) if delivered \
        else Decimal(0)
    counted = delivered and day is not None and hours > 0 and counts_for_year(day, e.school, terms)
    # The row lock, the scope, the state and the year figures in one statement (refused below: rolled back).
    locked = (Enrolment.objects.filter(pk=e.pk, state=Enrolment.ACTIVE).visible_to(actor, "homebound.record")
              .update(hours_delivered=F("hours_delivered") + (hours if counted else 0),
                      visits_delivered=F("visits_delivered") + (1 if counted else 0)))
    errors = []
    if not locked:
        _require_record(actor, e)
        errors.append(_err("enrolment_id", _("Visits are recorded for an active enrolment."), "not_active"))
    more, derived = check_visit(e, values, versions=versions)
    raise_coded(errors + more)
    staff = derived["staff"]
    v = Visit(enrolment=e, student=e.student, school=e.school, region_path=e.region_path, date=day,
              start_time=_time(values["start_time"]), end_time=_time(values["end_time"]), hours=derived["hours"],
              short=derived["short"], place=values["place"], mode=values["mode"], online=values["online"],
              notes=values["notes"], guardian_training=values["guardian_training"], status=values["status"],
              reason=values["reason"], family_informed=values["family_informed"],
              makeup_date=_date(values["makeup_date"]), client_ref=client_ref, original=values, recorded_by=actor)
    v.subsidy = subsidy_for(v, len(values["teacher_ids"]))
    v.save()
    now = timezone.now()
    own = getattr(actor, "pk", None)
    vts = [VisitTeacher(visit=v, staff=staff[t], confirmed_at=now if own and staff[t].user_id == own else None)
           for t in values["teacher_ids"]]
    VisitTeacher.objects.bulk_create(vts)
    _post_subsidy(actor, v, [staff[t].name for t in values["teacher_ids"]], fresh=True)
    if v.ledger_entry is not None:
        Visit.objects.filter(pk=v.pk).update(ledger_entry=v.ledger_entry)
    _add_to_week(e, v, terms, versions)
    audit.record(actor, "homebound.visit.recorded", v, changes={
        "date": [None, values["date"]], "status": [None, v.status], "hours": [None, str(v.hours)],
        "teachers": [None, values["teacher_ids"]], "subsidy": [None, str(v.subsidy)],
        **({"short": [None, True]} if v.short else {})})
    v.teachers_written = vts
    return v


def _add_to_week(e: Enrolment, v: Visit, terms, versions) -> None:
    """Add one new visit to its week's summary row: one upsert (call under the enrolment's lock). The row counts
    the week's visits as ``refresh_weeks`` computes them; the requirement is the plan version in force that week."""
    monday = week_start(v.date)
    plan = _plan_on(versions, monday)
    required = plan.visits_per_week if plan and is_term_week(monday, terms) else 0
    per = plan.hours_per_visit if plan else Decimal(0)
    delivered = v.status == Visit.DELIVERED
    row = {"visits": int(delivered), "hours": v.hours if delivered else Decimal(0),
           "short_visits": int(delivered and v.short), "missed_visits": int(not delivered)}
    met = row["visits"] - row["short_visits"] >= required
    qn = connection.ops.quote_name
    table = qn(VisitWeek._meta.db_table)
    added = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in row)
    sql = (f"INSERT INTO {table} ({qn('enrolment_id')}, {qn('week_start')}, {', '.join(qn(c) for c in row)}, "  # noqa: S608 — our own table and column names; values are parameters
           f"{qn('required_visits')}, {qn('required_hours_per_visit')}, {qn('met')}) "
           f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
           f"ON CONFLICT ({qn('enrolment_id')}, {qn('week_start')}) DO UPDATE SET {added}, "
           f"{qn('required_visits')} = excluded.{qn('required_visits')}, "
           f"{qn('required_hours_per_visit')} = excluded.{qn('required_hours_per_visit')}, "
           f"{qn('met')} = ({table}.{qn('visits')} + excluded.{qn('visits')} - {table}.{qn('short_visits')} "
           f"- excluded.{qn('short_visits')} >= excluded.{qn('required_visits')})")
    with connection.cursor() as cur:
        cur.execute(sql, [e.pk, monday, row["visits"], row["hours"], row["short_visits"], row["missed_visits"],
                          required, per, met])


def _has_staff(user) -> bool:
    try:
        return user is not None and user.is_authenticated and user.staff_member is not None
    except StaffMember.DoesNotExist:
        return False


def _names(ids) -> list[str]:
    names = dict(StaffMember.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [names.get(i, str(i)) for i in ids]


def visit_correct(*, actor, visit: Visit, reason: str, version: int | None = None, _kind: str = "correction",
                  **changes) -> Visit:
    """Correct a saved visit (HB-6): the original stays; the correction records before/after, who, when, why;
    when the subsidy changes the visit's ledger entry is reversed and the new version's posted (HB-7).
    ``reason`` says why; ``reason_code`` is why a missed or cancelled visit did not take place."""
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    if _kind == "correction":
        _require_record(actor, visit.enrolment)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the visit is corrected."), field="reason", code="required")
    with transaction.atomic():
        e = _lock_enrolment(visit.enrolment_id)
        v = (Visit.objects.select_for_update(of=("self",)).select_related("school", "student", "ledger_entry")
             .get(pk=visit.pk))
        check_version(v, version)
        v.enrolment = e
        before = values_of(v)
        after = dict(before)
        if "reason_code" in changes:
            changes["reason"] = changes.pop("reason_code") or ""
        after.update({k: val for k, val in changes.items() if val is not None or k in ("makeup_date",)})
        if after.get("status") == Visit.DELIVERED and "reason" not in changes:
            after["reason"] = ""
        after = _normalise(after)
        errors, derived = check_visit(e, after, disowning=_kind == "disowned")
        raise_coded(errors)
        if after == before:
            raise DomainError(_("The correction changes nothing."), field="reason")
        v.date, v.start_time, v.end_time = _date(after["date"]), _time(after["start_time"]), _time(after["end_time"])
        v.place, v.mode, v.online, v.notes = after["place"], after["mode"], after["online"], after["notes"]
        v.guardian_training, v.status, v.reason = after["guardian_training"], after["status"], after["reason"]
        v.family_informed, v.makeup_date = after["family_informed"], _date(after["makeup_date"])
        v.hours, v.short = derived["hours"], derived["short"]
        v.version += 1
        if after["teacher_ids"] != before["teacher_ids"]:
            kept = set(after["teacher_ids"])
            VisitTeacher.objects.filter(visit=v).exclude(staff_id__in=kept).delete()
            have = set(VisitTeacher.objects.filter(visit=v).values_list("staff_id", flat=True))
            VisitTeacher.objects.bulk_create([VisitTeacher(visit=v, staff_id=t) for t in after["teacher_ids"]
                                              if t not in have])
        old_subsidy = v.subsidy
        if any(before[k] != after[k] for k in SUBSIDY_FIELDS):
            _reverse_subsidy(actor, v, _("Visit corrected: %(reason)s") % {"reason": reason})
            _post_subsidy(actor, v, _names(after["teacher_ids"]))
        v.save()
        number = VisitCorrection.objects.filter(visit=v).count() + 1
        c = VisitCorrection.objects.create(visit=v, number=number, kind=_kind, reason=reason[:2000], before=before,
                                           after=after, corrected_by=actor)
        refresh_weeks(e, {week_start(_date(before["date"])), week_start(v.date)})
        diff = audit.diff(before, after)
        for k in PRIVATE:
            if k in diff:
                diff[k] = ["***" if before[k] else "", "***" if after[k] else ""]
        audit.record(actor, f"homebound.visit.{'disowned' if _kind == 'disowned' else 'corrected'}", v, changes={
            **diff, "correction": [None, c.number], "subsidy": [str(old_subsidy), str(v.subsidy)]})
        return v


def _own_staff(actor, v: Visit) -> VisitTeacher:
    if not _has_staff(actor):
        raise PermissionDenied(_("Only a teacher named on the visit does this."))
    vt = VisitTeacher.objects.filter(visit=v, staff=actor.staff_member).first()
    if vt is None:
        raise PermissionDenied(_("Only a teacher named on the visit does this."))
    return vt


def visit_confirm(*, actor, visit: Visit) -> Visit:
    """The second teacher confirms their presence on the same record (HB-4: one visit, one record)."""
    if not can(actor, "homebound.view", visit):
        raise NotFound()
    with transaction.atomic():
        v = Visit.objects.select_for_update(of=("self",)).get(pk=visit.pk)
        vt = _own_staff(actor, v)
        if vt.confirmed_at is None:
            vt.confirmed_at = timezone.now()
            vt.save(update_fields=["confirmed_at"])
            audit.record(actor, "homebound.visit.confirmed", v, changes={"teacher": [None, vt.staff_id]})
        return v


def visit_disown(*, actor, visit: Visit, reason: str) -> Visit:
    """A teacher named on a visit says they were not there: a recorded correction removes them, with the
    reversal of the visit's subsidy and the posting for the teachers who remain (HB-4, HB-7)."""
    if not can(actor, "homebound.view", visit):
        raise NotFound()
    vt = _own_staff(actor, visit)
    ids = [t for t in visit.visit_teachers.values_list("staff_id", flat=True) if t != vt.staff_id]
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you were not at this visit."), field="reason", code="required")
    return visit_correct(actor=actor, visit=visit, reason=_("Disowned by %(name)s: %(reason)s")
                         % {"name": vt.staff.name, "reason": reason}, _kind="disowned", teacher_ids=ids)


def attachment_add(*, actor, visit: Visit, uploaded_file) -> VisitAttachment:
    """Attach a photo or short video to a visit (HB-6)."""
    from suiban.homebound.files import check_media, store

    _require_record(actor, visit.enrolment)
    kind = check_media(uploaded_file)
    att = VisitAttachment(visit=visit, name=(uploaded_file.name or "file").rsplit("/", 1)[-1][:200])
    return store(att, kind, uploaded_file, actor=actor, action="homebound.visit.attachment_added", audit_obj=visit)


# --- the weekly summary (HB-4) -----------------------------------------------------------------------------
_TERMS: dict = {}  # (school year id, start, end) → (expires, [(start, end), …])
_TERMS_SECONDS = 60


def term_ranges(school_year, subject=None) -> list[tuple[date, date]]:
    """The school year's terms as (start, end), in order, with the dates of ``subject``'s region (ORG-2: a district
    that sets its own start date has its own first term); kept a minute per process and calendar (a term changes
    once a year, and a change in this process empties the cache at once)."""
    own = tuple(sorted(local_values(subject).items()))
    key = (school_year.pk, school_year.start_date, school_year.end_date, own)
    hit = _TERMS.get(key)
    if hit is not None and hit[0] > monotonic():
        return list(hit[1])
    terms = list(Term.objects.filter(school_year=school_year).select_related("school_year").order_by("number"))
    ranges = [term_dates(t, subject) if own else (t.start_date, t.end_date) for t in terms]
    _TERMS[key] = (monotonic() + _TERMS_SECONDS, tuple(ranges))
    return ranges


@receiver([post_save, post_delete], sender=Term, dispatch_uid="homebound_terms_changed")
def _terms_changed(**_kwargs) -> None:
    _TERMS.clear()


def is_term_week(monday: date, terms) -> bool:
    friday = monday + timedelta(days=4)
    return any(s <= friday and monday <= e for s, e in terms)


def counts_for_year(d: date, school, terms) -> bool:
    return param(school, "homebound_holiday_visits_count") or any(s <= d <= e for s, e in terms)


def refresh_weeks(e: Enrolment, weeks: set[date], *, terms=None) -> None:
    """Recompute the summary rows of these weeks and the enrolment's year figures from the visits (call under the
    enrolment's lock)."""
    terms = terms if terms is not None else term_ranges(e.school_year, e.school)
    versions = list(e.plan_versions.all())
    rows = []
    for monday in sorted(weeks):
        agg = (Visit.objects.filter(enrolment=e, date__gte=monday, date__lte=monday + timedelta(days=6))
               .aggregate(visits=Count("id", filter=Q(status=Visit.DELIVERED)),
                          hours=Sum("hours", filter=Q(status=Visit.DELIVERED)),
                          short=Count("id", filter=Q(status=Visit.DELIVERED, short=True)),
                          missed=Count("id", filter=~Q(status=Visit.DELIVERED))))
        plan = _plan_on(versions, monday)
        required = plan.visits_per_week if plan and is_term_week(monday, terms) else 0
        per = plan.hours_per_visit if plan else Decimal("0")
        full = agg["visits"] - agg["short"]
        rows.append(VisitWeek(enrolment=e, week_start=monday, visits=agg["visits"], hours=agg["hours"] or 0,
                              short_visits=agg["short"], missed_visits=agg["missed"], required_visits=required,
                              required_hours_per_visit=per, met=full >= required))
    VisitWeek.objects.bulk_create(rows, update_conflicts=True, unique_fields=["enrolment", "week_start"],
                                  update_fields=["visits", "hours", "short_visits", "missed_visits",
                                                 "required_visits", "required_hours_per_visit", "met"])
    delivered = Visit.objects.filter(enrolment=e, status=Visit.DELIVERED)
    if not param(e.school, "homebound_holiday_visits_count"):
        in_term = Q()
        for s, end in terms:
            in_term |= Q(date__gte=s, date__lte=end)
        delivered = delivered.filter(in_term) if terms else delivered.none()
    agg = delivered.aggregate(hours=Sum("hours"), visits=Count("id"))
    Enrolment.objects.filter(pk=e.pk).update(hours_delivered=agg["hours"] or 0, visits_delivered=agg["visits"])


def refresh_enrolment(e: Enrolment, since: date | None = None) -> None:
    """Recompute every week with visits (from ``since``) — after the plan changed."""
    qs = e.visits.all()
    if since:
        qs = qs.filter(date__gte=week_start(since))
    refresh_weeks(e, {week_start(d) for d in qs.values_list("date", flat=True)})


def _plan_on(versions, monday: date):
    in_force = [v for v in versions if v.effective_from <= monday + timedelta(days=6)]
    if in_force:
        return max(in_force, key=lambda v: (v.effective_from, v.number))
    return min(versions, key=lambda v: (v.effective_from, v.number)) if versions else None
