"""The one permission registry and the roles built from it (ORG-3, SEC-2).

Every permission string is declared once here with its label; asking for an
unknown string raises, so a typo in a view can never silently grant or deny.
Roles are data: a role is a scope type plus a set of permissions.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PERMISSIONS: dict[str, str] = {}


def declare(code: str, label) -> str:
    if code in PERMISSIONS:
        raise ValueError(f"permission {code!r} declared twice")
    PERMISSIONS[code] = label
    return code


def check_known(code: str) -> str:
    if code not in PERMISSIONS:
        raise KeyError(f"unknown permission {code!r}")
    return code


# --- declarations -----------------------------------------------------------
declare("dashboard.view", _("View the home dashboard"))
declare("org.view", _("View regions, schools and classes"))
declare("org.manage_regions", _("Create and edit regions"))
declare("org.manage_schools", _("Create and edit schools and resource centres"))
declare("org.manage_classes", _("Create and edit classes and school years"))
declare("accounts.view", _("View accounts"))
declare("accounts.manage", _("Create, disable and assign roles to accounts"))
declare("policy.view", _("View the effective policy"))
declare("policy.manage", _("Override policy parameters"))
declare("audit.view", _("Search the audit log"))
declare("audit.export", _("Export the audit log"))
declare("students.view", _("View student records"))
declare("students.edit", _("Create and edit student records and placements"))
declare("students.view_identity", _("See full identity and certificate numbers"))
declare("students.export", _("Export the roster"))
declare("students.import", _("Import students from a spreadsheet"))
declare("students.confirm_leaving", _("Confirm leaving outcomes"))
declare("students.rollover", _("Start a new school year (promote students)"))
declare("cases.view", _("View cases"))
declare("cases.submit", _("Submit and withdraw applications"))
declare("cases.review", _("Route cases for review"))
declare("cases.opinion", _("Give the expert committee's opinion"))
declare("cases.decide", _("Decide cases"))
declare("cases.respond_transfer", _("Accept or refuse an incoming transfer"))
declare("archives.view", _("View archives"))
declare("archives.edit", _("Upload archive files and record handovers"))
declare("iep.view", _("View individual education plans"))
declare("iep.records", _("View tutoring sessions, weekly hours, term evaluations, peer support and aids"))
declare("iep.edit", _("Draft and amend plans, record reviews, log sessions and evaluations"))
declare("iep.approve", _("Put individual education plans in force and close them"))
declare("iep.comment", _("Comment on plans under review (itinerant teacher)"))
declare("iep.respond", _("Answer the plan in force as the guardian"))


# --- roles ------------------------------------------------------------------
SCOPE_ALL = "all"
SCOPE_REGION = "region"
SCOPE_SCHOOL = "school"
SCOPE_CLASS = "class"
SCOPE_STUDENT = "student"


@dataclass(frozen=True)
class Role:
    code: str
    label: object
    scope_type: str
    permissions: frozenset[str]


ROLES: dict[str, Role] = {}


def role(code: str, label, scope_type: str, permissions: list[str]) -> Role:
    for p in permissions:
        check_known(p)
    r = Role(code, label, scope_type, frozenset(permissions))
    ROLES[code] = r
    return r


def extend_role(code: str, permissions: list[str]) -> None:
    """Later modules add their permissions to existing roles (keeps roles data-only)."""
    for p in permissions:
        check_known(p)
    r = ROLES[code]
    ROLES[code] = Role(r.code, r.label, r.scope_type, r.permissions | frozenset(permissions))


_ORG_READ = ["dashboard.view", "org.view", "policy.view"]
_STUDENT_READ = ["students.view", "cases.view", "archives.view"]
_SCHOOL_STAFF = _STUDENT_READ + ["students.edit", "students.view_identity", "students.export", "students.import",
                                 "cases.submit", "archives.edit"]

role("sysadmin", _("System administrator"), SCOPE_ALL,
     _ORG_READ + _STUDENT_READ + ["org.manage_regions", "org.manage_schools", "org.manage_classes", "policy.manage",
                                  "students.rollover"])
role("secadmin", _("Security administrator"), SCOPE_ALL, ["org.view", "accounts.view", "accounts.manage"])
role("auditor", _("Audit administrator"), SCOPE_ALL, ["audit.view", "audit.export"])
role("bureau_officer", _("Bureau officer"), SCOPE_REGION,
     _ORG_READ + _STUDENT_READ + ["org.manage_schools", "org.manage_classes", "policy.manage", "audit.view",
                                  "students.edit", "students.view_identity", "students.export", "students.import",
                                  "students.rollover", "cases.review", "cases.decide"])
role("centre_staff", _("Resource centre staff / itinerant teacher"), SCOPE_REGION, _ORG_READ + _STUDENT_READ)
role("expert", _("Expert committee member"), SCOPE_REGION,
     _ORG_READ + _STUDENT_READ + ["students.view_identity", "cases.opinion"])
role("school_leader", _("School leader / inclusion working group"), SCOPE_SCHOOL,
     _ORG_READ + _SCHOOL_STAFF + ["org.manage_classes", "students.confirm_leaving", "cases.respond_transfer"])
role("resource_teacher", _("Resource teacher"), SCOPE_SCHOOL, _ORG_READ + _SCHOOL_STAFF)
role("class_teacher", _("Class teacher"), SCOPE_CLASS, ["dashboard.view", "org.view"] + _STUDENT_READ)
role("guardian", _("Parent / guardian"), SCOPE_STUDENT, ["dashboard.view", "students.view", "cases.view",
                                                            "cases.submit"])

# Individual education (IEP-1..IEP-8)
extend_role("sysadmin", ["iep.view", "iep.records"])
extend_role("bureau_officer", ["iep.view", "iep.records"])
extend_role("expert", ["iep.view", "iep.records"])
extend_role("centre_staff", ["iep.view", "iep.records", "iep.comment"])
extend_role("school_leader", ["iep.view", "iep.records", "iep.edit", "iep.approve"])
extend_role("resource_teacher", ["iep.view", "iep.records", "iep.edit"])
extend_role("class_teacher", ["iep.view", "iep.records", "iep.edit"])
extend_role("guardian", ["iep.view", "iep.respond"])

ADMIN_ROLES = {"sysadmin", "secadmin", "auditor"}


def role_choices():
    return [(r.code, r.label) for r in ROLES.values()]
