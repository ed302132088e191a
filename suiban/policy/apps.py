from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "suiban.policy"
    label = "policy"
    verbose_name = _("Policy")

    def ready(self):
        # A bad profile stops start-up with the file, key and problem.
        from suiban.policy.profiles import registry

        registry()
