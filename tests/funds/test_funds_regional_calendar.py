"""The ledger's school year and terms follow the school's own calendar (ORG-2 with FN-2): a district that starts its
school year on 25 September has its first term, and the first month of its year, from that day."""

from datetime import date

from django.utils import timezone

from suiban.funds import services
from suiban.org.models import School, SchoolYear
from suiban.policy.models import PolicyOverride
from suiban.policy.resolve import invalidate

HC_S1, GD_S1 = "3502050101", "4401060101"


def test_ledger_periods_follow_the_districts_calendar(world):
    """ORG-2, FN-2: with 海沧区's year starting on 25 September, the first term of a 海沧区 school's ledger starts
    that day and its September period covers 25–30 September; a 天河区 school keeps the installation's dates."""
    hc, gd = School.objects.get(code=HC_S1), School.objects.get(code=GD_S1)
    year = SchoolYear.current(timezone.localdate())
    term = year.terms.get(number=1)
    september = f"{year.start_year}-09"
    assert services.period_bounds(year, "term", 1, hc) == (term.start_date, term.end_date)
    PolicyOverride.objects.create(region=world.regions["350205"], name="school_year_start", value="09-25")
    invalidate()
    try:
        assert services.period_bounds(year, "term", 1, hc) == (date(year.start_year, 9, 25), term.end_date)
        assert services.period_bounds(year, "month", september, hc) == (date(year.start_year, 9, 25),
                                                                         date(year.start_year, 9, 30))
        assert services.period_bounds(year, "term", 1, gd) == (term.start_date, term.end_date)
        assert services.period_bounds(year, "month", september, gd)[0] == date(year.start_year, 9, 1)
    finally:
        invalidate()
