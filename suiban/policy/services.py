from django.db import transaction
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.scoping import can, has_perm
from suiban.core.services import validate
from suiban.policy.models import PolicyOverride
from suiban.policy.params import PARAMS
from suiban.policy.resolve import invalidate


def override_set(*, actor, name: str, value, region=None, school=None, note: str = "") -> PolicyOverride:
    """Override one parameter for a region (and below) or a school; audited; applies at once."""
    if not has_perm(actor, "policy.manage"):
        raise PermissionDenied()
    subject = school or region
    if subject is None or not can(actor, "policy.manage", subject):
        raise DomainError(_("Choose a region or school inside your scope."), field="region")
    if name not in PARAMS:
        raise DomainError(_("Unknown parameter."), field="name")
    with transaction.atomic():
        existing = PolicyOverride.objects.select_for_update().filter(name=name, region=region, school=school).first()
        before = existing.value if existing else None
        obj = existing or PolicyOverride(name=name, region=region, school=school, created_by=actor)
        obj.value, obj.note = value, note
        validate(obj, exclude=["created_by"])
        if existing:
            obj.version += 1
        obj.save()
        audit.record(actor, "policy.override.set", obj, changes={name: [before, obj.value]})
        transaction.on_commit(invalidate)
        return obj


def override_remove(*, actor, override: PolicyOverride) -> None:
    if not can(actor, "policy.manage", override.school or override.region):
        raise PermissionDenied()
    with transaction.atomic():
        audit.record(actor, "policy.override.removed", override, changes={override.name: [override.value, None]})
        override.delete()
        transaction.on_commit(invalidate)
