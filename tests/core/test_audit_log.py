"""The audit log: append-only, complete for logins and changes, searchable, exportable, scoped.

Rules: SEC-3 (every login, change, export and permission change is audited with time, user, action,
object, result and client address; append-only from the application; searchable by the audit
administrator; exportable) and ORG-5 (the log cannot be edited from the application).
"""

import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from openpyxl import load_workbook

from suiban.core.models import AuditEvent
from suiban.demo.world import DEMO_PASSWORD
from suiban.org import services as org_services

CLIENT_IP = "10.1.2.3"
HC_S1, HC_S2, GD_S1 = "3502050101", "3502050102", "4401060101"
HC_PATH = "350000/350200/350205/"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """New passwords hash with a fast hasher (speed only); the demo's PBKDF2 hashes still verify."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture
def event(world):
    """A fresh audit row to try to tamper with."""
    return AuditEvent.objects.create(action="test.event", actor_username="someone", object_type="school",
                                     object_id="1", result="success")


def rename_school(world, code, new_name, actor="admin"):
    school = world.schools[code]
    school.refresh_from_db()
    return org_services.school_update(actor=world.users[actor], school=school, version=school.version,
                                      name=new_name)


# --- append-only (SEC-3, ORG-5) -------------------------------------------------------------------------


def test_saving_an_existing_audit_row_is_refused(event):
    """SEC-3/ORG-5: an audit row cannot be changed through the model."""
    event.action = "test.tampered"
    with pytest.raises(PermissionError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_deleting_an_audit_row_is_refused(event):
    """SEC-3/ORG-5: an audit row cannot be deleted through the model."""
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_of_audit_rows_is_refused(event):
    """SEC-3/ORG-5: bulk changes through the ORM are refused."""
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(result="failure")
    event.action = "test.tampered"
    with pytest.raises(PermissionError):
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_queryset_delete_of_audit_rows_is_refused(event):
    """SEC-3/ORG-5: bulk deletion through the ORM is refused."""
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_update_of_audit_rows_fails_in_the_database(event):
    """SEC-3/ORG-5: the database itself refuses UPDATE on the audit table (trigger)."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE core_auditevent SET action = %s WHERE id = %s", ["test.tampered", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_raw_sql_delete_of_audit_rows_fails_in_the_database(event):
    """SEC-3/ORG-5: the database itself refuses DELETE on the audit table (trigger)."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_rows_can_still_be_appended(world):
    """SEC-3: append-only means inserts work (the triggers refuse only UPDATE/DELETE)."""
    before = AuditEvent.objects.count()
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM core_auditevent")
        assert cur.fetchone()[0] == before
    AuditEvent.objects.create(action="test.appended")
    assert AuditEvent.objects.count() == before + 1


# --- logins (SEC-3) -----------------------------------------------------------------------------------------


def test_successful_login_is_audited_with_user_result_and_client_address(world):
    """SEC-3: a successful login writes who, what, result and from where."""
    user = world.users["hc_s2_leader"]
    resp = Client().post("/accounts/login/", {"username": "hc_s2_leader", "password": DEMO_PASSWORD},
                         REMOTE_ADDR=CLIENT_IP)
    assert resp.status_code == 302
    ev = AuditEvent.objects.filter(action="accounts.login.succeeded", object_id=str(user.pk)).latest("id")
    assert ev.actor_id == user.pk
    assert ev.actor_username == "hc_s2_leader"
    assert ev.result == "success"
    assert ev.client_address == CLIENT_IP
    assert ev.object_type == "user"
    assert ev.at is not None


def test_failed_login_is_audited_with_username_result_and_client_address(world):
    """SEC-3: a failed login writes the attempted username, the failure and the client address."""
    user = world.users["hc_s2_leader"]
    resp = Client().post("/accounts/login/", {"username": "hc_s2_leader", "password": "Wrong-pass-2026"},
                         REMOTE_ADDR=CLIENT_IP)
    assert resp.status_code == 200
    ev = AuditEvent.objects.filter(action="accounts.login.failed", object_id=str(user.pk)).latest("id")
    assert ev.actor_id is None
    assert ev.actor_username == "hc_s2_leader"
    assert ev.result == "failure"
    assert ev.client_address == CLIENT_IP
    assert ev.object_type == "user"


def test_failed_login_of_an_unknown_username_is_audited(world):
    """SEC-3: attempts on names that do not exist are logged too (password guessing shows up)."""
    Client().post("/api/v1/auth/token", {"username": "ghost_account", "password": "x"},
                  content_type="application/json", REMOTE_ADDR=CLIENT_IP)
    ev = AuditEvent.objects.filter(action="accounts.login.failed", actor_username="ghost_account").latest("id")
    assert ev.result == "failure"
    assert ev.client_address == CLIENT_IP


def test_api_token_login_is_audited_with_the_client_address(world):
    """SEC-3: logins through the API are audited like page logins."""
    user = world.users["hc_bureau"]
    resp = Client().post("/api/v1/auth/token", {"username": "hc_bureau", "password": DEMO_PASSWORD},
                         content_type="application/json", REMOTE_ADDR=CLIENT_IP)
    assert resp.status_code == 200
    ev = AuditEvent.objects.filter(action="accounts.login.succeeded", object_id=str(user.pk)).latest("id")
    assert ev.client_address == CLIENT_IP
    assert ev.actor_username == "hc_bureau"


def test_login_events_show_in_the_audit_api_for_the_auditor(world, api_client):
    """SEC-3: GET /api/v1/audit?object_type=user&object_id=… lists the user's login successes and failures."""
    user = world.users["hc_s2_leader"]
    Client().post("/accounts/login/", {"username": "hc_s2_leader", "password": "Wrong-pass-2026"},
                  REMOTE_ADDR=CLIENT_IP)
    Client().post("/accounts/login/", {"username": "hc_s2_leader", "password": DEMO_PASSWORD},
                  REMOTE_ADDR=CLIENT_IP)
    resp = api_client("auditor").get(f"/api/v1/audit?object_type=user&object_id={user.pk}")
    assert resp.status_code == 200
    body = resp.json()
    assert all(i["object_type"] == "user" and i["object_id"] == str(user.pk) for i in body["items"])
    by_action = {i["action"]: i for i in body["items"]}
    assert {"accounts.login.failed", "accounts.login.succeeded"} <= set(by_action)
    failed, ok = by_action["accounts.login.failed"], by_action["accounts.login.succeeded"]
    assert failed["result"] == "failure" and ok["result"] == "success"
    assert failed["client_address"] == CLIENT_IP and ok["client_address"] == CLIENT_IP
    assert failed["actor"] == ok["actor"] == "hc_s2_leader"
    assert set(ok) >= {"id", "at", "actor", "action", "object_type", "object_id", "result", "client_address",
                       "changes"}


# --- changes (SEC-3) ---------------------------------------------------------------------------------------


def test_school_update_records_before_and_after(world):
    """SEC-3: a change records the fields that changed, old and new value."""
    old = world.schools[HC_S2].name
    school = rename_school(world, HC_S2, "海沧区新阳实验小学")
    ev = AuditEvent.objects.filter(action="org.school.updated", object_type="school",
                                   object_id=str(school.pk)).latest("id")
    assert ev.changes == {"name": [old, "海沧区新阳实验小学"]}
    assert ev.actor_username == "admin"
    assert ev.result == "success"
    assert ev.region_path == HC_PATH
    assert ev.school_id == school.pk


def test_refused_change_writes_no_success_row_and_changes_nothing(world):
    """SEC-3/SEC-5: a refused change leaves no "success" audit row behind (same transaction)."""
    school = world.schools[HC_S2]
    before = AuditEvent.objects.filter(action="org.school.updated", object_id=str(school.pk)).count()
    from suiban.core.errors import DomainError

    with pytest.raises(DomainError):
        org_services.school_update(actor=world.users["admin"], school=school, version=school.version,
                                   name="")
    assert AuditEvent.objects.filter(action="org.school.updated", object_id=str(school.pk)).count() == before


def test_role_change_is_audited_as_a_permission_change(world):
    """SEC-3: every permission change (role assigned / revoked) is audited with the acting administrator."""
    from suiban.accounts import services as account_services

    user = world.users["hc_center"]
    ra = account_services.role_assign(actor=world.users["secadmin"], user=user, role="expert",
                                      region=world.regions["350205"])
    account_services.role_revoke(actor=world.users["secadmin"], assignment=ra)
    actions = list(AuditEvent.objects.filter(object_type="user", object_id=str(user.pk),
                                             action__startswith="accounts.role.")
                   .order_by("id").values_list("action", "actor_username"))
    assert actions[-2:] == [("accounts.role.assigned", "secadmin"), ("accounts.role.revoked", "secadmin")]


# --- search and export by the audit administrator (SEC-3) -----------------------------------------------


def test_auditor_searches_the_audit_page_by_actor(world, user_client):
    """SEC-3: the audit administrator searches the log by user on /audit/."""
    rename_school(world, HC_S2, "海沧区新阳小学（改）", actor="hc_bureau")
    resp = user_client("auditor").get("/audit/", {"actor": "hc_bureau"})
    assert resp.status_code == 200
    events = list(resp.context["page"].object_list)
    assert events
    assert {e.actor_username for e in events} == {"hc_bureau"}
    assert any(e.action == "org.school.updated" for e in events)
    # The page names the action in words, never by its code (ARCHITECTURE "Pages").
    html = resp.content.decode()
    assert "org.school.updated" not in html
    assert "修改学校" in html


def test_auditor_filters_the_audit_page_by_action_and_result(world, user_client):
    """SEC-3: search by action prefix and result."""
    Client().post("/accounts/login/", {"username": "hc_s2_leader", "password": "Wrong-pass-2026"})
    resp = user_client("auditor").get("/audit/", {"action": "accounts.login", "result": "failure"})
    assert resp.status_code == 200
    events = list(resp.context["page"].object_list)
    assert events
    assert all(e.action.startswith("accounts.login") and e.result == "failure" for e in events)


def test_auditor_exports_the_filtered_log_as_xlsx_and_the_export_is_audited(world, user_client):
    """SEC-3: the log is exportable (.xlsx, same filters); the export itself is an audited event."""
    rename_school(world, HC_S2, "海沧区新阳小学（导出）", actor="hc_bureau")
    expected = AuditEvent.objects.filter(actor_username="hc_bureau").count()
    resp = user_client("auditor").get("/audit/export.xlsx", {"actor": "hc_bureau"})
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in resp["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.content), read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert len(header) == 9
    assert len(data) == expected
    assert {r[1] for r in data} == {"hc_bureau"}
    assert "修改学校" in {r[2] for r in data}  # the action in words

    ev = AuditEvent.objects.filter(action="audit.log.exported").latest("id")
    assert ev.actor_username == "auditor"
    assert ev.changes["rows"] == expected
    assert ev.changes["filters"]["actor"] == "hc_bureau"


def test_bureau_officer_may_search_but_not_export_the_log(user_client):
    """SEC-3/SEC-2: export is the audit administrator's duty; a bureau officer gets 403 and no row."""
    client = user_client("hc_bureau")
    assert client.get("/audit/").status_code == 200
    before = AuditEvent.objects.filter(action="audit.log.exported").count()
    assert client.get("/audit/export.xlsx").status_code == 403
    assert AuditEvent.objects.filter(action="audit.log.exported").count() == before


# --- scope (SEC-3, ORG-4) ---------------------------------------------------------------------------------


def test_bureau_officer_sees_only_audit_events_of_their_region(world, api_client):
    """SEC-3/ORG-4: hc_bureau sees events of 海沧区 objects, not those of a 天河区 school; the auditor sees both."""
    gd = rename_school(world, GD_S1, "天河区龙口实验小学")
    hc = rename_school(world, HC_S2, "海沧区新阳实验小学")

    bureau, auditor = api_client("hc_bureau"), api_client("auditor")
    url = "/api/v1/audit?object_type=school&object_id={}&action=org.school.updated"
    assert bureau.get(url.format(gd.pk)).json()["count"] == 0
    assert auditor.get(url.format(gd.pk)).json()["count"] >= 1
    hc_items = bureau.get(url.format(hc.pk)).json()["items"]
    assert hc_items and hc_items[0]["changes"]["name"][1] == "海沧区新阳实验小学"

    # Everything hc_bureau sees is scoped to 海沧区 (checked against the rows' stored scope).
    resp = bureau.get("/api/v1/audit?action=org.&page_size=500")
    body = resp.json()
    assert body["count"] == len(body["items"])
    ids = {i["id"] for i in body["items"]}
    assert ids
    scopes = set(AuditEvent.objects.filter(pk__in=ids).values_list("region_path", flat=True))
    assert all(p.startswith(HC_PATH) for p in scopes)
    assert ids == set(AuditEvent.objects.filter(action__startswith="org.", region_path__startswith=HC_PATH)
                      .values_list("pk", flat=True))


def test_bureau_officer_does_not_see_account_events(world, api_client):
    """SEC-3/SEC-2: login and account events are not a bureau's business (only the auditor sees them)."""
    user = world.users["hc_s1_leader"]
    Client().post("/accounts/login/", {"username": "hc_s1_leader", "password": "Wrong-pass-2026"})
    url = f"/api/v1/audit?object_type=user&object_id={user.pk}"
    assert api_client("hc_bureau").get(url).json()["count"] == 0
    assert api_client("auditor").get(url).json()["count"] >= 1


def test_bureau_officer_audit_page_is_scoped_too(world, user_client):
    """SEC-3/ORG-4: the /audit/ page applies the same scope as the API."""
    gd = rename_school(world, GD_S1, "天河区龙口小学（页面）")
    resp = user_client("hc_bureau").get("/audit/", {"object_type": "school", "object_id": gd.pk})
    assert resp.status_code == 200
    assert list(resp.context["page"].object_list) == []
    resp = user_client("auditor").get("/audit/", {"object_type": "school", "object_id": gd.pk})
    assert list(resp.context["page"].object_list)


@pytest.mark.parametrize("username", ["hc_s1_leader", "hc_s1_class", "hc_center", "admin", "secadmin"])
def test_roles_without_audit_view_get_403_from_the_audit_api_and_page(user_client, api_client, username):
    """SEC-3/SEC-2: school staff and the other administrators may not read the audit log."""
    resp = api_client(username).get("/api/v1/audit")
    assert resp.status_code == 403
    assert resp["Content-Type"].startswith("application/problem+json")
    assert resp.json()["code"] == "permission_denied"
    assert "items" not in resp.json()
    assert user_client(username).get("/audit/").status_code == 403
    assert user_client(username).get("/audit/export.xlsx").status_code == 403


def test_anonymous_audit_api_answers_401(world):
    """SEC-3: the audit API needs authentication."""
    resp = Client().get("/api/v1/audit")
    assert resp.status_code == 401
