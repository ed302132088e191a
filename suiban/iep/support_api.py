"""Evaluations (IEP-6), peer support (IEP-7) and aids (IEP-8): /api/v1/evaluations, /api/v1/peer-support,
/api/v1/aids."""

from datetime import date, datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from suiban.core.api_tools import Id, PageIn, Schema, listed, page_count, require
from suiban.core.errors import DomainError
from suiban.core.scoping import get_visible_or_404
from suiban.iep import support
from suiban.iep.filters import field_named
from suiban.iep.models import AidIssue, Evaluation, EvaluationScore, PeerSupport
from suiban.org.models import SchoolYear, Term
from suiban.students.models import Student

Dimension = Literal["moral", "academic", "health", "arts", "social_practice", "science", "life_skills"]
Level = Literal["excellent", "good", "pass", "developing"]


class EvaluationScoreIO(Schema):
    dimension: Dimension
    level: Level
    comment: str


class EmphasisIO(Schema):
    """IEP-6 (GD §29): the emphases of the evaluation — social adaptation, compensation and correction, labour."""

    social_adaptation: str = Field("", max_length=2000)
    compensation: str = Field("", max_length=2000)
    labour_skills: str = Field("", max_length=2000)


class EvaluationIn(Schema):
    student_id: Id
    term_id: Id
    evaluated_on: date
    evaluator_name: str = Field(..., max_length=50)
    summary: str = ""
    dimensions: list[EvaluationScoreIO]
    emphasis: EmphasisIO


class EvaluationOut(Schema):
    id: int
    version: int
    student_id: int
    student_name: str
    school_id: int
    term_id: int
    term: str
    plan_id: int
    evaluated_on: date
    evaluator_name: str
    summary: str
    dimensions: list[EvaluationScoreIO]
    emphasis: EmphasisIO
    created_at: datetime


class EvaluationPage(Schema):
    count: int
    items: list[EvaluationOut]


class SupportFilter(Schema):
    student_id: Id | None = None
    school: Id | None = None
    school_id: Id | None = None


class EvaluationFilter(SupportFilter):
    term: Id | None = None
    term_id: Id | None = None


class PeerIO(Schema):
    name: str = Field("", max_length=50)
    student_id: Id | None = None


class PeerSupportIn(Schema):
    student_id: Id
    mode: Literal["one_to_one", "many_to_one"]
    peers: list[PeerIO]
    starts_on: date
    ends_on: date | None = None
    notes: str = ""


class PeerSupportOut(Schema):
    id: int
    version: int
    student_id: int
    student_name: str
    school_id: int
    mode: str
    peers: list[PeerIO]
    starts_on: date
    ends_on: date | None
    notes: str
    created_at: datetime


class PeerSupportPage(Schema):
    count: int
    items: list[PeerSupportOut]


AidKind = Literal["teaching_aid", "learning_tool", "assistive_device"]


class AidIn(Schema):
    student_id: Id
    item: str = Field(..., max_length=100)
    kind: AidKind
    issued_on: date
    returned_on: date | None = None
    notes: str = ""


class AidReturnIn(Schema):
    returned_on: date
    version: int | None = None


class AidOut(Schema):
    id: int
    version: int
    student_id: int
    student_name: str
    school_id: int
    item: str
    kind: str
    issued_on: date
    returned_on: date | None
    notes: str
    created_at: datetime


class AidPage(Schema):
    count: int
    items: list[AidOut]


class AidFilter(SupportFilter):
    kind: AidKind | None = None
    outstanding: bool | None = Field(None, description="only items not returned yet")


router = Router(tags=["individual education"])


def _student_for_write(request, student_id: int) -> Student:
    require(request, "iep.edit")
    s = Student.objects.visible_to(request.user, "iep.edit").select_related("school").filter(pk=student_id).first()
    if s is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field="student_id")
    return s


def _filtered(request, model, f: dict):
    require(request, "iep.records")
    f = field_named(f)
    qs = model.objects.visible_to(request.user)
    if f.get("student_id") is not None:
        qs = qs.filter(student_id=f["student_id"])
    if f.get("school") is not None:
        qs = qs.filter(school_id=f["school"])
    return qs


def _page(qs, page: PageIn, items):
    """{count, items} of one page, the items built by ``items(page_qs)`` as plain values and rendered without
    validating each again (``listed``)."""
    start = (page.page - 1) * page.page_size
    rows = items(qs[start:start + page.page_size])
    return listed({"count": page_count(qs, start, page.page_size, len(rows))[0], "items": rows})


def _rows(page_qs, fields: dict) -> list[dict]:
    """The page read as plain values: {key of the answer: ORM path} (joined names through ``__``)."""
    keys = list(fields)
    return [dict(zip(keys, row, strict=True)) for row in page_qs.values_list(*fields.values())]


# --- evaluations --------------------------------------------------------------------------------------------
def evaluation_out(e: Evaluation) -> dict:
    return {"id": e.pk, "version": e.version, "student_id": e.student_id, "student_name": e.student.name,
            "school_id": e.school_id, "term_id": e.term_id, "term": str(e.term), "plan_id": e.plan_id,
            "evaluated_on": e.evaluated_on, "evaluator_name": e.evaluator_name, "summary": e.summary,
            "dimensions": [{"dimension": s.dimension, "level": s.level, "comment": s.comment} for s in e.scores.all()],
            "emphasis": {"social_adaptation": e.social_adaptation, "compensation": e.compensation,
                         "labour_skills": e.labour_skills},
            "created_at": e.created_at}


def _eval_related(qs):
    return (qs.select_related("student", "term__school_year").defer(*Student.encrypted_fields("student"))
            .prefetch_related("scores"))


@router.get("/evaluations", response=EvaluationPage)
def list_evaluations(request, filters: Query[EvaluationFilter], page: Query[PageIn]):
    """Term evaluations on the seven GD §29 dimensions (IEP-6)."""
    f = field_named(filters.dict(exclude_none=True))
    qs = _filtered(request, Evaluation, f)
    if "term" in f:
        qs = qs.filter(term_id=f["term"])
    return _page(qs.order_by("-evaluated_on", "-id"), page, evaluation_items)


_EVALUATION_VALUES = {
    "id": "id", "version": "version", "student_id": "student_id", "student_name": "student__name",
    "school_id": "school_id", "term_id": "term_id", "term_number": "term__number",
    "term_year": "term__school_year__start_year", "plan_id": "plan_id", "evaluated_on": "evaluated_on",
    "evaluator_name": "evaluator_name", "summary": "summary", "social_adaptation": "social_adaptation",
    "compensation": "compensation", "labour_skills": "labour_skills", "created_at": "created_at",
}


def evaluation_items(page_qs) -> list[dict]:
    """The list rows of a page of evaluations as ``evaluation_out`` answers them, read as plain values: the page
    (with the student's name and the term) and the scores of its evaluations — two queries."""
    rows = _rows(page_qs, _EVALUATION_VALUES)
    scores = {r["id"]: [] for r in rows}
    if scores:
        for eid, dimension, level, comment in (EvaluationScore.objects.filter(evaluation_id__in=scores)
                                               .order_by("evaluation_id", "id")
                                               .values_list("evaluation_id", "dimension", "level", "comment")):
            scores[eid].append({"dimension": dimension, "level": level, "comment": comment})
    terms = {}  # the term as its model names it ("2025-2026 第一学期"), once per term of the page
    for r in rows:
        if r["term_id"] not in terms:
            terms[r["term_id"]] = str(Term(number=r["term_number"],
                                           school_year=SchoolYear(start_year=r["term_year"])))
    return [{"id": r["id"], "version": r["version"], "student_id": r["student_id"],
             "student_name": r["student_name"], "school_id": r["school_id"], "term_id": r["term_id"],
             "term": terms[r["term_id"]], "plan_id": r["plan_id"], "evaluated_on": r["evaluated_on"],
             "evaluator_name": r["evaluator_name"], "summary": r["summary"], "dimensions": scores[r["id"]],
             "emphasis": {"social_adaptation": r["social_adaptation"], "compensation": r["compensation"],
                          "labour_skills": r["labour_skills"]},
             "created_at": r["created_at"]} for r in rows]


@router.post("/evaluations", response={201: EvaluationOut})
def create_evaluation(request, payload: EvaluationIn):
    """All seven dimensions, each once with a level and a comment against the student's adjusted goals; the
    student's plan for the term's school year must have been in force."""
    student = _student_for_write(request, payload.student_id)
    term = Term.objects.select_related("school_year").filter(pk=payload.term_id).first()
    if term is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field="term_id")
    e = support.evaluation_record(actor=request.user, student=student, term=term, evaluated_on=payload.evaluated_on,
                                  evaluator_name=payload.evaluator_name, summary=payload.summary,
                                  dimensions=[d.dict() for d in payload.dimensions],
                                  emphasis=payload.emphasis.dict())
    return Status(201, evaluation_out(_eval_related(Evaluation.objects).get(pk=e.pk)))


@router.get("/evaluations/{evaluation_id}", response=EvaluationOut)
def get_evaluation(request, evaluation_id: int):
    require(request, "iep.records")
    return evaluation_out(get_visible_or_404(_eval_related(Evaluation.objects), request.user, evaluation_id))


# --- peer support -------------------------------------------------------------------------------------------
def peer_out(p: PeerSupport) -> dict:
    return {"id": p.pk, "version": p.version, "student_id": p.student_id, "student_name": p.student.name,
            "school_id": p.school_id, "mode": p.mode, "peers": p.peers, "starts_on": p.starts_on,
            "ends_on": p.ends_on, "notes": p.notes, "created_at": p.created_at}


@router.get("/peer-support", response=PeerSupportPage)
def list_peer_support(request, filters: Query[SupportFilter], page: Query[PageIn]):
    """Classmates assigned to support students (IEP-7)."""
    return _page(_filtered(request, PeerSupport, filters.dict(exclude_none=True)), page, peer_items)


_PEER_VALUES = {
    "id": "id", "version": "version", "student_id": "student_id", "student_name": "student__name",
    "school_id": "school_id", "mode": "mode", "peers": "peers", "starts_on": "starts_on", "ends_on": "ends_on",
    "notes": "notes", "created_at": "created_at",
}


def peer_items(page_qs) -> list[dict]:
    """The list rows of a page of peer support as ``peer_out`` answers them (one query); each peer with exactly
    the fields of ``PeerIO``."""
    rows = _rows(page_qs, _PEER_VALUES)
    for r in rows:
        r["peers"] = [{"name": p.get("name", ""), "student_id": p.get("student_id")} for p in r["peers"] or []]
    return rows


@router.post("/peer-support", response={201: PeerSupportOut})
def create_peer_support(request, payload: PeerSupportIn):
    """One to one (exactly one classmate) or many to one (two or more), for a period."""
    student = _student_for_write(request, payload.student_id)
    p = support.peer_support_create(actor=request.user, student=student, mode=payload.mode,
                                    peers=[x.dict() for x in payload.peers], starts_on=payload.starts_on,
                                    ends_on=payload.ends_on, notes=payload.notes)
    return Status(201, peer_out(PeerSupport.objects.select_related("student").get(pk=p.pk)))


# --- aids ---------------------------------------------------------------------------------------------------
def aid_out(a: AidIssue) -> dict:
    return {"id": a.pk, "version": a.version, "student_id": a.student_id, "student_name": a.student.name,
            "school_id": a.school_id, "item": a.item, "kind": a.kind, "issued_on": a.issued_on,
            "returned_on": a.returned_on, "notes": a.notes, "created_at": a.created_at}


@router.get("/aids", response=AidPage)
def list_aids(request, filters: Query[AidFilter], page: Query[PageIn]):
    """Teaching aids, learning tools and assistive devices issued to students (IEP-8)."""
    f = field_named(filters.dict(exclude_none=True))
    qs = _filtered(request, AidIssue, f)
    if "kind" in f:
        qs = qs.filter(kind=f["kind"])
    if f.get("outstanding"):
        qs = qs.filter(returned_on__isnull=True)
    return _page(qs, page, aid_items)


_AID_VALUES = {
    "id": "id", "version": "version", "student_id": "student_id", "student_name": "student__name",
    "school_id": "school_id", "item": "item", "kind": "kind", "issued_on": "issued_on",
    "returned_on": "returned_on", "notes": "notes", "created_at": "created_at",
}


def aid_items(page_qs) -> list[dict]:
    """The list rows of a page of aids as ``aid_out`` answers them (one query)."""
    return _rows(page_qs, _AID_VALUES)


@router.post("/aids", response={201: AidOut})
def create_aid(request, payload: AidIn):
    student = _student_for_write(request, payload.student_id)
    a = support.aid_issue(actor=request.user, student=student, item=payload.item, kind=payload.kind,
                          issued_on=payload.issued_on, returned_on=payload.returned_on, notes=payload.notes)
    return Status(201, aid_out(AidIssue.objects.select_related("student").get(pk=a.pk)))


@router.post("/aids/{aid_id}/return", response=AidOut)
def return_aid(request, aid_id: int, payload: AidReturnIn):
    """Record that an issued item came back."""
    require(request, "iep.records")
    a = get_visible_or_404(AidIssue.objects.select_related("student"), request.user, aid_id)
    a = support.aid_return(actor=request.user, aid=a, returned_on=payload.returned_on, version=payload.version)
    return aid_out(AidIssue.objects.select_related("student").get(pk=a.pk))
