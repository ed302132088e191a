"""Policy profiles: versioned YAML data in ``profiles/<code>/profile.yaml`` (+ optional ``rubric.yaml``).

A profile may inherit another (``inherits: gd-2020``). Loading validates every
file; a bad profile stops start-up with the file, the key and the problem.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from suiban.policy.params import PARAMS, coerce

PROFILE_KEYS = {"code", "name", "version", "source", "inherits", "description", "parameters",
                "effective_from", "expires_on", "draft"}  # OV-6: validity and draft status
RUBRIC_METHODS = {"查阅资料", "实地查看", "现场测量"}
RUBRIC_KEYS = {
    "rubric": {"version", "name", "source", "areas"},
    "area": {"code", "name", "points", "indicators"},
    "indicator": {"code", "name", "points", "items", "evidence"},
    "item": {"code", "text", "points", "methods", "source", "criteria", "alternatives"},
    "criterion": {"text", "points"},
}


@dataclass
class Profile:
    code: str
    name: str
    version: int
    source: str
    inherits: str | None
    parameters: dict
    rubric: dict | None
    path: Path
    description: str = ""
    effective_from: date | None = None  # OV-6
    expires_on: date | None = None
    draft: bool = False
    flat: dict = field(default_factory=dict)  # parameters after inheritance
    effective_rubric: dict | None = None


class ProfileError(ImproperlyConfigured):
    def __init__(self, path, key, problem):
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"Bad policy profile {path}: key '{key}': {problem}")


def _load_yaml(path: Path):
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise ProfileError(path, "(file)", f"not valid YAML: {exc}") from exc


def _num(path, key, value, *, positive=True) -> Decimal:
    """Points are real numbers in 0.5 steps (RUBRIC.md); anything else names the file and key."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileError(path, key, f"expected a number of points, got {value!r}")
    d = Decimal(str(value))
    if (positive and d <= 0) or d < 0 or (d * 2) % 1 != 0:
        raise ProfileError(path, key, f"points must be {'positive ' if positive else ''}multiples of 0.5, got {value}")
    return d


def _mapping(path, key, value, kind):
    if not isinstance(value, dict):
        raise ProfileError(path, key, "expected a mapping")
    unknown = set(value) - RUBRIC_KEYS[kind]
    if unknown:
        raise ProfileError(path, f"{key}.{sorted(unknown)[0]}", "unknown key")
    return value


def _list(path, key, value):
    if not isinstance(value, list) or not value:
        raise ProfileError(path, key, "expected a non-empty list")
    return value


def validate_rubric(path: Path, data) -> dict:
    """RR-3: A → B → C; points add up at every level; methods known; alternatives below the points."""
    if not isinstance(data, dict) or "areas" not in data:
        raise ProfileError(path, "areas", "a rubric needs a list of areas")
    _mapping(path, "(rubric)", data, "rubric")
    total = Decimal(0)
    seen_codes = set()
    for ai, area in enumerate(_list(path, "areas", data["areas"])):
        akey = f"areas[{ai}]"
        _mapping(path, akey, area, "area")
        for k in ("code", "name", "points", "indicators"):
            if k not in area:
                raise ProfileError(path, f"{akey}.{k}", "missing")
        if ("A", area["code"]) in seen_codes:
            raise ProfileError(path, f"{akey}.code", f"duplicate area code {area['code']!r}")
        seen_codes.add(("A", area["code"]))
        b_sum = Decimal(0)
        for bi, ind in enumerate(_list(path, f"{akey}.indicators", area["indicators"])):
            bkey = f"{akey}.indicators[{bi}]"
            _mapping(path, bkey, ind, "indicator")
            for k in ("code", "name", "points", "items"):
                if k not in ind:
                    raise ProfileError(path, f"{bkey}.{k}", "missing")
            if ("B", ind["code"]) in seen_codes:
                raise ProfileError(path, f"{bkey}.code", f"duplicate indicator code {ind['code']!r}")
            seen_codes.add(("B", ind["code"]))
            c_sum = Decimal(0)
            for ci, item in enumerate(_list(path, f"{bkey}.items", ind["items"])):
                ckey = f"{bkey}.items[{ci}]"
                _mapping(path, ckey, item, "item")
                for k in ("code", "text", "points", "methods", "source"):
                    if k not in item:
                        raise ProfileError(path, f"{ckey}.{k}", "missing")
                if item["code"] in seen_codes:
                    raise ProfileError(path, f"{ckey}.code", f"duplicate item code {item['code']!r}")
                seen_codes.add(item["code"])
                methods = _list(path, f"{ckey}.methods", item["methods"])
                unknown = set(methods) - RUBRIC_METHODS
                if unknown:
                    raise ProfileError(path, f"{ckey}.methods", f"unknown check method {sorted(unknown)}")
                if item["source"] not in ("HC", "default"):
                    raise ProfileError(path, f"{ckey}.source", "must be HC or default")
                pts = _num(path, f"{ckey}.points", item["points"])
                alts = item.get("alternatives") or []
                if not isinstance(alts, list):
                    raise ProfileError(path, f"{ckey}.alternatives", "expected a list of scores")
                for alt in alts:
                    if not (0 <= _num(path, f"{ckey}.alternatives", alt, positive=False) < pts):
                        raise ProfileError(path, f"{ckey}.alternatives",
                                           f"alternative score {alt} must be below the item's {pts} points")
                crit = item.get("criteria") or []
                if crit:
                    crit_sum = Decimal(0)
                    for qi, c in enumerate(_list(path, f"{ckey}.criteria", crit)):
                        _mapping(path, f"{ckey}.criteria[{qi}]", c, "criterion")
                        if "points" not in c or "text" not in c:
                            raise ProfileError(path, f"{ckey}.criteria[{qi}]", "needs text and points")
                        crit_sum += _num(path, f"{ckey}.criteria[{qi}].points", c["points"])
                    if crit_sum != pts:
                        raise ProfileError(path, f"{ckey}.criteria",
                                           f"sub-points add up to {crit_sum}, not the item's {pts}")
                c_sum += pts
            if c_sum != _num(path, f"{bkey}.points", ind["points"]):
                raise ProfileError(path, f"{bkey}.points",
                                   f"items add up to {c_sum}, not the indicator's {ind['points']}")
            b_sum += c_sum
        if b_sum != _num(path, f"{akey}.points", area["points"]):
            raise ProfileError(path, f"{akey}.points", f"indicators add up to {b_sum}, not the area's {area['points']}")
        total += b_sum
    if total != 100:
        raise ProfileError(path, "areas", f"areas add up to {total}, not 100")
    return data


def load_profiles(directory: Path) -> dict[str, Profile]:
    directory = Path(directory)
    if not directory.is_dir():
        raise ProfileError(directory, "(folder)", "the profile folder does not exist")
    profiles: dict[str, Profile] = {}
    for folder in sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        path = folder / "profile.yaml"
        if not path.exists():
            raise ProfileError(path, "(file)", "missing profile.yaml")
        data = _load_yaml(path)
        if not isinstance(data, dict):
            raise ProfileError(path, "(file)", "a profile is a mapping")
        for key in data:
            if key not in PROFILE_KEYS:
                raise ProfileError(path, key, "unknown key")
        for key in ("code", "name", "version", "source"):
            if key not in data:
                raise ProfileError(path, key, "missing")
        if data["code"] != folder.name:
            raise ProfileError(path, "code", f"must equal the folder name {folder.name!r}")
        if isinstance(data["version"], bool) or not isinstance(data["version"], int):
            raise ProfileError(path, "version", "expected an integer")
        for key in ("code", "name", "source", "inherits", "description"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ProfileError(path, key, "expected text")
        for key in ("effective_from", "expires_on"):
            if data.get(key) is not None and not isinstance(data[key], date):
                raise ProfileError(path, key, "expected a date (YYYY-MM-DD)")
        if data.get("draft") is not None and not isinstance(data["draft"], bool):
            raise ProfileError(path, "draft", "expected true or false")
        if data.get("effective_from") and data.get("expires_on") and data["expires_on"] <= data["effective_from"]:
            raise ProfileError(path, "expires_on", "must be after effective_from")
        params = data.get("parameters") or {}
        if not isinstance(params, dict):
            raise ProfileError(path, "parameters", "expected a mapping")
        for name, value in params.items():
            if name not in PARAMS:
                raise ProfileError(path, f"parameters.{name}", "unknown parameter")
            try:
                coerce(PARAMS[name], value)
            except ValueError as exc:
                raise ProfileError(path, f"parameters.{name}", str(exc)) from exc
        rubric = None
        rubric_path = folder / "rubric.yaml"
        if rubric_path.exists():
            rubric = validate_rubric(rubric_path, _load_yaml(rubric_path))
        profiles[data["code"]] = Profile(
            code=data["code"], name=data["name"], version=data["version"], source=data["source"],
            inherits=data.get("inherits"), parameters=params, rubric=rubric, path=path,
            description=data.get("description", ""), effective_from=data.get("effective_from"),
            expires_on=data.get("expires_on"), draft=bool(data.get("draft", False)),
        )
    for prof in profiles.values():
        chain, cur = [], prof
        while cur is not None:
            if cur.code in chain:
                raise ProfileError(prof.path, "inherits", f"inheritance loop {' → '.join([*chain, cur.code])}")
            chain.append(cur.code)
            if cur.inherits and cur.inherits not in profiles:
                raise ProfileError(cur.path, "inherits", f"unknown profile {cur.inherits!r}")
            cur = profiles.get(cur.inherits) if cur.inherits else None
        flat, rubric = {}, None
        for code in reversed(chain):
            flat.update({k: (v, code) for k, v in profiles[code].parameters.items()})
            rubric = profiles[code].rubric or rubric
        prof.flat = flat
        prof.effective_rubric = rubric
    for prof in profiles.values():
        values = {k: v for k, (v, _src) in prof.flat.items()}
        _check_consistency(prof.path, values)
    return profiles


def _check_consistency(path, values: dict):
    get = lambda n: values.get(n, PARAMS[n].default)  # noqa: E731
    if get("class_advised_max") > get("class_hard_max"):
        raise ProfileError(path, "parameters.class_advised_max", "must not exceed class_hard_max")
    if get("grade_qualified_min") > get("grade_exemplary_min"):
        raise ProfileError(path, "parameters.grade_qualified_min", "must not exceed grade_exemplary_min")
    if get("homebound_min_age") > get("homebound_max_age"):
        raise ProfileError(path, "parameters.homebound_min_age", "must not exceed homebound_max_age")


@dataclass
class Registry:
    profiles: dict[str, Profile]


_registry: Registry | None = None


def registry() -> Registry:
    global _registry
    if _registry is None:
        _registry = Registry(load_profiles(settings.SUIBAN_PROFILE_DIR))
    return _registry


def reload() -> Registry:
    global _registry
    _registry = None
    return registry()
