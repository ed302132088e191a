"""Home-delivered education follows the calendar of the student's school (ORG-2 with HB-4): a district that starts
its school year later has its own weeks, its own share of the year passed and its own forecast; another district
keeps the installation's dates."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from hb_helpers import HC_S1

from suiban.core.errors import DomainError
from suiban.homebound import selectors, services, visits
from suiban.homebound.models import Enrolment
from suiban.homebound.visits import term_ranges, week_start
from suiban.org.calendar import current_school_year
from suiban.org.models import School
from suiban.policy.models import PolicyOverride
from suiban.policy.resolve import invalidate

GD_S1 = "4401060101"


@pytest.fixture
def hc_starts_late(world):
    """海沧区 starts its school year on 25 September (a district override of ⚙ school_year_start)."""
    def start():
        PolicyOverride.objects.create(region=world.regions["350205"], name="school_year_start", value="09-25")
        invalidate()

    yield start
    invalidate()


def _late_start(year):
    return date(year.start_year, 9, 25)


def test_a_district_start_date_moves_its_home_delivery_weeks_not_another_districts(world, year, hc_starts_late):
    """HB-4 with ORG-2: with 海沧区's year starting on 25 September, the weeks that count for a 海沧区 school begin
    that week and its first term too; a 天河区 school keeps the installation's first week."""
    hc, gd = School.objects.get(code=HC_S1), School.objects.get(code=GD_S1)
    before = selectors.year_weeks(year, hc, date(year.start_year, 10, 20))
    hc_starts_late()
    on = date(year.start_year, 10, 20)
    here, there = selectors.year_weeks(year, hc, on), selectors.year_weeks(year, gd, on)
    assert here.counted[0] == week_start(_late_start(year))
    assert there.counted[0] == week_start(year.start_date) == before.counted[0]
    assert here.passed < there.passed and here.share < there.share == before.share
    assert term_ranges(year, hc)[0][0] == _late_start(year)
    assert term_ranges(year, gd)[0] == term_ranges(year)[0]


def test_progress_and_forecast_of_a_student_follow_the_district_calendar(world, year, active_enrolment,
                                                                         hc_starts_late):
    """HB-4 with ORG-2: a 海沧区 student's weekly progress starts in the week of 25 September, and the share of the
    year passed (which the forecast extends) is the district's, smaller than the installation's."""
    e = active_enrolment()
    on = date(year.start_year, 10, 20)
    installation = selectors.progress(e, on)
    hc_starts_late()
    p = selectors.progress(Enrolment.objects.select_related("school", "school_year").get(pk=e.pk), on)
    assert installation["weeks"][0]["week_start"] == week_start(year.start_date)
    assert p["weeks"][0]["week_start"] == week_start(_late_start(year))
    assert p["share_of_year_passed"] < installation["share_of_year_passed"]


def test_behind_pace_uses_each_districts_share_of_the_year(world, year, active_enrolment, hc_starts_late):
    """HB-4 with ORG-2: a 海沧区 student whose hours fall short of the installation's share of the year passed but
    not of the district's (its year started later) is not behind pace once the district keeps its own start."""
    e = active_enrolment()
    on = date(year.start_year, 10, 20)
    hc = School.objects.get(code=HC_S1)
    default = selectors.year_weeks(year, hc, on).share
    hc_starts_late()
    own = selectors.year_weeks(year, hc, on).share
    assert own < default
    hours = (e.required_year * (own + default) / 2).quantize(Decimal("0.01"))
    Enrolment.objects.filter(pk=e.pk).update(hours_delivered=hours)
    mine = Enrolment.objects.filter(pk=e.pk)
    share = selectors.pace_share(year, on=on, enrolments=mine)
    assert not selectors.behind_filter(mine, share).exists()
    assert selectors.behind_filter(mine, default).exists()  # by the installation's calendar it would be behind
    PolicyOverride.objects.all().delete()
    invalidate()
    assert selectors.behind_filter(mine, selectors.pace_share(year, on=on, enrolments=mine)).exists()


def test_enrolment_and_visits_lie_within_the_districts_school_year(world, year, pool, homebound_student,
                                                                   hc_starts_late):
    """HB-4 with ORG-2: in a district whose year starts on 25 September an enrolment starting on 1 September is
    refused (before its school year), and one starting on the 25th is accepted; a visit before it is refused."""
    hc_starts_late()
    leader = world.users["hc_s1_leader"]
    with pytest.raises(DomainError) as err:
        services.enrolment_create(actor=leader, student=homebound_student(), school_year=year,
                                  start_date=year.start_date, teacher_ids=pool[:2], place="学生家中",
                                  eligibility={"cannot_attend_school": {"met": True, "evidence": "专家委员会意见"},
                                               "able_to_learn": {"met": True, "evidence": "入户评估记录"}})
    assert "start_date" in {x["field"] for x in err.value.errors}
    e = services.enrolment_create(actor=leader, student=homebound_student(), school_year=year,
                                  start_date=_late_start(year), teacher_ids=pool[:2], place="学生家中",
                                  eligibility={"cannot_attend_school": {"met": True, "evidence": "专家委员会意见"},
                                               "able_to_learn": {"met": True, "evidence": "入户评估记录"}})
    e = services.enrolment_update(actor=leader, enrolment=e, state="active")
    with pytest.raises(DomainError) as err:
        visits.visit_record(actor=leader, enrolment=e, date=_late_start(year) - timedelta(days=3),
                            teacher_ids=pool[:2], start_time=time(9, 0), end_time=time(12, 0))
    assert "date" in {x["field"] for x in err.value.errors}
    v = visits.visit_record(actor=leader, enrolment=e, date=_late_start(year) + timedelta(days=3),
                            teacher_ids=pool[:2], start_time=time(9, 0), end_time=time(12, 0))
    assert v.hours == Decimal("3.00")


def test_the_current_school_year_of_a_district_that_starts_later(world, year, hc_starts_late):
    """ORG-2: on 10 September, a district whose year starts on 25 September is still in last year's school year —
    the year a new home-delivery enrolment or plan defaults to there — while another district is in the new one."""
    hc, gd = School.objects.get(code=HC_S1), School.objects.get(code=GD_S1)
    day = date(year.start_year, 9, 10)
    assert current_school_year(hc, day) == current_school_year(gd, day) == year
    hc_starts_late()
    assert current_school_year(hc, day).start_year == year.start_year - 1
    assert current_school_year(gd, day) == year
    assert current_school_year(hc, _late_start(year)) == year


def test_behind_pace_list_and_pages_answer_with_a_district_calendar(world, year, active_enrolment, hc_starts_late,
                                                                    api_client, user_client):
    """HB-4 with ORG-2: with a district calendar of its own, the district list behind pace answers each student's
    expected hours by the district's share of the year, and the enrolment and behind-pace pages still show."""
    e = active_enrolment()
    hc_starts_late()
    r = api_client("hc_bureau").get("/api/v1/homebound/behind-pace?page_size=100")
    assert r.status_code == 200, r.content
    share = selectors.year_weeks(year, School.objects.get(code=HC_S1)).share
    item = next(i for i in r.json()["items"] if i["enrolment_id"] == e.pk)
    assert item["expected_to_date"] == pytest.approx(float(e.required_year * share), abs=0.01)
    for url in ("/homebound/", "/homebound/behind/"):
        assert user_client("hc_bureau").get(url).status_code == 200
