"""The school calendar resolves per region (ORG-2): a district's own school-year start applies to its schools and
to its students' term weeks — the weekly minimum of tutoring (IEP-5) — and not to another district. The calendar
dates are product defaults: neither source document fixes them."""

from datetime import timedelta

import pytest
from django.utils import translation

from suiban.demo import world as demo
from suiban.iep import selectors
from suiban.iep.sessions import week_start
from suiban.org.calendar import school_year_dates, term_dates
from suiban.policy.models import PolicyOverride
from suiban.policy.params import CALENDAR_PARAMS, PARAMS
from suiban.policy.resolve import invalidate

HC_S1, GD_S1 = "3502050101", "4401060101"


@pytest.fixture
def hc_starts_late(world):
    """海沧区 starts its school year on 25 September (a district override of ⚙ school_year_start)."""
    PolicyOverride.objects.create(region=world.regions["350205"], name="school_year_start", value="09-25")
    invalidate()
    yield "09-25"
    invalidate()


def test_calendar_parameters_are_product_defaults_citing_no_clause():
    """ORG-2: the school-year and term dates cite no clause of the Guangdong rules (GD §13 is about applications
    for identification); they are marked as the product's defaults, in the source and in the name."""
    for name in CALENDAR_PARAMS:
        p = PARAMS[name]
        assert p.rule == "ORG-2"
        assert "GD" not in p.source and "§" not in p.source
        assert "产品默认值" in p.source
        with translation.override("en"):
            assert "product default" in str(p.label)
        with translation.override("zh-hans"):
            assert "产品默认值" in str(p.label)


def test_a_district_start_date_moves_its_schools_term_weeks_not_another_districts(world, hc_starts_late):
    """ORG-2: with 海沧区's school year starting on 25 September, the first term of its school begins that week,
    while a school of 天河区 keeps the installation's start; the term end and the second term are unchanged."""
    term = world.years[demo.current_start_year()].terms.get(number=1)
    hc, gd = world.schools[HC_S1], world.schools[GD_S1]
    start = term.start_date.replace(month=9, day=25)
    assert term_dates(term, hc) == (start, term.end_date)
    assert term_dates(term, gd) == (term.start_date, term.end_date)
    hc_weeks, gd_weeks = selectors.term_weeks(term, hc), selectors.term_weeks(term, gd)
    assert hc_weeks[0][0] == week_start(start) and gd_weeks[0][0] == week_start(term.start_date)
    assert len(hc_weeks) < len(gd_weeks)
    assert selectors.term_weeks(term) == gd_weeks  # no subject: the installation's calendar
    second = term.school_year.terms.get(number=2)
    assert term_dates(second, hc) == (second.start_date, second.end_date)
    assert school_year_dates(term.school_year, hc)[0] == start
    assert school_year_dates(term.school_year, gd) == (term.school_year.start_date, term.school_year.end_date)


def test_weekly_hours_of_a_student_follow_the_district_calendar(world, new_student, hc_starts_late):
    """ORG-2 with IEP-5: a 海沧区 student's term weeks start in the week of 25 September; a 天河区 student's in the
    installation's first week."""
    term = world.years[demo.current_start_year()].terms.get(number=1)
    here, there = new_student(HC_S1), new_student(GD_S1)
    assert selectors.weekly_hours(here, term)[0]["week_start"] == week_start(term.start_date.replace(day=25))
    assert selectors.weekly_hours(there, term)[0]["week_start"] == week_start(term.start_date)


def test_the_below_minimum_list_leaves_out_a_district_whose_term_has_not_started(world, api_client, new_student):
    """ORG-2 with IEP-5: in the second week of last school year's first term, 海沧区's students are below the
    minimum; once the district's school year starts on 25 September that week is no term week there, so none
    of its students is listed — while 天河区's students still are."""
    term = world.years[demo.current_start_year() - 1].terms.get(number=1)
    monday = week_start(term.start_date) + timedelta(days=7)
    assert monday + timedelta(days=4) < term.start_date.replace(day=25)
    new_student(HC_S1), new_student(GD_S1)
    url = f"/api/v1/sessions/below-minimum?week={monday}&page_size=500"
    assert api_client("hc_bureau").get(url).json()["count"] > 0
    gd_before = api_client("gd_bureau").get(url).json()["count"]
    assert gd_before > 0
    PolicyOverride.objects.create(region=world.regions["350205"], name="school_year_start", value="09-25")
    invalidate()
    try:
        assert api_client("hc_bureau").get(url).json()["count"] == 0
        assert api_client("gd_bureau").get(url).json()["count"] == gd_before
    finally:
        invalidate()


def test_the_guangdong_profile_states_no_calendar_date(world):
    """ORG-2: the Guangdong rules fix no school-year date, so their profile states none: the date a Guangdong
    school gets is the product default, and the policy says so (origin "built-in default", not the profile)."""
    from suiban.policy.profiles import registry
    from suiban.policy.resolve import resolve_all

    gd = registry().profiles["gd-2020"]
    assert not set(CALENDAR_PARAMS) & set(gd.flat)
    _profile, resolved = resolve_all(world.schools[GD_S1])
    assert all(resolved[name].origin == "default" for name in CALENDAR_PARAMS)
