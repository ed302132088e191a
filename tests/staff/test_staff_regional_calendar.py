"""The staff module's rubric evidence follows the school's own calendar (ORG-2 with ST-6, RR-7 line 10): the terms
and the school year in which itinerant guidance visits count are those of the school's district."""

from datetime import date

from django.utils import timezone

from suiban.core.registry import evidence
from suiban.org.models import School, SchoolYear
from suiban.policy.models import PolicyOverride
from suiban.policy.resolve import invalidate
from suiban.staff.models import ItinerantVisit, StaffMember

S2 = "3502050102"


def test_itinerant_visits_count_in_the_districts_own_school_year(world):
    """ORG-2, ST-6: a visit on 10 September counts for line 10 (a term visited) by the installation's calendar; once
    海沧区 starts its school year on 25 September, the visit lies before the district's year and the line no longer
    counts it."""
    school = School.objects.get(code=S2)
    sy = SchoolYear.current(timezone.localdate())
    ItinerantVisit.objects.filter(school=school).delete()
    teacher = StaffMember.objects.create(name="巡回老师", school=school, region_path=school.region_path)
    ItinerantVisit.objects.create(school=school, region_path=school.region_path, date=date(sy.start_year, 9, 10),
                                  teacher=teacher, advice="调整座位")
    before = evidence.for_line("10", school, sy)
    PolicyOverride.objects.create(region=world.regions["350205"], name="school_year_start", value="09-25")
    invalidate()
    try:
        after = evidence.for_line("10", school, sy)
    finally:
        invalidate()
    assert before.proposed_score > after.proposed_score == 0
