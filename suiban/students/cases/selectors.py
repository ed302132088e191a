"""Reads of cases that are more than a filter: the cases waiting for the user's step ("waiting for me", the inbox)
and, for every open case, whose step is next (PL-9)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from suiban.core.scoping import has_perm
from suiban.org.models import School
from suiban.students.cases import services as svc
from suiban.students.models import Case

ANSWERABLE = ("submitted", "under_review", "committee_opinion")  # a transfer is answered before the decision


def _step(perm: str, condition: Q, user, base):
    """The cases of ``base`` in the user's scope for ``perm`` that are at a step ``perm`` takes."""
    if not has_perm(user, perm):
        return None
    return base.filter(pk__in=Case.objects.visible_to(user, perm).filter(condition).values("pk"))


def waiting_conditions() -> dict[str, Q]:
    """For each permission that moves a case on: the open cases waiting for a holder of it (svc.STEPS)."""
    due = Q(state="decided", effective_date__lte=svc.today())
    return {
        "cases.review": Q(state="submitted"),
        "cases.opinion": Q(state="under_review") & ~Q(kind="deferral"),
        "cases.decide": Q(state="committee_opinion") | Q(state="under_review", kind="deferral") | due,
    }


def waiting_for(user, base=None):
    """The cases waiting for ``user``: to route (bureau), to give the committee's opinion (expert), to decide or
    to apply (bureau), a transfer to answer (the receiving school's leader). A guardian waits on others."""
    base = Case.objects.all() if base is None else base
    parts = [qs for perm, cond in waiting_conditions().items() if (qs := _step(perm, cond, user, base)) is not None]
    if has_perm(user, "cases.respond_transfer"):
        schools = School.objects.visible_to(user, "cases.respond_transfer")
        parts.append(base.filter(kind="transfer", target_school__in=schools, target_response="",
                                 state__in=ANSWERABLE))
    if not parts:
        return base.none()
    out = parts[0]
    for p in parts[1:]:
        out = out | p
    return out


NEXT_STEP = {
    "submitted": _("The education bureau routes it for review"),
    "under_review": _("The expert committee gives its opinion"),
    "committee_opinion": _("The education bureau decides"),
    "decided": _("The education bureau applies the decision on its effective date"),
}


def next_step(case: Case) -> str:
    """Whose step is next on ``case``, in words ("" when the case is closed)."""
    if case.state not in NEXT_STEP:
        return ""
    if case.kind == "deferral" and case.state == "under_review":
        return str(_("The education bureau decides"))
    text = str(NEXT_STEP[case.state])
    if case.kind == "transfer" and case.target_school_id and not case.target_response and case.state in ANSWERABLE:
        name = case.target_school.name if case.target_school else ""
        text = str(_("%(school)s answers the transfer; %(then)s")) % {"school": name, "then": text}
    return text
