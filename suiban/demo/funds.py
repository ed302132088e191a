"""Demo data of the funds module (API.md "Demo additions"): the first 海沧区 school's ledger of the current school
year has a budget (its annual budget with the resource room's maintenance and running costs, FN-4), incomes from
the district subsidy, the city subsidy and the per-pupil funds the bureau allocated (FN-4: allocated, then
received), and ordinary expenses in allowed categories (FN-1); the home-delivery module adds its subsidy postings.
The second 海沧区 school has an allocation of per-pupil funds that is overdue (a finding, FN-4).

Idempotent: nothing is posted when the school's year already has entries entered by hand."""

from datetime import timedelta

from django.utils import timezone

from suiban.demo.world import World, step
from suiban.funds import services
from suiban.funds.models import FundAllocation, LedgerEntry
from suiban.org.models import School, SchoolYear

HC_S1, HC_S2 = "3502050101", "3502050102"

BUDGET = [  # category, amount, purpose
    ("", "30000.00", "学校年度预算：随班就读工作经费"),
    ("room_maintenance", "5000.00", "资源教室维护"),
    ("room_running", "8000.00", "资源教室运行（耗材、水电）"),
    ("transport_subsidy", "20000.00", "送教上门教师交通补助"),
]
INCOMES = [  # source, amount, day offset, payee, purpose
    ("district_subsidy", "20000.00", 10, "海沧区教育局", "区级随班就读补助经费"),
    ("city_subsidy", "10000.00", 20, "厦门市教育局", "市级资源教室补助经费"),
]
EXPENSES = [  # source, category, amount, day offset, payee, purpose
    ("per_pupil_funds", "teaching_aids", "3200.00", 25, "厦门启智教具有限公司", "感统训练器材一批"),
    ("district_subsidy", "teacher_training", "1800.00", 40, "厦门市特殊教育研究会", "随班就读教师专题培训"),
    ("school_budget", "room_maintenance", "2500.00", 50, "海沧区建安维修部", "资源教室地面防滑维修"),
    ("city_subsidy", "professional_services", "4500.00", 60, "海沧区康复服务中心", "购买言语康复专业服务"),
]


@step
def funds(world: World):
    year = SchoolYear.current()
    if year is None:
        return
    today = timezone.localdate()
    note = f"{year.start_year}年秋季学期生均公用经费"
    day = lambda n: min(year.start_date + timedelta(days=n), today)  # noqa: E731
    leader, bureau = world.users.get("hc_s1_leader"), world.users.get("hc_bureau")
    school = School.objects.filter(code=HC_S1).first()
    if school is None or leader is None or bureau is None:
        return
    if not FundAllocation.objects.filter(school=school, school_year=year).exists():
        a = services.allocation_create(actor=bureau, school=school, school_year=year, amount="15000.00",
                                       allocated_on=day(5), due_date=day(35), note=note)
        services.allocation_receive(actor=leader, allocation=a, received_on=day(15))
    if not LedgerEntry.objects.filter(school=school, school_year=year, origin=LedgerEntry.MANUAL,
                                      kind=LedgerEntry.BUDGET).exists():
        for category, amount, purpose in BUDGET:
            services.entry_post(actor=leader, school=school, school_year=year, kind=LedgerEntry.BUDGET,
                                amount=amount, date=day(1), category=category, source="school_budget",
                                purpose=purpose)
        for source, amount, n, payee, purpose in INCOMES:
            services.entry_post(actor=leader, school=school, school_year=year, kind=LedgerEntry.INCOME,
                                amount=amount, date=day(n), source=source, payee=payee, purpose=purpose)
        for source, category, amount, n, payee, purpose in EXPENSES:
            services.entry_post(actor=leader, school=school, school_year=year, kind=LedgerEntry.EXPENSE,
                                amount=amount, date=day(n), source=source, category=category, payee=payee,
                                purpose=purpose)
    second = School.objects.filter(code=HC_S2).first()
    if second is not None and not FundAllocation.objects.filter(school=second, school_year=year).exists():
        services.allocation_create(actor=bureau, school=second, school_year=year, amount="6000.00",
                                   allocated_on=day(5), due_date=day(35), note=note)
