"""The side menu: each entry names the permission it needs; the shell shows only what the roles allow.

Apps add their entries in ``<app>/menu.py`` (discovered at start-up, core/registry.py)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from suiban.core.scoping import has_perm


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


def menu_for(user, current_path: str = ""):
    family = family_only(user)
    items = [i for i in MENU if i.family == family and (not i.permission or has_perm(user, i.permission))]
    urls = {i.key: reverse(i.url_name) for i in items}
    # The active entry is the one whose address is the longest prefix of the current path.
    matches = [k for k, url in urls.items() if (current_path == url if k == "home" else current_path.startswith(url))]
    active = max(matches, key=lambda k: len(urls[k]), default=None)
    # Items of one group stay together in the order the group first appears, whichever app added them.
    groups: dict[str, tuple] = {}
    for item in items:
        entry = {"key": item.key, "label": item.label, "url": urls[item.key], "icon": item.icon,
                 "active": item.key == active}
        groups.setdefault(str(item.group), (item.group, []))[1].append(entry)
    return list(groups.values())
