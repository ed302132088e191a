from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IepConfig(AppConfig):
    name = "suiban.iep"
    label = "iep"
    verbose_name = _("Individual education")
