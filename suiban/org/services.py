"""Organisation services (ORG-1, ORG-2): every write validated, audited, atomic, inside the actor's scope."""

from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from suiban import policy
from suiban.core import services
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.scoping import can, has_perm
from suiban.org.models import Region, ResourceCentre, School, SchoolClass, SchoolYear, Term


def _in_scope(actor, perm, obj, field):
    """The target (or parent) must be inside the actor's scope for ``perm``; otherwise a field error."""
    if obj is None or not can(actor, perm, obj):
        # the same answer as for an id that does not exist: nothing tells an out-of-scope object apart (SEC-2)
        raise DomainError(_("The object does not exist or is outside your scope."), field=field)


def _require(actor, perm):
    if not has_perm(actor, perm):
        raise PermissionDenied()


def region_create(*, actor, code, name, level, parent=None, profile=""):
    _require(actor, "org.manage_regions")
    if parent is not None:
        _in_scope(actor, "org.manage_regions", parent, "parent")
    return services.create(Region, actor=actor, action="org.region.created", code=code, name=name, level=level,
                           parent=parent, profile=profile or "")


def region_update(*, actor, region, version, name, profile=""):
    _require(actor, "org.manage_regions")
    _in_scope(actor, "org.manage_regions", region, "region")
    obj = services.update(region, actor=actor, action="org.region.updated", version=version,
                          fields={"name": name, "profile": profile or ""})
    from suiban.policy.resolve import invalidate

    transaction.on_commit(invalidate)
    return obj


def school_create(*, actor, code, name, kind, region, address="", phone=""):
    _require(actor, "org.manage_schools")
    _in_scope(actor, "org.manage_schools", region, "region")
    return services.create(School, actor=actor, action="org.school.created", code=code, name=name, kind=kind,
                           region=region, address=address, phone=phone)


def school_update(*, actor, school, version, **fields):
    _require(actor, "org.manage_schools")
    _in_scope(actor, "org.manage_schools", school, "school")
    if "region" in fields:
        _in_scope(actor, "org.manage_schools", fields["region"], "region")
    return services.update(school, actor=actor, action="org.school.updated", version=version, fields=fields)


def centre_create(*, actor, region, name, address="", phone=""):
    _require(actor, "org.manage_schools")
    _in_scope(actor, "org.manage_schools", region, "region")
    if ResourceCentre.objects.filter(region=region).exists():
        raise DomainError(_("This region already has a resource centre."), field="region")
    return services.create(ResourceCentre, actor=actor, action="org.centre.created", region=region, name=name,
                           address=address, phone=phone)


def centre_update(*, actor, centre, version, **fields):
    _require(actor, "org.manage_schools")
    _in_scope(actor, "org.manage_schools", centre, "region")
    return services.update(centre, actor=actor, action="org.centre.updated", version=version, fields=fields)


def _md(year: int, month_day: str) -> date:
    m, d = (int(x) for x in month_day.split("-"))
    return date(year, m, d)


def school_year_create(*, actor, start_year: int) -> SchoolYear:
    """A school year from the policy's start date (ORG-2) with its two terms."""
    _require(actor, "org.manage_regions")
    if SchoolYear.objects.filter(start_year=start_year).exists():
        raise DomainError(_("This school year exists already."), field="start_year")
    start = _md(start_year, policy.value(None, "school_year_start"))
    end = _md(start_year + 1, policy.value(None, "school_year_start")) - timedelta(days=1)
    with transaction.atomic():
        sy = services.create(SchoolYear, actor=actor, action="org.school_year.created", start_year=start_year,
                             start_date=start, end_date=end)
        Term.objects.create(school_year=sy, number=1, start_date=start,
                            end_date=_md(start_year + 1, policy.value(None, "term1_end")))
        Term.objects.create(school_year=sy, number=2, start_date=_md(start_year + 1, policy.value(None, "term2_start")),
                            end_date=_md(start_year + 1, policy.value(None, "term2_end")))
        return sy


def term_update(*, actor, term, start_date, end_date) -> Term:
    _require(actor, "org.manage_regions")
    sy = term.school_year
    if start_date and end_date and not (sy.start_date <= start_date < end_date <= sy.end_date):
        raise DomainError(_("Term dates must lie inside the school year."), field="end_date")
    return services.update(term, actor=actor, action="org.term.updated", version=None,
                           fields={"start_date": start_date, "end_date": end_date})


STAFF_ROLES = ("school_leader", "resource_teacher", "class_teacher")


def class_teacher_choices(school_ids):
    """Active accounts holding a school staff role at one of ``school_ids`` (or at one of their classes): the only
    accounts a class teacher is chosen from — never a parent, an administrator or someone of another school."""
    from django.db.models import Q

    from suiban.accounts.models import User

    return (User.objects.filter(is_active=True, role_assignments__revoked_at__isnull=True,
                                role_assignments__role__in=STAFF_ROLES)
            .filter(Q(role_assignments__school_id__in=school_ids)
                    | Q(role_assignments__school_class__school_id__in=school_ids))
            .distinct().order_by("username"))


def _check_class_teacher(school, teacher):
    if teacher is not None and not class_teacher_choices([school.pk]).filter(pk=teacher.pk).exists():
        raise DomainError(_("Choose a teacher of this school as class teacher."), field="class_teacher")


def _check_kind(kind):
    if kind not in dict(SchoolClass.KIND_CHOICES):
        raise DomainError(_("Choose an ordinary class or a special class."), field="kind")


# Set by the students module: the number of students placed in inclusion in an ordinary class (随班就读) that a
# class holds — a class holding any cannot become a special class (PL-2, PL-4).
REGULAR_PUPILS = {"count": lambda school_class: 0}


def class_create(*, actor, school, school_year, grade, name, class_teacher=None, kind=SchoolClass.ORDINARY):
    """A class of ``kind``: ordinary, or a special class attached to an ordinary school (附设特教班, PL-2)."""
    _require(actor, "org.manage_classes")
    _in_scope(actor, "org.manage_classes", school, "school")
    _check_kind(kind)
    _check_class_teacher(school, class_teacher)
    if SchoolClass.objects.filter(school=school, school_year=school_year, name=name).exists():
        raise DomainError(_("A class with this name exists in this school year."), field="name")
    return services.create(SchoolClass, actor=actor, action="org.class.created", school=school,
                           school_year=school_year, grade=grade, name=name, kind=kind, class_teacher=class_teacher)


def class_update(*, actor, school_class, version, **fields):
    _require(actor, "org.manage_classes")
    _in_scope(actor, "org.manage_classes", school_class, "school")
    if fields.get("class_teacher") is not None and fields["class_teacher"] != school_class.class_teacher:
        _check_class_teacher(school_class.school, fields["class_teacher"])
    if "kind" in fields:
        _check_kind(fields["kind"])
        if fields["kind"] == SchoolClass.SPECIAL and school_class.kind != SchoolClass.SPECIAL:
            n = REGULAR_PUPILS["count"](school_class)
            if n:
                raise DomainError(_("%(n)d students in inclusion learn in this ordinary class: place them in "
                                    "another ordinary class before it becomes a special class.") % {"n": n},
                                  field="kind")
    return services.update(school_class, actor=actor, action="org.class.updated", version=version, fields=fields)

