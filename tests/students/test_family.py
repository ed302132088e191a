"""The family's own pages (ARCHITECTURE "Pages"): a guardian starts at their child, never at the staff roster;
the plan in plain words before the professional terms; the answer form with nothing pre-selected that, once
saved, shows the saved answer; support received by week; and the guardian's PIPL rights — to see which roles
and schools viewed or exported the child's record (SEC-3 audit log) and to request a correction that reaches the
school's inbox and is answered on record."""

import pytest

from suiban.core.models import AuditEvent
from suiban.core.registry import inbox
from suiban.iep.models import Plan, PlanResponse
from suiban.org.models import SchoolYear
from suiban.students.family import services
from suiban.students.models import CorrectionRequest, Student


@pytest.fixture
def child(world):
    return world.students["hc_parent_child"]


@pytest.fixture
def parent(user_client):
    return user_client("hc_parent")


def test_guardian_home_and_menu_are_the_family_pages(parent, child):
    """The guardian's home is the child's page (never the staff home or roster); the menu holds only the
    family's entries and there is no search box over other children."""
    r = parent.get("/")
    assert r.status_code == 200 and "family/child.html" in [t.name for t in r.templates]
    assert r.context["s"] == child
    assert parent.get("/family/").url == f"/family/{child.pk}/"
    html = r.content.decode()
    menu = html[html.index('id="sb-menu"'):html.index("</aside>")]
    assert 'data-menu="family_child"' in menu and 'data-menu="family_plan"' in menu
    for staff in ("students", "cases", "ieps", "home"):
        assert f'data-menu="{staff}"' not in menu
    assert 'id="sb-search-q"' not in html
    assert child.name in html and "待办" in html  # the child, then what to answer


def test_staff_keep_their_menu_and_search(user_client):
    html = user_client("hc_s1_class").get("/").content.decode()
    assert 'data-menu="students"' in html and 'data-menu="family_child"' not in html
    assert 'id="sb-search-q"' in html


def test_guardian_sees_only_their_own_child(parent, child):
    other = Student.objects.filter(school=child.school).exclude(pk=child.pk).first()
    for url in ("/family/{}/", "/family/{}/plan/", "/family/{}/sessions/", "/family/{}/record/",
                "/family/{}/corrections/"):
        assert parent.get(url.format(child.pk)).status_code == 200
        assert parent.get(url.format(other.pk)).status_code == 404


def test_staff_may_not_use_the_family_pages(user_client, child):
    assert user_client("hc_s1_leader").get(f"/family/{child.pk}/").status_code == 403


def test_plan_in_plain_words_before_the_professional_terms(parent, child):
    """IEP-1: the plan in force, a short plain summary first, the professional terms after (folded)."""
    html = parent.get(f"/family/{child.pk}/plan/").content.decode()
    assert html.index('id="sb-plan-summary"') < html.index('id="sb-plan-goals"') \
        < html.index('id="sb-plan-professional"')
    assert "长期目标" in html and "课时" in html


def test_answer_form_has_nothing_preselected_and_shows_the_saved_answer(parent, child, world):
    """ARCHITECTURE "Pages": nothing is pre-selected for a consent; after a save the page shows the saved
    answer, not a fresh form. An empty answer is refused with a message, nothing saved."""
    url = f"/family/{child.pk}/plan/"
    html = parent.get(url).content.decode()
    form = html[html.index('id="sb-answer-form"'):html.index("</form>", html.index('id="sb-answer-form"'))]
    assert 'name="answer"' in form and "checked" not in form
    before = PlanResponse.objects.count()
    r = parent.post(url, {"answer": "", "comment": ""})
    assert r.status_code == 200 and PlanResponse.objects.count() == before
    assert r.context["form"].errors["answer"]
    r = parent.post(url, {"answer": "disagree", "comment": ""})  # a disagreement needs a comment
    assert r.status_code == 200 and "comment" in r.context["form"].errors
    r = parent.post(url, {"answer": "disagree", "comment": "希望增加户外活动"}, follow=True)
    html = r.content.decode()
    assert 'id="sb-saved-answer"' in html and "不同意" in html and 'id="sb-answer-form"' not in html
    # changing the answer is a deliberate step, again with nothing pre-selected
    html = parent.get(url + "?change=1").content.decode()
    form = html[html.index('id="sb-answer-form"'):]
    assert "checked" not in form[:form.index("</form>")]


def test_staff_plan_page_answer_form_is_not_preset(user_client, child, world):
    """The same rule on the plan page the guardian may reach from a staff link: no pre-selected answer, and
    after answering the page shows the answer."""
    plan = Plan.objects.get(student=child, state="in_force", school_year=SchoolYear.current())
    c = user_client("hc_parent")
    html = c.get(f"/iep/{plan.pk}/").content.decode()
    form = html[html.index('id="sb-respond"'):html.index("</form>", html.index('id="sb-respond"'))]
    assert "checked" not in form
    c.post(f"/iep/{plan.pk}/respond/", {"answer": "agree"})
    html = c.get(f"/iep/{plan.pk}/").content.decode()
    assert 'id="sb-my-answer"' in html and 'id="sb-respond"' not in html


def test_sessions_by_week(parent, child, world):
    """IEP-5: the sessions the child received, week by week, against the weekly minimum."""
    from django.utils import timezone

    from suiban.iep.sessions import session_log

    session_log(actor=world.users["hc_s1_class"], student_ids=[child.pk], date=timezone.localdate(), hours=1,
                kind="individual_tutoring", teacher_name="王老师")
    r = parent.get(f"/family/{child.pk}/sessions/")
    weeks = r.context["weeks"]
    assert len(weeks) == 8 and weeks[0]["current"]
    assert any(x["teacher"] == "王老师" for x in weeks[0]["sessions"])
    assert "个别辅导" in r.content.decode()


def test_record_views_show_role_and_school_never_names(parent, child, user_client, world):
    """SEC-3, PIPL: the guardian sees which roles and schools viewed or exported the child's record — from the
    audit log — without the staff member's name or account."""
    user_client("hc_s1_class").get(f"/students/{child.pk}/")
    assert AuditEvent.objects.filter(object_type="student", object_id=str(child.pk),
                                     actor=world.users["hc_s1_class"]).exists()
    r = parent.get(f"/family/{child.pk}/record/")
    rows = r.context["rows"]
    assert rows and rows[0]["what"] == "查看了档案"
    assert "班主任" in rows[0]["who"] and child.school.name in rows[0]["who"]
    html = r.content.decode()
    teacher = world.users["hc_s1_class"]
    assert teacher.username not in html and teacher.display_name not in html
    # the guardian's own visits are not listed as someone else's
    assert all("家长" not in row["who"] for row in rows)


def test_correction_round_trip(parent, child, user_client, world):
    """PIPL art. 46: the guardian requests a correction; it reaches the school leader's inbox; the leader answers
    on record (nothing pre-selected); the guardian sees the answer; both steps are audited."""
    url = f"/family/{child.pk}/corrections/"
    r = parent.post(url, {"field": "", "requested_value": ""})
    assert r.status_code == 200 and {"field", "requested_value"} <= set(r.context["form"].errors)
    r = parent.post(url, {"field": "birth_date", "current_value": "2017-03-01", "requested_value": "2017-03-10",
                          "reason": "出生证明上是 3 月 10 日"})
    assert r.status_code == 302
    req = CorrectionRequest.objects.get(student=child, state="open")
    leader = world.users["hc_s1_leader"]
    items = [i for i in inbox.items_for(leader) if i.kind == "students.correction_to_answer"]
    assert [i.object_id for i in items] == [req.pk] and items[0].url == f"/family/requests/{req.pk}/"
    assert not [i for i in inbox.items_for(world.users["hc_s2_leader"]) if i.kind == "students.correction_to_answer"]
    assert user_client("hc_s2_leader").get(f"/family/requests/{req.pk}/").status_code == 404
    lc = user_client("hc_s1_leader")
    html = lc.get(f"/family/requests/{req.pk}/").content.decode()
    form = html[html.index('id="sb-request-answer"'):]
    assert "checked" not in form[:form.index("</form>")]
    r = lc.post(f"/family/requests/{req.pk}/", {"decision": "", "answer": ""})
    assert r.status_code == 200 and {"decision", "answer"} <= set(r.context["form"].errors)
    r = lc.post(f"/family/requests/{req.pk}/", {"decision": "accepted", "answer": "已按出生证明更正",
                                                "version": req.version}, follow=True)
    assert 'id="sb-request-answered"' in r.content.decode()
    req.refresh_from_db()
    assert req.state == "accepted" and req.answered_by == leader
    assert not [i for i in inbox.items_for(leader) if i.kind == "students.correction_to_answer"]
    html = parent.get(url).content.decode()
    assert "已按出生证明更正" in html and "已更正" in html
    assert AuditEvent.objects.filter(action="students.correction.requested", object_id=str(req.pk)).exists()
    assert AuditEvent.objects.filter(action="students.correction.answered", object_id=str(req.pk)).exists()
    # answered is final
    r = lc.post(f"/family/requests/{req.pk}/", {"decision": "refused", "answer": "改主意"})
    req.refresh_from_db()
    assert req.state == "accepted"


def test_correction_services_check_scope_and_permission(world, child):
    from suiban.core.errors import DomainError, PermissionDenied

    other = Student.objects.filter(school=child.school).exclude(pk=child.pk).first()
    with pytest.raises(PermissionDenied):
        services.correction_request(actor=world.users["hc_parent"], student=other, field="name",
                                    requested_value="x")
    with pytest.raises(PermissionDenied):
        services.correction_request(actor=world.users["hc_s1_leader"], student=child, field="name",
                                    requested_value="x")
    req = services.correction_request(actor=world.users["hc_parent"], student=child, field="name",
                                      requested_value="陈雪")
    with pytest.raises(PermissionDenied):
        services.correction_answer(actor=world.users["hc_s1_resource"], request=req, accept=True, answer="好")
    with pytest.raises(DomainError) as exc:
        services.correction_answer(actor=world.users["hc_s1_leader"], request=req, accept=None, answer="")
    assert {e["field"] for e in exc.value.errors} == {"decision", "answer"}


def test_record_page_queries_do_not_grow_with_the_views(parent, child, user_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user_client("hc_s1_class").get(f"/students/{child.pk}/")
    with CaptureQueriesContext(connection) as one:
        parent.get(f"/family/{child.pk}/record/")
    for who in ("hc_s1_leader", "hc_s1_resource", "hc_bureau"):
        user_client(who).get(f"/students/{child.pk}/")
    with CaptureQueriesContext(connection) as many:
        r = parent.get(f"/family/{child.pk}/record/")
    assert len(r.context["rows"]) >= 4
    assert len(many.captured_queries) == len(one.captured_queries)


def test_home_visits_are_shown_by_week_when_the_home_delivery_module_has_them(parent, child, monkeypatch):
    """Visits of home-delivered education (another module) appear in the week they were made, read through the
    app registry without importing that module; without such a model the page still works."""
    from datetime import timedelta
    from types import SimpleNamespace

    from django.apps import apps
    from django.utils import timezone

    today = timezone.localdate()

    class Rows(list):
        def filter(self, **kw):
            assert kw["student"] == child
            return self

        def order_by(self, *a):
            return self

    class HomeVisit:
        _meta = SimpleNamespace(get_fields=lambda: [SimpleNamespace(name=n, concrete=True)
                                                    for n in ("student", "date", "hours")])
        _default_manager = Rows([SimpleNamespace(date=today, hours=2), SimpleNamespace(date=today - timedelta(7),
                                                                                      hours=1.5)])

    config = apps.get_app_config("homebound")
    monkeypatch.setattr(config, "get_models", lambda *a, **k: [HomeVisit])
    weeks = parent.get(f"/family/{child.pk}/sessions/").context["weeks"]
    assert [v["date"] for v in weeks[0]["visits"]] == [today]
    assert [v["date"] for v in weeks[1]["visits"]] == [today - timedelta(7)]
