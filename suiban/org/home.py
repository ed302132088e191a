from django.db.models import Count

from suiban.core.home import register
from suiban.org.models import Region, School, SchoolClass, SchoolYear


def _org_figures(user):
    schools = School.objects.visible_to(user)
    sy = SchoolYear.current()
    classes = SchoolClass.objects.visible_to(user)
    if sy is not None:
        classes = classes.filter(school_year=sy)
    by_kind = dict(schools.values_list("kind").annotate(n=Count("id")).order_by())
    return {
        "region_count": Region.objects.visible_to(user).count(),
        "school_count": sum(by_kind.values()),
        "by_kind": [(code, label, by_kind.get(code, 0)) for code, label in School.KIND_CHOICES],
        "class_count": classes.count(),
        "current_year": sy,
    }


register("org", "org.view", "org/_home_panel.html", _org_figures, order=10)
