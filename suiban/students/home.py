from django.db.models import Count, Q

from suiban.core.home import register, register_start
from suiban.students.models import (
    ACTIVE_STATUSES,
    CATEGORY_CHOICES,
    INCLUSION_PLACEMENTS,
    PLACEMENT_CHOICES,
    Case,
    Student,
)


def _student_figures(user):
    qs = Student.objects.visible_to(user)
    figures = qs.aggregate(
        total=Count("id", filter=Q(status__in=ACTIVE_STATUSES)),
        inclusion=Count("id", filter=Q(status__in=ACTIVE_STATUSES, placement__in=INCLUSION_PLACEMENTS)),
        homebound=Count("id", filter=Q(status__in=ACTIVE_STATUSES, placement="homebound")),
    )
    by_cat = dict(qs.filter(status__in=ACTIVE_STATUSES).values_list("disability_category")
                  .annotate(n=Count("id")).order_by())
    by_place = dict(qs.filter(status__in=ACTIVE_STATUSES).values_list("placement").annotate(n=Count("id")).order_by())
    open_cases = Case.objects.visible_to(user).filter(state__in=Case.OPEN_STATES).count()
    return {
        "student_total": figures["total"], "inclusion_total": figures["inclusion"],
        "homebound_total": figures["homebound"], "open_cases": open_cases,
        "by_category": [(code, label, by_cat.get(code, 0)) for code, label in CATEGORY_CHOICES],
        "by_placement": [(code, label, by_place.get(code, 0)) for code, label in PLACEMENT_CHOICES],
    }


register("students", "students.view", "students/_home_panel.html", _student_figures, order=5)


def _family_start(request):
    from suiban.students.family.views import family_start

    return family_start(request)


register_start(_family_start)
