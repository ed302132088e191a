"""The sortable columns, overdue marks and exports of the IEP lists (plans, sessions, below the minimum).

- Plans: a plan in force whose next review (⚙ iep_review_interval_weeks after the last review, or after going
  in force) has passed is overdue (IEP-3), marked and filterable.
- Below the minimum (IEP-5): this week is still running; last week's shortfalls are overdue.
- Exports hold what is on screen: the same filters and order.
"""

from datetime import timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from suiban.core.audit_display import ACTION_LABELS
from suiban.core.lists import Sorting
from suiban.iep.services import today
from suiban.students.selectors import pinyin

ACTION_LABELS.update({
    "iep.plans.exported": gettext_lazy("Exported the plan list"),
    "iep.sessions.exported": gettext_lazy("Exported the session list"),
    "iep.below_minimum.exported": gettext_lazy("Exported the students below the weekly minimum"),
})

PLANS = Sorting({
    "student": (pinyin("student__name"),),
    "school": ("school__code", pinyin("student__name")),
    "class": ("student__school_class__name", pinyin("student__name")),
    "school_year": ("school_year__start_year", pinyin("student__name")),
    "state": ("state", pinyin("student__name")),
    "revision": ("revision",),
    "last_review": ("last_review_on",),
}, default="-school_year")
# the default keeps the former order: newest school year first, then school and student
PLANS_DEFAULT = ("-school_year__start_year", "school_id", pinyin("student__name"))

SESSIONS = Sorting({
    "date": ("date",),
    "hours": ("hours", "date"),
    "kind": ("kind", "date"),
    "outcome": ("outcome", "date"),
}, default="-date")


def sort_plans(qs, raw):
    key = PLANS.key(raw)
    if key == PLANS.default:
        return qs.order_by(*PLANS_DEFAULT, "id"), key
    return qs.order_by(*PLANS.order_by(key)), key


def overdue_plans(qs):
    """IEP-3: the plans in force whose next review date has passed. The interval comes from the policy per
    school (resolved per district, ``students.checks.school_values``): one condition per distinct interval."""
    from suiban.students.checks import school_values

    on = today()
    in_force = qs.filter(state="in_force")
    school_ids = set(in_force.order_by().values_list("school_id", flat=True).distinct())
    if not school_ids:
        return qs.none()
    by_weeks: dict[int, list[int]] = {}
    for sid, weeks in school_values(school_ids, "iep_review_interval_weeks").items():
        by_weeks.setdefault(int(weeks), []).append(sid)
    base = in_force.annotate(review_base=Coalesce("last_review_on", "in_force_on"))
    cond = Q()
    for weeks, ids in by_weeks.items():
        part = Q(review_base__lt=on - timedelta(weeks=weeks))
        cond |= part if len(by_weeks) == 1 else part & Q(school_id__in=ids)
    return base.filter(cond)


PLAN_HEADERS = [(gettext_lazy("student"), 10), (gettext_lazy("school"), 24), (gettext_lazy("class"), 14),
                (gettext_lazy("school year"), 11), (gettext_lazy("state"), 10), (gettext_lazy("revision"), 8),
                (gettext_lazy("last review"), 12), (gettext_lazy("next review due"), 14),
                (gettext_lazy("Overdue"), 8)]
SESSION_HEADERS = [(gettext_lazy("session date"), 12), (gettext_lazy("school"), 24), (gettext_lazy("students"), 30),
                   (gettext_lazy("kind"), 16), (gettext_lazy("class hours"), 9), (gettext_lazy("outcome"), 10),
                   (gettext_lazy("cancel reason"), 18), (gettext_lazy("teacher"), 12)]
BELOW_HEADERS = [(gettext_lazy("week of"), 12), (gettext_lazy("student"), 10), (gettext_lazy("school"), 24),
                 (gettext_lazy("class"), 14), (gettext_lazy("delivered"), 9), (gettext_lazy("minimum"), 9),
                 (gettext_lazy("shortfall"), 9), (gettext_lazy("Overdue"), 8)]
