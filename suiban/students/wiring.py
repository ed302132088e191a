"""How the students module plugs into the organisation pages (inclusion count per class) and services (the
students of an ordinary class that keep it from becoming a special class, PL-2)."""

from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from suiban.org import selectors
from suiban.org import services as org_services
from suiban.org.models import SchoolClass
from suiban.students.models import ACTIVE_STATUSES, CAPPED_PLACEMENT, Student


def _count(**filters):
    counts = (Student.objects.filter(school_class=OuterRef("pk"), status__in=ACTIVE_STATUSES, **filters)
              .order_by().values("school_class").annotate(n=Count("id")).values("n"))
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def inclusion_count_expression():
    """Students in inclusion per class (PL-2, PL-4): active pupils placed 随班就读 in an ordinary class, as one
    correlated subquery. A special class attached to the school (附设特教班) has none: its pupils are a placement
    of their own, counted by ``pupil_count_expression``."""
    return Case(When(kind=SchoolClass.SPECIAL, then=Value(0)), default=_count(placement=CAPPED_PLACEMENT),
                output_field=IntegerField())


def pupil_count_expression():
    """Active pupils of the class, whatever their placement (the figure a special class shows)."""
    return _count()


selectors.INCLUSION_COUNT["expression"] = inclusion_count_expression()
selectors.PUPIL_COUNT["expression"] = pupil_count_expression()


def _regular_pupils(school_class) -> int:
    from suiban.students.services import capped_count

    return capped_count(school_class)


org_services.REGULAR_PUPILS["count"] = _regular_pupils
