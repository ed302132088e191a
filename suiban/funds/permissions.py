"""Permissions and role grants of this module (declared into the one registry of core.permissions)."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

from suiban.core.permissions import declare, extend_role  # noqa: F401

declare("funds.view", _("View the funds ledger"))
