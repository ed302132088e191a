"""Inbox items of students and cases (core/registry.py): the cases waiting for the user's step (PL-9: route,
committee opinion, decide, apply; PL-7: a transfer the receiving school must answer) and the guardians' correction
requests waiting for the school's answer (PIPL art. 46)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from suiban.core.registry import InboxItem, inbox
from suiban.org.models import School
from suiban.students.cases import services as svc
from suiban.students.cases.selectors import ANSWERABLE, waiting_conditions
from suiban.students.models import Case, CorrectionRequest

LIMIT = 100  # per provider: the inbox page lists them, the cases list filters the rest ("waiting for me")

STEP_TITLES = {
    "cases.review": lambda c: _("Route for review: %(case)s") % {"case": c},
    "cases.opinion": lambda c: _("Give the committee's opinion: %(case)s") % {"case": c},
}


def _decide_title(c: Case) -> str:
    if c.state == "decided":
        return _("Apply the decision: %(case)s") % {"case": c}
    return _("Decide: %(case)s") % {"case": c}


def _case_items(user, perm: str, kind: str):
    today = svc.today()
    qs = (Case.objects.visible_to(user, perm).filter(waiting_conditions()[perm])
          .select_related("student__school").order_by("created_at", "id")[:LIMIT])
    title = STEP_TITLES.get(perm, _decide_title)
    for c in qs:
        yield InboxItem(kind=kind, title=title(c), url=reverse("cases:detail", args=[c.pk]), due_date=_due(c),
                        object_type="case", object_id=c.pk,
                        overdue=bool(c.state != "decided" and _due(c) and _due(c) < today))


def _due(c: Case):
    """A decided case is applied on its effective date; an identification-type case is processed by the end of
    its summer processing window (PL-5); other cases carry no date."""
    if c.state == "decided":
        return c.effective_date
    window = svc.processing_window(c)
    return window[1] if window else None


def cases_to_route(user):
    return _case_items(user, "cases.review", "cases.to_route")


def cases_for_opinion(user):
    return _case_items(user, "cases.opinion", "cases.for_opinion")


def cases_to_decide(user):
    return _case_items(user, "cases.decide", "cases.to_decide")


def transfers_to_answer(user):
    """PL-7: incoming transfers the user's school has not answered yet."""
    schools = School.objects.visible_to(user, "cases.respond_transfer")
    qs = (Case.objects.visible_to(user, "cases.respond_transfer")
          .filter(kind="transfer", target_school__in=schools, target_response="", state__in=ANSWERABLE)
          .select_related("student", "school").order_by("deadline", "created_at", "id")[:LIMIT])
    for c in qs:
        yield InboxItem(kind="cases.transfer_to_answer",
                        title=_("Answer the transfer of %(name)s from %(school)s") % {"name": c.student.name,
                                                                                     "school": c.school.name},
                        url=reverse("cases:detail", args=[c.pk]), object_type="case", object_id=c.pk)


def corrections_to_answer(user):
    """A guardian asked for a correction of the child's record: the school answers on record."""
    qs = (CorrectionRequest.objects.visible_to(user, "students.corrections").filter(state="open")
          .select_related("student").order_by("requested_at", "id")[:LIMIT])
    for r in qs:
        yield InboxItem(kind="students.correction_to_answer",
                        title=_("A guardian asks to correct %(name)s's record: %(field)s")
                        % {"name": r.student.name, "field": r.get_field_display()},
                        url=reverse("family:request", args=[r.pk]), due_date=None, object_type="correctionrequest",
                        object_id=r.pk)


inbox.register("cases.to_route", cases_to_route, "cases.review")
inbox.register("cases.for_opinion", cases_for_opinion, "cases.opinion")
inbox.register("cases.to_decide", cases_to_decide, "cases.decide")
inbox.register("cases.transfer_to_answer", transfers_to_answer, "cases.respond_transfer")
inbox.register("students.correction_to_answer", corrections_to_answer, "students.corrections")
