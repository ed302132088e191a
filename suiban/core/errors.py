"""One domain error type (ARCHITECTURE §6).

Services raise ``DomainError``; the API renders it as application/problem+json
and pages render its field errors next to the fields.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

TITLES = {
    "validation_error": _("The input is not valid"),
    "not_found": _("Not found"),
    "permission_denied": _("Permission denied"),
    "version_conflict": _("The record was changed by someone else"),
    "invalid_credentials": _("Invalid username or password"),
    "account_locked": _("Account locked"),
    "not_authenticated": _("Authentication required"),
    "invalid_transition": _("This step is not allowed"),
    "class_full": _("The class is full"),
    "password_change_required": _("Password change required"),
    "payload_too_large": _("The request is too large"),
    "otp_required": _("Verification code required"),
}


class DomainError(Exception):
    status = 422
    default_code = "validation_error"

    def __init__(self, message=None, *, code=None, field=None, errors=None, status=None, title=None):
        self.code = code or self.default_code
        self.message = message if message is not None else TITLES.get(self.code, self.code)
        self.errors = list(errors or [])
        if field is not None:
            self.errors.append({"field": field, "code": self.code, "message": self.message})
        if status is not None:
            self.status = status
        self.title = title or TITLES.get(self.code, self.message)
        super().__init__(str(self.message))

    def field_errors(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for e in self.errors:
            out.setdefault(e.get("field") or "__all__", []).append(str(e["message"]))
        return out


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    default_code = "permission_denied"


class VersionConflict(DomainError):
    status = 409
    default_code = "version_conflict"


def from_validation_error(exc: ValidationError) -> DomainError:
    """Turn Django's ValidationError (from full_clean) into a DomainError with per-field messages."""
    errors = []
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            for e in errs:
                msg = e.message % e.params if e.params else e.message
                errors.append({
                    "field": None if field == NON_FIELD_ERRORS else field,
                    "code": e.code or "invalid",
                    "message": str(msg),
                })
    else:
        for e in exc.error_list:
            msg = e.message % e.params if e.params else e.message
            errors.append({"field": None, "code": e.code or "invalid", "message": str(msg)})
    first = errors[0]["message"] if errors else _("The input is not valid")
    return DomainError(first, code="validation_error", errors=errors)


def apply_to_form(form, exc: DomainError) -> None:
    """Show a DomainError's field messages next to the fields of a Django form."""
    placed = False
    for e in exc.errors:
        field = e.get("field")
        if field and field in form.fields:
            form.add_error(field, str(e["message"]))
            placed = True
        elif field:
            form.add_error(None, f"{field}: {e['message']}")
            placed = True
        else:
            form.add_error(None, str(e["message"]))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))
