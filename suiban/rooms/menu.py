"""Side-menu entries of resource rooms and their assessment."""

from django.utils.translation import gettext_lazy as _

from suiban.core.menu import add

add("rooms", _("Resource rooms"), "rooms:room_list", "rooms.view", "door-open", _("Resource rooms"))
add("room_assessment", _("Resource-room assessment"), "rooms:round_list", "assessment.view", "clipboard-check",
    _("Resource rooms"))
add("room_plaques", _("Plaques of exemplary schools"), "rooms:plaques", "assessment.view", "award",
    _("Resource rooms"))
