"""The case list's overdue mark and filter (PL-5, PL-9) and its export of what is on screen.

A case is overdue when it still waits for a step before the decision (routing, the committee's opinion, the
decision) after the end of the summer processing window in which it should have been handled (⚙
identification_processing_end, PL-5) — the same date the inbox shows as the step's due date."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban.core.audit_display import ACTION_LABELS
from suiban.students.cases import services as svc
from suiban.students.models import Case

ACTION_LABELS.update({"cases.list.exported": gettext_lazy("Exported the case list")})
BEFORE_DECISION = ("submitted", "under_review", "committee_opinion")


def due_date(case: Case):
    """The due date of the case's current step, or None (a step without a date, a closed case)."""
    if case.state not in BEFORE_DECISION:
        return None
    window = svc.processing_window(case)
    return window[1] if window else None


def is_overdue(case: Case, today=None) -> bool:
    due = due_date(case)
    return bool(due and due < (today or svc.today()))


def overdue_only(qs):
    """``qs`` narrowed to the overdue cases: the candidates (timed kinds before the decision) are few; each one's
    window comes from the policy (cached per district)."""
    today = svc.today()
    candidates = (qs.filter(state__in=BEFORE_DECISION, kind__in=svc.TIMED_KINDS, at_enrolment=False,
                            created_at__date__lt=today)
                  .select_related("student__school"))
    ids = [c.pk for c in candidates.order_by() if is_overdue(c, today)]
    return qs.filter(pk__in=ids)


EXPORT_HEADERS = [(gettext_lazy("No."), 7), (gettext_lazy("kind"), 16), (gettext_lazy("student"), 10),
                  (gettext_lazy("school"), 24), (gettext_lazy("state"), 14), (gettext_lazy("next step"), 30),
                  (gettext_lazy("receiving school"), 22), (gettext_lazy("submitted"), 12),
                  (gettext_lazy("deadline"), 12), (gettext_lazy("effective date"), 12), (gettext_lazy("Overdue"), 8)]


def export_rows(cases, next_step):
    for c in cases:
        yield [c.pk, c.get_kind_display(), c.student.name, c.school.name, c.get_state_display(), next_step(c),
               c.target_school.name if c.target_school_id else "",
               timezone.localtime(c.created_at).date() if c.created_at else None,
               c.deadline, c.effective_date, _("Overdue") if is_overdue(c) else ""]
