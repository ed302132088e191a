"""API of the resource rooms and assessment module (API.md "Resource rooms and assessment (RR)").

Out of scope → 404; in scope but the role lacks the permission → 403; a step the state or the role does not
allow → 422 ``invalid_transition``; a score outside the line's allowed values → 422 ``score_out_of_range``;
a stale ``version`` → 409 ``version_conflict``."""

import json
from datetime import date
from decimal import Decimal
from typing import Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict

from suiban.core import runmemo
from suiban.core.api_tools import Id, PageIn, paginate, require
from suiban.core.errors import DomainError
from suiban.core.scoping import get_visible_or_404
from suiban.org.models import Region, School, SchoolYear
from suiban.rooms import documents, selectors, services
from suiban.rooms.models import Assessment, AssessmentEvent, ItemScore, Room, Round

router = Router(tags=["rooms"])

Use = Literal["dedicated", "shared"]
Zone = Literal["training", "assessment", "reception"]
EquipmentCategory = Literal["assessment_tools", "training", "office", "archive_cabinet"]
AssessmentState = Literal["self_assessment", "submitted", "panel_scoring", "scored", "rectification", "closed"]


class _Plain(BaseModel):
    """Output rows built as plain dicts: validated by pydantic directly (a ninja ``Schema`` would wrap every one of
    the thousands of item dicts of a list page to read attributes of model instances)."""

    model_config = ConfigDict(from_attributes=True)


class EquipmentItem(Schema):
    name: str = Field(..., max_length=100)
    category: EquipmentCategory
    quantity: int = Field(1, ge=0, le=100000)
    use_log: str = ""
    maintenance_log: str = ""


class RoomFields(Schema):
    name: str | None = Field(None, max_length=100)
    use: Use | None = None
    door_sign: bool | None = None
    area_m2: Decimal | None = Field(None, gt=0, lt=10000, decimal_places=1)
    floor: int | None = Field(None, ge=-5, le=50)
    accessible: bool | None = None
    safety_measures: str | None = None
    zones: list[Zone] | None = None
    zones_labelled: bool | None = None
    equipment: list[EquipmentItem] | None = None
    staff_ids: list[Id] | None = None
    opening_hours: str | None = None
    timetable: str | None = None
    staff_posted: bool | None = None
    service_process: str | None = None
    use_records: str | None = None
    serves_school_ids: list[Id] | None = None
    is_active: bool | None = None


class RoomIn(RoomFields):
    school_id: Id
    area_m2: Decimal = Field(..., gt=0, lt=10000, decimal_places=1)


class RoomPatch(RoomFields):
    version: int


class RoomOut(_Plain):
    id: int
    version: int
    school_id: int
    school_name: str
    name: str
    serves_school_ids: list[int]
    use: Use
    door_sign: bool
    area_m2: str
    floor: int
    accessible: bool
    safety_measures: str
    zones: list[str]
    zones_labelled: bool
    equipment: list[dict]
    staff_ids: list[int]
    opening_hours: str
    timetable: str
    staff_posted: bool
    service_process: str
    use_records: str
    is_active: bool


class RoomPage(_Plain):
    count: int
    items: list[RoomOut]


def room_out(r: Room) -> dict:
    return {"id": r.pk, "version": r.version, "school_id": r.school_id, "school_name": r.school.name,
            "name": r.name, "serves_school_ids": sorted(s.pk for s in r.serves.all()), "use": r.use,
            "door_sign": r.door_sign, "area_m2": str(r.area_m2), "floor": r.floor, "accessible": r.accessible,
            "safety_measures": r.safety_measures, "zones": list(r.zones), "zones_labelled": r.zones_labelled,
            "equipment": list(r.equipment), "staff_ids": sorted(s.pk for s in r.staff.all()),
            "opening_hours": r.opening_hours, "timetable": r.timetable, "staff_posted": r.staff_posted,
            "service_process": r.service_process, "use_records": r.use_records, "is_active": r.is_active}


def _room_values(payload: RoomFields) -> dict:
    data = payload.dict(exclude_unset=True)
    data.pop("version", None)
    data.pop("school_id", None)
    if "equipment" in data and data["equipment"] is not None:
        data["equipment"] = [dict(e) for e in data["equipment"]]
    return data


@router.get("/rooms", response=RoomPage)
def list_rooms(request, page: Query[PageIn], school_id: Id | None = None):
    """Resource rooms in scope (RR-2), with the schools each serves (RR-1)."""
    require(request, "rooms.view")
    qs = selectors.rooms(request.user)
    if school_id:
        qs = qs.filter(school_id=school_id)
    return paginate(qs, page, room_out)


@router.post("/rooms", response={201: RoomOut})
def create_room(request, payload: RoomIn):
    require(request, "rooms.edit")
    school = School.objects.visible_to(request.user, "rooms.edit").filter(pk=payload.school_id).first()
    if school is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field="school_id")
    room = services.room_create(actor=request.user, school=school, **_room_values(payload))
    return Status(201, room_out(selectors.rooms(request.user).get(pk=room.pk)))


@router.get("/rooms/{room_id}", response=RoomOut)
def get_room(request, room_id: int):
    require(request, "rooms.view")
    return room_out(get_visible_or_404(selectors.rooms(request.user), request.user, room_id))


@router.patch("/rooms/{room_id}", response=RoomOut)
def patch_room(request, room_id: int, payload: RoomPatch):
    require(request, "rooms.view")
    room = get_visible_or_404(Room, request.user, room_id)
    services.room_update(actor=request.user, room=room, version=payload.version, **_room_values(payload))
    return room_out(selectors.rooms(request.user).get(pk=room_id))


# --- rounds ---------------------------------------------------------------------------------------------------
class RoundIn(Schema):
    region_id: Id
    school_year: str | None = Field(None, pattern=r"^\d{4}-\d{4}$")
    name: str = Field(..., max_length=100)
    panel_leader_id: Id
    panel_member_ids: list[Id] = []
    school_ids: list[Id] | None = None
    self_due: date | None = None
    with_inspection: bool = False


class RoundSchool(Schema):
    assessment_id: int
    school_id: int
    school_name: str
    state: AssessmentState
    self_total: str | None
    total: str | None
    grade: str
    warned: bool


class RoundOut(Schema):
    id: int
    region_id: int
    school_year: str
    name: str
    level: str
    cycle_years: int
    profile: str
    rubric_version: int
    exemplary_min: str
    qualified_min: str
    panel_leader_id: int | None
    panel_member_ids: list[int]
    state: str
    schools: list[RoundSchool]
    plaques: list[RoundSchool]


class RoundPage(Schema):
    count: int
    items: list[RoundOut]


def round_out(r: Round, rows=None) -> dict:
    rows = rows if rows is not None else selectors.overview(r)
    schools = [{"assessment_id": a.pk, "school_id": a.school_id, "school_name": a.school.name, "state": a.state,
                "self_total": _s(a.self_total), "total": _s(a.total), "grade": a.grade, "warned": a.warned}
               for a in rows]
    return {"id": r.pk, "region_id": r.region_id, "school_year": r.school_year.name, "name": r.name,
            "level": r.level, "cycle_years": r.cycle_years, "profile": r.profile, "rubric_version": r.rubric_version,
            "exemplary_min": str(r.exemplary_min), "qualified_min": str(r.qualified_min),
            "panel_leader_id": r.panel_leader_id, "panel_member_ids": sorted(u.pk for u in r.panel_members.all()),
            "state": r.state, "schools": schools, "plaques": [s for s in schools if s["grade"] == "exemplary"]}


def _s(v):
    return None if v is None else str(v)


@router.get("/assessment-rounds", response=RoundPage)
def list_rounds(request, page: Query[PageIn]):
    """Rounds of the districts in scope, each with every school's totals and grade and the plaque list."""
    require(request, "assessment.view")
    qs = Round.objects.visible_to(request.user).select_related("school_year").prefetch_related("panel_members")
    total = qs.count()
    start = (page.page - 1) * page.page_size
    return {"count": total, "items": [round_out(r, selectors.overview(r, request.user))
                                      for r in qs[start:start + page.page_size]]}


@router.post("/assessment-rounds", response={201: RoundOut})
def open_round(request, payload: RoundIn):
    """The bureau opens a round for its district and names the panel (RR-4, RR-8)."""
    require(request, "assessment.manage")
    region = Region.objects.visible_to(request.user, "assessment.manage").filter(pk=payload.region_id).first()
    if region is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field="region_id")
    year = SchoolYear.current()
    if payload.school_year:
        year = SchoolYear.objects.filter(start_year=int(payload.school_year[:4])).first()
        if year is None or year.name != payload.school_year:
            raise DomainError(_("Unknown school year."), field="school_year")
    r = services.round_open(actor=request.user, region=region, school_year=year, name=payload.name,
                            panel_leader_id=payload.panel_leader_id, panel_member_ids=payload.panel_member_ids,
                            school_ids=payload.school_ids, self_due=payload.self_due,
                            with_inspection=payload.with_inspection)
    return Status(201, round_out(r, selectors.overview(r, request.user)))


@router.get("/assessment-rounds/{round_id}", response=RoundOut)
def get_round(request, round_id: int):
    require(request, "assessment.view")
    r = get_visible_or_404(Round.objects.select_related("school_year"), request.user, round_id)
    return round_out(r, selectors.overview(r, request.user))


# --- assessments ----------------------------------------------------------------------------------------------
class ItemOut(_Plain):
    code: str
    area: str
    indicator: str
    text: str
    points: str
    allowed: list[str]
    source: str
    methods: list[str]
    proposed_score: str | None
    evidence: str
    evidence_links: list[list[str]]
    reasoning: str
    self_score: str | None
    self_note: str
    panel_score: str | None
    deduction_reason: str
    difference: str | None = Field(None, description="self_score − proposed_score (RR-7: the difference stays)")
    photo: str | None


class EventOut(_Plain):
    at: str
    actor: str
    from_: str = Field(..., alias="from")
    to: str
    note: str


class AssessmentOut(_Plain):
    id: int
    version: int
    school_id: int
    school_name: str
    round: int
    round_name: str
    rubric_version: int
    state: AssessmentState
    person_in_charge: str
    contact: str
    situation: str
    highlights: str
    problems: str
    minutes: str
    summary_highlights: str
    summary_improvements: str
    summary_suggestions: str
    summary_submitted_at: str | None
    items: list[ItemOut]
    self_total: str | None
    total: str | None
    grade: str
    first_total: str | None
    rectification_due: date | None
    rectification_report: str
    warned: bool
    warning_note: str
    carried_over: list[dict]
    carried_over_skipped: list[str]
    events: list[EventOut]
    allowed_transitions: list[str]


class AssessmentPage(_Plain):
    count: int
    items: list[AssessmentOut]


NO_LINE = {"area": "", "indicator": "", "text": "", "allowed": [], "source": "", "methods": []}


def _line_fields(rnd: Round) -> dict[str, dict]:
    """{code: what an item shows of its rubric line (area, indicator, text, allowed values, source, methods)} —
    built once per round while a list is answered."""
    def build():
        return {code: {"area": ln.area_name, "indicator": ln.indicator_name, "text": ln.text,
                       "allowed": [str(v.quantize(Decimal("0.1"))) for v in ln.allowed()], "source": ln.source,
                       "methods": list(ln.methods)} for code, ln in selectors.lines_of(rnd).items()}

    return runmemo.memo(("rooms.line_fields", rnd.pk), build)


ITEM_FIELDS = ("assessment_id", "code", "points", "proposed_score", "evidence", "evidence_links", "reasoning",
               "self_score", "self_note", "panel_score", "deduction_reason", "photo")


def _page_items(assessments) -> dict[int, list]:
    """{assessment id: its lines in order} for a page, read as plain tuples in one query (no model instance nor
    dict per line: a page of 50 assessments holds about 2,000 lines)."""
    out: dict[int, list] = {a.pk: [] for a in assessments}
    for row in (ItemScore.objects.filter(assessment_id__in=list(out)).order_by("assessment_id", "position", "id")
                .values_list(*ITEM_FIELDS, named=True)):
        out[row.assessment_id].append(row)
    return out


def _item_out(it, lines: dict) -> dict:
    """One line of an assessment; the rubric's lists (allowed values, methods) are shared by the lines of a page,
    never changed: the answer is written out or copied by the schema."""
    line = lines.get(it.code, NO_LINE)
    self_score, proposed = it.self_score, it.proposed_score
    photo = it.photo if isinstance(it.photo, str) else it.photo.name
    return {
        "code": it.code, "area": line["area"], "indicator": line["indicator"], "text": line["text"],
        "points": str(it.points), "allowed": line["allowed"], "source": line["source"],
        "methods": line["methods"], "proposed_score": None if proposed is None else str(proposed),
        "evidence": it.evidence, "evidence_links": it.evidence_links, "reasoning": it.reasoning,
        "self_score": None if self_score is None else str(self_score), "self_note": it.self_note,
        "panel_score": None if it.panel_score is None else str(it.panel_score),
        "deduction_reason": it.deduction_reason,
        "difference": str(self_score - proposed) if self_score is not None and proposed is not None else None,
        "photo": photo or None}


def assessment_out(user, a: Assessment, scope: dict | None = None, items: list | None = None) -> dict:
    """An assessment as API.md answers it (``AssessmentOut``): the same dict whether validated by the response
    schema (detail, writes) or written out directly (the list)."""
    items = list(a.items.all()) if items is None else items
    rows = {it.code: it for it in items}
    lines = _line_fields(a.round)
    return {
        "id": a.pk, "version": a.version, "school_id": a.school_id, "school_name": a.school.name,
        "round": a.round_id, "round_name": a.round.name, "rubric_version": a.round.rubric_version, "state": a.state,
        **{f: getattr(a, f) for f in (*services.REPORT_FIELDS, *services.PANEL_FIELDS)},
        "summary_submitted_at": a.summary_submitted_at.isoformat() if a.summary_submitted_at else None,
        "items": [_item_out(it, lines) for it in items], "self_total": _s(a.self_total), "total": _s(a.total),
        "grade": a.grade, "first_total": _s(a.first_total), "rectification_due": a.rectification_due,
        "rectification_report": a.rectification_report, "warned": a.warned, "warning_note": a.warning_note,
        "carried_over": a.carried_over,
        "carried_over_skipped": [c["code"] for c in services.skipped_carry_over(a, rows)],
        "events": [{"at": e.at.isoformat(), "actor": e.actor.username if e.actor else "", "from": e.from_state,
                    "to": e.to_state, "note": e.note} for e in a.events.all()],
        "allowed_transitions": [s.dst for s in services.steps_for(user, a, scope)],
    }


class AssessmentIn(Schema):
    round_id: Id
    school_id: Id


class AssessmentPatch(Schema):
    version: int | None = None
    person_in_charge: str | None = Field(None, max_length=50)
    contact: str | None = Field(None, max_length=50)
    situation: str | None = None
    highlights: str | None = None
    problems: str | None = None
    minutes: str | None = None
    summary_highlights: str | None = None
    summary_improvements: str | None = None
    summary_suggestions: str | None = None
    rectification_report: str | None = None


class TransitionIn(Schema):
    to: AssessmentState
    note: str = ""
    version: int | None = None
    rectification_due: date | None = None


class ScoreItemIn(Schema):
    code: str = Field(..., max_length=10)
    points: Decimal | str | None = None
    proposed_score: Decimal | str | None = None
    evidence: str | None = None
    self_score: Decimal | str | None = None
    self_note: str | None = None
    panel_score: Decimal | str | None = None
    deduction_reason: str | None = None


class ScoresIn(Schema):
    version: int | None = None
    items: list[ScoreItemIn]


def _assessment(request, assessment_id: int) -> Assessment:
    require(request, "assessment.view")
    return get_visible_or_404(selectors.assessments(request.user), request.user, assessment_id)


@router.get("/assessments", response=AssessmentPage, by_alias=True)
def list_assessments(request, page: Query[PageIn], school_id: Id | None = None, round: Id | None = None,
                     state: AssessmentState | None = None, grade: str | None = None):
    require(request, "assessment.view")
    qs = selectors.assessments(request.user)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if round:
        qs = qs.filter(round_id=round)
    if state:
        qs = qs.filter(state=state)
    if grade:
        qs = qs.filter(grade=grade)
    start = (page.page - 1) * page.page_size
    # the page's ids first (a narrow sort), then its rows: sorting whole assessment rows of a province is slower
    ids = list(qs.prefetch_related(None).values_list("pk", flat=True)[start:start + page.page_size])
    by_id = {a.pk: a for a in qs.prefetch_related(None).order_by().filter(pk__in=ids).prefetch_related(
        Prefetch("events", AssessmentEvent.objects.select_related("actor")))}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    scope = services.step_scope(request.user, rows)  # allowed transitions of the page: one query per kind
    items = _page_items(rows)
    with runmemo.active():  # each round's rubric lines parsed once for the page
        body = {"count": qs.count(), "items": [assessment_out(request.user, a, scope, items[a.pk]) for a in rows]}
    # ~2,000 lines a page: written out directly in the shape of ``AssessmentPage`` (the dicts carry exactly its
    # fields; tests compare them with the schema's own output) instead of validating every line again
    return HttpResponse(json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
                        content_type="application/json; charset=utf-8")


@router.post("/assessments", response={201: AssessmentOut}, by_alias=True)
def create_assessment(request, payload: AssessmentIn):
    """The bureau adds a school to an open round."""
    require(request, "assessment.manage")
    rnd = Round.objects.visible_to(request.user, "assessment.manage").filter(pk=payload.round_id).first()
    if rnd is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field="round_id")
    school = School.objects.visible_to(request.user, "assessment.manage").filter(pk=payload.school_id).first()
    if school is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field="school_id")
    a = services.assessment_add(actor=request.user, round=rnd, school=school)
    return Status(201, assessment_out(request.user, _assessment(request, a.pk)))


@router.get("/assessments/{assessment_id}", response=AssessmentOut, by_alias=True)
def get_assessment(request, assessment_id: int):
    return assessment_out(request.user, _assessment(request, assessment_id))


@router.patch("/assessments/{assessment_id}", response=AssessmentOut, by_alias=True)
def patch_assessment(request, assessment_id: int, payload: AssessmentPatch):
    """The self-assessment report (附件2) and rectification report (school); minutes and summary (附件4, panel)."""
    a = _assessment(request, assessment_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    services.assessment_update(actor=request.user, assessment=a, version=version, **data)
    return assessment_out(request.user, _assessment(request, assessment_id))


@router.put("/assessments/{assessment_id}/scores", response=AssessmentOut, by_alias=True)
def put_scores(request, assessment_id: int, payload: ScoresIn):
    """Self-scores (school) or panel scores with deduction reasons (panel). Other fields of an item are read-only."""
    a = _assessment(request, assessment_id)
    items = [i.dict(exclude_unset=True) for i in payload.items]
    services.scores_put(actor=request.user, assessment=a, items=items, version=payload.version)
    return assessment_out(request.user, _assessment(request, assessment_id))


@router.post("/assessments/{assessment_id}/transitions", response=AssessmentOut, by_alias=True)
def post_transition(request, assessment_id: int, payload: TransitionIn):
    a = _assessment(request, assessment_id)
    services.transition(actor=request.user, assessment=a, to=payload.to, note=payload.note,
                        version=payload.version, rectification_due=payload.rectification_due)
    return assessment_out(request.user, _assessment(request, assessment_id))


@router.post("/assessments/{assessment_id}/proposals", response=AssessmentOut, by_alias=True)
def refresh_proposals(request, assessment_id: int):
    """Recompute the proposals from today's records (self-assessment only)."""
    a = _assessment(request, assessment_id)
    services.proposals_refresh(actor=request.user, assessment=a)
    return assessment_out(request.user, _assessment(request, assessment_id))


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    from urllib.parse import quote

    resp = HttpResponse(content, content_type=content_type)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp


@router.get("/assessments/{assessment_id}/self-report.docx")
def self_report_docx(request, assessment_id: int):
    """附件2 — the school's self-assessment report."""
    a = _assessment(request, assessment_id)
    data = documents.gather(a)
    return _download(documents.self_report_docx(data), documents.DOCX, f"{a.school.name}-自评报告.docx")


@router.get("/assessments/{assessment_id}/score-sheet.xlsx")
def score_sheet_xlsx(request, assessment_id: int):
    """附件3 — the score sheet with the self-score beside the panel's score, deduction reasons, signatures."""
    a = _assessment(request, assessment_id)
    data = documents.gather(a)
    return _download(documents.score_sheet_xlsx(data), documents.XLSX, f"{a.school.name}-评分表.xlsx")


@router.get("/assessments/{assessment_id}/summary.docx")
def summary_docx(request, assessment_id: int):
    """附件4 — the panel's summary report."""
    a = _assessment(request, assessment_id)
    data = documents.gather(a)
    return _download(documents.summary_docx(data), documents.DOCX, f"{a.school.name}-评估总结报告.docx")
