"""To-do items of the assessment (RR-4, RR-6): the school's self-assessment and rectification (with their
deadlines), the panel's scoring, the bureau's next step on scored assessments."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from suiban.core.registry import InboxItem, inbox
from suiban.rooms.models import Assessment
from suiban.rooms.services import today


def _item(kind, title, a, due=None):
    return InboxItem(kind=kind, title=title, url=reverse("rooms:assessment_detail", args=[a.pk]), due_date=due,
                     object_type="assessment", object_id=a.pk, overdue=bool(due and due < today()))


def school_items(user):
    qs = (Assessment.objects.visible_to(user, "assessment.self")
          .filter(state__in=(Assessment.SELF, Assessment.RECTIFICATION)).select_related("school", "round"))
    for a in qs:
        if a.state == Assessment.SELF:
            yield _item("rooms.self_assessment", _("Fill and submit the resource-room self-assessment of "
                                                   "%(school)s") % {"school": a.school.name}, a, a.round.self_due)
        else:
            yield _item("rooms.rectification", _("Rectify the resource room of %(school)s and submit the "
                                                 "rectification report") % {"school": a.school.name}, a,
                        a.rectification_due)


def panel_items(user):
    qs = (Assessment.objects.visible_to(user, "assessment.score")
          .filter(state__in=(Assessment.SUBMITTED, Assessment.PANEL))
          .filter(Q(round__panel_leader=user) | Q(round__panel_members=user)).select_related("school").distinct())
    for a in qs:
        yield _item("rooms.panel_scoring", _("Score the resource room of %(school)s") % {"school": a.school.name}, a)


def bureau_items(user):
    qs = (Assessment.objects.visible_to(user, "assessment.manage").filter(state=Assessment.SCORED)
          .select_related("school"))
    for a in qs:
        yield _item("rooms.scored", _("Close or order rectification for the assessment of %(school)s")
                    % {"school": a.school.name}, a)


inbox.register("rooms.school", school_items, "assessment.self")
inbox.register("rooms.panel", panel_items, "assessment.score")
inbox.register("rooms.bureau", bureau_items, "assessment.manage")
