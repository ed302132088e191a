"""Permissions of the family's own pages and of the guardian's correction requests (PIPL rights of a guardian:
to see who viewed or exported the child's record, and to ask for a correction that the school answers on record)."""

from django.utils.translation import gettext_lazy as _

from suiban.core.permissions import declare, extend_role

declare("family.view", _("Use the family's own pages for the own child"))
declare("students.corrections", _("Answer guardians' correction requests"))

extend_role("guardian", ["family.view"])
extend_role("school_leader", ["students.corrections"])
