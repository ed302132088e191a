"""Reads other modules use: who is in a school's resource-teacher pool (HB-2, ST-4)."""

from suiban.staff.models import Pool, PoolMember, StaffMember


def pool_for(school_id: int, school_year_id: int) -> Pool | None:
    return Pool.objects.filter(school_id=school_id, school_year_id=school_year_id).first()


def pool_staff(school_id: int, school_year_id: int, *, filed_only: bool = False):
    """Staff members in the school's pool for that year (only a filed pool when ``filed_only``)."""
    members = PoolMember.objects.filter(pool__school_id=school_id, pool__school_year_id=school_year_id)
    if filed_only:
        members = members.filter(pool__state=Pool.FILED)
    return StaffMember.objects.filter(pk__in=members.values("staff_id"))


def pool_user_ids(school_id: int, school_year_id: int, *, filed_only: bool = False) -> set[int]:
    """User ids of the pool's members that have an account."""
    return set(pool_staff(school_id, school_year_id, filed_only=filed_only)
               .exclude(user=None).values_list("user_id", flat=True))
