"""Side-menu entry of the funds ledger: a school's own ledger, or the bureau's overview of its schools."""

from django.utils.translation import gettext_lazy as _

from suiban.core.menu import add

add("funds", _("Funds ledger"), "funds:index", "funds.view", "cash-coin", _("Funds"))
