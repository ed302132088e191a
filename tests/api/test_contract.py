"""The API contract of API.md, checked line by line through real HTTP calls (Django test client).

Every test names the API.md section (``API.md Conventions``, ``API.md Endpoints``, ``API.md Field names``) or the
REQUIREMENTS rule id (ORG-4, PL-4, SEC-6, …) it checks. The tests assert what the contract promises, not what the
code happens to do: a failing test here is a contract violation to fix in the application.
"""

import io
import json
import re
import secrets
from datetime import date, datetime
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from suiban import policy
from suiban.core.crypto import lookup_hash, mask_id, mask_student_number
from suiban.core.idnumbers import make_id_number
from suiban.students.models import Case, Student

pytestmark = pytest.mark.django_db

API = "/api/v1"
HC, GD = "350205", "440106"
HC_S1, HC_S2, GD_S1 = "3502050101", "3502050102", "4401060101"
FULL_CLASS = "三年级（1）班"  # API.md: the first 海沧区 school has a class at the hard maximum of 3
EMPTY_G3_CLASS = "三年级（2）班"
EMPTY_G1_CLASS = "一年级（2）班"
TEST_REGION = "350211"  # 集美区: no demo identity number comes from there, so test numbers never collide
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PROBLEM_KEYS = {"status", "code", "title", "detail", "errors"}
ERROR_ITEM_KEYS = {"field", "code", "message"}
CONTRACT_CODES = ["invalid_credentials", "account_locked", "not_found", "validation_error", "class_full",
                  "invalid_transition", "version_conflict", "permission_denied"]

STUDENT_FIELDS = {"id", "version", "name", "gender", "birth_date", "id_number", "student_number",
                  "hukou_region_code", "school_id", "class_id", "grade", "disability_category", "disability_grade",
                  "certificate_number", "certified_by", "placement", "status", "guardians"}
GENDERS = {"male", "female"}
CATEGORIES = {"visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"}
CERTIFIERS = {"dpf", "hospital", "committee"}
PLACEMENTS = {"regular_class", "special_class", "special_school", "homebound", "remote", "awaiting"}
STATUSES = {"active", "deferred", "transferred", "graduated", "completed", "attended", "left"}
CASE_FIELDS = {"id", "kind", "student_id", "state", "decision", "effective_date", "events"}
CASE_KINDS = {"identification", "revocation", "reassessment", "transfer", "deferral", "dispute"}
CASE_STATES = {"submitted", "under_review", "committee_opinion", "decided", "effective", "rejected", "withdrawn"}
EVENT_FIELDS = {"at", "actor", "from", "to", "note"}
AUDIT_FIELDS = {"id", "at", "actor", "action", "object_type", "object_id", "result", "client_address", "changes"}
SCHOOL_KINDS = {"primary", "junior", "nine_year", "special"}  # ORG-1
SCOPE_TYPES = {"region", "school", "class", "student"}
DEMO_USERS = ["admin", "secadmin", "auditor", "fj_province", "hc_bureau", "hc_center", "hc_expert", "hc_s1_leader",
              "hc_s1_resource", "hc_s1_class", "hc_s2_leader", "hc_parent", "gd_bureau", "gd_s1_leader"]
MASKED_ID = re.compile(r"^\d{6}\*{12}$")  # the region prefix only (SEC-4: nothing the record shows completes it)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- helpers ----------------------------------------------------------------------------------------------------
def body(resp):
    return json.loads(resp.content)


def ok(resp, status=200):
    assert resp.status_code == status, (resp.status_code, resp.content[:800])
    return body(resp)


def qs(url: str, params: dict) -> str:
    return f"{url}?{urlencode(params)}"


def media_type(resp) -> str:
    return resp["Content-Type"].split(";")[0].strip()


def assert_problem(resp, status: int, code: str) -> dict:
    """API.md Conventions: errors are application/problem+json {"status", "code", "title", "detail", "errors"}."""
    assert resp.status_code == status, (resp.status_code, resp.content[:800])
    assert media_type(resp) == "application/problem+json", resp["Content-Type"]
    p = body(resp)
    assert set(p) == PROBLEM_KEYS, sorted(p)
    assert p["status"] == status
    assert p["code"] == code, p
    assert isinstance(p["title"], str) and p["title"]
    assert isinstance(p["detail"], str) and p["detail"]
    assert isinstance(p["errors"], list)
    for e in p["errors"]:
        assert isinstance(e, dict)
        assert isinstance(e.get("message"), str) and e["message"], e
    return p


def assert_error_items(p: dict):
    for e in p["errors"]:
        assert ERROR_ITEM_KEYS <= set(e), e


def error_fields(p: dict) -> set:
    return {e["field"] for e in p["errors"]}


def items_of(payload):
    """The items of a list response (tolerates a bare array so that field checks report separately from the
    envelope check of ``test_school_classes_list_is_a_paged_list``)."""
    return payload["items"] if isinstance(payload, dict) else payload


def school(world, code):
    return world.schools[code]


def klass(world, name, code=HC_S1):
    return world.classes[(code, name)]


def inclusion_count(school_class) -> int:
    """Active pupils placed 随班就读 in an ordinary class (PL-4); a special class has none (PL-2)."""
    return Student.objects.filter(school_class=school_class, school_class__kind="ordinary",
                                  placement="regular_class", status="active").count()


def new_student_payload(world, seq: int, *, grade=3, class_name=EMPTY_G3_CLASS, birth=date(2018, 3, 4),
                        gender="female", **over) -> dict:
    id_number = make_id_number(TEST_REGION, birth, seq, gender)
    data = {
        "name": f"契约测试{seq}", "gender": gender, "birth_date": birth.isoformat(), "id_number": id_number,
        "student_number": "G" + id_number, "hukou_region_code": HC, "school_id": school(world, HC_S1).pk,
        "class_id": klass(world, class_name).pk if class_name else None, "grade": grade,
        "disability_category": "intellectual", "disability_grade": 3, "certificate_number": f"{id_number}53",
        "certified_by": "dpf", "placement": "regular_class", "status": "active",
        "guardians": [{"name": f"家长{seq}", "relation": "母亲", "phone": "138-0000-0000"}],
    }
    data.update(over)
    return data


def s1_student(world, **filters) -> Student:
    qs = Student.objects.filter(school=school(world, HC_S1), status="active", **filters).exclude(id_number="")
    return qs.order_by("pk").first()


def session_client(world, username: str, language=None) -> Client:
    """A browser-like client: session cookie, CSRF enforced."""
    c = Client(enforce_csrf_checks=True, **({"HTTP_ACCEPT_LANGUAGE": language} if language else {}))
    c.force_login(world.users[username])
    return c


def open_case_free_student(world) -> Student:
    """An active student of the first 海沧区 school in a regular class with no open case at all."""
    busy = Case.objects.filter(state__in=Case.OPEN_STATES).values("student_id")
    return (Student.objects.filter(school=school(world, HC_S1), status="active", placement="regular_class",
                                   school_class__isnull=False).exclude(pk__in=busy)
            .exclude(school_class__name=FULL_CLASS).order_by("pk").first())


def submit_case(api_client, world, username="hc_s1_leader", kind="revocation") -> dict:
    st = open_case_free_student(world)
    assert st is not None
    r = api_client(username).post(f"{API}/cases", {"kind": kind, "student_id": st.pk, "applicant": "契约测试家长",
                                                    "reason": "契约测试：家长申请。"})
    assert r.status_code in (200, 201), (r.status_code, r.content[:800])
    return body(r)


def lock_out(username: str):
    attempts = policy.value(None, "lockout_attempts")
    for _i in range(attempts):
        Client().post(f"{API}/auth/token", {"username": username, "password": "wrong-password"},
                      content_type="application/json")


# --- scenarios producing each problem code (shared by the code catalogue and the Accept-Language tests) --------
def sc_invalid_credentials(api_client, world, lang):
    return api_client(language=lang).post(f"{API}/auth/token", {"username": "hc_bureau", "password": "nope-nope"})


def sc_account_locked(api_client, world, lang):
    lock_out("hc_s2_leader")
    return api_client(language=lang).post(f"{API}/auth/token",
                                          {"username": "hc_s2_leader", "password": "demo-pass-2026"})


def sc_not_found(api_client, world, lang):
    return api_client("hc_bureau", lang).get(f"{API}/students/99999999")


def sc_validation_page_size(api_client, world, lang):
    return api_client("hc_bureau", lang).get(f"{API}/students?page_size=501")


def sc_validation_body(api_client, world, lang):
    return api_client("hc_bureau", lang).post(f"{API}/students", {"name": "x", "gender": "unknown"})


def sc_validation_policy(api_client, world, lang):
    return api_client("hc_bureau", lang).get(f"{API}/policy/effective")


def sc_class_full(api_client, world, lang):
    return api_client("hc_s1_leader", lang).post(f"{API}/students",
                                                 new_student_payload(world, 901, class_name=FULL_CLASS))


def sc_invalid_transition(api_client, world, lang):
    case = submit_case(api_client, world)  # submitted → effective is never a step (PL-9)
    return api_client("hc_bureau", lang).post(f"{API}/cases/{case['id']}/transitions", {"to": "effective",
                                                                                        "note": "x"})


def sc_version_conflict(api_client, world, lang):
    st = s1_student(world)
    return api_client("hc_bureau", lang).patch(f"{API}/students/{st.pk}",
                                               {"version": st.version - 1, "hukou_region_code": HC})


def sc_permission_denied(api_client, world, lang):
    # SEC-2: the audit administrator has the audit log only, no student data
    return api_client("auditor", lang).get(f"{API}/students")


def sc_csrf_refused(api_client, world, lang):
    st = s1_student(world)
    return session_client(world, "hc_s1_leader", lang).patch(
        f"{API}/students/{st.pk}", {"version": st.version, "hukou_region_code": HC}, content_type="application/json")


def sc_not_authenticated(api_client, world, lang):
    return api_client(language=lang).get(f"{API}/me")


SCENARIOS = {
    "invalid_credentials": (sc_invalid_credentials, 401, "invalid_credentials"),
    "account_locked": (sc_account_locked, 423, "account_locked"),
    "not_found": (sc_not_found, 404, "not_found"),
    "validation_error": (sc_validation_body, 422, "validation_error"),
    "validation_error:page_size": (sc_validation_page_size, 422, "validation_error"),
    "validation_error:policy": (sc_validation_policy, 422, "validation_error"),
    "class_full": (sc_class_full, 422, "class_full"),
    "invalid_transition": (sc_invalid_transition, 422, "invalid_transition"),
    "version_conflict": (sc_version_conflict, 409, "version_conflict"),
    "permission_denied": (sc_permission_denied, 403, "permission_denied"),
    "permission_denied:csrf": (sc_csrf_refused, 403, "permission_denied"),
    "not_authenticated": (sc_not_authenticated, 401, "not_authenticated"),
}
# Chinese words that come from the data (class names) and may appear in an English message.
DATA_WORDS = [FULL_CLASS, EMPTY_G3_CLASS, EMPTY_G1_CLASS]


# === Conventions: OpenAPI and docs ==============================================================================
def test_openapi_json_is_served_and_lists_the_contract_endpoints(api_client):
    """API.md Conventions: OpenAPI 3 at /api/v1/openapi.json; API.md Endpoints every release keeps."""
    for client in (api_client(), api_client("hc_bureau")):  # the app serves it without login too
        r = client.get(f"{API}/openapi.json")
        spec = ok(r)
        assert media_type(r) == "application/json"
        assert str(spec["openapi"]).startswith("3.")
    paths = spec["paths"]
    expected = {
        "/api/v1/auth/token": {"post"}, "/api/v1/me": {"get"}, "/api/v1/regions": {"get"},
        "/api/v1/schools": {"get"}, "/api/v1/schools/{school_id}": {"get"},
        "/api/v1/schools/{school_id}/classes": {"get"}, "/api/v1/policy/effective": {"get"},
        "/api/v1/students": {"get", "post"}, "/api/v1/students/{student_id}": {"get", "patch"},
        "/api/v1/students/import": {"post"}, "/api/v1/students/import-template.xlsx": {"get"},
        "/api/v1/students/export.xlsx": {"get"}, "/api/v1/cases": {"get", "post"},
        "/api/v1/cases/{case_id}": {"get"}, "/api/v1/cases/{case_id}/transitions": {"post"},
        "/api/v1/audit": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, sorted(paths[path]))


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _response_schema(spec: dict, path: str, method: str = "get") -> dict:
    responses = spec["paths"][path][method]["responses"]
    ok_status = next(s for s in ("200", "201") if s in responses)
    return _resolve(spec, responses[ok_status]["content"]["application/json"]["schema"])


@pytest.mark.parametrize("path,fields,nested", [
    ("/api/v1/cases/{case_id}", CASE_FIELDS, ("events", EVENT_FIELDS)),
    ("/api/v1/students/{student_id}", STUDENT_FIELDS, ("guardians", {"name", "relation", "phone"})),
    ("/api/v1/me", {"username", "name", "roles"}, ("roles", {"role", "scope"})),
])
def test_openapi_documents_the_contract_fields(api_client, path, fields, nested):
    """API.md Conventions: the OpenAPI 3 document describes the contract objects — its response schemas name the
    contract's fields (and no other module's schema of the same name replaces them)."""
    spec = ok(api_client().get(f"{API}/openapi.json"))
    obj = _response_schema(spec, path)
    assert fields <= set(obj["properties"]), sorted(fields - set(obj["properties"]))
    key, item_fields = nested
    item = _resolve(spec, obj["properties"][key]["items"])
    assert item_fields <= set(item["properties"]), (key, sorted(item["properties"]))
    assert set(item.get("required", [])) <= item_fields | set(item["properties"]), item
    # what the schema requires is what the API sends
    if path == "/api/v1/cases/{case_id}":
        case = ok(api_client("hc_bureau").get(f"{API}/cases?page_size=1"))["items"][0]
        sent = set(case["events"][0])
        assert set(item.get("required", [])) <= sent, (item.get("required"), sorted(sent))


@pytest.mark.parametrize("who", [None, "hc_bureau"])
def test_interactive_docs_are_served(api_client, world, who):
    """API.md Conventions: interactive docs at /api/v1/docs (the app answers 200 to anonymous and logged-in
    users alike; a browser session is checked too)."""
    r = api_client(who).get(f"{API}/docs")
    assert r.status_code == 200
    assert media_type(r) == "text/html"
    s = Client()
    s.force_login(world.users["hc_bureau"])
    assert s.get(f"{API}/docs").status_code == 200


# === Conventions: auth ==========================================================================================
def test_token_is_issued_for_good_credentials(api_client):
    """API.md Conventions / Endpoints: POST /api/v1/auth/token {"username","password"} → 200 {"token","expires_at"};
    then Authorization: Bearer <token> works; expires_at is ISO 8601 and in the future."""
    r = api_client().post(f"{API}/auth/token", {"username": "hc_bureau", "password": "demo-pass-2026"})
    data = ok(r)
    assert media_type(r) == "application/json"
    assert {"token", "expires_at"} <= set(data)
    assert isinstance(data["token"], str) and len(data["token"]) >= 20
    expires = datetime.fromisoformat(data["expires_at"])
    assert expires.tzinfo is not None
    assert expires > datetime.now(expires.tzinfo)
    me = Client().get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    assert ok(me)["username"] == "hc_bureau"


@pytest.mark.parametrize("username,password", [("hc_bureau", "wrong-password"), ("no_such_user", "demo-pass-2026"),
                                               ("hc_bureau", "")])
def test_bad_credentials_answer_401_invalid_credentials(api_client, username, password):
    """API.md Conventions: bad credentials → 401 (code invalid_credentials, problem+json)."""
    r = api_client().post(f"{API}/auth/token", {"username": username, "password": password})
    assert_problem(r, 401, "invalid_credentials")


def test_locked_account_answers_423_account_locked(api_client):
    """API.md Conventions: a locked account → 423 account_locked; SEC-1: locked after ⚙ lockout_attempts failed
    logins, and while locked even the right password is refused."""
    lock_out("hc_s2_leader")
    r = api_client().post(f"{API}/auth/token", {"username": "hc_s2_leader", "password": "demo-pass-2026"})
    p = assert_problem(r, 423, "account_locked")
    assert CJK.search(p["detail"]), p  # zh-Hans by default


def test_token_request_validation_is_422(api_client):
    """API.md Conventions: validation → 422 validation_error (a token request without password)."""
    r = api_client().post(f"{API}/auth/token", {"username": "hc_bureau"})
    p = assert_problem(r, 422, "validation_error")
    assert "password" in error_fields(p)


@pytest.mark.parametrize("header", [None, "Bearer not-a-valid-token", "Token abc"])
def test_missing_or_bad_bearer_token_is_refused_with_problem_json(header):
    """API.md Conventions: Authorization: Bearer <token>; anything else is not authenticated (401, problem+json)."""
    kw = {"HTTP_AUTHORIZATION": header} if header else {}
    r = Client().get(f"{API}/me", **kw)
    assert_problem(r, 401, "not_authenticated")


def test_browser_session_works_on_the_same_endpoints_with_csrf(world):
    """API.md Conventions: browser sessions (cookie + CSRF) work on the same endpoints: GET with the session cookie
    alone; an unsafe method without the CSRF token is refused (nothing written), with the token it is accepted."""
    c = session_client(world, "hc_s1_leader")
    assert ok(c.get(f"{API}/me"))["username"] == "hc_s1_leader"
    st = s1_student(world)
    assert ok(c.get(f"{API}/students/{st.pk}"))["id"] == st.pk
    payload = {"version": st.version, "hukou_region_code": "350206"}

    refused = c.patch(f"{API}/students/{st.pk}", payload, content_type="application/json")
    assert refused.status_code == 403, refused.content
    assert_problem(refused, 403, "permission_denied")
    st.refresh_from_db()
    assert st.hukou_region_code != "350206"

    token = secrets.token_hex(16)  # what the browser holds in the csrftoken cookie and sends in X-CSRFToken
    c.cookies[settings.CSRF_COOKIE_NAME] = token
    accepted = c.patch(f"{API}/students/{st.pk}", payload, content_type="application/json",
                       HTTP_X_CSRFTOKEN=token)
    data = ok(accepted)
    assert data["hukou_region_code"] == "350206"
    assert data["version"] == payload["version"] + 1


def test_session_post_without_csrf_is_refused_and_with_csrf_accepted(world):
    """API.md Conventions (session + CSRF) on a POST endpoint: POST /api/v1/cases from a browser session."""
    c = session_client(world, "hc_s1_leader")
    st = open_case_free_student(world)
    payload = {"kind": "revocation", "student_id": st.pk, "applicant": "契约测试家长", "reason": "契约测试。"}
    before = Case.objects.count()
    refused = c.post(f"{API}/cases", payload, content_type="application/json")
    assert_problem(refused, 403, "permission_denied")
    assert Case.objects.count() == before
    token = secrets.token_hex(16)
    c.cookies[settings.CSRF_COOKIE_NAME] = token
    accepted = c.post(f"{API}/cases", payload, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code in (200, 201), accepted.content
    assert Case.objects.count() == before + 1


# === Conventions: errors ========================================================================================
@pytest.mark.parametrize("code", CONTRACT_CODES)
def test_every_contract_problem_code_is_producible(api_client, world, code):
    """API.md Field names: problem codes used so far — invalid_credentials, account_locked, not_found,
    validation_error, class_full, invalid_transition, version_conflict, permission_denied — each one produced
    through the API as problem+json with its status."""
    fn, status, expected = SCENARIOS[code]
    p = assert_problem(fn(api_client, world, None), status, expected)
    assert_error_items(p)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_problem_detail_and_messages_are_chinese_by_default(api_client, world, scenario):
    """API.md Conventions: detail and message follow Accept-Language, zh-Hans by default (no header)."""
    fn, status, code = SCENARIOS[scenario]
    p = assert_problem(fn(api_client, world, None), status, code)
    assert CJK.search(p["title"]), p
    assert CJK.search(p["detail"]), p
    for e in p["errors"]:
        assert CJK.search(e["message"]), e


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_problem_detail_and_messages_follow_accept_language_zh_hans(api_client, world, scenario):
    """API.md Conventions: Accept-Language: zh-Hans gives Chinese detail and messages."""
    fn, status, code = SCENARIOS[scenario]
    p = assert_problem(fn(api_client, world, "zh-Hans"), status, code)
    assert CJK.search(p["detail"]), p
    for e in p["errors"]:
        assert CJK.search(e["message"]), e


def _strip_data(text: str) -> str:
    for w in DATA_WORDS:
        text = text.replace(w, "")
    return text


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_problem_detail_and_messages_follow_accept_language_en(api_client, world, scenario):
    """API.md Conventions: `en` supported — English title, detail and messages (Chinese only in quoted data)."""
    fn, status, code = SCENARIOS[scenario]
    p = assert_problem(fn(api_client, world, "en"), status, code)
    assert not CJK.search(p["title"]), p
    assert not CJK.search(_strip_data(p["detail"])), p
    for e in p["errors"]:
        assert not CJK.search(_strip_data(e["message"])), e


def test_validation_error_lists_each_bad_field(api_client, world):
    """API.md Conventions: validation → 422 validation_error with errors [{field, code, message}] per bad field;
    API.md Field names: enum values outside the contract are refused."""
    payload = new_student_payload(world, 902, gender="unknown", disability_category="blind", certified_by="cdpf",
                                  placement="inclusion", status="studying")
    r = api_client("hc_s1_leader").post(f"{API}/students", payload)
    p = assert_problem(r, 422, "validation_error")
    assert_error_items(p)
    assert {"gender", "disability_category", "certified_by", "placement", "status"} <= error_fields(p)
    assert not Student.objects.filter(student_number_hash=lookup_hash(payload["student_number"])).exists()


def test_nested_field_of_a_schema_error_is_named_like_the_services_do(api_client, world):
    """API.md Conventions: errors[].field names a field inside a list as ``name[i].field`` — a schema error (here
    a guardian without a name) the same way as the services' own checks (``goals[0].short_term[1].baseline``)."""
    payload = new_student_payload(world, 903, guardians=[{"name": "母亲", "relation": "母亲"}, {"relation": "父亲"}])
    r = api_client("hc_s1_leader").post(f"{API}/students", payload)
    p = assert_problem(r, 422, "validation_error")
    assert "guardians[1].name" in error_fields(p), error_fields(p)


@pytest.mark.parametrize("url", ["/students?placement=somewhere", "/students?grade=abc", "/cases?state=open",
                                 "/cases?kind=adoption", "/students/abc", "/students?page=0"])
def test_bad_query_or_path_values_are_422_validation_error(api_client, url):
    """API.md Conventions: validation → 422 validation_error, for query and path parameters too."""
    p = assert_problem(api_client("hc_bureau").get(API + url), 422, "validation_error")
    assert_error_items(p)


def test_unknown_api_paths_and_methods_answer_problem_json(api_client):
    """API.md Conventions: errors are application/problem+json — also for a path under /api/v1/ that does not
    exist (404 not_found) and a method an endpoint does not take (405)."""
    c = api_client("hc_bureau")
    assert_problem(c.get(f"{API}/no-such-endpoint"), 404, "not_found")
    r = c.client.delete(f"{API}/students/1", **c.headers)
    assert r.status_code == 405
    assert media_type(r) == "application/problem+json", r["Content-Type"]
    assert set(body(r)) == PROBLEM_KEYS


@pytest.mark.parametrize("url,method", [("/students", "post"), ("/students/{sid}", "patch"), ("/auth/token", "post")])
def test_malformed_json_body_is_422_validation_error(api_client, world, url, method):
    """API.md Conventions: validation → 422 validation_error (a body that is not JSON at all), detail in the
    request's language."""
    c = api_client("hc_bureau")
    path = API + url.format(sid=s1_student(world).pk)
    r = getattr(c.client, method)(path, "{not json", content_type="application/json", **c.headers)
    p = assert_problem(r, 422, "validation_error")
    assert CJK.search(p["detail"]), p


@pytest.mark.parametrize("who,url", [
    ("hc_bureau", "/students?page=99999999999999999999"),
    ("hc_bureau", "/students?page=4611686018427387904"),
    ("hc_bureau", "/cases?page=4611686018427387904"),
    ("auditor", "/audit?page=4611686018427387904"),
    ("hc_bureau", "/schools?page=4611686018427387904"),
    ("hc_bureau", "/cases?student_id=99999999999999999999"),
    ("hc_bureau", "/students?class_id=99999999999999999999"),
    ("hc_bureau", "/regions?parent=99999999999999999999"),
    ("hc_bureau", "/schools?region=99999999999999999999"),
    ("auditor", "/audit?date_from=0001-01-01"),
    ("auditor", "/audit?date_to=9999-12-31"),
])
def test_out_of_range_values_never_crash(api_client, who, url):
    """SEC-5: every input validated on the server — extreme numbers and dates in query parameters answer 200
    (nothing found) or 422 validation_error, never 500; API.md Conventions: errors are problem+json."""
    r = Client(raise_request_exception=False).get(
        API + url, HTTP_AUTHORIZATION=api_client(who).headers["HTTP_AUTHORIZATION"])
    assert r.status_code in (200, 422), (r.status_code, r.content[:300])
    if r.status_code == 422:
        assert_problem(r, 422, "validation_error")


@pytest.mark.parametrize("param", ["date_from=2026-02-30", "date_to=2026-13-01", "date_from=yesterday"])
def test_invalid_audit_dates_are_422(api_client, param):
    """API.md Conventions: validation → 422 validation_error (an impossible or unreadable date filter is neither
    ignored nor a crash); SEC-3 the audit log is searchable."""
    r = Client(raise_request_exception=False).get(
        f"{API}/audit?{param}", HTTP_AUTHORIZATION=api_client("auditor").headers["HTTP_AUTHORIZATION"])
    assert_problem(r, 422, "validation_error")


# === Conventions: lists, filters, objects, dates ================================================================
LIST_URLS = ["/regions", "/schools", "/students", "/cases", "/audit"]


@pytest.mark.parametrize("url", LIST_URLS)
def test_lists_return_count_and_items_with_page_and_page_size(api_client, url):
    """API.md Conventions: lists take ?page=&page_size= and answer {"count", "items": [...]}."""
    c = api_client("hc_bureau" if url != "/audit" else "auditor")
    full = ok(c.get(f"{API}{url}?page_size=500"))
    # {count, items}; a list whose count may be capped also says whether it is exact (API.md "Lists")
    assert {"count", "items"} <= set(full) <= {"count", "items", "count_exact"}
    assert isinstance(full["count"], int) and isinstance(full["items"], list)
    assert len(full["items"]) == min(full["count"], 500)
    first = ok(c.get(f"{API}{url}?page=1&page_size=2"))
    second = ok(c.get(f"{API}{url}?page=2&page_size=2"))
    assert first["count"] == second["count"] >= 1
    assert len(first["items"]) == min(2, first["count"])
    if first["count"] > 2:
        assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    beyond = ok(c.get(f"{API}{url}?page=9999&page_size=50"))
    assert beyond["items"] == [] and beyond["count"] == first["count"]


@pytest.mark.parametrize("url", LIST_URLS)
def test_page_size_max_is_500(api_client, url):
    """API.md Conventions: page_size max 500 — 500 is accepted, 501 is 422 validation_error on field page_size."""
    c = api_client("hc_bureau" if url != "/audit" else "auditor")
    ok(c.get(f"{API}{url}?page_size=500"))
    p = assert_problem(c.get(f"{API}{url}?page_size=501"), 422, "validation_error")
    assert "page_size" in error_fields(p)


def test_default_page_size_is_50(api_client):
    """API.md Conventions: ?page=1&page_size=50 is the default page."""
    data = ok(api_client("auditor").get(f"{API}/audit"))
    assert data["count"] > 50
    assert len(data["items"]) == 50


def test_school_classes_list_is_a_paged_list(api_client, world):
    """API.md Conventions (Lists → {"count", "items"}, ?page=&page_size=) applied to
    GET /api/v1/schools/{id}/classes, a list endpoint of API.md Endpoints."""
    c = api_client("hc_bureau")
    data = ok(c.get(f"{API}/schools/{school(world, HC_S1).pk}/classes"))
    # API.md "Lists": {count, items}; where the count is capped the answer also carries count_exact
    assert isinstance(data, dict) and {"count", "items"} <= set(data) <= {"count", "items", "count_exact"}, type(data)
    page = ok(c.get(f"{API}/schools/{school(world, HC_S1).pk}/classes?page=1&page_size=2"))
    assert len(page["items"]) == 2 and page["count"] == data["count"]
    assert_problem(c.get(f"{API}/schools/{school(world, HC_S1).pk}/classes?page_size=501"), 422, "validation_error")


STUDENT_FILTERS = [
    # query parameter (named after the Student field), value from the world, field compared in each item
    ("school_id", lambda w: school(w, HC_S1).pk),
    ("class_id", lambda w: klass(w, FULL_CLASS).pk),
    ("grade", lambda w: 3),
    ("disability_category", lambda w: "intellectual"),
    ("placement", lambda w: "homebound"),
    ("status", lambda w: "active"),
    ("disability_grade", lambda w: 1),
    ("hukou_region_code", lambda w: "350205"),
]


@pytest.mark.parametrize("field,value", STUDENT_FILTERS, ids=[f for f, _v in STUDENT_FILTERS])
def test_student_list_filters_are_named_after_the_fields(api_client, world, field, value):
    """API.md Conventions: filters are query parameters named after the fields (Student fields of API.md Field
    names; PL-13 roster filters by school, class, category, grade, placement, status)."""
    c = api_client("hc_bureau")
    v = value(world)
    everything = ok(c.get(f"{API}/students?page_size=500"))
    filtered = ok(c.get(qs(f"{API}/students", {field: v, "page_size": 500})))
    assert filtered["count"] >= 1
    assert filtered["count"] < everything["count"], f"?{field}= did not filter"
    assert all(i[field] == v for i in filtered["items"])
    expected = Student.objects.visible_to(world.users["hc_bureau"]).filter(**{
        {"school_id": "school_id", "class_id": "school_class_id"}.get(field, field): v}).count()
    assert filtered["count"] == expected


CASE_FILTERS = [("kind", lambda w, c: c["kind"]), ("state", lambda w, c: c["state"]),
                ("student_id", lambda w, c: c["student_id"]), ("school_id", lambda w, c: c["school_id"])]


@pytest.mark.parametrize("field,value", CASE_FILTERS, ids=[f for f, _v in CASE_FILTERS])
def test_case_list_filters_are_named_after_the_fields(api_client, world, field, value):
    """API.md Conventions: filters named after the fields, on GET /api/v1/cases (Case fields kind, state,
    student_id)."""
    c = api_client("hc_bureau")
    everything = ok(c.get(f"{API}/cases?page_size=500"))
    v = value(world, everything["items"][-1])
    filtered = ok(c.get(qs(f"{API}/cases", {field: v, "page_size": 500})))
    assert 1 <= filtered["count"] < everything["count"]
    assert all(i[field] == v for i in filtered["items"])


def test_region_list_filters_are_named_after_the_fields(api_client, world):
    """API.md Conventions: filters named after the fields, on GET /api/v1/regions (level, parent_id)."""
    c = api_client("fj_province")
    everything = ok(c.get(f"{API}/regions"))["count"]
    for field, v in (("level", "district"), ("parent_id", world.regions["350200"].pk)):
        filtered = ok(c.get(qs(f"{API}/regions", {field: v})))
        assert 1 <= filtered["count"] < everything, field
        assert all(i[field] == v for i in filtered["items"])


@pytest.mark.parametrize("field", ["kind", "code"])
def test_school_list_filters_are_named_after_the_fields(api_client, world, field):
    """API.md Conventions: filters named after the fields, on GET /api/v1/schools."""
    c = api_client("hc_bureau")
    v = getattr(school(world, HC_S1), field)
    filtered = ok(c.get(qs(f"{API}/schools", {field: v})))
    assert filtered["count"] >= 1
    assert all(i[field] == v for i in filtered["items"])
    assert filtered["count"] < ok(c.get(f"{API}/schools"))["count"]


@pytest.mark.parametrize("field", ["object_type", "object_id", "actor", "action", "result"])
def test_audit_list_filters_are_named_after_the_fields(api_client, world, field):
    """API.md Conventions: filters named after the fields, on GET /api/v1/audit (object_type, object_id, …)."""
    st = s1_student(world)
    api_client("hc_s1_leader").get(f"{API}/students/{st.pk}")
    sc_invalid_credentials(api_client, world, None)  # a failed login: an event with result other than success
    c = api_client("auditor")
    everything = ok(c.get(f"{API}/audit?page_size=1"))["count"]
    recent = ok(c.get(f"{API}/audit?page_size=100"))["items"]
    sample = next(e for e in recent if e["object_type"] == "student" and e["object_id"] == str(st.pk))
    if field == "result":
        sample = next(e for e in recent if e["result"] != "success")
    filtered = ok(c.get(qs(f"{API}/audit", {field: sample[field], "page_size": 500})))
    assert 1 <= filtered["count"] < everything
    if field != "action":  # the app also matches action prefixes
        assert all(i[field] == sample[field] for i in filtered["items"])


def test_editable_objects_carry_id_and_integer_version(api_client, world):
    """API.md Conventions: objects carry id and, where editable, version (integer) — students and cases."""
    c = api_client("hc_bureau")
    for url in ("/students?page_size=5", "/cases?page_size=5"):
        for item in ok(c.get(API + url))["items"]:
            assert isinstance(item["id"], int)
            assert isinstance(item["version"], int) and not isinstance(item["version"], bool)
    st = s1_student(world)
    assert ok(c.get(f"{API}/students/{st.pk}"))["version"] == st.version


def test_regions_schools_and_classes_carry_version_as_they_are_editable(api_client, world):
    """API.md Conventions: objects carry id and, where editable, version — regions, schools and classes are
    editable records (ORG-1/ORG-2, bureau officers manage schools and classes), so their API objects carry it."""
    c = api_client("hc_bureau")
    s = school(world, HC_S1)
    for obj in [ok(c.get(f"{API}/regions"))["items"][0], ok(c.get(f"{API}/schools"))["items"][0],
                ok(c.get(f"{API}/schools/{s.pk}")), items_of(ok(c.get(f"{API}/schools/{s.pk}/classes")))[0]]:
        assert isinstance(obj["id"], int)
        assert isinstance(obj.get("version"), int), sorted(obj)


def test_patch_must_send_the_version_it_read(api_client, world):
    """API.md Conventions: PATCH must send the version it read — missing → 422 validation_error (field version),
    stale → 409 version_conflict (SEC-6, nothing written), the current one → 200 with version + 1."""
    c = api_client("hc_s1_leader")
    st = s1_student(world)
    url = f"{API}/students/{st.pk}"
    read = ok(c.get(url))
    p = assert_problem(c.patch(url, {"hukou_region_code": "350206"}), 422, "validation_error")
    assert "version" in error_fields(p)
    p = assert_problem(c.patch(url, {"version": read["version"] - 1, "hukou_region_code": "350206"}), 409,
                       "version_conflict")
    assert_error_items(p)
    assert ok(c.get(url))["hukou_region_code"] == read["hukou_region_code"]
    done = ok(c.patch(url, {"version": read["version"], "hukou_region_code": "350206"}))
    assert done["version"] == read["version"] + 1 and done["hukou_region_code"] == "350206"
    # someone else's write makes my old version stale
    assert_problem(c.patch(url, {"version": read["version"], "hukou_region_code": HC}), 409, "version_conflict")
    assert ok(c.get(url))["hukou_region_code"] == "350206"


def test_dates_are_iso_8601_and_school_years_like_2025_2026(api_client, world):
    """API.md Conventions: dates ISO 8601; school years as "2025-2026"."""
    c = api_client("hc_bureau")
    for s in ok(c.get(f"{API}/students?page_size=500"))["items"]:
        assert ISO_DATE.match(s["birth_date"]) and date.fromisoformat(s["birth_date"])
    for k in items_of(ok(c.get(f"{API}/schools/{school(world, HC_S1).pk}/classes"))):
        m = re.fullmatch(r"(\d{4})-(\d{4})", k["school_year"])
        assert m and int(m[2]) == int(m[1]) + 1, k["school_year"]
    for case in ok(c.get(f"{API}/cases?page_size=500"))["items"]:
        for e in case["events"]:
            assert datetime.fromisoformat(e["at"]).tzinfo is not None
        if case["effective_date"] is not None:
            assert ISO_DATE.match(case["effective_date"])
    for e in ok(api_client("auditor").get(f"{API}/audit?page_size=20"))["items"]:
        assert datetime.fromisoformat(e["at"]).tzinfo is not None


# === Endpoints: /me, regions, schools, classes, policy ==========================================================
@pytest.mark.parametrize("username", DEMO_USERS)
def test_me_shape_for_every_demo_account(api_client, username):
    """API.md Endpoints: GET /api/v1/me → {"username", "name", "roles": [{"role", "scope": {"type":
    "region"|"school"|"class"|"student", "id", "name"}}]}."""
    me = ok(api_client(username).get(f"{API}/me"))
    assert {"username", "name", "roles"} <= set(me)
    assert me["username"] == username and isinstance(me["name"], str) and me["name"]
    assert me["roles"], "every demo account holds a role"
    for r in me["roles"]:
        assert {"role", "scope"} <= set(r)
        assert {"type", "id", "name"} <= set(r["scope"])
        assert r["scope"]["type"] in SCOPE_TYPES, r
        assert isinstance(r["scope"]["name"], str)


@pytest.mark.parametrize("username,scope_type,scope_id", [
    ("hc_parent", "student", lambda w: w.students["hc_parent_child"].pk),
    ("hc_s1_class", "class", lambda w: klass(w, FULL_CLASS).pk),
    ("hc_s1_leader", "school", lambda w: school(w, HC_S1).pk),
    ("hc_bureau", "region", lambda w: w.regions[HC].pk),
    ("fj_province", "region", lambda w: w.regions["350000"].pk),
])
def test_me_scope_of_demo_accounts(api_client, world, username, scope_type, scope_id):
    """API.md Demo world: hc_parent is the guardian of one student (scope student), hc_s1_class teaches one class
    (scope class), hc_s1_leader a school, bureau officers a region; ORG-3 scopes."""
    me = ok(api_client(username).get(f"{API}/me"))
    scopes = [r["scope"] for r in me["roles"]]
    assert {"type": scope_type, "id": scope_id(world)} in [{"type": s["type"], "id": s["id"]} for s in scopes]


def test_regions_are_the_visible_ones(api_client):
    """API.md Endpoints: GET /api/v1/regions — visible regions with id, code, name (ORG-1 codes, ORG-4 scope)."""
    hc = ok(api_client("hc_bureau").get(f"{API}/regions"))
    assert {r["code"] for r in hc["items"]} == {HC}
    fj = ok(api_client("fj_province").get(f"{API}/regions?page_size=500"))
    assert {"350000", "350200", HC} <= {r["code"] for r in fj["items"]}
    assert not any(r["code"].startswith("44") for r in fj["items"])
    gd = ok(api_client("gd_bureau").get(f"{API}/regions"))
    assert HC not in {r["code"] for r in gd["items"]}
    for r in fj["items"]:
        assert {"id", "code", "name"} <= set(r)
        assert re.fullmatch(r"\d{6}", r["code"])


def test_schools_have_the_contract_shape_and_scope(api_client, world):
    """API.md Endpoints: GET /api/v1/schools and /schools/{id} — a school has id, code, name, kind,
    region {id, code, name}; only visible schools (ORG-4)."""
    c = api_client("hc_bureau")
    data = ok(c.get(f"{API}/schools?page_size=500"))
    assert data["count"] == len(data["items"]) >= 5
    for s in data["items"]:
        assert {"id", "code", "name", "kind", "region"} <= set(s)
        assert {"id", "code", "name"} <= set(s["region"])
        assert s["region"]["code"] == HC
        assert s["kind"] in SCHOOL_KINDS
    one = ok(c.get(f"{API}/schools/{school(world, HC_S1).pk}"))
    assert one == next(s for s in data["items"] if s["id"] == one["id"])
    region = world.regions[HC]
    assert one["code"] == HC_S1
    assert (one["region"]["id"], one["region"]["code"], one["region"]["name"]) == (region.pk, HC, region.name)
    leader = ok(api_client("hc_s1_leader").get(f"{API}/schools"))
    assert [s["code"] for s in leader["items"]] == [HC_S1]


def test_school_classes_fields_and_inclusion_count(api_client, world):
    """API.md Endpoints: GET /schools/{id}/classes — classes of the current school year with id, name, grade,
    school_year, inclusion_count; API.md Demo world: the first school has classes with 0, with 1–2 and one at the
    hard maximum of 3; inclusion_count = active students placed in that class in inclusion (PL-4)."""
    s = school(world, HC_S1)
    classes = items_of(ok(api_client("hc_bureau").get(f"{API}/schools/{s.pk}/classes")))
    assert classes
    current = {k["school_year"] for k in classes}
    assert len(current) == 1
    by_name = {}
    for k in classes:
        assert {"id", "name", "grade", "school_year", "inclusion_count"} <= set(k)
        assert 1 <= k["grade"] <= 9
        assert k["inclusion_count"] == inclusion_count(k["id"]), k
        by_name[k["name"]] = k
    counts = [k["inclusion_count"] for k in classes]
    assert 0 in counts and (1 in counts or 2 in counts)
    assert by_name[FULL_CLASS]["inclusion_count"] == 3 == policy.value(s, "class_hard_max")
    assert sum(counts) >= 5  # ≥ 5 students in inclusion at the first school (in classes)


def test_policy_effective_for_a_school(api_client, world):
    """API.md Endpoints: GET /policy/effective?school={id} → {"profile", "parameters": {name: value}}; the 海沧区
    school runs hc-2023 with class_hard_max 3 (PL-4), the 天河区 school gd-2020."""
    hc = ok(api_client("hc_bureau").get(qs(f"{API}/policy/effective", {"school": school(world, HC_S1).pk})))
    assert {"profile", "parameters"} <= set(hc)
    assert hc["profile"] == "hc-2023"
    assert hc["parameters"]["class_hard_max"] == 3
    assert hc["parameters"]["class_advised_max"] == 2
    gd = ok(api_client("gd_bureau").get(qs(f"{API}/policy/effective", {"school": school(world, GD_S1).pk})))
    assert gd["profile"] == "gd-2020"
    assert gd["parameters"]["class_hard_max"] == 3


# === Endpoints: students ========================================================================================
def assert_student_contract(s: dict):
    assert STUDENT_FIELDS <= set(s), sorted(STUDENT_FIELDS - set(s))
    assert isinstance(s["id"], int) and isinstance(s["version"], int)
    assert s["gender"] in GENDERS
    assert s["disability_category"] in CATEGORIES
    assert s["disability_grade"] is None or 1 <= s["disability_grade"] <= 4
    assert s["certified_by"] in CERTIFIERS | {""}
    assert s["placement"] in PLACEMENTS
    assert s["status"] in STATUSES
    assert 1 <= s["grade"] <= 9
    assert isinstance(s["school_id"], int)
    assert s["class_id"] is None or isinstance(s["class_id"], int)
    assert ISO_DATE.match(s["birth_date"])
    assert isinstance(s["guardians"], list)
    for g in s["guardians"]:
        assert {"name", "relation", "phone"} <= set(g)


def test_student_list_and_detail_have_the_contract_fields(api_client, world):
    """API.md Field names (Student): id, version, name, gender, birth_date, id_number, student_number,
    hukou_region_code, school_id, class_id, grade, disability_category, disability_grade, certificate_number,
    certified_by, placement, status, guardians [{name, relation, phone}] with the contract's enum values."""
    c = api_client("hc_bureau")
    items = ok(c.get(f"{API}/students?page_size=500"))["items"]
    assert len(items) >= 20
    for s in items:
        assert_student_contract(s)
    assert any(s["guardians"] for s in items)
    st = s1_student(world)
    one = ok(c.get(f"{API}/students/{st.pk}"))
    assert_student_contract(one)
    listed = next(s for s in items if s["id"] == st.pk)
    assert {k: one[k] for k in STUDENT_FIELDS} == {k: listed[k] for k in STUDENT_FIELDS}
    assert one["school_id"] == st.school_id and one["class_id"] == st.school_class_id


@pytest.mark.parametrize("username", ["hc_center", "hc_s1_class", "hc_parent"])
def test_identity_number_is_masked_for_roles_that_may_not_see_it(api_client, world, username):
    """API.md Endpoints: id_number masked (ORG-5: 350205************, SEC-4); the full number appears nowhere in
    the response (not in student_number or certificate_number either)."""
    c = api_client(username)
    items = ok(c.get(f"{API}/students?page_size=500"))["items"]
    assert items
    for item in items:
        full = Student.objects.get(pk=item["id"]).id_number
        detail = c.get(f"{API}/students/{item['id']}")
        one = ok(detail)
        for s in (item, one):
            if full:
                assert MASKED_ID.match(s["id_number"]), s["id_number"]
                assert s["id_number"][:6] == full[:6]
        if full:
            assert full not in detail.content.decode(), f"full identity number leaked to {username}"


@pytest.mark.parametrize("username", ["hc_bureau", "hc_s1_leader", "hc_s1_resource", "hc_expert"])
def test_identity_number_is_revealed_to_roles_that_need_it(api_client, world, username):
    """API.md Privacy by default (ORG-5 "except to roles that need them", SEC-4): masked in the record for these
    roles too; POST /students/{id}/reveal with a purpose answers the full number."""
    st = s1_student(world)
    assert len(st.id_number) == 18
    c = api_client(username)
    assert ok(c.get(f"{API}/students/{st.pk}"))["id_number"] == st.id_number_masked
    r = c.post(f"{API}/students/{st.pk}/reveal", {"field": "id_number", "purpose": "契约测试"})
    assert ok(r) == {"value": st.id_number}


def test_post_student_creates_and_get_returns_it(api_client, world):
    """API.md Endpoints: POST /api/v1/students creates a record with the contract fields (PL-1), answered with
    its id and version; GET /students/{id} gives the same values."""
    c = api_client("hc_s1_leader")
    payload = new_student_payload(world, 903)
    r = c.post(f"{API}/students", payload)
    assert r.status_code in (200, 201), r.content
    created = body(r)
    assert_student_contract(created)
    assert isinstance(created["id"], int) and isinstance(created["version"], int)
    got = ok(c.get(f"{API}/students/{created['id']}"))
    numbers = {"id_number", "student_number", "certificate_number"}
    for k in STUDENT_FIELDS - {"id", "version"} - numbers:
        assert got[k] == payload[k], k
    for k in numbers:  # privacy by default (SEC-4): the masks; the full numbers through reveal
        assert got[k] == mask_student_number(payload[k]) if k == "student_number" else mask_id(payload[k]), k
    assert got["version"] == created["version"]


def test_writing_class_id_places_the_student_and_pl4_refuses_a_full_class(api_client, world):
    """API.md Field names: writing class_id places the student in that class (rule PL-4 applies): beyond
    ⚙ class_hard_max → 422 class_full (errors on class_id), nothing written; into a class with room → placed and
    counted in inclusion_count."""
    c = api_client("hc_s1_leader")
    full, empty = klass(world, FULL_CLASS), klass(world, EMPTY_G3_CLASS)
    created = body(c.post(f"{API}/students", new_student_payload(world, 904, class_name=None)))
    assert created["class_id"] is None
    url = f"{API}/students/{created['id']}"

    p = assert_problem(c.patch(url, {"version": created["version"], "class_id": full.pk}), 422, "class_full")
    assert "class_id" in error_fields(p)
    after = ok(c.get(url))
    assert after["class_id"] is None and after["version"] == created["version"]
    assert inclusion_count(full) == 3

    placed = ok(c.patch(url, {"version": created["version"], "class_id": empty.pk}))
    assert placed["class_id"] == empty.pk
    classes = items_of(ok(c.get(f"{API}/schools/{school(world, HC_S1).pk}/classes")))
    assert next(k for k in classes if k["id"] == empty.pk)["inclusion_count"] == inclusion_count(empty) == 1


def test_post_student_into_a_full_class_is_class_full_and_writes_nothing(api_client, world):
    """PL-4 through POST /api/v1/students: 422 class_full, no student created (SEC-5)."""
    payload = new_student_payload(world, 905, class_name=FULL_CLASS)
    p = assert_problem(api_client("hc_s1_leader").post(f"{API}/students", payload), 422, "class_full")
    assert "class_id" in error_fields(p)
    assert not Student.objects.filter(student_number_hash=lookup_hash(payload["student_number"])).exists()
    assert inclusion_count(klass(world, FULL_CLASS)) == 3


# === ORG-4: out of scope → 404, never 403 =======================================================================
def _hc_s2_student(world):
    return Student.objects.filter(school=school(world, HC_S2)).order_by("pk").first()


OUT_OF_SCOPE = [
    ("gd_bureau", "GET", lambda w: f"/students/{s1_student(w).pk}"),
    ("gd_bureau", "PATCH", lambda w: f"/students/{s1_student(w).pk}"),
    ("hc_s2_leader", "GET", lambda w: f"/students/{s1_student(w).pk}"),
    ("hc_s2_leader", "PATCH", lambda w: f"/students/{s1_student(w).pk}"),
    ("hc_s1_leader", "GET", lambda w: f"/students/{_hc_s2_student(w).pk}"),
    ("hc_s1_class", "GET", lambda w: f"/students/{s1_student(w, school_class__isnull=True).pk}"),
    ("hc_parent", "GET", lambda w: f"/students/{s1_student(w, school_class__isnull=True).pk}"),
    ("gd_bureau", "GET", lambda w: f"/schools/{school(w, HC_S1).pk}"),
    ("gd_bureau", "GET", lambda w: f"/schools/{school(w, HC_S1).pk}/classes"),
    ("hc_bureau", "GET", lambda w: f"/policy/effective?school={school(w, GD_S1).pk}"),
    ("gd_bureau", "GET", lambda w: f"/cases/{Case.objects.filter(school=school(w, HC_S1)).first().pk}"),
    ("gd_bureau", "POST", lambda w: f"/cases/{Case.objects.filter(school=school(w, HC_S1)).first().pk}/transitions"),
    ("hc_s2_leader", "GET", lambda w: f"/cases/{Case.objects.filter(school=school(w, HC_S1)).first().pk}"),
    ("hc_bureau", "GET", lambda w: "/students/99999999"),
    ("hc_bureau", "GET", lambda w: "/cases/99999999"),
    ("hc_bureau", "GET", lambda w: "/schools/99999999"),
]


@pytest.mark.parametrize("username,method,url", OUT_OF_SCOPE,
                         ids=[f"{u}-{m}-{i}" for i, (u, m, _f) in enumerate(OUT_OF_SCOPE)])
def test_out_of_scope_is_404_never_403(api_client, world, username, method, url):
    """API.md Conventions: out of scope → 404 (never 403); ORG-4: out-of-scope objects behave as if they do not
    exist, for reads and writes (a write changes nothing)."""
    c = api_client(username)
    path = API + url(world)
    st_before = {s.pk: s.version for s in Student.objects.all()}
    if method == "GET":
        r = c.get(path)
    elif method == "PATCH":
        sid = int(path.rsplit("/", 1)[1])
        r = c.patch(path, {"version": st_before[sid], "hukou_region_code": "350206"})
    else:
        r = c.post(path, {"to": "under_review", "note": "x"})
    assert_problem(r, 404, "not_found")
    assert {s.pk: s.version for s in Student.objects.all()} == st_before


def test_lists_and_counts_only_hold_what_is_in_scope(api_client, world):
    """ORG-4: lists and counts are scoped — a guardian sees their own child, a class teacher their class, another
    district's bureau none of 海沧区."""
    child = world.students["hc_parent_child"]
    parent = ok(api_client("hc_parent").get(f"{API}/students"))
    assert parent["count"] == 1 and parent["items"][0]["id"] == child.pk
    cls = ok(api_client("hc_s1_class").get(f"{API}/students?page_size=500"))
    assert cls["count"] >= 1 and all(s["class_id"] == klass(world, FULL_CLASS).pk for s in cls["items"])
    gd = ok(api_client("gd_bureau").get(f"{API}/students?page_size=500"))
    hc_schools = {s.pk for code, s in world.schools.items() if code.startswith(HC)}
    assert gd["count"] >= 1 and not {s["school_id"] for s in gd["items"]} & hc_schools
    cases = ok(api_client("hc_parent").get(f"{API}/cases?page_size=500"))
    assert all(c["student_id"] == child.pk for c in cases["items"])


# === Endpoints: import, template, export ========================================================================
def template_headers(api_client) -> list[str]:
    r = api_client("hc_s1_leader").get(f"{API}/students/import-template.xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    return [c for c in next(wb.worksheets[0].iter_rows(min_row=1, max_row=1, values_only=True)) if c]


def import_row(seq: int, **over) -> dict:
    birth = date(2019, 10, 4)
    id_number = make_id_number(TEST_REGION, birth, seq, "male")
    row = {"姓名": f"导入测试{seq}", "性别": "男", "出生日期": birth, "身份证号": id_number,
           "全国学籍号": "G" + id_number, "户籍所在地代码": HC, "学校标识码": HC_S1, "班级": EMPTY_G1_CLASS,
           "年级": 1, "残疾类别": "智力", "残疾等级": "三级", "残疾人证号": f"{id_number}53",
           "发证日期": date(2023, 5, 1), "认定机构": "残联", "安置方式": "随班就读", "学籍状态": "在校",
           "入学日期": date(2025, 9, 1), "监护人姓名": f"家长{seq}", "监护人关系": "母亲",
           "监护人电话": "138-0000-0000"}
    row.update(over)
    return row


def workbook(headers, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def post_import(c, data: bytes, name="students.xlsx", content_type=XLSX):
    return c.post_multipart(f"{API}/students/import", {"file": SimpleUploadedFile(name, data, content_type)})


def test_import_template_first_row_is_chinese_headers(api_client):
    """API.md Field names (Import): the columns of GET /students/import-template.xlsx, first row = Chinese
    headers."""
    r = api_client("hc_s1_leader").get(f"{API}/students/import-template.xlsx")
    assert r.status_code == 200
    assert media_type(r) == XLSX
    headers = template_headers(api_client)
    assert len(headers) >= 10
    assert all(isinstance(h, str) and CJK.search(h) for h in headers), headers
    assert {"姓名", "性别", "出生日期", "身份证号", "全国学籍号"} <= set(headers)


def test_import_creates_then_updates(api_client, world):
    """API.md Endpoints: POST /students/import multipart file (.xlsx) → 200 {"created", "updated"} (PL-13)."""
    headers = template_headers(api_client)
    c = api_client("hc_s1_leader")
    rows = [import_row(911), import_row(913)]
    data = ok(post_import(c, workbook(headers, rows)))
    assert {"created", "updated"} <= set(data)
    assert (data["created"], data["updated"]) == (2, 0)
    assert Student.objects.filter(student_number_hash__in=[lookup_hash(r["全国学籍号"]) for r in rows]).count() == 2
    rows[0]["户籍所在地代码"] = "350206"
    data = ok(post_import(c, workbook(headers, rows)))
    # the app counts every matched row as updated (and reports the ones with no change as "unchanged" too)
    assert data["created"] == 0 and data["updated"] in (1, 2), data
    assert Student.objects.get(student_number_hash=lookup_hash(rows[0]["全国学籍号"])).hukou_region_code == "350206"


def test_import_with_bad_rows_is_422_with_row_column_message_and_writes_nothing(api_client, world):
    """API.md Endpoints / Field names (Import): 422 with errors [{"row", "column", "message"}] — the spreadsheet's
    row number and header text — and nothing written (PL-13, SEC-5)."""
    headers = template_headers(api_client)
    c = api_client("hc_s1_leader")
    good, bad = import_row(915), import_row(917, 性别="未知")
    before = Student.objects.count()
    r = post_import(c, workbook(headers, [good, bad]))
    p = assert_problem(r, 422, "validation_error")
    assert p["errors"]
    for e in p["errors"]:
        assert {"row", "column", "message"} <= set(e), e
    assert {"row": 3, "column": "性别"} in [{"row": e["row"], "column": e["column"]} for e in p["errors"]]
    assert Student.objects.count() == before
    assert not Student.objects.filter(student_number_hash=lookup_hash(good["全国学籍号"])).exists()


def test_import_of_a_non_xlsx_file_is_refused(api_client):
    """API.md Endpoints: the import takes an .xlsx file; anything else is a 422 problem (SEC-5 upload checks)."""
    r = post_import(api_client("hc_s1_leader"), b"name,gender\n", name="students.csv", content_type="text/csv")
    assert_problem(r, 422, "validation_error")


def export_names(content: bytes) -> list[str]:
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if "姓名" in r)
    col = rows[head].index("姓名")
    return [r[col] for r in rows[head + 1:] if r[col]]


@pytest.mark.parametrize("query", [{"placement": "homebound"}, {"class_id": "full"}, {"grade": 3}, {"school_id": "s1"},
                                   {"status": "active", "disability_category": "intellectual"}])
def test_export_takes_the_same_filters_as_the_list(api_client, world, query):
    """API.md Endpoints: GET /students/export.xlsx — the roster with the same filters as the list (PL-13)."""
    named = {"full": klass(world, FULL_CLASS).pk, "s1": school(world, HC_S1).pk}
    q = {k: named.get(v, v) for k, v in query.items()}
    c = api_client("hc_bureau")
    # the export holds the students in school (its title) unless a status is asked (PL-13)
    listed = ok(c.get(qs(f"{API}/students", {"status": "active", **q, "page_size": 500})))
    r = c.get(qs(f"{API}/students/export.xlsx", q))
    assert r.status_code == 200 and media_type(r) == XLSX
    assert sorted(export_names(r.content)) == sorted(s["name"] for s in listed["items"])
    assert listed["count"] < ok(c.get(f"{API}/students?page_size=1"))["count"]


# === Endpoints: cases ===========================================================================================
def assert_case_contract(case: dict):
    assert CASE_FIELDS <= set(case), sorted(CASE_FIELDS - set(case))
    assert case["kind"] in CASE_KINDS
    assert case["state"] in CASE_STATES
    assert isinstance(case["student_id"], int)
    assert case["effective_date"] is None or ISO_DATE.match(case["effective_date"])
    assert isinstance(case["events"], list) and case["events"]
    for e in case["events"]:
        assert EVENT_FIELDS <= set(e), e
        assert e["to"] in CASE_STATES


def test_case_list_and_detail_have_the_contract_fields(api_client, world):
    """API.md Field names (Case): id, kind, student_id, state, decision, effective_date,
    events [{at, actor, from, to, note}]."""
    c = api_client("hc_bureau")
    items = ok(c.get(f"{API}/cases?page_size=500"))["items"]
    assert items
    for case in items:
        assert_case_contract(case)
    one = ok(c.get(f"{API}/cases/{items[0]['id']}"))
    assert_case_contract(one)
    assert one["id"] == items[0]["id"]


def test_case_submit_and_transitions(api_client, world):
    """API.md Endpoints: POST /cases then POST /cases/{id}/transitions {"to", "note"}; 422 invalid_transition when
    not allowed — by role (a school may not route its own case) or by state (submitted → effective); PL-9 timeline
    of who did what."""
    created = submit_case(api_client, world)
    assert_case_contract(created)
    assert created["state"] == "submitted" and created["kind"] == "revocation"
    assert created["events"][-1]["to"] == "submitted"
    url = f"{API}/cases/{created['id']}/transitions"

    p = assert_problem(api_client("hc_s1_leader").post(url, {"to": "under_review", "note": "自己审核"}), 422,
                       "invalid_transition")
    assert_error_items(p)
    assert_problem(api_client("hc_bureau").post(url, {"to": "effective", "note": "跳过"}), 422,
                   "invalid_transition")
    assert ok(api_client("hc_bureau").get(f"{API}/cases/{created['id']}"))["state"] == "submitted"

    moved = ok(api_client("hc_bureau").post(url, {"to": "under_review", "note": "材料齐全。"}))
    assert moved["state"] == "under_review"
    last = moved["events"][-1]
    assert (last["from"], last["to"], last["actor"], last["note"]) == ("submitted", "under_review", "hc_bureau",
                                                                       "材料齐全。")
    assert len(moved["events"]) == len(created["events"]) + 1
    assert_problem(api_client("hc_bureau").post(url, {"to": "under_review", "note": "again"}), 422,
                   "invalid_transition")


def _student_for_kind(world, kind) -> Student:
    busy = Case.objects.filter(state__in=Case.OPEN_STATES, kind=kind).values("student_id")
    qs = Student.objects.filter(school=school(world, HC_S1), status="active").exclude(pk__in=busy)
    if kind == "deferral":
        qs = qs.filter(grade=1)
    return qs.order_by("pk").first()


@pytest.mark.parametrize("kind", sorted(CASE_KINDS))
def test_every_case_kind_can_be_submitted(api_client, world, kind):
    """API.md Endpoints: GET/POST /cases — identification, revocation, reassessment, transfer, deferral, dispute
    cases (PL-3, PL-5..PL-8), each submitted by the school and answered with the contract fields."""
    st = _student_for_kind(world, kind)
    assert st is not None
    payload = {"kind": kind, "student_id": st.pk, "applicant": "契约测试家长", "reason": f"契约测试：{kind}。"}
    if kind == "transfer":
        payload |= {"direction": "to_special", "target_school_id": world.schools["3502050901"].pk}
    r = api_client("hc_s1_leader").post(f"{API}/cases", payload)
    assert r.status_code in (200, 201), r.content
    case = body(r)
    assert_case_contract(case)
    assert (case["kind"], case["student_id"], case["state"]) == (kind, st.pk, "submitted")
    assert ok(api_client("hc_bureau").get(f"{API}/cases/{case['id']}"))["kind"] == kind


def test_guardian_applies_for_their_own_child(api_client, world):
    """API.md Demo world (hc_parent is the guardian of one student) and PL-5/PL-6: a guardian applies; the case
    is visible to them and to the bureau."""
    child = world.students["hc_parent_child"]
    open_kinds = set(Case.objects.filter(student=child, state__in=Case.OPEN_STATES).values_list("kind", flat=True))
    kind = next(k for k in ("reassessment", "revocation", "dispute", "identification") if k not in open_kinds)
    r = api_client("hc_parent").post(f"{API}/cases", {"kind": kind, "student_id": child.pk,
                                                       "applicant": "刘芳", "reason": "契约测试：家长申请。"})
    assert r.status_code in (200, 201), r.content
    case = body(r)
    assert case["student_id"] == child.pk
    assert ok(api_client("hc_parent").get(f"{API}/cases/{case['id']}"))["id"] == case["id"]
    assert ok(api_client("hc_bureau").get(f"{API}/cases/{case['id']}"))["id"] == case["id"]


def test_case_walk_records_decision_and_effective_date(api_client, world):
    """API.md Field names (Case): decision and effective_date (ISO 8601) once decided; PL-9 submitted → under
    review → committee opinion → decided, each step by its role; PL-5 a decision takes effect from the new school
    year, so applying it now is 422 invalid_transition."""
    created = submit_case(api_client, world)
    url = f"{API}/cases/{created['id']}/transitions"
    ok(api_client("hc_bureau").post(url, {"to": "under_review", "note": "受理。"}))
    assert_problem(api_client("hc_bureau").post(url, {"to": "committee_opinion", "note": "越权"}), 422,
                   "invalid_transition")
    ok(api_client("hc_expert").post(url, {"to": "committee_opinion", "note": "专家委员会同意撤销。"}))
    decided = ok(api_client("hc_bureau").post(url, {"to": "decided", "note": "同意撤销认定。"}))
    assert decided["state"] == "decided"
    assert decided["decision"] == "同意撤销认定。"
    assert decided["effective_date"] and ISO_DATE.match(decided["effective_date"])
    assert [e["to"] for e in decided["events"]] == ["submitted", "under_review", "committee_opinion", "decided"]
    if date.fromisoformat(decided["effective_date"]) > date.today():
        assert_problem(api_client("hc_bureau").post(url, {"to": "effective", "note": ""}), 422,
                       "invalid_transition")


def test_case_transition_to_an_unknown_state_is_validation_error(api_client, world):
    """API.md Conventions: validation → 422 validation_error (transition to a state outside the contract)."""
    case = Case.objects.filter(school=school(world, HC_S1)).order_by("pk").first()
    p = assert_problem(api_client("hc_bureau").post(f"{API}/cases/{case.pk}/transitions", {"to": "approved"}), 422,
                       "validation_error")
    assert "to" in error_fields(p)


def test_case_submit_validation(api_client, world):
    """API.md Conventions: validation → 422 (an unknown case kind; a student out of scope is not usable)."""
    st = open_case_free_student(world)
    c = api_client("hc_s1_leader")
    p = assert_problem(c.post(f"{API}/cases", {"kind": "adoption", "student_id": st.pk, "applicant": "x",
                                               "reason": "y"}), 422, "validation_error")
    assert "kind" in error_fields(p)
    other = _hc_s2_student(world)
    r = c.post(f"{API}/cases", {"kind": "revocation", "student_id": other.pk, "applicant": "x", "reason": "y"})
    assert r.status_code in (404, 422) and r.status_code != 403
    assert media_type(r) == "application/problem+json"


# === Endpoints: audit ===========================================================================================
def test_viewing_a_student_writes_a_viewed_audit_event(api_client, world):
    """API.md Field names (Audit event): viewing a student record writes an event whose action ends in .viewed;
    object_type is the lower-case model name; GET /audit?object_type=&object_id= finds it with id, at, actor,
    action, object_type, object_id, result, client_address, changes (ORG-5, SEC-3: who, what, when, from where)."""
    st = s1_student(world)
    ok(api_client("hc_s1_leader").get(f"{API}/students/{st.pk}"))
    data = ok(api_client("auditor").get(qs(f"{API}/audit", {"object_type": "student", "object_id": st.pk})))
    assert data["count"] >= 1
    for e in data["items"]:
        assert AUDIT_FIELDS <= set(e), sorted(AUDIT_FIELDS - set(e))
        assert e["object_type"] == "student" and str(e["object_id"]) == str(st.pk)
        assert isinstance(e["changes"], dict)
    viewed = [e for e in data["items"] if e["action"].endswith(".viewed") and e["actor"] == "hc_s1_leader"]
    assert viewed, [e["action"] for e in data["items"]]
    assert viewed[0]["client_address"] == "127.0.0.1"
    assert viewed[0]["result"] == "success"


def test_audit_object_types_are_lower_case_model_names(api_client, world):
    """API.md Field names (Audit event): object_type is the lower-case model name (student, case, school, …)."""
    created = submit_case(api_client, world)
    c = api_client("auditor")
    case_events = ok(c.get(qs(f"{API}/audit", {"object_type": "case", "object_id": created["id"]})))
    assert case_events["count"] >= 1
    s = school(world, HC_S1)
    school_events = ok(c.get(qs(f"{API}/audit", {"object_type": "school", "object_id": s.pk})))
    assert school_events["count"] >= 1
    for e in ok(c.get(f"{API}/audit?page_size=500"))["items"]:
        assert e["object_type"] == e["object_type"].lower()
        assert " " not in e["object_type"]


def test_audit_is_for_the_auditor_and_bureau_officers_within_scope(api_client, world):
    """API.md Endpoints: GET /audit — audit administrator and bureau officers, within scope (ORG-4: another
    district's officer finds nothing of 海沧区; other roles are refused)."""
    st = s1_student(world)
    ok(api_client("hc_s1_leader").get(f"{API}/students/{st.pk}"))
    q = {"object_type": "student", "object_id": st.pk}
    for who in ("auditor", "hc_bureau", "fj_province"):
        assert ok(api_client(who).get(qs(f"{API}/audit", q)))["count"] >= 1, who
    assert ok(api_client("gd_bureau").get(qs(f"{API}/audit", q)))["count"] == 0
    for who in ("hc_s1_leader", "hc_s1_class", "hc_parent", "hc_center", "secadmin"):
        r = api_client(who).get(qs(f"{API}/audit", q))
        assert r.status_code in (403, 404), (who, r.status_code)
        assert media_type(r) == "application/problem+json"


def test_exports_and_imports_are_audited(api_client, world):
    """SEC-3 / ORG-5: every export and import of personal data is in the audit log (object_type student)."""
    c = api_client("hc_s1_leader")
    assert c.get(f"{API}/students/export.xlsx").status_code == 200
    ok(post_import(c, workbook(template_headers(api_client), [import_row(919)])))
    events = ok(api_client("auditor").get(qs(f"{API}/audit", {"actor": "hc_s1_leader", "page_size": 500})))
    actions = [e["action"] for e in events["items"]]
    assert any("export" in a for a in actions), actions
    assert any("import" in a for a in actions), actions
