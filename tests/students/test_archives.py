"""Archives: the student archive (AR-1), the school archive (AR-2), handovers (AR-3) and the files in them.

Rules: AR-1 (ten-part student archive, completeness per student), AR-2 (school archive sections by year),
AR-3 (handover with from, to, date, items), SEC-4 (attachments served only through access-checked views,
never from a public URL), SEC-5 (uploads checked by content type and size; a failed upload changes
nothing; one message per field), SEC-3 (uploads and downloads audited), ORG-4 (404 outside the scope,
403 in scope without the permission).
"""

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django.utils import timezone

from suiban.core.errors import DomainError, NotFound, PermissionDenied
from suiban.core.models import AuditEvent
from suiban.students.archives import services as archives
from suiban.students.models import ArchiveFile, Handover, SchoolArchiveFile, Student

HC_S1, HC_S2, HC_S3 = "3502050101", "3502050102", "3502050201"

# --- file contents -----------------------------------------------------------------------------------------
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + b"\xff\xd9"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60
HTML = b"<html><script>alert(1)</script></html>"


def _zip(parts: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


DOCX = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
XLSX = _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
PLAIN_ZIP = _zip({"readme.txt": "hello"})
DOCM = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>",
             "word/vbaProject.bin": "macro"})


def upload(name, content, content_type="application/octet-stream"):
    """The browser's declared type is deliberately wrong: only the content counts."""
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- fixtures ------------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Files go to a temporary MEDIA_ROOT, never into var/."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def school(world):
    return world.schools[HC_S1]


@pytest.fixture
def student(world, school):
    """A student of 海沧区沧江小学 (a demo student, or one created through the service)."""
    s = Student.objects.filter(school=school).order_by("id").first()
    if s is None:
        s = _make_student(world, school, 1)
    return s


def _make_student(world, school, n):
    from suiban.core.idnumbers import make_id_number
    from suiban.students.services import student_create

    birth = date(timezone.localdate().year - 9, 3, n % 28 + 1)
    id_number = make_id_number("350205", birth, 600 + n, "female")
    s, _w = student_create(actor=world.users["hc_s1_resource"], name=f"档案测试{n}", gender="female",
                           birth_date=birth, id_number=id_number, student_number=f"G{id_number}", school=school,
                           grade=3, disability_category="intellectual", placement="regular_class",
                           status="active")
    return s


@pytest.fixture
def resource(world):
    return world.users["hc_s1_resource"]


@pytest.fixture
def year(world):
    from suiban.org.models import SchoolYear

    return SchoolYear.current() or SchoolYear.objects.first()


def add_file(actor, student, item, content=PDF, name="report.pdf", title="测试文件"):
    return archives.archive_upload(actor=actor, student=student, item=item, title=title,
                                   uploaded_file=upload(name, content))


def audit_rows(action, obj=None):
    qs = AuditEvent.objects.filter(action=action)
    if obj is not None:
        qs = qs.filter(object_type=obj._meta.model_name, object_id=str(obj.pk))
    return qs


# --- uploads: content, size, atomicity (SEC-5) ---------------------------------------------------------------
def test_upload_stores_file_through_storage_records_type_and_size_and_audits(resource, student, media):
    """AR-1, SEC-3, SEC-5: a PDF goes into item 4, under a random name, with its type and size recorded."""
    f = add_file(resource, student, 4, name="医学检查报告.pdf")
    f.refresh_from_db()
    assert f.item == 4 and f.title == "测试文件" and f.uploaded_by == resource
    assert f.content_type == "application/pdf" and f.size == len(PDF)
    assert f.file.name.startswith(f"archives/student-{student.pk}/") and f.file.name.endswith(".pdf")
    assert "医学" not in f.file.name  # the client's file name never reaches the storage path
    assert stored_files(media) == [f.file.name]
    assert (media / f.file.name).read_bytes() == PDF
    row = audit_rows("archives.file.uploaded", f).get()
    assert row.actor == resource and row.school_id == student.school_id
    assert row.changes["item"] == [None, 4] and row.changes["size"] == [None, len(PDF)]


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("a.pdf", PDF, "application/pdf"),
    ("a.PNG", PNG, "image/png"),
    ("a.jpg", JPEG, "image/jpeg"),
    ("a.jpeg", JPEG, "image/jpeg"),
    ("a.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("a.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("a.mp4", MP4, "video/mp4"),
])
def test_upload_accepts_allowed_types_by_content(resource, student, name, content, content_type):
    """SEC-5: accepted types are recognised from their first bytes; the recorded type is the detected one."""
    f = add_file(resource, student, 9, content=content, name=name)
    assert f.content_type == content_type


def test_real_office_files_are_accepted(resource, student):
    """SEC-5: documents written by openpyxl / python-docx (what officials upload) pass the content check."""
    from docx import Document
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    assert add_file(resource, student, 7, content=buf.getvalue(), name="考试分析.xlsx").content_type.endswith("sheet")
    buf = io.BytesIO()
    Document().save(buf)
    assert add_file(resource, student, 6, content=buf.getvalue(), name="IEP.docx").content_type.endswith("document")


@pytest.mark.parametrize(("name", "content", "code"), [
    ("virus.pdf", EXE, "file_content"),          # an executable named .pdf
    ("page.jpg", HTML, "file_content"),          # HTML named .jpg (would be sniffed and run by a browser)
    ("photo.pdf", PNG, "file_mismatch"),         # a real PNG with the wrong extension
    ("report.docx", XLSX, "file_mismatch"),      # a workbook named .docx
    ("notes.docx", PLAIN_ZIP, "file_content"),   # any zip is not a Word document
    ("macro.docx", DOCM, "file_content"),        # a package carrying macros
    ("tool.exe", EXE, "file_type"),
    ("notes.txt", b"hello", "file_type"),
    ("noextension", PDF, "file_type"),
    ("empty.pdf", b"", "file_empty"),
])
def test_upload_refuses_bad_content_and_stores_nothing(resource, student, media, name, content, code):
    """SEC-5: a file whose content is not an allowed type, or does not match its name, is refused with one
    message on the field "file"; nothing is stored, no row, no audit entry."""
    rows, audits = ArchiveFile.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        add_file(resource, student, 1, content=content, name=name)
    assert [(e["field"], e["code"]) for e in exc.value.errors] == [("file", code)]
    assert exc.value.errors[0]["message"]
    assert stored_files(media) == []
    assert ArchiveFile.objects.count() == rows and AuditEvent.objects.count() == audits


def test_upload_refuses_file_over_20_mb(resource, student, media):
    """SEC-5: the default limit is 20 MB; one byte more is refused before anything is written."""
    assert archives.DEFAULT_MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    big = PDF + b"0" * (archives.DEFAULT_MAX_UPLOAD_BYTES + 1 - len(PDF))
    with pytest.raises(DomainError) as exc:
        add_file(resource, student, 1, content=big)
    assert exc.value.errors[0]["field"] == "file" and exc.value.errors[0]["code"] == "file_too_large"
    assert "20" in exc.value.errors[0]["message"]
    assert stored_files(media) == [] and not ArchiveFile.objects.filter(student=student).exists()


def test_upload_size_limit_is_configurable_and_inclusive(settings, resource, student, media):
    """SEC-5: SUIBAN_ARCHIVE_MAX_BYTES changes the limit; a file of exactly the limit is accepted."""
    settings.SUIBAN_ARCHIVE_MAX_BYTES = 1024
    exact = PDF + b"0" * (1024 - len(PDF))
    assert add_file(resource, student, 2, content=exact).size == 1024
    with pytest.raises(DomainError) as exc:
        add_file(resource, student, 2, content=exact + b"0")
    assert exc.value.errors[0]["code"] == "file_too_large"
    assert len(stored_files(media)) == 1


def test_upload_reports_every_bad_field(resource, student, media):
    """SEC-5: one message per bad field, all at once."""
    with pytest.raises(DomainError) as exc:
        archives.archive_upload(actor=resource, student=student, item=11, title="x" * 201,
                                uploaded_file=upload("a.txt", b"hello"))
    assert {e["field"] for e in exc.value.errors} == {"item", "title", "file"}
    with pytest.raises(DomainError) as exc:
        archives.archive_upload(actor=resource, student=student, item=1, title="t", uploaded_file=None)
    assert exc.value.errors == [{"field": "file", "code": "required", "message": exc.value.errors[0]["message"]}]
    assert stored_files(media) == []


def test_title_defaults_to_the_file_name(resource, student):
    """AR-1: a file uploaded without a title is listed under its file name."""
    f = archives.archive_upload(actor=resource, student=student, item="5", title="  ",
                                uploaded_file=upload("家庭情况调查.pdf", PDF))
    assert f.title == "家庭情况调查" and f.item == 5


def test_failed_database_write_deletes_the_stored_file(monkeypatch, resource, student, media):
    """SEC-5 (no partial writes): if the row or its audit entry cannot be written, the file is removed."""
    def boom(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(archives.audit, "record", boom)
    with pytest.raises(RuntimeError):
        add_file(resource, student, 1)
    assert stored_files(media) == []
    assert not ArchiveFile.objects.filter(student=student).exists()


# --- permissions at the service (ORG-4) -------------------------------------------------------------------------
def test_upload_service_checks_scope_and_permission(world, student, school, media):
    """ORG-4: outside the scope → NotFound; in scope without archives.edit (bureau officer) → PermissionDenied."""
    with pytest.raises(NotFound):
        add_file(world.users["hc_s2_leader"], student, 1)
    with pytest.raises(PermissionDenied):
        add_file(world.users["hc_bureau"], student, 1)
    with pytest.raises(NotFound):
        archives.school_archive_upload(actor=world.users["gd_s1_leader"], school=school, section="roster",
                                       school_year=None, title="t", uploaded_file=upload("a.pdf", PDF))
    assert stored_files(media) == []


# --- the pages (AR-1, ORG-4) ----------------------------------------------------------------------------------
def test_student_archive_page_lists_ten_items_with_completeness(user_client, resource, student):
    """AR-1: the page shows the ten items, the files in them and the completeness n/10."""
    add_file(resource, student, 1, title="入学登记表")
    add_file(resource, student, 1, title="入学登记表（补）")
    add_file(resource, student, 3, title="韦氏智力测验报告")
    r = user_client("hc_s1_resource").get(f"/archives/students/{student.pk}/")
    assert r.status_code == 200
    assert r.context["done"] == 2 and r.context["total"] == 10
    assert [len(i["files"]) for i in r.context["items"]] == [2, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    html = r.content.decode()
    assert 'id="sb-archive-completeness"' in html and ">2/10<" in html
    assert "韦氏智力测验报告" in html
    assert html.count(f'action="/archives/students/{student.pk}/upload/"') == 10
    assert audit_rows("archives.student.viewed", student).exists()


def test_student_archive_page_read_only_without_edit(user_client, student):
    """ORG-4: the bureau officer sees the archive but gets no upload or handover form."""
    r = user_client("hc_bureau").get(f"/archives/students/{student.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "/upload/" not in html and "sb-handover-form" not in html


@pytest.mark.parametrize("account", ["hc_s2_leader", "gd_bureau", "gd_s1_leader"])
def test_other_scope_gets_404_everywhere(user_client, resource, student, school, year, media, account):
    """ORG-4, SEC-4: another school's or district's user gets 404 (never 403) for pages, files and writes,
    and nothing is written."""
    f = add_file(resource, student, 1)
    sf = archives.school_archive_upload(actor=resource, school=school, section="roster", school_year=year,
                                        title="花名册", uploaded_file=upload("roster.xlsx", XLSX))
    before_files, before_rows = stored_files(media), (ArchiveFile.objects.count(), Handover.objects.count())
    c = user_client(account)
    for url in (f"/archives/students/{student.pk}/", f"/archives/schools/{school.pk}/",
                f"/archives/files/{f.pk}/", f"/archives/school-files/{sf.pk}/"):
        assert c.get(url).status_code == 404, url
    assert c.post(f"/archives/students/{student.pk}/upload/",
                  {"item": "1", "title": "x", "file": upload("a.pdf", PDF)}).status_code == 404
    assert c.post(f"/archives/schools/{school.pk}/upload/",
                  {"section": "roster", "school_year": year.start_year, "title": "x",
                   "file": upload("a.pdf", PDF)}).status_code == 404
    assert c.post(f"/archives/students/{student.pk}/handover/",
                  {"reason": "transfer", "to_party": "x", "handed_over_on": "2024-01-01",
                   "items": ["1"]}).status_code == 404
    assert stored_files(media) == before_files
    assert (ArchiveFile.objects.count(), Handover.objects.count()) == before_rows
    assert not audit_rows("archives.file.downloaded").exists()


def test_in_scope_without_edit_gets_403_and_nothing_changes(user_client, student, school, year, media):
    """ORG-4: the bureau officer (archives.view, no archives.edit) is refused writes with 403."""
    c = user_client("hc_bureau")
    audits = AuditEvent.objects.count()
    assert c.post(f"/archives/students/{student.pk}/upload/",
                  {"item": "1", "title": "x", "file": upload("a.pdf", PDF)}).status_code == 403
    assert c.post(f"/archives/schools/{school.pk}/upload/",
                  {"section": "roster", "school_year": year.start_year, "file": upload("a.pdf", PDF)}
                  ).status_code == 403
    assert c.post(f"/archives/students/{student.pk}/handover/",
                  {"reason": "transfer", "to_party": "x", "handed_over_on": "2024-01-01",
                   "items": ["1"]}).status_code == 403
    assert stored_files(media) == [] and not ArchiveFile.objects.filter(student=student).exists()
    assert not Handover.objects.filter(student=student).exists()
    assert AuditEvent.objects.count() == audits


def test_guardian_without_archive_permission_gets_403(user_client, world):
    """ORG-3: a guardian has no archives.view; the archive pages answer 403 without data."""
    child = world.students.get("hc_parent_child")
    c = user_client("hc_parent")
    assert c.get("/archives/").status_code == 403
    if child is not None:
        assert c.get(f"/archives/students/{child.pk}/").status_code == 403


def test_anonymous_is_sent_to_login(resource, student):
    f = add_file(resource, student, 1)
    for url in ("/archives/", f"/archives/files/{f.pk}/", f"/archives/students/{student.pk}/"):
        r = Client().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


# --- uploads through the page (SEC-5) -------------------------------------------------------------------------
def test_page_upload_saves_and_redirects(user_client, student, media):
    """AR-1: the upload form of an item stores the file and returns to the item."""
    r = user_client("hc_s1_resource").post(f"/archives/students/{student.pk}/upload/",
                                            {"item": "6", "title": "个别化教育计划", "file": upload("iep.pdf", PDF)})
    assert r.status_code == 302 and r["Location"].endswith(f"/archives/students/{student.pk}/#item-6")
    f = ArchiveFile.objects.get(student=student)
    assert (f.item, f.title, f.content_type) == (6, "个别化教育计划", "application/pdf")
    assert stored_files(media) == [f.file.name]


def test_page_upload_with_bad_type_shows_message_at_the_field(user_client, student, media):
    """SEC-5: the message is shown next to the file field of that item; nothing is written."""
    r = user_client("hc_s1_resource").post(f"/archives/students/{student.pk}/upload/",
                                            {"item": "2", "title": "x", "file": upload("evil.pdf", EXE)})
    assert r.status_code == 200
    assert r.context["upload_item"] == 2
    assert r.context["upload_form"].errors["file"]
    assert "sb-field-error" in r.content.decode()
    assert stored_files(media) == [] and not ArchiveFile.objects.filter(student=student).exists()


def test_page_upload_over_the_limit_is_dropped_while_reading(settings, user_client, student, media):
    """SEC-5: a file over the limit is not kept while the request is read; the page says it is too large."""
    settings.SUIBAN_ARCHIVE_MAX_BYTES = 4096
    big = PDF + b"0" * 70_000  # several upload chunks
    r = user_client("hc_s1_resource").post(f"/archives/students/{student.pk}/upload/",
                                            {"item": "2", "title": "x", "file": upload("big.pdf", big)})
    assert r.status_code == 200
    errors = r.context["upload_form"].errors["file"]
    assert errors
    assert stored_files(media) == [] and not ArchiveFile.objects.filter(student=student).exists()


def test_upload_still_requires_the_csrf_token(world, student, media):
    """The size-limit handler bypasses the middleware's CSRF check only to re-apply it in the view."""
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.users["hc_s1_resource"])
    r = c.post(f"/archives/students/{student.pk}/upload/", {"item": "1", "title": "x", "file": upload("a.pdf", PDF)})
    assert r.status_code == 403
    assert stored_files(media) == [] and not ArchiveFile.objects.filter(student=student).exists()


def test_upload_is_post_only(user_client, student):
    assert user_client("hc_s1_resource").get(f"/archives/students/{student.pk}/upload/").status_code == 405


# --- downloads (SEC-4) ------------------------------------------------------------------------------------------
def test_download_is_an_access_checked_audited_attachment(user_client, world, resource, student):
    """SEC-4, SEC-3: the file comes back as an attachment with the recorded type and nosniff, and each
    download is audited."""
    f = add_file(resource, student, 4, title="医学检查报告")
    for account in ("hc_s1_leader", "hc_bureau", "fj_province"):
        r = user_client(account).get(f"/archives/files/{f.pk}/")
        assert r.status_code == 200, account
        assert b"".join(r.streaming_content) == PDF
        assert r["Content-Type"] == "application/pdf"
        assert r["X-Content-Type-Options"] == "nosniff"
        assert r["Content-Disposition"].startswith("attachment;")
        assert ".pdf" in r["Content-Disposition"]
        assert "no-store" in r["Cache-Control"]
    rows = audit_rows("archives.file.downloaded", f)
    assert rows.count() == 3
    assert {r.actor_username for r in rows} == {"hc_s1_leader", "hc_bureau", "fj_province"}
    assert {r.school_id for r in rows} == {student.school_id}


def test_school_file_download(user_client, resource, school, year):
    """AR-2, SEC-4: school archive files are served the same way."""
    sf = archives.school_archive_upload(actor=resource, school=school, section="media", school_year=year,
                                        title="融合活动照片", uploaded_file=upload("photo.jpg", JPEG))
    r = user_client("hc_center").get(f"/archives/school-files/{sf.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert b"".join(r.streaming_content) == JPEG
    assert r["X-Content-Type-Options"] == "nosniff"
    assert audit_rows("archives.file.downloaded", sf).count() == 1


def test_missing_stored_file_is_404(user_client, resource, student, media):
    f = add_file(resource, student, 1)
    (media / f.file.name).unlink()
    assert user_client("hc_s1_leader").get(f"/archives/files/{f.pk}/").status_code == 404
    assert audit_rows("archives.file.downloaded", f).get().result == "failure"


def test_files_are_never_under_a_public_url(settings, user_client, resource, student):
    """SEC-4: MEDIA_URL is not routed; the stored path answers 404 even for a user who may see the file."""
    f = add_file(resource, student, 1)
    c = user_client("hc_s1_leader")
    for url in (f"/media/{f.file.name}", f"/{f.file.name}", f"/var/media/{f.file.name}",
                f"/static/{f.file.name}"):
        assert c.get(url).status_code == 404, url
    with pytest.raises(Resolver404):
        resolve(f"/media/{f.file.name}")
    if settings.MEDIA_URL:
        with pytest.raises(Resolver404):
            resolve(f"{settings.MEDIA_URL}{f.file.name}")


# --- school archive and completeness (AR-1, AR-2) ---------------------------------------------------------------
def test_school_upload_by_section_and_year(user_client, resource, school, year, media):
    """AR-2: a document is filed in a section for a school year and listed there."""
    c = user_client("hc_s1_leader")
    r = c.post(f"/archives/schools/{school.pk}/upload/",
               {"section": "inclusion_activities", "school_year": year.start_year, "title": "普特融合活动方案",
                "file": upload("plan.docx", DOCX)})
    assert r.status_code == 302 and "#section-inclusion_activities" in r["Location"]
    sf = SchoolArchiveFile.objects.get(school=school)
    assert (sf.section, sf.school_year, sf.content_type) == ("inclusion_activities", year, archives.KINDS["docx"]
                                                             .content_type)
    assert audit_rows("archives.file.uploaded", sf).exists()
    r = c.get(f"/archives/schools/{school.pk}/?year={year.start_year}")
    assert "普特融合活动方案" in r.content.decode() and r.context["sections_done"] == 1
    assert r.context["section_total"] == 18


def test_school_upload_refuses_bad_section_and_year(resource, school, media):
    """SEC-5: unknown section or school year → one message per field; nothing stored."""
    with pytest.raises(DomainError) as exc:
        archives.school_archive_upload(actor=resource, school=school, section="secret", school_year=1999,
                                       title="x", uploaded_file=upload("a.pdf", PDF))
    assert {e["field"] for e in exc.value.errors} == {"section", "school_year"}
    assert stored_files(media) == []


def test_school_page_completeness_table_in_one_query(world, resource, school, student, year,
                                                     django_assert_max_num_queries, user_client):
    """AR-1: each student's n/10 for the whole school comes from ONE aggregate query; the page is bounded."""
    others = list(Student.objects.filter(school=school).exclude(pk=student.pk).order_by("id")[:2])
    if len(others) < 2:
        others += [_make_student(world, school, 10 + i) for i in range(2 - len(others))]
    for item in range(1, 11):
        add_file(resource, student, item)
    add_file(resource, others[0], 2)
    add_file(resource, others[0], 2)  # two files of one item count once
    add_file(resource, others[0], 5, content=PNG, name="a.png")
    user = world.users["hc_s1_leader"]
    user.grants()  # the role assignments are read once per request
    with django_assert_max_num_queries(1):
        done = {s.pk: s.items_done for s in archives.students_with_completeness(user, school)}
    assert done[student.pk] == 10 and done[others[0].pk] == 2 and done[others[1].pk] == 0
    assert set(done) == set(Student.objects.filter(school=school).values_list("pk", flat=True))

    c = user_client("hc_s1_leader")
    c.get("/archives/")  # the first request of a session writes the session once
    with CaptureQueriesContext(connection) as first:
        r = c.get(f"/archives/schools/{school.pk}/?year={year.start_year}")
    assert r.status_code == 200
    assert r.context["complete"] == 1 and r.context["item_total"] == 10
    html = r.content.decode()
    assert ">10/10<" in html and ">2/10<" in html
    _make_student(world, school, 20)  # one more student must not cost one more query
    with CaptureQueriesContext(connection) as second:
        c.get(f"/archives/schools/{school.pk}/?year={year.start_year}")
    assert len(second) == len(first) <= 25


def test_class_teacher_sees_only_their_class_in_the_school_table(world, user_client, school):
    """ORG-4: one visibility rule — the class teacher's table lists their class only."""
    r = user_client("hc_s1_class").get(f"/archives/schools/{school.pk}/")
    assert r.status_code == 200
    teacher_class = world.users["hc_s1_class"].grants()[0].class_id
    assert all(s.school_class_id == teacher_class for s in r.context["students"])


def test_school_list_counts_students_and_complete_archives(world, resource, school, student,
                                                          django_assert_max_num_queries, user_client, year):
    """AR-1, AR-2: /archives/ lists the schools in scope with student counts, complete archives and the
    average parts present, in a bounded number of queries."""
    for item in range(1, 11):
        add_file(resource, student, item)
    archives.school_archive_upload(actor=resource, school=school, section="roster", school_year=year,
                                   title="花名册", uploaded_file=upload("r.xlsx", XLSX))
    n = Student.objects.filter(school=school).count()
    c = user_client("hc_bureau")
    with django_assert_max_num_queries(20):
        r = c.get("/archives/")
    assert r.status_code == 200
    rows = {row["school"].code: row for row in r.context["rows"]}
    assert set(rows) == {code for code in world.schools if code.startswith("350205")}
    row = rows[HC_S1]
    assert row["students"] == n and row["complete"] == 1 and row["sections"] == 1
    assert row["avg_done"] == pytest.approx(10 / n)
    assert rows[HC_S2]["complete"] == 0
    # a school leader sees their own school only
    r = user_client("hc_s1_leader").get("/archives/")
    assert [row["school"].code for row in r.context["rows"]] == [HC_S1]
    assert 'data-menu="archives"' in r.content.decode()


def test_school_list_one_aggregate_query(world, resource, student, school):
    """AR-1: the per-school figures are one query whatever the number of students."""
    user = world.users["fj_province"]
    user.grants()
    with CaptureQueriesContext(connection) as ctx:
        stats = archives.schools_with_completeness(user, [s.pk for s in world.schools.values()])
    assert len(ctx) == 1
    assert stats[school.pk]["students"] == Student.objects.filter(school=school).count()


# --- handover (AR-3) -------------------------------------------------------------------------------------------
def test_handover_recorded_with_from_to_date_items(world, resource, student):
    """AR-3: a handover records from, to, date and items (by number or by name), and is audited."""
    to = world.schools[HC_S3]
    h = archives.handover_record(actor=resource, student=student, reason="promotion", to_school=to,
                                 handed_over_on=timezone.localdate(),
                                 items=[1, "3", "Medical reports", 3], note="毕业升学移交")
    h.refresh_from_db()
    assert h.from_school_id == student.school_id and h.to_school == to and h.to_party == to.name
    assert h.items == [1, 3, 4] and h.recorded_by == resource and h.reason == "promotion"
    row = AuditEvent.objects.get(action="archives.handover.recorded", object_id=str(student.pk))
    assert row.changes["items"] == [None, [1, 3, 4]] and row.school_id == student.school_id


def test_handover_refuses_bad_input_with_field_messages(world, resource, student):
    """AR-3, SEC-5: no receiver, future date, no items, unknown item, handing over to oneself → per field."""
    before = Handover.objects.count()
    with pytest.raises(DomainError) as exc:
        archives.handover_record(actor=resource, student=student, reason="leaving", to_school=None, to_party="",
                                 handed_over_on=timezone.localdate() + timedelta(days=1), items=[])
    assert {e["field"] for e in exc.value.errors} == {"reason", "to_party", "handed_over_on", "items"}
    with pytest.raises(DomainError) as exc:
        archives.handover_record(actor=resource, student=student, reason="transfer", to_school=student.school,
                                 handed_over_on=timezone.localdate(), items=[11])
    assert {e["field"] for e in exc.value.errors} == {"to_school", "items"}
    with pytest.raises(PermissionDenied):
        archives.handover_record(actor=world.users["hc_bureau"], student=student, reason="transfer",
                                 to_party="x", handed_over_on=timezone.localdate(), items=[1])
    assert Handover.objects.count() == before


def test_handover_through_the_page_is_listed(user_client, resource, student):
    """AR-3: the form on the student archive page records the handover, which is then listed."""
    add_file(resource, student, 1)
    c = user_client("hc_s1_leader")
    r = c.get(f"/archives/students/{student.pk}/")
    assert r.context["handover_form"].initial["items"] == [1]
    r = c.post(f"/archives/students/{student.pk}/handover/",
               {"reason": "transfer", "to_party": "厦门市思明区实验小学", "handed_over_on": "2024-06-30",
                "items": ["1", "2"], "note": "转学"})
    assert r.status_code == 302 and r["Location"].endswith("#handovers")
    h = Handover.objects.get(student=student)
    assert (h.to_school, h.to_party, h.items, h.handed_over_on) == (None, "厦门市思明区实验小学", [1, 2],
                                                                     date(2024, 6, 30))
    html = c.get(f"/archives/students/{student.pk}/").content.decode()
    assert "厦门市思明区实验小学" in html and "2024-06-30" in html


def test_handover_page_shows_errors_and_writes_nothing(user_client, student):
    """SEC-5: an incomplete handover form comes back with the messages next to the fields."""
    r = user_client("hc_s1_leader").post(f"/archives/students/{student.pk}/handover/",
                                         {"reason": "transfer", "handed_over_on": "2024-06-30"})
    assert r.status_code == 200
    form = r.context["handover_form"]
    assert form.errors["to_party"] and form.errors["items"]
    assert not Handover.objects.filter(student=student).exists()
