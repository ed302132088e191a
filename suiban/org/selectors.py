"""Reads of the organisation that are more than a filter."""

from django.db.models import Count, IntegerField, Value

from suiban.org.models import SchoolClass

# The students module replaces this with the real annotation (students in inclusion per class).
INCLUSION_COUNT = {"expression": Value(0, output_field=IntegerField())}
# …and this with the active pupils per class (a special class shows them as its own figure, PL-2).
PUPIL_COUNT = {"expression": Value(0, output_field=IntegerField())}


def classes_with_inclusion_count(qs):
    """Classes with ``inclusion_count`` (pupils placed 随班就读 in an ordinary class; none in a special class) and
    ``pupil_count`` (all active pupils of the class)."""
    return qs.annotate(inclusion_count=INCLUSION_COUNT["expression"], pupil_count=PUPIL_COUNT["expression"])


def current_classes(school, user):
    """The school's classes of the year in course by its own calendar (ORG-2)."""
    from suiban.org.calendar import current_school_year

    sy = current_school_year(school)
    qs = SchoolClass.objects.visible_to(user).filter(school=school).select_related("school_year", "class_teacher")
    if sy is not None:
        qs = qs.filter(school_year=sy)
    return classes_with_inclusion_count(qs).order_by("grade", "name")


def school_counts_by_kind(schools_qs):
    return dict(schools_qs.values_list("kind").annotate(n=Count("id")).order_by())
