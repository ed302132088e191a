"""The findings a user must act on, for their inbox (OV-1): open findings of the checks whose
``assignee_permission`` the user holds, where that grant's scope covers the finding's school or region —
a school sees all of its findings, a region (the bureau) the violations in it and whatever only a region
decides (cases, policy, the census) — ordered by due date, each linked to where it is mended."""

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban.core.permissions import SCOPE_ALL, SCOPE_REGION
from suiban.core.registry import InboxItem, checks, inbox
from suiban.core.scoping import scope_q
from suiban.oversight.links import mend_url
from suiban.oversight.models import Finding

LIMIT = 200  # the inbox shows what needs doing first; the findings page lists them all
# Permissions held only at region level: their findings reach the region whatever their severity.
REGION_ASSIGNEES = {"cases.decide", "cases.review", "policy.manage", "oversight.census"}


def assigned(user):
    """The open findings ``user`` must act on (a queryset)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Finding.objects.none()
    by_perm: dict[str, list[str]] = {}
    for c in checks.checks.values():
        by_perm.setdefault(c.assignee_permission, []).append(c.key)
    combined = None
    grants = user.grants()
    for perm, codes in by_perm.items():
        for g in grants:
            if perm not in g.permissions:
                continue
            q = scope_q(g, Finding.SCOPE_LOOKUPS)
            if q is None:
                continue
            q = q & Q(check_code__in=codes)
            if g.kind in (SCOPE_ALL, SCOPE_REGION) and perm not in REGION_ASSIGNEES:
                q &= Q(severity="violation")
            combined = q if combined is None else combined | q
    for g in grants:  # the bureau supervises: every violation in its region
        if "oversight.supervise" in g.permissions:
            q = scope_q(g, Finding.SCOPE_LOOKUPS)
            if q is not None:
                q &= Q(severity="violation")
                combined = q if combined is None else combined | q
    if combined is None:
        return Finding.objects.none()
    return Finding.objects.filter(combined, state="open")


def findings_for(user):
    today = timezone.localdate()
    rows = assigned(user).order_by(F("due_date").asc(nulls_last=True), "id")[:LIMIT]
    for f in rows:
        c = checks.checks.get(f.check_code)
        title = _("%(what)s: %(subject)s") % {"what": c.title if c else f.rule, "subject": f.subject_name}
        yield InboxItem(kind="oversight.finding", title=title, url=mend_url(f), due_date=f.due_date,
                        object_type="finding", object_id=f.pk,
                        overdue=bool(f.due_date and f.due_date < today))


inbox.register("oversight.finding", findings_for)
