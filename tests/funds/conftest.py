"""Fixtures of the funds-ledger tests: the second 海沧区 school (no demo ledger), its current school year, a
poster of entries through the service, and a temporary MEDIA_ROOT for receipts."""

from datetime import date

import pytest

from suiban.funds import services
from suiban.org.models import School, SchoolYear

HC_S1, HC_S2, GD_S1 = "3502050101", "3502050102", "4401060101"


@pytest.fixture
def school(world):
    return School.objects.get(code=HC_S2)


@pytest.fixture
def year(world):
    return SchoolYear.current()


@pytest.fixture
def day(year):
    """day(month, d) → a date of the current school year's first months (all in the past)."""

    def make(month=9, d=10):
        return date(year.start_year if month >= 9 else year.start_year + 1, month, d)

    return make


@pytest.fixture
def post(world, school, year, day):
    """post(kind, amount, **fields) → an entry of the second school's current year, posted by its leader."""

    def make(kind, amount, *, category="", source="", when=None, payee="供应商", purpose="用途", actor="hc_s2_leader",
             target=None, **kw):
        return services.entry_post(actor=world.users[actor], school=target or school, school_year=year, kind=kind,
                                   amount=amount, date=when or day(), category=category, source=source,
                                   payee=payee, purpose=purpose, **kw)

    return make


@pytest.fixture
def funded(post):
    """A budget of 10,000 and incomes from two sources: the usual starting point of an expense."""
    post("budget", "10000.00", source="school_budget", category="")
    post("income", "6000.00", source="district_subsidy")
    post("income", "4000.00", source="per_pupil_funds")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
