"""Permissions and role grants of this module (declared into the one registry of core.permissions).

Home-delivered education (HB-1..HB-8): everyone who reads student records in a region or a school reads the
enrolments, visits and progress (homebound.view); school staff record visits (homebound.record — the teachers
themselves must be in the school's filed pool); the school leader opens, plans, activates and ends enrolments
(homebound.manage); the guardian sees the own child's visits and hours but not the teachers' subsidies
(homebound.subsidy is everyone else's)."""

from django.utils.translation import gettext_lazy as _

from suiban.core.permissions import declare, extend_role

declare("homebound.view", _("View home-delivery enrolments, visits and progress"))
declare("homebound.subsidy", _("See the subsidies of home visits"))
declare("homebound.record", _("Record home visits and their corrections"))
declare("homebound.manage", _("Open, plan, activate and end home-delivery enrolments"))

_READ = ["homebound.view", "homebound.subsidy"]
extend_role("sysadmin", _READ)
extend_role("bureau_officer", _READ)
extend_role("centre_staff", _READ)
extend_role("expert", _READ)
extend_role("school_leader", [*_READ, "homebound.record", "homebound.manage"])
extend_role("resource_teacher", [*_READ, "homebound.record"])
extend_role("class_teacher", _READ)
extend_role("guardian", ["homebound.view"])
