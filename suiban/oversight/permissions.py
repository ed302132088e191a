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

# PL-14, PL-15: the census of children with disabilities and the bureau's decisions on refusals; OV-4, OV-5,
# AR-4, PL-15: the records a school keeps (activities, barrier-free checklist, archive custodian, refusals).
declare("oversight.census", _("Keep the census of children with disabilities and decide enrolment refusals"))
declare("oversight.record", _("Record activities, the barrier-free checklist, the archive custodian and refusals"))
declare("oversight.govern", _("Record the county plan, joint meetings and designated schools"))
extend_role("bureau_officer", ["oversight.census", "oversight.record", "oversight.govern"])
extend_role("centre_staff", ["oversight.census"])
extend_role("school_leader", ["oversight.record"])
extend_role("resource_teacher", ["oversight.record"])
