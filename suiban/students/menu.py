"""Side-menu entries of the family's own pages (the only entries a guardian sees) and of the school's correction
requests."""

from django.utils.translation import gettext_lazy as _

from suiban.core.menu import add

add("family_child", _("My child"), "family:home", "family.view", "person-heart", family=True)
add("family_plan", _("The plan"), "family:my_plan", "family.view", "journal-check", family=True)
add("family_sessions", _("Support received"), "family:my_sessions", "family.view", "clock-history", family=True)
add("family_record", _("Who saw the record"), "family:my_record", "family.view", "eye", family=True)
add("family_corrections", _("Ask for a correction"), "family:my_corrections", "family.view", "pencil-square",
    family=True)
add("corrections", _("Correction requests"), "family:requests", "students.corrections", "pencil-square",
    _("Students"))
