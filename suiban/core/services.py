"""Shared service mechanics: validated, audited, atomic create/update (ARCHITECTURE §1)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from suiban.core import audit
from suiban.core.errors import NotFound as NotFoundError
from suiban.core.errors import VersionConflict, from_validation_error


def validate(obj, exclude=None):
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc


def create(model, *, actor, action: str, audit_fields=None, **fields):
    """Create ``model(**fields)`` after full_clean, with one audit row; atomic."""
    with transaction.atomic():
        obj = model(**fields)
        validate(obj)
        obj.save()
        names = audit_fields or [k for k in fields if not k.startswith("_")]
        audit.record(actor, action, obj, changes={k: [None, v] for k, v in audit.snapshot(obj, names).items()})
        return obj


def update(obj, *, actor, action: str, version: int | None, fields: dict):
    """Apply ``fields`` to ``obj`` if ``version`` still matches (SEC-6); audit the diff; atomic."""
    model = type(obj)
    with transaction.atomic():
        try:
            locked = model.objects.select_for_update().get(pk=obj.pk)
        except model.DoesNotExist as exc:
            raise NotFoundError() from exc
        if version is not None and hasattr(locked, "version") and int(version) != locked.version:
            raise VersionConflict(
                errors=[{"field": "version", "code": "version_conflict",
                         "message": str(VersionConflict().message)}],
            )
        before = audit.snapshot(locked, fields.keys())
        for k, v in fields.items():
            setattr(locked, k, v)
        validate(locked)
        changes = audit.diff(before, audit.snapshot(locked, fields.keys()))
        if hasattr(locked, "version"):
            locked.version += 1
        locked.save()
        audit.record(actor, action, locked, changes=changes)
        return locked

