"""RR-7: each evidence provider against fixtures where the evidence is full, partial and missing; lines without a
provider say the evidence is entered by hand; an indicator-level provider is shared out over its lines."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from suiban.core.registry import Evidence, evidence
from suiban.demo import world as demo
from suiban.iep.models import Plan, Review, WeeklyHours
from suiban.iep.selectors import term_weeks
from suiban.org.models import Region, School, SchoolYear, Term
from suiban.rooms import rubric as rb
from suiban.rooms import services
from suiban.rooms.models import Room
from suiban.students import services as student_services
from suiban.students.models import ArchiveFile, SchoolArchiveFile

pytestmark = pytest.mark.django_db
FULL_ROOM = dict(use="dedicated", door_sign=True, area_m2=Decimal(80), floor=1, accessible=True,
                 zones=["training", "assessment", "reception"], zones_labelled=True,
                 equipment=[{"name": n, "category": c, "quantity": 1, "use_log": "有", "maintenance_log": "有"}
                            for n, c in (("量表", "assessment_tools"), ("器材", "training"), ("电脑", "office"),
                                         ("档案柜", "archive_cabinet"))],
                 opening_hours="8:00-17:00", timetable="课表", staff_posted=True, service_process="流程",
                 use_records="登记")
PARTIAL_ROOM = dict(use="shared", door_sign=True, area_m2=Decimal(45), floor=3, accessible=True,
                    safety_measures="护栏、扶手", zones=["training"], zones_labelled=False,
                    equipment=[{"name": "器材", "category": "training", "quantity": 2, "use_log": "有"}],
                    opening_hours="周三下午", timetable="", staff_posted=False, service_process="", use_records="")
# line: (full, partial, missing)
ROOM_EXPECTED = {
    "4.1": (3, Decimal("1.5"), 0), "4.2": (2, 1, 0), "5.1": (3, 2, 0), "6.1": (2, 2, 0), "6.2": (2, 0, 0),
    "6.3": (1, 0, 0), "6.4": (1, 0, 0), "7.1": (4, 1, 0), "7.2": (2, 1, 0), "8.1": (2, 1, 0), "8.2": (0, 0, 0),
    "8.3": (1, 0, 0), "8.4": (1, 0, 0),
}
_codes = itertools.count()


@pytest.fixture
def new_school(world):
    def make(kind="primary"):
        n = 50 + next(_codes) % 49  # each test rolls back: a few codes per test never collide
        return School.objects.create(code=f"35020501{n:02d}", name=f"测试学校{n}", kind=kind,
                                     region=Region.objects.get(code="350205"))
    return make


@pytest.fixture
def year(world):
    return SchoolYear.current()


def _propose(code, school, year):
    ev = evidence.for_line(code, school, year)
    assert isinstance(ev, Evidence) and ev.summary and ev.reasoning, code
    return ev


@pytest.mark.parametrize("code", sorted(ROOM_EXPECTED))
def test_room_fact_proposals_full_partial_missing(world, new_school, year, code):
    """RR-7 ← RR-2: lines 4.1–8.4 from the room's facts; a shared room only 1.5 on 4.1, under 60 m² 1 on 4.2,
    upstairs with barrier-free access and safety measures 2 on 5.1; no room at all → 0 with the reason."""
    bureau = world.users["hc_bureau"]
    full, partial, missing = new_school(), new_school(), new_school()
    services.room_create(actor=bureau, school=full, **FULL_ROOM)
    services.room_create(actor=bureau, school=partial, **PARTIAL_ROOM)
    want = ROOM_EXPECTED[code]
    for school, expected in zip((full, partial, missing), want, strict=True):
        ev = _propose(code, school, year)
        assert ev.proposed_score == Decimal(expected), (code, school.name, ev.summary)
        assert ev.links
        line = rb.line_map(_rubric())[code]
        assert line.accepts(ev.proposed_score)


def test_staff_line_is_full_when_staff_are_named_and_posted(world, new_school, year):
    """RR-7 (8.2): the room's staff named and the list posted → 1."""
    from suiban.staff.models import StaffMember

    school = new_school()
    staff = StaffMember.objects.create(name="资源教师", school=school, region_path=school.region_path)
    services.room_create(actor=world.users["hc_bureau"], school=school, staff_ids=[staff.pk], **FULL_ROOM)
    assert _propose("8.2", school, year).proposed_score == 1


def test_shared_room_serving_a_school_is_its_evidence(world, new_school, year):
    """RR-1 / RR-7: a school served by another school's room is judged on that room."""
    host, guest = new_school(), new_school()
    services.room_create(actor=world.users["hc_bureau"], school=host, serves_school_ids=[guest.pk], **FULL_ROOM)
    assert _propose("4.2", guest, year).proposed_score == 2


def _rubric():
    from suiban.policy.profiles import registry

    return registry().profiles["hc-2023"].effective_rubric


def _students(world, school, n):
    out = []
    for i in range(n):
        s, _w = student_services.student_create(
            actor=world.users["hc_bureau"], name=f"证据{school.code[-2:]}{i}", gender="female",
            birth_date=date(demo.current_start_year() - 8, 3, 1),
            student_number=f"L35020599{school.code[-2:]}{i:08d}", school=school, grade=2, school_class=None,
            disability_category="intellectual", placement="regular_class", status="active",
            committee_opinion="测试", guardians=[{"name": "家长", "relation": "母亲"}])
        out.append(s)
    return out


def _plan(student, year, reviewed=True):
    p = Plan.objects.create(student=student, school=student.school, region_path=student.region_path,
                            school_year=year, state="in_force", start_date=year.start_date, end_date=year.end_date)
    if reviewed:
        Review.objects.create(plan=p, revision=0, review_date=year.start_date + timedelta(days=30), evidence="记录")
    return p


def test_iep_plans_line_full_partial_missing(world, new_school, year):
    """RR-7 ← IEP-1/IEP-3 (9.1): 4 × the share of students with a plan in force that was reviewed, rounded
    down to half a point; no students → nothing to count, entered by hand."""
    full, partial, missing = new_school(), new_school(), new_school()
    for s in _students(world, full, 2):
        _plan(s, year)
    a, b, c = _students(world, partial, 3)
    _plan(a, year)
    _plan(b, year, reviewed=False)
    assert _propose("9.1", full, year).proposed_score == 4
    assert _propose("9.1", partial, year).proposed_score == Decimal("1")  # 4 × 1/3 = 1.33 → 1
    assert _propose("9.1", missing, year).proposed_score is None


def _passed_weeks(year):
    today = services.today()
    return [(m, d) for t in Term.objects.filter(school_year=year, start_date__lte=today) for m, d in term_weeks(t)
            if m <= today]


def test_weekly_tutoring_line_full_partial_missing(world, new_school, year):
    """RR-7 ← IEP-5 (9.2): 4 × the share of student-weeks at ⚙ tutoring_min_hours_per_week."""
    weeks = _passed_weeks(year)
    if not weeks:
        pytest.skip("no term week has passed in the current school year")
    full, partial, missing = new_school(), new_school(), new_school()
    (f,) = _students(world, full, 1)
    (p,) = _students(world, partial, 1)
    WeeklyHours.objects.bulk_create([WeeklyHours(student=f, week_start=m, delivered_hours=5) for m, _d in weeks])
    half = weeks[: len(weeks) // 2]
    WeeklyHours.objects.bulk_create([WeeklyHours(student=p, week_start=m, delivered_hours=5) for m, _d in half])
    assert _propose("9.2", full, year).proposed_score == 4
    expected = (Decimal(4) * len(half) / len(weeks) * 2).to_integral_value(rounding="ROUND_FLOOR") / 2
    assert _propose("9.2", partial, year).proposed_score == expected
    assert _propose("9.2", missing, year).proposed_score is None


def test_peer_support_line_full_partial_missing(world, new_school, year):
    """RR-7 ← IEP-7 (11.2): 2 × the share of students with peer support recorded."""
    from suiban.iep.models import PeerSupport

    full, partial, missing = new_school(), new_school(), new_school()
    for s in _students(world, full, 1):
        PeerSupport.objects.create(student=s, school=full, region_path=full.region_path, mode="one_to_one",
                                   peers=[{"name": "同学"}], starts_on=year.start_date)
    a, _b, _c, _d = _students(world, partial, 4)
    PeerSupport.objects.create(student=a, school=partial, region_path=partial.region_path, mode="one_to_one",
                               peers=[{"name": "同学"}], starts_on=year.start_date)
    assert _propose("11.2", full, year).proposed_score == 2
    assert _propose("11.2", partial, year).proposed_score == Decimal("0.5")
    assert _propose("11.2", missing, year).proposed_score is None


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _file(obj):
    obj.file.save("e.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)


def test_archive_lines_full_partial_missing(world, new_school, year, media):
    """RR-7 ← AR-1/AR-2 (2.1, 2.2): rules, plans and resource-room materials filed → 1; 3 × the share of
    complete student archives; no students → entered by hand."""
    from suiban.students.archives.services import ITEM_NUMBERS

    full, partial, missing = new_school(), new_school(), new_school()
    for section in ("rules", "plans", "resource_room"):
        _file(SchoolArchiveFile(school=full, section=section, school_year=year, title="t",
                                content_type="application/pdf", size=10))
    _file(SchoolArchiveFile(school=partial, section="rules", school_year=year, title="t",
                            content_type="application/pdf", size=10))
    (f,) = _students(world, full, 1)
    p1, _p2 = _students(world, partial, 2)
    for item in ITEM_NUMBERS:
        _file(ArchiveFile(student=f, item=item, title="t", content_type="application/pdf", size=10))
        _file(ArchiveFile(student=p1, item=item, title="t", content_type="application/pdf", size=10))
    assert _propose("2.1", full, year).proposed_score == 1
    assert _propose("2.1", partial, year).proposed_score == 0
    assert _propose("2.1", missing, year).proposed_score == 0
    assert _propose("2.2", full, year).proposed_score == 3
    assert _propose("2.2", partial, year).proposed_score == Decimal("1.5")
    assert _propose("2.2", missing, year).proposed_score is None


def test_lines_without_a_provider_are_entered_by_hand_and_indicator_evidence_is_shared(world, new_school, year,
                                                                                      monkeypatch):
    """RR-7: a line no module provides for gets no proposal (the page says "entered by hand"); a provider
    registered for a whole indicator proposes its score, shared over the lines by their points, rounded down."""
    school = new_school()
    lines = rb.lines(_rubric())
    monkeypatch.setattr(evidence, "providers", dict(evidence.providers))
    evidence.providers.pop("14", None)
    evidence.providers.pop("14.1", None)
    props = services.compute_proposals(school, year, lines)
    assert props["12.1"] == (None, None)
    evidence.register("14", lambda s, y: Evidence("教研记录", (), Decimal(8), "一半"))
    props = services.compute_proposals(school, year, lines)
    assert props["14.1"][1] == Decimal("1.5")  # 3 × 8/16
    assert props["14.2"][1] == Decimal(2)  # 4 × 8/16
    assert sum(p for code, (_e, p) in props.items() if code.startswith("14.")) <= 8


def test_assessment_records_proposal_decision_and_difference(world, api_client):
    """RR-7: the API shows each line's proposal, evidence with links, the school's score and the difference."""
    from suiban.rooms.models import Assessment

    a = Assessment.objects.get(round__name="海沧区资源教室评估（示范）", school__code="3502050101")
    r = api_client("hc_bureau").get(f"/api/v1/assessments/{a.pk}")
    assert r.status_code == 200
    items = {i["code"]: i for i in r.json()["items"]}
    assert items["4.2"]["proposed_score"] == "2.0" and items["4.2"]["evidence_links"]
    assert items["12.1"]["proposed_score"] is None and items["12.1"]["evidence"] == ""
    assert items["9.1"]["difference"] == "0.0"
    assert Room.objects.filter(school__code="3502050101").exists()
