"""API of the staff and support bodies module (API.md "Staff (ST)"): pools and their filing (ST-1), staff
(ST-1, ST-3), training (ST-2, ST-7), itinerant visits (ST-6) and the committee's opinions on a case (PL-16).

Every handler first asks for the permission (403 when the role lacks it), then looks the object up inside
the caller's scope (404 outside it); writes go through ``suiban.staff.services``."""

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from suiban.core.api_tools import Id, PageIn, listed, page_count, require
from suiban.core.api_tools import Schema as PlainSchema
from suiban.core.errors import DomainError
from suiban.core.scoping import get_visible_or_404
from suiban.org.models import School
from suiban.staff import selectors, services
from suiban.staff.models import CommitteeOpinion, ItinerantVisit, Pool, StaffMember, Training

router = Router(tags=["staff"])
NO_FILE = File(None)  # an optional multipart file

MemberKind = Literal["fixed_resource", "excellent", "assistant", "social_worker", "therapist"]
Qualification = Literal["special_ed_degree", "provincial_training", "none"]
StaffKind = Literal["teacher", "special_teacher", "centre", "assistant", "social_worker", "therapist"]


def _year(value, field="school_year"):
    sy = selectors.school_year_from(value) if value not in (None, "") else selectors.current_school_year()
    if sy is None:
        raise DomainError(_("Unknown school year: write it as 2025-2026."), field=field)
    return sy


def _school(request, school_id, perm="staff.view", field="school_id") -> School:
    school = School.objects.visible_to(request.user, perm).filter(pk=school_id).first()
    if school is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field=field)
    return school


# --- pools (ST-1) ------------------------------------------------------------------------------------------------
class MemberIn(Schema):
    staff_id: Id
    kind: MemberKind
    full_time: bool = False


class MemberOut(Schema):
    id: int
    staff_id: int
    name: str
    kind: str
    full_time: bool
    qualification: str


class PoolAmendmentOut(Schema):
    reason: str
    amended_at: dt.datetime
    amended_by: str | None
    changes: dict


class PoolOut(Schema):
    id: int
    version: int
    school_id: int
    school_name: str
    school_year: str
    state: str
    filed_at: dt.datetime | None
    deadline: dt.date
    filing_state: str = Field(..., description='"filed" (on time), "late" or "missing" (not filed yet)')
    renewed_from_id: int | None
    members: list[MemberOut]
    amendments: list[PoolAmendmentOut]


class PoolPage(Schema):
    count: int
    items: list[PoolOut]


class PoolIn(Schema):
    school_id: Id
    school_year: str = Field(..., max_length=9, description='"2026-2027"')
    renew: bool = Field(True, description="start from the members of the school's latest earlier pool")


class PoolPatch(Schema):
    version: int | None = None
    members: list[MemberIn]
    reason: str = Field("", max_length=2000, description="required once the pool has been filed (an amendment)")


class FileIn(Schema):
    version: int | None = None


class FilingItem(PlainSchema):
    school_id: int
    school_name: str
    school_code: str
    region_id: int
    state: str = Field(..., description='"filed" | "late" | "missing"')
    filed_at: dt.datetime | None
    deadline: dt.date
    pool_id: int | None


class FilingPage(PlainSchema):
    count: int
    items: list[FilingItem]
    school_year: str
    counts: dict[str, int] | None = Field(None, description="filed/late/missing/total in scope (with ?counts=1)")


def _pools(qs):
    return qs.select_related("school", "school_year").prefetch_related(
        "members__staff", "amendments__amended_by")


def pool_out(p: Pool) -> dict:
    deadline = selectors.deadline_for(p.school, p.school_year)
    return {
        "id": p.pk, "version": p.version, "school_id": p.school_id, "school_name": p.school.name,
        "school_year": p.school_year.name, "state": p.state, "filed_at": p.filed_at, "deadline": deadline,
        "filing_state": selectors.filing_state(p.school, p.school_year, p.state, p.filed_at, p.filed_late),
        "renewed_from_id": p.renewed_from_id,
        "members": [{"id": m.pk, "staff_id": m.staff_id, "name": m.staff.name, "kind": m.kind,
                     "full_time": m.full_time, "qualification": m.staff.qualification}
                    for m in sorted(p.members.all(), key=lambda m: (m.kind != "fixed_resource", m.pk))],
        "amendments": [{"reason": a.reason, "amended_at": a.amended_at,
                        "amended_by": a.amended_by.username if a.amended_by_id else None, "changes": a.changes}
                       for a in p.amendments.all()],
    }


@router.get("/pools", response=PoolPage)
def list_pools(request, page: Query[PageIn], school_id: Id | None = None,
               school_year: str | None = Query(None, max_length=9),
               state: Literal["draft", "filed"] | None = None):
    """Pools in scope, newest school year first."""
    require(request, "staff.view")
    qs = Pool.objects.visible_to(request.user, "staff.view")
    if school_id:
        qs = qs.filter(school_id=school_id)
    if school_year:
        qs = qs.filter(school_year=_year(school_year))
    if state:
        qs = qs.filter(state=state)
    total = qs.count()
    start = (page.page - 1) * page.page_size
    return {"count": total, "items": [pool_out(p) for p in _pools(qs)[start:start + page.page_size]]}


@router.post("/pools", response={201: PoolOut})
def create_pool(request, payload: PoolIn):
    """Open the school's pool for a school year, renewed from its latest earlier pool unless ``renew`` is false."""
    require(request, "staff.edit")
    school = _school(request, payload.school_id)
    p = services.pool_create(actor=request.user, school=school, school_year=_year(payload.school_year),
                             renew=payload.renew)
    return Status(201, pool_out(_pools(Pool.objects).get(pk=p.pk)))


@router.get("/pools/filing", response=FilingPage)
def pool_filing(request, page: Query[PageIn], school_year: str | None = Query(None, max_length=9),
                region_id: Id | None = None, state: Literal["filed", "late", "missing"] | None = None,
                counts: bool = False):
    """ST-1: every ordinary school in scope with its pool's filing state for the school year (default the
    current one): filed before the ⚙ deadline, late, or missing. One query per page."""
    require(request, "staff.filing")
    from suiban.org.models import Region

    sy = _year(school_year)
    region_path = None
    if region_id:
        region = Region.objects.visible_to(request.user).filter(pk=region_id).first()
        if region is None:
            raise DomainError(_("The object does not exist or is outside your scope."), field="region_id")
        region_path = region.path
    base = selectors.filing_base(request.user, region_path=region_path)
    qs = selectors.filing_schools(request.user, sy, state=state, base=base)
    start = (page.page - 1) * page.page_size
    items = selectors.filing_items(qs[start:start + page.page_size], sy)
    # every school in scope needs no join to count; a page that is not full tells the count
    total, _exact = page_count(qs if state else base, start, page.page_size, len(items))
    out = {"count": total, "items": items, "school_year": sy.name, "counts": None}
    if counts:
        out["counts"] = selectors.filing_counts(request.user, sy, region_path=region_path)
    return listed(out)


def _pool(request, pool_id: int) -> Pool:
    require(request, "staff.view")
    return get_visible_or_404(_pools(Pool.objects), request.user, pool_id, "staff.view")


@router.get("/pools/{pool_id}", response=PoolOut)
def get_pool(request, pool_id: int):
    return pool_out(_pool(request, pool_id))


@router.patch("/pools/{pool_id}", response=PoolOut)
def patch_pool(request, pool_id: int, payload: PoolPatch):
    """Replace the pool's members (one fixed resource teacher at most). A filed pool changes only by an
    amendment: ``reason`` is then required and the change is kept with it."""
    p = _pool(request, pool_id)
    require(request, "staff.edit")
    services.pool_set_members(actor=request.user, pool=p, version=payload.version,
                              members=[m.dict() for m in payload.members], reason=payload.reason)
    return pool_out(_pool(request, pool_id))


@router.post("/pools/{pool_id}/file", response=PoolOut)
def file_pool(request, pool_id: int, payload: FileIn | None = None):
    """File the pool with the bureau (needs the fixed resource teacher); then read-only except by amendment."""
    p = _pool(request, pool_id)
    require(request, "staff.file")
    services.pool_file(actor=request.user, pool=p, version=payload.version if payload else None)
    return pool_out(_pool(request, pool_id))


# --- staff (ST-1, ST-3) ------------------------------------------------------------------------------------------
class StaffIn(Schema):
    name: str = Field(..., max_length=50)
    kind: StaffKind = "teacher"
    school_id: Id | None = None
    centre_id: Id | None = None
    qualification: Qualification = "none"
    qualification_evidence: str = Field("", max_length=200)
    itinerant: bool = False
    subject: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    user_id: Id | None = None


class StaffOut(Schema):
    id: int
    version: int
    name: str
    kind: str
    school_id: int | None
    centre_id: int | None
    user_id: int | None
    qualification: str
    qualification_evidence: str
    itinerant: bool
    subject: str
    is_active: bool
    training_hours: float | None = Field(None, description="training hours in the current school year")


class StaffPage(Schema):
    count: int
    items: list[StaffOut]


def staff_out(s: StaffMember) -> dict:
    hours = getattr(s, "hours", None)
    return {"id": s.pk, "version": s.version, "name": s.name, "kind": s.kind, "school_id": s.school_id,
            "centre_id": s.centre_id, "user_id": s.user_id, "qualification": s.qualification,
            "qualification_evidence": s.qualification_evidence, "itinerant": s.itinerant, "subject": s.subject,
            "is_active": s.is_active, "training_hours": float(hours) if hours is not None else None}


@router.get("/staff", response=StaffPage)
def list_staff(request, page: Query[PageIn], school_id: Id | None = None, kind: StaffKind | None = None,
               qualification: Qualification | None = None):
    """Staff in scope (a teacher: their own record), with their training hours of the current school year."""
    from suiban.core.scoping import has_perm

    if not (has_perm(request.user, "staff.view") or has_perm(request.user, "staff.own")):
        require(request, "staff.view")
    qs = selectors.visible_staff(request.user)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if kind:
        qs = qs.filter(kind=kind)
    if qualification:
        qs = qs.filter(qualification=qualification)
    sy = selectors.current_school_year()
    qs = qs.order_by("name", "id")
    total = qs.count()
    if sy is not None:
        qs = selectors.staff_with_hours(qs, sy)
    start = (page.page - 1) * page.page_size
    return {"count": total, "items": [staff_out(s) for s in qs[start:start + page.page_size]]}


@router.post("/staff", response={201: StaffOut})
def create_staff(request, payload: StaffIn):
    """A staff record of a school (staff.edit) or of a resource centre (staff.experts), with its qualification
    basis (ST-3): a special-education degree, provincial training with its certificate, or none."""
    from suiban.accounts.models import User
    from suiban.org.models import ResourceCentre

    if payload.school_id is not None:
        require(request, "staff.edit")
        school, centre = _school(request, payload.school_id, "staff.edit"), None
    else:
        require(request, "staff.experts")
        school = None
        centre = None
        if payload.centre_id is not None:
            centre = ResourceCentre.objects.visible_to(request.user, "staff.experts").filter(
                pk=payload.centre_id).select_related("region").first()
            if centre is None:
                raise DomainError(_("The object does not exist or is outside your scope."), field="centre_id")
    user = None
    if payload.user_id is not None:
        user = User.objects.filter(pk=payload.user_id).first()
        if user is None:
            raise DomainError(_("The object does not exist or is outside your scope."), field="user_id")
    s = services.staff_create(actor=request.user, name=payload.name, kind=payload.kind, school=school,
                              centre=centre, qualification=payload.qualification,
                              qualification_evidence=payload.qualification_evidence, itinerant=payload.itinerant,
                              subject=payload.subject, phone=payload.phone, user=user)
    return Status(201, staff_out(s))


# --- training (ST-2, ST-7) ----------------------------------------------------------------------------------------
Level = Literal["province", "city", "county", "school"]
TrainingKind = Literal["course", "school_research", "invited_expert"]


class TrainingIn(Schema):
    course: str = Field(..., max_length=200)
    level: Level
    kind: TrainingKind = "course"
    organiser: str = Field("", max_length=100)
    hours: float = Field(..., gt=0, le=2000)
    start_date: dt.date
    end_date: dt.date | None = None


class TrainingOut(Schema):
    id: int
    staff_id: int
    course: str
    kind: str
    level: str
    organiser: str
    hours: float
    start_date: dt.date
    end_date: dt.date
    school_year: str | None
    certificate: dict | None = Field(None, description="{content_type, size, url} of the certificate scan")


class TrainingPage(Schema):
    count: int
    items: list[TrainingOut]


def training_out(t: Training) -> dict:
    from django.urls import reverse

    return {"id": t.pk, "staff_id": t.staff_id, "course": t.course, "kind": t.kind, "level": t.level,
            "organiser": t.organiser, "hours": float(t.hours), "start_date": t.start_date, "end_date": t.end_date,
            "school_year": t.school_year.name if t.school_year_id else None,
            "certificate": {"content_type": t.certificate_type, "size": t.certificate_size,
                            "url": reverse("staff:certificate", args=[t.pk])} if t.certificate else None}


def _staff(request, staff_id: int) -> StaffMember:
    """In scope (staff.view), or one's own record (staff.own); another's record without staff.view → 403."""
    from django.http import Http404

    from suiban.core.scoping import has_perm

    if not (has_perm(request.user, "staff.view") or has_perm(request.user, "staff.own")):
        require(request, "staff.view")
    s = selectors.staff_for(request.user, staff_id)
    if s is None:
        raise Http404
    return s


@router.get("/staff/{staff_id}/trainings", response=TrainingPage)
def list_trainings(request, staff_id: int, page: Query[PageIn], school_year: str | None = Query(None, max_length=9)):
    """A staff member's training records, newest first (a teacher sees their own)."""
    s = _staff(request, staff_id)
    qs = s.trainings.select_related("school_year").order_by("-start_date", "-id")
    if school_year:
        qs = qs.filter(school_year=_year(school_year))
    total = qs.count()
    start = (page.page - 1) * page.page_size
    return {"count": total, "items": [training_out(t) for t in qs[start:start + page.page_size]]}


@router.post("/staff/{staff_id}/trainings", response={201: TrainingOut})
def create_training(request, staff_id: int, payload: Form[TrainingIn],
                    certificate: UploadedFile = NO_FILE):
    """Record a training (multipart form; ``certificate`` an optional PDF/JPEG/PNG scan, checked by content)."""
    s = _staff(request, staff_id)
    perm = "staff.edit" if s.school_id else "staff.experts"
    require(request, perm)
    t = services.training_record(actor=request.user, staff=s, certificate=certificate,
                                 **{**payload.dict(), "hours": str(payload.hours)})
    return Status(201, training_out(t))


# --- itinerant visits (ST-6) ---------------------------------------------------------------------------------
class VisitIn(Schema):
    school_id: Id
    date: dt.date
    teacher_id: Id | None = Field(None, description="default: the caller's own staff record")
    student_ids: list[Id] = []
    advice: str = Field(..., max_length=4000)
    follow_up: str = Field("", max_length=4000)
    follow_up_due: dt.date | None = None
    client_ref: str = Field("", max_length=64)


class VisitOut(Schema):
    id: int
    version: int
    school_id: int
    school_name: str
    date: dt.date
    teacher_id: int
    teacher_name: str
    student_ids: list[int]
    advice: str
    follow_up: str
    follow_up_due: dt.date | None
    response: str
    responded_at: dt.datetime | None
    client_ref: str


class VisitPage(Schema):
    count: int
    items: list[VisitOut]


class ResponseIn(Schema):
    response: str = Field(..., max_length=4000)
    version: int | None = None


def visit_out(v: ItinerantVisit, visible_students: set[int] | None = None) -> dict:
    return {"id": v.pk, "version": v.version, "school_id": v.school_id, "school_name": v.school.name,
            "date": v.date, "teacher_id": v.teacher_id, "teacher_name": v.teacher.name,
            "student_ids": sorted(s.pk for s in v.students.all()
                                  if visible_students is None or s.pk in visible_students),
            "advice": v.advice, "follow_up": v.follow_up, "follow_up_due": v.follow_up_due, "response": v.response,
            "responded_at": v.responded_at, "client_ref": v.client_ref}


def _visits(qs):
    return qs.select_related("school", "teacher").prefetch_related("students")


def _visible_student_ids(user, visits) -> set[int]:
    from suiban.students.models import Student

    ids = {s.pk for v in visits for s in v.students.all()}
    return set(Student.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


@router.get("/itinerant-visits", response=VisitPage)
def list_visits(request, page: Query[PageIn], school_id: Id | None = None, date_from: dt.date | None = None,
                date_to: dt.date | None = None, open_follow_up: bool = False):
    """Itinerant visits in scope, newest first; ``open_follow_up=true`` lists those awaiting the school's answer."""
    require(request, "staff.view")
    qs = ItinerantVisit.objects.visible_to(request.user, "staff.view")
    if school_id:
        qs = qs.filter(school_id=school_id)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if open_follow_up:
        qs = qs.exclude(follow_up="").filter(response="")
    total = qs.count()
    start = (page.page - 1) * page.page_size
    rows = list(_visits(qs)[start:start + page.page_size])
    visible = _visible_student_ids(request.user, rows)
    return {"count": total, "items": [visit_out(v, visible) for v in rows]}


class CoverageItem(Schema):
    school_id: int
    school_name: str
    school_code: str
    region_id: int


class CoveragePage(Schema):
    count: int
    items: list[CoverageItem]
    term: str
    term_start: dt.date
    term_end: dt.date


@router.get("/itinerant-visits/coverage", response=CoveragePage)
def visit_coverage(request, page: Query[PageIn], region_id: Id | None = None):
    """ST-6: the ordinary schools in scope that no itinerant teacher has visited during the current term."""
    require(request, "staff.view")
    from django.utils import timezone

    from suiban.org.models import Region

    term = selectors.term_of(timezone.localdate())
    if term is None:
        raise DomainError(_("No school term is set up yet."), field="term")
    region_path = None
    if region_id:
        region = Region.objects.visible_to(request.user).filter(pk=region_id).first()
        if region is None:
            raise DomainError(_("The object does not exist or is outside your scope."), field="region_id")
        region_path = region.path
    qs = selectors.schools_not_visited(request.user, term, region_path=region_path)
    total = qs.count()
    start = (page.page - 1) * page.page_size
    return {"count": total, "term": str(term), "term_start": term.start_date, "term_end": term.end_date,
            "items": [{"school_id": s.pk, "school_name": s.name, "school_code": s.code, "region_id": s.region_id}
                      for s in qs[start:start + page.page_size]]}


@router.post("/itinerant-visits", response={201: VisitOut})
def create_visit(request, payload: VisitIn):
    """Record a visit to an ordinary school (ST-6); a repeated ``client_ref`` answers the first visit."""
    require(request, "staff.itinerant")
    school = _school(request, payload.school_id, "staff.itinerant")
    if payload.teacher_id is not None:
        teacher = StaffMember.objects.visible_to(request.user, "staff.view").filter(pk=payload.teacher_id).first()
        if teacher is None:
            raise DomainError(_("The object does not exist or is outside your scope."), field="teacher_id")
    else:
        teacher = StaffMember.objects.filter(user=request.user).first()
        if teacher is None:
            raise DomainError(_("Choose the itinerant teacher."), field="teacher_id")
    v = services.itinerant_visit_create(actor=request.user, school=school, date_=payload.date, teacher=teacher,
                                        advice=payload.advice, student_ids=payload.student_ids,
                                        follow_up=payload.follow_up, follow_up_due=payload.follow_up_due,
                                        client_ref=payload.client_ref)
    v = _visits(ItinerantVisit.objects).get(pk=v.pk)
    return Status(201, visit_out(v, _visible_student_ids(request.user, [v])))


@router.post("/itinerant-visits/{visit_id}/response", response=VisitOut)
def answer_visit(request, visit_id: int, payload: ResponseIn):
    """The school answers the follow-up the visit asked for (ST-6)."""
    require(request, "staff.view")
    v = get_visible_or_404(ItinerantVisit, request.user, visit_id, "staff.view")
    require(request, "staff.respond")
    services.itinerant_follow_up_answer(actor=request.user, visit=v, response=payload.response,
                                        version=payload.version)
    v = _visits(ItinerantVisit.objects).get(pk=v.pk)
    return visit_out(v, _visible_student_ids(request.user, [v]))


# --- the expert committee's opinions on a case (PL-16) -------------------------------------------------------------
class OpinionIn(Schema):
    physical_condition: str = Field(..., max_length=4000)
    education_ability: str = Field(..., max_length=4000)
    adaptation_ability: str = Field(..., max_length=4000)
    conclusion: str = Field("", max_length=4000)
    member_ids: list[Id]
    given_on: dt.date | None = None


class OpinionOut(Schema):
    id: int
    case_id: int
    physical_condition: str
    education_ability: str
    adaptation_ability: str
    conclusion: str
    given_on: dt.date
    members: list[dict] = Field(..., description="[{id, name, field}]")


def opinion_out(o: CommitteeOpinion) -> dict:
    return {"id": o.pk, "case_id": o.case_id, "physical_condition": o.physical_condition,
            "education_ability": o.education_ability, "adaptation_ability": o.adaptation_ability,
            "conclusion": o.conclusion, "given_on": o.given_on,
            "members": [{"id": m.pk, "name": m.name, "field": m.field} for m in o.members.all()]}


def _case(request, case_id: int):
    from suiban.students.models import Case

    require(request, "cases.view")
    return get_visible_or_404(Case, request.user, case_id, "cases.view")


@router.get("/cases/{case_id}/opinions", response=list[OpinionOut])
def list_opinions(request, case_id: int):
    """The committee's opinions on a case, each over the three aspects of GD §8 with its members (PL-16)."""
    case = _case(request, case_id)
    return [opinion_out(o) for o in case.committee_opinions.prefetch_related("members")]


@router.post("/cases/{case_id}/opinions", response={201: OpinionOut})
def create_opinion(request, case_id: int, payload: OpinionIn):
    case = _case(request, case_id)
    require(request, "cases.opinion")
    o = services.committee_opinion_record(actor=request.user, case=case, **payload.dict())
    return Status(201, opinion_out(o))
