"""Permissions and role grants of the staff module (ST-1..ST-7, ORG-6, ORG-7, PL-16), declared into the one
registry of core.permissions. A teacher sees their own staff record and training through ``staff.own``."""

from django.utils.translation import gettext_lazy as _

from suiban.core.permissions import declare, extend_role

declare("staff.view", _("View resource-teacher pools, staff, training, itinerant visits and working groups"))
declare("staff.edit", _("Keep the school's staff records, pool, working group and training records"))
declare("staff.file", _("File the resource-teacher pool with the bureau"))
declare("staff.filing", _("See which schools have filed their resource-teacher pools"))
declare("staff.incentives", _("Evaluate inclusion teachers, enter wages and nominate excellent workers"))
declare("staff.itinerant", _("Record itinerant guidance visits"))
declare("staff.respond", _("Answer the follow-up of an itinerant visit"))
declare("staff.experts", _("Keep the centres' staff, expert pools and the expert committee"))
declare("staff.own", _("See one's own staff record and training"))

extend_role("sysadmin", ["staff.view", "staff.filing", "staff.own"])
extend_role("bureau_officer", ["staff.view", "staff.filing", "staff.experts", "staff.own"])
extend_role("centre_staff", ["staff.view", "staff.itinerant", "staff.own"])
extend_role("expert", ["staff.own"])
extend_role("school_leader", ["staff.view", "staff.edit", "staff.file", "staff.incentives", "staff.respond",
                              "staff.own"])
extend_role("resource_teacher", ["staff.view", "staff.edit", "staff.respond", "staff.own"])
extend_role("class_teacher", ["staff.own"])
