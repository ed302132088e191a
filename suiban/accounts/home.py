from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from suiban import policy
from suiban.accounts.models import RoleAssignment, User
from suiban.core.home import register
from suiban.core.permissions import ROLES


def _account_figures(user):
    now = timezone.now()
    users = User.objects.visible_to(user)
    max_age = policy.value(None, "password_max_age_days")
    stale = Q(password_changed_at__isnull=True)
    if max_age:
        stale |= Q(password_changed_at__lt=now - timedelta(days=max_age))
    figures = users.aggregate(
        active=Count("id", filter=Q(is_active=True)),
        disabled=Count("id", filter=Q(is_active=False)),
        locked=Count("id", filter=Q(locked_until__gt=now)),
        expired=Count("id", filter=Q(is_active=True) & stale),
    )
    by_role = dict(RoleAssignment.objects.filter(revoked_at__isnull=True, user__is_active=True)
                   .values_list("role").annotate(n=Count("user", distinct=True)).order_by())
    return {
        "active_users": figures["active"], "disabled_users": figures["disabled"],
        "locked_users": figures["locked"], "expired_passwords": figures["expired"],
        "by_role": [(code, r.label, by_role.get(code, 0)) for code, r in ROLES.items()],
    }


register("accounts", "accounts.view", "accounts/_home_panel.html", _account_figures, order=20)
