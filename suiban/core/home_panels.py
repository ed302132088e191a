from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from suiban.core.audit_display import present
from suiban.core.home import register
from suiban.core.models import AuditEvent


def _audit_figures(user):
    now = timezone.now()
    qs = AuditEvent.objects.visible_to(user)
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    figures = qs.filter(at__gte=now - timedelta(days=7)).aggregate(
        today=Count("id", filter=Q(at__gte=start_of_day)),
        failed=Count("id", filter=Q(action="accounts.login.failed", at__gte=now - timedelta(hours=24))),
        exports=Count("id", filter=Q(action__contains="export")),
    )
    return {"events_today": figures["today"], "failed_logins": figures["failed"], "exports": figures["exports"],
            "recent": present(qs[:8]), "today": timezone.localdate(),
            "yesterday": timezone.localdate() - timedelta(days=1), "week_ago": timezone.localdate() - timedelta(days=7)}


register("audit", "audit.view", "core/_audit_home_panel.html", _audit_figures, order=30)
