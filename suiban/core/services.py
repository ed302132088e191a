"""Shared service mechanics: validated, audited, atomic create/update (ARCHITECTURE §1)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.errors import DomainError, VersionConflict, from_validation_error
from suiban.core.errors import NotFound as NotFoundError


def field_error(field, message, code="invalid") -> dict:
    """One entry of a 422's ``errors``: the field (``name[i].field`` inside a list), a code, the message."""
    return {"field": field, "code": code, "message": str(message)}


def check_version(obj, version) -> None:
    """SEC-6 optimistic concurrency: a write carrying the version it read is refused (409 version_conflict) when
    the row has changed since; ``None`` (a client that sent none) is not checked. Call it on the locked row."""
    if version is not None and int(version) != obj.version:
        raise VersionConflict(_("Someone else changed this record after you opened it (version %(theirs)d, "
                                "yours %(yours)d). Reload and apply your change again.")
                              % {"theirs": obj.version, "yours": int(version)},
                              errors=[field_error("version", _("The record was changed by someone else."),
                                                  "version_conflict")])


def raise_errors(errors: list[dict]) -> None:
    """Refuse with every collected field error (the first one is the title's detail); nothing when empty."""
    if errors:
        raise DomainError(errors[0]["message"], errors=errors)


# Free text without its own max_length (notes, reasons, contents) is bounded too (SEC-5): long enough for any
# real note, short enough that nobody can store megabytes in a text box.
TEXT_MAX_CHARS = 10_000


def _text_too_long(obj, exclude) -> list[dict]:
    from django.db import models

    errors = []
    for f in obj._meta.concrete_fields:
        if not isinstance(f, models.TextField) or f.max_length or (exclude and f.name in exclude):
            continue
        value = getattr(obj, f.attname, None)
        if isinstance(value, str) and len(value) > TEXT_MAX_CHARS:
            errors.append(field_error(f.name, _("The text is too long: at most %(n)d characters (it has %(len)d).")
                                      % {"n": TEXT_MAX_CHARS, "len": len(value)}, "max_length"))
    return errors


def validate(obj, exclude=None):
    """full_clean, no control characters in any text field (SEC-5: they break every export) and no text beyond
    ``TEXT_MAX_CHARS`` where the field sets no limit of its own; every field error at once."""
    from suiban.core.text import control_char_errors

    own = control_char_errors(obj, exclude) + _text_too_long(obj, exclude)
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        err = from_validation_error(exc)
        if own:
            seen = {e["field"] for e in own}
            raise_errors(own + [e for e in err.errors if e["field"] not in seen])
        raise err from exc
    raise_errors(own)


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
        if hasattr(locked, "version"):
            check_version(locked, version)
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

