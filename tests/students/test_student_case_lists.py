"""The student and case lists (PL-13, PL-9): names in pinyin order on SQLite too (a stored sort key), sortable
columns on the page and the API (whitelisted: an unknown order keeps the default), the order kept by the filter
form and the pagination, and the phone's card layout on the same markup."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from suiban.core.text import pinyin_key
from suiban.students import services
from suiban.students.models import Student


def _names(html: str) -> list[str]:
    body = html[html.index('id="sb-roster"'):]
    return re.findall(r'<td data-label="[^"]*"><a href="/students/\d+/">([^<]+)</a>|<td><a href="/students/\d+/">'
                      r'([^<]+)</a>', body)


def _roster_names(html):
    return [a or b for a, b in _names(html)]


def test_pinyin_key_orders_names_by_pinyin_then_tone():
    """PL-13: 阿 < 李 (li3) < 林 (lin2) < 王 < 张, and a name's characters in turn."""
    names = ["张三", "林一", "李娜", "王小明", "李安", "阿明"]
    assert sorted(names, key=pinyin_key) == ["阿明", "李安", "李娜", "林一", "王小明", "张三"]
    assert pinyin_key("李娜") == "li3 na4"


@pytest.mark.django_db
def test_service_writes_the_pinyin_key_on_create_and_update(world):
    """PL-13: the service fills the sort key on every write (no stale key after a rename)."""
    s = Student.objects.filter(school__code="3502050101").first()
    assert s.name_pinyin == pinyin_key(s.name)
    actor = world.users["hc_s1_leader"]
    services.student_update(actor=actor, student=s, version=s.version, name="欧阳晓")
    s.refresh_from_db()
    assert s.name == "欧阳晓" and s.name_pinyin == "ou1 yang2 xiao3"


@pytest.mark.django_db
def test_roster_page_lists_names_in_pinyin_order(user_client):
    """PL-13: the roster sorts Chinese names in pinyin order on every database, through the stored key."""
    html = user_client("hc_s1_leader").get("/students/?status=active").content.decode()
    names = _roster_names(html)
    assert len(names) >= 3
    assert names == sorted(names, key=pinyin_key)


@pytest.mark.django_db
def test_roster_sorts_by_a_column_both_ways_and_marks_the_header(user_client):
    """Sortable headers: ?sort=grade ascending, -grade descending, aria-sort on the sorted column, the link of
    the sorted column toggles, the filter form keeps the order."""
    c = user_client("hc_s1_leader")
    up = c.get("/students/?sort=grade").content.decode()
    down = c.get("/students/?sort=-grade").content.decode()
    assert 'aria-sort="ascending"' in up and 'aria-sort="descending"' in down
    assert "sort=-grade" in up and 'name="sort" value="-grade"' in down
    ids_up = re.findall(r'href="/students/(\d+)/"', up[up.index('id="sb-roster"'):])
    ids_down = re.findall(r'href="/students/(\d+)/"', down[down.index('id="sb-roster"'):])
    assert ids_up and ids_up == list(reversed(ids_down))


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["id_number", "-", "name;drop", "--name", "family_situation", "name-"])
def test_unknown_sort_keeps_the_default_order(user_client, bad):
    """A sort key outside the list's whitelist is ignored (the default order, never an error or a leak)."""
    c = user_client("hc_s1_leader")
    default = c.get("/students/")
    other = c.get("/students/", {"sort": bad})
    assert other.status_code == 200
    pick = re.compile(r'href="/students/(\d+)/"')
    assert pick.findall(other.content.decode()) == pick.findall(default.content.decode())


@pytest.mark.django_db
def test_api_students_sort_parameter(api_client):
    """API: ?sort=grade / -grade orders the roster; an unknown sort is the default (pinyin name) order."""
    c = api_client("hc_bureau")
    up = c.get("/api/v1/students?sort=grade&page_size=500").json()["items"]
    down = c.get("/api/v1/students?sort=-grade&page_size=500").json()["items"]
    assert [s["grade"] for s in up] == sorted(s["grade"] for s in up)
    assert [s["grade"] for s in down] == sorted((s["grade"] for s in down), reverse=True)
    default = c.get("/api/v1/students?page_size=500").json()["items"]
    bad = c.get("/api/v1/students?sort=id_number&page_size=500").json()["items"]
    assert [s["id"] for s in bad] == [s["id"] for s in default]
    assert [pinyin_key(s["name"]) for s in default] == sorted(pinyin_key(s["name"]) for s in default)


@pytest.mark.django_db
def test_roster_page_queries_stay_bounded_when_sorted(user_client):
    """A sorted page costs the same few queries as the default order (no query per row)."""
    c = user_client("hc_bureau")
    c.get("/students/")
    with CaptureQueriesContext(connection) as default:
        c.get("/students/")
    with CaptureQueriesContext(connection) as sorted_:
        c.get("/students/?sort=-school")
    assert len(sorted_) <= len(default) + 1 and len(sorted_) <= 20


@pytest.mark.django_db
def test_lists_use_the_phone_card_layout(user_client):
    """On a phone the list is a card per row: the table carries .sb-cards (CSS, one rule for all lists)."""
    html = user_client("hc_s1_leader").get("/students/").content.decode()
    assert re.search(r'<table class="[^"]*\bsb-cards\b[^"]*" id="sb-roster"', html)


@pytest.mark.django_db
def test_case_list_sorts_and_keeps_filters(user_client):
    """PL-9 list: sortable by submission date both ways; the filter form keeps the order; unknown → default."""
    c = user_client("hc_bureau")
    up = c.get("/cases/?sort=created_at").content.decode()
    down = c.get("/cases/?sort=-created_at").content.decode()
    pick = re.compile(r'<td[^>]*><a href="/cases/(\d+)/">\d+</a>')
    assert pick.findall(up) and pick.findall(up) == list(reversed(pick.findall(down)))
    assert 'name="sort" value="created_at"' in up and 'aria-sort="descending"' in down
    assert pick.findall(c.get("/cases/?sort=reason").content.decode()) == pick.findall(
        c.get("/cases/").content.decode())


@pytest.mark.django_db
def test_api_cases_sort_parameter(api_client):
    """API: /cases?sort=created_at is oldest first, -created_at newest first (the default)."""
    c = api_client("hc_bureau")
    up = [x["id"] for x in c.get("/api/v1/cases?sort=created_at&page_size=500").json()["items"]]
    down = [x["id"] for x in c.get("/api/v1/cases?page_size=500").json()["items"]]
    assert up and up == list(reversed(down))


@pytest.mark.django_db
def test_overdue_cases_are_marked_in_words_and_filterable(user_client, world, monkeypatch):
    """PL-5/PL-9: a case still before its decision after its processing window ended is marked 逾期 (a word and an
    icon, not colour alone) and "只看逾期" lists only those."""
    from datetime import timedelta

    from suiban.students.cases import lists as case_lists
    from suiban.students.cases import services as svc
    from suiban.students.models import Case

    open_case = (Case.objects.visible_to(world.users["hc_bureau"])
                 .filter(state__in=case_lists.BEFORE_DECISION, kind__in=svc.TIMED_KINDS, at_enrolment=False)
                 .select_related("student__school").order_by("-created_at").first())
    assert open_case is not None, "the demo world holds an open identification-type case"
    due = case_lists.due_date(open_case)
    monkeypatch.setattr(svc, "today", lambda: due + timedelta(days=1))
    c = user_client("hc_bureau")
    html = c.get("/cases/").content.decode()
    assert 'class="sb-overdue"' in html
    assert "逾期" in html
    only = c.get("/cases/?overdue=1").content.decode()
    ids = set(re.findall(r'<td[^>]*><a href="/cases/(\d+)/">\d+</a>', only))
    assert str(open_case.pk) in ids
    assert all(case_lists.is_overdue(Case.objects.select_related("student__school").get(pk=int(i))) for i in ids)
    assert 'id="sb-f-overdue" checked' in only
    monkeypatch.setattr(svc, "today", lambda: due - timedelta(days=1))
    assert str(open_case.pk) not in re.findall(r'<td[^>]*><a href="/cases/(\d+)/">\d+</a>',
                                               c.get("/cases/?overdue=1").content.decode())


@pytest.mark.django_db
def test_case_export_is_what_is_on_screen_a4_landscape_and_audited(user_client):
    """OV-3/SEC-3/SEC-5: the case list's export holds the filtered rows in the page's order, prints A4 landscape
    fitted to the width with the header row repeated, and is audited."""
    import io

    from openpyxl import load_workbook

    from suiban.core.models import AuditEvent

    c = user_client("hc_bureau")
    page_ids = re.findall(r'<td[^>]*><a href="/cases/(\d+)/">\d+</a>', c.get("/cases/?sort=kind").content.decode())
    resp = c.get("/cases/export.xlsx?sort=kind")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$2:$2"
    ids = [str(r[0]) for r in ws.iter_rows(min_row=3, values_only=True)]
    assert ids[:len(page_ids)] == page_ids
    assert AuditEvent.objects.filter(action="cases.list.exported").exists()


def test_pinyin_key_reads_a_family_name_as_a_family_name():
    """PL-13: 曾 in a name is zeng (between 查 zha and 张 zhang, not after 蔡 as ceng), 单 is shan."""
    assert pinyin_key("曾航").startswith("zeng1 ")
    assert sorted(["曾航", "蔡明", "张三", "陈一"], key=pinyin_key) == ["蔡明", "陈一", "曾航", "张三"]
    assert pinyin_key("单田芳").startswith("shan4 ")
