"""To-do items of the funds ledger: per-pupil funds allocated to the school whose arrival is not recorded (FN-4)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban.core.registry import InboxItem, inbox
from suiban.funds.models import FundAllocation


def allocations_to_receive(user):
    today = timezone.localdate()
    qs = (FundAllocation.objects.visible_to(user, "funds.edit").filter(received_on__isnull=True)
          .select_related("school", "school_year").order_by("due_date")[:50])
    for a in qs:
        yield InboxItem(
            kind="funds.allocation_to_receive",
            title=_("Record the arrival of %(amount)s yuan of per-pupil funds allocated to %(school)s on %(day)s")
            % {"amount": f"{a.amount:.2f}", "school": a.school.name, "day": a.allocated_on.isoformat()},
            url=reverse("funds:ledger", args=[a.school_id]) + f"?year={a.school_year.name}",
            due_date=a.due_date, object_type="fundallocation", object_id=a.pk, overdue=a.due_date < today)


inbox.register("funds.allocation_to_receive", allocations_to_receive, "funds.edit")
