"""Registries that domain apps fill and that the pages, the oversight engine and the assessment read.

``core`` imports no domain app (ARCHITECTURE "Layout"). Instead each app may hold three small modules that
are discovered when the project starts (``autodiscover()`` in ``CoreConfig.ready``):

* ``<app>/inbox.py`` — to-do items for the signed-in user (the home page and ``GET /api/v1/inbox``):
  ``inbox.register("iep.plan_to_approve", provider)`` where ``provider(user)`` yields ``InboxItem``\\s.
* ``<app>/checks.py`` — rule checks of the findings engine (OV-1): ``checks.register(Check(...))``.
* ``<app>/evidence.py`` — evidence for a line of the resource-room rubric (RR-7):
  ``evidence.register("9", provider)`` where ``provider(school, school_year)`` returns an ``Evidence``.

``<app>/permissions.py`` (declare permissions, extend roles), ``<app>/menu.py`` (side-menu entries) and
``<app>/home.py`` (home-page figures) are discovered the same way.

Each registry is a plain module-level mapping filled at import time, like the permission registry.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.module_loading import autodiscover_modules

DISCOVERED = ("permissions", "menu", "home", "inbox", "checks", "evidence")


def autodiscover():
    autodiscover_modules(*DISCOVERED)


# --- inbox -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InboxItem:
    """One thing the user must do: ``kind`` is the provider's key, ``title`` a sentence in the user's language,
    ``url`` where it is done, ``due_date`` when (None: no date), ``object_type``/``object_id`` what it is about."""

    kind: str
    title: str
    url: str
    due_date: date | None = None
    object_type: str = ""
    object_id: int | None = None
    overdue: bool = False


@dataclass(frozen=True)
class InboxProvider:
    kind: str
    provider: Callable  # provider(user) -> Iterable[InboxItem]
    permission: str | None = None  # only users holding it are asked


class _Inbox:
    def __init__(self):
        self.providers: dict[str, InboxProvider] = {}

    def register(self, kind: str, provider: Callable, permission: str | None = None) -> None:
        if kind in self.providers:
            raise ValueError(f"inbox kind {kind!r} registered twice")
        self.providers[kind] = InboxProvider(kind, provider, permission)

    def items_for(self, user) -> list[InboxItem]:
        """Every provider the user's roles allow, merged and ordered by due date (undated last)."""
        from suiban.core.scoping import has_perm

        items: list[InboxItem] = []
        for p in self.providers.values():
            if p.permission is None or has_perm(user, p.permission):
                items.extend(p.provider(user))
        return sorted(items, key=lambda i: (i.due_date is None, i.due_date or date.max, i.title))


inbox = _Inbox()


# --- findings checks (OV-1) ----------------------------------------------------------------------------
SEVERITIES = ("info", "warning", "violation")


@dataclass(frozen=True)
class FindingData:
    """What a check found about one subject. ``key`` tells two findings of one rule about one subject apart
    (e.g. the week of a shortfall); ``evidence`` and ``action`` are sentences in the user's language."""

    subject_type: str
    subject_id: int
    subject_name: str
    school_id: int | None
    evidence: str
    due_date: date | None = None
    key: str = ""
    region_id: int | None = None  # for findings about a region rather than a school


@dataclass(frozen=True)
class Check:
    """A rule that data can check. ``compute(school_ids)`` yields ``FindingData`` for those schools (None: every
    school). ``assignee_permission`` names who must act: holders of it whose scope covers the finding's school."""

    rule: str
    severity: str
    subject_type: str
    title: object
    action: object
    assignee_permission: str
    compute: Callable[[list[int] | None], Iterable[FindingData]]
    code: str = ""  # unique check code; defaults to the rule id
    watches: tuple[str, ...] = field(default=())  # "app_label.model" whose changes may change the result

    @property
    def key(self) -> str:
        return self.code or self.rule


class _Checks:
    def __init__(self):
        self.checks: dict[str, Check] = {}

    def register(self, check: Check) -> Check:
        if check.severity not in SEVERITIES:
            raise ValueError(f"check {check.key!r}: unknown severity {check.severity!r}")
        if check.key in self.checks:
            raise ValueError(f"check {check.key!r} registered twice")
        self.checks[check.key] = check
        return check

    def rules(self) -> set[str]:
        return {c.rule for c in self.checks.values()}


checks = _Checks()


# --- rubric evidence (RR-7) ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """What the system holds for one rubric line of one school: a summary sentence, links (label, url), the
    score it proposes (None: no proposal, entered by hand) and the reasoning in words."""

    summary: str
    links: tuple[tuple[str, str], ...] = ()
    proposed_score: Decimal | None = None
    reasoning: str = ""


class _Evidence:
    def __init__(self):
        self.providers: dict[str, Callable] = {}

    def register(self, line_code: str, provider: Callable) -> None:
        if line_code in self.providers:
            raise ValueError(f"evidence for rubric line {line_code!r} registered twice")
        self.providers[line_code] = provider

    def for_line(self, line_code: str, school, school_year) -> Evidence | None:
        provider = self.providers.get(line_code)
        return provider(school, school_year) if provider else None


evidence = _Evidence()
