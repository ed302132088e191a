from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "suiban.oversight"
    label = "oversight"
    verbose_name = _("Oversight")

    def ready(self):
        from suiban.oversight import wiring

        wiring.connect()
