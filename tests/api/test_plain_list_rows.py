"""API.md "Lists": a list answers each item exactly as the item's own endpoint answers it (less the fields only the
detail carries). The lists read plain rows and render them without re-validating (``suiban.core.api_tools.listed``);
these tests hold them to the details, which still go through the models and the declared schemas."""

import pytest

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _pairs(client, list_path, detail_path, detail_only):
    page = client.get(f"{API}/{list_path}?page_size=500")
    assert page.status_code == 200
    items = page.json()["items"]
    assert items, f"the demo world has {list_path} to compare"
    for item in items:
        detail = client.get(f"{API}/{detail_path.format(id=item['id'])}")
        assert detail.status_code == 200
        expected = {k: v for k, v in detail.json().items() if k not in detail_only}
        yield item, expected


def test_student_list_rows_equal_the_records_they_list(api_client):
    """PL-13, SEC-4: each roster row is the record as ``GET /students/{id}`` answers it (masks, guardians, school
    and class names), less the detail's family situation and warnings."""
    client = api_client("hc_bureau")
    for item, expected in _pairs(client, "students", "students/{id}", {"family_situation", "warnings"}):
        assert item == expected


def test_case_list_rows_equal_the_cases_they_list(api_client, world):
    """PL-9, PL-5: each case row is the case as ``GET /cases/{id}`` answers it — names, processing window, whose
    step is next and the timeline with its people — less the detail's attachments and allowed steps."""
    from suiban.students.cases import services as svc
    from suiban.students.models import Case

    case = Case.objects.visible_to(world.users["hc_bureau"]).order_by("id").first()
    svc.case_note(actor=world.users["hc_bureau"], case=case, note="已电话联系家长")  # an event with a person
    client = api_client("hc_bureau")
    seen = 0
    for item, expected in _pairs(client, "cases", "cases/{id}",
                                 {"attachments", "allowed_transitions", "can_respond"}):
        assert item == expected
        seen += 1
    assert seen == Case.objects.visible_to(world.users["hc_bureau"]).count()


@pytest.mark.parametrize(("user", "list_path", "detail_path"), [
    ("fj_province", "regions", "regions/{id}"),
    ("fj_province", "schools", "schools/{id}"),
    ("hc_s1_leader", "schools", "schools/{id}"),
])
def test_organisation_list_rows_equal_their_records(api_client, user, list_path, detail_path):
    """ORG-1, ORG-4: each region and school row of a list is the record as its own endpoint answers it."""
    for item, expected in _pairs(api_client(user), list_path, detail_path, set()):
        assert item == expected


def test_class_list_rows_name_the_year_and_the_class_teacher(api_client, world):
    """PL-2, PL-4: each class row names its school year and class teacher as the records say, with its counts."""
    from suiban.org.models import School, SchoolClass
    from suiban.org.selectors import classes_with_inclusion_count

    school = School.objects.visible_to(world.users["hc_s1_leader"]).order_by("id").first()
    classes = SchoolClass.objects.filter(school=school).select_related("school_year", "class_teacher")
    teacher = world.users["hc_s1_class"]
    named = classes.order_by("-school_year__start_year", "grade", "name").first()
    SchoolClass.objects.filter(pk=named.pk).update(class_teacher=teacher)
    items = api_client("hc_s1_leader").get(f"/api/v1/schools/{school.pk}/classes?page_size=500").json()["items"]
    assert items
    by_id = {c.pk: c for c in classes_with_inclusion_count(classes)}
    for item in items:
        c = by_id[item["id"]]
        assert item == {"id": c.pk, "version": c.version, "name": c.name, "grade": c.grade,
                        "school_year": c.school_year.name, "inclusion_count": c.inclusion_count,
                        "pupil_count": c.pupil_count, "kind": c.kind,
                        "class_teacher": c.class_teacher.display_name if c.class_teacher else None}
    assert any(item["class_teacher"] == teacher.display_name for item in items)


# Every list rendered without re-validation (``listed``/``values_page``), with a demo user who sees rows.
PLAIN_LISTS = [
    ("hc_bureau", "/students?page_size=50"), ("hc_s1_leader", "/students?page_size=3&page=2"),
    ("hc_bureau", "/cases?page_size=50"), ("hc_bureau", "/ieps?page_size=50"), ("hc_bureau", "/sessions?page_size=50"),
    ("hc_s1_class", "/sessions?page_size=50"), ("hc_bureau", "/sessions/below-minimum"),
    ("hc_bureau", "/evaluations"), ("hc_bureau", "/peer-support"), ("hc_bureau", "/aids"), ("hc_bureau", "/terms"),
    ("auditor", "/audit?page_size=50"), ("hc_bureau", "/audit?page_size=5"), ("fj_province", "/regions"),
    ("fj_province", "/schools"), ("hc_bureau", "/pools/filing"), ("hc_bureau", "/pools/filing?state=missing"),
    ("hc_bureau", "/homebound/behind-pace"),
]


def _operation(path):
    """The ninja operation answering ``GET /api/v1{path}`` and its declared 200 schema."""
    from django.urls import resolve

    match = resolve(f"{API}{path.split('?')[0]}")
    view = match.func.__closure__[0].cell_contents  # ninja's PathView (the wrapper's ``self``)
    op = next(o for o in view.operations if "GET" in o.methods)
    return op, op.response_models[200]


@pytest.mark.parametrize(("user", "path"), PLAIN_LISTS)
def test_plain_lists_answer_exactly_what_their_schema_would(api_client, user, path):
    """API.md "Lists": a list built as plain values answers byte for byte what ninja would render after validating
    it through the declared schema: no key missing or extra, every value of the declared type and format."""
    import json

    from ninja.responses import NinjaJSONEncoder

    r = api_client(user).get(f"{API}{path}")
    assert r.status_code == 200, r.content[:300]
    raw = r.json()
    assert (raw["items"] if isinstance(raw, dict) else raw), "the demo world has rows for this list"
    op, model = _operation(path)
    validated = model.model_validate({"response": raw}).model_dump(by_alias=op.by_alias)["response"]
    assert json.loads(json.dumps(validated, cls=NinjaJSONEncoder)) == raw
