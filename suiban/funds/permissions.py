"""Permissions and role grants of this module (declared into the one registry of core.permissions).

The ledger is kept by the school (its leader, the resource teacher or the school's finance officer, FN-2); the
bureau of the district, the city and the province read the ledgers of their region and record the allocation of
per-pupil funds (FN-4). Guardians, class teachers, the centre's staff and the experts never see a ledger."""

from django.utils.translation import gettext_lazy as _

from suiban.core.permissions import SCOPE_SCHOOL, declare, extend_role, role

declare("funds.view", _("View the funds ledger"))
declare("funds.edit", _("Post ledger entries, reverse them, attach receipts and close periods"))
declare("funds.allocate", _("Record allocations of per-pupil funds to schools"))

extend_role("school_leader", ["funds.view", "funds.edit"])
extend_role("resource_teacher", ["funds.view", "funds.edit"])
extend_role("bureau_officer", ["funds.view", "funds.allocate"])
role("finance_officer", _("School finance officer"), SCOPE_SCHOOL,
     ["dashboard.view", "org.view", "funds.view", "funds.edit"])
