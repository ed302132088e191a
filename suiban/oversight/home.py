"""Home-page panel of the findings (OV-1, OV-2): the open findings in the user's scope by severity, each figure a
link to the findings list that counts it, and the way to the dashboard."""

from django.db.models import Count
from django.urls import reverse

from suiban.core.home import register
from suiban.oversight.models import SEVERITY_CHOICES, Finding


def _figures(user):
    counts = dict(Finding.objects.visible_to(user).filter(state="open").order_by().values_list("severity")
                  .annotate(n=Count("id")))
    base = reverse("oversight:findings")
    return {"findings_by_severity": [(code, label, counts.get(code, 0), f"{base}?state=open&severity={code}")
                                     for code, label in reversed(SEVERITY_CHOICES)],
            "findings_open": sum(counts.values()), "findings_url": f"{base}?state=open",
            "dashboard_url": reverse("oversight:dashboard")}


register("oversight", "oversight.view", "oversight/_home_panel.html", _figures, order=3)
