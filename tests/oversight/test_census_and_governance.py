"""Census and enrolment (PL-14, PL-15), barrier-free checklist (OV-5), archive custody (AR-4), governance and
profiles (OV-6), activities (OV-4): their records, services and checks."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.idnumbers import make_id_number
from suiban.org.models import Region, School
from suiban.oversight import census, services
from suiban.oversight.models import AccessibilityItem, CensusChild
from suiban.policy import profiles
from suiban.students.models import Student
from tests.oversight.helpers import assert_cycle, open_finding, run

TODAY = timezone.localdate
HC, GD = "350205", "440106"


def xlsx(rows, header=("姓名", "性别", "出生日期", "身份证号", "残疾类别", "家庭住址")):
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("census.xlsx", buf.getvalue())


def child_id(n, birth=date(2017, 3, 1), gender="male"):
    return make_id_number("350205", birth, 900 + n, gender)


def test_census_import_matches_the_register_and_tracks_the_others(world):
    """PL-14: a federation list is imported and matched to the register by the keyed hash of the identity number;
    a child on no register is a finding until followed up and placed."""
    bureau = world.users["hc_bureau"]
    region = Region.objects.get(code=HC)
    on_register = (Student.objects.filter(school__code="3502050101").exclude(id_number="")
                   .exclude(id_number_hash__in=CensusChild.objects.values("id_number_hash")).first())
    new_id = child_id(1)
    result = census.census_import(actor=bureau, region=region, source="dpf", upload=xlsx([
        ("普查一", "男", None, new_id, "智力", "海沧街道"),
        (on_register.name, None, None, on_register.id_number, "肢体", ""),
    ]))
    assert (result.created, result.matched) == (2, 1)
    child = CensusChild.objects.get(region=region, name="普查一")
    assert child.id_number_masked.startswith("350205") and "*" in child.id_number_masked
    assert CensusChild.objects.get(student=on_register).state == "in_school"

    def mend():
        services.census_follow_up(actor=bureau, child=child, version=child.version, state="placed",
                                  note="安置到沧江小学")

    f = assert_cycle("PL-14", "census_child", child.pk, None, lambda: None, mend)
    assert f.region_path == region.path and f.school_id is None
    again = census.census_import(actor=bureau, region=region, source="health", upload=xlsx([
        ("普查一", "男", None, new_id, "智力", "")]))
    assert (again.created, again.known) == (0, 1)


def test_census_import_is_all_or_nothing_with_row_and_column(world):
    """PL-14 (validated like the roster, SEC-5): every bad cell is reported with its row and column and nothing
    is imported."""
    bureau = world.users["hc_bureau"]
    region = Region.objects.get(code=HC)
    before = CensusChild.objects.count()
    good = child_id(2)
    with pytest.raises(DomainError) as exc:
        census.census_import(actor=bureau, region=region, source="civil_affairs", upload=xlsx([
            ("好行", "男", None, good, "", ""),
            ("", "男", None, "35020520170301123X", "", ""),
            ("重复", "女", None, good, "外星", ""),
        ]))
    errors = exc.value.errors
    where = {(e["row"], e["column"], e["field"]) for e in errors}
    assert (3, "A", "name") in where and (3, "D", "id_number") in where
    assert (4, "D", "id_number") in where and (4, "E", "disability_category") in where and (4, "B", "gender") in where
    assert CensusChild.objects.count() == before
    with pytest.raises(PermissionDenied):
        census.census_import(actor=world.users["gd_bureau"], region=region, source="dpf",
                             upload=xlsx([("好行", "男", None, good, "", "")]))


def test_enrolment_refusal_needs_a_reason_and_is_a_finding_until_decided(world):
    """PL-15: a school records a refusal only with its reason; the bureau sees it as a finding until it decides."""
    leader = world.users["hc_s2_leader"]
    school = School.objects.get(code="3502050102")
    with pytest.raises(DomainError) as exc:
        services.refusal_record(actor=leader, school=school, child_name="小林", refused_on=TODAY(), reason=" ")
    assert [e["field"] for e in exc.value.errors] == ["reason"]
    holder = {}

    def violate():
        holder["r"] = services.refusal_record(actor=leader, school=school, child_name="小林", refused_on=TODAY(),
                                              reason="班额已满")

    violate()
    r = holder["r"]
    run(school.pk, "PL-15")
    f = open_finding("PL-15", "refusal", r.pk)
    assert f.rule == "PL-15" and "班额已满" in f.evidence
    with pytest.raises(PermissionDenied):
        services.refusal_decide(actor=leader, refusal=r, version=r.version, decision="同意")
    services.refusal_decide(actor=world.users["hc_bureau"], refusal=r, version=r.version,
                            decision="由区教育局安排就近入学")
    run(school.pk, "PL-15")
    f.refresh_from_db()
    assert f.state == "resolved"


def test_suggested_schools_put_the_designated_school_first(world):
    """PL-15: placing a child from the census suggests schools of the home district for the child's age, the
    designated school (定点学校) for the child's category first."""
    bureau = world.users["hc_bureau"]
    region = Region.objects.get(code=HC)
    census.census_import(actor=bureau, region=region, source="dpf",
                         upload=xlsx([("定点童", "女", None, child_id(3, gender="female"), "听力", "")]))
    child = CensusChild.objects.get(name="定点童")
    second = School.objects.get(code="3502050102")
    services.school_designate(actor=bureau, school=second, categories=["hearing"], designated_on=TODAY())
    suggested = services.suggest_schools(child)
    assert suggested[0] == second
    assert all(s.region_id == region.pk and s.kind in ("primary", "nine_year") for s in suggested)


def test_missing_barrier_free_item_is_a_finding_until_rectified(world):
    """OV-5: a checklist item recorded as missing is a finding (due by its rectification date) until recorded
    as in place."""
    leader = world.users["hc_s1_leader"]
    school = School.objects.get(code="3502050101")
    with pytest.raises(DomainError) as exc:
        services.accessibility_set(actor=leader, school=school, item="accessible_toilet", present=False,
                                   checked_on=TODAY())
    assert [e["field"] for e in exc.value.errors] == ["rectify_by"]
    due = TODAY() + timedelta(days=60)
    services.accessibility_set(actor=leader, school=school, item="accessible_toilet", present=False,
                               checked_on=TODAY(), rectify_by=due)
    item = AccessibilityItem.objects.get(school=school, item="accessible_toilet")
    f = assert_cycle("OV-5", "accessibility_item", item.pk, school.pk, lambda: None,
                     lambda: services.accessibility_set(actor=leader, school=school, item="accessible_toilet",
                                                        present=True, checked_on=TODAY()))
    assert f.due_date == due


def test_region_on_a_draft_or_expired_profile_is_warned(world, settings, tmp_path):
    """OV-6: profiles carry effective/expiry dates and a draft flag; a region running on a draft or expired
    profile is a finding until it runs on one in force."""
    gd = Region.objects.get(code=GD)
    hc = Region.objects.get(code=HC)
    assert profiles.registry().profiles["gd-2020"].draft is True
    run(None, "OV-6")
    f = open_finding("OV-6", "region", gd.pk)
    assert f is not None and f.rule == "OV-6" and f.school_id is None
    assert open_finding("OV-6", "region", hc.pk) is None
    real = profiles.registry().profiles["gd-2020"]
    try:
        real.draft, real.expires_on = False, TODAY() - timedelta(days=1)
        run(None, "OV-6")
        f.refresh_from_db()
        assert f.state == "open" and "2" in f.evidence
        real.expires_on = None
        run(None, "OV-6")
        f.refresh_from_db()
        assert f.state == "resolved"
    finally:
        real.draft, real.expires_on = True, None


def test_profile_dates_and_draft_flag_are_validated(tmp_path):
    """OV-6: a profile's effective/expiry dates must be dates in order, its draft flag true or false."""
    folder = tmp_path / "x-1"
    folder.mkdir()
    (folder / "profile.yaml").write_text("code: x-1\nname: X\nversion: 1\nsource: X\ndraft: maybe\n",
                                         encoding="utf-8")
    with pytest.raises(profiles.ProfileError, match="draft"):
        profiles.load_profiles(tmp_path)
    (folder / "profile.yaml").write_text("code: x-1\nname: X\nversion: 1\nsource: X\neffective_from: 2024-09-01\n"
                                         "expires_on: 2023-09-01\n", encoding="utf-8")
    with pytest.raises(profiles.ProfileError, match="expires_on"):
        profiles.load_profiles(tmp_path)


def test_custodian_governance_and_activities_are_recorded_in_scope(world):
    """AR-4: a school names its archive custodian; OV-6: the bureau records the county plan and joint meetings;
    OV-4: a school records structured activities — each audited and refused outside the actor's scope."""
    from suiban.core.models import AuditEvent

    s1 = School.objects.get(code="3502050101")
    c = services.custodian_set(actor=world.users["hc_s1_leader"], school=s1, name="李梅", appointed_on=TODAY(),
                               cabinet="档案室二号柜")
    assert c.name == "李梅"
    with pytest.raises(PermissionDenied):
        services.custodian_set(actor=world.users["hc_s2_leader"], school=s1, name="王", appointed_on=TODAY())
    region = Region.objects.get(code=HC)
    g = services.governance_record(actor=world.users["hc_bureau"], region=region, kind="county_plan",
                                   title="海沧区特殊教育一县一案", held_on=TODAY(), content="目标与措施")
    assert g.region_path == region.path
    with pytest.raises(DomainError) as exc:
        services.governance_record(actor=world.users["hc_bureau"], region=region, kind="joint_meeting", title="",
                                   held_on=None, content="")
    assert {e["field"] for e in exc.value.errors} == {"title", "held_on", "content"}
    a = services.activity_record(actor=world.users["hc_s1_resource"], school=s1, kind="home_school",
                                 held_on=TODAY(), title="家长会", summary="交流个别化教育计划", participants=20)
    assert AuditEvent.objects.filter(action="oversight.activity.recorded", object_id=str(a.pk)).exists()


def test_activities_feed_the_rubric_evidence_of_lines_11_and_14(world):
    """OV-4 (RR-7): structured activities feed rubric line 11 (融合活动) and line 14 (教研) with a proposed score."""
    from suiban.core.registry import evidence
    from suiban.org.models import SchoolYear

    s1 = School.objects.get(code="3502050101")
    year = SchoolYear.current(TODAY())
    e11 = evidence.for_line("11", s1, year)
    assert e11 is not None and e11.proposed_score >= 4  # an inclusion activity this term and a home-school contact
    services.activity_record(actor=world.users["hc_s1_resource"], school=s1, kind="research", held_on=TODAY(),
                             title="个案研究", summary="个案研讨", participants=5)
    e14 = evidence.for_line("14", s1, year)
    assert e14.summary.startswith("2") and e14.links
    other = School.objects.get(code="3502050102")
    assert evidence.for_line("11", other, year).proposed_score <= e11.proposed_score
