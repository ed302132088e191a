from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "suiban.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self):
        from suiban.org import home  # noqa: F401  (registers the home panel)
