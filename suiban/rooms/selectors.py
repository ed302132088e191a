"""Reads of resource rooms and assessments that are more than a filter; every list starts from visible_to."""

from django.db.models import Prefetch

from suiban.core import runmemo
from suiban.rooms import rubric as rb
from suiban.rooms.models import Assessment, AssessmentEvent, Room, Round


def rooms(user):
    return (Room.objects.visible_to(user).select_related("school")
            .prefetch_related("serves", "staff").order_by("school__code", "id"))


def assessments(user):
    """Assessments in scope with their round (without its rubric snapshot: ``lines_of`` reads it once per round),
    school, lines and history."""
    return (Assessment.objects.visible_to(user).select_related("round__school_year", "school")
            .defer("round__rubric")
            .prefetch_related("items", Prefetch("events", AssessmentEvent.objects.select_related("actor")))
            .order_by("-round__school_year__start_year", "round_id", "school__code"))


def overview(rnd: Round, user=None):
    """A round's schools with totals and grades (RR-5): one query."""
    qs = Assessment.objects.filter(round=rnd)
    if user is not None:
        qs = qs.visible_to(user)
    return list(qs.select_related("school").order_by("school__code"))


def lines_of(rnd: Round) -> dict[str, rb.Line]:
    """The round's rubric lines (the snapshot never changes once the round is open) — parsed once per round while
    a list is answered (``runmemo``), and read from the database then if the round was loaded without it."""
    def read():
        if "rubric" in rnd.get_deferred_fields():
            return rb.line_map(Round.objects.values_list("rubric", flat=True).get(pk=rnd.pk))
        return rb.line_map(rnd.rubric)

    return runmemo.memo(("rooms.lines_of", rnd.pk), read)


def plaques(user):
    """Exemplary schools (RR-5): the plaque list, newest round first."""
    return (Assessment.objects.visible_to(user).filter(grade=Assessment.EXEMPLARY,
                                                      state__in=(Assessment.SCORED, Assessment.CLOSED))
            .select_related("school", "round__school_year").order_by("-round__school_year__start_year",
                                                                     "school__code"))
