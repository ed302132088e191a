from ninja import Query, Router, Schema

from suiban.core.api_tools import PageIn, paginate, require
from suiban.core.scoping import get_visible_or_404
from suiban.org import selectors
from suiban.org.models import Region, School


class RegionRef(Schema):
    id: int
    code: str
    name: str


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    profile: str


class SchoolOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region: RegionRef
    address: str
    is_active: bool


class ClassOut(Schema):
    id: int
    name: str
    grade: int
    school_year: str
    inclusion_count: int
    class_teacher: str | None


class RegionPage(Schema):
    count: int
    items: list[RegionOut]


class SchoolPage(Schema):
    count: int
    items: list[SchoolOut]


class SchoolFilter(Schema):
    region: int | None = None
    kind: str | None = None
    code: str | None = None
    name: str | None = None


router = Router(tags=["organisation"])


def _region(r):
    return {"id": r.id, "code": r.code, "name": r.name, "level": r.level, "parent_id": r.parent_id,
            "profile": r.profile}


def _school(s):
    return {"id": s.id, "code": s.code, "name": s.name, "kind": s.kind, "address": s.address,
            "is_active": s.is_active, "region": {"id": s.region.id, "code": s.region.code, "name": s.region.name}}


@router.get("/regions", response=RegionPage)
def regions(request, page: Query[PageIn], level: str | None = None, parent: int | None = None):
    require(request, "org.view")
    qs = Region.objects.visible_to(request.user)
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent_id=parent)
    return paginate(qs, page, _region)


@router.get("/regions/{region_id}", response=RegionOut)
def region(request, region_id: int):
    require(request, "org.view")
    return _region(get_visible_or_404(Region, request.user, region_id))


@router.get("/schools", response=SchoolPage)
def schools(request, page: Query[PageIn], filters: Query[SchoolFilter]):
    require(request, "org.view")
    qs = School.objects.visible_to(request.user).select_related("region")
    if filters.region:
        r = Region.objects.visible_to(request.user).filter(pk=filters.region).first()
        qs = qs.filter(region_path__startswith=r.path) if r else qs.none()
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.code:
        qs = qs.filter(code=filters.code)
    if filters.name:
        qs = qs.filter(name__icontains=filters.name)
    return paginate(qs, page, _school)


@router.get("/schools/{school_id}", response=SchoolOut)
def school(request, school_id: int):
    require(request, "org.view")
    return _school(get_visible_or_404(School.objects.select_related("region"), request.user, school_id))


@router.get("/schools/{school_id}/classes", response=list[ClassOut])
def school_classes(request, school_id: int):
    """Classes of the current school year with their number of students in inclusion."""
    require(request, "org.view")
    s = get_visible_or_404(School, request.user, school_id)
    return [
        {"id": c.id, "name": c.name, "grade": c.grade, "school_year": c.school_year.name,
         "inclusion_count": c.inclusion_count,
         "class_teacher": c.class_teacher.display_name if c.class_teacher else None}
        for c in selectors.current_classes(s, request.user)
    ]
