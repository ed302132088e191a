from django.utils.translation import gettext_lazy as _

from suiban.core.menu import add

add("findings", _("Findings"), "oversight:findings", "oversight.view", "exclamation-octagon", _("Oversight"))
add("dashboard", _("Dashboard"), "oversight:dashboard", "oversight.view", "bar-chart", _("Oversight"))
