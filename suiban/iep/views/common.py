"""Shared pieces of the individual-education pages: lookups in scope, error display, value labels.

Every read goes through the scoped managers (out of scope → 404), every write through the services of
``suiban.iep`` (their DomainErrors are shown next to the fields or as messages); a user in scope whose roles do
not allow the action gets the 403 page."""


from django.contrib import messages
from django.db.models import Max
from django.shortcuts import render
from django.utils.translation import gettext as _

from suiban.core.errors import DomainError
from suiban.core.scoping import get_visible_or_404
from suiban.iep import services
from suiban.iep.models import (
    INDIVIDUAL_TUTORING,
    OUTCOMES,
    Plan,
    Session,
)
from suiban.students.models import Student

PAGE_SIZE = 50
PLAN_FILTERS = ("school", "state", "school_year", "student_id")
SESSION_FILTERS = ("student_id", "date_from", "date_to", "outcome")
CASELOAD_LIMIT = 200


def forbidden(request):
    return render(request, "403.html", status=403)


def _apply_errors(form, exc: DomainError):
    placed = False
    for e in exc.errors or []:
        field = e.get("field")
        if hasattr(form, "map_error_field"):
            field = form.map_error_field(field)
        if field and field in form.fields:
            form.add_error(field, str(e["message"]))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def _flash_errors(request, exc: DomainError):
    for e in exc.errors or [{"message": exc.message}]:
        messages.error(request, str(e["message"]))


def _plan(request, pk, perm=None) -> Plan:
    qs = (Plan.objects.select_related("student__school_class", "school", "school_year", "approved_by")
          .annotate(last_review_on=Max("reviews__review_date")))
    return get_visible_or_404(qs, request.user, pk, perm)


def _student(request, pk) -> Student:
    return get_visible_or_404(Student.objects.select_related("school", "school_class"), request.user, pk,
                              "iep.records")


def _kinds(school):
    return [(INDIVIDUAL_TUTORING, _("Individual tutoring")), *[(k, k) for k in services.training_kinds(school)]]


def _kind_label(kind: str) -> str:
    return _("Individual tutoring") if kind == INDIVIDUAL_TUTORING else kind


def _session_value_labels() -> dict:
    f = Session._meta.get_field
    return {"date": f("date").verbose_name, "hours": f("hours").verbose_name, "kind": f("kind").verbose_name,
            "teacher_name": f("teacher_name").verbose_name, "outcome": f("outcome").verbose_name,
            "cancel_reason": f("cancel_reason").verbose_name, "notes": f("notes").verbose_name,
            "student_ids": _("students"), "absent_student_ids": _("absent from the group session"),
            "goal_ids": _("linked goals")}


def _session_values_display(values: dict | None, students) -> list[tuple[str, str, str]]:
    """A stored session snapshot (original or a correction's side) as (key, label, text) rows in Chinese; student
    ids become the names the user may see, goal ids their count."""
    names = {st.pk: st.name for st in students}
    outcomes = dict(OUTCOMES)
    rows = []
    for key, label in _session_value_labels().items():
        if values is None or key not in values:
            continue
        v = values[key]
        if key in ("student_ids", "absent_student_ids"):
            text = "、".join(names[i] for i in v if i in names)
        elif key == "goal_ids":
            text = str(len(v)) if v else ""
        elif key == "outcome":
            text = str(outcomes.get(v, v))
        elif key == "kind":
            text = _kind_label(v)
        else:
            text = str(v or "")
        rows.append((key, str(label), text))
    return rows


def _correction_rows(c, students) -> list[tuple[str, str, str]]:
    """(label, before, after) of what a correction changed, in Chinese."""
    before = {k: (label, text) for k, label, text in _session_values_display(c.before, students)}
    return [(label, before.get(k, ("", ""))[1], text)
            for k, label, text in _session_values_display(c.after, students) if before.get(k, ("", ""))[1] != text]
