"""Plans API (IEP-1..IEP-3): /api/v1/ieps with goals, transitions, comments, amendments, versions, reviews,
progress, the guardian's answers and the findings of a school. Sessions and the support records are on the
routers of ``sessions_api`` and ``support_api``, mounted below this one.

Out of scope → 404; in scope but the role lacks the permission → 403; a step the state or the role does not
allow → 422 ``invalid_transition``; a stale ``version`` → 409 ``version_conflict``."""

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from suiban import policy
from suiban.core import audit
from suiban.core.api_tools import Id, PageIn, Schema, listed, require
from suiban.core.errors import DomainError
from suiban.core.scoping import can, get_visible_or_404
from suiban.iep import selectors, services
from suiban.iep.filters import field_named
from suiban.iep.models import Goal, Plan, PlanVersion, Review
from suiban.org.models import School, SchoolYear
from suiban.students.models import Student

State = Literal["draft", "in_review", "in_force", "closed"]
Domain = Literal["culture_knowledge", "safety", "daily_living", "labour_skills", "mental_health", "sport_arts",
                 "compensatory"]
Measurement = Literal["frequency", "duration", "work_sample", "checklist", "trials"]
ParticipantRole = Literal["working_group", "itinerant_teacher", "resource_teacher", "class_teacher",
                          "subject_teacher", "therapist", "guardian", "student", "other"]


class MeetingParticipant(Schema):
    name: str = Field(..., max_length=50)
    role: ParticipantRole


class GoalFieldsIn(Schema):
    domain: Domain | None = None
    training_kind: str = Field("", max_length=30)
    target_behaviour: str = ""
    baseline: str = ""
    target_level: str = Field("", max_length=200)
    measurement: Measurement | Literal[""] = ""
    mastery_criterion: str = Field("", max_length=200)
    responsible_teacher: str = Field("", max_length=50)
    start_date: date | None = None
    end_date: date | None = None
    measures: str = ""
    attainment_method: str = ""


class GoalIn(GoalFieldsIn):
    parent_id: Id | None = None


class GoalPatch(Schema):
    version: int
    domain: Domain | None = None
    training_kind: str | None = Field(None, max_length=30)
    target_behaviour: str | None = None
    baseline: str | None = None
    target_level: str | None = Field(None, max_length=200)
    measurement: Measurement | Literal[""] | None = None
    mastery_criterion: str | None = Field(None, max_length=200)
    responsible_teacher: str | None = Field(None, max_length=50)
    start_date: date | None = None
    end_date: date | None = None
    measures: str | None = None
    attainment_method: str | None = None


class ShortGoalItem(GoalFieldsIn):
    id: Id | None = None


class LongGoalItem(GoalFieldsIn):
    id: Id | None = None
    short_term: list[ShortGoalItem] = []


class PlanFieldsIn(Schema):
    start_date: date | None = None
    end_date: date | None = None
    baseline_collected_by: str | None = Field(None, max_length=50)
    baseline_collected_on: date | None = None
    disability_assessment: str | None = None
    academic_assessment: str | None = None
    social_adaptation: str | None = None
    family_education: str | None = None
    support_needs: str | None = None
    meeting_date: date | None = None
    meeting_participants: list[MeetingParticipant] | None = None
    meeting_conclusions: str | None = None


class PlanIn(PlanFieldsIn):
    student_id: Id
    school_year: str | None = Field(None, pattern=r"^\d{4}-\d{4}$", description='e.g. "2025-2026"; default current')
    goals: list[LongGoalItem] | None = None


class PlanPatch(PlanFieldsIn):
    version: int


class AmendmentIn(PlanFieldsIn):
    reason: str
    version: int | None = None
    goals: list[LongGoalItem] | None = Field(None, description="the whole goal tree; goals left out are retired")


class PlanTransitionIn(Schema):
    to: State
    note: str = ""
    version: int | None = None


class PlanCommentIn(Schema):
    note: str


class GoalAttainmentIn(Schema):
    goal_id: Id
    attained: Literal["yes", "partly", "no"]
    level_reached: str = Field("", max_length=200)
    percentage: float | None = Field(None, ge=0, le=100)
    note: str = ""


class ReviewIn(Schema):
    review_date: date
    evidence: str
    summary: str = ""
    attainments: list[GoalAttainmentIn]


class PlanAnswerIn(Schema):
    answer: Literal["agree", "disagree", "agree_in_part"]
    comment: str = ""


class GoalOut(Schema):
    id: int
    version: int
    code: str
    kind: str
    parent_id: int | None
    domain: str
    training_kind: str
    target_behaviour: str
    baseline: str
    target_level: str
    measurement: str
    mastery_criterion: str
    responsible_teacher: str
    start_date: date
    end_date: date
    measures: str
    attainment_method: str
    active: bool
    created_in_revision: int
    retired_in_revision: int | None


class GoalTreeOut(GoalOut):
    short_term: list[GoalOut]


class GoalPage(Schema):
    count: int
    items: list[GoalOut]


class PlanAnswerOut(Schema):
    id: int
    revision: int
    answer: str
    comment: str
    responded_by: str | None
    responded_at: datetime


class PlanEventOut(Schema):
    at: datetime
    actor: str | None
    actor_name: str
    kind: str
    from_: str = Field(..., alias="from")
    to: str
    note: str


class PlanOut(Schema):
    id: int
    version: int
    revision: int
    student_id: int
    student_name: str
    school_id: int
    school_name: str
    class_id: int | None
    class_name: str | None
    school_year: str
    state: str
    start_date: date
    end_date: date
    in_force_on: date | None
    closed_on: date | None
    last_review_on: date | None
    next_review_due: date | None
    created_at: datetime
    updated_at: datetime


class PlanDetailOut(PlanOut):
    baseline_collected_by: str
    baseline_collected_on: date | None
    disability_assessment: str
    academic_assessment: str
    social_adaptation: str
    family_education: str
    support_needs: str
    meeting_date: date | None
    meeting_participants: list[MeetingParticipant]
    meeting_conclusions: str
    goals: list[GoalTreeOut]
    events: list[PlanEventOut]
    responses: list[PlanAnswerOut]
    allowed_transitions: list[str]
    can_edit: bool
    can_amend: bool
    can_review: bool
    can_comment: bool
    can_respond: bool


class PlanPage(Schema):
    count: int
    items: list[PlanOut]


class PlanFilter(Schema):
    student_id: Id | None = None
    school: Id | None = None
    school_id: Id | None = None
    class_id: Id | None = None
    region: Id | None = None
    region_id: Id | None = None
    state: State | None = None
    school_year: str | None = Field(None, max_length=9, description='e.g. "2025-2026"')


class VersionOut(Schema):
    number: int
    reason: str
    created_at: datetime
    created_by: str | None
    current: bool


class VersionPage(Schema):
    count: int
    items: list[VersionOut]


class VersionChangeOut(Schema):
    path: str
    from_: Any = Field(None, alias="from")
    to: Any = None


class VersionDetailOut(VersionOut):
    snapshot: dict
    compared_to: int | None
    changes: list[VersionChangeOut]


class AmendmentOut(Schema):
    revision: int = Field(..., description="the revision the amendment made (the plan in force is revision 1)")
    reason: str
    created_at: datetime
    created_by: str | None
    current: bool
    changes: list[VersionChangeOut] = Field(..., description="what changed against the revision before")


class AmendmentPage(Schema):
    count: int
    items: list[AmendmentOut]


class GoalAttainmentOut(Schema):
    goal_id: int
    attained: str
    level_reached: str
    percentage: float | None
    note: str


class ReviewOut(Schema):
    id: int
    plan_id: int
    revision: int
    review_date: date
    evidence: str
    summary: str
    reviewer: str | None
    created_at: datetime
    attainments: list[GoalAttainmentOut]


class ReviewPage(Schema):
    count: int
    items: list[ReviewOut]


class ProgressPointOut(Schema):
    review_id: int
    date: date
    attained: str
    percentage: float | None
    level_reached: str


class GoalProgressOut(Schema):
    goal_id: int
    code: str
    kind: str
    parent_id: int | None
    domain: str
    target_behaviour: str
    target_level: str
    active: bool
    points: list[ProgressPointOut]


class ProgressOut(Schema):
    plan_id: int
    goals: list[GoalProgressOut]


class IepFindingOut(Schema):
    student_id: int
    student_name: str
    class_id: int | None
    plan_id: int | None
    state: str | None = None
    last_review_on: date | None = None
    due_on: date | None = None


class IepFindingsOut(Schema):
    school_id: int
    school_year: str | None
    review_interval_weeks: int
    missing_plans: list[IepFindingOut]
    not_in_force: list[IepFindingOut]
    reviews_due: list[IepFindingOut]
    reviews_overdue: list[IepFindingOut]


router = Router(tags=["individual education"])


# --- output -------------------------------------------------------------------------------------------------
def _person(user):
    return (user.username, user.display_name) if user is not None else (None, _("System"))


def goal_out(g: Goal, codes: dict) -> dict:
    return {"id": g.pk, "version": g.version, "code": selectors.code_label(codes.get(g.pk, (g.position, 0))),
            "kind": g.kind, "parent_id": g.parent_id, "domain": g.domain, "training_kind": g.training_kind,
            "target_behaviour": g.target_behaviour, "baseline": g.baseline, "target_level": g.target_level,
            "measurement": g.measurement, "mastery_criterion": g.mastery_criterion,
            "responsible_teacher": g.responsible_teacher, "start_date": g.start_date, "end_date": g.end_date,
            "measures": g.measures, "attainment_method": g.attainment_method, "active": g.active,
            "created_in_revision": g.created_in_revision, "retired_in_revision": g.retired_in_revision}


def plan_out(p: Plan) -> dict:
    last = getattr(p, "last_review_on", None)
    s = p.student
    return {
        "id": p.pk, "version": p.version, "revision": p.revision, "student_id": p.student_id, "student_name": s.name,
        "school_id": p.school_id, "school_name": p.school.name, "class_id": s.school_class_id,
        "class_name": s.school_class.name if s.school_class_id else None, "school_year": p.school_year.name,
        "state": p.state, "start_date": p.start_date, "end_date": p.end_date, "in_force_on": p.in_force_on,
        "closed_on": p.closed_on, "last_review_on": last, "next_review_due": selectors.next_review_due(p, last),
        "created_at": p.created_at, "updated_at": p.updated_at,
    }


def plan_detail_out(user, p: Plan) -> dict:
    goals = list(p.goals.filter(retired_in_revision__isnull=True).order_by("position", "id"))
    codes = selectors.goal_codes(goals)
    tree = [{**goal_out(g, codes), "short_term": [goal_out(c, codes) for c in goals if c.parent_id == g.pk]}
            for g in goals if g.kind == Goal.LONG]
    events = []
    for e in services.events_for(user, p):
        username, name = _person(e.actor)
        events.append({"at": e.at, "actor": username, "actor_name": name, "kind": e.kind, "from": e.from_state,
                       "to": e.to_state, "note": e.note})
    responses = [{"id": r.pk, "revision": r.revision, "answer": r.answer, "comment": r.comment,
                  "responded_by": r.responded_by.username if r.responded_by_id else None,
                  "responded_at": r.responded_at} for r in p.responses.select_related("responded_by")]
    editable = can(user, "iep.edit", p)
    return {
        **plan_out(p),
        **{f: getattr(p, f) for f in ("baseline_collected_by", "baseline_collected_on", "disability_assessment",
                                      "academic_assessment", "social_adaptation", "family_education",
                                      "support_needs", "meeting_date", "meeting_participants",
                                      "meeting_conclusions")},
        "goals": tree, "events": events, "responses": responses,
        "allowed_transitions": [s.target for s in services.allowed_steps(user, p)],
        "can_edit": editable and p.state == "draft",
        "can_amend": editable and p.state == "in_force",
        "can_review": editable and p.state == "in_force",
        "can_comment": p.state == "in_review" and can(user, "iep.comment", p),
        "can_respond": p.state == "in_force" and can(user, "iep.respond", p),
    }


def _plan(request, plan_id: int) -> Plan:
    require(request, "iep.view")
    qs = (Plan.objects.select_related("student__school_class", "school", "school_year")
          .annotate(last_review_on=Max("reviews__review_date")))
    return get_visible_or_404(qs, request.user, plan_id)


def _detail(request, plan_id: int) -> dict:
    return plan_detail_out(request.user, _plan(request, plan_id))


def _plan_fields(payload: Schema, *, exclude=()) -> dict:
    data = payload.dict(exclude_unset=True)
    for k in ("version", "reason", "goals", "student_id", "school_year", *exclude):
        data.pop(k, None)
    return data


# --- plans --------------------------------------------------------------------------------------------------
@router.get("/ieps", response=PlanPage)
def list_plans(request, filters: Query[PlanFilter], page: Query[PageIn], sort: str | None = None):
    """Plans in scope (IEP-1): a class teacher sees their class's, a guardian only their child's plan in force.
    ``sort``: student, school, class, school_year, state, revision or last_review (``-`` for descending); any
    other value keeps the newest school year first."""
    from suiban.core.api_tools import page_count
    from suiban.iep.lists import sort_plans

    require(request, "iep.view")
    qs, _sort = sort_plans(selectors.plans(request.user, field_named(filters.dict(exclude_none=True))), sort)
    start = (page.page - 1) * page.page_size
    items = plan_items(qs[start:start + page.page_size])
    return listed({"count": page_count(qs, start, page.page_size, len(items))[0], "items": items})


# A list row as ``plan_out`` answers it, read as plain values: {key of the answer: ORM path}, in ``PlanOut``'s
# order; "school_year" (a start year) and "next_review_due" (the school's region) are completed after the query.
_PLAN_VALUES = {
    "id": "id", "version": "version", "revision": "revision", "student_id": "student_id",
    "student_name": "student__name", "school_id": "school_id", "school_name": "school__name",
    "class_id": "student__school_class_id", "class_name": "student__school_class__name",
    "school_year": "school_year__start_year", "state": "state", "start_date": "start_date", "end_date": "end_date",
    "in_force_on": "in_force_on", "closed_on": "closed_on", "last_review_on": "last_review_on",
    "next_review_due": "school__region_path", "created_at": "created_at", "updated_at": "updated_at",
}


def plan_items(page_qs) -> list[dict]:
    """The list rows of a page of plans (one query: the page with the student's, class's, school's and school
    year's names and the last review date)."""
    keys = list(_PLAN_VALUES)
    items = [dict(zip(keys, row, strict=True)) for row in page_qs.values_list(*_PLAN_VALUES.values())]
    due = selectors.next_reviews_due([(i["state"], i["in_force_on"], i["last_review_on"], i["school_id"],
                                       i["next_review_due"]) for i in items])
    years = {}
    for item, next_due in zip(items, due, strict=True):
        start = item["school_year"]
        if start not in years:
            years[start] = SchoolYear(start_year=start).name
        item["school_year"], item["next_review_due"] = years[start], next_due
    return items


@router.post("/ieps", response={201: PlanDetailOut}, by_alias=True)
def create_plan(request, payload: PlanIn):
    """Start a student's plan (draft) for a school year (default the current one); IEP-1: one per student per
    school year (422 ``duplicate_plan``). Goals may be given as a tree here or added later."""
    require(request, "iep.edit")
    student = Student.objects.visible_to(request.user, "iep.edit").select_related("school") \
        .filter(pk=payload.student_id).first()
    if student is None:
        raise DomainError(_("The object does not exist or is outside your scope."), field="student_id")
    year = None
    if payload.school_year:
        year = SchoolYear.objects.filter(start_year=int(payload.school_year[:4])).first()
        if year is None or payload.school_year != year.name:
            raise DomainError(_("Unknown school year."), field="school_year")
    goals = [g.dict() for g in payload.goals] if payload.goals is not None else None
    p = services.plan_create(actor=request.user, student=student, school_year=year, goals=goals,
                             **_plan_fields(payload))
    return Status(201, _detail(request, p.pk))


@router.get("/ieps/findings", response=IepFindingsOut)
def get_findings(request, school: Id | None = None, school_id: Id | None = None):
    """OV-1 input for one school: students in inclusion without a plan for the current school year, plans not
    in force yet, reviews due (within 14 days) and overdue (⚙ iep_review_interval_weeks)."""
    require(request, "iep.view")
    if (school or school_id) is None:
        raise DomainError(_("This field is required."), field="school_id")
    # Findings are a school overview: for the roles that see the school itself (not a guardian via the child).
    s = get_visible_or_404(School, request.user, school or school_id, "org.view")
    f = selectors.findings(s, user=request.user)
    return {"school_id": s.pk, "school_year": f.school_year,
            "review_interval_weeks": policy.value(s, "iep_review_interval_weeks"),
            "missing_plans": f.missing_plans, "not_in_force": f.not_in_force, "reviews_due": f.reviews_due,
            "reviews_overdue": f.reviews_overdue}


@router.get("/ieps/{plan_id}", response=PlanDetailOut, by_alias=True)
def get_plan(request, plan_id: int):
    """A plan with its baseline, team meeting, goal tree, timeline and the guardian's answers; audited."""
    p = _plan(request, plan_id)
    services.view_recorded(actor=request.user, plan=p)
    return plan_detail_out(request.user, p)


@router.patch("/ieps/{plan_id}", response=PlanDetailOut, by_alias=True)
def patch_plan(request, plan_id: int, payload: PlanPatch):
    """Edit a draft with the version read (409 when stale); a plan in force changes only by an amendment."""
    p = _plan(request, plan_id)
    services.plan_update(actor=request.user, plan=p, version=payload.version, **_plan_fields(payload))
    return _detail(request, plan_id)


# --- goals --------------------------------------------------------------------------------------------------
@router.get("/ieps/{plan_id}/goals", response=GoalPage)
def list_goals(request, plan_id: int, page: Query[PageIn], include_retired: bool = False):
    """The plan's goals, long-term goals first with their short-term goals (``parent_id``) after them."""
    p = _plan(request, plan_id)
    goals = list(p.goals.all() if include_retired else p.goals.filter(retired_in_revision__isnull=True))
    codes = selectors.goal_codes(goals)
    goals.sort(key=lambda g: (codes[g.pk], g.pk))
    start = (page.page - 1) * page.page_size
    return {"count": len(goals), "items": [goal_out(g, codes) for g in goals[start:start + page.page_size]]}


@router.post("/ieps/{plan_id}/goals", response={201: GoalOut})
def create_goal(request, plan_id: int, payload: GoalIn):
    """Add a long-term goal, or a short-term goal with ``parent_id`` (measurable: IEP-3), to a draft."""
    p = _plan(request, plan_id)
    data = payload.dict()
    parent_id = data.pop("parent_id")
    g = services.goal_add(actor=request.user, plan=p, parent_id=parent_id, **data)
    goals = list(p.goals.filter(retired_in_revision__isnull=True))
    return Status(201, goal_out(g, selectors.goal_codes(goals)))


def _goal(request, plan_id: int, goal_id: int) -> Goal:
    p = _plan(request, plan_id)
    g = p.goals.filter(pk=goal_id).first()
    if g is None:
        raise Http404
    g.plan = p
    return g


@router.patch("/ieps/{plan_id}/goals/{goal_id}", response=GoalOut)
def patch_goal(request, plan_id: int, goal_id: int, payload: GoalPatch):
    """Edit a draft's goal with the version read (409 when stale)."""
    g = _goal(request, plan_id, goal_id)
    data = payload.dict(exclude_unset=True)
    g = services.goal_update(actor=request.user, goal=g, version=data.pop("version"), **data)
    goals = list(g.plan.goals.filter(retired_in_revision__isnull=True))
    return goal_out(g, selectors.goal_codes(goals))


@router.delete("/ieps/{plan_id}/goals/{goal_id}", response={204: None})
def delete_goal(request, plan_id: int, goal_id: int):
    """Remove a goal (and its short-term goals) from a draft."""
    services.goal_delete(actor=request.user, goal=_goal(request, plan_id, goal_id))
    return Status(204, None)


# --- workflow -----------------------------------------------------------------------------------------------
@router.post("/ieps/{plan_id}/transitions", response=PlanDetailOut, by_alias=True)
def post_transition(request, plan_id: int, payload: PlanTransitionIn):
    """``{"to", "note"}``: draft → in_review (teacher), in_review → in_force (school leader) or back to draft
    (with a note), in_force → closed (school leader). 422 ``invalid_transition`` otherwise."""
    p = _plan(request, plan_id)
    services.transition(actor=request.user, plan=p, to=payload.to, note=payload.note, version=payload.version)
    return _detail(request, plan_id)


@router.post("/ieps/{plan_id}/comments", response={201: PlanDetailOut}, by_alias=True)
def post_comment(request, plan_id: int, payload: PlanCommentIn):
    """The district's itinerant teacher comments on a plan in review (422 ``invalid_transition`` otherwise)."""
    p = _plan(request, plan_id)
    services.plan_comment(actor=request.user, plan=p, note=payload.note)
    return Status(201, _detail(request, plan_id))


@router.post("/ieps/{plan_id}/amendments", response={201: PlanDetailOut}, by_alias=True)
def post_amendment(request, plan_id: int, payload: AmendmentIn):
    """Amend a plan in force: the new contents become a new version; the earlier ones stay viewable."""
    p = _plan(request, plan_id)
    goals = [g.dict() for g in payload.goals] if payload.goals is not None else None
    services.plan_amend(actor=request.user, plan=p, reason=payload.reason, version=payload.version, goals=goals,
                        **_plan_fields(payload))
    return Status(201, _detail(request, plan_id))


def version_out(v: PlanVersion, current: int) -> dict:
    return {"number": v.number, "reason": v.reason, "created_at": v.created_at,
            "created_by": v.created_by.username if v.created_by_id else None, "current": v.number == current}


@router.get("/ieps/{plan_id}/amendments", response=AmendmentPage, by_alias=True)
def list_amendments(request, plan_id: int):
    """Every amendment of the plan, oldest first, with its reason, who and when, and what it changed against the
    revision before (IEP-2 (4), IEP-3: every revision kept and comparable)."""
    p = _plan(request, plan_id)
    versions = list(p.versions.select_related("created_by").order_by("number"))
    snaps = {v.number: v.snapshot for v in versions}
    items = [{**version_out(v, p.revision), "revision": v.number,
              "changes": services.compare(snaps[v.number - 1], snaps[v.number]) if v.number - 1 in snaps else []}
             for v in versions if v.number > 1]
    audit.record(request.user, "iep.plan.versions_viewed", p, changes={"revisions": [None, sorted(snaps)]})
    return {"count": len(items), "items": items}


@router.get("/ieps/{plan_id}/versions", response=VersionPage)
def list_versions(request, plan_id: int):
    """Every revision that was in force, the current one included (IEP-3: earlier versions kept)."""
    p = _plan(request, plan_id)
    versions = list(p.versions.select_related("created_by").defer("snapshot_json"))
    return {"count": len(versions), "items": [version_out(v, p.revision) for v in versions]}


@router.get("/ieps/{plan_id}/versions/{number}", response=VersionDetailOut, by_alias=True)
def get_version(request, plan_id: int, number: int, compare_to: Id | None = None):
    """One revision's full contents and what changed against ``compare_to`` (default: the revision before)."""
    p = _plan(request, plan_id)
    versions = {v.number: v for v in p.versions.select_related("created_by")
                .filter(number__in=[number, compare_to if compare_to is not None else number - 1])}
    v = versions.get(number)
    if v is None:
        raise Http404
    other_number = compare_to if compare_to is not None else (number - 1 if number > 1 else None)
    if other_number is not None and other_number not in versions:
        raise DomainError(_("There is no such version of this plan."), field="compare_to")
    snap = v.snapshot
    changes = services.compare(versions[other_number].snapshot, snap) if other_number is not None else []
    # the snapshot holds the baseline (disability assessment, family situation): a view of personal data (SEC-3)
    audit.record(request.user, "iep.plan.versions_viewed", p,
                 changes={"revisions": [None, sorted(n for n in (number, other_number) if n is not None)]})
    return {**version_out(v, p.revision), "snapshot": snap, "compared_to": other_number, "changes": changes}


# --- reviews, progress, answers -------------------------------------------------------------------------------
def review_out(r: Review) -> dict:
    return {"id": r.pk, "plan_id": r.plan_id, "revision": r.revision, "review_date": r.review_date,
            "evidence": r.evidence, "summary": r.summary,
            "reviewer": r.reviewer.username if r.reviewer_id else None, "created_at": r.created_at,
            "attainments": [{"goal_id": a.goal_id, "attained": a.attained, "level_reached": a.level_reached,
                             "percentage": float(a.percentage) if a.percentage is not None else None,
                             "note": a.note} for a in r.attainments.all()]}


@router.get("/ieps/{plan_id}/reviews", response=ReviewPage)
def list_reviews(request, plan_id: int, page: Query[PageIn]):
    p = _plan(request, plan_id)
    qs = p.reviews.select_related("reviewer").prefetch_related("attainments").order_by("review_date", "id")
    total = qs.count()
    start = (page.page - 1) * page.page_size
    return {"count": total, "items": [review_out(r) for r in qs[start:start + page.page_size]]}


@router.post("/ieps/{plan_id}/reviews", response={201: ReviewOut})
def post_review(request, plan_id: int, payload: ReviewIn):
    """A periodic review of a plan in force: date, evidence and the attainment of each goal reviewed."""
    p = _plan(request, plan_id)
    r = services.review_record(actor=request.user, plan=p, review_date=payload.review_date,
                               evidence=payload.evidence, summary=payload.summary,
                               attainments=[a.dict() for a in payload.attainments])
    return Status(201, review_out(Review.objects.select_related("reviewer").prefetch_related("attainments")
                                  .get(pk=r.pk)))


@router.get("/ieps/{plan_id}/progress", response=ProgressOut)
def get_progress(request, plan_id: int):
    """Attainment per goal over time (the data of a progress chart, IEP-3)."""
    p = _plan(request, plan_id)
    return {"plan_id": p.pk, "goals": selectors.progress(p)}


@router.post("/ieps/{plan_id}/responses", response={201: PlanAnswerOut})
def post_response(request, plan_id: int, payload: PlanAnswerIn):
    """The guardian answers the plan in force: agree, disagree or agree in part (with a comment)."""
    p = _plan(request, plan_id)
    r = services.plan_respond(actor=request.user, plan=p, answer=payload.answer, comment=payload.comment)
    return Status(201, {"id": r.pk, "revision": r.revision, "answer": r.answer, "comment": r.comment,
                        "responded_by": request.user.username, "responded_at": r.responded_at})


from suiban.iep.sessions_api import router as sessions_router  # noqa: E402
from suiban.iep.support_api import router as support_router  # noqa: E402

router.add_router("", sessions_router)
router.add_router("", support_router)
