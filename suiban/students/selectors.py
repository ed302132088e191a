"""Reads of student data: the roster query with its filters and pinyin ordering (PL-13)."""

from django.db.models import F

from suiban.core.crypto import lookup_hashes
from suiban.org.models import Region, SchoolClass
from suiban.students.models import INCLUSION_PLACEMENTS, Student

ROSTER_FILTERS = ("school", "class_id", "grade", "disability_category", "disability_grade", "placement", "status",
                  "name", "region", "hukou_region_code", "student_number")


def pinyin(field: str):
    """Order Chinese names by pinyin (PL-13) on every database: the stored sort key beside the name
    (``<field>_pinyin``, set by the services), which reads a family name as a family name (曾 zēng, 单 shàn)
    where a collation would take the character's common reading, and which the roster indexes cover."""
    return F(f"{field}_pinyin")


def roster(user, filters: dict, *, perm: str = "students.view"):
    """The students the user may see, filtered like the roster page, API list and export."""
    qs = Student.objects.visible_to(user, perm)
    f = {k: v for k, v in filters.items() if v not in (None, "")}
    if "school" in f:
        qs = qs.filter(school_id=int(f["school"]))
    if "class_id" in f:
        qs = qs.filter(school_class_id=int(f["class_id"]))
    if "grade" in f:
        qs = qs.filter(grade=int(f["grade"]))
    if "disability_category" in f:
        qs = qs.filter(disability_category=f["disability_category"])
    if "disability_grade" in f:
        qs = qs.filter(disability_grade=int(f["disability_grade"]))
    if f.get("placement") == "inclusion":  # the home panel's "in inclusion" figure: regular and special class
        qs = qs.filter(placement__in=INCLUSION_PLACEMENTS)
    elif "placement" in f:
        qs = qs.filter(placement=f["placement"])
    if "status" in f:
        qs = qs.filter(status=f["status"])
    if "name" in f:
        qs = qs.filter(name__contains=str(f["name"]).strip())
    if "student_number" in f:
        qs = qs.filter(student_number_hash__in=lookup_hashes(str(f["student_number"])))  # SEC-4: keyed hash
    if "hukou_region_code" in f:
        qs = qs.filter(hukou_region_code=f["hukou_region_code"])
    if "region" in f:
        region = Region.objects.visible_to(user).filter(pk=int(f["region"])).first()
        qs = qs.filter(region_path__startswith=region.path) if region else qs.none()
    return qs.order_by(pinyin("name"), "id")


def classes_for_placement(user, school):
    return (SchoolClass.objects.visible_to(user, "students.edit").filter(school=school)
            .select_related("school_year").order_by("-school_year__start_year", "grade", "name"))
