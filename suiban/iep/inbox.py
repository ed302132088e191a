"""Inbox items of individual education (core/registry.py): plans to put in force (school leader), plans in review
to comment on (itinerant teacher), the plan in force waiting for the guardian's answer, reviews due or overdue
(IEP-3, the plan's school staff), students below the weekly tutoring minimum this week and last (IEP-5), and a
guardian's answer the teachers have not read yet."""

from datetime import timedelta

from django.db.models import CharField, Exists, OuterRef, Subquery
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext as _

from suiban.core.menu import family_only
from suiban.core.models import AuditEvent
from suiban.core.registry import InboxItem, inbox
from suiban.core.scoping import grants_for
from suiban.iep import selectors
from suiban.iep.models import Plan, PlanEvent, PlanResponse
from suiban.iep.services import today
from suiban.iep.sessions import week_start
from suiban.org.models import School

LIMIT = 100
MAX_SCHOOLS = 20  # reviews due are listed for a school's or class's staff, not a whole district
ANSWER_DAYS = 30  # a guardian's answer stays in the teachers' inbox until read, for at most this long


def plans_to_approve(user):
    qs = (Plan.objects.visible_to(user, "iep.approve").filter(state="in_review").select_related("student")
          .order_by("updated_at", "id")[:LIMIT])
    for p in qs:
        yield InboxItem(kind="iep.plan_to_approve", title=_("Put in force or send back: the plan of %(name)s")
                        % {"name": p.student.name}, url=reverse("iep:detail", args=[p.pk]), object_type="plan",
                        object_id=p.pk)


def plans_to_comment(user):
    """Plans in review the itinerant teacher has not commented on since they were sent for review."""
    sent_for_plan = (PlanEvent.objects.filter(plan=OuterRef("plan_id"), to_state="in_review", kind="transition")
                     .order_by("-at").values("at")[:1])
    mine = PlanEvent.objects.filter(plan=OuterRef("pk"), kind="comment", actor=user, at__gte=Subquery(sent_for_plan))
    qs = (Plan.objects.visible_to(user, "iep.comment").filter(state="in_review").exclude(Exists(mine))
          .select_related("student").order_by("updated_at", "id")[:LIMIT])
    for p in qs:
        yield InboxItem(kind="iep.plan_to_comment", title=_("Comment on the plan in review of %(name)s")
                        % {"name": p.student.name}, url=reverse("iep:detail", args=[p.pk]), object_type="plan",
                        object_id=p.pk)


def plans_to_answer(user):
    """The guardian: the plan in force of the child, not yet answered in its current revision."""
    answered = PlanResponse.objects.filter(plan=OuterRef("pk"), revision=OuterRef("revision"))
    qs = (Plan.objects.visible_to(user, "iep.respond").filter(state="in_force").exclude(Exists(answered))
          .select_related("student").order_by("in_force_on", "id")[:LIMIT])
    family = family_only(user)
    for p in qs:
        url = reverse("family_iep:plan", args=[p.student_id]) if family else reverse("iep:detail", args=[p.pk])
        yield InboxItem(kind="iep.plan_to_answer", title=_("Read the plan of %(name)s and give your answer")
                        % {"name": p.student.name}, url=url, object_type="plan", object_id=p.pk)


def reviews_due(user):
    """IEP-3: the plans in force of the user's school (class) whose review is due within two weeks or overdue."""
    on = today()
    for school in School.objects.visible_to(user, "iep.edit").order_by("code")[:MAX_SCHOOLS]:
        f = selectors.findings(school, on=on, user=user)
        for row, overdue in [(r, True) for r in f.reviews_overdue] + [(r, False) for r in f.reviews_due]:
            yield InboxItem(kind="iep.review_due",
                            title=_("Review the plan of %(name)s") % {"name": row["student_name"]},
                            url=reverse("iep:review", args=[row["plan_id"]]), due_date=row["due_on"],
                            object_type="plan", object_id=row["plan_id"], overdue=overdue)


def below_minimum(user):
    """IEP-5: how many students in the user's scope are below the weekly minimum this week and last week (for the
    staff of schools, districts and cities; not the system administrator, whose scope is everything)."""
    if all(g.kind == "all" for g in grants_for(user, "iep.records")):
        return
    monday = week_start(today())
    for week, overdue in ((monday - timedelta(days=7), True), (monday, False)):
        n = selectors.below_minimum(user, week, {}).students.count()
        if not n:
            continue
        title = (_("%(n)d students were below the weekly tutoring minimum last week") if overdue
                 else _("%(n)d students are below the weekly tutoring minimum this week so far")) % {"n": n}
        yield InboxItem(kind="iep.below_minimum", title=title, url=reverse("iep:below_minimum"),
                        due_date=week + timedelta(days=4), object_type="week", object_id=None, overdue=overdue)


def guardian_answered(user):
    """A guardian answered a plan the user drafts or keeps: listed until the user opens the plan."""
    since = today() - timedelta(days=ANSWER_DAYS)
    seen = AuditEvent.objects.filter(actor=user, action="iep.plan.viewed", object_type="plan",
                                     object_id=Cast(OuterRef("plan_id"), CharField()),
                                     at__gt=OuterRef("responded_at"))
    qs = (PlanResponse.objects.filter(plan__in=Plan.objects.visible_to(user, "iep.edit"),
                                      responded_at__date__gte=since)
          .exclude(Exists(seen)).select_related("plan__student").order_by("-responded_at", "-id")[:LIMIT])
    for r in qs:
        yield InboxItem(kind="iep.guardian_answered",
                        title=_("The guardian of %(name)s answered the plan: %(answer)s")
                        % {"name": r.plan.student.name, "answer": r.get_answer_display()},
                        url=reverse("iep:detail", args=[r.plan_id]), object_type="plan", object_id=r.plan_id)


inbox.register("iep.plan_to_approve", plans_to_approve, "iep.approve")
inbox.register("iep.plan_to_comment", plans_to_comment, "iep.comment")
inbox.register("iep.plan_to_answer", plans_to_answer, "iep.respond")
inbox.register("iep.review_due", reviews_due, "iep.edit")
inbox.register("iep.below_minimum", below_minimum, "iep.records")
inbox.register("iep.guardian_answered", guardian_answered, "iep.edit")
