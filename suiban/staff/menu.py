"""Side-menu entries of the staff module."""

from django.utils.translation import gettext_lazy as _

from suiban.core.menu import add

GROUP = _("Staff and support")
add("staff_pools", _("Resource-teacher pools"), "staff:pool_list", "staff.view", "people-fill", GROUP)
add("staff_filing", _("Pool filing status"), "staff:filing", "staff.filing", "clipboard-check", GROUP)
add("staff_people", _("Staff and training"), "staff:staff_list", "staff.own", "mortarboard", GROUP)
add("staff_visits", _("Itinerant guidance"), "staff:visit_list", "staff.view", "signpost-split", GROUP)
add("staff_group", _("Inclusion working group"), "staff:group", "staff.view", "diagram-2", GROUP)
add("staff_incentives", _("Staffing and incentives"), "staff:incentives", "staff.view", "award", GROUP)
add("staff_nominations", _("Excellent-worker nominations"), "staff:nominations", "staff.view", "trophy", GROUP)
add("staff_experts", _("Resource centres and experts"), "staff:experts", "org.view", "person-badge", GROUP)
