from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    name = "suiban.rooms"
    label = "rooms"
    verbose_name = _("Resource rooms and assessment")
