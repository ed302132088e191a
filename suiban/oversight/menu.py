from django.utils.translation import gettext_lazy as _

from suiban.core.menu import add

add("findings", _("Findings"), "oversight:findings", "oversight.view", "exclamation-octagon", _("Oversight"))
add("dashboard", _("Dashboard"), "oversight:dashboard", "oversight.view", "bar-chart", _("Oversight"))
add("census", _("Census"), "oversight:census", "oversight.census", "people-fill", _("Oversight"))
add("refusals", _("Enrolment refusals"), "oversight:refusals", "oversight.view", "sign-stop", _("Oversight"))
add("designated", _("Designated schools"), "oversight:designated", "oversight.govern", "geo-alt",
    _("Oversight"))
add("archive_custody", _("Archive custody"), "oversight:archive_custody", "oversight.view", "safe", _("Oversight"))
add("governance", _("County plan and joint meetings"), "oversight:governance", "oversight.view", "bank",
    _("Oversight"))
add("activities", _("Activities"), "oversight:activities", "oversight.view", "calendar-event", _("Oversight"))
add("documents", _("Documents"), "oversight:documents", "oversight.view", "files", _("Oversight"))
