"""Permissions and role grants of this module (declared into the one registry of core.permissions).

Resource rooms (RR-1, RR-2): the school and the bureau keep the room facts (the bureau plans shared rooms).
Assessment (RR-3..RR-8): the bureau opens rounds, names the panel and closes; the school fills its self-assessment,
report and rectification report; the named panel members (experts, centre staff) score — the service checks that
the scorer is on the round's panel."""

from django.utils.translation import gettext_lazy as _

from suiban.core.permissions import declare, extend_role

declare("rooms.view", _("View resource rooms"))
declare("rooms.edit", _("Record resource-room facts"))
declare("assessment.view", _("View resource-room assessments"))
declare("assessment.manage", _("Open assessment rounds, name the panel and close assessments"))
declare("assessment.self", _("Fill the school's self-assessment and rectification report"))
declare("assessment.score", _("Score resource rooms as a member of the assessment panel"))

extend_role("sysadmin", ["rooms.view", "assessment.view"])
extend_role("bureau_officer", ["rooms.view", "rooms.edit", "assessment.view", "assessment.manage"])
extend_role("centre_staff", ["rooms.view", "assessment.view", "assessment.score"])
extend_role("expert", ["rooms.view", "assessment.view", "assessment.score"])
extend_role("school_leader", ["rooms.view", "rooms.edit", "assessment.view", "assessment.self"])
extend_role("resource_teacher", ["rooms.view", "rooms.edit", "assessment.view", "assessment.self"])
