"""Side-menu entries of home-delivered education."""

from django.utils.translation import gettext_lazy as _

from suiban.core.menu import add

add("homebound", _("Home-delivered education"), "homebound:list", "homebound.view", "house-heart",
    _("Home-delivered education"))
add("homebound_behind", _("Students behind pace"), "homebound:behind", "homebound.view", "hourglass-split",
    _("Home-delivered education"))
add("homebound_workload", _("Teachers' visit workload"), "homebound:workload", "homebound.subsidy", "person-workspace",
    _("Home-delivered education"))
