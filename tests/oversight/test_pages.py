"""Oversight pages: findings with links to where each is mended (OV-1), the census and its follow-up (PL-14),
refusals (PL-15), the barrier-free checklist (OV-5), archive custody (AR-4), governance (OV-6), activities (OV-4)
and the yearly statistics workbook (OV-2)."""

import io
import re

from openpyxl import load_workbook

from suiban.org.models import Region, School
from suiban.oversight import engine
from suiban.oversight.models import AccessibilityItem, ArchiveCustodian, CensusChild, EnrolmentRefusal, Finding
from suiban.students.models import Student

HC_S1, HC_S2 = "3502050101", "3502050102"
CODES = re.compile(r"\b(?:PL|IEP|AR|OV|HB|FN|ST|RR)-\d+\b")


def test_findings_page_speaks_in_words_and_links_to_the_fix(user_client, world, django_assert_max_num_queries):
    """OV-1: the findings page lists the open findings in scope with evidence, what to do (a link to where it is
    mended) and the rule's source in words — no rule ids on screen."""
    engine.recompute(None)
    c = user_client("hc_bureau")
    with django_assert_max_num_queries(20):
        r = c.get("/oversight/findings/")
    html = r.content.decode()
    assert r.status_code == 200 and r.context["count"] == Finding.objects.filter(
        state="open", region_path__startswith="350000/350200/350205/").count()
    visible = re.sub(r"<[^>]+>", " ", html)
    assert not CODES.search(visible), CODES.search(visible)
    assert "依据" in visible
    for f in r.context["rows"]:
        assert f.url.startswith("/") and f.url.replace("&", "&amp;") in html
    r = c.get("/oversight/findings/?rule=PL-7&state=")
    assert r.context["count"] >= 1
    detail = c.get(f"/oversight/findings/{r.context['rows'][0].pk}/")
    assert detail.status_code == 200


def test_census_page_imports_and_follows_up(user_client, world):
    """PL-14: the bureau sees the children not in school, imports a list (errors with row and column), and records
    the follow-up; the detail suggests the nearest schools (PL-15)."""
    from tests.oversight.test_census_and_governance import child_id, xlsx

    c = user_client("hc_bureau")
    region = Region.objects.get(code="350205")
    r = c.get("/oversight/census/")
    assert r.status_code == 200 and r.context["region"] == region
    bad = c.post("/oversight/census/", {"region": region.pk, "source": "dpf",
                                        "file": xlsx([("", "男", None, "123", "", "")])})
    assert bad.status_code == 200
    errors = [str(e) for e in bad.context["form"].non_field_errors()]
    assert any(e.startswith("第 2 行 A 列") for e in errors) and any(e.startswith("第 2 行 D 列") for e in errors)
    upload = xlsx([("页面童", "女", None, child_id(7, gender="female"), "言语", "")])
    ok = c.post("/oversight/census/", {"region": region.pk, "source": "health", "file": upload})
    assert ok.status_code == 302
    child = CensusChild.objects.get(name="页面童")
    page = c.get(f"/oversight/census/{child.pk}/")
    assert page.status_code == 200 and page.context["suggested"]
    saved = c.post(f"/oversight/census/{child.pk}/", {"state": "not_in_school", "follow_up_person": "黄丽娟",
                                                      "follow_up_due": "2030-01-10", "version": child.version})
    assert saved.status_code == 302
    child.refresh_from_db()
    assert child.follow_up_person == "黄丽娟"


def test_refusal_page_records_and_decides(user_client, world):
    """PL-15: a school records a refusal with its reason; the bureau decides it on the same page."""
    s2 = School.objects.get(code=HC_S2)
    leader = user_client("hc_s2_leader")
    r = leader.post("/oversight/refusals/", {"school": s2.pk, "child_name": "页面拒收", "refused_on": "2026-09-01",
                                             "reason": ""})
    assert r.status_code == 200 and r.context["form"].errors
    r = leader.post("/oversight/refusals/", {"school": s2.pk, "child_name": "页面拒收", "refused_on": "2026-09-01",
                                             "reason": "教室在三楼"})
    assert r.status_code == 302
    refusal = EnrolmentRefusal.objects.get(child_name="页面拒收")
    assert leader.post(f"/oversight/refusals/{refusal.pk}/decide/", {"decision": "x"}).status_code == 403
    bureau = user_client("hc_bureau")
    assert bureau.post(f"/oversight/refusals/{refusal.pk}/decide/", {"decision": "就近安排"}).status_code == 302
    refusal.refresh_from_db()
    assert refusal.decided_on is not None


def test_checklist_custody_governance_and_activities_pages(user_client, world):
    """OV-5, AR-4, OV-6, OV-4: the pages show and record each register; another school's checklist is 404."""
    s1 = School.objects.get(code=HC_S1)
    leader = user_client("hc_s1_leader")
    assert leader.get(f"/oversight/schools/{s1.pk}/accessibility/").status_code == 200
    r = leader.post(f"/oversight/schools/{s1.pk}/accessibility/", {"item": "tactile_paving", "present": "no",
                                                                   "checked_on": "2026-11-01",
                                                                   "rectify_by": "2027-03-01"})
    assert r.status_code == 302 and not AccessibilityItem.objects.get(school=s1, item="tactile_paving").present
    assert leader.get(f"/oversight/schools/{School.objects.get(code=HC_S2).pk}/accessibility/").status_code == 404
    assert leader.post(f"/oversight/schools/{s1.pk}/custodian/", {"name": "王老师", "appointed_on": "2026-09-01"}) \
        .status_code == 302
    assert ArchiveCustodian.objects.get(school=s1).name == "王老师"
    table = user_client("hc_center").get("/oversight/archives/")
    assert table.status_code == 200
    row = next(r for r in table.context["rows"] if r["school"] == s1)
    assert row["custodian"].name == "王老师"
    assert row["c"]["students"] == Student.objects.filter(school=s1).count()
    bureau = user_client("hc_bureau")
    r = bureau.post("/oversight/governance/", {"region": Region.objects.get(code="350205").pk, "kind": "joint_meeting",
                                               "title": "页面联席会议", "held_on": "2026-10-01", "content": "议定事项"})
    assert r.status_code == 302
    assert "页面联席会议" in bureau.get("/oversight/governance/").content.decode()
    r = leader.post("/oversight/activities/", {"school": s1.pk, "kind": "inclusion", "title": "页面融合活动",
                                               "held_on": "2026-10-02", "participants": 30, "summary": "同伴互助"})
    assert r.status_code == 302
    assert "页面融合活动" in leader.get("/oversight/activities/").content.decode()


def test_yearly_statistics_workbook_counts_the_scope(user_client, world):
    """OV-2: the yearly statistics .xlsx counts students in inclusion by category, grade and sex, by placement,
    home-delivered students, resource rooms and teachers, inside the caller's scope; A4 landscape, fit to width."""
    region = Region.objects.get(code="350205")
    r = user_client("hc_bureau").get(f"/oversight/statistics.xlsx?region_id={region.pk}")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["随班就读学生", "按安置形式", "送教上门学生", "资源教室与资源教师"]
    ws = wb["随班就读学生"]
    total = next(row for row in ws.iter_rows(values_only=True) if row[0] == "合计")
    expected = Student.objects.filter(region_path__startswith=region.path, status="active",
                                      placement__in=("regular_class", "special_class")).count()
    assert total[1] == expected
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows
    assert user_client("hc_s1_leader").get(f"/oversight/statistics.xlsx?region_id="
                                           f"{Region.objects.get(code='440106').pk}").status_code == 404


def test_documents_in_one_place_and_a_term_pack_built_in_the_background(user_client, world, settings, tmp_path):
    """OV-3: a school's documents are listed in one place; a district's term pack is built by a background task
    (tasks framework), shows its progress and downloads as one .zip with every school's roster and plans."""
    import zipfile

    from django.test import override_settings

    from suiban.org.models import Term
    from suiban.oversight.models import DocumentPack

    settings.MEDIA_ROOT = str(tmp_path)
    s1 = School.objects.get(code=HC_S1)
    c = user_client("hc_bureau")
    r = c.get(f"/oversight/documents/?school_id={s1.pk}")
    urls = [d["url"] for d in r.context["documents"]]
    assert any("export.xlsx" in u for u in urls) and any(u.endswith(".docx") for u in urls)
    from django.test import TestCase

    term = Term.objects.order_by("-start_date").first()
    region = Region.objects.get(code="350205")
    immediate = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate), TestCase.captureOnCommitCallbacks(execute=True):
        r = c.post("/oversight/documents/", {"region": region.pk, "term": term.pk})
    assert r.status_code == 302
    pack = DocumentPack.objects.latest("id")
    assert pack.state == "done" and pack.done == pack.total == School.objects.filter(region=region,
                                                                                    is_active=True).count()
    page = c.get(f"/oversight/documents/packs/{pack.pk}/")
    assert "100%" in page.content.decode()
    resp = c.get(f"/oversight/documents/packs/{pack.pk}/download/")
    data = b"".join(resp.streaming_content)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(n.endswith("花名册.xlsx") for n in names) and any(n.endswith(".docx") for n in names)
    assert user_client("hc_s1_leader").post("/oversight/documents/", {"region": region.pk, "term": term.pk}) \
        .status_code == 403
    assert user_client("gd_bureau").get(f"/oversight/documents/packs/{pack.pk}/").status_code == 404


def test_home_shows_the_open_findings_linked_to_their_lists(user_client, world):
    """OV-1, OV-2: the home page of a bureau shows its open findings by severity, each a link to the list with the
    same count."""
    engine.recompute(None)
    c = user_client("hc_bureau")
    r = c.get("/")
    panel = next(p for p in r.context["panels"] if p["key"] == "oversight")
    for _code, _label, n, url in panel["findings_by_severity"]:
        assert c.get(url).context["count"] == n
    assert "/oversight/dashboard/" in r.content.decode()
    guardian_home = user_client("hc_parent").get("/").context  # the guardian's home is the child's own page
    assert not any(p["key"] == "oversight" for p in guardian_home.get("panels", []))
