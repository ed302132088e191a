"""Staff records and training (ST-2, ST-3, ST-7): qualification basis, training at four levels with a
certificate scan checked by content, hours against the yearly product default, a teacher's own training."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from suiban.core.registry import checks
from suiban.org.models import School, SchoolYear
from suiban.policy.params import PARAMS
from suiban.staff import selectors, services
from suiban.staff.models import StaffMember, Training

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
S1 = "3502050101"


def _li():
    return StaffMember.objects.get(school__code=S1, name="李梅")


def test_training_with_certificate_checked_by_content(world, api_client, user_client, settings, tmp_path):
    """ST-2: a training record (course, level, organiser, hours, dates) with a certificate scan: a file whose
    content is not what its name says is refused; the stored scan is served only inside the scope."""
    settings.MEDIA_ROOT = str(tmp_path)
    leader = api_client("hc_s1_leader")
    li = _li()
    base = {"course": "融合教育专题培训", "level": "city", "organiser": "厦门市教育局", "hours": "6",
            "start_date": timezone.localdate().isoformat()}
    fake = SimpleUploadedFile("cert.pdf", b"not a pdf at all", content_type="application/pdf")
    r = leader.post_multipart(f"/api/v1/staff/{li.pk}/trainings", {**base, "certificate": fake})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "certificate"
    word = SimpleUploadedFile("cert.docx", PDF, content_type="application/pdf")
    assert leader.post_multipart(f"/api/v1/staff/{li.pk}/trainings", {**base, "certificate": word}).status_code == 422
    good = SimpleUploadedFile("cert.pdf", PDF, content_type="application/pdf")
    r = leader.post_multipart(f"/api/v1/staff/{li.pk}/trainings", {**base, "certificate": good})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["level"] == "city" and body["hours"] == 6.0 and body["certificate"]["content_type"] == "application/pdf"
    url = body["certificate"]["url"]
    got = user_client("hc_s1_resource").get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert user_client("hc_s2_leader").get(url).status_code == 404
    assert user_client("gd_bureau").get(url).status_code == 404
    future = {**base, "start_date": "2999-01-01"}
    assert leader.post_multipart(f"/api/v1/staff/{li.pk}/trainings", future).status_code == 422


def test_training_levels_are_the_four_tiers(world, api_client):
    """ST-7: training is at province, city, county or school level; school-based research and invited-expert
    sessions count."""
    leader = api_client("hc_s1_leader")
    li = _li()
    day = timezone.localdate().isoformat()
    for level, kind in (("province", "course"), ("county", "school_research"), ("school", "invited_expert")):
        r = leader.post_multipart(f"/api/v1/staff/{li.pk}/trainings",
                                  {"course": f"{level}培训", "level": level, "kind": kind, "hours": "2",
                                   "start_date": day})
        assert r.status_code == 201, r.content
    assert leader.post_multipart(f"/api/v1/staff/{li.pk}/trainings",
                                 {"course": "x", "level": "national", "hours": "2", "start_date": day}
                                 ).status_code == 422


def test_staff_below_yearly_hours_and_without_training(world, user_client):
    """ST-7: per school and district, who is below the ⚙ yearly hours and who has had no training at all; the
    hours are a product default and the parameter says so."""
    param = PARAMS["training_hours_per_year"]
    with translation.override("en"):
        assert "product default" in str(param.label)
    with translation.override("zh-hans"):
        assert "产品默认值" in str(param.label)
    assert param.rule == "ST-7" and "产品默认值" in param.source
    sy = SchoolYear.current()
    rows = {s.name: s for s in selectors.training_shortfall(world.users["hc_bureau"], sy)}
    assert not rows["李梅"].below  # 24 + 3 hours in the demo
    assert rows["陈静"].below and not rows["陈静"].untrained  # 8 hours
    assert rows["王志强"].untrained
    assert "李梅" not in {s.name for s in selectors.training_shortfall(world.users["gd_bureau"], sy)}
    c = user_client("hc_s1_leader")
    html = c.get("/staff/people/?show=none").content.decode()
    assert "王志强" in html and "陈静" not in html
    html = c.get("/staff/people/?show=below").content.decode()
    assert "陈静" in html and "李梅" not in html
    found = {f.subject_name for f in checks.checks["ST-7.untrained"].compute(None)}
    assert "周晓红" not in found  # purchased staff are not teachers
    li = _li()
    Training.objects.filter(staff=li).delete()
    assert "李梅" in {f.subject_name for f in checks.checks["ST-7.untrained"].compute(None)}


def test_qualification_basis_and_finding(world, api_client):
    """ST-3: a staff record carries its qualification basis; provincial training needs the certificate; a
    resource teacher of a pool or an itinerant teacher without a basis is a finding."""
    leader = api_client("hc_s1_leader")
    school = School.objects.get(code=S1)
    r = leader.post("/api/v1/staff", {"school_id": school.pk, "name": "何小青", "qualification": "provincial_training"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "qualification_evidence"
    r = leader.post("/api/v1/staff", {"school_id": school.pk, "name": "何小青", "qualification": "provincial_training",
                                      "qualification_evidence": "闽特教培〔2025〕0456号"})
    assert r.status_code == 201 and r.json()["qualification"] == "provincial_training"
    check = checks.checks["ST-3.qualification"]
    assert not [f for f in check.compute([school.pk])]  # the demo pool's teachers are qualified
    chen = StaffMember.objects.get(school=school, name="陈静")
    services.staff_update(actor=world.users["hc_s1_leader"], staff=chen, version=chen.version, qualification="none")
    assert [f.subject_id for f in check.compute([school.pk])] == [chen.pk]
    assert check.rule == "ST-3" and check.severity == "violation"


def test_teacher_sees_own_training_only(world, api_client, user_client):
    """ST-2 (scope): a teacher sees their own staff record and training, nobody else's."""
    teacher = world.users["hc_s1_class"]
    school = School.objects.get(code=S1)
    me = services.staff_create(actor=world.users["hc_s1_leader"], name="张悦", school=school, user=teacher)
    services.training_record(actor=world.users["hc_s1_leader"], staff=me, course="班主任融合教育培训",
                             level="school", hours="4", start_date=timezone.localdate())
    c = api_client("hc_s1_class")
    listed = c.get("/api/v1/staff").json()
    assert [i["id"] for i in listed["items"]] == [me.pk]
    assert c.get(f"/api/v1/staff/{me.pk}/trainings").json()["count"] == 1
    assert c.get(f"/api/v1/staff/{_li().pk}/trainings").status_code == 403
    page = user_client("hc_s1_class").get(f"/staff/people/{me.pk}/")
    assert page.status_code == 200 and "班主任融合教育培训" in page.content.decode()
    assert user_client("hc_s1_class").get(f"/staff/people/{_li().pk}/").status_code == 403


def test_qualification_corrected_on_the_page(world, user_client):
    """ST-3: the school corrects a teacher's qualification basis on the staff page; the change is audited."""
    from suiban.core.models import AuditEvent

    wang = StaffMember.objects.get(school__code=S1, name="王志强")
    c = user_client("hc_s1_leader")
    assert c.get(f"/staff/people/{wang.pk}/edit/").status_code == 200
    r = c.post(f"/staff/people/{wang.pk}/edit/", {"name": "王志强", "kind": "teacher",
                                                  "qualification": "provincial_training", "version": wang.version})
    assert r.status_code == 200 and "qualification_evidence" in r.content.decode()  # certificate number missing
    r = c.post(f"/staff/people/{wang.pk}/edit/", {"name": "王志强", "kind": "teacher",
                                                  "qualification": "provincial_training",
                                                  "qualification_evidence": "闽特教培〔2026〕0777号",
                                                  "version": wang.version})
    assert r.status_code == 302
    wang.refresh_from_db()
    assert wang.qualification == "provincial_training"
    assert AuditEvent.objects.filter(action="staff.member.updated", object_id=str(wang.pk)).exists()
    assert user_client("hc_s2_leader").get(f"/staff/people/{wang.pk}/edit/").status_code == 404
    assert user_client("hc_bureau").get(f"/staff/people/{wang.pk}/edit/").status_code == 403
