"""Cases API (API.md contract): list/create/get, transitions, the receiving school's answer, correction notes
and attachments. Out of scope → 404; a step the state or the role does not allow → 422 invalid_transition."""

from datetime import date, datetime
from typing import Literal

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Status
from ninja.files import UploadedFile

from suiban.core.api_tools import Id, PageIn, Schema, listed, page_count, require
from suiban.core.errors import DomainError
from suiban.core.scoping import get_visible_or_404
from suiban.org.models import School
from suiban.students.cases import selectors as case_selectors
from suiban.students.cases import services as svc
from suiban.students.models import ArchiveFile, Case, Student

Kind = Literal["identification", "revocation", "reassessment", "transfer", "deferral", "dispute"]
State = Literal["submitted", "under_review", "committee_opinion", "decided", "effective", "rejected", "withdrawn"]
Placement = Literal["regular_class", "special_class", "special_school", "homebound", "remote", "awaiting"]


class EventOut(Schema):
    at: datetime
    actor: str | None
    actor_name: str
    from_: str = Field(..., alias="from")
    to: str
    note: str


class AttachmentOut(Schema):
    id: int
    title: str
    content_type: str
    size: int
    uploaded_at: datetime
    uploaded_by: str | None
    url: str


class CaseOut(Schema):
    id: int
    version: int
    kind: str
    student_id: int
    student_name: str
    school_id: int
    school_name: str
    state: str
    applicant: str
    reason: str
    at_enrolment: bool
    direction: str
    target_school_id: int | None
    target_school_name: str | None
    target_response: str
    refusal_reason: str
    school_conditions: str
    guardian_wishes: str
    committee_opinion: str
    decision: str
    outcome: str
    placement: str | None
    decided_on: date | None
    effective_date: date | None
    deferred_until: date | None
    deadline: date | None
    processing_window: list[date] | None
    created_at: datetime
    next_step: str  # whose step is next, in words ("" when closed)
    events: list[EventOut]


class CaseDetailOut(CaseOut):
    attachments: list[AttachmentOut]
    allowed_transitions: list[str]
    can_respond: bool


class CasePage(Schema):
    count: int
    items: list[CaseOut]


class CaseFilter(Schema):
    kind: Kind | None = None
    state: State | None = None
    student_id: Id | None = None
    school: Id | None = None
    school_id: Id | None = None  # the field's own name (API.md: filters are named after the fields)
    refused: bool | None = None
    incoming: bool | None = None
    open: bool | None = None  # only the open cases (submitted … decided)
    waiting: bool | None = None  # only the cases waiting for the caller's step ("waiting for me")


class CaseIn(Schema):
    kind: Kind
    student_id: int
    applicant: str = Field(..., max_length=50)
    reason: str
    direction: Literal["to_ordinary", "to_special", ""] = ""
    target_school_id: int | None = None
    at_enrolment: bool = False
    school_conditions: str = ""
    guardian_wishes: str = ""


class TransitionIn(Schema):
    to: State
    note: str = ""
    version: int | None = None
    placement: Placement | None = None
    result: Literal["improved", "worsened", "unchanged"] | None = None
    deferred_until: date | None = None
    school_conditions: str | None = None
    guardian_wishes: str | None = None


class ResponseIn(Schema):
    response: Literal["accepted", "refused"]
    refusal_reason: str = ""
    version: int | None = None


class NoteIn(Schema):
    note: str


router = Router(tags=["cases"])


def _person(user):
    return (user.username, user.display_name) if user is not None else (None, _("System"))


def event_out(e) -> dict:
    username, name = _person(e.actor)
    return {"at": e.at, "actor": username, "actor_name": name, "from": e.from_state, "to": e.to_state,
            "note": e.note}


def case_out(c: Case) -> dict:
    window = svc.processing_window(c)
    return {
        "id": c.id, "version": c.version, "kind": c.kind, "student_id": c.student_id, "student_name": c.student.name,
        "school_id": c.school_id, "school_name": c.school.name, "state": c.state, "applicant": c.applicant,
        "reason": c.reason, "at_enrolment": c.at_enrolment, "direction": c.direction,
        "target_school_id": c.target_school_id, "target_school_name": c.target_school.name if c.target_school_id
        else None, "target_response": c.target_response, "refusal_reason": c.refusal_reason,
        "school_conditions": c.school_conditions, "guardian_wishes": c.guardian_wishes,
        "committee_opinion": c.committee_opinion, "decision": c.decision, "outcome": c.outcome,
        "placement": c.outcome if c.outcome in svc.PLACEMENTS else None, "decided_on": c.decided_on,
        "effective_date": c.effective_date, "deferred_until": c.deferred_until, "deadline": c.deadline,
        "processing_window": list(window) if window else None, "created_at": c.created_at,
        "next_step": case_selectors.next_step(c),
        "events": [event_out(e) for e in c.events.all()],
    }


def attachment_out(c: Case, a: ArchiveFile) -> dict:
    return {"id": a.id, "title": a.title, "content_type": a.content_type, "size": a.size,
            "uploaded_at": a.uploaded_at, "uploaded_by": a.uploaded_by.username if a.uploaded_by_id else None,
            "url": f"/api/v1/cases/{c.pk}/attachments/{a.pk}"}


def case_detail_out(user, c: Case) -> dict:
    return {**case_out(c),
            "attachments": [attachment_out(c, a) for a in c.attachments.select_related("uploaded_by")
                            .order_by("uploaded_at", "id")],
            "allowed_transitions": [s.target for s in svc.allowed_steps(user, c)],
            "can_respond": svc.can_respond_now(user, c)}


def _related(qs):
    return qs.select_related("student__school", "school", "target_school").prefetch_related("events__actor")


def filtered(user, f: dict):
    """The cases ``user`` may see, filtered like the list page and the API list."""
    qs = Case.objects.visible_to(user)
    if f.get("kind"):
        qs = qs.filter(kind=f["kind"])
    if f.get("state"):
        qs = qs.filter(state=f["state"])
    if f.get("student_id"):
        qs = qs.filter(student_id=int(f["student_id"]))
    if f.get("school") or f.get("school_id"):
        qs = qs.filter(school_id=int(f.get("school") or f["school_id"]))
    if f.get("refused"):
        qs = qs.filter(target_response="refused")
    if f.get("incoming"):
        qs = qs.filter(target_school__in=School.objects.visible_to(user, "cases.view"))
    if f.get("open"):
        qs = qs.filter(state__in=Case.OPEN_STATES)
    if f.get("waiting"):
        qs = case_selectors.waiting_for(user, qs)
    return qs.order_by("-created_at", "-id")


def _require_participant(request):
    """Notes and attachments: a role that may change no case at all gets 403 (the case itself is in scope)."""
    from suiban.core.errors import PermissionDenied
    from suiban.core.scoping import has_perm

    if not any(has_perm(request.user, p) for p in (*svc.PARTICIPANT_PERMS, "cases.respond_transfer")):
        raise PermissionDenied(_("Your roles do not allow this."))


def _case(request, case_id):
    require(request, "cases.view")
    return get_visible_or_404(_related(Case.objects), request.user, case_id)


@router.get("/cases", response=CasePage, by_alias=True)
def list_cases(request, filters: Query[CaseFilter], page: Query[PageIn], sort: str | None = None):
    """Cases in scope (PL-9); ``refused=true`` lists the transfers a receiving school refused (PL-7). ``sort``:
    id, kind, student, school, state, created_at, deadline or effective_date (``-`` for descending); any other
    value keeps the newest first."""
    from suiban.students.sorting import CASES

    require(request, "cases.view")
    qs, _sort = CASES.apply(filtered(request.user, filters.dict(exclude_none=True)), sort)
    start = (page.page - 1) * page.page_size
    items = list_items(qs[start:start + page.page_size])
    return listed({"count": page_count(qs, start, page.page_size, len(items))[0], "items": items})


# A list row as ``case_out`` answers it, read as plain values: no model instances, the student's encrypted columns
# not read, the timelines in one query for the page.
_CASE_VALUES = (
    "id", "version", "kind", "student_id", "student__name", "school_id", "school__name", "state", "applicant",
    "reason", "at_enrolment", "direction", "target_school_id", "target_school__name", "target_response",
    "refusal_reason", "school_conditions", "guardian_wishes", "committee_opinion", "decision", "outcome",
    "decided_on", "effective_date", "deferred_until", "deadline", "created_at",
    "student__school_id", "student__school__region_path",
)


def list_items(page_qs) -> list[dict]:
    """The list rows of a page of cases (two queries: the page with its names, and the page's timelines)."""
    from types import SimpleNamespace

    from suiban.students.models import CaseEvent

    schools: dict[int, School] = {}  # the student's school, for the processing window's policy (PL-5)
    items = []
    for row in page_qs.values(*_CASE_VALUES):
        sid = row.pop("student__school_id")
        path = row.pop("student__school__region_path")
        if sid not in schools:
            schools[sid] = School(pk=sid, region_path=path)
        # what processing_window and next_step read of a case
        case = SimpleNamespace(kind=row["kind"], at_enrolment=row["at_enrolment"], created_at=row["created_at"],
                               student=SimpleNamespace(school=schools[sid]), state=row["state"],
                               target_school_id=row["target_school_id"], target_response=row["target_response"],
                               target_school=SimpleNamespace(name=row["target_school__name"] or ""))
        window = svc.processing_window(case)
        row["student_name"] = row.pop("student__name")
        row["school_name"] = row.pop("school__name")
        target_name = row.pop("target_school__name")
        row["target_school_name"] = target_name if row["target_school_id"] else None
        row["placement"] = row["outcome"] if row["outcome"] in svc.PLACEMENTS else None
        row["processing_window"] = list(window) if window else None
        row["next_step"] = case_selectors.next_step(case)
        row["events"] = []
        items.append(row)
    by_id = {row["id"]: row["events"] for row in items}
    if by_id:
        for case_id, at, username, full_name, from_state, to_state, note in (
                CaseEvent.objects.filter(case_id__in=by_id).order_by("at", "id")
                .values_list("case_id", "at", "actor__username", "actor__full_name", "from_state", "to_state",
                             "note")):
            by_id[case_id].append({"at": at, "actor": username,
                                   "actor_name": (full_name or username) if username else str(_("System")),
                                   "from": from_state, "to": to_state, "note": note})
    return items


@router.post("/cases", response={201: CaseDetailOut}, by_alias=True)
def create_case(request, payload: CaseIn):
    """Submit an application (guardian or school, for a student in scope)."""
    require(request, "cases.submit")
    student = Student.objects.visible_to(request.user, "cases.submit").select_related("school") \
        .filter(pk=payload.student_id).first()
    if student is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field="student_id")
    target = None
    if payload.target_school_id is not None:
        target = School.objects.filter(pk=payload.target_school_id).first()
        if target is None:
            raise DomainError(_("The object does not exist or is outside your scope."), field="target_school_id")
    c = svc.case_submit(actor=request.user, student=student, kind=payload.kind, applicant=payload.applicant,
                        reason=payload.reason, direction=payload.direction, target_school=target,
                        at_enrolment=payload.at_enrolment, school_conditions=payload.school_conditions,
                        guardian_wishes=payload.guardian_wishes)
    return Status(201, case_detail_out(request.user, _related(Case.objects).get(pk=c.pk)))


@router.get("/cases/{case_id}", response=CaseDetailOut, by_alias=True)
def get_case(request, case_id: int):
    """A case with its timeline (``events``), attachments and the steps the caller may take now."""
    return case_detail_out(request.user, _case(request, case_id))


@router.post("/cases/{case_id}/transitions", response=CaseDetailOut, by_alias=True)
def post_transition(request, case_id: int, payload: TransitionIn):
    """``{"to", "note"}`` (+ ``placement`` / ``result`` / ``deferred_until`` / dispute considerations when
    deciding). 422 ``invalid_transition`` when the state or the caller's role does not allow it."""
    c = _case(request, case_id)
    data = payload.dict()
    svc.transition(actor=request.user, case=c, to=data.pop("to"), **data)
    return case_detail_out(request.user, _case(request, case_id))


@router.post("/cases/{case_id}/transfer-response", response=CaseDetailOut, by_alias=True)
def post_transfer_response(request, case_id: int, payload: ResponseIn):
    """The receiving school accepts or refuses a transfer; a refusal without ``refusal_reason`` → 422 (PL-7)."""
    c = _case(request, case_id)
    svc.transfer_respond(actor=request.user, case=c, accept=payload.response == "accepted",
                         reason=payload.refusal_reason, version=payload.version)
    return case_detail_out(request.user, _case(request, case_id))


@router.post("/cases/{case_id}/events", response={201: CaseDetailOut}, by_alias=True)
def post_note(request, case_id: int, payload: NoteIn):
    """A correction or remark: a new timeline event; the state does not change (PL-9: nothing is deleted)."""
    c = _case(request, case_id)
    _require_participant(request)
    svc.case_note(actor=request.user, case=c, note=payload.note)
    return Status(201, case_detail_out(request.user, _case(request, case_id)))


@router.post("/cases/{case_id}/attachments", response={201: AttachmentOut})
def post_attachment(request, case_id: int, file: File[UploadedFile], title: Form[str] = ""):
    """Attach a document (≤ 20 MB; pdf, jpg, png, docx, xlsx — checked by content)."""
    c = _case(request, case_id)
    _require_participant(request)
    a = svc.attachment_add(actor=request.user, case=c, upload=file, title=title)
    return Status(201, attachment_out(c, a))


@router.get("/cases/{case_id}/attachments/{attachment_id}")
def get_attachment(request, case_id: int, attachment_id: int):
    """Download an attachment: only for whoever may see the case; every download is audited."""
    c = _case(request, case_id)
    return serve_attachment(request.user, c, attachment_id)


def serve_attachment(user, c: Case, attachment_id: int):
    from django.http import Http404

    a = c.attachments.filter(pk=attachment_id).first()
    if a is None:
        raise Http404
    svc.attachment_opened(actor=user, case=c, attachment=a)
    ext = a.file.name.rsplit(".", 1)[-1]
    return FileResponse(a.file.open("rb"), as_attachment=True, filename=f"{a.title.rsplit('.', 1)[0]}.{ext}",
                        content_type=a.content_type)
