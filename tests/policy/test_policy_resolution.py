"""Policy resolution along the region tree with per-level overrides.

Rules: ARCHITECTURE §5 "policy is data" (a profile attaches to a region and is inherited below it,
each level able to override; rules read parameters through one function), PL-4 (class_advised_max,
class_hard_max), HB-4 (teachers_per_visit), SEC-1 (lockout parameters), SEC-3 (overrides audited),
ORG-4 (out-of-scope subjects are 404).
"""

import re

import pytest
from django.utils.html import escape
from django.utils.translation import override as language

from suiban import policy
from suiban.core.errors import DomainError
from suiban.core.models import AuditEvent
from suiban.org.models import School
from suiban.policy import services
from suiban.policy.models import PolicyOverride
from suiban.policy.resolve import effective, invalidate, resolve_all

HC_PROVINCE, HC_CITY, HC_DISTRICT = "350000", "350200", "350205"
GD_PROVINCE, GD_DISTRICT = "440000", "440106"
HC_S1, HC_S2, GD_S1 = "3502050101", "3502050102", "4401060101"


def hc_schools():
    return list(School.objects.filter(region__code=HC_DISTRICT))


def gd_schools():
    return list(School.objects.filter(region__code=GD_DISTRICT))


@pytest.fixture
def set_override(world, django_capture_on_commit_callbacks):
    """set_override(name, value, region=… | school=…) through the service, running its on-commit hooks
    (the cache invalidation) as a real commit would."""

    def do(name, value, actor="admin", **subject):
        with django_capture_on_commit_callbacks(execute=True):
            return services.override_set(actor=world.users[actor], name=name, value=value, **subject)

    return do


# --- profiles along the tree ----------------------------------------------------------------------------


def test_hc_school_resolves_its_own_profile_value_with_origin_profile(world):
    """ARCH §5 / HB-4: a 海沧区 school takes teachers_per_visit=2 from hc-2023, attached to 海沧区."""
    profile, resolved = resolve_all(world.schools[HC_S1])
    assert profile == "hc-2023"
    r = resolved["teachers_per_visit"]
    assert r.value == 2
    assert r.origin == "profile"
    assert r.profile == "hc-2023"
    assert r.where == "海沧区"


def test_hc_school_inherits_class_hard_max_from_gd_through_hc_profile(world):
    """ARCH §5 / PL-4: hc-2023 is silent on class_hard_max and inherits gd-2020's 3."""
    _profile, resolved = resolve_all(world.schools[HC_S1])
    r = resolved["class_hard_max"]
    assert r.value == 3
    assert r.origin == "profile"
    assert r.profile == "gd-2020"
    assert resolved["class_advised_max"].value == 2
    assert resolved["class_advised_max"].profile == "gd-2020"


def test_tianhe_school_inherits_gd_profile_attached_to_the_province(world):
    """ARCH §5: gd-2020 attached to 广东省 is inherited by 广州市 → 天河区 → its schools."""
    for school in gd_schools():
        profile, resolved = resolve_all(school)
        assert profile == "gd-2020"
        assert resolved["class_hard_max"].value == 3
        assert resolved["class_hard_max"].origin == "profile"
        assert resolved["class_hard_max"].where == "广东省"
    # A region below the province resolves the same profile.
    assert resolve_all(world.regions[GD_DISTRICT])[0] == "gd-2020"
    assert resolve_all(world.regions["440100"])[0] == "gd-2020"


def test_parameter_no_profile_sets_keeps_the_declared_default(world):
    """ARCH §5: where the profiles are silent (gd-2020 on teachers_per_visit) the declared default holds."""
    _profile, resolved = resolve_all(world.schools[GD_S1])
    assert resolved["teachers_per_visit"].origin == "default"
    assert resolved["teachers_per_visit"].value == 2
    assert resolved["lockout_attempts"].origin == "default"
    assert resolved["lockout_attempts"].value == 5


def test_region_above_the_profile_has_no_profile(world):
    """ARCH §5: a profile is inherited downwards only — 福建省 and 厦门市 are above hc-2023."""
    assert resolve_all(world.regions[HC_PROVINCE])[0] is None
    assert resolve_all(world.regions[HC_CITY])[0] is None
    assert resolve_all(world.regions[HC_DISTRICT])[0] == "hc-2023"


# --- overrides --------------------------------------------------------------------------------------------


def test_city_override_applies_to_every_school_of_its_districts(world, set_override):
    """ARCH §5 / PL-4: class_hard_max=4 on 厦门市 applies to every 海沧区 school, not to 天河区."""
    resolve_all(world.schools[HC_S1])  # warm the cache: the override must invalidate it
    set_override("class_hard_max", 4, region=world.regions[HC_CITY])
    for school in hc_schools():
        r = resolve_all(school)[1]["class_hard_max"]
        assert (r.value, r.origin, r.where) == (4, "region", "厦门市"), school.name
        assert policy.value(school, "class_hard_max") == 4
    for school in gd_schools():
        assert policy.value(school, "class_hard_max") == 3


def test_district_override_beats_the_city_override(world, set_override):
    """ARCH §5: the nearer region wins — 海沧区's override beats 厦门市's."""
    set_override("class_hard_max", 4, region=world.regions[HC_CITY])
    set_override("class_hard_max", 5, region=world.regions[HC_DISTRICT])
    for school in hc_schools():
        r = resolve_all(school)[1]["class_hard_max"]
        assert (r.value, r.origin, r.where) == (5, "region", "海沧区")
    assert policy.value(world.regions[HC_CITY], "class_hard_max") == 4


def test_school_override_beats_the_district_override(world, set_override):
    """ARCH §5: a school's own override beats its district's; the district's other schools keep the district's."""
    set_override("class_hard_max", 5, region=world.regions[HC_DISTRICT])
    set_override("class_hard_max", 6, school=world.schools[HC_S1])
    r = resolve_all(world.schools[HC_S1])[1]["class_hard_max"]
    assert (r.value, r.origin, r.where) == (6, "school", world.schools[HC_S1].name)
    assert policy.value(world.schools[HC_S2], "class_hard_max") == 5


def test_district_override_beats_the_profile_attached_to_it(world, set_override):
    """ARCH §5: an override at the profile's own level beats the profile value (teachers_per_visit 2 → 3)."""
    set_override("teachers_per_visit", 3, region=world.regions[HC_DISTRICT])
    r = resolve_all(world.schools[HC_S2])[1]["teachers_per_visit"]
    assert (r.value, r.origin) == (3, "region")


def test_province_override_beats_the_profile_attached_to_the_province(world, set_override):
    """ARCH §5: 广东省's override of class_hard_max beats gd-2020 for all 天河区 schools."""
    set_override("class_hard_max", 4, region=world.regions[GD_PROVINCE])
    for school in gd_schools():
        assert policy.value(school, "class_hard_max") == 4
    assert policy.value(world.schools[HC_S1], "class_hard_max") == 3


def test_system_wide_override_applies_where_nothing_else_sets_it(world):
    """ARCH §5: a system-wide override sets a parameter everywhere no profile or region sets it."""
    PolicyOverride.objects.create(name="teachers_per_visit", value=3, region=None, school=None)
    invalidate()
    r = resolve_all(world.schools[GD_S1])[1]["teachers_per_visit"]
    assert (r.value, r.origin) == (3, "system")
    # hc-2023 sets teachers_per_visit itself, so 海沧区 keeps its profile value.
    r = resolve_all(world.schools[HC_S1])[1]["teachers_per_visit"]
    assert (r.value, r.origin, r.profile) == (2, "profile", "hc-2023")


def test_system_wide_override_reaches_subjectless_parameters(world):
    """SEC-1 ⚙ / ARCH §5: system parameters (no school) read system-wide overrides."""
    PolicyOverride.objects.create(name="lockout_attempts", value=3, region=None, school=None)
    invalidate()
    assert policy.value(None, "lockout_attempts") == 3
    assert resolve_all(None)[1]["lockout_attempts"].origin == "system"


def test_override_is_audited(world, set_override):
    """SEC-3: overriding a parameter is an audited change with before/after."""
    region = world.regions[HC_CITY]
    ov = set_override("class_hard_max", 4, region=region)
    ev = AuditEvent.objects.filter(action="policy.override.set", object_id=str(ov.pk)).latest("id")
    assert ev.actor_username == "admin"
    assert ev.object_type == "policyoverride"
    assert ev.changes == {"class_hard_max": [None, 4]}
    assert ev.region_path == region.path

    ov2 = set_override("class_hard_max", 5, region=region)
    assert ov2.pk == ov.pk
    assert PolicyOverride.objects.filter(name="class_hard_max", region=region).count() == 1
    ev = AuditEvent.objects.filter(action="policy.override.set", object_id=str(ov.pk)).latest("id")
    assert ev.changes == {"class_hard_max": [4, 5]}


@pytest.mark.parametrize("name, value, field", [
    ("class_hard_max", "three", "value"),  # not an integer
    ("class_hard_max", 0, "value"),  # below the declared minimum (1)
    ("class_hard_max", True, "value"),  # a boolean is not an integer
    ("school_year_start", "9月1日", "value"),  # not MM-DD
    ("no_such_parameter", 3, "name"),  # unknown parameter
])
def test_invalid_override_is_refused_with_a_field_error_and_nothing_written(world, set_override, name, value,
                                                                          field):
    """ARCH §5 / SEC-5: an override of the wrong type or an unknown parameter is refused; nothing is written."""
    overrides = PolicyOverride.objects.count()
    events = AuditEvent.objects.filter(action="policy.override.set").count()
    with pytest.raises(DomainError) as info:
        set_override(name, value, region=world.regions[HC_DISTRICT])
    assert info.value.status == 422
    assert field in {e["field"] for e in info.value.errors}
    assert PolicyOverride.objects.count() == overrides
    assert AuditEvent.objects.filter(action="policy.override.set").count() == events
    assert policy.value(world.schools[HC_S1], "class_hard_max") == 3


def test_bureau_officer_overrides_inside_their_region(world, set_override):
    """ARCH §5 / ORG-4: hc_bureau may override for 海沧区 and its schools."""
    set_override("class_hard_max", 2, actor="hc_bureau", school=world.schools[HC_S2])
    assert policy.value(world.schools[HC_S2], "class_hard_max") == 2


@pytest.mark.parametrize("target", ["gd_school", "gd_district", "hc_city"])
def test_bureau_officer_cannot_override_outside_their_region(world, set_override, target):
    """ARCH §5 / ORG-4: hc_bureau overriding a 天河区 school, 天河区 or the city above them is refused."""
    subject = {"gd_school": {"school": world.schools[GD_S1]},
               "gd_district": {"region": world.regions[GD_DISTRICT]},
               "hc_city": {"region": world.regions[HC_CITY]}}[target]
    with pytest.raises(DomainError):
        set_override("class_hard_max", 5, actor="hc_bureau", **subject)
    assert not PolicyOverride.objects.filter(name="class_hard_max").exists()
    assert policy.value(world.schools[GD_S1], "class_hard_max") == 3


@pytest.mark.parametrize("username", ["hc_s1_leader", "secadmin", "auditor"])
def test_roles_without_policy_manage_cannot_override(world, set_override, username):
    """SEC-2 / ARCH §5: school staff and the security/audit administrators cannot change policy."""
    with pytest.raises(DomainError) as info:
        set_override("class_hard_max", 5, actor=username, school=world.schools[HC_S1])
    assert info.value.status == 403
    assert not PolicyOverride.objects.filter(name="class_hard_max").exists()


def test_effective_dict_holds_every_declared_parameter(world):
    """ARCH §5: the effective policy lists every declared parameter with its value."""
    from suiban.policy.params import PARAMS

    eff = effective(world.schools[HC_S1])
    assert eff["profile"] == "hc-2023"
    assert set(eff["parameters"]) == set(PARAMS)


def test_unknown_parameter_name_raises_when_read(world):
    """ARCH §5: reading an undeclared parameter is a programming error, never a silent default."""
    with pytest.raises(KeyError):
        policy.value(world.schools[HC_S1], "class_hardmax")


# --- API ------------------------------------------------------------------------------------------------


def test_effective_policy_api_returns_profile_and_parameters_with_the_override(world, api_client, set_override):
    """API.md / ARCH §5: GET /api/v1/policy/effective?school= → {"profile", "parameters"} with overrides."""
    school = world.schools[HC_S1]
    set_override("class_hard_max", 4, school=school)
    resp = api_client("hc_bureau").get(f"/api/v1/policy/effective?school={school.pk}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["profile"] == "hc-2023"
    assert body["parameters"]["class_hard_max"] == 4
    assert body["parameters"]["teachers_per_visit"] == 2
    assert body["sources"]["class_hard_max"]["origin"] == "school"
    assert body["sources"]["teachers_per_visit"]["origin"] == "profile"
    assert body["sources"]["class_hard_max"]["rule"] == "PL-4"


def test_effective_policy_api_for_a_school_outside_scope_is_404(world, api_client):
    """ORG-4: a school outside the caller's scope behaves as if it did not exist (404 problem+json)."""
    resp = api_client("hc_bureau").get(f"/api/v1/policy/effective?school={world.schools[GD_S1].pk}")
    assert resp.status_code == 404
    assert resp["Content-Type"].startswith("application/problem+json")
    assert resp.json()["code"] == "not_found"
    assert "parameters" not in resp.json()
    # Another school of the same district is out of a school leader's scope too.
    resp = api_client("hc_s1_leader").get(f"/api/v1/policy/effective?school={world.schools[HC_S2].pk}")
    assert resp.status_code == 404


def test_effective_policy_api_for_a_school_leader_of_their_own_school(world, api_client):
    """ARCH §5: school staff read the policy in force for their school."""
    resp = api_client("gd_s1_leader").get(f"/api/v1/policy/effective?school={world.schools[GD_S1].pk}")
    assert resp.status_code == 200
    assert resp.json()["profile"] == "gd-2020"


# --- page ---------------------------------------------------------------------------------------------


def param_row(html: str, name: str) -> str:
    m = re.search(rf'<tr data-param="{re.escape(name)}">(.*?)</tr>', html, re.S)
    assert m, f"no row for {name}"
    return m.group(1)


def test_policy_page_shows_each_parameter_and_where_it_came_from(world, user_client, set_override):
    """ARCH §5: /policy/?school= lists every parameter with its value and origin."""
    from suiban.policy.params import PARAMS

    school = world.schools[HC_S1]
    set_override("class_hard_max", 4, region=world.regions[HC_DISTRICT])
    resp = user_client("hc_bureau").get("/policy/", {"school": school.pk})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert set(re.findall(r'<tr data-param="([a-z0-9_]+)">', html)) == set(PARAMS)

    _profile, resolved = resolve_all(school)
    with language("zh-hans"):
        labels = {n: str(resolved[n].origin_label) for n in ("class_hard_max", "teachers_per_visit",
                                                             "lockout_attempts")}
    override_row = param_row(html, "class_hard_max")
    assert escape(labels["class_hard_max"]) in override_row
    assert "海沧区" in override_row
    assert ">4<" in override_row

    profile_row = param_row(html, "teachers_per_visit")
    assert escape(labels["teachers_per_visit"]) in profile_row
    assert "海沧区推进义务教育阶段随班就读工作（2023）" in profile_row  # the profile by name, not its code
    assert "hc-2023" not in profile_row

    default_row = param_row(html, "lockout_attempts")
    assert escape(labels["lockout_attempts"]) in default_row
    # Three different origins give three different labels.
    assert len(set(labels.values())) == 3


def test_policy_page_for_a_school_outside_scope_is_404(world, user_client):
    """ORG-4: the page answers 404 for a school outside the caller's scope."""
    resp = user_client("hc_bureau").get("/policy/", {"school": world.schools[GD_S1].pk})
    assert resp.status_code == 404
