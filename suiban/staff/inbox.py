"""To-do items of the staff module: the pool to file before the ⚙ deadline (school leaders, ST-1) and the
follow-ups of itinerant visits the school has to answer (ST-6)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban.core.registry import InboxItem, inbox
from suiban.org.models import School, SchoolYear
from suiban.staff import selectors
from suiban.staff.models import Pool


def pool_to_file(user):
    sy = SchoolYear.current()
    if sy is None:
        return
    today = timezone.localdate()
    filed = Pool.objects.filter(school_year=sy, state=Pool.FILED).values("school_id")
    for school in (School.objects.visible_to(user, "staff.file").exclude(kind=School.SPECIAL)
                   .filter(is_active=True).exclude(pk__in=filed).order_by("code")[:50]):
        deadline = selectors.deadline_for(school, sy)
        yield InboxItem(kind="staff.pool_to_file",
                        title=_("File the resource-teacher pool of %(school)s for %(year)s")
                        % {"school": school.name, "year": sy.name},
                        url=reverse("staff:pool_school", args=[school.pk]), due_date=deadline,
                        object_type="school", object_id=school.pk, overdue=today > deadline)


def follow_ups_due(user):
    today = timezone.localdate()
    for v in selectors.open_follow_ups(user)[:50]:
        yield InboxItem(kind="staff.itinerant_follow_up",
                        title=_("Answer the follow-up of the itinerant visit of %(date)s: %(text)s")
                        % {"date": v.date.isoformat(), "text": v.follow_up[:40]},
                        url=reverse("staff:visit_detail", args=[v.pk]), due_date=v.follow_up_due,
                        object_type="itinerantvisit", object_id=v.pk,
                        overdue=bool(v.follow_up_due and today > v.follow_up_due))


inbox.register("staff.pool_to_file", pool_to_file, "staff.file")
inbox.register("staff.itinerant_follow_up", follow_ups_due, "staff.respond")
