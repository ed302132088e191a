"""Resolving policy parameters along the region tree (ARCHITECTURE §5).

Order, later wins: declared default → system-wide overrides → the profiles attached
along the region path (province down; the nearest wins) → explicit region overrides
(province down; the nearest wins, and any override beats any profile value) → the
school's overrides. ``value(subject, name)`` is the one function rules read parameters with.
"""

import time
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from suiban.policy.params import PARAMS
from suiban.policy.profiles import registry

_CACHE: dict = {}
_CACHE_SECONDS = 30


def _profile_name(code: str) -> str:
    """A profile as people know it (its name, e.g. 海沧区推进…（2023）), not its code."""
    profile = registry().profiles.get(code)
    return f"《{profile.name}》" if profile is not None and profile.name else code


@dataclass(frozen=True)
class Resolved:
    value: object
    origin: str  # "default" | "system" | "profile" | "region" | "school"
    where: str  # region or school name the value came from
    profile: str | None  # the profile that states the value (may be inherited by the attached one)
    attached: str | None = None  # the profile attached to the region

    @property
    def origin_label(self) -> str:
        # Translated when shown, so a cached resolution serves every language.
        if self.origin == "profile":
            if self.attached and self.attached != self.profile:
                return _("Profile %(profile)s via %(attached)s (attached to %(region)s)") % {
                    "profile": _profile_name(self.profile), "attached": _profile_name(self.attached),
                    "region": self.where}
            return _("Profile %(profile)s (attached to %(region)s)") % {"profile": _profile_name(self.profile),
                                                                        "region": self.where}
        if self.origin == "region":
            return _("Override for %(region)s") % {"region": self.where}
        if self.origin == "school":
            return _("Override for %(school)s") % {"school": self.where}
        if self.origin == "system":
            return _("System-wide override")
        return _("Built-in default")


def invalidate():
    _CACHE.clear()


def _subject_key(subject):
    """Reduce anything to (region_path, school_id): a school, a region, or an object that knows its school."""
    from suiban.org.models import Region, School

    if subject is None:
        return "", None
    if isinstance(subject, School):
        return subject.region_path, subject.pk
    if isinstance(subject, Region):
        return subject.path, None
    if hasattr(subject, "policy_school"):
        school = subject.policy_school()
        return school.region_path, school.pk
    raise TypeError(f"cannot resolve policy for {subject!r}")


def _cached(key, compute):
    hit = _CACHE.get(key)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    result = compute()
    _CACHE[key] = (time.monotonic() + _CACHE_SECONDS, result)
    return result


def cached(key: tuple, compute):
    """A value derived from the policy tables (overrides, attached profiles), kept and invalidated with the
    resolutions."""
    return _cached(("derived", *key), compute)


def _schools_with_overrides() -> frozenset:
    """School-level overrides are rare: one query says which schools have any, so every other school
    shares its district's resolution (a province-wide import resolves ~120 districts, not 16,000 schools)."""
    from suiban.policy.models import PolicyOverride

    return _cached(("schools-with-overrides",), lambda: frozenset(
        PolicyOverride.objects.filter(school__isnull=False).values_list("school_id", flat=True)))


def overridden(name: str) -> tuple[frozenset, tuple]:
    """(ids of the schools, paths of the regions) with their own override of ``name``: cached like every
    resolution, so a list computing a parameter per school in SQL (a CASE) asks the database once a while."""
    from suiban.policy.models import PolicyOverride

    def compute():
        rows = list(PolicyOverride.objects.filter(name=name).filter(Q(school__isnull=False) | Q(region__isnull=False))
                    .values_list("school_id", "region__path"))
        return (frozenset(s for s, _p in rows if s is not None), tuple(sorted({p for _s, p in rows if p})))

    return _cached(("overridden", name), compute)


def resolve_all(subject) -> tuple[str | None, dict[str, Resolved]]:
    region_path, school_id = _subject_key(subject)
    if school_id and school_id not in _schools_with_overrides():
        school_id = None
    return _cached((region_path, school_id), lambda: _compute(region_path, school_id))


def _compute(region_path: str, school_id):
    from suiban.org.models import Region
    from suiban.policy.models import PolicyOverride

    profiles = registry().profiles
    out = {name: Resolved(p.default, "default", "", None) for name, p in PARAMS.items()}
    codes = [c for c in region_path.split("/") if c]
    paths = ["/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
    regions = {r.path: r for r in Region.objects.filter(path__in=paths)}
    overrides = list(
        PolicyOverride.objects.filter(Q(region__path__in=paths) | Q(region__isnull=True, school__isnull=True)
                                      | Q(school_id=school_id or 0)).select_related("region", "school"))
    for o in overrides:
        if o.region_id is None and o.school_id is None:
            out[o.name] = Resolved(o.value, "system", "", None)
    profile_code = None
    for path in paths:  # profiles first, from the province down: the nearest attached profile wins
        region = regions.get(path)
        if region is not None and region.profile and region.profile in profiles:
            prof = profiles[region.profile]
            profile_code = prof.code
            for name, (val, src_code) in prof.flat.items():
                out[name] = Resolved(val, "profile", region.name, src_code, prof.code)
    for path in paths:  # then explicit region overrides, which beat any profile; nearer beats farther
        region = regions.get(path)
        for o in overrides:
            if region is not None and o.region_id == region.pk:
                out[o.name] = Resolved(o.value, "region", region.name, None)
    for o in overrides:
        if school_id and o.school_id == school_id:
            out[o.name] = Resolved(o.value, "school", o.school.name, None)
    return profile_code, out


def value(subject, name: str):
    if name not in PARAMS:
        raise KeyError(f"unknown policy parameter {name!r}")
    return resolve_all(subject)[1][name].value


def effective(subject) -> dict:
    profile, resolved = resolve_all(subject)
    return {"profile": profile, "parameters": {k: v.value for k, v in resolved.items()}}


def rubric(subject):
    profile_code, _res = resolve_all(subject)
    if not profile_code:
        return None
    return registry().profiles[profile_code].effective_rubric
