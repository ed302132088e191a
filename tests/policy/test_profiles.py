"""Policy profiles loader (ARCHITECTURE §5 "policy is data"; RR-3 rubric as versioned data).

Pure tests: no database. Profile folders are written into ``tmp_path``.
"""

import copy
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from suiban.policy.profiles import ProfileError, load_profiles

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "profiles"
METHODS = {"查阅资料", "实地查看", "现场测量"}

# A small rubric that passes validation: one area of 100 points.
VALID_RUBRIC = {
    "version": 1,
    "name": "测试指标",
    "areas": [
        {
            "code": "A1",
            "name": "区域",
            "points": 100,
            "indicators": [
                {
                    "code": "1",
                    "name": "指标",
                    "points": 100,
                    "items": [
                        {
                            "code": "1.1",
                            "text": "要求一",
                            "points": 60,
                            "methods": ["查阅资料"],
                            "source": "HC",
                            "criteria": [{"text": "甲", "points": 40}, {"text": "乙", "points": 20}],
                        },
                        {
                            "code": "1.2",
                            "text": "要求二",
                            "points": 40,
                            "alternatives": [20],
                            "methods": ["实地查看", "现场测量"],
                            "source": "default",
                        },
                    ],
                }
            ],
        }
    ],
}


def to_yaml(obj) -> str:
    return yaml.safe_dump(obj, allow_unicode=True, sort_keys=False)


def write_profile(root: Path, code: str, folder: str | None = None, rubric: dict | None = None, **fields):
    """Write ``root/<folder>/profile.yaml`` (and ``rubric.yaml``); return the folder."""
    path = root / (folder or code)
    path.mkdir(parents=True)
    data = {"code": code, "name": f"Profile {code}", "version": 1, "source": "TEST", **fields}
    (path / "profile.yaml").write_text(to_yaml(data), encoding="utf-8")
    if rubric is not None:
        (path / "rubric.yaml").write_text(to_yaml(rubric), encoding="utf-8")
    return path


def load_error(root: Path) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        load_profiles(root)
    return info.value


def all_items(rubric: dict):
    for area in rubric["areas"]:
        for indicator in area["indicators"]:
            for item in indicator["items"]:
                yield indicator, item


@pytest.fixture(scope="module")
def shipped():
    return load_profiles(SHIPPED_DIR)


@pytest.fixture
def hc_rubric(shipped):
    return shipped["hc-2023"].effective_rubric


# --- the shipped profiles ----------------------------------------------------------------------


def test_shipped_profiles_folder_loads_gd_2020_and_hc_2023(shipped):
    """ARCHITECTURE policy profiles: the profiles shipped in the repository validate."""
    assert {"gd-2020", "hc-2023"} <= set(shipped)
    assert shipped["hc-2023"].version == 1
    assert shipped["hc-2023"].source == "HC"


def test_settings_profile_dir_is_the_shipped_folder():
    """ARCHITECTURE policy profiles: SUIBAN_PROFILE_DIR defaults to the repository's profiles/."""
    if not settings.configured:
        pytest.skip("Django settings are not configured (run without pytest-django)")
    assert Path(settings.SUIBAN_PROFILE_DIR).resolve() == SHIPPED_DIR


def test_hc_2023_inherits_values_it_does_not_set_from_gd_2020(shipped):
    """ARCHITECTURE policy profiles: HC inherits GD where HC is silent; `flat` names the source."""
    hc = shipped["hc-2023"]
    assert hc.inherits == "gd-2020"
    assert hc.flat["class_hard_max"] == (3, "gd-2020")
    assert hc.flat["class_advised_max"] == (2, "gd-2020")
    assert hc.flat["tutoring_min_hours_per_week"] == (3, "gd-2020")


def test_hc_2023_own_values_are_attributed_to_hc_2023(shipped):
    """RR-4/RR-5: HC's own parameters come from hc-2023 in `flat`."""
    hc = shipped["hc-2023"]
    assert hc.flat["assessment_cycle_years"] == (2, "hc-2023")
    assert hc.flat["grade_exemplary_min"] == (90, "hc-2023")
    assert hc.flat["grade_qualified_min"] == (75, "hc-2023")
    assert "assessment_cycle_years" not in shipped["gd-2020"].flat


def test_hc_2023_rubric_has_four_areas_totalling_100(hc_rubric):
    """RR-3: 组织管理 20, 基础设施 20, 运行制度 35, 师资队伍 25 = 100."""
    areas = [(a["name"], a["points"]) for a in hc_rubric["areas"]]
    assert areas == [("组织管理", 20), ("基础设施", 20), ("运行制度", 35), ("师资队伍", 25)]
    total = sum((Decimal(str(item["points"])) for _ind, item in all_items(hc_rubric)), Decimal(0))
    assert total == 100


def test_hc_2023_rubric_has_15_indicators_with_their_points(hc_rubric):
    """RR-3: the 15 B-level indicators of HC 附件1/附件3 and their points."""
    indicators = [(i["code"], i["points"]) for a in hc_rubric["areas"] for i in a["indicators"]]
    assert indicators == [
        ("1", 11), ("2", 6), ("3", 3),
        ("4", 5), ("5", 3), ("6", 6), ("7", 6),
        ("8", 5), ("9", 10), ("10", 10), ("11", 6), ("12", 4),
        ("13", 6), ("14", 16), ("15", 3),
    ]


def test_hc_2023_rubric_offers_alternative_scores_only_on_4_1_4_2_and_5_1(hc_rubric):
    """RR-3 (RUBRIC.md): 4.1 专用 3 / 兼用 1.5; 4.2 ≥ 60 m² 2 / smaller 1; 5 一楼 3 / accessible 2."""
    alternatives = {item["code"]: item["alternatives"] for _ind, item in all_items(hc_rubric)
                    if item.get("alternatives")}
    assert alternatives == {"4.1": [1.5], "4.2": [1], "5.1": [2]}


def test_hc_2023_rubric_marks_items_1_to_5_hc_and_6_to_15_default(hc_rubric):
    """RR-3 (RUBRIC.md): C-level lines of indicators 6–15 are the product's defaults."""
    for indicator, item in all_items(hc_rubric):
        expected = "HC" if int(indicator["code"]) <= 5 else "default"
        assert item["source"] == expected, item["code"]


def test_hc_2023_rubric_uses_only_the_three_check_methods(hc_rubric):
    """RR-3: check methods are 查阅资料 / 实地查看 / 现场测量."""
    for _ind, item in all_items(hc_rubric):
        assert item["methods"], item["code"]
        assert set(item["methods"]) <= METHODS, item["code"]


def test_hc_2023_rubric_criteria_of_items_1_1_to_1_3_add_up(hc_rubric):
    """RR-3: C-level sub-points add up to the item's points."""
    items = {item["code"]: item for _ind, item in all_items(hc_rubric)}
    for code in ("1.1", "1.2", "1.3"):
        criteria = items[code]["criteria"]
        assert len(criteria) >= 2
        assert sum(c["points"] for c in criteria) == items[code]["points"]


def test_gd_2020_has_no_rubric_of_its_own(shipped):
    """RR-3: the rubric lives in the HC profile."""
    assert shipped["gd-2020"].rubric is None
    assert shipped["gd-2020"].effective_rubric is None


# --- inheritance -------------------------------------------------------------------------------


def test_child_profile_overrides_parent_value_and_inherits_the_rest(tmp_path):
    """ARCHITECTURE policy profiles: a child's value wins; the rest come from the parent."""
    write_profile(tmp_path, "base", parameters={"class_hard_max": 3, "tutoring_min_hours_per_week": 3})
    write_profile(tmp_path, "child", inherits="base", parameters={"tutoring_min_hours_per_week": 4})
    profiles = load_profiles(tmp_path)
    child, base = profiles["child"].flat, profiles["base"].flat
    assert child == {"class_hard_max": (3, "base"), "tutoring_min_hours_per_week": (4, "child")}
    assert base == {"class_hard_max": (3, "base"), "tutoring_min_hours_per_week": (3, "base")}


def test_child_profile_without_rubric_uses_the_parents_rubric(tmp_path):
    """RR-3: the effective rubric is inherited when a profile has none."""
    write_profile(tmp_path, "base", rubric=VALID_RUBRIC)
    write_profile(tmp_path, "child", inherits="base")
    profiles = load_profiles(tmp_path)
    assert profiles["child"].rubric is None
    assert profiles["child"].effective_rubric == VALID_RUBRIC


def test_profile_inheriting_an_unknown_profile_is_rejected(tmp_path):
    """ARCHITECTURE policy profiles: `inherits` must name a loaded profile."""
    folder = write_profile(tmp_path, "child", inherits="nowhere")
    error = load_error(tmp_path)
    assert error.key == "inherits"
    assert str(folder / "profile.yaml") in str(error)
    assert "nowhere" in str(error)


def test_inheritance_loop_is_rejected(tmp_path):
    """ARCHITECTURE policy profiles: a → b → a is a loop."""
    write_profile(tmp_path, "a", inherits="b")
    write_profile(tmp_path, "b", inherits="a")
    error = load_error(tmp_path)
    assert error.key == "inherits"
    assert "loop" in error.problem


def test_profile_inheriting_itself_is_rejected(tmp_path):
    """ARCHITECTURE policy profiles: a → a is a loop."""
    write_profile(tmp_path, "a", inherits="a")
    error = load_error(tmp_path)
    assert error.key == "inherits"
    assert "loop" in error.problem


# --- profile.yaml validation -------------------------------------------------------------------


def test_profile_error_is_improperly_configured():
    """ARCHITECTURE policy profiles: a bad profile stops start-up like any bad configuration."""
    assert issubclass(ProfileError, ImproperlyConfigured)


def test_valid_minimal_profile_loads(tmp_path):
    """ARCHITECTURE policy profiles: code, name, version and source are enough."""
    write_profile(tmp_path, "plain")
    profiles = load_profiles(tmp_path)
    assert profiles["plain"].flat == {}
    assert profiles["plain"].effective_rubric is None


def test_unknown_top_level_key_names_the_file_and_the_key(tmp_path):
    """ARCHITECTURE policy profiles: a bad profile names the file, the key and the problem."""
    folder = write_profile(tmp_path, "bad", paramters={"class_hard_max": 3})
    error = load_error(tmp_path)
    assert isinstance(error, ImproperlyConfigured)
    assert error.key == "paramters"
    assert str(folder / "profile.yaml") in str(error)
    assert "'paramters'" in str(error)
    assert "unknown key" in str(error)


def test_unknown_parameter_name_is_rejected(tmp_path):
    """ARCHITECTURE §5: every parameter is declared; an unknown name is an error."""
    folder = write_profile(tmp_path, "bad", parameters={"class_max_hard": 3})
    error = load_error(tmp_path)
    assert error.key == "parameters.class_max_hard"
    assert "unknown parameter" in error.problem
    assert str(folder / "profile.yaml") in str(error)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("class_hard_max", "3"),                      # text for an integer
        ("class_hard_max", True),                     # a YAML bool is not an integer
        ("class_hard_max", 2.5),                      # a fraction is not an integer
        ("tutoring_min_hours_per_week", False),       # a bool is not a number
        ("homebound_hukou_in_district", "yes"),       # text for a bool
        ("compensatory_training_kinds", "感统训练"),   # text for a list
    ],
)
def test_parameter_of_the_wrong_type_is_rejected(tmp_path, name, value):
    """ARCHITECTURE §5: each parameter is declared with its type."""
    write_profile(tmp_path, "bad", parameters={name: value})
    error = load_error(tmp_path)
    assert error.key == f"parameters.{name}"


def test_parameter_outside_its_range_is_rejected(tmp_path):
    """ARCHITECTURE §5 / SEC-3: audit retention must be at least 183 days (≥ 6 months)."""
    write_profile(tmp_path, "bad", parameters={"audit_retention_days": 30})
    error = load_error(tmp_path)
    assert error.key == "parameters.audit_retention_days"
    assert "at least" in error.problem


@pytest.mark.parametrize("value", ["9-1", "13-01", "09-32", "0901", "09/01", 901])
def test_malformed_month_day_is_rejected(tmp_path, value):
    """ORG-2 / ARCHITECTURE §5: a month_day parameter is written MM-DD."""
    write_profile(tmp_path, "bad", parameters={"school_year_start": value})
    error = load_error(tmp_path)
    assert error.key == "parameters.school_year_start"
    assert "MM-DD" in error.problem


def test_code_must_equal_the_folder_name(tmp_path):
    """ARCHITECTURE policy profiles: profiles/<code>/profile.yaml."""
    write_profile(tmp_path, "hc-2024", folder="hc-2023")
    error = load_error(tmp_path)
    assert error.key == "code"
    assert "hc-2023" in error.problem


def test_version_must_be_an_integer(tmp_path):
    """ARCHITECTURE policy profiles: profiles are versioned."""
    write_profile(tmp_path, "bad", version="1.0")
    error = load_error(tmp_path)
    assert error.key == "version"


def test_folder_without_profile_yaml_is_rejected(tmp_path):
    """ARCHITECTURE policy profiles: every folder under profiles/ is a profile."""
    (tmp_path / "empty").mkdir()
    error = load_error(tmp_path)
    assert error.path == str(tmp_path / "empty" / "profile.yaml")


def test_missing_profile_folder_is_rejected(tmp_path):
    """ARCHITECTURE policy profiles: start-up stops when the folder is missing."""
    error = load_error(tmp_path / "nowhere")
    assert error.key == "(folder)"


def test_invalid_yaml_names_the_file(tmp_path):
    """ARCHITECTURE policy profiles: a syntax error names the file."""
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "profile.yaml").write_text("code: [broken\n", encoding="utf-8")
    error = load_error(tmp_path)
    assert error.path == str(folder / "profile.yaml")
    assert "YAML" in error.problem


def test_class_advised_max_above_class_hard_max_is_rejected(tmp_path):
    """PL-4: the advised number per class cannot exceed the hard maximum."""
    write_profile(tmp_path, "bad", parameters={"class_advised_max": 4, "class_hard_max": 3})
    error = load_error(tmp_path)
    assert error.key == "parameters.class_advised_max"


def test_class_advised_max_above_inherited_class_hard_max_is_rejected(tmp_path):
    """PL-4: consistency is checked on the values after inheritance; the child's file is named."""
    write_profile(tmp_path, "base", parameters={"class_advised_max": 2, "class_hard_max": 3})
    child = write_profile(tmp_path, "child", inherits="base", parameters={"class_advised_max": 4})
    error = load_error(tmp_path)
    assert error.key == "parameters.class_advised_max"
    assert error.path == str(child / "profile.yaml")


def test_grade_qualified_min_above_grade_exemplary_min_is_rejected(tmp_path):
    """RR-5: 达标 threshold cannot exceed the 示范 threshold."""
    write_profile(tmp_path, "bad", parameters={"grade_exemplary_min": 70, "grade_qualified_min": 75})
    error = load_error(tmp_path)
    assert error.key == "parameters.grade_qualified_min"


# --- rubric.yaml validation (RR-3) -------------------------------------------------------------


def bad_rubric(mutate) -> dict:
    rubric = copy.deepcopy(VALID_RUBRIC)
    mutate(rubric)
    return rubric


def test_valid_rubric_loads(tmp_path):
    """RR-3: a rubric whose points add up at every level loads as the profile's rubric."""
    write_profile(tmp_path, "r", rubric=VALID_RUBRIC)
    profiles = load_profiles(tmp_path)
    assert profiles["r"].rubric == VALID_RUBRIC
    assert profiles["r"].effective_rubric == VALID_RUBRIC


def test_rubric_indicator_points_not_adding_up_names_rubric_yaml_and_key_path(tmp_path):
    """RR-3: items must add up to their indicator's points."""

    def mutate(r):
        r["areas"][0]["indicators"][0]["items"][1]["points"] = 30
        r["areas"][0]["indicators"][0]["items"][1]["alternatives"] = [15]

    folder = write_profile(tmp_path, "r", rubric=bad_rubric(mutate))
    error = load_error(tmp_path)
    assert error.path == str(folder / "rubric.yaml")
    assert "rubric.yaml" in str(error)
    assert error.key == "areas[0].indicators[0].points"
    assert "areas[0].indicators[0].points" in str(error)
    assert "90" in error.problem


def test_rubric_area_points_not_adding_up_is_rejected(tmp_path):
    """RR-3: indicators must add up to their area's points."""

    def mutate(r):
        r["areas"][0]["points"] = 90

    write_profile(tmp_path, "r", rubric=bad_rubric(mutate))
    error = load_error(tmp_path)
    assert error.key == "areas[0].points"


def test_rubric_total_other_than_100_is_rejected(tmp_path):
    """RR-3: the four areas add up to 100."""

    def mutate(r):
        area = r["areas"][0]
        area["points"] = area["indicators"][0]["points"] = 90
        area["indicators"][0]["items"][1]["points"] = 30
        area["indicators"][0]["items"][1]["alternatives"] = [15]

    write_profile(tmp_path, "r", rubric=bad_rubric(mutate))
    error = load_error(tmp_path)
    assert error.key == "areas"
    assert "100" in error.problem


def test_rubric_criteria_sub_points_not_adding_up_is_rejected(tmp_path):
    """RR-3: C-level sub-points add up to the item's points."""

    def mutate(r):
        r["areas"][0]["indicators"][0]["items"][0]["criteria"][1]["points"] = 10

    folder = write_profile(tmp_path, "r", rubric=bad_rubric(mutate))
    error = load_error(tmp_path)
    assert error.path == str(folder / "rubric.yaml")
    assert error.key == "areas[0].indicators[0].items[0].criteria"


@pytest.mark.parametrize("alternative", [40, 45, -1])
def test_rubric_alternative_score_not_below_the_items_points_is_rejected(tmp_path, alternative):
    """RR-3: scores can never exceed an item's points; an alternative is a partial score."""

    def mutate(r):
        r["areas"][0]["indicators"][0]["items"][1]["alternatives"] = [alternative]

    write_profile(tmp_path, "r", rubric=bad_rubric(mutate))
    error = load_error(tmp_path)
    assert error.key == "areas[0].indicators[0].items[1].alternatives"


def test_rubric_unknown_check_method_is_rejected(tmp_path):
    """RR-3: check methods are 查阅资料 / 实地查看 / 现场测量."""

    def mutate(r):
        r["areas"][0]["indicators"][0]["items"][0]["methods"] = ["查阅资料", "电话询问"]

    write_profile(tmp_path, "r", rubric=bad_rubric(mutate))
    error = load_error(tmp_path)
    assert error.key == "areas[0].indicators[0].items[0].methods"
    assert "电话询问" in error.problem


def test_rubric_item_source_other_than_hc_or_default_is_rejected(tmp_path):
    """RR-3 (RUBRIC.md): every C-level line is marked source HC or default."""

    def mutate(r):
        r["areas"][0]["indicators"][0]["items"][0]["source"] = "GD"

    write_profile(tmp_path, "r", rubric=bad_rubric(mutate))
    error = load_error(tmp_path)
    assert error.key == "areas[0].indicators[0].items[0].source"


def test_rubric_duplicate_item_code_is_rejected(tmp_path):
    """RR-3: item codes identify the lines scored by the panel."""

    def mutate(r):
        r["areas"][0]["indicators"][0]["items"][1]["code"] = "1.1"

    write_profile(tmp_path, "r", rubric=bad_rubric(mutate))
    error = load_error(tmp_path)
    assert error.key == "areas[0].indicators[0].items[1].code"


def test_rubric_item_missing_its_methods_is_rejected(tmp_path):
    """RR-3: every C-level requirement has its check methods."""

    def mutate(r):
        del r["areas"][0]["indicators"][0]["items"][0]["methods"]

    write_profile(tmp_path, "r", rubric=bad_rubric(mutate))
    error = load_error(tmp_path)
    assert error.key == "areas[0].indicators[0].items[0].methods"
    assert error.problem == "missing"


def test_rubric_without_areas_is_rejected(tmp_path):
    """RR-3: a rubric is a list of A-level areas."""
    write_profile(tmp_path, "r", rubric={"version": 1, "name": "空"})
    error = load_error(tmp_path)
    assert error.key == "areas"
