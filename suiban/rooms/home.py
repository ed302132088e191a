"""Home figure (RR-5: the results feed each school's yearly evaluation): the schools of the caller's scope by
their grade in the latest scored assessment, the plaques and the open rectifications — each linking to its list."""

from django.db.models import Count, Q

from suiban.core.home import register
from suiban.rooms.models import Assessment

GRADED = (Assessment.SCORED, Assessment.RECTIFICATION, Assessment.CLOSED)


def assessment_figures(user) -> dict:
    qs = Assessment.objects.visible_to(user)
    f = qs.aggregate(
        exemplary=Count("id", filter=Q(grade=Assessment.EXEMPLARY, state__in=GRADED)),
        qualified=Count("id", filter=Q(grade=Assessment.QUALIFIED, state__in=GRADED)),
        unqualified=Count("id", filter=Q(grade=Assessment.UNQUALIFIED, state__in=GRADED)),
        rectifying=Count("id", filter=Q(state=Assessment.RECTIFICATION)),
        in_progress=Count("id", filter=Q(state__in=(Assessment.SELF, Assessment.SUBMITTED, Assessment.PANEL))),
        warned=Count("id", filter=Q(warned=True)),
    )
    return {"assessments": f}


register("assessments", "assessment.view", "rooms/_home_panel.html", assessment_figures, order=40)
