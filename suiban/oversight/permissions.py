"""Permissions and role grants of this module (declared into the one registry of core.permissions)."""

from django.utils.translation import gettext_lazy as _

from suiban.core.permissions import declare, extend_role

declare("oversight.view", _("View findings and dashboards"))
declare("oversight.supervise", _("Receive every violation in the region in the inbox"))

# OV-1, OV-2: everyone who answers for a school or a region reads its findings and dashboards.
extend_role("sysadmin", ["oversight.view"])
extend_role("bureau_officer", ["oversight.view", "oversight.supervise"])
extend_role("centre_staff", ["oversight.view"])
extend_role("expert", ["oversight.view"])
extend_role("school_leader", ["oversight.view"])
extend_role("resource_teacher", ["oversight.view"])
