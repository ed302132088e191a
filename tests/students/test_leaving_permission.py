import pytest

from suiban.core.errors import PermissionDenied
from suiban.students import services
from suiban.students.models import Student


def test_only_school_staff_or_the_rollover_may_propose_a_leaving_outcome(world):
    """PL-11: the outcome is proposed by the school (or the year rollover); a role that may not edit the
    student's record (resource-centre staff) cannot propose one."""
    s = Student.objects.filter(school__code="3502050101", status="active").first()
    with pytest.raises(PermissionDenied):
        services.leaving_propose(actor=world.users["hc_center"], student=s)
    assert not s.leaving_records.exists()
