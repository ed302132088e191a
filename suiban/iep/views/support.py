"""The student's support records (IEP-6..IEP-8): term evaluations, peer support, aids.

Every read goes through the scoped managers (out of scope → 404), every write through the services of
``suiban.iep`` (their DomainErrors are shown next to the fields or as messages); a user in scope whose roles do
not allow the action gets the 403 page."""


from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.scoping import can
from suiban.core.views import permission_required
from suiban.iep import services, support
from suiban.iep.forms import (
    AidForm,
    EvaluationForm,
    PeerSupportForm,
)
from suiban.iep.models import (
    AidIssue,
    Evaluation,
    PeerSupport,
    Plan,
)
from suiban.iep.views.common import _apply_errors, _flash_errors, _student, forbidden
from suiban.org.models import Term


# --- the student's support records (IEP-6..IEP-8) -----------------------------------------------------------
def _evaluation_terms():
    """The terms an evaluation may be recorded for: the last four that have started."""
    return Term.objects.select_related("school_year").filter(start_date__lte=services.today()) \
        .order_by("-start_date")[:4]


def _support_context(request, student, **forms):
    user = request.user
    editable = can(user, "iep.edit", student)
    plans = list(Plan.objects.visible_to(user).filter(student=student).select_related("school_year")
                 .order_by("-school_year__start_year"))
    ctx = {
        "student": student, "plans": plans, "can_edit": editable,
        "evaluations": Evaluation.objects.visible_to(user).filter(student=student)
        .select_related("term__school_year").prefetch_related("scores"),
        "peers": PeerSupport.objects.visible_to(user).filter(student=student),
        "aids": AidIssue.objects.visible_to(user).filter(student=student),
        "evaluation_form": forms.get("evaluation_form") or EvaluationForm(terms=_evaluation_terms(), initial={
            "evaluator_name": user.display_name}),
        "peer_form": forms.get("peer_form") or PeerSupportForm(initial={"starts_on": services.today()}),
        "aid_form": forms.get("aid_form") or AidForm(initial={"issued_on": services.today()}),
        "open": forms.get("open", ""),
    }
    return ctx


@permission_required("iep.records")
def student_support(request, pk):
    student = _student(request, pk)
    return render(request, "iep/student_support.html", _support_context(request, student))


def _support_write(request, pk):
    student = _student(request, pk)
    if not can(request.user, "iep.edit", student):
        return student, forbidden(request)
    return student, None


def _support_post(request, pk, key: str, form, save, done):
    """The POST of one of the student's support records (``key``: evaluation / peer / aid): 403 without iep.edit
    on the student; the form, then the service (``save(student, cleaned_data, form)``); the service's errors go
    next to the form's fields (422) and nothing is saved."""
    student, refused = _support_write(request, pk)
    if refused:
        return refused
    if form.is_valid():
        try:
            save(student, form.cleaned_data, form)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("iep:student_support", pk=student.pk)
    return render(request, "iep/student_support.html",
                  _support_context(request, student, **{f"{key}_form": form}, open=key), status=422)


@require_POST
@permission_required("iep.records")
def support_evaluation(request, pk):
    def save(student, d, form):
        term = Term.objects.select_related("school_year").filter(pk=int(d["term"])).first()
        support.evaluation_record(actor=request.user, student=student, term=term, evaluated_on=d["evaluated_on"],
                                  evaluator_name=d["evaluator_name"], dimensions=form.dimensions(),
                                  summary=d["summary"], emphasis=form.emphasis())

    return _support_post(request, pk, "evaluation", EvaluationForm(request.POST, terms=_evaluation_terms()), save,
                         _("Term evaluation recorded."))


@require_POST
@permission_required("iep.records")
def support_peer(request, pk):
    def save(student, d, form):
        support.peer_support_create(actor=request.user, student=student, mode=d["mode"], peers=form.peer_list(),
                                    starts_on=d["starts_on"], ends_on=d["ends_on"], notes=d["notes"])

    return _support_post(request, pk, "peer", PeerSupportForm(request.POST), save, _("Peer support recorded."))


@require_POST
@permission_required("iep.records")
def support_aid(request, pk):
    def save(student, d, form):
        support.aid_issue(actor=request.user, student=student, item=d["item"], kind=d["kind"],
                          issued_on=d["issued_on"], returned_on=d["returned_on"], notes=d["notes"])

    return _support_post(request, pk, "aid", AidForm(request.POST), save, _("Aid recorded."))


@require_POST
@permission_required("iep.records")
def support_aid_return(request, pk, aid_id):
    student, refused = _support_write(request, pk)
    if refused:
        return refused
    aid = AidIssue.objects.visible_to(request.user).filter(pk=aid_id, student=student).first()
    if aid is None:
        raise Http404
    try:
        support.aid_return(actor=request.user, aid=aid, returned_on=parse_date(request.POST.get("returned_on", ""))
                           or services.today())
    except PermissionDenied:
        return forbidden(request)
    except DomainError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Return recorded."))
    return redirect("iep:student_support", pk=student.pk)
