"""Data scope (ORG-3, ORG-4): the one place that says what a user may see.

A user's *grants* are their role assignments flattened into plain data (kind,
region path, school, class, student, permissions). ``visible_to(user, perm)``
is the union, over the grants that carry ``perm``, of that grant's scope. Each
scoped model says how to reach region path / school / class / student from its
rows (``SCOPE_LOOKUPS``) and this module builds the filter. Nothing else in the
code base filters by scope by hand.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.http import Http404

from suiban.core.permissions import (
    SCOPE_ALL,
    SCOPE_CLASS,
    SCOPE_REGION,
    SCOPE_SCHOOL,
    SCOPE_STUDENT,
    check_known,
)


@dataclass(frozen=True)
class Grant:
    role: str
    kind: str  # all / region / school / class / student
    permissions: frozenset
    region_id: int | None = None
    region_path: str = ""  # for a school/class/student grant: the school's district path
    school_id: int | None = None
    class_id: int | None = None
    student_id: int | None = None


def grants_for(user, perm: str) -> list[Grant]:
    check_known(perm)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return [g for g in user.grants() if perm in g.permissions]


def has_perm(user, perm: str) -> bool:
    """True when some role of the user grants ``perm`` somewhere."""
    return bool(grants_for(user, perm))


def scope_q(grant: Grant, lookups: dict) -> Q | None:
    """Filter for one grant. ``lookups`` maps region/school/class/student to ORM paths.

    A narrower grant on a model without that level falls back to the next wider
    level the grant knows (a class teacher sees their school's record, a guardian
    the child's class and school).
    """
    if grant.kind == SCOPE_ALL:
        return Q()
    if grant.kind == SCOPE_REGION:
        if "region" in lookups:
            return Q(**{f"{lookups['region']}__startswith": grant.region_path})
        return None
    chain = []
    if grant.kind == SCOPE_STUDENT:
        chain = [("student", grant.student_id), ("class", grant.class_id), ("school", grant.school_id)]
    elif grant.kind == SCOPE_CLASS:
        chain = [("class", grant.class_id), ("school", grant.school_id)]
    elif grant.kind == SCOPE_SCHOOL:
        chain = [("school", grant.school_id)]
    for level, value in chain:
        if level in lookups:
            if value is None:
                return None
            return Q(**{lookups[level]: value})
    if "district" in lookups and grant.region_path:
        # e.g. the Region model itself: a school user sees its own district.
        return Q(**{lookups["district"]: grant.region_path})
    return None


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, perm: str | None = None):
        perm = perm or self.model.VIEW_PERMISSION
        grants = grants_for(user, perm)
        combined = None
        for g in grants:
            q = scope_q(g, self.model.SCOPE_LOOKUPS)
            if q is None:
                continue
            if not q:  # Q() == everything
                return self.all()
            combined = q if combined is None else combined | q
        if combined is None:
            return self.none()
        return self.filter(combined)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def get_visible_or_404(model_or_qs, user, pk, perm: str | None = None):
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs.objects.all()
    try:
        return qs.visible_to(user, perm).get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def can(user, perm: str, obj) -> bool:
    """May ``user`` do ``perm`` on ``obj``? (obj must be a scoped model instance)."""
    return type(obj).objects.filter(pk=obj.pk).visible_to(user, perm).exists()


__all__ = [
    "SCOPE_ALL", "SCOPE_CLASS", "SCOPE_REGION", "SCOPE_SCHOOL", "SCOPE_STUDENT",
    "Grant", "ScopedManager", "ScopedQuerySet", "can", "get_visible_or_404", "grants_for", "has_perm",
]
