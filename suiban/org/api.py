from typing import Literal

from ninja import Field, Query, Router

from suiban.core.api_tools import Id, PageIn, Schema, require, values_page
from suiban.core.scoping import get_visible_or_404
from suiban.org import selectors
from suiban.org.models import Region, School


class RegionRef(Schema):
    id: int
    code: str
    name: str


class RegionOut(Schema):
    id: int
    version: int
    code: str
    name: str
    level: str
    parent_id: int | None
    profile: str


class SchoolOut(Schema):
    id: int
    version: int
    code: str
    name: str
    kind: str
    region: RegionRef
    address: str
    is_active: bool


class ClassOut(Schema):
    id: int
    version: int
    name: str
    grade: int
    school_year: str
    inclusion_count: int = Field(description="active pupils placed 随班就读 (regular class) in this ordinary class "
                                             "(PL-4); 0 for a special class")
    pupil_count: int = Field(0, description="active pupils of the class, whatever their placement; the figure of a "
                                            "special class (附设特教班, PL-2)")
    class_teacher: str | None
    kind: Literal["ordinary", "special"] = Field(
        "ordinary", description="ordinary class, or special: a special class attached to an ordinary school "
                                "(附设特教班, PL-2); the class cap of PL-4 applies to ordinary classes only")


class RegionPage(Schema):
    count: int
    items: list[RegionOut]


class SchoolPage(Schema):
    count: int
    items: list[SchoolOut]


class SchoolFilter(Schema):
    region: Id | None = None
    region_id: Id | None = None
    kind: Literal["primary", "junior", "nine_year", "special"] | None = None
    code: str | None = Field(None, max_length=10)
    name: str | None = Field(None, max_length=100)


router = Router(tags=["organisation"])


def _region(r):
    return {"id": r.id, "version": r.version, "code": r.code, "name": r.name, "level": r.level,
            "parent_id": r.parent_id, "profile": r.profile}


REGION_COLUMNS = {k: k for k in ("id", "version", "code", "name", "level", "parent_id", "profile")}
SCHOOL_COLUMNS = {**{k: k for k in ("id", "version", "code", "name", "kind", "address", "is_active")},
                  "region_id": "region_id", "region_code": "region__code", "region_name": "region__name"}


def _school_region(item):
    """A list row of ``SCHOOL_COLUMNS`` as ``_school`` answers it: the region as a nested reference."""
    item["region"] = {"id": item.pop("region_id"), "code": item.pop("region_code"), "name": item.pop("region_name")}


def _school(s):
    return {"id": s.id, "version": s.version, "code": s.code, "name": s.name, "kind": s.kind, "address": s.address,
            "is_active": s.is_active, "region": {"id": s.region.id, "code": s.region.code, "name": s.region.name}}


@router.get("/regions", response=RegionPage)
def regions(request, page: Query[PageIn], level: Literal["province", "city", "district"] | None = None,
            parent: Id | None = None, parent_id: Id | None = None, code: str | None = Query(None, max_length=6)):
    require(request, "org.view")
    qs = Region.objects.visible_to(request.user)
    if level:
        qs = qs.filter(level=level)
    if parent or parent_id:
        qs = qs.filter(parent_id=parent or parent_id)
    if code:
        qs = qs.filter(code=code)
    return values_page(qs, page, REGION_COLUMNS)


@router.get("/regions/{region_id}", response=RegionOut)
def region(request, region_id: int):
    require(request, "org.view")
    return _region(get_visible_or_404(Region, request.user, region_id))


@router.get("/schools", response=SchoolPage)
def schools(request, page: Query[PageIn], filters: Query[SchoolFilter]):
    require(request, "org.view")
    qs = School.objects.visible_to(request.user).select_related("region")
    if filters.region or filters.region_id:
        r = Region.objects.visible_to(request.user).filter(pk=filters.region or filters.region_id).first()
        qs = qs.filter(region_path__startswith=r.path) if r else qs.none()
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.code:
        qs = qs.filter(code=filters.code)
    if filters.name:
        qs = qs.filter(name__icontains=filters.name)
    return values_page(qs, page, SCHOOL_COLUMNS, finish=_school_region)


@router.get("/schools/{school_id}", response=SchoolOut)
def school(request, school_id: int):
    require(request, "org.view")
    return _school(get_visible_or_404(School.objects.select_related("region"), request.user, school_id))


class ClassPage(Schema):
    count: int
    items: list[ClassOut]


@router.get("/schools/{school_id}/classes", response=ClassPage)
def school_classes(request, school_id: int, page: Query[PageIn], grade: int | None = Query(None, ge=1, le=9),
                   kind: Literal["ordinary", "special"] | None = None):
    """Classes of the current school year with their kind (ordinary, or a special class attached to the school:
    PL-2) and their number of students in inclusion (PL-4)."""
    require(request, "org.view")
    s = get_visible_or_404(School, request.user, school_id)
    qs = selectors.current_classes(s, request.user)
    if grade:
        qs = qs.filter(grade=grade)
    if kind:
        qs = qs.filter(kind=kind)
    return values_page(qs, page, CLASS_COLUMNS, finish=_class_row)


CLASS_COLUMNS = {"id": "id", "version": "version", "name": "name", "grade": "grade",
                 "school_year": "school_year__start_year", "inclusion_count": "inclusion_count",
                 "pupil_count": "pupil_count", "kind": "kind", "teacher_username": "class_teacher__username",
                 "teacher_full_name": "class_teacher__full_name"}


def _class_row(item):
    """A class row of ``CLASS_COLUMNS`` as the list answers it: the school year's name ("2026-2027") and the class
    teacher's display name (full name, else username)."""
    item["school_year"] = f"{item['school_year']}-{item['school_year'] + 1}"
    username, full_name = item.pop("teacher_username"), item.pop("teacher_full_name")
    item["class_teacher"] = (full_name or username) if username else None
