"""The side menu: each entry names the permission it needs; the shell shows only what the roles allow."""

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


MENU: list[MenuItem] = []


def add(key, label, url_name, permission, icon, group=""):
    MENU.append(MenuItem(key, label, url_name, permission, icon, group))


add("home", _("Home"), "core:home", None, "house")
add("students", _("Student roster"), "students:list", "students.view", "person-vcard", _("Students"))
add("cases", _("Cases"), "cases:list", "cases.view", "folder2-open", _("Students"))
add("archives", _("Archives"), "archives:school_list", "archives.view", "archive", _("Students"))
add("regions", _("Regions"), "org:region_list", "org.view", "diagram-3", _("Organisation"))
add("schools", _("Schools"), "org:school_list", "org.view", "building", _("Organisation"))
add("classes", _("Classes"), "org:class_list", "org.view", "people", _("Organisation"))
add("centres", _("Resource centres"), "org:centre_list", "org.view", "hospital", _("Organisation"))
add("years", _("School years"), "org:year_list", "org.view", "calendar3", _("Organisation"))
add("policy", _("Effective policy"), "policy:effective", "policy.view", "sliders", _("Policy"))
add("users", _("Accounts"), "accounts:user_list", "accounts.view", "person-gear", _("Security"))
add("audit", _("Audit log"), "core:audit_list", "audit.view", "journal-text", _("Security"))


def menu_for(user, current_path: str = ""):
    groups: list[tuple] = []
    for item in MENU:
        if item.permission and not has_perm(user, item.permission):
            continue
        url = reverse(item.url_name)
        active = current_path == url if item.key == "home" else current_path.startswith(url)
        entry = {"key": item.key, "label": item.label, "url": url, "icon": item.icon, "active": active}
        if groups and groups[-1][0] == item.group:
            groups[-1][1].append(entry)
        else:
            groups.append((item.group, [entry]))
    return groups
