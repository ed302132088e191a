"""The guardian's correction requests (PIPL art. 46: a person — for a child, the guardian — may ask for the
correction of inaccurate personal information; the handler answers). Writes of the family's own pages."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.scoping import can
from suiban.core.services import check_version, field_error, raise_errors
from suiban.students.models import CorrectionRequest, Student

MAX_TEXT = 2000


def _text(errors, field, value, *, required=False, label=""):
    value = (value or "").strip()
    if required and not value:
        errors.append(field_error(field, _("Say %(what)s.") % {"what": label}, "required"))
    elif len(value) > MAX_TEXT:
        errors.append(field_error(field, _("At most %(n)d characters.") % {"n": MAX_TEXT}, "too_long"))
    return value


def correction_request(*, actor, student: Student, field: str, requested_value: str, current_value: str = "",
                       reason: str = "") -> CorrectionRequest:
    """The guardian asks the child's school to correct the record; the request reaches the school's inbox."""
    if not can(actor, "family.view", student):
        raise PermissionDenied(_("Your roles do not allow this."))
    errors = []
    if field not in dict(CorrectionRequest.FIELDS):
        errors.append(field_error("field", _("Choose what is wrong."), "required"))
    requested_value = _text(errors, "requested_value", requested_value, required=True, label=_("what it should say"))
    current_value = _text(errors, "current_value", current_value)
    reason = _text(errors, "reason", reason)
    raise_errors(errors)
    with transaction.atomic():
        s = Student.objects.select_for_update().get(pk=student.pk)
        r = CorrectionRequest.objects.create(student=s, school_id=s.school_id, region_path=s.region_path, field=field,
                                             current_value=current_value, requested_value=requested_value,
                                             reason=reason, requested_by=actor)
        audit.record(actor, "students.correction.requested", r,
                     changes={"student": [None, s.pk], "field": [None, field]})
        return r


def correction_answer(*, actor, request: CorrectionRequest, accept: bool | None, answer: str,
                      version: int | None = None) -> CorrectionRequest:
    """The school leader answers on record: corrected (saying what was changed) or not corrected (saying why).
    An answered request is final: a new request is made for anything further."""
    if not can(actor, "students.corrections", request):
        raise PermissionDenied(_("Your roles do not allow this."))
    errors = []
    if accept is None:
        errors.append(field_error("decision", _("Choose whether the record was corrected."), "required"))
    answer = _text(errors, "answer", answer, required=True, label=_("the school's answer"))
    raise_errors(errors)
    with transaction.atomic():
        r = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
        check_version(r, version)
        if r.state != "open":
            raise DomainError(_("This request has already been answered."), code="invalid_transition",
                              field="decision")
        r.state = "accepted" if accept else "refused"
        r.answer = answer
        r.answered_by = actor
        r.answered_at = timezone.now()
        r.version += 1
        r.save(update_fields=["state", "answer", "answered_by", "answered_at", "version"])
        audit.record(actor, "students.correction.answered", r, changes={"state": ["open", r.state]})
        return r
