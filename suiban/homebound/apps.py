from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeboundConfig(AppConfig):
    name = "suiban.homebound"
    label = "homebound"
    verbose_name = _("Home-delivered education")
