"""The amendment page of a plan in force (IEP-2 (4), IEP-3): every field of each active goal is amended there
(domain, compensatory training kind, measurement, dates …), a long-term goal is retired with its short-term
goals, a new long-term goal is added with its first short-term goal; the service's errors show in Chinese next to
the field or goal they concern and nothing is saved."""

import html
import json
import re
from datetime import timedelta

import pytest

from suiban.iep import services
from suiban.iep.models import Goal, Plan, PlanVersion

TEACHER = "hc_s1_resource"


@pytest.fixture
def amendable(world, new_student, plan_in_force):
    """A fresh plan in force (revision 1): one long-term goal (daily living) with one short-term goal."""
    p = Plan.objects.get(pk=plan_in_force(new_student())["id"])
    long_goal = p.goals.get(kind=Goal.LONG)
    return p, long_goal, long_goal.children.get()


def _page_data(client, p) -> dict:
    """What the browser sends back from the amendment page unchanged: every field's value, no box ticked."""
    r = client.get(f"/iep/{p.pk}/amend/")
    assert r.status_code == 200
    form = r.context["form"]
    data = {}
    for name in form.fields:
        if name.endswith("_retire"):
            continue
        v = form[name].value()
        data[name] = v.isoformat() if hasattr(v, "isoformat") else ("" if v is None else v)
    return data


def _state(p) -> tuple:
    """The plan's revision and version, its kept versions and every goal with all its fields."""
    p = Plan.objects.get(pk=p.pk)
    goals = [(g.pk, g.parent_id, g.retired_in_revision, g.version, *(getattr(g, f) for f in services.GOAL_FIELDS))
             for g in Goal.objects.filter(plan=p).order_by("pk")]
    return p.revision, p.version, PlanVersion.objects.filter(plan=p).count(), goals


def _snapshot(p, number) -> dict:
    return json.loads(PlanVersion.objects.get(plan=p, number=number).snapshot_json)


def _errors_after(page: str, name: str) -> list[str]:
    """The error messages rendered right after the field's widget (before the next field's label)."""
    start = page.index(f'id="id_{name}"')
    end = page.find("<label", start)
    chunk = page[start:end if end > 0 else len(page)]
    return [html.unescape(m) for m in re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', chunk)]


def _goal_block(page: str, goal_id: int) -> str:
    start = page.index(f'data-goal="{goal_id}"')
    return html.unescape(page[start:page.index("</fieldset>", start)])


def test_amending_domain_training_kind_measurement_and_start_date_records_a_new_revision(user_client, amendable):
    """IEP-3: domain, compensatory training kind, measurement and start date of the goals are amended on the
    page; the amendment is revision 2 with the new values, revision 1 keeps the old ones."""
    p, long_goal, short = amendable
    kind = services.training_kinds(p.school)[0]
    c = user_client(TEACHER)
    data = _page_data(c, p)
    new_start = p.start_date + timedelta(days=7)
    data.update({"reason": "调整为补偿训练目标", f"g{long_goal.pk}_domain": "compensatory",
                 f"g{long_goal.pk}_training_kind": kind, f"g{short.pk}_domain": "safety",
                 f"g{short.pk}_measurement": "trials", f"g{short.pk}_start_date": new_start.isoformat()})
    r = c.post(f"/iep/{p.pk}/amend/", data)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    p.refresh_from_db()
    assert p.revision == 2
    long_goal.refresh_from_db()
    short.refresh_from_db()
    assert (long_goal.domain, long_goal.training_kind) == ("compensatory", kind)
    assert (short.domain, short.measurement, short.start_date) == ("safety", "trials", new_start)
    assert short.retired_in_revision is None and long_goal.retired_in_revision is None
    v1, v2 = (_snapshot(p, n) for n in (1, 2))
    assert v2["goals"][0]["domain"] == "compensatory" and v2["goals"][0]["training_kind"] == kind
    assert v2["goals"][0]["short_term"][0]["measurement"] == "trials"
    assert v2["goals"][0]["short_term"][0]["start_date"] == new_start.isoformat()
    assert v1["goals"][0]["domain"] == "daily_living" and v1["goals"][0]["short_term"][0]["measurement"] == "checklist"


def test_retiring_a_long_term_goal_on_the_page_retires_its_short_term_goals(user_client, amendable, world):
    """IEP-2 (4)/IEP-3: retiring a long-term goal on the amendment page retires it and its short-term goals
    (kept for the earlier revisions); the other long-term goal stays."""
    p, long_goal, short = amendable
    tree = [{"id": long_goal.pk, **{f: getattr(long_goal, f) for f in services.GOAL_FIELDS},
             "short_term": [{"id": short.pk, **{f: getattr(short, f) for f in services.GOAL_FIELDS}}]},
            {**{f: getattr(long_goal, f) for f in services.GOAL_FIELDS}, "domain": "safety",
             "target_behaviour": "知道校园安全出口",
             "short_term": [{**{f: getattr(short, f) for f in services.GOAL_FIELDS}, "domain": "",
                             "target_behaviour": "能指出教室最近的安全出口"}]}]
    services.plan_amend(actor=world.users[TEACHER], plan=p, reason="增加安全目标", version=p.version, goals=tree)
    safety = p.goals.get(kind=Goal.LONG, retired_in_revision__isnull=True, domain="safety")
    c = user_client(TEACHER)
    data = _page_data(c, p)
    data.update({"reason": "生活自理目标已达成", f"g{long_goal.pk}_retire": "on"})
    r = c.post(f"/iep/{p.pk}/amend/", data)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    p.refresh_from_db()
    assert p.revision == 3
    assert Goal.objects.get(pk=long_goal.pk).retired_in_revision == 3
    assert Goal.objects.get(pk=short.pk).retired_in_revision == 3  # its short-term goal goes with it
    assert set(p.goals.filter(retired_in_revision__isnull=True).values_list("pk", flat=True)) == {
        safety.pk, safety.children.get().pk}
    v2, v3 = (_snapshot(p, n) for n in (2, 3))
    assert [g["id"] for g in v3["goals"]] == [safety.pk]
    assert [g["id"] for g in v2["goals"]] == [long_goal.pk, safety.pk]


def test_adding_a_long_term_goal_with_its_first_short_term_goal_on_the_page(user_client, amendable):
    """IEP-3: the amendment page adds a new long-term goal (here compensatory training of a kind of the policy)
    with its first short-term goal, which takes the long-term goal's domain and kind and the plan's dates."""
    p, long_goal, short = amendable
    kind = services.training_kinds(p.school)[0]
    c = user_client(TEACHER)
    data = _page_data(c, p)
    data.update({"reason": "增加补偿训练目标", "nl_domain": "compensatory", "nl_training_kind": kind,
                 "nl_target_behaviour": "能完成简单的感统训练项目", "nl_measures": "每周两次训练",
                 "nl_attainment_method": "训练记录", "nls_target_behaviour": "能连续走平衡木 3 米",
                 "nls_baseline": "需扶持", "nls_target_level": "独立完成", "nls_measurement": "trials",
                 "nls_mastery_criterion": "5 次中 4 次成功", "nls_responsible_teacher": "张悦",
                 "nls_measures": "平衡木练习", "nls_attainment_method": "训练记录"})
    r = c.post(f"/iep/{p.pk}/amend/", data)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    p.refresh_from_db()
    assert p.revision == 2
    new_long = p.goals.get(kind=Goal.LONG, created_in_revision=2)
    new_short = new_long.children.get()
    assert (new_long.domain, new_long.training_kind, new_long.position) == ("compensatory", kind, 2)
    assert new_long.target_behaviour == "能完成简单的感统训练项目"
    assert (new_short.domain, new_short.training_kind, new_short.mastery_criterion) == (
        "compensatory", kind, "5 次中 4 次成功")
    assert (new_short.start_date, new_short.end_date) == (p.start_date, p.end_date)
    assert p.goals.filter(retired_in_revision__isnull=True).count() == 4  # the old goals stay
    v2 = _snapshot(p, 2)
    assert [g["id"] for g in v2["goals"]] == [long_goal.pk, new_long.pk]


def test_short_term_goal_without_mastery_criterion_and_goal_before_the_plan_show_chinese_errors_and_save_nothing(
        user_client, amendable):
    """IEP-3: a short-term goal is measurable and a goal lies inside the plan's dates: on the amendment page the
    service's errors show in Chinese next to the short-term goal's mastery criterion and the long-term goal's
    start date; nothing is saved (revision, versions and goals unchanged)."""
    p, long_goal, short = amendable
    before = _state(p)
    c = user_client(TEACHER)
    data = _page_data(c, p)
    data.update({"reason": "调整目标", f"g{short.pk}_mastery_criterion": "",
                 f"g{long_goal.pk}_start_date": (p.start_date - timedelta(days=1)).isoformat()})
    r = c.post(f"/iep/{p.pk}/amend/", data)
    assert r.status_code == 200
    page = r.content.decode()
    assert _errors_after(page, f"g{short.pk}_mastery_criterion") == ["短期目标须可测量：此项为必填项。"]
    [dates] = _errors_after(page, f"g{long_goal.pk}_start_date")
    assert dates.startswith("目标的起止日期须在计划的起止日期内")
    assert _state(p) == before


def test_new_short_term_goal_of_a_new_long_term_goal_with_errors_shows_them_next_to_its_fields(user_client,
                                                                                                amendable):
    """IEP-3: the new long-term goal's first short-term goal without mastery criterion and starting before the
    plan: the errors show in Chinese next to those fields of the new goal, the section stays open, nothing is
    saved."""
    p, _long_goal, _short = amendable
    before = _state(p)
    c = user_client(TEACHER)
    data = _page_data(c, p)
    data.update({"reason": "增加安全目标", "nl_domain": "safety", "nl_target_behaviour": "知道校园安全出口",
                 "nls_target_behaviour": "能指出安全出口", "nls_baseline": "不知道", "nls_target_level": "独立指出",
                 "nls_measurement": "checklist", "nls_responsible_teacher": "李梅", "nls_measures": "实地演练",
                 "nls_attainment_method": "检核表", "nls_start_date": (p.start_date - timedelta(days=3)).isoformat()})
    r = c.post(f"/iep/{p.pk}/amend/", data)
    assert r.status_code == 200
    page = r.content.decode()
    assert _errors_after(page, "nls_mastery_criterion") == ["短期目标须可测量：此项为必填项。"]
    assert _errors_after(page, "nls_start_date")[0].startswith("目标的起止日期须在计划的起止日期内")
    assert re.search(r'<details[^>]*id="sb-new-long-goal" open', page)
    assert _state(p) == before


def test_long_term_goal_left_without_short_term_goals_shows_the_error_on_the_goal_and_saves_nothing(user_client,
                                                                                                      amendable):
    """IEP-3: every long-term goal kept has at least one short-term goal: retiring the only short-term goal of a
    long-term goal that stays shows the Chinese error on that long-term goal; nothing is saved."""
    p, long_goal, short = amendable
    before = _state(p)
    c = user_client(TEACHER)
    data = _page_data(c, p)
    data.update({"reason": "撤销短期目标", f"g{short.pk}_retire": "on"})
    r = c.post(f"/iep/{p.pk}/amend/", data)
    assert r.status_code == 200
    assert "每个长期目标下至少须有一个短期目标。" in _goal_block(r.content.decode(), long_goal.pk)
    assert _state(p) == before
