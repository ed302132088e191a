from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "suiban.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from suiban.core import (
            home_panels,  # noqa: F401  (registers the audit panel)
            security_checks,  # noqa: F401  (suiban.E001: no development keys in production)
        )
        from suiban.core.registry import autodiscover

        # Each app's permissions.py, inbox.py, checks.py and evidence.py fill the registries (core/registry.py).
        autodiscover()
