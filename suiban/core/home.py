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


# A role may have a home of its own (a guardian: the child's page). ``start(request)`` returns the response of
# that page, or None to leave the user the ordinary home (inbox, then figures).
STARTS: list = []


def register_start(start) -> None:
    STARTS.append(start)


def start_page(request):
    for start in STARTS:
        resp = start(request)
        if resp is not None:
            return resp
    return None
