"""Global search (ARCHITECTURE "Pages"; API.md ``GET /api/v1/search?q=``): students by name or national student
number, schools and cases, each inside the caller's scope (ORG-4) and bounded; a guardian finds only the child."""

from suiban.org.models import School
from suiban.search import PER_TYPE
from suiban.students.models import Case, Student

HC_S1, GD_S1 = "3502050101", "4401060101"


def found(api, q):
    r = api.get(f"/api/v1/search?q={q}")
    assert r.status_code == 200
    return r.json()


def test_search_api_shape(api_client, world):
    body = found(api_client("hc_bureau"), "小学")
    assert body["count"] == len(body["items"]) > 0
    for item in body["items"]:
        assert set(item) == {"type", "id", "title", "url"}
        assert item["type"] in ("student", "school", "case")
    assert api_client().get("/api/v1/search?q=x").status_code == 401
    assert found(api_client("hc_bureau"), "")["count"] == 0


def test_student_by_name_and_full_number_inside_the_scope(api_client, world):
    """ORG-4: the district finds its students by name and by the full student number; another district's
    student never appears, neither by name nor by number."""
    own = Student.objects.filter(school__code=HC_S1).order_by("id").first()
    other = Student.objects.filter(school__code=GD_S1).order_by("id").first()
    hc = api_client("hc_bureau")
    assert ("student", own.pk) in {(i["type"], i["id"]) for i in found(hc, own.name)["items"]}
    assert ("student", own.pk) in {(i["type"], i["id"]) for i in found(hc, own.student_number)["items"]}
    # the number matches whole (it may be stored as a keyed hash): a part of it finds nothing
    assert own.pk not in {i["id"] for i in found(hc, own.student_number[:-3])["items"] if i["type"] == "student"}
    for q in (other.name, other.student_number):
        items = found(hc, q)["items"]
        assert other.pk not in {i["id"] for i in items if i["type"] == "student"}
        assert all(Case.objects.get(pk=i["id"]).student_id != other.pk for i in items if i["type"] == "case")


def test_schools_and_cases_inside_the_scope(api_client, world):
    hc = api_client("hc_bureau")
    gd_school = School.objects.get(code=GD_S1)
    hc_school = School.objects.get(code=HC_S1)
    assert hc_school.pk in {i["id"] for i in found(hc, hc_school.name)["items"] if i["type"] == "school"}
    assert gd_school.pk not in {i["id"] for i in found(hc, gd_school.name)["items"] if i["type"] == "school"}
    case = Case.objects.filter(school=hc_school).select_related("student").first()
    items = found(hc, case.student.name)["items"]
    assert case.pk in {i["id"] for i in items if i["type"] == "case"}
    assert all(i["url"].startswith("/cases/") for i in items if i["type"] == "case")


def test_class_teacher_finds_only_the_own_class(api_client, world):
    """ORG-4: a class teacher searching the whole school's students finds only their own class."""
    child = world.students["hc_parent_child"]
    other = Student.objects.filter(school=child.school).exclude(school_class=child.school_class).first()
    ids = {i["id"] for i in found(api_client("hc_s1_class"), other.name)["items"] if i["type"] == "student"}
    assert other.pk not in ids


def test_results_are_bounded_per_type(api_client, world):
    """At most PER_TYPE of each type (a one-character query over a province)."""
    items = found(api_client("fj_province"), "李")["items"]
    for t in ("student", "school", "case"):
        assert len([i for i in items if i["type"] == t]) <= PER_TYPE


def test_guardian_finds_only_the_child(api_client, world, user_client):
    child = world.students["hc_parent_child"]
    classmate = Student.objects.filter(school_class=child.school_class).exclude(pk=child.pk).first()
    parent = api_client("hc_parent")
    assert {(i["type"], i["id"]) for i in found(parent, child.name)["items"]} == {("student", child.pk)}
    assert found(parent, classmate.name)["count"] == 0 or classmate.name in child.name
    assert found(parent, child.school.name)["count"] == 0  # no schools, no cases


def test_search_page(user_client, world):
    own = Student.objects.filter(school__code=HC_S1).order_by("id").first()
    r = user_client("hc_bureau").get("/search/", {"q": own.name})
    assert r.status_code == 200
    html = r.content.decode()
    assert f'href="/students/{own.pk}/"' in html
    r = user_client("hc_bureau").get("/search/", {"q": "不存在的名字"})
    assert 'id="sb-search-empty"' in r.content.decode()
    # the top bar carries the search box
    assert 'action="/search/"' in user_client("hc_bureau").get("/").content.decode()


def test_a_search_is_audited(api_client, world):
    """SEC-3: a search listing students is a view of personal data, logged with the query."""
    from suiban.core.models import AuditEvent

    found(api_client("hc_bureau"), "陈")
    e = AuditEvent.objects.filter(action="search.results.viewed", actor=world.users["hc_bureau"]).first()
    assert e is not None and e.changes["q"] == "陈" and e.changes["count"] >= 1
