"""The side menu: each entry names the permission it needs; the shell shows only what the roles allow.

Apps add their entries in ``<app>/menu.py`` (discovered at start-up, core/registry.py)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: object
    url_name: str
    permission: str | None
    icon: str
    group: object = ""
    family: bool = False  # an entry of the family's own pages: the only entries a guardian sees


MENU: list[MenuItem] = []


def add(key, label, url_name, permission, icon, group="", *, family=False):
    MENU.append(MenuItem(key, label, url_name, permission, icon, group, family))


def family_only(user) -> bool:
    """A user whose every role is scoped to one child (a parent or guardian): they get the family's own pages,
    never the staff roster, lists or filters (ARCHITECTURE "Pages")."""
    grants = user.grants() if getattr(user, "is_authenticated", False) else []
    return bool(grants) and all(g.kind == "student" for g in grants)


add("home", _("Home"), "core:home", None, "house")
add("inbox", _("To do"), "core:inbox", "dashboard.view", "inbox")
add("students", _("Student roster"), "students:list", "students.view", "person-vcard", _("Students"))
add("cases", _("Cases"), "cases:list", "cases.view", "folder2-open", _("Students"))
add("archives", _("Archives"), "archives:school_list", "archives.view", "archive", _("Students"))
add("ieps", _("Education plans"), "iep:list", "iep.view", "journal-check", _("Individual education"))
add("sessions", _("Tutoring sessions"), "iep:sessions", "iep.records", "clock-history", _("Individual education"))
add("below_minimum", _("Below the weekly minimum"), "iep:below_minimum", "iep.records", "exclamation-triangle",
    _("Individual education"))
add("regions", _("Regions"), "org:region_list", "org.view", "diagram-3", _("Organisation"))
add("schools", _("Schools"), "org:school_list", "org.view", "building", _("Organisation"))
add("classes", _("Classes"), "org:class_list", "org.view", "people", _("Organisation"))
add("centres", _("Resource centres"), "org:centre_list", "org.view", "hospital", _("Organisation"))
add("years", _("School years"), "org:year_list", "org.view", "calendar3", _("Organisation"))
add("policy", _("Effective policy"), "policy:effective", "policy.view", "sliders", _("Policy"))
add("users", _("Accounts"), "accounts:user_list", "accounts.view", "person-gear", _("Security"))
add("audit", _("Audit log"), "core:audit_list", "audit.view", "journal-text", _("Security"))


def _permissions(user) -> frozenset:
    """Every permission some role of the user carries (the menu depends on nothing else)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return frozenset().union(*(g.permissions for g in user.grants()))


# The menu structure for one set of permissions: (key, url, groups of entries). Built once per set of permissions
# and script prefix (a role version that changes the permissions gives another key), so a page reverses no URL and
# checks no permission for its menu. Entries are added at start-up only (``len(MENU)`` is in the key all the same).
_STRUCTURES: dict[tuple, tuple] = {}
_STRUCTURES_MAX = 512


def _structure(family: bool, perms: frozenset):
    from django.urls import get_script_prefix

    key = (get_script_prefix(), len(MENU), family, perms)
    found = _STRUCTURES.get(key)
    if found is None:
        items = [i for i in MENU if i.family == family and (not i.permission or i.permission in perms)]
        urls = tuple((i.key, reverse(i.url_name)) for i in items)
        # Items of one group stay together in the order the group first appears, whichever app added them.
        groups: dict[str, tuple] = {}
        for item in items:
            groups.setdefault(str(item.group), (item.group, []))[1].append(item)
        found = (key, urls, tuple((group, tuple(entries)) for group, entries in groups.values()))
        if len(_STRUCTURES) >= _STRUCTURES_MAX:
            _STRUCTURES.clear()
        _STRUCTURES[key] = found
    return found


def _active(urls, current_path: str):
    """The active entry: the one whose address is the longest prefix of the current path."""
    best, length = None, -1
    for k, url in urls:
        if (current_path == url if k == "home" else current_path.startswith(url)) and len(url) > length:
            best, length = k, len(url)
    return best


def menu_for(user, current_path: str = ""):
    """[(group label, [{key, label, url, icon, active}, …]), …]: the entries the user's roles allow."""
    _key, urls, groups = _structure(family_only(user), _permissions(user))
    url_of = dict(urls)
    active = _active(urls, current_path)
    return [(group, [{"key": i.key, "label": i.label, "url": url_of[i.key], "icon": i.icon,
                      "active": i.key == active} for i in entries]) for group, entries in groups]


# The side menu's HTML for one structure, active entry and language: the same for every page of every user with
# the same permissions, so it is built once (a dict look-up a page instead of a template loop over the entries).
_HTML: dict[tuple, str] = {}


def menu_html(user, current_path: str = ""):
    from django.utils.html import escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    key, urls, groups = _structure(family_only(user), _permissions(user))
    active = _active(urls, current_path)
    cache_key = (key, active, get_language())
    html = _HTML.get(cache_key)
    if html is None:
        url_of = dict(urls)
        parts = []
        for group, entries in groups:
            if group:
                parts.append(f'<div class="sb-menu-group small text-muted px-2 mt-3 mb-1">{escape(group)}</div>')
            parts.append('<ul class="nav nav-pills flex-column">')
            parts.extend(
                f'<li class="nav-item"><a class="nav-link {"active" if i.key == active else ""}" '
                f'data-menu="{escape(i.key)}" href="{escape(url_of[i.key])}"><i class="bi bi-{escape(i.icon)}"></i> '
                f'{escape(i.label)}</a></li>' for i in entries)
            parts.append("</ul>")
        html = "\n".join(parts)
        if len(_HTML) >= _STRUCTURES_MAX * 4:
            _HTML.clear()
        _HTML[cache_key] = html
    return mark_safe(html)  # noqa: S308 — every value above is escaped
