"""API of the home-delivered education module (API.md "Home-delivered education (送教上门, HB)")."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from suiban.core.api_tools import Id, PageIn, listed, page_count, require
from suiban.core.api_tools import Schema as PlainSchema
from suiban.core.errors import DomainError
from suiban.core.scoping import get_visible_or_404, has_perm
from suiban.homebound import documents, selectors, services, visits
from suiban.homebound.models import CRITERIA, Enrolment, Visit
from suiban.org.models import Region, ResourceCentre, School, SchoolYear
from suiban.students.models import Student

router = Router(tags=["homebound"])

Criterion = Literal["hukou_in_district", "certified", "cannot_attend_school", "able_to_learn", "age",
                    "severe_disability"]
RehabArea = Literal["perception", "motor", "language"]


class HomeboundConfirmationIn(Schema):
    met: bool
    evidence: str = Field("", max_length=1000)


class HomeboundCurriculumIn(Schema):
    teaching: str | None = Field(None, max_length=4000)
    rehabilitation: str | None = Field(None, max_length=4000)
    rehab_provider: str | None = Field(None, max_length=200)
    rehab_areas: list[RehabArea] | None = None


class HomeboundEnrolmentIn(Schema):
    student_id: Id
    school_year: str | None = Field(None, max_length=9, description='"2026-2027"; default the current one')
    place: str = Field("", max_length=200)
    start_date: dt.date | None = None
    delivering_school_id: Id | None = None
    delivering_centre_id: Id | None = None
    teacher_ids: list[Id] = Field([], description="StaffMember ids from the school's filed pool of the year")
    visits_per_week: int | None = Field(None, ge=0, le=7)
    hours_per_visit: Decimal | None = Field(None, ge=0, le=8)
    curriculum: HomeboundCurriculumIn | None = None
    goals: str | None = Field(None, max_length=4000)
    eligibility: dict[Criterion, HomeboundConfirmationIn] | None = None


class HomeboundEnrolmentPatch(Schema):
    version: int | None = None
    state: Literal["draft", "active", "ended"] | None = None
    end_reason: str | None = Field(None, max_length=200)
    place: str | None = Field(None, max_length=200)
    delivering_school_id: Id | None = None
    delivering_centre_id: Id | None = None
    teacher_ids: list[Id] | None = None
    visits_per_week: int | None = Field(None, ge=0, le=7)
    hours_per_visit: Decimal | None = Field(None, ge=0, le=8)
    curriculum: HomeboundCurriculumIn | None = None
    goals: str | None = Field(None, max_length=4000)
    effective_from: dt.date | None = Field(None, description="when the changed plan takes effect (default today)")
    eligibility: dict[Criterion, HomeboundConfirmationIn] | None = None


class HomeboundCriterionOut(Schema):
    met: bool
    evidence: str
    source: str = Field(..., description='"record", "confirmed" or "missing"')
    label: str


class HomeboundPlanVersionOut(Schema):
    number: int
    effective_from: dt.date
    teacher_ids: list[int]
    visits_per_week: int
    hours_per_visit: float
    curriculum: dict[str, Any]
    goals: str


class HomeboundEnrolmentOut(Schema):
    id: int
    version: int
    student_id: int
    student_name: str
    school_id: int
    school_name: str
    school_year: str
    state: str
    start_date: dt.date | None
    place: str
    delivering_school_id: int | None
    delivering_centre_id: int | None
    teacher_ids: list[int]
    teachers: list[dict[str, Any]]
    visits_per_week: int
    hours_per_visit: float
    curriculum: dict[str, Any]
    goals: str
    eligibility: dict[str, HomeboundCriterionOut]
    plan_versions: list[HomeboundPlanVersionOut]
    documents: list[dict[str, Any]]
    hours_year: float
    end_reason: str


class HomeboundEnrolmentPage(Schema):
    count: int
    items: list[HomeboundEnrolmentOut]


class HomeboundEnrolmentFilter(Schema):
    student_id: Id | None = None
    school_id: Id | None = None
    school_year: str | None = Field(None, max_length=9)
    state: Literal["draft", "active", "ended"] | None = None


def _curriculum(p) -> dict:
    if p is None:
        return {"teaching": "", "rehabilitation": "", "rehab_provider": "", "rehab_areas": []}
    return {"teaching": p.teaching, "rehabilitation": p.rehabilitation, "rehab_provider": p.rehab_provider,
            "rehab_areas": list(p.rehab_areas)}


def enrolment_out(e: Enrolment) -> dict:
    from suiban.staff.models import StaffMember

    plan = services.current_plan(e)
    ids = list(plan.teacher_ids) if plan else []
    names = dict(StaffMember.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {
        "id": e.pk, "version": e.version, "student_id": e.student_id, "student_name": e.student.name,
        "school_id": e.school_id, "school_name": e.school.name, "school_year": e.school_year.name,
        "state": e.state, "start_date": e.start_date, "place": e.place,
        "delivering_school_id": e.delivering_school_id, "delivering_centre_id": e.delivering_centre_id,
        "teacher_ids": ids, "teachers": [{"id": i, "name": names.get(i, "")} for i in ids],
        "visits_per_week": plan.visits_per_week if plan else 0,
        "hours_per_visit": float(plan.hours_per_visit) if plan else 0.0,
        "curriculum": _curriculum(plan), "goals": plan.goals if plan else "",
        "eligibility": services.eligibility(e),
        "plan_versions": [{"number": p.number, "effective_from": p.effective_from, "teacher_ids": p.teacher_ids,
                           "visits_per_week": p.visits_per_week, "hours_per_visit": float(p.hours_per_visit),
                           "curriculum": _curriculum(p), "goals": p.goals} for p in e.plan_versions.all()],
        "documents": [{"id": d.pk, "name": d.name, "content_type": d.content_type, "criterion": d.criterion}
                      for d in e.documents.all()],
        "hours_year": float(e.hours_delivered), "end_reason": e.end_reason,
    }


def _enrolments(user, perm="homebound.view"):
    return (Enrolment.objects.visible_to(user, perm)
            .select_related("student", "school__region", "school_year")
            .prefetch_related("plan_versions", "documents"))


def _enrolment(request, enrolment_id: int) -> Enrolment:
    require(request, "homebound.view")
    return get_visible_or_404(_enrolments(request.user), request.user, enrolment_id)


def _year(value: str | None) -> SchoolYear | None:
    if not value:
        return None
    try:
        start = int(value.split("-")[0])
    except ValueError:
        start = -1
    sy = SchoolYear.objects.filter(start_year=start).first()
    if sy is None:
        raise DomainError(_("Unknown school year: give it as 2026-2027."), field="school_year")
    return sy


def _delivering(user, school_id, centre_id) -> dict:
    out = {}
    if school_id is not None:
        out["delivering_school"] = School.objects.visible_to(user, "org.view").filter(pk=school_id).first()
        if out["delivering_school"] is None:
            raise DomainError(_("The object does not exist or is outside your scope."), field="delivering_school_id")
    if centre_id is not None:
        out["delivering_centre"] = ResourceCentre.objects.filter(pk=centre_id).first()
        if out["delivering_centre"] is None:
            raise DomainError(_("The object does not exist or is outside your scope."), field="delivering_centre_id")
    return out


def _plain_confirmations(value):
    return None if value is None else {k: {"met": v.met, "evidence": v.evidence} for k, v in value.items()}


@router.get("/homebound/enrolments", response=HomeboundEnrolmentPage)
def list_enrolments(request, filters: Query[HomeboundEnrolmentFilter], page: Query[PageIn]):
    """Enrolments in the caller's scope, newest school year first."""
    require(request, "homebound.view")
    qs = _enrolments(request.user)
    f = filters.dict(exclude_none=True)
    if "student_id" in f:
        qs = qs.filter(student_id=f["student_id"])
    if "school_id" in f:
        qs = qs.filter(school_id=f["school_id"])
    if "school_year" in f:
        qs = qs.filter(school_year=_year(f["school_year"]))
    if "state" in f:
        qs = qs.filter(state=f["state"])
    total = qs.count()
    start = (page.page - 1) * page.page_size
    return {"count": total, "items": [enrolment_out(e) for e in qs[start:start + page.page_size]]}


@router.post("/homebound/enrolments", response={201: HomeboundEnrolmentOut})
def create_enrolment(request, payload: HomeboundEnrolmentIn):
    """Open a homebound student's enrolment for a school year (HB-1..HB-3, HB-8)."""
    require(request, "homebound.manage")
    data = payload.dict()
    student = Student.objects.visible_to(request.user, "homebound.manage").filter(pk=data.pop("student_id")).first()
    if student is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field="student_id")
    extra = _delivering(request.user, data.pop("delivering_school_id"), data.pop("delivering_centre_id"))
    curriculum = payload.curriculum.dict(exclude_none=True) if payload.curriculum else None
    data.pop("curriculum")
    e = services.enrolment_create(
        actor=request.user, student=student, school_year=_year(data.pop("school_year")),
        eligibility=_plain_confirmations(payload.eligibility), curriculum=curriculum,
        **{k: v for k, v in data.items() if k != "eligibility"}, **extra)
    return Status(201, enrolment_out(_enrolments(request.user).get(pk=e.pk)))


@router.get("/homebound/enrolments/{enrolment_id}", response=HomeboundEnrolmentOut)
def get_enrolment(request, enrolment_id: int):
    return enrolment_out(_enrolment(request, enrolment_id))


@router.patch("/homebound/enrolments/{enrolment_id}", response=HomeboundEnrolmentOut)
def patch_enrolment(request, enrolment_id: int, payload: HomeboundEnrolmentPatch):
    """Change place, delivering body, eligibility confirmations or the plan (a new version with its effective
    date); ``state`` "active" activates (422 not_eligible naming each criterion not met), "ended" ends."""
    e = _enrolment(request, enrolment_id)
    require(request, "homebound.manage")
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    extra = _delivering(request.user, data.pop("delivering_school_id", None), data.pop("delivering_centre_id", None))
    if "curriculum" in data:
        data["curriculum"] = payload.curriculum.dict(exclude_none=True) if payload.curriculum else None
    if "eligibility" in data:
        data["eligibility"] = _plain_confirmations(payload.eligibility)
    services.enrolment_update(actor=request.user, enrolment=e, version=version, **data, **extra)
    return enrolment_out(_enrolment(request, enrolment_id))


@router.post("/homebound/enrolments/{enrolment_id}/documents", response={201: HomeboundEnrolmentOut})
def post_document(request, enrolment_id: int, file: File[UploadedFile], criterion: str = ""):
    """Upload a document evidencing an eligibility criterion (PDF, JPEG or PNG, checked by content)."""
    e = _enrolment(request, enrolment_id)
    services.document_add(actor=request.user, enrolment=e, uploaded_file=file, criterion=criterion)
    return Status(201, enrolment_out(_enrolment(request, enrolment_id)))


class HomeboundWeekOut(Schema):
    week_start: dt.date
    visits: int
    hours: float
    met: bool
    required_visits: int
    short_visits: int
    missed_visits: int
    term_week: bool
    current: bool


class HomeboundProgressOut(Schema):
    hours_year: float
    required_year: float
    visits_this_week: int
    required_visits_week: int
    hours_per_visit: float
    on_pace: bool
    forecast_year_hours: float
    expected_to_date: float
    hours_owed: float
    hours_delivered_term_weeks: float
    missing_hours: dict[str, float]
    weeks: list[HomeboundWeekOut]


@router.get("/homebound/enrolments/{enrolment_id}/progress", response=HomeboundProgressOut)
def get_progress(request, enrolment_id: int):
    """HB-4: hours this year against the yearly minimum with the forecast at the current pace (``on_pace`` false
    is the early warning), visits this week against the weekly minimum, each week so far, hours owed against
    delivered with the missing hours by reason."""
    return selectors.progress(_enrolment(request, enrolment_id))


# --- visits ------------------------------------------------------------------------------------------------
Mode = Literal["onsite", "remote"]
Status_ = Literal["delivered", "missed", "cancelled"]
Reason = Literal["", "family_absent", "child_ill", "teacher_absent", "holiday"]


class HomeboundVisitIn(Schema):
    enrolment_id: Id
    date: dt.date
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    place: str = Field("", max_length=200)
    mode: Mode = "onsite"
    online: bool = False
    teacher_ids: list[Id] = []
    notes: str = Field("", max_length=4000, description="送教小记")
    guardian_training: bool = False
    status: Status_ = "delivered"
    reason: Reason = ""
    family_informed: bool = False
    makeup_date: dt.date | None = None
    client_ref: str = Field("", max_length=64, description="a retried POST with the same client_ref by the same "
                                                           "user answers the first visit and creates nothing")


class HomeboundVisitCorrectionIn(Schema):
    reason: str = Field(..., max_length=2000)
    version: int | None = None
    date: dt.date | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    place: str | None = Field(None, max_length=200)
    mode: Mode | None = None
    online: bool | None = None
    teacher_ids: list[Id] | None = None
    notes: str | None = Field(None, max_length=4000)
    guardian_training: bool | None = None
    status: Status_ | None = None
    reason_code: Reason | None = Field(None, description="why a missed or cancelled visit did not take place")
    family_informed: bool | None = None
    makeup_date: dt.date | None = None


class HomeboundDisownIn(Schema):
    reason: str = Field(..., max_length=2000)


class HomeboundVisitOut(Schema):
    id: int
    version: int
    enrolment_id: int
    student_id: int
    student_name: str
    school_id: int
    date: dt.date
    start_time: str | None = Field(..., description='"09:00"')
    end_time: str | None = Field(..., description='"12:00"')
    hours: float
    short: bool
    place: str
    mode: str
    online: bool
    teacher_ids: list[int]
    teachers: list[dict[str, Any]]
    notes: str
    guardian_training: bool
    status: str
    reason: str
    family_informed: bool
    makeup_date: dt.date | None
    attachments: list[dict[str, Any]]
    subsidy: str | None = Field(..., description='yuan, "120.00"; null for a guardian')
    client_ref: str
    recorded_by: str | None
    original: dict[str, Any]
    corrections: list[dict[str, Any]]


class HomeboundVisitPage(Schema):
    count: int
    items: list[HomeboundVisitOut]


class HomeboundVisitFilter(Schema):
    enrolment_id: Id | None = None
    student_id: Id | None = None
    school_id: Id | None = None
    status: Status_ | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def visit_out(v: Visit, *, subsidy: bool, written: list | None = None) -> dict:
    """The visit as the API answers it. ``written``: the teacher rows of a visit just recorded (which has no
    attachments or corrections yet), so nothing is read back."""
    vts = list(v.visit_teachers.all()) if written is None else written
    attachments = v.attachments.all() if written is None else []
    corrections = v.corrections.all() if written is None else []
    return {
        "id": v.pk, "version": v.version, "enrolment_id": v.enrolment_id, "student_id": v.student_id,
        "student_name": v.student.name, "school_id": v.school_id, "date": v.date,
        "start_time": v.start_time.strftime("%H:%M") if v.start_time else None,
        "end_time": v.end_time.strftime("%H:%M") if v.end_time else None, "hours": float(v.hours),
        "short": v.short, "place": v.place, "mode": v.mode,
        "online": v.online, "teacher_ids": [t.staff_id for t in vts],
        "teachers": [{"id": t.staff_id, "name": t.staff.name, "confirmed": t.confirmed_at is not None}
                     for t in vts],
        "notes": v.notes, "guardian_training": v.guardian_training, "status": v.status, "reason": v.reason,
        "family_informed": v.family_informed, "makeup_date": v.makeup_date,
        "attachments": [{"id": a.pk, "name": a.name, "content_type": a.content_type,
                         "url": f"/api/v1/homebound/visits/{v.pk}/attachments/{a.pk}"} for a in attachments],
        "subsidy": f"{v.subsidy:.2f}" if subsidy else None, "client_ref": v.client_ref,
        "recorded_by": v.recorded_by.username if v.recorded_by_id else None, "original": v.original,
        "corrections": [{"number": c.number, "kind": c.kind, "reason": c.reason, "before": c.before,
                         "after": c.after, "corrected_at": c.corrected_at,
                         "corrected_by": c.corrected_by.username if c.corrected_by_id else None}
                        for c in corrections],
    }


def _visits(user):
    return (Visit.objects.visible_to(user, "homebound.view")
            .select_related("student", "recorded_by", "school__region__parent")
            .prefetch_related("visit_teachers__staff", "attachments", "corrections__corrected_by"))


def _visit(request, visit_id: int) -> Visit:
    require(request, "homebound.view")
    return get_visible_or_404(_visits(request.user), request.user, visit_id)


def _out(request, v):
    return visit_out(v, subsidy=has_perm(request.user, "homebound.subsidy"))


@router.get("/homebound/visits", response=HomeboundVisitPage)
def list_visits(request, filters: Query[HomeboundVisitFilter], page: Query[PageIn]):
    """Visits in the caller's scope, newest first."""
    require(request, "homebound.view")
    qs = _visits(request.user)
    f = filters.dict(exclude_none=True)
    for k in ("enrolment_id", "student_id", "school_id", "status"):
        if k in f:
            qs = qs.filter(**{k: f[k]})
    if "date_from" in f:
        qs = qs.filter(date__gte=f["date_from"])
    if "date_to" in f:
        qs = qs.filter(date__lte=f["date_to"])
    total = qs.count()
    start = (page.page - 1) * page.page_size
    return {"count": total, "items": [_out(request, v) for v in qs[start:start + page.page_size]]}


@router.post("/homebound/visits", response={201: HomeboundVisitOut})
def create_visit(request, payload: HomeboundVisitIn):
    """Record a visit (HB-4..HB-6) and post its subsidy (HB-7). 422 too_few_teachers / teacher_not_in_pool."""
    require(request, "homebound.record")
    data = payload.dict()
    e = (Enrolment.objects.visible_to(request.user).select_related("school__region", "school_year", "student")
         .prefetch_related("plan_versions").filter(pk=data.pop("enrolment_id")).first())
    if e is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field="enrolment_id")
    v = visits.visit_record(actor=request.user, enrolment=e, **data)
    written = getattr(v, "teachers_written", None)
    if written is None:  # a retried client_ref answers the first visit: read it whole
        return Status(201, _out(request, _visits(request.user).get(pk=v.pk)))
    return Status(201, visit_out(v, subsidy=has_perm(request.user, "homebound.subsidy"), written=written))


@router.get("/homebound/visits/record.docx")
def term_record(request, enrolment_id: Id, term: int | None = Query(None, ge=1, le=2)):
    """A term's visits of one enrolment as one Word document in the layout of HC 附件5 (default the current
    term)."""
    e = _enrolment(request, enrolment_id)
    data, name = documents.term_records(request.user, e, term)
    return _docx(data, name)


@router.get("/homebound/visits/{visit_id}", response=HomeboundVisitOut)
def get_visit(request, visit_id: int):
    return _out(request, _visit(request, visit_id))


@router.post("/homebound/visits/{visit_id}/corrections", response={201: HomeboundVisitOut})
def post_correction(request, visit_id: int, payload: HomeboundVisitCorrectionIn):
    """Correct a saved visit with a reason (before/after, who, why kept); a changed subsidy is reversed and
    posted again (HB-7)."""
    v = _visit(request, visit_id)
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason")
    version = data.pop("version", None)
    visits.visit_correct(actor=request.user, visit=v, reason=reason, version=version, **data)
    return Status(201, _out(request, _visit(request, visit_id)))


@router.post("/homebound/visits/{visit_id}/confirm", response=HomeboundVisitOut)
def confirm_visit(request, visit_id: int):
    """A teacher named on the visit confirms their presence on the same record."""
    v = _visit(request, visit_id)
    visits.visit_confirm(actor=request.user, visit=v)
    return _out(request, _visit(request, visit_id))


@router.post("/homebound/visits/{visit_id}/disown", response={201: HomeboundVisitOut})
def disown_visit(request, visit_id: int, payload: HomeboundDisownIn):
    """A teacher named on the visit says they were not there: a recorded correction and the subsidy's reversal."""
    v = _visit(request, visit_id)
    visits.visit_disown(actor=request.user, visit=v, reason=payload.reason)
    return Status(201, _out(request, _visit(request, visit_id)))


@router.post("/homebound/visits/{visit_id}/attachments", response={201: HomeboundVisitOut})
def post_attachment(request, visit_id: int, file: File[UploadedFile]):
    """Attach a photo (JPEG/PNG) or a short video (MP4), checked by content and size."""
    v = _visit(request, visit_id)
    visits.attachment_add(actor=request.user, visit=v, uploaded_file=file)
    return Status(201, _out(request, _visit(request, visit_id)))


@router.get("/homebound/visits/{visit_id}/attachments/{attachment_id}")
def get_attachment(request, visit_id: int, attachment_id: int):
    """A photo or video of a visit, only for whoever may see the visit."""
    v = _visit(request, visit_id)
    return serve_attachment(v, attachment_id)


def serve_attachment(v: Visit, attachment_id: int):
    a = v.attachments.filter(pk=attachment_id).first()
    if a is None:
        raise Http404
    return FileResponse(a.file.open("rb"), filename=a.name, content_type=a.content_type)


@router.get("/homebound/visits/{visit_id}/record.docx")
def visit_record(request, visit_id: int):
    """The visit record in the layout of HC 附件5 (送教上门记录表)."""
    v = _visit(request, visit_id)
    data, name = documents.visit_records([v])
    return _docx(data, name)


def _docx(data: bytes, name: str) -> HttpResponse:
    from urllib.parse import quote

    resp = HttpResponse(data, content_type=documents.DOCX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp


# --- district list and workload ------------------------------------------------------------------------------
class HomeboundBehindOut(PlainSchema):
    enrolment_id: int
    student_id: int
    student_name: str
    school_id: int
    school_name: str
    teachers: str
    hours_year: float
    expected_to_date: float
    required_year: float


class HomeboundBehindPage(PlainSchema):
    count: int
    items: list[HomeboundBehindOut]
    share_of_year_passed: float


class HomeboundBehindFilter(Schema):
    school_id: Id | None = None
    region_id: Id | None = None
    school_year: str | None = Field(None, max_length=9)


BEHIND_VALUES = ("id", "student_id", "student__name", "school_id", "school__name", "teacher_names",
                 "hours_delivered", "required_year")


@router.get("/homebound/behind-pace", response=HomeboundBehindPage)
def list_behind(request, filters: Query[HomeboundBehindFilter], page: Query[PageIn]):
    """HB-4: active enrolments in scope whose hours so far fall short of the yearly minimum's share of the year
    passed, with their school and teachers (one query per page)."""
    require(request, "homebound.view")
    sy = _year(filters.school_year) if filters.school_year else None  # None: the current year, inside the queries
    region_path = None
    if filters.region_id is not None:
        region = Region.objects.visible_to(request.user).filter(pk=filters.region_id).first()
        if region is None:
            raise DomainError(_("The object does not exist or is outside your scope."), field="region_id")
        region_path = region.path
    qs, share = selectors.behind_pace(request.user, sy, school_id=filters.school_id, region_path=region_path)
    start = (page.page - 1) * page.page_size
    # Plain rows of the page query (no model instances); the expected hours from the row's share of the year.
    fields = BEHIND_VALUES if isinstance(share, Decimal) else (*BEHIND_VALUES, "pace_share")
    items = [{"enrolment_id": r["id"], "student_id": r["student_id"], "student_name": r["student__name"],
              "school_id": r["school_id"], "school_name": r["school__name"], "teachers": r["teacher_names"],
              "hours_year": float(r["hours_delivered"]),
              "expected_to_date": float(r["required_year"] * r.get("pace_share", share)),
              "required_year": float(r["required_year"])}
             for r in qs.values(*fields)[start:start + page.page_size]]
    return listed({"count": page_count(qs, start, page.page_size, len(items))[0], "items": items,
                   "share_of_year_passed": float(selectors.installation_share(share))})


class HomeboundWorkloadOut(Schema):
    staff_id: int
    name: str
    school_id: int | None
    visits: int
    hours: float
    months: dict[str, dict[str, float]]
    terms: dict[str, dict[str, float]]


@router.get("/homebound/workload", response=list[HomeboundWorkloadOut])
def workload(request, school_id: Id | None = None, school_year: str | None = Query(None, max_length=9)):
    """HB-7: per teacher, visits and hours per month and term in the school year (visits in the caller's
    scope)."""
    require(request, "homebound.subsidy")
    sy = _year(school_year) or SchoolYear.current()
    return [{"staff_id": r["staff"].pk, "name": r["staff"].name, "school_id": r["staff"].school_id,
             "visits": r["visits"], "hours": float(r["hours"]),
             "months": {k: {"visits": m["visits"], "hours": float(m["hours"])} for k, m in r["months"].items()},
             "terms": {str(k): {"visits": t["visits"], "hours": float(t["hours"])} for k, t in r["terms"].items()}}
            for r in selectors.workload_rows(request.user, sy, school_id)]


@router.get("/homebound/workload.xlsx")
def workload_xlsx(request, school_id: Id | None = None, school_year: str | None = Query(None, max_length=9)):
    """The teachers' workload as an Excel sheet (per month and term)."""
    require(request, "homebound.subsidy")
    sy = _year(school_year) or SchoolYear.current()
    data = documents.workload_xlsx(selectors.workload_rows(request.user, sy, school_id), sy)
    resp = HttpResponse(data, content_type=documents.XLSX)
    from urllib.parse import quote

    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'送教教师工作量{sy.name}.xlsx')}"
    return resp


__all__ = ["CRITERIA", "router"]
