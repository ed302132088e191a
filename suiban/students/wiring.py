"""How the students module plugs into the organisation pages (inclusion count per class) and services (the
students of an ordinary class that keep it from becoming a special class, PL-2)."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from suiban.org import selectors
from suiban.org import services as org_services
from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student


def inclusion_count_expression():
    """Students in inclusion (active, regular or special class) per class, as one correlated subquery."""
    counts = (Student.objects.filter(school_class=OuterRef("pk"), placement__in=INCLUSION_PLACEMENTS,
                                     status__in=ACTIVE_STATUSES)
              .order_by().values("school_class").annotate(n=Count("id")).values("n"))
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


selectors.INCLUSION_COUNT["expression"] = inclusion_count_expression()


def _regular_pupils(school_class) -> int:
    from suiban.students.services import capped_count

    return capped_count(school_class)


org_services.REGULAR_PUPILS["count"] = _regular_pupils
