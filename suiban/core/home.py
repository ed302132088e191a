"""Home-page panels: each module contributes figures for the roles that may see them."""

from dataclasses import dataclass

from suiban.core.scoping import has_perm


@dataclass(frozen=True)
class Panel:
    key: str
    permission: str | None
    template: str
    context: object  # callable(user) -> dict
    order: int = 100


PANELS: list[Panel] = []


def register(key, permission, template, context, order=100):
    PANELS.append(Panel(key, permission, template, context, order))


def panels_for(user):
    out = []
    for p in sorted(PANELS, key=lambda p: p.order):
        if p.permission is None or has_perm(user, p.permission):
            out.append({"key": p.key, "template": p.template, **p.context(user)})
    return out
