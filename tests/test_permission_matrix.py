"""The permission matrix (ARCHITECTURE pattern 7; ORG-3, ORG-4, SEC-2).

Every page and every API operation × every demo account (and anonymous) × an object inside the
account's scope ("own"), one outside it ("other", normally in the other district) and, where it
exists, a neighbour ("near": same district but another school; the sibling class for the class
teacher; the parent city for district accounts) → the status the *spec* expects.

The expectations are written here as data, deliberately not imported from the application:

* ``PERMS`` — what each demo account may do (REQUIREMENTS ORG-3, the separated administrator duties
  of SEC-2, the role table in ``suiban/core/permissions.py`` as reviewed against them);
* ``SCOPE`` + ``covers()`` — what each account may see (ORG-4: a region sees everything below it, a
  school itself and its district, a class teacher their school and only their own class);
* ``ENDPOINTS`` — what each page/operation needs.

``judge()`` combines them in this order, for pages and the API alike:

1. anonymous → pages 302 to /accounts/login/, API 401 (unless the endpoint is public);
2. the account lacks the endpoint's permission altogether → 403 (page: 403.html; API: problem+json
   ``permission_denied``);
3. the object is outside the account's scope → 404, never 403 (for a create form whose choice field
   names an out-of-scope object: the form is re-rendered with an error, 200, nothing written; an API
   create or an import naming one: 422 ``validation_error``, as for an object that does not exist);
4. the object is in scope but the account may not change it → 403;
5. otherwise the endpoint's success status.

Step 4 has one refinement for actions on a case (transition, answer, note, attachment): an account
holding none of the permissions that change cases is refused with 403; an account that may change
the case, but not by *this* step (e.g. the expert routing a case for review, a school that is not the
receiving school answering a transfer), gets the workflow's refusal: API 422 ``invalid_transition``
(API.md), page a redirect back to the case with the message.

Students, cases and archives add the objects ``student`` (own: the guardian's child, in the class
teacher's class; near: another school of the district, the class teacher's other classes, the
guardian's child's classmate), ``case`` (a case of such a student), ``incoming`` (a transfer from
the first to the second 海沧区 school: the receiving school sees it too, PL-7) and the files in an
archive or attached to a case (created by the test, into a temporary MEDIA_ROOT).

Individual education (IEP-1..IEP-8) adds, all about the account's ``student`` (so with the student's scope):
``plan`` (the plan in force), ``draft`` (a plan in draft; ``draft_goal`` one of its goals) and ``review`` (a plan
in review) — a guardian sees only the plan in force of their child, never a draft or a plan in review —, a
``session`` of the student alone, an ``evaluation``, ``peer`` support and an ``aid`` issued. The demo's records
(suiban/demo/iep.py: the first school of each district) are used where they exist, others are created by the test.
The plan workflow follows the case's refinement of step 4: a role holding none of iep.edit / iep.approve /
iep.comment is refused with 403, one holding another of them than the step needs gets 422 ``invalid_transition``;
so does a change the object's state does not allow (editing a plan in force, amending a draft, commenting outside
the review, returning an aid twice). Lists of plans, sessions, evaluations, peer support and aids are compared
with the exact rows the account's scope covers (a session: any of its students), and no response names a student
outside it (group sessions, the school's findings, the below-minimum list).

Writes (POST/PATCH/DELETE) are tried only where the spec says they must be refused; each such case checks
that nothing changed (the target rows and the successful audit events). Each refused write is also
sent by a permitted account (``test_refused_write_payloads_are_accepted_from_a_permitted_account``),
which must change the data: otherwise the refusal would prove nothing (a row refused to every account, a
state that allows the change to nobody, has a sibling row where the same operation succeeds). ``PERMS`` is
compared with the application's role registry (``test_perms_table_is_the_role_registry``), so a role change shows up
as a failing test to review, not as a silent change of the matrix. A route or API operation without
a row here fails ``test_every_page_route_is_in_the_matrix`` / ``test_every_api_operation_is_in_the_matrix``.
"""

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from suiban.demo import world as demo

# --------------------------------------------------------------------------------------------------
# Accounts: permissions and scope (the spec, as data)
# --------------------------------------------------------------------------------------------------
ANON = "anonymous"
ACCOUNTS = [
    "admin", "secadmin", "auditor", "fj_province", "hc_bureau", "hc_center", "hc_expert",
    "hc_s1_leader", "hc_s1_resource", "hc_s1_class", "hc_s2_leader", "hc_parent", "gd_bureau",
    "gd_s1_leader",
]

_ORG_READ = {"dashboard.view", "org.view", "policy.view"}
_STUDENT_READ = {"students.view", "cases.view", "archives.view"}
_SCHOOL_STAFF = _STUDENT_READ | {"students.edit", "students.view_identity", "students.export", "students.import",
                                 "cases.submit", "archives.edit"}
_BUREAU = _ORG_READ | _STUDENT_READ | {
    "org.manage_schools", "org.manage_classes", "policy.manage", "audit.view", "students.edit",
    "students.view_identity", "students.export", "students.import", "students.rollover", "cases.review",
    "cases.decide", "iep.view", "iep.records"}
_LEADER = _ORG_READ | _SCHOOL_STAFF | {"org.manage_classes", "students.confirm_leaving", "cases.respond_transfer",
                                       "iep.view", "iep.records", "iep.edit", "iep.approve"}
# Individual education (IEP-1..IEP-8): everyone who reads student records reads plans (iep.view) and the
# sessions, weekly hours, evaluations, peer support and aids (iep.records) except the security and audit
# administrators — and the guardian, who reads the own child's plan in force only; school staff and the class
# teacher draft and log (iep.edit), the school leader puts plans in force and closes them (iep.approve), the
# resource centre's itinerant teacher comments on plans in review (iep.comment), the guardian answers the plan in
# force (iep.respond).
PERMS: dict[str, set[str]] = {
    # sysadmin: organisation, policy, the school-year rollover and reading student data; NOT accounts, NOT
    # audit, NOT identity numbers (SEC-2 separation of duties, SEC-4)
    "admin": _ORG_READ | _STUDENT_READ | {"org.manage_regions", "org.manage_schools", "org.manage_classes",
                                          "policy.manage", "students.rollover", "iep.view", "iep.records"},
    # security administrator: accounts and roles, plus reading the organisation to bind scopes; no student data
    "secadmin": {"org.view", "accounts.view", "accounts.manage"},
    # audit administrator: the audit log only
    "auditor": {"audit.view", "audit.export"},
    # bureau officers: their region's schools, classes, policy, audit and student records; route and decide cases
    "fj_province": _BUREAU,
    "hc_bureau": _BUREAU,
    "gd_bureau": _BUREAU,
    # resource centre staff / itinerant teacher: read only, and comments on plans in review
    "hc_center": _ORG_READ | _STUDENT_READ | {"iep.view", "iep.records", "iep.comment"},
    # expert committee: read, full identity numbers, the committee's opinion on cases
    "hc_expert": _ORG_READ | _STUDENT_READ | {"students.view_identity", "cases.opinion", "iep.view", "iep.records"},
    # school leaders: the school's records, classes, leaving outcomes, answering incoming transfers; plans in force
    "hc_s1_leader": _LEADER,
    "hc_s2_leader": _LEADER,
    "gd_s1_leader": _LEADER,
    # resource teacher: the school's records and archives, submitting cases; drafting plans, logging sessions
    "hc_s1_resource": _ORG_READ | _SCHOOL_STAFF | {"iep.view", "iep.records", "iep.edit"},
    # class teacher: reads the own class's students, cases and archives; drafts their plans, logs sessions
    "hc_s1_class": {"dashboard.view", "org.view"} | _STUDENT_READ | {"iep.view", "iep.records", "iep.edit"},
    # guardian: the own child's record and cases; submits applications; reads and answers the plan in force
    "hc_parent": {"dashboard.view", "students.view", "cases.view", "cases.submit", "iep.view", "iep.respond"},
}
# --- Each module adds the permissions of each account in its own block (unioned into PERMS below). ---
# staff (ST-1..ST-7, ORG-6, ORG-7, PL-16): pools, staff and training are seen in scope (staff.view); the school
# keeps them (staff.edit), the leader files (staff.file) and does evaluations, wages and nominations
# (staff.incentives); the bureau sees the filing (staff.filing) and keeps centres' staff and experts (staff.experts);
# the centre's itinerant teacher records visits (staff.itinerant), the school answers them (staff.respond); everyone
# with a staff record sees their own (staff.own).
_STAFF_LEADER = {"staff.view", "staff.edit", "staff.file", "staff.incentives", "staff.respond", "staff.own"}
_STAFF_BUREAU = {"staff.view", "staff.filing", "staff.experts", "staff.own"}
STAFF_PERMS: dict[str, set[str]] = {
    "admin": {"staff.view", "staff.filing", "staff.own"},
    "fj_province": _STAFF_BUREAU, "hc_bureau": _STAFF_BUREAU, "gd_bureau": _STAFF_BUREAU,
    "hc_center": {"staff.view", "staff.itinerant", "staff.own"},
    "hc_expert": {"staff.own"},
    "hc_s1_leader": _STAFF_LEADER, "hc_s2_leader": _STAFF_LEADER, "gd_s1_leader": _STAFF_LEADER,
    "hc_s1_resource": {"staff.view", "staff.edit", "staff.respond", "staff.own"},
    "hc_s1_class": {"staff.own"},
}

# funds ledger (FN-1..FN-4): the school keeps its ledger (leader, resource teacher: funds.edit); the bureaus of the
# district and the province read the ledgers of their region and allocate per-pupil funds (funds.allocate); the
# class teacher, the centre's staff, the experts, the guardian and the administrators never see a ledger.
_FUNDS_SCHOOL = {"funds.view", "funds.edit"}
_FUNDS_BUREAU = {"funds.view", "funds.allocate"}
FUNDS_PERMS: dict[str, set[str]] = {
    "fj_province": _FUNDS_BUREAU, "hc_bureau": _FUNDS_BUREAU, "gd_bureau": _FUNDS_BUREAU,
    "hc_s1_leader": _FUNDS_SCHOOL, "hc_s2_leader": _FUNDS_SCHOOL, "gd_s1_leader": _FUNDS_SCHOOL,
    "hc_s1_resource": _FUNDS_SCHOOL,
}

# home-delivered education (HB-1..HB-8): everyone who reads student records reads enrolments, visits and progress
# (homebound.view) and the subsidies (homebound.subsidy) — except the guardian, who sees the own child's visits and
# hours but not the teachers' subsidies; school staff record visits (homebound.record); the school leader opens,
# plans, activates and ends enrolments (homebound.manage).
_HB_READ = {"homebound.view", "homebound.subsidy"}
HOMEBOUND_PERMS: dict[str, set[str]] = {
    **{a: _HB_READ for a in ("admin", "fj_province", "hc_bureau", "hc_center", "hc_expert", "gd_bureau",
                             "hc_s1_class")},
    **{a: _HB_READ | {"homebound.record", "homebound.manage"} for a in ("hc_s1_leader", "hc_s2_leader",
                                                                         "gd_s1_leader")},
    "hc_s1_resource": _HB_READ | {"homebound.record"},
    "hc_parent": {"homebound.view"},
}

# resource rooms and assessment (RR-1..RR-8): everyone who reads the organisation except the class teacher and the
# guardian sees rooms and assessments; the school and the bureau record room facts (the bureau plans shared rooms);
# the bureau opens rounds, names the panel and closes; the school assesses itself; experts and centre staff score
# (as named panel members — the service checks the panel).
_ROOMS_READ = {"rooms.view", "assessment.view"}
ROOMS_PERMS: dict[str, set[str]] = {
    "admin": _ROOMS_READ,
    "fj_province": _ROOMS_READ | {"rooms.edit", "assessment.manage"},
    "hc_bureau": _ROOMS_READ | {"rooms.edit", "assessment.manage"},
    "gd_bureau": _ROOMS_READ | {"rooms.edit", "assessment.manage"},
    "hc_center": _ROOMS_READ | {"assessment.score"},
    "hc_expert": _ROOMS_READ | {"assessment.score"},
    "hc_s1_leader": _ROOMS_READ | {"rooms.edit", "assessment.self"},
    "hc_s2_leader": _ROOMS_READ | {"rooms.edit", "assessment.self"},
    "gd_s1_leader": _ROOMS_READ | {"rooms.edit", "assessment.self"},
    "hc_s1_resource": _ROOMS_READ | {"rooms.edit", "assessment.self"},
}

# oversight (OV-1..OV-6, PL-10, PL-14, PL-15, AR-4): findings and dashboards for everyone who answers for a school
# or a region; the bureau also receives every violation of its region (supervise), keeps the census, decides
# enrolment refusals and records governance; schools record their checklist, custodian, activities and refusals.
_OV_BUREAU = {"oversight.view", "oversight.supervise", "oversight.census", "oversight.record", "oversight.govern"}
OVERSIGHT_PERMS: dict[str, set[str]] = {
    "admin": {"oversight.view"},
    "fj_province": _OV_BUREAU, "hc_bureau": _OV_BUREAU, "gd_bureau": _OV_BUREAU,
    "hc_center": {"oversight.view", "oversight.census"},
    "hc_expert": {"oversight.view"},
    "hc_s1_leader": {"oversight.view", "oversight.record"}, "hc_s2_leader": {"oversight.view", "oversight.record"},
    "gd_s1_leader": {"oversight.view", "oversight.record"},
    "hc_s1_resource": {"oversight.view", "oversight.record"},
}

# inbox, search and the guardian's pages: the guardian uses the family's own pages for the own child; the school
# leader answers the guardians' correction requests (PIPL art. 46)
PAGES9_PERMS: dict[str, set[str]] = {
    "hc_parent": {"family.view"},
    "hc_s1_leader": {"students.corrections"}, "hc_s2_leader": {"students.corrections"},
    "gd_s1_leader": {"students.corrections"},
}

for _extra in (STAFF_PERMS, FUNDS_PERMS, HOMEBOUND_PERMS, ROOMS_PERMS, OVERSIGHT_PERMS, PAGES9_PERMS):
    for _account, _perms in _extra.items():
        PERMS[_account] = PERMS[_account] | _perms

# Permissions that change a case (PL-9: submit/withdraw, route, opinion, decide) and that answer a transfer.
CASE_WRITERS = ("cases.submit", "cases.review", "cases.opinion", "cases.decide")
CASE_PARTICIPANTS = (*CASE_WRITERS, "cases.respond_transfer")

HC, GD, XM, GZ = "350205", "440106", "350200", "440100"  # 海沧区, 天河区, 厦门市, 广州市
HC_S1, HC_S2, HC_JR = "3502050101", "3502050102", "3502050201"
GD_S1, GD_S2 = "4401060101", "4401060102"
TEACHER_CLASS = "三年级（1）班"  # hc_s1_class's class; hc_parent's child is in it
SIBLING_CLASS = "三年级（2）班"  # another class of the same school

SCOPE: dict[str, tuple] = {
    "admin": ("all",), "secadmin": ("all",), "auditor": ("all",),
    "fj_province": ("region", "350000"),
    "hc_bureau": ("region", HC), "hc_center": ("region", HC), "hc_expert": ("region", HC),
    "gd_bureau": ("region", GD),
    "hc_s1_leader": ("school", HC_S1), "hc_s1_resource": ("school", HC_S1),
    "hc_s2_leader": ("school", HC_S2), "gd_s1_leader": ("school", GD_S1),
    "hc_s1_class": ("class", HC_S1, TEACHER_CLASS),
    "hc_parent": ("student", "hc_parent_child"),
}


def ancestors(code: str) -> set[str]:
    """A GB/T 2260 code and the codes of the regions above it."""
    return {code, code[:4] + "00", code[:2] + "0000"}


def covers(account: str, *, region: str, school: str | None = None, cls: tuple | None = None) -> bool:
    """Does the account's scope include an object located in ``region`` (a region code: the object's
    district, or the region itself), at ``school`` (school code) and in class ``cls`` (code, name)?"""
    scope = SCOPE[account]
    kind = scope[0]
    if kind == "all":
        return True
    if kind == "student":
        return False  # a guardian sees their child (covers_student), no organisation objects
    if kind == "region":
        return scope[1] in ancestors(region)
    own_school = scope[1]
    if cls is not None and kind == "class":
        return cls == (scope[1], scope[2])
    if school is not None:
        return school == own_school
    return region == own_school[:6]  # a school's district region is visible to the school


def covers_student(account: str, school: str, cls: str | None, tag: str) -> bool:
    """Does the account see a student of ``school`` in class ``cls`` (None: not in the class teacher's
    class)? ``tag`` "child" is hc_parent's child."""
    kind = SCOPE[account][0]
    if kind == "student":
        return tag == "child"
    if kind == "class":
        return (school, cls) == SCOPE[account][1:]
    return covers(account, region=school[:6], school=school)


def covers_case(account: str, key: tuple) -> bool:
    """A case is seen with its student's scope, and (viewing, answering) by the receiving school's region
    and school roles (PL-7; never by a class teacher or a guardian there)."""
    school, cls, tag, target = key
    if covers_student(account, school, cls, tag):
        return True
    return bool(target) and SCOPE[account][0] in ("region", "school") and covers(account, region=target[:6],
                                                                                 school=target)


# Student and case keys: (school code, class name or None, tag[, receiving school]). Tags: "child" (hc_parent's
# child, in TEACHER_CLASS), "classmate" (another student of TEACHER_CLASS), "other_class" (a student of the
# school outside TEACHER_CLASS), "any" (a student of the school with a class).
CHILD = (HC_S1, TEACHER_CLASS, "child")
INCOMING = (HC_S1, None, "other_class", HC_S2)  # a transfer from the first to the second 海沧区 school


def student_key(account: str, which: str) -> tuple | None:
    gd_own, hc_s2, gd_s2 = (GD_S1, None, "any"), (HC_S2, None, "any"), (GD_S2, None, "any")
    if account.startswith("gd_"):
        return {"own": gd_own, "other": CHILD, "near": gd_s2}.get(which, gd_own)
    near = {"hc_s1_leader": hc_s2, "hc_s1_resource": hc_s2, "hc_s2_leader": CHILD,
            "hc_s1_class": (HC_S1, None, "other_class"), "hc_parent": (HC_S1, TEACHER_CLASS, "classmate")}
    own = hc_s2 if account == "hc_s2_leader" else CHILD
    return {"own": own, "other": gd_own, "near": near.get(account)}.get(which, own)


def case_key(account: str, which: str) -> tuple | None:
    gd_own, hc_s2, hc_s1 = (GD_S1, None, "any", None), (HC_S2, None, "any", None), (*CHILD, None)
    if account.startswith("gd_"):
        return {"own": gd_own, "other": hc_s1, "near": None}.get(which, gd_own)  # no case at 天河区's second school
    near = {"hc_s1_leader": hc_s2, "hc_s1_resource": hc_s2, "hc_s2_leader": hc_s1,
            "hc_s1_class": (HC_S1, None, "other_class", None), "hc_parent": (HC_S1, None, "other_class", None)}
    own = hc_s2 if account == "hc_s2_leader" else hc_s1
    return {"own": own, "other": gd_own, "near": near.get(account)}.get(which, own)


def first_class(school: str) -> str:
    return {HC_S1: TEACHER_CLASS, HC_JR: "七年级（1）班"}.get(school, "一年级（1）班")


def targets(account: str, which: str) -> dict[str, Any]:
    """Natural keys of the objects an account's case is about (see module docstring)."""
    gd = account.startswith("gd_")
    home, away, city = (GD, HC, GZ) if gd else (HC, GD, XM)
    own_school = {"hc_s2_leader": HC_S2}.get(account, GD_S1 if gd else HC_S1)
    other_school = HC_S1 if (gd or account == "hc_s2_leader") else GD_S1
    near_school = {"hc_s2_leader": HC_JR}.get(account, GD_S2 if gd else HC_S2)
    school = {"own": own_school, "other": other_school, "near": near_school}.get(which, own_school)
    cls = (school, first_class(school))
    if account == "hc_s1_class" and which == "near":
        cls = (HC_S1, SIBLING_CLASS)
    users = ("gd_s1_leader", "hc_s1_resource") if gd else ("hc_s1_resource", "gd_s1_leader")
    return {
        "school": school,
        "class": cls,
        "class_school": cls[0],
        "region": {"own": home, "other": away, "near": city}.get(which, home),
        "centre": {"own": home, "other": away}.get(which),
        # a district without a resource centre yet (created by the test), under the own/other/near city
        "free_district": {"own": home, "other": away, "near": city}.get(which, home)[:4] + "99",
        "user": {"own": users[0], "other": users[1]}.get(which),
        "student": student_key(account, which),
        "case": case_key(account, which),
        "incoming": INCOMING,
    }


def visible(account: str, kind: str, key) -> bool:
    if kind in ("user", "assignment"):
        return SCOPE[account][0] == "all"  # accounts belong to no school: global roles only
    if kind == "term":
        return True  # school years and terms are system-wide
    if kind in ("region", "centre", "override_region", "free_district"):
        return covers(account, region=key)
    if kind in ("school", "class_school", "override_school"):
        return covers(account, region=key[:6], school=key)
    if kind == "class":
        return covers(account, region=key[0][:6], school=key[0], cls=key)
    if kind in ("student", "student_number", "archive_file"):
        return covers_student(account, *key)
    if kind in ("case", "attachment", "incoming"):
        return covers_case(account, key)
    if kind == "school_file":
        return covers(account, region=key[:6], school=key)
    if kind in IEP_RECORDS:
        return covers_student(account, *key)
    if kind in IEP_UNFINISHED:  # a guardian sees only the plan in force (IEP-1), never a draft or one in review
        return covers_student(account, *key) and SCOPE[account][0] != "student"
    raise KeyError(kind)


# Individual education objects, all about the student of the account's ``student`` target (module docstring):
# the plan in force, a session of the student alone, a term evaluation, peer support and an aid issued …
IEP_RECORDS = ("plan", "session", "evaluation", "peer", "aid")
# … and a plan still in draft (with one of its goals) or in review.
IEP_UNFINISHED = ("draft", "draft_goal", "review")


# Placeholder → the target key it stands for.
PLACEHOLDER_TARGET = {
    "region": "region", "school": "school", "class": "class", "class_school": "class_school",
    "centre": "centre", "user": "user", "assignment": "user", "override_school": "school",
    "override_region": "region", "free_district": "free_district",
    "student": "student", "student_number": "student", "archive_file": "student", "case": "case",
    "attachment": "case", "incoming": "incoming", "school_file": "school",
    **{name: "student" for name in ("plan", "session", "evaluation", "peer", "aid", "draft", "draft_goal", "review")},
}
WHICH_FREE = {"term", "xm", "current_year", "incoming"}  # placeholders that do not depend on own/other/near

# --- Each module resolves its own placeholders in its own block: name → fn(objects, targets, current_year)
# returning the object (its target key goes into PLACEHOLDER_TARGET). ---
# staff (ST-1..ST-7, ORG-6, ORG-7, PL-16): every staff object belongs to the target school, whose scope decides
# (the rows use obj="school"): its pool of the current year, a staff member, a member of the pool, a training with a
# certificate scan, an itinerant visit with an open follow-up, the working group.
def _staff_models():
    from suiban.staff import models

    return models


def _staff_pool(o, t, current):
    m = _staff_models()
    school = o["school_obj"]
    return m.Pool.objects.filter(school=school, school_year=current).first() or m.Pool.objects.create(
        school=school, school_year=current, region_path=school.region_path)


def _staff_member(o, t, current):
    m = _staff_models()
    school = o["school_obj"]
    return m.StaffMember.objects.filter(school=school, kind="teacher").order_by("id").first() or \
        m.StaffMember.objects.create(name="矩阵老师", school=school, region_path=school.region_path)


def _staff_pool_member(o, t, current):
    m = _staff_models()
    pool = m.Pool.objects.get(pk=o["pool"])
    member = pool.members.exclude(kind="fixed_resource").order_by("id").first()
    if member is None:
        staff = m.StaffMember.objects.create(name="矩阵助教", kind="assistant", school=pool.school,
                                             region_path=pool.region_path)
        member = m.PoolMember.objects.create(pool=pool, staff=staff, kind="assistant")
    return member.staff


def _staff_training(o, t, current):
    from django.core.files.base import ContentFile

    m = _staff_models()
    staff = m.StaffMember.objects.get(pk=o["staff_member"])
    tr = m.Training(staff=staff, region_path=staff.region_path, school=staff.school, course="矩阵培训", level="school",
                    hours=2, start_date=current.start_date, end_date=current.start_date, school_year=current,
                    certificate_type="application/pdf", certificate_size=len(PDF))
    tr.certificate.save("matrix.pdf", ContentFile(PDF), save=False)
    tr.save()
    return tr


def _staff_visit(o, t, current):
    m = _staff_models()
    school = o["school_obj"]
    teacher = m.StaffMember.objects.filter(kind="centre").order_by("id").first() or m.StaffMember.objects.create(
        name="矩阵巡回", kind="centre", school=None, region_path=school.region_path)
    return m.ItinerantVisit.objects.create(school=school, region_path=school.region_path, date=current.start_date,
                                           teacher=teacher, advice="矩阵建议", follow_up="矩阵：请反馈",
                                           follow_up_due=current.start_date + timedelta(days=30))


def _staff_group(o, t, current):
    m = _staff_models()
    school = o["school_obj"]
    return m.WorkingGroup.objects.filter(school=school, school_year=current).first() or \
        m.WorkingGroup.objects.create(school=school, school_year=current, region_path=school.region_path)


STAFF_RESOLVERS: dict[str, Any] = {
    "pool": _staff_pool, "staff_member": _staff_member, "pool_staff": _staff_pool_member,
    "training": _staff_training, "visit": _staff_visit, "group": _staff_group,
}
PLACEHOLDER_TARGET.update({name: "school" for name in STAFF_RESOLVERS})

# funds ledger (FN-1..FN-4): a ledger entry (a fresh income of 1 yuan, so it can always be reversed), a receipt on
# such an entry and an allocation of per-pupil funds not received yet — all of the target school, so they are
# seen with the school's scope.
FUNDS_KINDS = ("ledger_entry", "ledger_receipt", "ledger_allocation")
PLACEHOLDER_TARGET.update({k: "school" for k in FUNDS_KINDS})
_visible_before_funds = visible


def visible(account: str, kind: str, key) -> bool:  # noqa: F811 — adds the ledger's objects
    if kind in FUNDS_KINDS:
        return covers(account, region=key[:6], school=key)
    return _visible_before_funds(account, kind, key)


def _funds_entry(o, t, year):
    from suiban.funds import services
    from suiban.org.models import School

    school = School.objects.get(code=t["school"])
    day = min(max(_today(), year.start_date), year.end_date)
    return services.entry_post(actor=_models()["User"].objects.get(username="admin"), school=school,
                               school_year=year, kind="income", amount="1.00", date=services.open_date(school, day),
                               source="district_subsidy", payee="矩阵", purpose="矩阵收入")


def _funds_receipt(o, t, year):
    from suiban.funds.models import LedgerReceipt
    from suiban.funds.services import receipt_upload

    receipt_upload(actor=None, entry=o["ledger_entry_obj"], uploaded_file=_pdf("receipt.pdf"), title="矩阵票据")
    return LedgerReceipt.objects.filter(entry=o["ledger_entry_obj"]).first()


def _funds_allocation(o, t, year):
    from suiban.funds.services import allocation_create
    from suiban.org.models import School

    return allocation_create(actor=None, school=School.objects.get(code=t["school"]), school_year=year,
                             amount="100.00", allocated_on=year.start_date, due_date=year.start_date + timedelta(30))


FUNDS_RESOLVERS: dict[str, Any] = {
    "ledger_entry": _funds_entry, "ledger_receipt": _funds_receipt, "ledger_allocation": _funds_allocation,
}

# home-delivered education (HB-1..HB-8): an enrolment, a visit and a photo of the student of the account's
# ``student`` target (scope follows the student), and that student placed in home-delivered education.
HOMEBOUND_RESOLVERS: dict[str, Any] = {
    "hb_student": lambda o, t, year: _hb_student(o),
    "hb_enrolment": lambda o, t, year: _hb_enrolment(o, year),
    "hb_visit": lambda o, t, year: _hb_visit(o),
    "hb_attachment": lambda o, t, year: _hb_attachment(o),
}
PLACEHOLDER_TARGET.update({"hb_student": "student", "hb_enrolment": "student", "hb_visit": "student",
                           "hb_attachment": "student"})

# resource rooms and assessment (RR-1..RR-8): ``room`` — a room of the target school serving no other school (a
# school also sees the rooms that serve it: tests/rooms); ``assessment`` — a fresh assessment of the target
# school in self-assessment (in a round of its district, the 海沧区 panel); ``round`` — a round of the target
# region (the demo round in 海沧区, created elsewhere); ``empty_round`` — an open round of the target school's
# district without that school.
def _rooms_round(region, name="矩阵轮次"):
    from suiban.policy.profiles import registry
    from suiban.rooms.models import Round

    users = {u.username: u for u in _models()["User"].objects.filter(username__in=("hc_expert", "hc_center"))}
    r = Round(region=region, school_year=_models()["SchoolYear"].current(), name=name,
              rubric=registry().profiles["hc-2023"].effective_rubric, panel_leader=users["hc_expert"])
    r.save()
    r.panel_members.set([users["hc_center"]])
    return r


def _rooms_room(o, t, current):
    from suiban.rooms.models import Room

    return Room.objects.create(school=o["school_obj"], area_m2=66, floor=1)  # serves no other school


def _rooms_assessment(o, t, current):
    from suiban.rooms import rubric
    from suiban.rooms.models import Assessment, ItemScore

    school = o["school_obj"]
    a = Assessment.objects.create(round=_rooms_round(school.region), school=school)
    ItemScore.objects.bulk_create([ItemScore(assessment=a, code=ln.code, position=i, points=ln.points)
                                   for i, ln in enumerate(rubric.lines(a.round.rubric))])
    _rooms_teach_put()
    return a


def _rooms_region_round(o, t, current):
    from suiban.rooms.models import Round

    region = o["region_obj"]
    return Round.objects.filter(region=region).first() or _rooms_round(region)


def _rooms_empty_round(o, t, current):
    return _rooms_round(o["school_obj"].region, name="矩阵空轮次")


def _rooms_teach_put():
    """The harness sends PUT as POST and without a body (PUT is not among its WRITES); teach ``_send`` the PUT of the
    scores endpoint, with the row's body (once)."""
    send = globals()["_send"]
    if getattr(send, "rooms_put", False):
        return

    def with_put(client, ep, url, body):
        if ep.method == "PUT":
            body = body if body is not None else ep.data(None)
            return client.client.put(url, body, content_type="application/json", **client.headers)
        return send(client, ep, url, body)

    with_put.rooms_put = True
    globals()["_send"] = with_put


ROOMS_RESOLVERS: dict[str, Any] = {"room": _rooms_room, "assessment": _rooms_assessment,
                                   "round": _rooms_region_round, "empty_round": _rooms_empty_round}
PLACEHOLDER_TARGET.update({"room": "school", "assessment": "school", "round": "region", "empty_round": "school"})

# oversight (OV-1..OV-6, PL-10, PL-14, PL-15, AR-4): a finding about the target school (created directly: the
# scope is what matters), seen with the school's scope.
def _oversight_finding(o, t, current):
    from django.utils import timezone as tz

    from suiban.oversight.models import Finding

    school = _models()["School"].objects.get(code=t["school"])
    return Finding.objects.create(check_code="OV-5", rule="OV-5", severity="warning", subject_type="school",
                                  subject_id=school.pk, subject_name=school.name, key="matrix", school=school,
                                  region_path=school.region_path, evidence="矩阵", first_seen=tz.now())


def _oversight_census_child(o, t, current):
    from suiban.core.crypto import lookup_hash, mask_id
    from suiban.core.idnumbers import make_id_number
    from suiban.oversight.models import CensusChild

    region = _models()["Region"].objects.get(code=t["centre"])
    child = CensusChild.objects.filter(region=region).order_by("id").first()
    if child is None:
        idn = make_id_number(region.code, date(2017, 5, 1), 977, "male")
        child = CensusChild.objects.create(region=region, region_path=region.path, name="矩阵儿童", gender="male",
                                           birth_date=date(2017, 5, 1), id_number=idn, id_number_hash=lookup_hash(idn),
                                           id_number_masked=mask_id(idn), source="dpf")
    return child


def _oversight_refusal(o, t, current):
    from suiban.oversight.models import EnrolmentRefusal

    school = _models()["School"].objects.get(code=t["school"])
    return EnrolmentRefusal.objects.create(school=school, region_path=school.region_path, child_name="矩阵拒收",
                                           refused_on=_today(), reason="矩阵理由")


def _oversight_pack(o, t, current):
    from django.core.files.base import ContentFile

    from suiban.oversight.models import DocumentPack

    region = _models()["Region"].objects.get(code=t["centre"])
    pack = DocumentPack.objects.create(region=region, region_path=region.path, state="done", done=1, total=1,
                                       term=_models()["Term"].objects.order_by("-start_date").first(),
                                       requested_by=_user("admin"))
    pack.file.save("matrix.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18), save=True)
    return pack


def _oversight_designated(o, t, current):
    from suiban.oversight.models import DesignatedSchool

    school = _models()["School"].objects.get(code=t["school"])
    return DesignatedSchool.objects.get_or_create(school=school, defaults={
        "region_path": school.region_path, "categories": ["hearing"], "designated_on": _today()})[0]


OVERSIGHT_RESOLVERS: dict[str, Any] = {"finding": _oversight_finding, "census_child": _oversight_census_child,
                                       "refusal": _oversight_refusal, "pack": _oversight_pack,
                                       "designated": _oversight_designated}
PLACEHOLDER_TARGET.update({"finding": "school", "census_child": "centre", "refusal": "school", "pack": "centre",
                           "designated": "school"})

# inbox, search and the guardian's pages: ``correction`` is an open correction request about the account's
# ``student`` (so with the student's scope)
def _new_correction(o, t, current):
    from suiban.students.models import CorrectionRequest

    student = o["student_obj"]
    return CorrectionRequest.objects.create(student=student, school_id=student.school_id,
                                            region_path=student.region_path, field="birth_date",
                                            requested_value="矩阵：应为 3 月 10 日", requested_by=_user("hc_parent"))


PAGES9_RESOLVERS: dict[str, Any] = {"correction": _new_correction}
PLACEHOLDER_TARGET["correction"] = "student"
_visible_before_pages9 = visible


def visible(account: str, kind: str, key) -> bool:  # noqa: F811 — extends the table with the correction request
    if kind == "correction":
        return covers_student(account, *key)
    return _visible_before_pages9(account, kind, key)

RESOLVERS: dict[str, Any] = {}
for _extra in (STAFF_RESOLVERS, FUNDS_RESOLVERS, HOMEBOUND_RESOLVERS, ROOMS_RESOLVERS, OVERSIGHT_RESOLVERS,
               PAGES9_RESOLVERS):
    RESOLVERS.update(_extra)


# --------------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EP:
    route: str  # Django route, or "METHOD /api/v1/path" as in the OpenAPI schema
    url: str  # with {placeholders}
    method: str = "GET"
    api: bool = False
    perm: str | None = None  # without it: 403 everywhere. None: any logged-in account
    public: bool = False  # no login needed
    anon: int | None = None  # anonymous status for a public endpoint
    obj: str | None = None  # placeholder whose scope decides 404
    change: str | tuple | None = None  # needed on the in-scope object (a tuple: any of them), else ``no_change``
    # API.md: a case transition "answers 422 invalid_transition for a move the state or the role does not
    # allow", so there a role without any case-changing permission gets 422 too (and so for plan transitions);
    # elsewhere 403.
    no_change: int = 403
    step: Any = None  # fn(account, which) → may the account take this particular step? Else ``invalid``
    invalid: int | None = None  # status of a step refused by the workflow (API 422, page: redirect back)
    out_of_scope: int = 404
    ok: int = 200
    member: str | None = None  # list: this placeholder's object is listed iff it is in scope
    ctx: str | None = None  # page lists: the context variable holding the rows
    data: Any = None  # POST body: fn(objects) → dict
    state: Any = None  # POST: fn(objects) → snapshot that must not change when refused
    post_all: bool = False  # POST also for permitted accounts (actions without a form page)
    uses: tuple = ()  # placeholders used by data (so that own/other/near variants are generated)
    setup: Any = None  # write: fn(objects) preparing the object so that a permitted write succeeds
    multipart: bool = False  # API write: a multipart form (file upload) instead of JSON
    files: bool = False  # stores or serves files: runs with a temporary MEDIA_ROOT
    label: str = ""  # tells apart two rows of the same request (e.g. one after a ``setup`` changing the state)

    @property
    def placeholders(self) -> set[str]:
        import string

        names = {f for _, f, _, _ in string.Formatter().parse(self.url) if f}
        return names | set(self.uses) | {p for p in (self.member, self.obj) if p}

    @property
    def id(self) -> str:
        return f"{self.method} {self.url}" + (f" [{self.label}]" if self.label else "")


def _otp_devices(placeholder):
    def snap(o):
        from suiban.accounts.otp import TOTPDevice

        return TOTPDevice.objects.filter(user=o[placeholder + "_obj"]).count()
    return snap


def _fields(placeholder, *names):
    def snap(o):
        obj = o[placeholder + "_obj"]
        obj.refresh_from_db()
        return tuple(getattr(obj, n) for n in names)
    return snap


def _models():
    from suiban.accounts.models import RoleAssignment, User
    from suiban.iep.models import (
        AidIssue,
        Evaluation,
        Goal,
        PeerSupport,
        Plan,
        PlanEvent,
        PlanResponse,
        PlanVersion,
        Review,
        Session,
        SessionAttendance,
        SessionCorrection,
    )
    from suiban.org.models import Region, ResourceCentre, School, SchoolClass, SchoolYear, Term
    from suiban.policy.models import PolicyOverride
    from suiban.students.models import (
        ArchiveFile,
        Case,
        CaseEvent,
        Deferral,
        ExamAccommodation,
        Handover,
        LeavingRecord,
        SchoolArchiveFile,
        Student,
    )

    return dict(User=User, RoleAssignment=RoleAssignment, Region=Region, School=School,
                ResourceCentre=ResourceCentre, SchoolClass=SchoolClass, SchoolYear=SchoolYear, Term=Term,
                PolicyOverride=PolicyOverride, Student=Student, Case=Case, CaseEvent=CaseEvent, Deferral=Deferral,
                ExamAccommodation=ExamAccommodation, LeavingRecord=LeavingRecord, Handover=Handover,
                ArchiveFile=ArchiveFile, SchoolArchiveFile=SchoolArchiveFile, Plan=Plan, Goal=Goal,
                PlanEvent=PlanEvent, PlanVersion=PlanVersion, PlanResponse=PlanResponse, Review=Review,
                Session=Session, SessionAttendance=SessionAttendance, SessionCorrection=SessionCorrection,
                Evaluation=Evaluation, PeerSupport=PeerSupport, AidIssue=AidIssue)


def _count(name):
    return lambda o: _models()[name].objects.count()


def _related(name, placeholder, field):
    """Rows of model ``name`` whose ``field`` is the placeholder's object (e.g. a student's deferrals)."""
    return lambda o: _models()[name].objects.filter(**{field: o[placeholder]}).count()


def _both(*snaps):
    return lambda o: tuple(s(o) for s in snaps)


def _case_state(placeholder):
    """A case, its timeline and its attachments."""
    return _both(_fields(placeholder, "state", "version", "target_response", "refusal_reason"),
                 _related("CaseEvent", placeholder, "case"), _related("ArchiveFile", placeholder, "case"))


# --- payloads ---------------------------------------------------------------------------------------------------
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _pdf(name="matrix.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _iso(d):
    return d.isoformat() if d else ""


def _new_student(o) -> dict:
    """A new grade-1 student (no identity number: an L-number) at the placeholder school."""
    code = o["school_obj"].code
    return {"name": "矩阵学生", "gender": "female", "birth_date": "2018-03-04",
            "student_number": f"L{code[:6]}201803040417", "grade": 1, "disability_category": "intellectual"}


def _student_form_new(o) -> dict:
    blank = ("version", "id_number", "hukou_region_code", "school_class", "disability_grade", "certificate_number",
             "certificate_issued_on", "certified_by", "enrolled_on", "family_situation", "committee_opinion",
             "g1_name", "g1_relation", "g1_phone", "g2_name", "g2_relation", "g2_phone")
    return {**dict.fromkeys(blank, ""), **_new_student(o), "school": o["school"], "placement": "regular_class",
            "status": "active"}


def _student_json(o) -> dict:
    return {**_new_student(o), "school_id": o["school"]}


def _student_form_edit(o) -> dict:
    """The edit form as the page fills it, with a new name."""
    s = o["student_obj"]
    data = {"version": s.version, "name": "矩阵改名", "gender": s.gender, "birth_date": _iso(s.birth_date),
            "id_number": s.id_number, "student_number": s.student_number, "hukou_region_code": s.hukou_region_code,
            "school": s.school_id, "school_class": s.school_class_id or "", "grade": s.grade,
            "disability_category": s.disability_category, "disability_grade": s.disability_grade or "",
            "certificate_number": s.certificate_number, "certificate_issued_on": _iso(s.certificate_issued_on),
            "certified_by": s.certified_by, "placement": s.placement, "status": s.status,
            "enrolled_on": _iso(s.enrolled_on), "family_situation": s.family_situation, "committee_opinion": ""}
    guardians = list(s.guardians.all())[:2]
    for i in (1, 2):
        g = guardians[i - 1] if len(guardians) >= i else None
        data.update({f"g{i}_name": g.name if g else "", f"g{i}_relation": g.relation if g else "",
                     f"g{i}_phone": g.phone if g else ""})
    return data


def _import_file(o):
    """A workbook in the import template's layout with one new student at the placeholder school."""
    from openpyxl import Workbook

    from suiban.students.roster import columns as roster

    code = o["school_obj"].code
    row = {"姓名": "矩阵导入", "性别": "男", "出生日期": date(2018, 3, 4), "全国学籍号": f"L{code[:6]}201803040815",
           "学校标识码": code, "年级": 1, "残疾类别": "智力", "安置方式": "随班就读", "学籍状态": "在校"}
    headers = [c.header for c in roster.COLUMNS]
    wb = Workbook()
    wb.active.append(headers)
    wb.active.append([row.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return {"file": SimpleUploadedFile("matrix.xlsx", buf.getvalue(), content_type=XLSX)}


def _as_leaver(o):
    """leaving/propose needs a student at the end of compulsory education (PL-11)."""
    _models()["Student"].objects.filter(pk=o["student"]).update(grade=9)


def _not_evaluated(o):
    """A term evaluation is recorded once per student and term: the placeholder student has none yet (the demo
    evaluates two students of the first school)."""
    _models()["Evaluation"].objects.filter(student_id=o["student"], term=_current_term()).delete()


def _proposed(o):
    """leaving/confirm needs a proposed outcome."""
    _models()["LeavingRecord"].objects.create(student_id=o["student"], proposed_outcome="graduated", basis="矩阵")


def _today():
    return timezone.localdate()


def _plan_state(placeholder):
    """A plan, its timeline and its versions."""
    return _both(_fields(placeholder, "state", "version", "revision"), _related("PlanEvent", placeholder, "plan"),
                 _related("PlanVersion", placeholder, "plan"))


def _goal_id(placeholder):
    return lambda o: o[placeholder + "_obj"].goals.filter(retired_in_revision__isnull=True).order_by("id").first().pk


def _record_json(**extra):
    """A new individual-education record of the placeholder student (peer support, an aid)."""
    return lambda o: {"student_id": o["student"], **{k: v(o) if callable(v) else v for k, v in extra.items()}}


def _evaluation_json(o) -> dict:
    from suiban.iep.models import DIMENSIONS

    return {"student_id": o["student"], "term_id": _current_term().pk, "evaluated_on": _iso(_today()),
            "evaluator_name": "矩阵老师", "summary": "",
            "dimensions": [{"dimension": d, "level": "good", "comment": "矩阵：达到调整后的目标"}
                           for d, _label in DIMENSIONS],
            "emphasis": {"social_adaptation": "矩阵：社会适应", "compensation": "矩阵：补偿与矫正",
                         "labour_skills": "矩阵：劳动技能"}}


def _returned(o):
    """The aid came back already: returning it again is a step the record's state does not allow."""
    _models()["AidIssue"].objects.filter(pk=o["aid"]).update(returned_on=_today())


def _plan_step(perm):
    """A plan transition is the step of the role holding ``perm`` (suiban/iep/services.py STEPS)."""
    return lambda account, which: perm in PERMS[account]


def _never(account, which):
    """The plan's (or record's) state allows this to nobody."""
    return False


# Permissions that take part in the plan workflow: a role holding none of them is refused with 403, a role holding
# one but not the step's gets 422 invalid_transition (suiban/iep/services.py).
IEP_WORKFLOW = ("iep.edit", "iep.approve", "iep.comment")


def _may_route(account, which):
    """The transition tried is submitted → under review: the bureau's step (cases.review)."""
    return "cases.review" in PERMS[account]


def _receives(account, which):
    """Only the receiving school answers a transfer (PL-7)."""
    return "cases.respond_transfer" in PERMS[account] and covers(account, region=INCOMING[3][:6],
                                                                 school=INCOMING[3])



PAGES = [
    # --- accounts -----------------------------------------------------------------------------
    EP("accounts/login/", "/accounts/login/", public=True, anon=200),
    EP("accounts/logout/", "/accounts/logout/", public=True, anon=405, ok=405),  # POST only
    EP("accounts/logout/", "/accounts/logout/", "POST", public=True, anon=302, ok=302),
    EP("accounts/password/", "/accounts/password/"),
    EP("accounts/session/status", "/accounts/session/status", public=True, anon=200),
    EP("accounts/session/keepalive", "/accounts/session/keepalive", public=True, anon=405, ok=405),
    EP("accounts/session/keepalive", "/accounts/session/keepalive", "POST", public=True, anon=401),
    EP("accounts/users/", "/accounts/users/", perm="accounts.view", member="user", ctx="page"),
    EP("accounts/users/new/", "/accounts/users/new/", perm="accounts.manage"),
    EP("accounts/users/new/", "/accounts/users/new/", "POST", perm="accounts.manage",
       data=lambda o: {"username": "matrix_new", "full_name": "矩阵", "phone": "",
                       "password": "Matrix-pass-2026"},
       state=_count("User")),
    EP("accounts/users/<int:pk>/", "/accounts/users/{user}/", perm="accounts.view", obj="user"),
    EP("accounts/users/<int:pk>/edit/", "/accounts/users/{user}/edit/", "POST", perm="accounts.manage",
       obj="user", ok=302, post_all=True, data=lambda o: {"full_name": "矩阵改名", "phone": "1"},
       state=_fields("user", "full_name", "phone")),
    EP("accounts/users/<int:pk>/toggle-active/", "/accounts/users/{user}/toggle-active/", "POST",
       perm="accounts.manage", obj="user", ok=302, post_all=True, state=_fields("user", "is_active")),
    EP("accounts/users/<int:pk>/unlock/", "/accounts/users/{user}/unlock/", "POST", perm="accounts.manage",
       obj="user", ok=302, post_all=True, state=_fields("user", "failed_login_count", "locked_until")),
    EP("accounts/users/<int:pk>/reset-password/", "/accounts/users/{user}/reset-password/", "POST",
       perm="accounts.manage", obj="user", ok=302, post_all=True,
       data=lambda o: {"password": "Matrix-reset-2026"}, state=_fields("user", "password")),
    EP("accounts/users/<int:pk>/roles/", "/accounts/users/{user}/roles/", "POST", perm="accounts.manage",
       obj="user", ok=302, post_all=True, uses=("school",),
       data=lambda o: {"role": "resource_teacher", "school": o["school"]}, state=_count("RoleAssignment")),
    EP("accounts/users/<int:pk>/roles/<int:assignment_id>/revoke/",
       "/accounts/users/{user}/roles/{assignment}/revoke/", "POST", perm="accounts.manage", obj="user",
       ok=302, post_all=True, state=_fields("assignment", "revoked_at")),
    # second factor (SEC-1): the code step of the login (without a pending login it sends back to the login page),
    # one's own authenticator page, and the security administrator's removal for a lost phone
    EP("accounts/login/otp/", "/accounts/login/otp/", public=True, anon=302, ok=302),
    EP("accounts/otp/", "/accounts/otp/"),
    EP("accounts/users/<int:pk>/otp-reset/", "/accounts/users/{user}/otp-reset/", "POST",
       perm="accounts.manage", obj="user", ok=302, post_all=True, state=_otp_devices("user")),
    # --- core ---------------------------------------------------------------------------------
    EP("", "/"),
    EP("audit/", "/audit/", perm="audit.view"),
    EP("audit/", "/audit/?object_type=school&object_id={school}", perm="audit.view", member="school",
       ctx="page"),
    EP("audit/export.xlsx", "/audit/export.xlsx", perm="audit.export"),
    # --- org: regions ---------------------------------------------------------------------------
    EP("org/regions/", "/org/regions/", perm="org.view", member="region", ctx="regions"),
    EP("org/regions/new/", "/org/regions/new/", perm="org.manage_regions"),
    EP("org/regions/new/", "/org/regions/new/", "POST", perm="org.manage_regions", uses=("xm",),
       data=lambda o: {"code": "350206", "name": "矩阵区", "level": "district", "parent": o["xm"],
                       "profile": ""},
       state=_count("Region")),
    EP("org/regions/<int:pk>/", "/org/regions/{region}/", perm="org.view", obj="region"),
    EP("org/regions/<int:pk>/edit/", "/org/regions/{region}/edit/", perm="org.view", obj="region",
       change="org.manage_regions"),
    EP("org/regions/<int:pk>/edit/", "/org/regions/{region}/edit/", "POST", perm="org.view", obj="region",
       change="org.manage_regions",
       data=lambda o: {"name": "矩阵改名", "profile": "", "version": o["region_obj"].version},
       state=_fields("region", "name", "version")),
    # --- org: schools ---------------------------------------------------------------------------
    EP("org/schools/", "/org/schools/", perm="org.view", member="school", ctx="page"),
    EP("org/schools/new/", "/org/schools/new/", perm="org.manage_schools"),
    EP("org/schools/new/", "/org/schools/new/", "POST", perm="org.manage_schools", obj="region",
       out_of_scope=200,
       data=lambda o: {"code": o["region_obj"].code + "9999", "name": "矩阵学校", "kind": "primary",
                       "region": o["region"], "address": "", "phone": "", "is_active": "on"},
       state=_count("School")),
    EP("org/schools/<int:pk>/", "/org/schools/{school}/", perm="org.view", obj="school"),
    EP("org/schools/<int:pk>/edit/", "/org/schools/{school}/edit/", perm="org.view", obj="school",
       change="org.manage_schools"),
    EP("org/schools/<int:pk>/edit/", "/org/schools/{school}/edit/", "POST", perm="org.view", obj="school",
       change="org.manage_schools",
       data=lambda o: {"name": "矩阵改名", "kind": o["school_obj"].kind, "region": o["school_obj"].region_id,
                       "address": "", "phone": "", "is_active": "on", "version": o["school_obj"].version},
       state=_fields("school", "name", "version")),
    # --- org: resource centres --------------------------------------------------------------------
    EP("org/centres/", "/org/centres/", perm="org.view", member="centre", ctx="centres"),
    EP("org/centres/new/", "/org/centres/new/", perm="org.manage_schools"),
    EP("org/centres/new/", "/org/centres/new/", "POST", perm="org.manage_schools", obj="free_district",
       out_of_scope=200, uses=("free_district",),
       data=lambda o: {"region": o["free_district"], "name": "矩阵资源中心", "address": "", "phone": ""},
       state=_count("ResourceCentre")),
    EP("org/centres/<int:pk>/edit/", "/org/centres/{centre}/edit/", perm="org.view", obj="centre",
       change="org.manage_schools"),
    EP("org/centres/<int:pk>/edit/", "/org/centres/{centre}/edit/", "POST", perm="org.view", obj="centre",
       change="org.manage_schools",
       data=lambda o: {"name": "矩阵改名", "address": "", "phone": "", "version": o["centre_obj"].version},
       state=_fields("centre", "name", "version")),
    # --- org: classes -----------------------------------------------------------------------------
    EP("org/classes/", "/org/classes/?school={class_school}", perm="org.view", member="class", ctx="page"),
    EP("org/classes/new/", "/org/classes/new/", perm="org.manage_classes"),
    EP("org/classes/new/", "/org/classes/new/", "POST", perm="org.manage_classes", obj="school",
       out_of_scope=200, uses=("current_year",),
       data=lambda o: {"school": o["school"], "school_year": o["current_year"], "grade": 1,
                       "name": "矩阵班", "class_teacher": ""},
       state=_count("SchoolClass")),
    EP("org/classes/<int:pk>/edit/", "/org/classes/{class}/edit/", perm="org.view", obj="class",
       change="org.manage_classes"),
    EP("org/classes/<int:pk>/edit/", "/org/classes/{class}/edit/", "POST", perm="org.view", obj="class",
       change="org.manage_classes",
       data=lambda o: {"grade": o["class_obj"].grade, "name": "矩阵改名", "class_teacher": "",
                       "version": o["class_obj"].version},
       state=_fields("class", "name", "version")),
    # --- org: school years (system-wide) ----------------------------------------------------------
    EP("org/years/", "/org/years/", perm="org.view"),
    EP("org/years/new/", "/org/years/new/", perm="org.manage_regions"),
    EP("org/years/new/", "/org/years/new/", "POST", perm="org.manage_regions",
       data=lambda o: {"start_year": 2090}, state=_count("SchoolYear")),
    EP("org/terms/<int:pk>/edit/", "/org/terms/{term}/edit/", perm="org.manage_regions", obj="term"),
    EP("org/terms/<int:pk>/edit/", "/org/terms/{term}/edit/", "POST", perm="org.manage_regions", obj="term",
       data=lambda o: {"start_date": (o["term_obj"].start_date + timedelta(days=1)).isoformat(),
                       "end_date": o["term_obj"].end_date.isoformat()},
       state=_fields("term", "start_date", "end_date")),
    # --- policy -----------------------------------------------------------------------------------
    EP("policy/", "/policy/", perm="policy.view"),
    EP("policy/", "/policy/?school={school}", perm="policy.view", obj="school"),
    EP("policy/", "/policy/?region={region}", perm="policy.view", obj="region"),
    EP("policy/", "/policy/?school={school}", "POST", perm="policy.view", obj="school", change="policy.manage",
       data=lambda o: {"name": "class_advised_max", "value": "1", "note": "矩阵"}, state=_count("PolicyOverride")),
    EP("policy/", "/policy/?region={region}", "POST", perm="policy.view", obj="region", change="policy.manage",
       data=lambda o: {"name": "class_advised_max", "value": "1", "note": "矩阵"}, state=_count("PolicyOverride")),
    EP("policy/overrides/<int:pk>/delete/", "/policy/overrides/{override_school}/delete/", "POST",
       perm="policy.manage", obj="override_school", ok=302, post_all=True, state=_count("PolicyOverride")),
    EP("policy/overrides/<int:pk>/delete/", "/policy/overrides/{override_region}/delete/", "POST",
       perm="policy.manage", obj="override_region", ok=302, post_all=True, state=_count("PolicyOverride")),
    # --- students (PL-1..PL-4, PL-11..PL-13) --------------------------------------------------------
    EP("students/", "/students/?student_number={student_number}", perm="students.view", member="student",
       ctx="page"),
    EP("students/new/", "/students/new/", perm="students.edit"),
    EP("students/new/", "/students/new/", "POST", perm="students.edit", obj="school", out_of_scope=200, ok=302,
       data=_student_form_new, state=_count("Student")),
    EP("students/import/", "/students/import/", perm="students.import"),
    EP("students/import/", "/students/import/", "POST", perm="students.import", obj="school", out_of_scope=422,
       data=_import_file, state=_count("Student")),
    EP("students/new-school-year/", "/students/new-school-year/", perm="students.rollover"),
    EP("students/new-school-year/", "/students/new-school-year/", "POST", perm="students.rollover",
       uses=("current_year",), data=lambda o: {"start_year": o["current_year_obj"].start_year + 1, "confirm": "on"},
       state=_both(_count("SchoolYear"), _count("SchoolClass"), lambda o: sorted(
           _models()["Student"].objects.values_list("grade", flat=True)))),
    EP("students/<int:pk>/", "/students/{student}/", perm="students.view", obj="student"),
    EP("students/<int:pk>/edit/", "/students/{student}/edit/", perm="students.view", obj="student",
       change="students.edit"),
    EP("students/<int:pk>/edit/", "/students/{student}/edit/", "POST", perm="students.view", obj="student",
       change="students.edit", ok=302, data=_student_form_edit, state=_fields("student", "name", "version")),
    # privacy by default (ORG-5, SEC-4): the 显示 button; a role that may read but not see numbers: 404 (API.md)
    EP("students/<int:pk>/reveal/", "/students/{student}/reveal/", "POST", perm="students.view", obj="student",
       change="students.view_identity", no_change=404, post_all=True,
       data=lambda o: {"field": "id_number", "purpose": "矩阵：核对学籍"}),
    EP("students/<int:pk>/place/", "/students/{student}/place/", perm="students.view", obj="student",
       change="students.edit"),
    EP("students/<int:pk>/place/", "/students/{student}/place/", "POST", perm="students.view", obj="student",
       change="students.edit", ok=302,
       data=lambda o: {"version": o["student_obj"].version, "school_class": o["student_obj"].school_class_id,
                       "committee_opinion": ""},
       state=_fields("student", "version", "school_class_id")),
    EP("students/<int:pk>/placement/", "/students/{student}/placement/", perm="students.view", obj="student",
       change="students.edit"),
    EP("students/<int:pk>/placement/", "/students/{student}/placement/", "POST", perm="students.view",
       obj="student", change="students.edit", ok=302,
       data=lambda o: {"version": o["student_obj"].version, "placement": "regular_class",
                       "school_class": o["student_obj"].school_class_id, "committee_opinion": "矩阵：专家委员会意见"},
       state=_fields("student", "version", "placement")),
    EP("students/<int:pk>/deferral/", "/students/{student}/deferral/", "POST", perm="students.edit", obj="student",
       ok=302,
       data=lambda o: {"applicant": "矩阵家长", "applied_on": "2026-01-05", "approver_body": "town",
                       "approver_name": "矩阵镇政府", "approved_on": "2026-01-10", "deferred_until": "2026-09-01",
                       "reason": "矩阵"},
       state=_both(_related("Deferral", "student", "student"), _fields("student", "status", "version"))),
    EP("students/<int:pk>/accommodation/", "/students/{student}/accommodation/", "POST", perm="students.edit",
       obj="student", ok=302,
       data=lambda o: {"exam": "zhongkao", "exam_year": 2031, "requested": "矩阵：延长考试时间", "granted": "",
                       "decided_on": ""},
       state=_related("ExamAccommodation", "student", "student")),
    EP("students/<int:pk>/leaving/propose/", "/students/{student}/leaving/propose/", "POST", perm="students.edit",
       obj="student", ok=302, setup=_as_leaver, state=_related("LeavingRecord", "student", "student")),
    EP("students/<int:pk>/leaving/confirm/", "/students/{student}/leaving/confirm/", "POST",
       perm="students.confirm_leaving", obj="student", ok=302, setup=_proposed,
       data=lambda o: {"outcome": "graduated"},
       state=_both(_fields("student", "status", "version"),
                   lambda o: list(_models()["LeavingRecord"].objects.filter(student=o["student"])
                                  .values_list("outcome", flat=True)))),
    # --- cases (PL-3, PL-5..PL-9) -------------------------------------------------------------------
    EP("cases/", "/cases/", perm="cases.view", member="case", ctx="page"),
    EP("cases/new/", "/cases/new/", perm="cases.submit"),
    EP("cases/new/", "/cases/new/?student={student}", perm="cases.submit", obj="student"),
    EP("cases/new/", "/cases/new/?student={student}", "POST", perm="cases.submit", obj="student", ok=302,
       data=lambda o: {"kind": "revocation", "applicant": "矩阵家长", "reason": "矩阵：申请撤销认定", "direction": "",
                       "target_school": "", "school_conditions": "", "guardian_wishes": ""},
       state=_count("Case")),
    EP("cases/<int:pk>/", "/cases/{case}/", perm="cases.view", obj="case"),
    EP("cases/<int:pk>/", "/cases/{incoming}/", perm="cases.view", obj="incoming"),
    EP("cases/<int:pk>/transition/", "/cases/{case}/transition/", "POST", perm="cases.view", obj="case",
       change=CASE_WRITERS, step=_may_route, invalid=302, ok=302,
       data=lambda o: {"to": "under_review", "note": "矩阵：转专家委员会"}, state=_case_state("case")),
    EP("cases/<int:pk>/respond/", "/cases/{incoming}/respond/", "POST", perm="cases.view", obj="incoming",
       change="cases.respond_transfer", step=_receives, invalid=302, ok=302,
       data=lambda o: {"response": "accepted"}, state=_case_state("incoming")),
    EP("cases/<int:pk>/note/", "/cases/{case}/note/", "POST", perm="cases.view", obj="case",
       change=CASE_PARTICIPANTS, ok=302, data=lambda o: {"note": "矩阵：更正"}, state=_case_state("case")),
    EP("cases/<int:pk>/attachments/", "/cases/{case}/attachments/", "POST", perm="cases.view", obj="case",
       change=CASE_PARTICIPANTS, ok=302, files=True, data=lambda o: {"title": "矩阵附件", "file": _pdf()},
       state=_case_state("case")),
    EP("cases/<int:pk>/attachments/<int:attachment_id>/", "/cases/{case}/attachments/{attachment}/",
       perm="cases.view", obj="case", files=True),
    # --- archives (AR-1..AR-3, SEC-4) ---------------------------------------------------------------
    EP("archives/", "/archives/", perm="archives.view", member="school", ctx="page"),
    EP("archives/schools/<int:school_id>/", "/archives/schools/{school}/", perm="archives.view", obj="school"),
    EP("archives/schools/<int:school_id>/upload/", "/archives/schools/{school}/upload/", "POST",
       perm="archives.view", obj="school", change="archives.edit", ok=302, files=True,
       data=lambda o: {"section": "rules", "school_year": str(o["current_year_obj"].start_year), "title": "矩阵制度",
                       "file": _pdf()},
       uses=("current_year",), state=_related("SchoolArchiveFile", "school", "school")),
    EP("archives/students/<int:student_id>/", "/archives/students/{student}/", perm="archives.view", obj="student"),
    EP("archives/students/<int:student_id>/upload/", "/archives/students/{student}/upload/", "POST",
       perm="archives.view", obj="student", change="archives.edit", ok=302, files=True,
       data=lambda o: {"item": "4", "title": "矩阵医学报告", "file": _pdf()},
       state=_related("ArchiveFile", "student", "student")),
    EP("archives/students/<int:student_id>/handover/", "/archives/students/{student}/handover/", "POST",
       perm="archives.view", obj="student", change="archives.edit", ok=302,
       data=lambda o: {"reason": "transfer", "to_school": "", "to_party": "矩阵接收方",
                       "handed_over_on": _iso(timezone.localdate()), "items": ["1"], "note": ""},
       state=_related("Handover", "student", "student")),
    EP("archives/files/<int:pk>/", "/archives/files/{archive_file}/", perm="archives.view", obj="archive_file",
       files=True),
    EP("archives/school-files/<int:pk>/", "/archives/school-files/{school_file}/", perm="archives.view",
       obj="school_file", files=True),
]

# --- individual education pages (IEP-1..IEP-9) ---------------------------------------------------------------
def _plan_form(placeholder, **changes):
    """The plan form (baseline, team meeting with its participants, period) as the page fills it."""
    def data(o):
        p = o[placeholder + "_obj"]
        p.refresh_from_db()
        d = {"version": p.version, **{f: _iso(getattr(p, f)) if f.endswith(("_date", "_on")) else getattr(p, f)
                                      for f in ("start_date", "end_date", "baseline_collected_by",
                                                "baseline_collected_on", "disability_assessment",
                                                "academic_assessment", "social_adaptation", "family_education",
                                                "support_needs", "meeting_date", "meeting_conclusions")}}
        for i, x in enumerate(p.meeting_participants):
            d[f"p{i}_name"], d[f"p{i}_role"] = x["name"], x["role"]
        return {**d, **changes}
    return data


def _amend_form(o):
    """The amendment form: the plan's fields, each active goal's fields, the reason and one change."""
    p = o["plan_obj"]
    data = _plan_form("plan", reason="矩阵：调整支持", support_needs="矩阵：每周增加一次同伴互助")(o)
    for g in p.goals.filter(retired_in_revision__isnull=True):
        for f in ("target_behaviour", "baseline", "target_level", "mastery_criterion", "responsible_teacher",
                  "measures", "attainment_method"):
            data[f"g{g.pk}_{f}"] = getattr(g, f)
        data[f"g{g.pk}_end_date"] = _iso(g.end_date)
    return data


def _review_form(o):
    return {"review_date": _iso(_today()), "evidence": "矩阵：课堂观察记录",
            f"g{_goal_id('plan')(o)}_attained": "partly"}


def _session_form(o):
    return {"students": [o["student"]], "date": _iso(_today()), "hours": "1", "kind": "individual_tutoring",
            "outcome": "delivered", "teacher_name": "矩阵老师", "notes": "矩阵"}


def _correction_form(o):
    s = o["session_obj"]
    s.refresh_from_db()
    return {"version": s.version, "date": _iso(s.date), "hours": str(s.hours), "kind": s.kind,
            "teacher_name": s.teacher_name, "outcome": s.outcome, "cancel_reason": s.cancel_reason,
            "notes": "矩阵：更正后的备注", "reason": "矩阵：备注有误"}


def _evaluation_form(o):
    from suiban.iep.models import DIMENSIONS

    data = {"term": _current_term().pk, "evaluated_on": _iso(_today()), "evaluator_name": "矩阵老师", "summary": ""}
    for d, _label in DIMENSIONS:
        data.update({f"d_{d}_level": "good", f"d_{d}_comment": "矩阵：达到调整后的目标"})
    data.update(e_social_adaptation="矩阵：社会适应", e_compensation="矩阵：补偿与矫正",
                e_labour_skills="矩阵：劳动技能")
    return data


PAGES += [
    EP("iep/", "/iep/", perm="iep.view", member="plan", ctx="page"),
    EP("iep/", "/iep/?state=draft", perm="iep.view", member="draft", ctx="page"),
    EP("iep/new/", "/iep/new/", perm="iep.edit"),
    EP("iep/new/", "/iep/new/?student={student}", perm="iep.edit", obj="student"),
    EP("iep/new/", "/iep/new/?student={student}", "POST", perm="iep.edit", obj="student", ok=302,
       data=lambda o: {"school_year": _previous_year().name}, state=_related("Plan", "student", "student")),
    EP("iep/<int:pk>/", "/iep/{plan}/", perm="iep.view", obj="plan"),
    EP("iep/<int:pk>/", "/iep/{draft}/", perm="iep.view", obj="draft"),
    EP("iep/<int:pk>/edit/", "/iep/{draft}/edit/", perm="iep.view", obj="draft", change="iep.edit"),
    EP("iep/<int:pk>/edit/", "/iep/{draft}/edit/", "POST", perm="iep.view", obj="draft", change="iep.edit", ok=302,
       data=_plan_form("draft", support_needs="矩阵：个别辅导"), state=_fields("draft", "support_needs", "version")),
    EP("iep/<int:pk>/goals/new/", "/iep/{draft}/goals/new/", perm="iep.view", obj="draft", change="iep.edit"),
    EP("iep/<int:pk>/goals/new/", "/iep/{draft}/goals/new/", "POST", perm="iep.view", obj="draft",
       change="iep.edit", ok=302, data=lambda o: {"domain": "daily_living", "target_behaviour": "矩阵：能独立整理书包"},
       state=_both(_related("Goal", "draft", "plan"), _fields("draft", "version"))),
    EP("iep/<int:pk>/goals/<int:goal_id>/edit/", "/iep/{draft}/goals/{draft_goal}/edit/", perm="iep.view",
       obj="draft", change="iep.edit"),
    EP("iep/<int:pk>/goals/<int:goal_id>/edit/", "/iep/{draft}/goals/{draft_goal}/edit/", "POST", perm="iep.view",
       obj="draft", change="iep.edit", ok=302,
       data=lambda o: {"version": o["draft_goal_obj"].version, "domain": "daily_living",
                       "target_behaviour": "矩阵：改"},
       state=_both(_fields("draft_goal", "target_behaviour", "version"), _fields("draft", "version"))),
    EP("iep/<int:pk>/goals/<int:goal_id>/delete/", "/iep/{draft}/goals/{draft_goal}/delete/", "POST",
       perm="iep.view", obj="draft", change="iep.edit", ok=302,
       state=_both(_related("Goal", "draft", "plan"), _fields("draft", "version"))),
    EP("iep/<int:pk>/transition/", "/iep/{draft}/transition/", "POST", perm="iep.view", obj="draft",
       change=IEP_WORKFLOW, step=_plan_step("iep.edit"), invalid=302, ok=302,
       data=lambda o: {"to": "in_review", "note": "矩阵：提交审核"}, state=_plan_state("draft")),
    EP("iep/<int:pk>/transition/", "/iep/{review}/transition/", "POST", perm="iep.view", obj="review",
       change=IEP_WORKFLOW, step=_plan_step("iep.approve"), invalid=302, ok=302,
       data=lambda o: {"to": "in_force", "note": "矩阵：审议通过"}, state=_plan_state("review")),
    EP("iep/<int:pk>/comment/", "/iep/{review}/comment/", "POST", perm="iep.view", obj="review",
       change="iep.comment", ok=302, data=lambda o: {"note": "矩阵：建议增加同伴互助"}, state=_plan_state("review")),
    EP("iep/<int:pk>/respond/", "/iep/{plan}/respond/", "POST", perm="iep.view", obj="plan", change="iep.respond",
       ok=302, data=lambda o: {"answer": "agree"},
       state=_both(_related("PlanResponse", "plan", "plan"), _plan_state("plan"))),
    EP("iep/<int:pk>/amend/", "/iep/{plan}/amend/", perm="iep.view", obj="plan", change="iep.edit"),
    EP("iep/<int:pk>/amend/", "/iep/{plan}/amend/", "POST", perm="iep.view", obj="plan", change="iep.edit", ok=302,
       data=_amend_form, state=_both(_plan_state("plan"), _fields("plan", "support_needs"))),
    EP("iep/<int:pk>/versions/<int:number>/", "/iep/{plan}/versions/1/", perm="iep.view", obj="plan"),
    EP("iep/<int:pk>/review/", "/iep/{plan}/review/", perm="iep.view", obj="plan", change="iep.edit"),
    EP("iep/<int:pk>/review/", "/iep/{plan}/review/", "POST", perm="iep.view", obj="plan", change="iep.edit",
       ok=302, data=_review_form, state=_related("Review", "plan", "plan")),
    EP("iep/<int:pk>/document.docx", "/iep/{plan}/document.docx", perm="iep.view", obj="plan"),
    EP("iep/<int:pk>/print/", "/iep/{plan}/print/", perm="iep.view", obj="plan"),
    EP("iep/sessions/", "/iep/sessions/", perm="iep.records"),
    EP("iep/sessions/", "/iep/sessions/?student_id={student}", perm="iep.records", obj="student", member="session",
       ctx="page"),
    EP("iep/sessions/log/", "/iep/sessions/log/", perm="iep.edit"),
    # a student outside the caseload is not one of the form's choices: the form comes back with an error
    EP("iep/sessions/log/", "/iep/sessions/log/", "POST", perm="iep.edit", obj="student", out_of_scope=200, ok=302,
       data=_session_form, state=_both(_count("Session"), _related("SessionAttendance", "student", "student"))),
    # readers see the session, its original values and corrections; correcting needs iep.edit on every student
    EP("iep/sessions/<int:pk>/correct/", "/iep/sessions/{session}/correct/", perm="iep.records", obj="session"),
    EP("iep/sessions/<int:pk>/correct/", "/iep/sessions/{session}/correct/", "POST", perm="iep.records",
       obj="session", change="iep.edit", ok=302, data=_correction_form,
       state=_both(_fields("session", "notes", "version"), _related("SessionCorrection", "session", "session"))),
    EP("iep/students/<int:pk>/weekly/", "/iep/students/{student}/weekly/", perm="iep.records", obj="student"),
    EP("iep/students/<int:pk>/support/", "/iep/students/{student}/support/", perm="iep.records", obj="student"),
    EP("iep/students/<int:pk>/support/evaluations/", "/iep/students/{student}/support/evaluations/", "POST",
       perm="iep.records", obj="student", change="iep.edit", ok=302, data=_evaluation_form, setup=_not_evaluated,
       state=_related("Evaluation", "student", "student")),
    EP("iep/students/<int:pk>/support/peers/", "/iep/students/{student}/support/peers/", "POST", perm="iep.records",
       obj="student", change="iep.edit", ok=302,
       data=lambda o: {"mode": "one_to_one", "peers": "矩阵同学", "starts_on": _iso(_today())},
       state=_related("PeerSupport", "student", "student")),
    EP("iep/students/<int:pk>/support/aids/", "/iep/students/{student}/support/aids/", "POST", perm="iep.records",
       obj="student", change="iep.edit", ok=302,
       data=lambda o: {"item": "矩阵助听器", "kind": "assistive_device", "issued_on": _iso(_today())},
       state=_related("AidIssue", "student", "student")),
    EP("iep/students/<int:pk>/support/aids/<int:aid_id>/return/", "/iep/students/{student}/support/aids/{aid}/return/",
       "POST", perm="iep.records", obj="aid", change="iep.edit", ok=302, data=lambda o: {},
       state=_fields("aid", "returned_on", "version")),
    EP("iep/below-minimum/", "/iep/below-minimum/", perm="iep.records"),
]

API = [
    EP("POST /api/v1/auth/token", "/api/v1/auth/token", "POST", api=True, public=True, anon=401),
    EP("GET /api/v1/me", "/api/v1/me", api=True),
    EP("GET /api/v1/regions", "/api/v1/regions?page_size=500", api=True, perm="org.view", member="region"),
    EP("GET /api/v1/regions/{region_id}", "/api/v1/regions/{region}", api=True, perm="org.view", obj="region"),
    EP("GET /api/v1/schools", "/api/v1/schools?page_size=500", api=True, perm="org.view", member="school"),
    EP("GET /api/v1/schools/{school_id}", "/api/v1/schools/{school}", api=True, perm="org.view", obj="school"),
    EP("GET /api/v1/schools/{school_id}/classes", "/api/v1/schools/{class_school}/classes", api=True,
       perm="org.view", obj="class_school", member="class"),
    EP("GET /api/v1/policy/effective", "/api/v1/policy/effective?school={school}", api=True,
       perm="policy.view", obj="school"),
    EP("GET /api/v1/policy/effective", "/api/v1/policy/effective?region={region}", api=True,
       perm="policy.view", obj="region"),
    EP("GET /api/v1/audit", "/api/v1/audit", api=True, perm="audit.view"),
    EP("GET /api/v1/audit", "/api/v1/audit?object_type=school&object_id={school}&page_size=500", api=True,
       perm="audit.view", member="school"),
    # --- students and the roster ----------------------------------------------------------------------------
    EP("GET /api/v1/students", "/api/v1/students?page_size=500", api=True, perm="students.view", member="student"),
    EP("POST /api/v1/students", "/api/v1/students", "POST", api=True, perm="students.edit", obj="school",
       out_of_scope=422, ok=201, data=_student_json, state=_count("Student")),
    EP("GET /api/v1/students/{student_id}", "/api/v1/students/{student}", api=True, perm="students.view",
       obj="student"),
    EP("PATCH /api/v1/students/{student_id}", "/api/v1/students/{student}", "PATCH", api=True,
       perm="students.view", obj="student", change="students.edit",
       data=lambda o: {"version": o["student_obj"].version, "name": "矩阵改名"},
       state=_fields("student", "name", "version")),
    EP("GET /api/v1/students/export.xlsx", "/api/v1/students/export.xlsx?student_number={student_number}",
       api=True, perm="students.export", member="student"),
    EP("POST /api/v1/students/{student_id}/reveal", "/api/v1/students/{student}/reveal", "POST", api=True,
       perm="students.view", obj="student", change="students.view_identity", no_change=404,
       data=lambda o: {"field": "certificate_number", "purpose": "矩阵：核对残疾人证"}),
    EP("GET /api/v1/students/import-template.xlsx", "/api/v1/students/import-template.xlsx", api=True,
       perm="students.import"),
    EP("POST /api/v1/students/import", "/api/v1/students/import", "POST", api=True, perm="students.import",
       obj="school", out_of_scope=422, multipart=True, data=_import_file, state=_count("Student")),
    # --- cases ------------------------------------------------------------------------------------------------
    EP("GET /api/v1/cases", "/api/v1/cases?page_size=500", api=True, perm="cases.view", member="case"),
    EP("POST /api/v1/cases", "/api/v1/cases", "POST", api=True, perm="cases.submit", obj="student",
       out_of_scope=422, ok=201,
       data=lambda o: {"kind": "revocation", "student_id": o["student"], "applicant": "矩阵家长",
                       "reason": "矩阵：申请撤销认定"},
       state=_count("Case")),
    EP("GET /api/v1/cases/{case_id}", "/api/v1/cases/{case}", api=True, perm="cases.view", obj="case"),
    EP("GET /api/v1/cases/{case_id}", "/api/v1/cases/{incoming}", api=True, perm="cases.view", obj="incoming"),
    EP("POST /api/v1/cases/{case_id}/transitions", "/api/v1/cases/{case}/transitions", "POST", api=True,
       perm="cases.view", obj="case", change=CASE_WRITERS, step=_may_route, invalid=422, no_change=422,
       data=lambda o: {"to": "under_review", "note": "矩阵：转专家委员会"}, state=_case_state("case")),
    EP("POST /api/v1/cases/{case_id}/transfer-response", "/api/v1/cases/{incoming}/transfer-response", "POST",
       api=True, perm="cases.view", obj="incoming", change="cases.respond_transfer", step=_receives, invalid=422,
       no_change=422, data=lambda o: {"response": "accepted"}, state=_case_state("incoming")),
    EP("POST /api/v1/cases/{case_id}/events", "/api/v1/cases/{case}/events", "POST", api=True, perm="cases.view",
       obj="case", change=CASE_PARTICIPANTS, ok=201, data=lambda o: {"note": "矩阵：更正"},
       state=_case_state("case")),
    EP("POST /api/v1/cases/{case_id}/attachments", "/api/v1/cases/{case}/attachments", "POST", api=True,
       perm="cases.view", obj="case", change=CASE_PARTICIPANTS, ok=201, multipart=True, files=True,
       data=lambda o: {"title": "矩阵附件", "file": _pdf()}, state=_case_state("case")),
    EP("GET /api/v1/cases/{case_id}/attachments/{attachment_id}", "/api/v1/cases/{case}/attachments/{attachment}",
       api=True, perm="cases.view", obj="case", files=True),
]

API += [
    # --- individual education plans (IEP-1..IEP-3) -----------------------------------------------------------
    EP("GET /api/v1/ieps", "/api/v1/ieps?page_size=500", api=True, perm="iep.view", member="plan"),
    EP("GET /api/v1/ieps", "/api/v1/ieps?page_size=500&state=draft", api=True, perm="iep.view", member="draft"),
    EP("POST /api/v1/ieps", "/api/v1/ieps", "POST", api=True, perm="iep.edit", obj="student", out_of_scope=422,
       ok=201, data=lambda o: {"student_id": o["student"], "school_year": _previous_year().name},
       state=_related("Plan", "student", "student")),
    EP("GET /api/v1/ieps/findings", "/api/v1/ieps/findings?school_id={school}", api=True, perm="iep.view",
       obj="school"),
    EP("GET /api/v1/ieps/{plan_id}", "/api/v1/ieps/{plan}", api=True, perm="iep.view", obj="plan"),
    EP("GET /api/v1/ieps/{plan_id}", "/api/v1/ieps/{draft}", api=True, perm="iep.view", obj="draft"),
    EP("PATCH /api/v1/ieps/{plan_id}", "/api/v1/ieps/{draft}", "PATCH", api=True, perm="iep.view", obj="draft",
       change="iep.edit", data=lambda o: {"version": o["draft_obj"].version, "support_needs": "矩阵：个别辅导"},
       state=_fields("draft", "support_needs", "version")),
    # a plan in force changes only by an amendment
    EP("PATCH /api/v1/ieps/{plan_id}", "/api/v1/ieps/{plan}", "PATCH", api=True, perm="iep.view", obj="plan",
       change="iep.edit", step=_never, invalid=422,
       data=lambda o: {"version": o["plan_obj"].version, "support_needs": "矩阵：个别辅导"},
       state=_fields("plan", "support_needs", "version")),
    EP("GET /api/v1/ieps/{plan_id}/goals", "/api/v1/ieps/{plan}/goals", api=True, perm="iep.view", obj="plan"),
    EP("POST /api/v1/ieps/{plan_id}/goals", "/api/v1/ieps/{draft}/goals", "POST", api=True, perm="iep.view",
       obj="draft", change="iep.edit", ok=201,
       data=lambda o: {"domain": "daily_living", "target_behaviour": "矩阵：能独立整理书包"},
       state=_both(_related("Goal", "draft", "plan"), _fields("draft", "version"))),
    EP("PATCH /api/v1/ieps/{plan_id}/goals/{goal_id}", "/api/v1/ieps/{draft}/goals/{draft_goal}", "PATCH", api=True,
       perm="iep.view", obj="draft", change="iep.edit",
       data=lambda o: {"version": o["draft_goal_obj"].version, "target_behaviour": "矩阵：改"},
       state=_both(_fields("draft_goal", "target_behaviour", "version"), _fields("draft", "version"))),
    EP("DELETE /api/v1/ieps/{plan_id}/goals/{goal_id}", "/api/v1/ieps/{draft}/goals/{draft_goal}", "DELETE",
       api=True, perm="iep.view", obj="draft", change="iep.edit", ok=204,
       state=_both(_related("Goal", "draft", "plan"), _fields("draft", "version"))),
    EP("POST /api/v1/ieps/{plan_id}/transitions", "/api/v1/ieps/{draft}/transitions", "POST", api=True,
       perm="iep.view", obj="draft", change=IEP_WORKFLOW, step=_plan_step("iep.edit"), invalid=422, no_change=422,
       data=lambda o: {"to": "in_review", "note": "矩阵：提交审核"}, state=_plan_state("draft")),
    EP("POST /api/v1/ieps/{plan_id}/transitions", "/api/v1/ieps/{review}/transitions", "POST", api=True,
       perm="iep.view", obj="review", change=IEP_WORKFLOW, step=_plan_step("iep.approve"), invalid=422, no_change=422,
       data=lambda o: {"to": "in_force", "note": "矩阵：审议通过"}, state=_plan_state("review")),
    EP("POST /api/v1/ieps/{plan_id}/transitions", "/api/v1/ieps/{plan}/transitions", "POST", api=True,
       perm="iep.view", obj="plan", change=IEP_WORKFLOW, step=_plan_step("iep.approve"), invalid=422, no_change=422,
       data=lambda o: {"to": "closed", "note": "矩阵：学年结束"}, state=_plan_state("plan")),
    EP("GET /api/v1/ieps/{plan_id}/amendments", "/api/v1/ieps/{plan}/amendments", api=True, perm="iep.view",
       obj="plan"),
    EP("POST /api/v1/ieps/{plan_id}/comments", "/api/v1/ieps/{review}/comments", "POST", api=True, perm="iep.view",
       obj="review", change="iep.comment", ok=201, data=lambda o: {"note": "矩阵：建议增加同伴互助"},
       state=_plan_state("review")),
    # comments are given while the plan is in review
    EP("POST /api/v1/ieps/{plan_id}/comments", "/api/v1/ieps/{plan}/comments", "POST", api=True, perm="iep.view",
       obj="plan", change="iep.comment", step=_never, invalid=422, data=lambda o: {"note": "矩阵：建议增加同伴互助"},
       state=_plan_state("plan")),
    EP("POST /api/v1/ieps/{plan_id}/amendments", "/api/v1/ieps/{plan}/amendments", "POST", api=True,
       perm="iep.view", obj="plan", change="iep.edit", ok=201,
       data=lambda o: {"reason": "矩阵：调整支持", "support_needs": "矩阵：每周增加一次同伴互助",
                       "version": o["plan_obj"].version},
       state=_both(_plan_state("plan"), _fields("plan", "support_needs"))),
    # a draft is edited directly, not amended
    EP("POST /api/v1/ieps/{plan_id}/amendments", "/api/v1/ieps/{draft}/amendments", "POST", api=True,
       perm="iep.view", obj="draft", change="iep.edit", step=_never, invalid=422,
       data=lambda o: {"reason": "矩阵：调整支持", "support_needs": "矩阵：每周增加一次同伴互助",
                       "version": o["draft_obj"].version},
       state=_both(_plan_state("draft"), _fields("draft", "support_needs"))),
    EP("GET /api/v1/ieps/{plan_id}/versions", "/api/v1/ieps/{plan}/versions", api=True, perm="iep.view",
       obj="plan"),
    EP("GET /api/v1/ieps/{plan_id}/versions/{number}", "/api/v1/ieps/{plan}/versions/1", api=True,
       perm="iep.view", obj="plan"),
    EP("GET /api/v1/ieps/{plan_id}/reviews", "/api/v1/ieps/{plan}/reviews", api=True, perm="iep.view", obj="plan"),
    EP("POST /api/v1/ieps/{plan_id}/reviews", "/api/v1/ieps/{plan}/reviews", "POST", api=True, perm="iep.view",
       obj="plan", change="iep.edit", ok=201,
       data=lambda o: {"review_date": _iso(_today()), "evidence": "矩阵：课堂观察记录",
                       "attainments": [{"goal_id": _goal_id("plan")(o), "attained": "partly"}]},
       state=_related("Review", "plan", "plan")),
    EP("GET /api/v1/ieps/{plan_id}/progress", "/api/v1/ieps/{plan}/progress", api=True, perm="iep.view",
       obj="plan"),
    EP("POST /api/v1/ieps/{plan_id}/responses", "/api/v1/ieps/{plan}/responses", "POST", api=True,
       perm="iep.view", obj="plan", change="iep.respond", ok=201, data=lambda o: {"answer": "agree"},
       state=_both(_related("PlanResponse", "plan", "plan"), _plan_state("plan"))),
    # the guardian does not see (so cannot answer) their child's draft
    EP("POST /api/v1/ieps/{plan_id}/responses", "/api/v1/ieps/{draft}/responses", "POST", api=True,
       perm="iep.view", obj="draft", change="iep.respond", ok=201, data=lambda o: {"answer": "agree"},
       state=_both(_related("PlanResponse", "draft", "plan"), _plan_state("draft"))),
    # --- sessions and weekly hours (IEP-4, IEP-5) ----------------------------------------------------------------
    EP("GET /api/v1/sessions", "/api/v1/sessions?page_size=500", api=True, perm="iep.records", member="session"),
    EP("POST /api/v1/sessions", "/api/v1/sessions", "POST", api=True, perm="iep.edit", obj="student",
       out_of_scope=422, ok=201,
       data=lambda o: {"student_ids": [o["student"]], "date": _iso(_today()), "hours": 1,
                       "kind": "individual_tutoring", "teacher_name": "矩阵老师", "notes": "矩阵"},
       state=_both(_count("Session"), _related("SessionAttendance", "student", "student"))),
    EP("GET /api/v1/sessions/below-minimum", "/api/v1/sessions/below-minimum?page_size=500", api=True,
       perm="iep.records"),
    EP("GET /api/v1/sessions/{session_id}", "/api/v1/sessions/{session}", api=True, perm="iep.records",
       obj="session"),
    EP("POST /api/v1/sessions/{session_id}/corrections", "/api/v1/sessions/{session}/corrections", "POST",
       api=True, perm="iep.records", obj="session", change="iep.edit", ok=201,
       data=lambda o: {"reason": "矩阵：备注有误", "notes": "矩阵：更正后的备注"},
       state=_both(_fields("session", "notes", "version"), _related("SessionCorrection", "session", "session"))),
    EP("GET /api/v1/students/{student_id}/weekly-hours", "/api/v1/students/{student}/weekly-hours", api=True,
       perm="iep.records", obj="student"),
    EP("GET /api/v1/terms", "/api/v1/terms", api=True, perm="iep.records"),
    # --- term evaluation, peer support, aids (IEP-6..IEP-8) ------------------------------------------------------
    EP("GET /api/v1/evaluations", "/api/v1/evaluations?page_size=500", api=True, perm="iep.records",
       member="evaluation"),
    EP("POST /api/v1/evaluations", "/api/v1/evaluations", "POST", api=True, perm="iep.edit", obj="student",
       out_of_scope=422, ok=201, data=_evaluation_json, setup=_not_evaluated,
       state=_related("Evaluation", "student", "student")),
    EP("GET /api/v1/evaluations/{evaluation_id}", "/api/v1/evaluations/{evaluation}", api=True, perm="iep.records",
       obj="evaluation"),
    EP("GET /api/v1/peer-support", "/api/v1/peer-support?page_size=500", api=True, perm="iep.records", member="peer"),
    EP("POST /api/v1/peer-support", "/api/v1/peer-support", "POST", api=True, perm="iep.edit", obj="student",
       out_of_scope=422, ok=201,
       data=_record_json(mode="one_to_one", peers=[{"name": "矩阵同学"}], starts_on=lambda o: _iso(_today())),
       state=_related("PeerSupport", "student", "student")),
    EP("GET /api/v1/aids", "/api/v1/aids?page_size=500", api=True, perm="iep.records", member="aid"),
    EP("POST /api/v1/aids", "/api/v1/aids", "POST", api=True, perm="iep.edit", obj="student", out_of_scope=422,
       ok=201, data=_record_json(item="矩阵助听器", kind="assistive_device", issued_on=lambda o: _iso(_today())),
       state=_related("AidIssue", "student", "student")),
    EP("POST /api/v1/aids/{aid_id}/return", "/api/v1/aids/{aid}/return", "POST", api=True, perm="iep.records",
       obj="aid", change="iep.edit", data=lambda o: {"returned_on": _iso(_today())},
       state=_fields("aid", "returned_on", "version")),
    EP("POST /api/v1/aids/{aid_id}/return", "/api/v1/aids/{aid}/return", "POST", api=True, perm="iep.records",
       obj="aid", change="iep.edit", step=_never, invalid=422, setup=_returned, label="returned already",
       data=lambda o: {"returned_on": _iso(_today())}, state=_fields("aid", "returned_on", "version")),
]

# --- Each module lists its pages and API operations in its own block (kept apart so they merge cleanly). ---
# staff (ST-1..ST-7, ORG-6, ORG-7, PL-16)
def _staff_count(model, **where):
    def snap(o):
        m = _staff_models()
        return getattr(m, model).objects.filter(**{k: o[v] for k, v in where.items()}).count()
    return snap


def _staff_fields(model, placeholder, *names):
    def snap(o):
        obj = getattr(_staff_models(), model).objects.get(pk=o[placeholder])
        return tuple(getattr(obj, n) for n in names)
    return snap


def _staff_spare_year(o):
    """A school year without pools (so that opening one succeeds for a permitted account)."""
    sy = _models()["SchoolYear"].objects.filter(start_year=2089).first()
    if sy is None:
        sy = _models()["SchoolYear"].objects.create(start_year=2089, start_date=date(2089, 9, 1),
                                                    end_date=date(2090, 8, 31))
    return sy.name


def _staff_draft(o):
    """The pool is back in draft with its fixed resource teacher, so that filing it is a step that can succeed."""
    m = _staff_models()
    pool = m.Pool.objects.get(pk=o["pool"])
    m.Pool.objects.filter(pk=pool.pk).update(state="draft", filed_at=None)
    if not pool.members.filter(kind="fixed_resource").exists():
        staff = m.StaffMember.objects.create(name="矩阵资源教师", school=pool.school, region_path=pool.region_path,
                                             qualification="special_ed_degree")
        m.PoolMember.objects.create(pool=pool, staff=staff, kind="fixed_resource", full_time=True)


def _staff_members_json(o):
    pool = _staff_models().Pool.objects.get(pk=o["pool"])
    return {"version": pool.version, "reason": "矩阵：核对成员",
            "members": [{"staff_id": m.staff_id, "kind": m.kind, "full_time": m.full_time}
                        for m in pool.members.all()]}


def _staff_under_review(o):
    _models()["Case"].objects.filter(pk=o["case"]).update(state="under_review")


def _staff_opinion(o):
    from suiban.staff.services import committee_members_for

    members = committee_members_for(o["case_obj"])
    return {"physical_condition": "矩阵：视力低下", "education_ability": "矩阵：能接受普通教育",
            "adaptation_ability": "矩阵：基本适应", "member_ids": [e.pk for e in members[:2]],
            "members": [e.pk for e in members[:2]], "given_on": _iso(_today())}


def _staff_year_form(o):
    return {"staff": o["staff_member"], "evaluation": "good", "post_wage": "3333.00", "scale_wage": "1666.00",
            "full_time_resource": "on"}


_STAFF_TRAINING = {"course": "矩阵培训", "kind": "course", "level": "school", "hours": "2", "organiser": ""}

STAFF_ENDPOINTS: list[EP] = []
_STAFF_ROWS = [
    # --- pools (ST-1) ---------------------------------------------------------------------------------------------
    EP("staff/pools/", "/staff/pools/", perm="staff.view"),
    EP("staff/pools/new/", "/staff/pools/new/", "POST", perm="staff.view", obj="school", change="staff.edit",
       ok=302, data=lambda o: {"school": o["school"], "year": _staff_spare_year(o), "renew": "1"},
       state=_staff_count("Pool", school="school")),
    EP("staff/pools/school/<int:school_id>/", "/staff/pools/school/{school}/", perm="staff.view", obj="school",
       ok=302),
    EP("staff/pools/<int:pk>/", "/staff/pools/{pool}/", perm="staff.view", obj="school"),
    EP("staff/pools/<int:pk>/members/", "/staff/pools/{pool}/members/", "POST", perm="staff.view", obj="school",
       change="staff.edit", ok=302, data=lambda o: {"new_name": "矩阵助教", "kind": "assistant",
                                                    "reason": "矩阵：补充助教"},
       state=_staff_count("PoolMember", pool="pool")),
    EP("staff/pools/<int:pk>/members/<int:staff_id>/remove/", "/staff/pools/{pool}/members/{pool_staff}/remove/",
       "POST", perm="staff.view", obj="school", change="staff.edit", ok=302, data=lambda o: {"reason": "矩阵：调离"},
       state=_staff_count("PoolMember", pool="pool")),
    EP("staff/pools/<int:pk>/file/", "/staff/pools/{pool}/file/", "POST", perm="staff.view", obj="school",
       change="staff.file", ok=302, setup=_staff_draft, data=lambda o: {},
       state=_staff_fields("Pool", "pool", "state", "filed_at")),
    EP("staff/filing/", "/staff/filing/", perm="staff.filing"),
    # --- staff and training (ST-2, ST-3, ST-7) --------------------------------------------------------------------
    EP("staff/people/", "/staff/people/", perm="staff.own"),
    EP("staff/people/new/", "/staff/people/new/", perm="staff.edit"),
    EP("staff/people/new/", "/staff/people/new/", "POST", perm="staff.edit", obj="school",
       data=lambda o: {"school": o["school"], "name": "矩阵老师", "kind": "teacher", "qualification": "none"},
       state=_staff_count("StaffMember")),
    EP("staff/people/<int:pk>/", "/staff/people/{staff_member}/", perm="staff.view", obj="school"),
    EP("staff/people/<int:pk>/edit/", "/staff/people/{staff_member}/edit/", perm="staff.view", obj="school",
       change="staff.edit"),
    EP("staff/people/<int:pk>/edit/", "/staff/people/{staff_member}/edit/", "POST", perm="staff.view",
       obj="school", change="staff.edit", ok=302,
       data=lambda o: {"name": "矩阵改名", "kind": "teacher", "qualification": "special_ed_degree",
                       "qualification_evidence": "矩阵大学", "version": o["staff_member_obj"].version},
       state=_staff_fields("StaffMember", "staff_member", "name", "version")),
    EP("staff/nominations/", "/staff/nominations/", perm="staff.view"),
    EP("staff/people/<int:pk>/trainings/", "/staff/people/{staff_member}/trainings/", "POST", perm="staff.view",
       obj="school", change="staff.edit", ok=302, data=lambda o: {**_STAFF_TRAINING, "start_date": _iso(_today())},
       state=_staff_count("Training", staff="staff_member")),
    EP("staff/certificates/<int:pk>/", "/staff/certificates/{training}/", perm="staff.view", obj="school",
       uses=("staff_member",), files=True),
    # --- staffing and incentives (ST-4, ST-5) -------------------------------------------------------------------
    EP("staff/incentives/", "/staff/incentives/", perm="staff.view"),
    EP("staff/incentives/", "/staff/incentives/?school={school}", perm="staff.view", obj="school"),
    EP("staff/incentives/year/", "/staff/incentives/year/?school={school}", "POST", perm="staff.view",
       obj="school", change="staff.incentives", ok=302, uses=("staff_member",), data=_staff_year_form,
       state=lambda o: list(_staff_models().StaffYear.objects.filter(staff=o["staff_member"])
                            .values_list("post_wage", "evaluation"))),
    EP("staff/incentives/nominations/", "/staff/incentives/nominations/?school={school}", "POST", perm="staff.view",
       obj="school", change="staff.incentives", ok=302, uses=("staff_member",),
       data=lambda o: {"staff": o["staff_member"], "category": "resource_teacher", "reason": "矩阵：工作突出"},
       state=_staff_count("Nomination", school="school")),
    # --- itinerant visits (ST-6) --------------------------------------------------------------------------------
    EP("staff/visits/", "/staff/visits/", perm="staff.view"),
    EP("staff/visits/new/", "/staff/visits/new/", perm="staff.itinerant"),
    EP("staff/visits/new/", "/staff/visits/new/", "POST", perm="staff.itinerant", obj="school", out_of_scope=200,
       data=lambda o: {"school": o["school"], "date": _iso(_today()), "advice": "矩阵建议"},
       state=_staff_count("ItinerantVisit")),
    EP("staff/visits/<int:pk>/", "/staff/visits/{visit}/", perm="staff.view", obj="school"),
    EP("staff/visits/<int:pk>/answer/", "/staff/visits/{visit}/answer/", "POST", perm="staff.view", obj="school",
       change="staff.respond", ok=302, data=lambda o: {"response": "矩阵：已整改"},
       state=_staff_fields("ItinerantVisit", "visit", "response")),
    # --- working group (ORG-6) ------------------------------------------------------------------------------------
    EP("staff/group/", "/staff/group/", perm="staff.view"),
    EP("staff/group/", "/staff/group/?school={school}", perm="staff.view", obj="school"),
    EP("staff/group/save/", "/staff/group/save/?school={school}", "POST", perm="staff.view", obj="school",
       change="staff.edit", ok=302, data=lambda o: {"m0-name": "矩阵校长", "m0-function": "principal", "plan": "矩阵"},
       state=_staff_count("WorkingGroupMember", group__school="school")),
    EP("staff/group/<int:pk>/meetings/", "/staff/group/{group}/meetings/", "POST", perm="staff.view",
       obj="school", change="staff.edit", ok=302,
       data=lambda o: {"date": _iso(_today()), "topic": "矩阵会议", "minutes": "矩阵纪要"},
       state=_staff_count("WorkingGroupMeeting", group="group")),
    # --- centres and experts (ORG-7, PL-16) -------------------------------------------------------------------
    EP("staff/experts/", "/staff/experts/", perm="org.view"),
    EP("staff/experts/new/", "/staff/experts/new/", "POST", perm="staff.experts", obj="region", out_of_scope=302,
       ok=302, data=lambda o: {"body": "committee", "region": o["region"], "name": "矩阵专家", "field": "law"},
       state=_staff_count("Expert")),
    EP("staff/cases/<int:pk>/opinion/", "/staff/cases/{case}/opinion/", "POST", perm="cases.view", obj="case",
       change="cases.opinion", ok=302, setup=_staff_under_review, data=_staff_opinion,
       state=_staff_count("CommitteeOpinion", case="case")),
    # --- API ------------------------------------------------------------------------------------------------------
    EP("GET /api/v1/pools", "/api/v1/pools", api=True, perm="staff.view"),
    EP("POST /api/v1/pools", "/api/v1/pools", "POST", api=True, perm="staff.edit", obj="school", out_of_scope=422,
       ok=201, data=lambda o: {"school_id": o["school"], "school_year": _staff_spare_year(o)},
       state=_staff_count("Pool", school="school")),
    EP("GET /api/v1/pools/filing", "/api/v1/pools/filing?counts=1", api=True, perm="staff.filing"),
    EP("GET /api/v1/pools/{pool_id}", "/api/v1/pools/{pool}", api=True, perm="staff.view", obj="school"),
    EP("PATCH /api/v1/pools/{pool_id}", "/api/v1/pools/{pool}", "PATCH", api=True, perm="staff.view", obj="school",
       change="staff.edit", data=_staff_members_json, state=_staff_fields("Pool", "pool", "version")),
    EP("POST /api/v1/pools/{pool_id}/file", "/api/v1/pools/{pool}/file", "POST", api=True, perm="staff.view",
       obj="school", change="staff.file", setup=_staff_draft, data=lambda o: {},
       state=_staff_fields("Pool", "pool", "state", "filed_at")),
    EP("GET /api/v1/staff", "/api/v1/staff", api=True, perm="staff.own"),
    EP("POST /api/v1/staff", "/api/v1/staff", "POST", api=True, perm="staff.edit", obj="school", out_of_scope=422,
       ok=201, data=lambda o: {"school_id": o["school"], "name": "矩阵老师"}, state=_staff_count("StaffMember")),
    EP("GET /api/v1/staff/{staff_id}/trainings", "/api/v1/staff/{staff_member}/trainings", api=True,
       perm="staff.view", obj="school"),
    EP("POST /api/v1/staff/{staff_id}/trainings", "/api/v1/staff/{staff_member}/trainings", "POST", api=True,
       perm="staff.view", obj="school", change="staff.edit", ok=201, multipart=True,
       data=lambda o: {**_STAFF_TRAINING, "start_date": _iso(_today())},
       state=_staff_count("Training", staff="staff_member")),
    EP("GET /api/v1/itinerant-visits", "/api/v1/itinerant-visits", api=True, perm="staff.view"),
    EP("GET /api/v1/itinerant-visits/coverage", "/api/v1/itinerant-visits/coverage", api=True, perm="staff.view"),
    EP("POST /api/v1/itinerant-visits", "/api/v1/itinerant-visits", "POST", api=True, perm="staff.itinerant",
       obj="school", out_of_scope=422, ok=201,
       data=lambda o: {"school_id": o["school"], "date": _iso(_today()), "advice": "矩阵建议"},
       state=_staff_count("ItinerantVisit")),
    EP("POST /api/v1/itinerant-visits/{visit_id}/response", "/api/v1/itinerant-visits/{visit}/response", "POST",
       api=True, perm="staff.view", obj="school", change="staff.respond", data=lambda o: {"response": "矩阵：已整改"},
       state=_staff_fields("ItinerantVisit", "visit", "response")),
    EP("GET /api/v1/cases/{case_id}/opinions", "/api/v1/cases/{case}/opinions", api=True, perm="cases.view",
       obj="case"),
    EP("POST /api/v1/cases/{case_id}/opinions", "/api/v1/cases/{case}/opinions", "POST", api=True,
       perm="cases.view", obj="case", change="cases.opinion", ok=201, setup=_staff_under_review,
       data=_staff_opinion, state=_staff_count("CommitteeOpinion", case="case")),
]
# The completeness tests read PAGES and API: the rows go there (STAFF_ENDPOINTS stays empty, so none runs twice).
PAGES.extend(ep for ep in _STAFF_ROWS if not ep.api)
API.extend(ep for ep in _STAFF_ROWS if ep.api)

# funds ledger (FN-1..FN-4)
def _funds_income(o) -> dict:
    return {"kind": "income", "date": _iso(_today()), "amount": "10.00", "source": "district_subsidy",
            "payee": "矩阵", "purpose": "矩阵收入"}


def _funds_month(o) -> str:
    return f"{_models()['SchoolYear'].current().start_date:%Y-%m}"


def _funds_count(model, **lookups):
    def snap(o):
        from suiban.funds import models

        return getattr(models, model).objects.filter(**{k: o[v] for k, v in lookups.items()}).count()
    return snap


def _funds_received(o):
    from suiban.funds.models import FundAllocation

    return FundAllocation.objects.get(pk=o["ledger_allocation"]).received_on


FUNDS_ENDPOINTS: list[EP] = [
    # --- pages ---------------------------------------------------------------------------------------------------
    EP("funds/", "/funds/", perm="funds.view", member="school", ctx="page"),
    EP("funds/school/<int:pk>/", "/funds/school/{school}/", perm="funds.view", obj="school"),
    EP("funds/school/<int:pk>/", "/funds/school/{school}/", "POST", perm="funds.view", obj="school",
       change="funds.edit", data=_funds_income, state=_funds_count("LedgerEntry", school_id="school")),
    EP("funds/school/<int:pk>/close/", "/funds/school/{school}/close/", "POST", perm="funds.view", obj="school",
       change="funds.edit", data=lambda o: {"kind": "month", "period": _funds_month(o)},
       state=_funds_count("LedgerPeriod", school_id="school")),
    EP("funds/entries/<int:pk>/reverse/", "/funds/entries/{ledger_entry}/reverse/", "POST", perm="funds.view",
       obj="ledger_entry", change="funds.edit", data=lambda o: {"reason": "矩阵冲销"},
       state=_funds_count("LedgerEntry", reverses_id="ledger_entry")),
    EP("funds/entries/<int:pk>/receipts/", "/funds/entries/{ledger_entry}/receipts/", "POST", perm="funds.view",
       obj="ledger_entry", change="funds.edit", files=True, data=lambda o: {"file": _pdf("receipt.pdf")},
       state=_funds_count("LedgerReceipt", entry_id="ledger_entry")),
    EP("funds/receipts/<int:pk>/", "/funds/receipts/{ledger_receipt}/", perm="funds.view", obj="ledger_receipt",
       files=True),
    EP("funds/allocations/", "/funds/allocations/", "POST", perm="funds.allocate", obj="school", out_of_scope=422,
       data=lambda o: {"school": o["school"], "amount": "100.00", "allocated_on": _iso(_today()),
                       "due_date": _iso(_today() + timedelta(30))},
       state=_funds_count("FundAllocation", school_id="school")),
    EP("funds/allocations/<int:pk>/receive/", "/funds/allocations/{ledger_allocation}/receive/", "POST",
       perm="funds.view", obj="ledger_allocation", change="funds.edit",
       data=lambda o: {"received_on": _iso(_today())}, state=_funds_received),
    # --- API -----------------------------------------------------------------------------------------------------
    EP("GET /api/v1/ledger/entries", "/api/v1/ledger/entries?page_size=500", api=True, perm="funds.view",
       member="ledger_entry"),
    EP("POST /api/v1/ledger/entries", "/api/v1/ledger/entries", "POST", api=True, perm="funds.edit", obj="school",
       out_of_scope=422, ok=201,
       data=lambda o: {"school_id": o["school"], "school_year": _models()["SchoolYear"].current().name,
                       **_funds_income(o)},
       state=_funds_count("LedgerEntry", school_id="school")),
    EP("GET /api/v1/ledger/entries/{entry_id}", "/api/v1/ledger/entries/{ledger_entry}", api=True,
       perm="funds.view", obj="ledger_entry"),
    EP("PATCH /api/v1/ledger/entries/{entry_id}", "/api/v1/ledger/entries/{ledger_entry}", "PATCH", api=True,
       perm="funds.view", obj="ledger_entry", ok=405, data=lambda o: {"amount": "2.00"}),
    EP("DELETE /api/v1/ledger/entries/{entry_id}", "/api/v1/ledger/entries/{ledger_entry}", "DELETE", api=True,
       perm="funds.view", obj="ledger_entry", ok=405),
    EP("POST /api/v1/ledger/entries/{entry_id}/reverse", "/api/v1/ledger/entries/{ledger_entry}/reverse", "POST",
       api=True, perm="funds.view", obj="ledger_entry", change="funds.edit", ok=201,
       data=lambda o: {"reason": "矩阵冲销"}, state=_funds_count("LedgerEntry", reverses_id="ledger_entry")),
    EP("POST /api/v1/ledger/entries/{entry_id}/receipts", "/api/v1/ledger/entries/{ledger_entry}/receipts", "POST",
       api=True, perm="funds.view", obj="ledger_entry", change="funds.edit", ok=201, multipart=True, files=True,
       data=lambda o: {"file": _pdf("receipt.pdf")}, state=_funds_count("LedgerReceipt", entry_id="ledger_entry")),
    EP("GET /api/v1/ledger/balance", "/api/v1/ledger/balance?school_id={school}", api=True, perm="funds.view",
       obj="school"),
    EP("GET /api/v1/ledger/balance", "/api/v1/ledger/balance", api=True, perm="funds.view"),
    EP("GET /api/v1/ledger/export.xlsx", "/api/v1/ledger/export.xlsx?school_id={school}", api=True,
       perm="funds.view", obj="school"),
    EP("GET /api/v1/ledger/periods", "/api/v1/ledger/periods", api=True, perm="funds.view"),
    EP("POST /api/v1/ledger/periods", "/api/v1/ledger/periods", "POST", api=True, perm="funds.edit", obj="school",
       out_of_scope=422, ok=201, data=lambda o: {"school_id": o["school"], "kind": "month", "period": _funds_month(o)},
       state=_funds_count("LedgerPeriod", school_id="school")),
    EP("GET /api/v1/ledger/allocations", "/api/v1/ledger/allocations?page_size=500", api=True, perm="funds.view",
       member="ledger_allocation"),
    EP("POST /api/v1/ledger/allocations", "/api/v1/ledger/allocations", "POST", api=True, perm="funds.allocate",
       obj="school", out_of_scope=422, ok=201,
       data=lambda o: {"school_id": o["school"], "school_year": _models()["SchoolYear"].current().name,
                       "amount": "100.00", "allocated_on": _iso(_today()), "due_date": _iso(_today() + timedelta(30))},
       state=_funds_count("FundAllocation", school_id="school")),
    EP("POST /api/v1/ledger/allocations/{allocation_id}/receive",
       "/api/v1/ledger/allocations/{ledger_allocation}/receive", "POST", api=True, perm="funds.view",
       obj="ledger_allocation", change="funds.edit",
       data=lambda o: {"received_on": _iso(_today())}, state=_funds_received),
]

# home-delivered education (HB-1..HB-8)
def _hb_student(o):
    """The target student, placed in home-delivered education (directly: the scope is what matters)."""
    s = o["student_obj"]
    type(s).objects.filter(pk=s.pk).update(placement="homebound")
    s.refresh_from_db()
    return s


def _hb_enrolment(o, year):
    from suiban.homebound.models import Enrolment, PlanVersion

    s = o["student_obj"]
    e = Enrolment.objects.filter(student=s, school_year=year).first()
    if e is None:
        e = Enrolment.objects.create(student=s, school=s.school, region_path=s.region_path, school_year=year,
                                     state="active", start_date=year.start_date, place="矩阵家中", required_year=240)
        PlanVersion.objects.create(enrolment=e, number=1, effective_from=year.start_date, visits_per_week=2,
                                   hours_per_visit=3, teacher_ids=[])
    return e


def _hb_visit(o):
    """A missed visit naming no teacher (so nobody in the matrix confirms or disowns it)."""
    from suiban.homebound.models import Visit

    e = o["hb_enrolment_obj"]
    return Visit.objects.create(enrolment=e, student=e.student, school=e.school, region_path=e.region_path,
                                date=max(e.school_year.start_date, _today() - timedelta(days=1)), status="missed",
                                reason="family_absent", place="矩阵家中", notes="矩阵送教")


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _hb_attachment(o):
    from django.core.files.base import ContentFile

    from suiban.homebound.models import VisitAttachment

    a = VisitAttachment(visit=o["hb_visit_obj"], name="矩阵.png", content_type="image/png", size=len(PNG_BYTES))
    a.file.save("matrix.png", ContentFile(PNG_BYTES), save=True)
    return a


def _hb_count(model):
    def snap(o):
        from suiban.homebound import models

        return getattr(models, model).objects.count()
    return snap


def _hb_visit_json(o):
    from suiban.staff.selectors import pool_staff

    e = o["hb_enrolment_obj"]
    teachers = list(pool_staff(e.school_id, e.school_year_id, filed_only=True).values_list("pk", flat=True))[:2]
    day = max(e.school_year.start_date, _today() - timedelta(days=1))
    return {"enrolment_id": e.pk, "date": _iso(day), "start_time": "09:00", "end_time": "12:00",
            "teacher_ids": teachers, "notes": "矩阵"}


def _hb_png():
    return SimpleUploadedFile("photo.png", PNG_BYTES, content_type="image/png")


_HBV = "homebound.view"
# Added to the page and API lists themselves, so the completeness tests see them.
PAGES += [
    EP("homebound/", "/homebound/", perm=_HBV),
    EP("homebound/new/", "/homebound/new/", perm="homebound.manage"),
    EP("homebound/behind/", "/homebound/behind/", perm=_HBV),
    EP("homebound/workload/", "/homebound/workload/", perm="homebound.subsidy"),
    EP("homebound/workload.xlsx", "/homebound/workload.xlsx", perm="homebound.subsidy"),
    EP("homebound/<int:pk>/", "/homebound/{hb_enrolment}/", perm=_HBV, obj="student"),
    EP("homebound/<int:pk>/", "/homebound/{hb_enrolment}/", "POST", perm=_HBV, obj="student",
       change="homebound.manage", ok=302, data=lambda o: {"action": "end", "end_reason": "矩阵结束",
                                                          "version": o["hb_enrolment_obj"].version},
       state=_fields("hb_enrolment", "state", "version")),
    EP("homebound/<int:pk>/plan/", "/homebound/{hb_enrolment}/plan/", perm="homebound.manage", obj="student"),
    EP("homebound/<int:pk>/visit/", "/homebound/{hb_enrolment}/visit/", perm="homebound.record", obj="student"),
    EP("homebound/<int:pk>/progress/", "/homebound/{hb_enrolment}/progress/", perm=_HBV, obj="student"),
    EP("homebound/<int:pk>/records.docx", "/homebound/{hb_enrolment}/records.docx", perm=_HBV, obj="student"),
    EP("homebound/visits/<int:pk>/", "/homebound/visits/{hb_visit}/", perm=_HBV, obj="student"),
    EP("homebound/visits/<int:pk>/", "/homebound/visits/{hb_visit}/", "POST", perm=_HBV, obj="student",
       change="homebound.record", ok=302, data=lambda o: {"action": "upload", "file": _hb_png()}, files=True,
       state=_hb_count("VisitAttachment")),
    EP("homebound/visits/<int:pk>/record.docx", "/homebound/visits/{hb_visit}/record.docx", perm=_HBV,
       obj="student"),
    EP("homebound/visits/<int:pk>/attachments/<int:attachment_id>/",
       "/homebound/visits/{hb_visit}/attachments/{hb_attachment}/", perm=_HBV, obj="student", files=True),
]
API += [
    EP("GET /api/v1/homebound/enrolments", "/api/v1/homebound/enrolments", api=True, perm=_HBV),
    EP("POST /api/v1/homebound/enrolments", "/api/v1/homebound/enrolments", "POST", api=True,
       perm="homebound.manage", obj="student", out_of_scope=422, ok=201, uses=("hb_student",),
       data=lambda o: {"student_id": o["hb_student"], "teacher_ids": [], "place": "矩阵"},
       state=_hb_count("Enrolment")),
    EP("GET /api/v1/homebound/enrolments/{enrolment_id}", "/api/v1/homebound/enrolments/{hb_enrolment}", api=True,
       perm=_HBV, obj="student"),
    EP("PATCH /api/v1/homebound/enrolments/{enrolment_id}", "/api/v1/homebound/enrolments/{hb_enrolment}",
       "PATCH", api=True, perm=_HBV, obj="student", change="homebound.manage", data=lambda o: {"place": "矩阵新址"},
       state=_fields("hb_enrolment", "place", "version")),
    EP("POST /api/v1/homebound/enrolments/{enrolment_id}/documents",
       "/api/v1/homebound/enrolments/{hb_enrolment}/documents", "POST", api=True, perm=_HBV, obj="student",
       change="homebound.manage", ok=201, multipart=True, files=True, data=lambda o: {"file": _pdf()},
       state=_hb_count("EnrolmentDocument")),
    EP("GET /api/v1/homebound/enrolments/{enrolment_id}/progress",
       "/api/v1/homebound/enrolments/{hb_enrolment}/progress", api=True, perm=_HBV, obj="student"),
    EP("GET /api/v1/homebound/visits", "/api/v1/homebound/visits", api=True, perm=_HBV),
    EP("POST /api/v1/homebound/visits", "/api/v1/homebound/visits", "POST", api=True, perm="homebound.record",
       obj="student", out_of_scope=422, ok=201, uses=("hb_enrolment",), data=_hb_visit_json,
       state=_hb_count("Visit")),
    EP("GET /api/v1/homebound/visits/record.docx", "/api/v1/homebound/visits/record.docx?enrolment_id={hb_enrolment}",
       api=True, perm=_HBV, obj="student"),
    EP("GET /api/v1/homebound/visits/{visit_id}", "/api/v1/homebound/visits/{hb_visit}", api=True, perm=_HBV,
       obj="student"),
    EP("POST /api/v1/homebound/visits/{visit_id}/corrections", "/api/v1/homebound/visits/{hb_visit}/corrections",
       "POST", api=True, perm=_HBV, obj="student", change="homebound.record", ok=201,
       data=lambda o: {"reason": "矩阵更正", "notes": "矩阵更正小记"}, state=_fields("hb_visit", "notes", "version")),
    # only a teacher named on the visit confirms or disowns it: the matrix's visit names no demo account
    EP("POST /api/v1/homebound/visits/{visit_id}/confirm", "/api/v1/homebound/visits/{hb_visit}/confirm", "POST",
       api=True, perm=_HBV, obj="student", change="homebound.view", step=_never, invalid=403),
    EP("POST /api/v1/homebound/visits/{visit_id}/disown", "/api/v1/homebound/visits/{hb_visit}/disown", "POST",
       api=True, perm=_HBV, obj="student", change="homebound.view", step=_never, invalid=403,
       data=lambda o: {"reason": "矩阵"}),
    EP("POST /api/v1/homebound/visits/{visit_id}/attachments", "/api/v1/homebound/visits/{hb_visit}/attachments",
       "POST", api=True, perm=_HBV, obj="student", change="homebound.record", ok=201, multipart=True, files=True,
       data=lambda o: {"file": _hb_png()}, state=_hb_count("VisitAttachment")),
    EP("GET /api/v1/homebound/visits/{visit_id}/attachments/{attachment_id}",
       "/api/v1/homebound/visits/{hb_visit}/attachments/{hb_attachment}", api=True, perm=_HBV, obj="student",
       files=True),
    EP("GET /api/v1/homebound/visits/{visit_id}/record.docx", "/api/v1/homebound/visits/{hb_visit}/record.docx",
       api=True, perm=_HBV, obj="student"),
    EP("GET /api/v1/homebound/behind-pace", "/api/v1/homebound/behind-pace", api=True, perm=_HBV),
    EP("GET /api/v1/homebound/workload", "/api/v1/homebound/workload", api=True, perm="homebound.subsidy"),
    EP("GET /api/v1/homebound/workload.xlsx", "/api/v1/homebound/workload.xlsx", api=True,
       perm="homebound.subsidy"),
]
HOMEBOUND_ENDPOINTS: list[EP] = []

# resource rooms and assessment (RR-1..RR-8)
ROOMS_ASSESS = ("assessment.self", "assessment.score", "assessment.manage")


def _rooms_by_school(o) -> int:
    from suiban.rooms.models import Room

    return Room.objects.filter(school_id=o["school"]).count()


def _rooms_rounds(o) -> int:
    from suiban.rooms.models import Round

    return Round.objects.filter(region_id=o["region"]).count()


def _rooms_item(code):
    def snap(o):
        a = o["assessment_obj"]
        a.refresh_from_db()
        it = a.items.get(code=code)
        return a.state, a.version, a.situation, it.self_score, it.panel_score
    return snap


def _rooms_audit(o) -> int:
    from suiban.core.models import AuditEvent

    return AuditEvent.objects.filter(object_type="assessment", object_id=str(o["assessment"])).count()


def _rooms_ready(o):
    """The self-assessment is filled in, so that the school may submit it."""
    a = o["assessment_obj"]
    a.person_in_charge, a.contact, a.situation = "负责人", "0592", "情况"
    a.save()
    from django.db.models import F

    a.items.update(self_score=F("points"))


def _rooms_school_step(account, which):
    return "assessment.self" in PERMS[account]


_ROOMS_DOCS = ("self-report.docx", "score-sheet.xlsx", "summary.docx")
_ROOMS_ROWS: list[EP] = [
    # --- pages ----------------------------------------------------------------------------------------------------
    EP("rooms/", "/rooms/", perm="rooms.view"),
    EP("rooms/new/", "/rooms/new/", perm="rooms.edit"),
    EP("rooms/<int:pk>/", "/rooms/{room}/", perm="rooms.view", obj="school"),
    EP("rooms/<int:pk>/edit/", "/rooms/{room}/edit/", perm="rooms.view", obj="school", change="rooms.edit"),
    EP("rooms/<int:pk>/edit/", "/rooms/{room}/edit/", "POST", perm="rooms.view", obj="school", change="rooms.edit",
       ok=302, data=lambda o: {"version": o["room_obj"].version, "school": o["school"], "use": "dedicated",
                               "area_m2": "61", "floor": "1", "use_records": "矩阵登记"},
       state=_fields("room", "use_records", "version")),
    EP("rooms/assessment/", "/rooms/assessment/", perm="assessment.view"),
    EP("rooms/assessment/plaques/", "/rooms/assessment/plaques/", perm="assessment.view"),
    EP("rooms/assessment/rounds/new/", "/rooms/assessment/rounds/new/", perm="assessment.manage"),
    # a region outside the bureau's scope is not among the form's choices: the form comes back with an error
    EP("rooms/assessment/rounds/new/", "/rooms/assessment/rounds/new/", "POST", perm="assessment.manage",
       obj="region", out_of_scope=200, ok=302,
       data=lambda o: {"region": o["region"], "name": "矩阵轮次",
                       "panel_leader": _models()["User"].objects.get(username="hc_expert").pk},
       state=_rooms_rounds),
    EP("rooms/assessment/rounds/<int:pk>/", "/rooms/assessment/rounds/{round}/", perm="assessment.view",
       obj="region"),
    EP("rooms/assessment/<int:pk>/", "/rooms/assessment/{assessment}/", perm="assessment.view", obj="school"),
    EP("rooms/assessment/<int:pk>/print/", "/rooms/assessment/{assessment}/print/", perm="assessment.view",
       obj="school"),
    # the actions answer a step the role or the state does not allow with a redirect back and the message
    EP("rooms/assessment/<int:pk>/scores/", "/rooms/assessment/{assessment}/scores/", "POST", perm="assessment.view",
       obj="school", change=ROOMS_ASSESS, ok=302, post_all=True, data=lambda o: {"self_score_1.1": "2"},
       state=_rooms_item("1.1")),
    EP("rooms/assessment/<int:pk>/report/", "/rooms/assessment/{assessment}/report/", "POST",
       perm="assessment.view", obj="school", change=ROOMS_ASSESS, ok=302, post_all=True,
       data=lambda o: {"situation": "矩阵情况"}, state=_rooms_item("1.1")),
    EP("rooms/assessment/<int:pk>/transition/", "/rooms/assessment/{assessment}/transition/", "POST",
       perm="assessment.view", obj="school", change=ROOMS_ASSESS, ok=302, post_all=True, setup=_rooms_ready,
       data=lambda o: {"to": "submitted"}, state=_rooms_item("1.1")),
    EP("rooms/assessment/<int:pk>/proposals/", "/rooms/assessment/{assessment}/proposals/", "POST",
       perm="assessment.view", obj="school", change=ROOMS_ASSESS, ok=302, post_all=True, state=_rooms_audit),
    EP("rooms/assessment/<int:pk>/photo/", "/rooms/assessment/{assessment}/photo/", "POST",
       perm="assessment.view", obj="school", change=ROOMS_ASSESS, ok=302, post_all=True, files=True,
       data=lambda o: {"code": "4.1"}, state=_rooms_audit),
    # --- API ------------------------------------------------------------------------------------------------------
    EP("GET /api/v1/rooms", "/api/v1/rooms?page_size=500", api=True, perm="rooms.view"),
    EP("POST /api/v1/rooms", "/api/v1/rooms", "POST", api=True, perm="rooms.edit", obj="school", out_of_scope=422,
       ok=201, data=lambda o: {"school_id": o["school"], "area_m2": "66", "floor": 1}, state=_rooms_by_school),
    EP("GET /api/v1/rooms/{room_id}", "/api/v1/rooms/{room}", api=True, perm="rooms.view", obj="school"),
    EP("PATCH /api/v1/rooms/{room_id}", "/api/v1/rooms/{room}", "PATCH", api=True, perm="rooms.view", obj="school",
       change="rooms.edit", data=lambda o: {"version": o["room_obj"].version, "use_records": "矩阵登记"},
       state=_fields("room", "use_records", "version")),
    EP("GET /api/v1/assessment-rounds", "/api/v1/assessment-rounds", api=True, perm="assessment.view"),
    EP("POST /api/v1/assessment-rounds", "/api/v1/assessment-rounds", "POST", api=True, perm="assessment.manage",
       obj="region", out_of_scope=422, ok=201,
       data=lambda o: {"region_id": o["region"], "name": "矩阵轮次",
                       "panel_leader_id": _models()["User"].objects.get(username="hc_expert").pk},
       state=_rooms_rounds),
    EP("GET /api/v1/assessment-rounds/{round_id}", "/api/v1/assessment-rounds/{round}", api=True,
       perm="assessment.view", obj="region"),
    EP("GET /api/v1/assessments", "/api/v1/assessments?page_size=500", api=True, perm="assessment.view"),
    EP("POST /api/v1/assessments", "/api/v1/assessments", "POST", api=True, perm="assessment.manage", obj="school",
       out_of_scope=422, ok=201, uses=("empty_round",),
       data=lambda o: {"round_id": o["empty_round"], "school_id": o["school"]},
       state=lambda o: o["empty_round_obj"].assessments.count()),
    EP("GET /api/v1/assessments/{assessment_id}", "/api/v1/assessments/{assessment}", api=True,
       perm="assessment.view", obj="school"),
    EP("PATCH /api/v1/assessments/{assessment_id}", "/api/v1/assessments/{assessment}", "PATCH", api=True,
       perm="assessment.view", obj="school", change=ROOMS_ASSESS, step=_rooms_school_step, invalid=422,
       post_all=True, data=lambda o: {"situation": "矩阵情况"}, state=_rooms_item("1.1")),
    EP("PUT /api/v1/assessments/{assessment_id}/scores", "/api/v1/assessments/{assessment}/scores", "PUT", api=True,
       perm="assessment.view", obj="school", change=ROOMS_ASSESS, step=_rooms_school_step, invalid=422,
       data=lambda o: {"items": [{"code": "1.1", "self_score": "2"}]}),
    EP("POST /api/v1/assessments/{assessment_id}/transitions", "/api/v1/assessments/{assessment}/transitions", "POST",
       api=True, perm="assessment.view", obj="school", change=ROOMS_ASSESS, step=_rooms_school_step, invalid=422,
       post_all=True, setup=_rooms_ready, data=lambda o: {"to": "submitted", "note": ""}, state=_rooms_item("1.1")),
    EP("POST /api/v1/assessments/{assessment_id}/proposals", "/api/v1/assessments/{assessment}/proposals", "POST",
       api=True, perm="assessment.view", obj="school", change=ROOMS_ASSESS, step=_rooms_school_step, invalid=422,
       post_all=True, state=_rooms_audit),
    *[EP(f"GET /api/v1/assessments/{{assessment_id}}/{doc}", f"/api/v1/assessments/{{assessment}}/{doc}", api=True,
         perm="assessment.view", obj="school") for doc in _ROOMS_DOCS],
]
# The completeness tests read PAGES and API: the rows join those lists (each row is still generated once).
PAGES += [ep for ep in _ROOMS_ROWS if not ep.api]
API += [ep for ep in _ROOMS_ROWS if ep.api]
ROOMS_ENDPOINTS: list[EP] = []

# oversight (OV-1..OV-6, PL-10, PL-14, PL-15, AR-4): findings (a finding is seen with its school's scope) and the
# dashboard of a region or a school (a school's account sees its own district's dashboard, counted inside its
# school); out of scope 404.
def _ov_count(model):
    def snap(o):
        from django.apps import apps

        return apps.get_model("oversight", model).objects.count()
    return snap


def _ov_census_file(o):
    from openpyxl import Workbook

    from suiban.core.idnumbers import make_id_number

    n = next(_OV_SEQ)
    wb = Workbook()
    wb.active.append(["姓名", "身份证号"])
    wb.active.append([f"矩阵普查{n}", make_id_number("350205", date(2016, 4, 1), 800 + n, "male")])
    buf = io.BytesIO()
    wb.save(buf)
    return {"region": o["region"], "source": "dpf",
            "file": SimpleUploadedFile("census.xlsx", buf.getvalue())}


def _ov_designated_state(o):
    obj = o["designated_obj"]
    obj.refresh_from_db()
    return obj.categories, obj.note, obj.version


def _ov_undesignate(o):
    from suiban.oversight.models import DesignatedSchool

    DesignatedSchool.objects.filter(school_id=o["school"]).delete()


def _ov_refusal_decided(o):
    obj = o["refusal_obj"]
    obj.refresh_from_db()
    return obj.decided_on


_OV_SEQ = iter(range(1, 10_000))
OVERSIGHT_ENDPOINTS: list[EP] = [
    EP("oversight/findings/", "/oversight/findings/", perm="oversight.view"),
    EP("oversight/findings/", "/oversight/findings/?school_id={school}", perm="oversight.view", obj="school"),
    EP("oversight/findings/", "/oversight/findings/?region_id={region}", perm="oversight.view", obj="region"),
    EP("oversight/findings/<int:pk>/", "/oversight/findings/{finding}/", perm="oversight.view", obj="school"),
    EP("oversight/dashboard/", "/oversight/dashboard/", perm="oversight.view"),
    EP("oversight/dashboard/", "/oversight/dashboard/?school_id={school}", perm="oversight.view", obj="school"),
    EP("oversight/dashboard/", "/oversight/dashboard/?region_id={region}", perm="oversight.view", obj="region"),
    EP("GET /api/v1/findings", "/api/v1/findings", api=True, perm="oversight.view"),
    EP("GET /api/v1/findings", "/api/v1/findings?school_id={school}", api=True, perm="oversight.view",
       obj="school"),
    EP("GET /api/v1/findings", "/api/v1/findings?region_id={region}", api=True, perm="oversight.view",
       obj="region"),
    EP("GET /api/v1/findings/{finding_id}", "/api/v1/findings/{finding}", api=True, perm="oversight.view",
       obj="school"),
    EP("GET /api/v1/dashboard", "/api/v1/dashboard", api=True, perm="oversight.view"),
    EP("GET /api/v1/dashboard", "/api/v1/dashboard?school_id={school}", api=True, perm="oversight.view",
       obj="school"),
    EP("GET /api/v1/dashboard", "/api/v1/dashboard?region_id={region}", api=True, perm="oversight.view",
       obj="region"),
    EP("oversight/statistics.xlsx", "/oversight/statistics.xlsx", perm="oversight.view"),
    EP("oversight/statistics.xlsx", "/oversight/statistics.xlsx?school_id={school}", perm="oversight.view",
       obj="school"),
    # census (PL-14): the district's children, a list imported, one child followed up
    EP("oversight/census/", "/oversight/census/", perm="oversight.census"),
    EP("oversight/census/", "/oversight/census/", "POST", perm="oversight.census", ok=302, uses=("region",),
       data=_ov_census_file, state=_ov_count("CensusChild")),
    EP("oversight/census/<int:pk>/", "/oversight/census/{census_child}/", perm="oversight.census", obj="centre"),
    # refusals (PL-15): schools record, the bureau decides
    EP("oversight/refusals/", "/oversight/refusals/", perm="oversight.view"),
    EP("oversight/refusals/", "/oversight/refusals/", "POST", perm="oversight.view", change="oversight.record",
       ok=302, uses=("school",), state=_ov_count("EnrolmentRefusal"),
       data=lambda o: {"school": o["school"], "child_name": "矩阵儿童", "refused_on": _iso(_today()),
                       "reason": "矩阵：班额已满"}),
    EP("oversight/refusals/<int:pk>/decide/", "/oversight/refusals/{refusal}/decide/", "POST",
       perm="oversight.view", obj="school", change="oversight.census", ok=302,
       data=lambda o: {"decision": "矩阵：就近安排"}, state=_ov_refusal_decided),
    # designated schools (PL-15): read in scope, named and changed by the bureau
    EP("oversight/designated/", "/oversight/designated/", perm="oversight.view"),
    EP("oversight/designated/", "/oversight/designated/?category=hearing&q=%E5%AD%A6", perm="oversight.view"),
    EP("oversight/designated/", "/oversight/designated/", "POST", perm="oversight.view", change="oversight.govern",
       ok=302, uses=("school",), state=_ov_count("DesignatedSchool"), setup=_ov_undesignate,
       data=lambda o: {"school": o["school"], "categories": ["visual", "hearing"], "designated_on": _iso(_today()),
                       "note": "矩阵定点"}),
    EP("oversight/designated/<int:pk>/", "/oversight/designated/{designated}/", perm="oversight.view",
       obj="school"),
    EP("oversight/designated/<int:pk>/", "/oversight/designated/{designated}/", "POST", perm="oversight.view",
       obj="school", change="oversight.govern", ok=302, state=_ov_designated_state,
       data=lambda o: {"categories": ["intellectual"], "designated_on": _iso(_today()), "note": "矩阵修改"}),
    # barrier-free checklist (OV-5), archive custody (AR-4)
    EP("oversight/schools/<int:school_id>/accessibility/", "/oversight/schools/{school}/accessibility/",
       perm="oversight.view", obj="school"),
    EP("oversight/schools/<int:school_id>/accessibility/", "/oversight/schools/{school}/accessibility/", "POST",
       perm="oversight.view", obj="school", change="oversight.record", ok=302, state=_ov_count("AccessibilityItem"),
       data=lambda o: {"item": "tactile_paving", "present": "no", "checked_on": _iso(_today()),
                       "rectify_by": _iso(_today() + timedelta(days=30))},
       setup=lambda o: __import__("suiban.oversight.models", fromlist=["x"]).AccessibilityItem.objects.filter(
           school_id=o["school"], item="tactile_paving").delete()),
    EP("oversight/archives/", "/oversight/archives/", perm="oversight.view"),
    EP("oversight/schools/<int:school_id>/custodian/", "/oversight/schools/{school}/custodian/",
       perm="oversight.record", obj="school"),
    EP("oversight/schools/<int:school_id>/custodian/", "/oversight/schools/{school}/custodian/", "POST",
       perm="oversight.record", obj="school", ok=302, state=_ov_count("ArchiveCustodian"),
       data=lambda o: {"name": "矩阵管理员", "appointed_on": _iso(_today())},
       setup=lambda o: __import__("suiban.oversight.models", fromlist=["x"]).ArchiveCustodian.objects.filter(
           school_id=o["school"]).delete()),
    # governance (OV-6) and activities (OV-4)
    EP("oversight/governance/", "/oversight/governance/", perm="oversight.view"),
    EP("oversight/governance/", "/oversight/governance/", "POST", perm="oversight.view", change="oversight.govern",
       ok=302, uses=("centre",), state=_ov_count("GovernanceRecord"),
       data=lambda o: {"region": o["centre_obj"].region_id, "kind": "joint_meeting", "title": "矩阵联席会议",
                       "held_on": _iso(_today()), "content": "矩阵议定事项"}),
    # documents in one place and the district's term pack (OV-3)
    EP("oversight/documents/", "/oversight/documents/", perm="oversight.view"),
    EP("oversight/documents/", "/oversight/documents/?school_id={school}", perm="oversight.view", obj="school"),
    EP("oversight/documents/", "/oversight/documents/", "POST", perm="oversight.view", change="oversight.govern",
       ok=302, uses=("centre", "term"), state=_ov_count("DocumentPack"),
       data=lambda o: {"region": o["centre_obj"].region_id, "term": o["term"]}),
    EP("oversight/documents/packs/<int:pk>/", "/oversight/documents/packs/{pack}/", perm="oversight.view",
       obj="centre", files=True),
    EP("oversight/documents/packs/<int:pk>/download/", "/oversight/documents/packs/{pack}/download/",
       perm="oversight.view", obj="centre", files=True),
    EP("oversight/activities/", "/oversight/activities/", perm="oversight.view"),
    EP("oversight/activities/", "/oversight/activities/", "POST", perm="oversight.view", change="oversight.record",
       ok=302, uses=("school",), state=_ov_count("Activity"),
       data=lambda o: {"school": o["school"], "kind": "inclusion", "title": "矩阵活动", "held_on": _iso(_today()),
                       "participants": 3, "summary": "矩阵"}),
]

# inbox, search and the guardian's pages
def _pages9_responses(o):
    from suiban.iep.models import PlanResponse

    return PlanResponse.objects.filter(plan__student_id=o["student"]).count()


def _pages9_corrections(o):
    from suiban.students.models import CorrectionRequest

    return CorrectionRequest.objects.filter(student_id=o["student"]).count()


def _pages9_correction_state(o):
    from suiban.students.models import CorrectionRequest

    r = CorrectionRequest.objects.get(pk=o["correction"])
    return r.state, r.answer, r.version


PAGES9_ENDPOINTS: list[EP] = [
    # the inbox and search: every signed-in account, each sees its own items / its own scope
    EP("inbox/", "/inbox/"),
    EP("search/", "/search/?q=%E5%AD%A6"),
    EP("GET /api/v1/inbox", "/api/v1/inbox", api=True),
    EP("GET /api/v1/search", "/api/v1/search?q=%E5%AD%A6", api=True),
    # the family's own pages: the guardian, for the own child only
    EP("family/", "/family/", perm="family.view", ok=302),
    EP("family/plan/", "/family/plan/", perm="family.view", ok=302),
    EP("family/sessions/", "/family/sessions/", perm="family.view", ok=302),
    EP("family/record/", "/family/record/", perm="family.view", ok=302),
    EP("family/corrections/", "/family/corrections/", perm="family.view", ok=302),
    EP("family/<int:pk>/", "/family/{student}/", perm="family.view", obj="student"),
    EP("family/<int:pk>/record/", "/family/{student}/record/", perm="family.view", obj="student"),
    EP("family/<int:pk>/corrections/", "/family/{student}/corrections/", perm="family.view", obj="student"),
    EP("family/<int:pk>/corrections/", "/family/{student}/corrections/", "POST", perm="family.view", obj="student",
       ok=302, data=lambda o: {"field": "name", "requested_value": "矩阵：姓名应更正"}, state=_pages9_corrections),
    EP("family/<int:pk>/plan/", "/family/{student}/plan/", perm="family.view", obj="student"),
    EP("family/<int:pk>/plan/", "/family/{student}/plan/", "POST", perm="family.view", obj="student", ok=302,
       data=lambda o: {"answer": "agree", "comment": ""}, state=_pages9_responses),
    EP("family/<int:pk>/sessions/", "/family/{student}/sessions/", perm="family.view", obj="student"),
    # the school's side of a correction request
    EP("family/requests/", "/family/requests/?state=open", perm="students.corrections", member="correction",
       ctx="page"),
    EP("family/requests/<int:pk>/", "/family/requests/{correction}/", perm="students.corrections",
       obj="correction"),
    EP("family/requests/<int:pk>/", "/family/requests/{correction}/", "POST", perm="students.corrections",
       obj="correction", ok=302, data=lambda o: {"decision": "refused", "answer": "矩阵：档案无误"},
       state=_pages9_correction_state),
    # exports of the lists as on screen (OV-3): the list's own permission, the scope of its filters
    EP("cases/export.xlsx", "/cases/export.xlsx?sort=-created_at", perm="cases.view"),
    EP("iep/export.xlsx", "/iep/export.xlsx?overdue=1", perm="iep.view"),
    EP("iep/sessions/export.xlsx", "/iep/sessions/export.xlsx", perm="iep.records"),
    EP("iep/sessions/export.xlsx", "/iep/sessions/export.xlsx?student_id={student}", perm="iep.records",
       obj="student"),
    EP("iep/below-minimum/export.xlsx", "/iep/below-minimum/export.xlsx?overdue=1", perm="iep.records"),
]

ENDPOINTS = (PAGES + API + STAFF_ENDPOINTS + FUNDS_ENDPOINTS + HOMEBOUND_ENDPOINTS + ROOMS_ENDPOINTS
             + OVERSIGHT_ENDPOINTS + PAGES9_ENDPOINTS)


def judge(account: str, ep: EP, which: str) -> tuple[int, str]:
    """The status the spec expects (module docstring, steps 1–5) and why: "ok", or the reason for the
    refusal ("anonymous", "permission", "scope", "change", "step")."""
    if account == ANON:
        if ep.public:
            return ep.anon, "ok"
        return (401 if ep.api else 302), "anonymous"
    if ep.public:
        return ep.ok, "ok"
    perms = PERMS[account]
    if ep.perm and ep.perm not in perms:
        return 403, "permission"
    if ep.obj and not in_scope(account, ep.obj, which):
        return ep.out_of_scope, "scope"
    if ep.change and not perms & ({ep.change} if isinstance(ep.change, str) else set(ep.change)):
        return ep.no_change, "change"
    if ep.step and not ep.step(account, which):
        return ep.invalid, "step"
    return ep.ok, "ok"


def expected(account: str, ep: EP, which: str) -> int:
    return judge(account, ep, which)[0]


def in_scope(account: str, placeholder: str, which: str) -> bool:
    key = targets(account, which)[PLACEHOLDER_TARGET[placeholder]] if placeholder in PLACEHOLDER_TARGET else None
    return visible(account, placeholder, key)


def refused(account: str, ep: EP, which: str) -> bool:
    """Must this request be turned away (so that nothing may change)?"""
    return judge(account, ep, which)[1] != "ok"


WRITES = ("POST", "PATCH", "DELETE")


def whiches(ep: EP, account: str) -> list[str]:
    names = ep.placeholders - WHICH_FREE
    if not names:
        return ["any"]
    if account == ANON:
        return ["own"]  # anonymous never reaches the scope check
    out = []
    for which in ("own", "other", "near"):
        t = targets(account, which)
        if all(t[PLACEHOLDER_TARGET[n]] is not None for n in names):
            out.append(which)
    return out


def _cases():
    for ep in ENDPOINTS:
        for account in [*ACCOUNTS, ANON]:
            for which in whiches(ep, account):
                status = expected(account, ep, which)
                if ep.method in WRITES and ep.state is not None and not ep.post_all \
                        and not refused(account, ep, which):
                    continue  # writes are only tried where they must be refused
                yield pytest.param(ep, account, which, status, id=f"{ep.id}|{account}|{which}")


CASES = list(_cases())


# --------------------------------------------------------------------------------------------------
# Resolving placeholders against the database
# --------------------------------------------------------------------------------------------------
class Objects(dict):
    """Lazy placeholder → primary key (and ``<name>_obj`` → instance) for one case."""

    def __init__(self, account: str, which: str):
        super().__init__()
        self.t = targets(account if account != ANON else "admin", which)

    def __missing__(self, name):
        m = _models()
        if name.endswith("_obj"):
            base = name[:-4]
            self[base]  # noqa: B018 — resolves and caches base_obj
            return dict.__getitem__(self, name)
        t = self.t
        current = m["SchoolYear"].current()
        if name == "region" or name == "xm":
            obj = m["Region"].objects.get(code=XM if name == "xm" else t["region"])
        elif name in ("school", "class_school"):
            obj = m["School"].objects.get(code=t[name])
        elif name == "class":
            obj = m["SchoolClass"].objects.get(school__code=t["class"][0], name=t["class"][1], school_year=current)
        elif name == "centre":
            obj = m["ResourceCentre"].objects.get(region__code=t["centre"])
        elif name == "user":
            obj = m["User"].objects.get(username=t["user"])
        elif name == "assignment":
            obj = m["RoleAssignment"].objects.filter(user__username=t["user"], revoked_at__isnull=True).first()
        elif name == "term":
            obj = m["Term"].objects.filter(school_year=current).order_by("number").first()
        elif name == "current_year":
            obj = current
        elif name == "free_district":
            from suiban.org import services

            code = t["free_district"]
            obj = m["Region"].objects.filter(code=code).first() or services.region_create(
                actor=m["User"].objects.get(username="admin"), code=code, name=f"矩阵区{code}", level="district",
                parent=m["Region"].objects.get(code=code[:4] + "00"), profile="")
        elif name in ("override_school", "override_region"):
            from suiban.policy import services

            admin = m["User"].objects.get(username="admin")
            subject = {"school": self["school_obj"]} if name == "override_school" else {"region": self["region_obj"]}
            obj = services.override_set(actor=admin, name="class_advised_max", value=1, note="matrix", **subject)
        elif name == "student_number":
            self[name] = self["student_obj"].student_number
            return self[name]
        elif name == "student":
            obj = find_student(t["student"])
        elif name == "case":
            obj = find_case(t["case"])
        elif name == "incoming":
            obj = new_incoming_transfer()
        elif name == "attachment":
            obj = new_attachment(self["case_obj"])
        elif name == "archive_file":
            obj = new_archive_file(self["student_obj"])
        elif name == "school_file":
            obj = new_school_file(self["school_obj"], current)
        elif name in ("plan", "draft", "review"):
            obj = find_plan(t["student"], {"plan": "in_force", "draft": "draft", "review": "in_review"}[name])
        elif name == "draft_goal":
            obj = self["draft_obj"].goals.filter(kind="long_term", retired_in_revision__isnull=True).order_by("id") \
                .first()
        elif name == "session":
            obj = find_session(t["student"])
        elif name == "evaluation":
            obj = new_evaluation(self["plan_obj"])
        elif name in ("peer", "aid"):
            obj = find_support(name, t["student"])
        elif name in RESOLVERS:
            obj = RESOLVERS[name](self, t, current)
        else:
            raise KeyError(name)
        assert obj is not None, (name, t.get(PLACEHOLDER_TARGET.get(name, name)))
        self[name + "_obj"] = obj
        self[name] = obj.pk
        return obj.pk


def the_child():
    """hc_parent's child: the student of their guardian role (API.md demo world)."""
    ra = (_models()["RoleAssignment"].objects.filter(role="guardian", user__username="hc_parent",
                                                      revoked_at__isnull=True).select_related("student").first())
    assert ra is not None and ra.student is not None, "hc_parent has no child in the demo world"
    return ra.student


def find_student(key):
    school, cls, tag = key
    child = the_child()
    if tag == "child":
        return child
    qs = (_models()["Student"].objects.filter(school__code=school, status="active", school_class__isnull=False)
          .exclude(pk=child.pk))
    if tag == "classmate":
        qs = qs.filter(school_class__name=TEACHER_CLASS)
    elif tag == "other_class":
        qs = qs.exclude(school_class__name=TEACHER_CLASS)
    return min(qs, key=lambda s: s.student_number, default=None)  # the number is encrypted (SEC-4)


def find_case(key):
    """A case of the key's student (a submitted one where there is one: the transition tried needs it)."""
    school, cls, tag, target = key
    child = the_child()
    qs = _models()["Case"].objects.filter(target_school__isnull=True)
    if tag == "child":
        qs = qs.filter(student=child)
    else:
        qs = qs.filter(school__code=school).exclude(student=child)
        if tag == "other_class":
            qs = qs.exclude(student__school_class__name=TEACHER_CLASS)
    return qs.filter(state="submitted").order_by("id").first() or qs.order_by("id").first()


def _user(username):
    return _models()["User"].objects.get(username=username)


def new_incoming_transfer():
    """A fresh, unanswered transfer of a first-school student (not in TEACHER_CLASS) to the second school."""
    from suiban.students.cases import services as svc

    m = _models()
    busy = m["Case"].objects.filter(state__in=m["Case"].OPEN_STATES).values("student_id")
    student = (m["Student"].objects.filter(school__code=INCOMING[0], status="active", placement="regular_class",
                                           school_class__isnull=False)
               .exclude(school_class__name=TEACHER_CLASS).exclude(pk__in=busy))
    student = min(student, key=lambda s: s.student_number)  # the number is encrypted (SEC-4)
    return svc.case_submit(actor=_user("hc_s1_leader"), student=student, kind="transfer", applicant="矩阵家长",
                           reason="矩阵：申请转入新阳小学", direction="to_special",
                           target_school=m["School"].objects.get(code=INCOMING[3]))


def new_attachment(case):
    from suiban.students.cases import services as svc

    bureau = "hc_bureau" if case.region_path.startswith(_models()["Region"].objects.get(code=HC).path) else "gd_bureau"
    return svc.attachment_add(actor=_user(bureau), case=case, upload=_pdf(), title="矩阵附件")


# Who uploads into a school's archives in the demo world (school staff with archives.edit).
UPLOADERS = {HC_S1: "hc_s1_resource", HC_S2: "hc_s2_leader", GD_S1: "gd_s1_leader"}


def new_archive_file(student):
    from django.core.files.base import ContentFile

    from suiban.students.archives import services as archives

    uploader = UPLOADERS.get(student.school.code)
    if uploader:
        return archives.archive_upload(actor=_user(uploader), student=student, item=4, title="矩阵医学报告",
                                       uploaded_file=_pdf())
    f = _models()["ArchiveFile"](student=student, item=4, title="矩阵医学报告", content_type="application/pdf",
                                 size=len(PDF))
    f.file.save("matrix.pdf", ContentFile(PDF), save=True)  # a school without a demo uploader
    return f


def new_school_file(school, year):
    from django.core.files.base import ContentFile

    from suiban.students.archives import services as archives

    uploader = UPLOADERS.get(school.code)
    if uploader:
        return archives.school_archive_upload(actor=_user(uploader), school=school, section="rules",
                                              school_year=year, title="矩阵制度", uploaded_file=_pdf())
    f = _models()["SchoolArchiveFile"](school=school, section="rules", school_year=year, title="矩阵制度",
                                       content_type="application/pdf", size=len(PDF))
    f.file.save("matrix.pdf", ContentFile(PDF), save=True)
    return f


# --- individual education: the demo plans, sessions, peer support and aids of the first school of each district
# (suiban/demo/iep.py) where they exist, else created here (directly: the scope is what matters) -------------------
def _tag_matches(student, tag, child) -> bool:
    if tag == "child":
        return student.pk == child.pk
    cls = student.school_class.name if student.school_class_id else None
    if student.pk == child.pk:
        return False
    if tag == "classmate":
        return cls == TEACHER_CLASS
    if tag == "other_class":
        return cls != TEACHER_CLASS
    return True


def _previous_year():
    return _models()["SchoolYear"].objects.get(start_year=_models()["SchoolYear"].current().start_year - 1)


def _current_term():
    today = timezone.localdate()
    return _models()["Term"].objects.filter(start_date__lte=today).order_by("-start_date").first()


def find_plan(key, state: str):
    """A plan in ``state`` of a student of the key (the plan in force: of the current school year)."""
    m = _models()
    school, cls, tag = key
    child = the_child()
    qs = m["Plan"].objects.filter(school__code=school, state=state).select_related("student__school_class")
    if state == "in_force":
        qs = qs.filter(school_year=m["SchoolYear"].current())
    plan = next((p for p in qs.order_by("id") if _tag_matches(p.student, tag, child)), None)
    return plan or new_plan(find_student(key), state)


def new_plan(student, state: str):
    """A complete plan (baseline, team meeting, a long-term goal with a short-term goal) in ``state``, for the
    current school year or, when the student has one already, the year before."""
    import json

    from suiban.iep import services

    m = _models()
    current = m["SchoolYear"].current()
    taken = set(m["Plan"].objects.filter(student=student).values_list("school_year_id", flat=True))
    sy = next(y for y in (current, m["SchoolYear"].objects.get(start_year=current.start_year - 1))
              if y.pk not in taken)
    met = min(sy.start_date + timedelta(days=10), timezone.localdate())
    in_force = state in ("in_force", "closed")
    plan = m["Plan"].objects.create(
        student=student, school=student.school, region_path=student.region_path, school_year=sy, state=state,
        revision=1 if in_force else 0, start_date=sy.start_date, end_date=sy.end_date, baseline_collected_by="矩阵",
        baseline_collected_on=met, disability_assessment="矩阵", academic_assessment="矩阵", social_adaptation="矩阵",
        family_education="矩阵", support_needs="矩阵", meeting_date=met,
        meeting_participants=[{"name": "矩阵", "role": "working_group"}], meeting_conclusions="矩阵",
        in_force_on=met if in_force else None)
    dates = {"start_date": sy.start_date, "end_date": sy.end_date, "domain": "daily_living"}
    goal = m["Goal"].objects.create(plan=plan, kind="long_term", target_behaviour="矩阵：长期目标", **dates)
    m["Goal"].objects.create(plan=plan, parent=goal, kind="short_term", target_behaviour="矩阵：短期目标",
                             baseline="矩阵", target_level="矩阵", measurement="checklist", mastery_criterion="矩阵",
                             responsible_teacher="矩阵", measures="矩阵", attainment_method="矩阵", **dates)
    if in_force:
        m["PlanVersion"].objects.create(plan=plan, number=1, reason="矩阵",
                                        snapshot_json=json.dumps(services.snapshot(plan), ensure_ascii=False))
    return plan


def find_session(key):
    """A session of the key's student alone (a group session may include students of other classes)."""
    from decimal import Decimal

    m = _models()
    student = find_student(key)
    session = (m["Session"].objects.filter(attendances__student=student, is_group=False).order_by("-date", "-id")
               .first())
    if session is None:
        day = timezone.localdate()
        session = m["Session"].objects.create(
            school=student.school, region_path=student.school.region_path, date=day, hours=Decimal("1"),
            kind="individual_tutoring", teacher_name="矩阵", notes="矩阵", logged_by=_user("admin"),
            original={"date": day.isoformat(), "hours": "1.00", "kind": "individual_tutoring", "teacher_name": "矩阵",
                      "outcome": "delivered", "cancel_reason": "", "notes": "矩阵", "student_ids": [student.pk],
                      "goal_ids": []})
        m["SessionAttendance"].objects.create(session=session, student=student, date=day)
    return session


def new_evaluation(plan):
    """The current term's evaluation of the plan's student (the demo's own where it has one)."""
    found = _models()["Evaluation"].objects.filter(student=plan.student, term=_current_term()).first()
    return found or _models()["Evaluation"].objects.create(
        student=plan.student, school=plan.school, region_path=plan.region_path, term=_current_term(), plan=plan,
        evaluated_on=timezone.localdate(), evaluator_name="矩阵")


def find_support(name, key):
    """Peer support of / an outstanding aid issued to the key's student."""
    m = _models()
    student = find_student(key)
    if name == "peer":
        return m["PeerSupport"].objects.filter(student=student).order_by("id").first() or \
            m["PeerSupport"].objects.create(student=student, school=student.school, region_path=student.region_path,
                                            mode="one_to_one", peers=[{"name": "矩阵同学", "student_id": None}],
                                            starts_on=timezone.localdate())
    return m["AidIssue"].objects.filter(student=student, returned_on__isnull=True).order_by("id").first() or \
        m["AidIssue"].objects.create(student=student, school=student.school, region_path=student.region_path,
                                     item="矩阵助视器", kind="assistive_device",
                                     issued_on=timezone.localdate() - timedelta(days=7))


def _audit_count():
    """Successful audit events: a refused request may log its refusal or a failed attempt, nothing else."""
    from suiban.core.models import AuditEvent

    return AuditEvent.objects.filter(result="success").count()


# --------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------
@pytest.fixture
def world(db):
    """The demo world is loaded once per session (conftest); here it is only looked up, which keeps the
    ~1900 cases fast. Falls back to a full load if a transactional test emptied the database."""
    from suiban.accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=ACCOUNTS)}
    if len(users) < len(ACCOUNTS):
        return demo.load()
    return demo.World(admin=users.get("admin"), users=users)


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded and served files go to a temporary MEDIA_ROOT, never into var/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


# --------------------------------------------------------------------------------------------------
# The matrix
# --------------------------------------------------------------------------------------------------
def _student_row_key(s, child_pk):
    return (s.school.code, s.school_class.name if s.school_class_id else None,
            "child" if s.pk == child_pk else "any")


def _expected_rows(account, ep, o):
    """Semantic list contents for API lists: primary keys the account should see."""
    m = _models()
    if ep.member == "school" and ep.route == "GET /api/v1/schools":
        return {s.pk for s in m["School"].objects.all() if covers(account, region=s.region.code, school=s.code)}
    if ep.member == "region":
        return {r.pk for r in m["Region"].objects.all() if covers(account, region=r.code)}
    if ep.member == "class":
        school = o["class_school_obj"]
        return {c.pk for c in m["SchoolClass"].objects.filter(school=school, school_year=m["SchoolYear"].current())
                if covers(account, region=school.region.code, school=school.code, cls=(school.code, c.name))}
    iep = _iep_rows(account, ep)
    if iep is not None:
        return iep
    child = the_child().pk
    if ep.route == "GET /api/v1/students":
        return {s.pk for s in m["Student"].objects.select_related("school", "school_class")
                if covers_student(account, *_student_row_key(s, child))}
    if ep.route == "GET /api/v1/cases":
        return {c.pk for c in m["Case"].objects.select_related("school", "target_school", "student__school_class")
                if covers_case(account, (c.school.code, c.student.school_class.name if c.student.school_class_id
                                         else None, "child" if c.student_id == child else "any",
                                         c.target_school.code if c.target_school_id else None))}
    return None


def _seen(account, students) -> set[int]:
    """Of these students (ids), the ones the account may see (covers_student)."""
    child = the_child().pk
    return {s.pk for s in _models()["Student"].objects.filter(pk__in=set(students))
            .select_related("school", "school_class") if covers_student(account, *_student_row_key(s, child))}


def _iep_rows(account, ep) -> set[int] | None:
    """Individual-education lists: every plan / session / record of a student the account sees; a guardian's
    plans only in force (IEP-1); a session is seen by whoever sees one of its students."""
    m = _models()
    child = the_child().pk

    def sees(student):
        return covers_student(account, *_student_row_key(student, child))

    if ep.route == "GET /api/v1/ieps":
        plans = m["Plan"].objects.select_related("student__school", "student__school_class")
        if "state=draft" in ep.url:
            plans = plans.filter(state="draft")
        guardian = SCOPE[account][0] == "student"
        return {p.pk for p in plans if sees(p.student) and (p.state == "in_force" or not guardian)}
    if ep.route == "GET /api/v1/sessions":
        sessions = m["Session"].objects.prefetch_related("attendances__student__school",
                                                          "attendances__student__school_class")
        return {s.pk for s in sessions if any(sees(a.student) for a in s.attendances.all())}
    model = {"GET /api/v1/evaluations": "Evaluation", "GET /api/v1/peer-support": "PeerSupport",
             "GET /api/v1/aids": "AidIssue"}.get(ep.route)
    if model:
        return {r.pk for r in m[model].objects.select_related("student__school", "student__school_class")
                if sees(r.student)}
    return None


def _only_seen(account, where, listed):
    out = set(listed) - _seen(account, listed)
    assert not out, f"{where}: shows students out of scope {sorted(out)}"


def _check_iep_contents(ep, account, where, items):
    """A group session shows only the students the caller may see (a class teacher: their class's), in its
    students and in the values as first logged and before/after each correction alike."""
    if ep.route in ("GET /api/v1/sessions", "GET /api/v1/sessions/{session_id}"):
        listed = {st["id"] for i in items for st in i["students"]}
        _only_seen(account, where, listed)
        logged = {sid for i in items for values in (i["original"], *(c[side] for c in i["corrections"]
                                                                      for side in ("before", "after")))
                  for sid in values.get("student_ids", [])}
        _only_seen(account, f"{where} (original / corrections student_ids)", logged)


IEP_READS = ("GET /api/v1/sessions/{session_id}", "GET /api/v1/ieps/findings", "GET /api/v1/sessions/below-minimum")


def _check_iep_reads(ep, account, where, resp):
    if ep.route not in IEP_READS:
        return
    data = resp.json()
    if ep.route == "GET /api/v1/sessions/{session_id}":
        _check_iep_contents(ep, account, where, [data])
        assert data["students"], f"{where}: the session shows none of its students"
    if ep.route == "GET /api/v1/ieps/findings":
        listed = {r["student_id"] for k in ("missing_plans", "not_in_force", "reviews_due", "reviews_overdue")
                  for r in data[k]}
        _only_seen(account, where, listed)
    if ep.route == "GET /api/v1/sessions/below-minimum":
        # Who is below the minimum is the application's computation (IEP-5), the same for everyone; what the
        # matrix checks is that each account gets exactly the part of that list inside its scope.
        from suiban.iep import selectors

        week = date.fromisoformat(data["week_start"])
        everyone = set(selectors.below_minimum(_user("admin"), week, {}).students.values_list("pk", flat=True))
        ids = {i["student_id"] for i in data["items"]}
        assert data["count"] == len(data["items"]), where
        assert ids == _seen(account, everyone), \
            f"{where}: listed {sorted(ids)}, below the minimum in scope {sorted(_seen(account, everyone))}"


def _xlsx_data_rows(resp) -> int:
    """Rows below the title and header rows of the roster export."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content),
                       read_only=True)
    try:
        rows = [r for r in wb.worksheets[0].iter_rows(min_row=3, values_only=True) if any(v is not None for v in r)]
    finally:
        wb.close()
    return len(rows)


def close_response(resp) -> None:
    """Close a test response (and the file of a FileResponse) without closing the test's database connection.

    ``HttpResponse.close()`` sends ``request_finished``, whose ``close_old_connections`` handler closes a
    PostgreSQL connection that is inside the test's transaction; the test client disconnects it the same way.
    """
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    try:
        resp.close()
    finally:
        request_finished.connect(close_old_connections)


def _safe(where, call):
    """The test client re-raises view exceptions; report them as the 500 they would be."""
    try:
        return call()
    except Exception as exc:
        pytest.fail(f"{where}: got 500 ({type(exc).__name__}: {exc})")


def _send(client, ep: EP, url: str, body):
    if ep.method == "GET":
        return client.get(url)
    if ep.api and ep.method == "PATCH":
        return client.patch(url, body or {})
    if ep.api and ep.method == "DELETE":
        return client.client.delete(url, **client.headers)
    if ep.api and ep.multipart:
        return client.post_multipart(url, body or {})
    return client.post(url, body or {})  # API: JSON; pages: a form (multipart, so files work too)


def _body(ep: EP, account: str, o):
    if ep.route == "POST /api/v1/auth/token":
        return ({"username": "nobody", "password": "wrong"} if account == ANON
                else {"username": account, "password": demo.DEMO_PASSWORD})
    return ep.data(o) if ep.data else None


@pytest.mark.parametrize(("ep", "account", "which", "status"), CASES)
def test_permission_matrix(ep, account, which, status, request, user_client, api_client):
    if ep.files:
        request.getfixturevalue("media")
    o = Objects(account, which)
    url = ep.url.format_map(o)
    if ep.member:
        o[ep.member]  # noqa: B018 — a list's member is created (where the test creates it) before the list is read
    body = None
    writing = ep.method in WRITES
    if writing:
        if ep.setup:
            ep.setup(o)
        body = _body(ep, account, o)
        for name in ep.uses:
            o[name]  # noqa: B018 — make sure the object exists before the snapshot
    where = f"{ep.method} {url} as {account} ({which})"
    # Clients first: logging in and issuing a token write audit rows of their own.
    if ep.api:
        client = api_client(None if account == ANON else account)
    else:
        client = Client() if account == ANON else user_client(account)
    watched = ep.state is not None and writing
    before = (ep.state(o), _audit_count()) if watched else None
    resp = _safe(where, lambda: _send(client, ep, url, body))
    try:
        after = (ep.state(o), _audit_count()) if watched else None
        _check(ep, account, which, status, o, where, resp, before, after, _more_pages(ep, client, url, resp))
    finally:
        close_response(resp)  # file downloads: close the file


def _more_pages(ep, client, url, resp) -> list:
    """The items of an API list's further pages (a list longer than the largest page, e.g. all sessions)."""
    if not (ep.api and ep.member and ep.method == "GET" and resp.status_code == 200
            and resp["Content-Type"].startswith("application/json")):
        return []
    data = resp.json()
    if not isinstance(data, dict) or "items" not in data:
        return []
    more, page = [], 1
    while len(data["items"]) + len(more) < data["count"]:
        page += 1
        r = client.get(f"{url}{'&' if '?' in url else '?'}page={page}")
        assert r.status_code == 200 and r.json()["items"], f"{url} page {page}: {r.status_code}"
        more += r.json()["items"]
    return more


def _check(ep, account, which, status, o, where, resp, before, after, more=()):
    reason = judge(account, ep, which)[1]
    assert resp.status_code == status, f"{where}: expected {status} ({reason}), got {resp.status_code}"

    if before is not None:
        if reason != "ok":
            assert after == before, f"{where}: refused with {status} but something changed: {before} → {after}"
        elif status == ep.ok and ep.route.startswith("policy/overrides"):
            assert after[0] == before[0] - 1, f"{where}: the override was not removed"

    if status == 302 and account == ANON and not ep.public:
        assert resp["Location"].startswith("/accounts/login/"), f"{where}: redirects to {resp['Location']}"
    if status == 302 and ep.route == "accounts/logout/":
        assert resp["Location"].startswith("/accounts/login/"), f"{where}: redirects to {resp['Location']}"
    if status == 302 and account != ANON and ep.route.startswith("accounts/users/"):
        assert resp["Location"] == f"/accounts/users/{o['user']}/", f"{where}: redirects to {resp['Location']}"
    if status == 302 and reason == "step":
        back = f"/iep/{o[ep.obj]}/" if ep.route.startswith("iep/") else f"/cases/{o[ep.obj]}/"
        assert resp["Location"] == back, f"{where}: redirects to {resp['Location']}"
    if ep.api and (status in (401, 403, 404) or reason in ("step", "scope") and status == 422):
        assert resp["Content-Type"].startswith("application/problem+json"), where
        code = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}.get(status)
        if ep.route == "POST /api/v1/auth/token":
            code = "invalid_credentials"
        if status == 422:
            code = "invalid_transition" if reason == "step" else "validation_error"
        assert resp.json()["code"] == code, f"{where}: problem code {resp.json()['code']!r}, expected {code!r}"
    if not ep.api and status == 403:
        assert "403.html" in [t.name for t in resp.templates], f"{where}: 403 without the 403 page"

    if status == 200 and ep.api and not ep.member:
        _check_iep_reads(ep, account, where, resp)
    if status != 200 or not ep.member:
        if ep.route == "GET /api/v1/me" and status == 200:
            assert resp.json()["username"] == account
        return
    key = targets(account, which)[PLACEHOLDER_TARGET[ep.member]]
    member_visible = visible(account, ep.member, key)
    pk = o[ep.member]
    if ep.route == "GET /api/v1/students/export.xlsx":  # filtered by the student's number
        n = _xlsx_data_rows(resp)
        assert (n > 0) == member_visible, f"{where}: {n} rows exported; in scope: {member_visible}"
        return
    if ep.api:
        data = resp.json()
        items = data if isinstance(data, list) else [*data["items"], *more]
        ids = {i["id"] for i in items}
        if ep.route == "GET /api/v1/audit":
            assert all(i["object_type"] == "school" and i["object_id"] == str(pk) for i in items), where
            assert (data["count"] > 0) == member_visible, \
                f"{where}: {data['count']} events of the school; in scope: {member_visible}"
            return
        assert (pk in ids) == member_visible, \
            f"{where}: {ep.member} #{pk} listed={pk in ids}, in scope={member_visible}"
        want = _expected_rows(account, ep, o)
        if want is not None:
            assert ids == want, f"{where}: listed {sorted(ids)}, in scope {sorted(want)}"
            if isinstance(data, dict):
                assert data["count"] == len(want), f"{where}: count {data['count']}, in scope {len(want)}"
        _check_iep_contents(ep, account, where, items)
        return
    rows = resp.context[ep.ctx]
    if ep.route == "audit/":
        n = rows.paginator.count
        assert (n > 0) == member_visible, f"{where}: {n} events of the school; in scope: {member_visible}"
        return
    listed = {r.pk for r in getattr(rows, "object_list", rows)}
    assert (pk in listed) == member_visible, \
        f"{where}: {ep.member} #{pk} listed={pk in listed}, in scope={member_visible}"


# --------------------------------------------------------------------------------------------------
# Completeness: a new page or API operation without a matrix row fails here
# --------------------------------------------------------------------------------------------------
EXCLUDED_PREFIXES = ("api/v1/", "i18n/", "static/", "media/", "__debug__/")


def _routes(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def test_every_page_route_is_in_the_matrix():
    routes = {r for r in _routes(get_resolver().url_patterns) if not r.startswith(EXCLUDED_PREFIXES)}
    in_matrix = {ep.route for ep in ENDPOINTS if not ep.api}
    missing, stale = sorted(routes - in_matrix), sorted(in_matrix - routes)
    assert not missing, f"pages without a row in the permission matrix: {missing}"
    assert not stale, f"matrix rows for pages that no longer exist: {stale}"


def test_every_api_operation_is_in_the_matrix():
    from suiban.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    operations = {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}
    in_matrix = {ep.route for ep in ENDPOINTS if ep.api}
    missing, stale = sorted(operations - in_matrix), sorted(in_matrix - operations)
    assert not missing, f"API operations without a row in the permission matrix: {missing}"
    assert not stale, f"matrix rows for API operations that no longer exist: {stale}"


def test_matrix_covers_every_account_and_scope():
    """Sanity of the table itself: each endpoint has a case for every account and anonymous, and every
    object-bearing endpoint is tried both in and out of scope."""
    seen = {(c.values[0].id, c.values[1]) for c in CASES}
    for ep in ENDPOINTS:
        if ep.method in WRITES and ep.state is not None and not ep.post_all:
            continue  # refused writes only
        for account in [*ACCOUNTS, ANON]:
            assert (ep.id, account) in seen, (ep.id, account)
    statuses = {(c.values[0].id, c.values[3]) for c in CASES if c.values[0].obj and c.values[0].method == "GET"}
    for ep in ENDPOINTS:
        if ep.obj and ep.method == "GET" and ep.obj not in ("term", "user"):  # unscoped objects
            assert (ep.id, 404) in statuses, f"{ep.id}: no out-of-scope case"
    for ep in ENDPOINTS:  # every refused write is tried, out of scope too where it has an object
        if ep.method in WRITES and ep.state is not None and not ep.post_all:
            tried = {c.values[2] for c in CASES if c.values[0] is ep and c.values[1] != ANON}
            assert tried, f"{ep.id}: no refused write"


def test_perms_table_is_the_role_registry(world):
    """``PERMS`` is the spec's copy of the roles: when a role of the application changes, this fails, and
    the change is reviewed here (and the matrix updated) rather than silently accepted."""
    from suiban.core.permissions import ROLES

    app = {}
    for ra in _models()["RoleAssignment"].objects.filter(user__username__in=ACCOUNTS, revoked_at__isnull=True) \
            .select_related("user"):
        app.setdefault(ra.user.username, set()).update(ROLES[ra.role].permissions)
    diff = {a: {"app only": sorted(app.get(a, set()) - PERMS[a]), "matrix only": sorted(PERMS[a] - app.get(a, set()))}
            for a in ACCOUNTS if app.get(a, set()) != PERMS[a]}
    assert not diff, f"roles differ from the matrix's PERMS: {diff}"


# --------------------------------------------------------------------------------------------------
# The refused writes above prove something only if their payloads are valid: a permitted account
# sending the same payload, to an object of its own scope, changes the data.
# --------------------------------------------------------------------------------------------------
REFUSED_WRITES = [ep for ep in ENDPOINTS if ep.method in WRITES and ep.state is not None and not ep.post_all]
# A row refused to every account (a step the object's state allows nobody, e.g. amending a draft) proves its payload
# through its sibling: the same operation on an object in the state that allows it.
ALWAYS_REFUSED = [ep for ep in REFUSED_WRITES
                  if all(refused(a, ep, w) for a in ACCOUNTS for w in whiches(ep, a))]
PERMITTED_WRITES = [ep for ep in REFUSED_WRITES if not any(ep is x for x in ALWAYS_REFUSED)]


def test_rows_refused_to_everyone_have_a_permitted_sibling():
    for ep in ALWAYS_REFUSED:
        assert any(x.route == ep.route for x in PERMITTED_WRITES), f"{ep.id}: no row where the operation succeeds"


@pytest.mark.parametrize("ep", PERMITTED_WRITES, ids=[ep.id for ep in PERMITTED_WRITES])
def test_refused_write_payloads_are_accepted_from_a_permitted_account(ep, request, user_client, api_client):
    if ep.files:
        request.getfixturevalue("media")
    which = "any" if whiches(ep, "admin") == ["any"] else "own"
    account = next(a for a in ACCOUNTS if not refused(a, ep, which))
    o = Objects(account, which)
    url = ep.url.format_map(o)
    if ep.setup:
        ep.setup(o)
    body = _body(ep, account, o)
    for name in ep.uses:
        o[name]  # noqa: B018
    client = api_client(account) if ep.api else user_client(account)
    before = ep.state(o)
    resp = _safe(f"{ep.method} {url} as {account}", lambda: _send(client, ep, url, body))
    close_response(resp)
    if ep.api:
        assert resp.status_code == ep.ok, (resp.status_code, resp.content[:500])
    else:
        assert resp.status_code in (200, 302), resp.status_code
    assert ep.state(o) != before, f"{url} as {account}: the payload {body} changed nothing ({resp.status_code})"
