"""Students API (API.md): list/create/get/patch; identity, student and certificate numbers masked for every role
(privacy by default, ORG-5/SEC-4); ``POST /students/{id}/reveal`` shows one number with a stated purpose."""

from datetime import date
from typing import Literal

from django.db import transaction
from ninja import Field, Query, Router
from ninja import Status as HttpStatus

from suiban.core import audit
from suiban.core.api_tools import Id, PageIn, Schema, listed, page_count, require
from suiban.core.errors import DomainError
from suiban.core.scoping import get_visible_or_404, grants_for
from suiban.org.models import School, SchoolClass
from suiban.students import selectors, services, sorting
from suiban.students.models import Student

Gender = Literal["male", "female"]
Category = Literal["visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"]
Certifier = Literal["dpf", "hospital", "committee"]
Placement = Literal["regular_class", "special_class", "special_school", "homebound", "remote", "awaiting"]
Status = Literal["active", "deferred", "transferred", "graduated", "completed", "attended", "left"]


class GuardianIO(Schema):
    name: str
    relation: str
    phone: str = ""


class StudentOut(Schema):
    id: int
    version: int
    name: str
    gender: str
    birth_date: date
    id_number: str
    student_number: str
    hukou_region_code: str
    school_id: int
    school_name: str
    class_id: int | None
    class_name: str | None
    grade: int
    disability_category: str
    disability_grade: int | None
    certificate_number: str
    certificate_issued_on: date | None
    certified_by: str
    placement: str
    status: str
    enrolled_on: date | None
    guardians: list[GuardianIO]


class StudentDetailOut(StudentOut):
    family_situation: str
    warnings: list[str] = []


class StudentPage(Schema):
    count: int
    items: list[StudentOut]


class StudentIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    gender: Gender
    birth_date: date
    id_number: str = ""
    student_number: str
    hukou_region_code: str = ""
    school_id: int
    class_id: int | None = None
    grade: int = Field(..., ge=1, le=9)
    disability_category: Category
    disability_grade: int | None = Field(None, ge=1, le=4)
    certificate_number: str = ""
    certificate_issued_on: date | None = None
    certified_by: Certifier | Literal[""] = ""
    placement: Placement = "regular_class"
    status: Status = "active"
    enrolled_on: date | None = None
    family_situation: str = ""
    committee_opinion: str = ""
    guardians: list[GuardianIO] = []


class StudentPatch(Schema):
    version: int
    name: str | None = Field(None, min_length=1, max_length=50)
    gender: Gender | None = None
    birth_date: date | None = None
    id_number: str | None = None
    student_number: str | None = None
    hukou_region_code: str | None = None
    school_id: int | None = None
    class_id: int | None = None
    grade: int | None = Field(None, ge=1, le=9)
    disability_category: Category | None = None
    disability_grade: int | None = Field(None, ge=1, le=4)
    certificate_number: str | None = None
    certificate_issued_on: date | None = None
    certified_by: Certifier | Literal[""] | None = None
    placement: Placement | None = None
    status: Status | None = None
    enrolled_on: date | None = None
    family_situation: str | None = None
    committee_opinion: str = ""
    guardians: list[GuardianIO] | None = None


class StudentFilter(Schema):
    school: Id | None = None
    school_id: Id | None = None  # the field's own name (API.md: filters are named after the fields)
    class_id: Id | None = None
    grade: int | None = Field(None, ge=1, le=9)
    disability_category: Category | None = None
    disability_grade: int | None = Field(None, ge=1, le=4)
    placement: Placement | None = None
    status: Status | None = None
    name: str | None = Field(None, max_length=50)
    region: Id | None = None
    hukou_region_code: str | None = Field(None, max_length=6)
    student_number: str | None = Field(None, max_length=19)

    def to_filters(self) -> dict:
        f = self.dict(exclude_none=True)
        if "school_id" in f:
            f["school"] = f.pop("school_id")
        return f


router = Router(tags=["students"])


def identity_checker(user):
    """One decision per request: may this user see full numbers for a student? (SEC-4)"""
    grants = grants_for(user, "students.view_identity")

    def ok(s: Student) -> bool:
        for g in grants:
            if g.kind == "all" or (g.kind == "region" and s.region_path.startswith(g.region_path)) or \
                    (g.kind == "school" and g.school_id == s.school_id) or \
                    (g.kind == "class" and g.class_id == s.school_class_id) or \
                    (g.kind == "student" and g.student_id == s.pk):
                return True
        return False

    return ok


def student_out(s: Student, show_identity: bool, *, detail=False) -> dict:
    """The record as the API shows it. The numbers are always the masks (privacy by default, SEC-4): a full
    number is only ever answered by ``reveal`` or the full-number export, each with a purpose, audited.
    ``show_identity`` decides only whether the family situation is shown on the detail (ORG-5)."""
    out = {
        "id": s.id, "version": s.version, "name": s.name, "gender": s.gender, "birth_date": s.birth_date,
        "id_number": s.id_number_masked,
        "student_number": s.student_number_masked,
        "hukou_region_code": s.hukou_region_code, "school_id": s.school_id, "school_name": s.school.name,
        "class_id": s.school_class_id, "class_name": s.school_class.name if s.school_class_id else None,
        "grade": s.grade, "disability_category": s.disability_category, "disability_grade": s.disability_grade,
        "certificate_number": s.certificate_masked,
        "certificate_issued_on": s.certificate_issued_on, "certified_by": s.certified_by,
        "placement": s.placement, "status": s.status, "enrolled_on": s.enrolled_on,
        "guardians": [{"name": g.name, "relation": g.relation, "phone": g.phone} for g in s.guardians.all()],
    }
    if detail:
        out["family_situation"] = s.family_situation if show_identity else ""
    return out


def _related(qs):
    return qs.select_related("school", "school_class").prefetch_related("guardians")


def _fields_from(payload: dict) -> dict:
    fields = dict(payload)
    if "school_id" in fields:
        sid = fields.pop("school_id")
        fields["school"] = School.objects.filter(pk=sid).first() if sid else None
        if fields["school"] is None:
            raise DomainError(field="school_id", message=str(_not_found_msg()))
    if "class_id" in fields:
        cid = fields.pop("class_id")
        fields["school_class"] = SchoolClass.objects.filter(pk=cid).select_related("school").first() if cid else None
        if cid and fields["school_class"] is None:
            raise DomainError(field="class_id", message=str(_not_found_msg()))
    return fields


def _not_found_msg():
    from django.utils.translation import gettext as _

    return _("The object does not exist or is outside your scope.")


@router.get("/students", response=StudentPage)
def list_students(request, filters: Query[StudentFilter], page: Query[PageIn], sort: str | None = None):
    """Roster (PL-13): filters as query parameters; names in pinyin order. ``sort`` orders by a column (name,
    school, class, grade, disability_category, disability_grade, placement, status; ``-`` for descending);
    any other value keeps the name order."""
    require(request, "students.view")
    qs, _sort = sorting.STUDENTS.apply(selectors.roster(request.user, filters.to_filters()), sort)
    start = (page.page - 1) * page.page_size
    items = list_items(qs[start:start + page.page_size])
    total, _exact = page_count(qs, start, page.page_size, len(items))
    audit.record(request.user, "students.list.viewed", object_type="student", object_id="",
                 object_repr="roster", changes={"filters": filters.to_filters(), "count": len(items)})
    return listed({"count": total, "items": items})


# A list row as ``student_out`` answers it, read as plain values (no model instances: the encrypted columns are
# neither read nor decrypted, and the page costs little above its SQL).
_LIST_VALUES = {
    "id": "id", "version": "version", "name": "name", "gender": "gender", "birth_date": "birth_date",
    "id_number": "id_number_masked", "student_number": "student_number_masked",
    "hukou_region_code": "hukou_region_code", "school_id": "school_id", "school_name": "school__name",
    "class_id": "school_class_id", "class_name": "school_class__name", "grade": "grade",
    "disability_category": "disability_category", "disability_grade": "disability_grade",
    "certificate_number": "certificate_masked", "certificate_issued_on": "certificate_issued_on",
    "certified_by": "certified_by", "placement": "placement", "status": "status", "enrolled_on": "enrolled_on",
}


def list_items(page_qs) -> list[dict]:
    """The list rows of a page of students (two queries: the page with its school and class names, and its
    guardians)."""
    from suiban.students.models import Guardian

    keys = list(_LIST_VALUES)
    items = [dict(zip(keys, row, strict=True)) for row in page_qs.values_list(*_LIST_VALUES.values())]
    by_id = {}
    for item in items:
        item["guardians"] = by_id[item["id"]] = []
    if by_id:
        for sid, name, relation, phone in (Guardian.objects.filter(student_id__in=by_id).order_by("id")
                                           .values_list("student_id", "name", "relation", "phone")):
            by_id[sid].append({"name": name, "relation": relation, "phone": phone})
    return items


@router.post("/students", response={201: StudentDetailOut})
def create_student(request, payload: StudentIn):
    require(request, "students.edit")
    data = payload.dict()
    guardians = data.pop("guardians")
    opinion = data.pop("committee_opinion")
    fields = _fields_from(data)
    with transaction.atomic():
        s, warnings = services.student_create(actor=request.user, guardians=guardians, committee_opinion=opinion,
                                              **fields)
    s = _related(Student.objects).get(pk=s.pk)
    out = {**student_out(s, services.identity_visible(request.user, s), detail=True), "warnings": warnings}
    return HttpStatus(201, out)


@router.get("/students/{student_id}", response=StudentDetailOut)
def get_student(request, student_id: int):
    """A student's record; the view itself is audited (action students.student.viewed)."""
    require(request, "students.view")
    s = get_visible_or_404(_related(Student.objects), request.user, student_id)
    services.view_recorded(actor=request.user, student=s)
    return {**student_out(s, services.identity_visible(request.user, s), detail=True), "warnings": []}


@router.patch("/students/{student_id}", response=StudentDetailOut)
def patch_student(request, student_id: int, payload: StudentPatch):
    """Edit with the version read; a stale version answers 409 version_conflict (SEC-6).
    Writing class_id places the student in that class (PL-4: 422 class_full beyond the hard maximum)."""
    require(request, "students.view")
    s = get_visible_or_404(Student, request.user, student_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    guardians = data.pop("guardians", None)
    opinion = data.pop("committee_opinion", "")
    fields = _fields_from({k: v for k, v in data.items()})
    if "school_class" in fields and fields["school_class"] is not None and not SchoolClass.objects.visible_to(
            request.user, "students.edit").filter(pk=fields["school_class"].pk).exists():
        # answered exactly like a class id that does not exist (SEC-2: no hint that it exists elsewhere)
        raise DomainError(field="class_id", message=str(_not_found_msg()))
    s, warnings = services.student_update(actor=request.user, student=s, version=version, guardians=guardians,
                                          committee_opinion=opinion, **fields)
    s = _related(Student.objects).get(pk=s.pk)
    return {**student_out(s, services.identity_visible(request.user, s), detail=True), "warnings": warnings}




class RevealIn(Schema):
    field: Literal["id_number", "certificate_number", "student_number"]
    purpose: str = Field(..., max_length=200)


class RevealOut(Schema):
    value: str


@router.post("/students/{student_id}/reveal", response=RevealOut)
def reveal_number(request, student_id: int, payload: RevealIn):
    """One full number of one student (privacy by default, ORG-5/SEC-4) for a role that may see it
    (``students.view_identity`` over the student; others 404), with the purpose stated (422 without one).
    Audited as ``students.<field>.revealed`` with the purpose, never with the number. A role that cannot read
    students at all gets 403 like on every student operation."""
    require(request, "students.view")
    s = get_visible_or_404(Student.objects.select_related("school"), request.user, student_id,
                           "students.view_identity")
    value = services.number_reveal(actor=request.user, student=s, field=payload.field, purpose=payload.purpose)
    return {"value": value}
