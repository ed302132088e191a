"""The policy page speaks the user's language (ARCHITECTURE "Pages"; issue: codes on screen): each parameter by
its Chinese name, its value in words, its source in words, and a typed input to change it (ORG-2, PL-4)."""

import re

import pytest

from suiban.policy.display import source_in_words, value_in_words
from suiban.policy.models import PolicyOverride
from suiban.policy.params import PARAMS

HC_S1 = "3502050101"


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_policy_page_shows_no_keys_rule_ids_or_raw_values(world, user_client):
    """No English key, rule id, "GD §" reference or JSON value on the page: names, words and sources in words."""
    resp = user_client("hc_bureau").get("/policy/", {"school": world.schools[HC_S1].pk})
    text = visible_text(resp.content.decode())
    for name in ("class_hard_max", "teachers_per_visit", "school_year_start", "compensatory_training_kinds"):
        assert name not in text
    assert not re.search(r"\b(PL|IEP|HB|ST|FN|RR|SEC|ORG)-\d+\b", text)
    assert "GD §" not in text and "HC §" not in text and "[" not in text
    assert "《广东省义务教育阶段随班就读工作实施细则（征求意见稿）》第十二条" in text  # class cap, GD §12
    assert "9月1日" in text  # the school year's start, as a date


def test_sources_and_values_in_words():
    assert source_in_words("GD §28").endswith("第二十八条")
    assert "第（四）项" in source_in_words("GD §27(4)")
    assert "第三部分第（四）项" in source_in_words("HC §3.4")
    assert value_in_words(PARAMS["homebound_hukou_in_district"], True) in ("是", "Yes")
    assert value_in_words(PARAMS["compensatory_training_kinds"], ["感统训练", "沟通训练"]) == "感统训练、沟通训练"


@pytest.mark.parametrize("name, posted, stored", [
    ("class_advised_max", {"value": "1"}, 1),
    ("school_year_start", {"value": "8月25日"}, "08-25"),
    ("homebound_hukou_in_district", {"value": "0"}, False),
    ("compensatory_training_kinds", {"value": "感统训练\n沟通训练\n"}, ["感统训练", "沟通训练"]),
])
def test_an_override_is_entered_with_an_input_of_the_parameters_type(world, user_client, name, posted, stored):
    """A number, a day of the year, yes/no and a list, each from its own input — no JSON to type."""
    school = world.schools[HC_S1]
    client = user_client("hc_bureau")
    form = client.get("/policy/", {"school": school.pk, "edit": name}).content.decode()
    assert 'name="value"' in form
    resp = client.post(f"/policy/?school={school.pk}", {"name": name, "note": "", **posted})
    assert resp.status_code == 302
    assert PolicyOverride.objects.get(name=name, school=school).value == stored


def test_a_bad_day_of_the_year_is_refused_next_to_the_field(world, user_client):
    school = world.schools[HC_S1]
    resp = user_client("hc_bureau").post(f"/policy/?school={school.pk}", {"name": "school_year_start",
                                                                          "value": "2月30日"})
    assert resp.status_code == 200
    assert not PolicyOverride.objects.filter(name="school_year_start", school=school).exists()
    assert "9月1日" in resp.content.decode()  # the help text and the message say what to enter
