from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "suiban.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from suiban.accounts import home  # noqa: F401  (registers the accounts panel)
