"""Case pages (PL-9): list with the bureau's refused-transfer count, create form, detail with timeline,
the steps the user may take, the receiving school's answer, notes and attachments."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from suiban.core import audit
from suiban.core.crypto import lookup_hashes
from suiban.core.errors import DomainError, apply_to_form
from suiban.core.lists import put_labels, xlsx_response
from suiban.core.scoping import get_visible_or_404, has_perm
from suiban.core.views import permission_required
from suiban.org.models import School
from suiban.students import sorting
from suiban.students.cases import lists as case_lists
from suiban.students.cases import services as svc
from suiban.students.cases.api import filtered, serve_attachment
from suiban.students.cases.selectors import next_step, waiting_for
from suiban.students.models import PLACEMENT_CHOICES, Case, Student

PAGE_SIZE = 50
EXPORT_LIMIT = 20000
LIST_FILTERS = ("kind", "state", "school", "refused", "student_id", "incoming", "open", "waiting", "overdue")


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=Case.KINDS)
    applicant = forms.CharField(label=gettext_lazy("applicant"), max_length=50,
                                help_text=gettext_lazy("The guardian who applies, or the school."))
    reason = forms.CharField(label=gettext_lazy("reason for the application"),
                             widget=forms.Textarea(attrs={"rows": 3}))
    at_enrolment = forms.BooleanField(label=gettext_lazy("at primary enrolment"), required=False,
                                      help_text=gettext_lazy("An identification at primary enrolment takes effect "
                                                             "at once."))
    direction = forms.ChoiceField(label=gettext_lazy("direction"), required=False,
                                  choices=[("", "—")] + Case._meta.get_field("direction").choices)
    target_school = forms.ModelChoiceField(label=gettext_lazy("receiving school"), queryset=School.objects.none(),
                                           required=False)
    school_conditions = forms.CharField(label=gettext_lazy("school conditions considered"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    guardian_wishes = forms.CharField(label=gettext_lazy("guardian wishes considered"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))

    FIELD_MAP = {"target_school_id": "target_school", "student_id": None}
    # PL-5/PL-7/PL-8: the fields of one kind of application, shown (and sent) only for that kind.
    KIND_FIELDS = {"at_enrolment": ("identification",), "direction": ("transfer",), "target_school": ("transfer",),
                   "school_conditions": ("dispute",), "guardian_wishes": ("dispute",)}
    REQUIRED_FOR_KIND = ("direction", "target_school")

    def __init__(self, *args, student=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, kinds in self.KIND_FIELDS.items():
            self.fields[name].show_when = ("kind", kinds)
            self.fields[name].marked_required = name in self.REQUIRED_FOR_KIND
        if student is not None:
            self.fields["target_school"].queryset = (School.objects.filter(region_path=student.region_path,
                                                                           is_active=True)
                                                     .exclude(pk=student.school_id).order_by("code"))
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs["class"] = "form-check-input"
            elif isinstance(w, forms.Select):
                w.attrs["class"] = "form-select"
            else:
                w.attrs["class"] = "form-control"

    def kind_data(self) -> dict:
        """The cleaned data without the fields of other kinds (a browser without script still sends them)."""
        d = dict(self.cleaned_data)
        blank = {"at_enrolment": False, "direction": "", "target_school": None, "school_conditions": "",
                 "guardian_wishes": ""}
        for name, kinds in self.KIND_FIELDS.items():
            if d.get("kind") not in kinds:
                d[name] = blank[name]
        return d


def _case(request, pk):
    return get_visible_or_404(Case.objects.select_related("student__school", "school", "target_school"),
                              request.user, pk)


def _listed(request):
    """The cases of the list as filtered and sorted on screen (the page and its export)."""
    filters = {k: request.GET.get(k, "") for k in LIST_FILTERS}
    clean = {k: v for k, v in filters.items() if v and (k not in ("school", "student_id") or v.isdigit())}
    qs = (filtered(request.user, clean).select_related("student__school", "school", "target_school")
          .defer(*Student.encrypted_fields("student")))
    if filters["overdue"]:
        qs = case_lists.overdue_only(qs)
    qs, sort = sorting.CASES.apply(qs, request.GET.get("sort"))
    return qs, filters, sort


@permission_required("cases.view")
def case_list(request):
    qs, filters, sort = _listed(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = svc.today()
    page.object_list = put_labels(page.object_list, "kind", "state")
    for c in page:
        c.next_step = next_step(c)
        c.due = case_lists.due_date(c)
        c.overdue = bool(c.due and c.due < today)
    waiting_count = waiting_for(request.user, Case.objects.all()).count()
    oversees = has_perm(request.user, "cases.review") or has_perm(request.user, "cases.decide")
    refused_count = filtered(request.user, {"refused": "1"}).count() if oversees else None
    awaiting_answer = None
    if has_perm(request.user, "cases.respond_transfer"):
        mine = School.objects.visible_to(request.user, "cases.respond_transfer")
        awaiting_answer = (Case.objects.visible_to(request.user, "cases.respond_transfer")
                           .filter(kind="transfer", target_school__in=mine, target_response="",
                                   state__in=("submitted", "under_review", "committee_opinion")).count())
    # A drop-down of schools for a school or a district; a province's 16,000 schools would be a 1.5 MB page: none.
    schools = list(School.objects.visible_to(request.user, "cases.view").only("id", "name", "code")[:301])
    schools = schools if len(schools) <= 300 else []
    return render(request, "students/case_list.html", {
        "page": page, "filters": filters, "kinds": Case.KINDS, "states": Case.STATES, "schools": schools,
        "sort": sort, "overdue_only": bool(filters["overdue"]),
        "refused_count": refused_count, "awaiting_answer": awaiting_answer,
        "can_submit": has_perm(request.user, "cases.submit"), "waiting_count": waiting_count,
    })


@permission_required("cases.view")
def case_export(request):
    """The cases as on screen (same filters and order) as .xlsx, A4 landscape; audited (SEC-3)."""
    qs, filters, sort = _listed(request)
    rows = list(qs[:EXPORT_LIMIT])
    title = _("Cases")
    resp = xlsx_response(title=title, headers=[str(h) for h, _w in case_lists.EXPORT_HEADERS],
                         rows=case_lists.export_rows(rows, next_step), filename="cases.xlsx",
                         widths=[w for _h, w in case_lists.EXPORT_HEADERS])
    audit.record(request.user, "cases.list.exported", object_type="case", object_id="", object_repr=title,
                 changes={"filters": {k: v for k, v in filters.items() if v}, "sort": sort, "rows": len(rows)})
    return resp


@permission_required("cases.submit")
def case_create(request):
    sid = request.GET.get("student", "")
    if not sid.isdigit():
        q = request.GET.get("q", "").strip()
        students = Student.objects.none()
        if q:
            students = (Student.objects.visible_to(request.user, "cases.submit")
                        .filter(Q(name__contains=q) | Q(student_number_hash__in=lookup_hashes(q)))
                        .select_related("school").order_by("name", "id")[:20])
        else:
            students = (Student.objects.visible_to(request.user, "cases.submit").select_related("school")
                        .order_by("name", "id")[:20])
        return render(request, "students/case_form.html", {"pick": True, "q": q, "students": students})
    student = get_visible_or_404(Student.objects.select_related("school"), request.user, int(sid), "cases.submit")
    guardian = student.guardians.first()
    form = CaseForm(request.POST or None, student=student,
                    initial={"applicant": guardian.name if guardian else "", "kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        d = form.kind_data()
        try:
            c = svc.case_submit(actor=request.user, student=student, kind=d["kind"], applicant=d["applicant"],
                                reason=d["reason"], direction=d["direction"] or "", target_school=d["target_school"],
                                at_enrolment=d["at_enrolment"], school_conditions=d["school_conditions"],
                                guardian_wishes=d["guardian_wishes"])
        except DomainError as exc:
            for e in exc.errors:
                if e.get("field") in CaseForm.FIELD_MAP:
                    e["field"] = CaseForm.FIELD_MAP[e["field"]]
            apply_to_form(form, exc)
        else:
            messages.success(request, _("Application submitted."))
            return redirect("cases:detail", pk=c.pk)
    return render(request, "students/case_form.html", {"form": form, "student": student})


# PL-2/PL-9: whether the bureau's decision names a placement — "required" (identification), "worsened" (a
# reassessment whose result is worsened), "transfer" (defaults to the receiving school's usual placement) or
# "optional" (a dispute); a revocation or a deferral decides no placement.
PLACEMENT_RULE = {"identification": "required", "reassessment": "worsened", "transfer": "transfer",
                  "dispute": "optional"}


@permission_required("cases.view")
def case_detail(request, pk):
    return _render_detail(request, _case(request, pk))


def _render_detail(request, c, *, step_errors=None, posted=None, status=200):
    steps = svc.allowed_steps(request.user, c)
    decided_step_waiting = (c.state == "decided" and c.effective_date and svc.today() < c.effective_date
                            and has_perm(request.user, "cases.decide"))
    return render(request, "students/case_detail.html", {
        "c": c, "events": [(e, svc.STATES.get(e.from_state, e.from_state), svc.STATES.get(e.to_state, e.to_state))
                           for e in c.events.select_related("actor")],
        "attachments": c.attachments.select_related("uploaded_by").order_by("uploaded_at", "id"),
        "steps": steps, "can_respond": svc.can_respond_now(request.user, c),
        "can_participate": svc.may_participate(request.user, c), "window": svc.processing_window(c),
        "waiting": decided_step_waiting, "outcome": svc.outcome_label(c), "next_step": next_step(c),
        "placements": [p for p in PLACEMENT_CHOICES if p[0] != "awaiting"],
        "results": list(svc.REASSESSMENT_RESULTS.items()), "accept_types": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx",
        "panels": svc.case_panels(request, c), "placement_rule": PLACEMENT_RULE.get(c.kind),
        "step_errors": step_errors or {}, "posted": posted or {},
    }, status=status)


def _forbidden_unless(request, perms) -> bool:
    """In scope but no role of the user may change cases at all → 403 (ARCHITECTURE pattern 2)."""
    return not any(has_perm(request.user, p) for p in perms)


@require_POST
@permission_required("cases.view")
def case_transition(request, pk):
    c = _case(request, pk)
    if _forbidden_unless(request, svc.PARTICIPANT_PERMS):
        return render(request, "403.html", status=403)
    p = request.POST
    try:
        svc.transition(actor=request.user, case=c, to=p.get("to", ""), note=p.get("note", ""),
                       version=int(p["version"]) if p.get("version", "").isdigit() else None,
                       placement=p.get("placement") or None, result=p.get("result") or None,
                       deferred_until=parse_date(p.get("deferred_until", "")) if p.get("deferred_until") else None,
                       school_conditions=p.get("school_conditions"), guardian_wishes=p.get("guardian_wishes"))
    except DomainError as exc:
        if exc.status == 422 and p.get("to") in {s.target for s in svc.allowed_steps(request.user, c)}:
            # The step's form comes back with the input and each message next to its field.
            errors = {("general" if k == "__all__" else k): v for k, v in exc.field_errors().items()}
            return _render_detail(request, _case(request, pk), step_errors={p["to"]: errors}, posted=p)
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The case is now “%(state)s”.") % {"state": svc.STATES[p.get("to")]})
    return redirect("cases:detail", pk=c.pk)


@require_POST
@permission_required("cases.view")
def case_respond(request, pk):
    c = _case(request, pk)
    if _forbidden_unless(request, ("cases.respond_transfer",)):
        return render(request, "403.html", status=403)
    try:
        svc.transfer_respond(actor=request.user, case=c, accept=request.POST.get("response") == "accepted",
                             reason=request.POST.get("refusal_reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your answer is recorded."))
    return redirect("cases:detail", pk=c.pk)


@require_POST
@permission_required("cases.view")
def case_note(request, pk):
    c = _case(request, pk)
    if _forbidden_unless(request, (*svc.PARTICIPANT_PERMS, "cases.respond_transfer")):
        return render(request, "403.html", status=403)
    try:
        svc.case_note(actor=request.user, case=c, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Note added to the timeline."))
    return redirect("cases:detail", pk=c.pk)


@require_POST
@permission_required("cases.view")
def attachment_upload(request, pk):
    c = _case(request, pk)
    if _forbidden_unless(request, (*svc.PARTICIPANT_PERMS, "cases.respond_transfer")):
        return render(request, "403.html", status=403)
    try:
        svc.attachment_add(actor=request.user, case=c, upload=request.FILES.get("file"),
                           title=request.POST.get("title", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("File attached."))
    return redirect("cases:detail", pk=c.pk)


@permission_required("cases.view")
def attachment_download(request, pk, attachment_id):
    """Only through this access-checked view (the case must be visible); every download is audited."""
    return serve_attachment(request.user, _case(request, pk), attachment_id)
