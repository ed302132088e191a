"""The family's own pages (ARCHITECTURE "Pages": parents get child-centred pages, never the staff roster):
the child in plain words and what to answer, and the rights PIPL gives a guardian — to see which roles and schools
viewed or exported the child's record (from the audit log), and to ask for a correction that the school answers
on record. The school leader's side of a correction request is here too (``requests``).

The plan and the sessions received live with individual education (``suiban.iep.family``)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban.core.errors import DomainError, apply_to_form
from suiban.core.models import AuditEvent
from suiban.core.scoping import get_visible_or_404
from suiban.core.views import inbox_items, permission_required
from suiban.students import services as student_services
from suiban.students.family import services
from suiban.students.models import CorrectionRequest, Student

# What the guardian sees of the audit log: views and exports of the child's record (PIPL art. 45: a person may
# know how their information is handled; for a child the guardian exercises the right).
SEEN_ACTIONS = {
    "viewed": gettext_lazy("Viewed the record"),
    "exported": gettext_lazy("Exported"),
    "downloaded": gettext_lazy("Downloaded a file"),
    "identity_revealed": gettext_lazy("Viewed the full identity number"),
    "revealed": gettext_lazy("Viewed the full identity number"),
    "versions_viewed": gettext_lazy("Viewed earlier versions of the plan"),
}
SEEN_OBJECTS = {"student": gettext_lazy("Student record"), "plan": gettext_lazy("Individual education plan"),
                "case": gettext_lazy("Application"), "archivefile": gettext_lazy("Archive file"),
                "evaluation": gettext_lazy("Term evaluation")}


def _children(user):
    return Student.objects.visible_to(user, "family.view").select_related("school", "school_class").order_by("id")


def child_or_404(request, pk):
    return get_visible_or_404(_children(request.user), request.user, pk, "family.view")


def family_start(request):
    """The home page of a user whose only roles are a child's guardian: the child's page (or the choice of
    children) in place of the staff home (registered with ``suiban.core.home.register_start``)."""
    from suiban.core.menu import family_only
    from suiban.core.scoping import has_perm

    if not (family_only(request.user) and has_perm(request.user, "family.view")):
        return None
    children = list(_children(request.user)[:2])
    if len(children) == 1:
        return child(request, children[0].pk)
    return render(request, "family/children.html", {"children": list(_children(request.user))})


@permission_required("family.view")
def family_home(request):
    """The guardian's start: the child (or, with several children, a choice of them)."""
    children = list(_children(request.user))
    if len(children) == 1:
        return redirect("family:child", pk=children[0].pk)
    return render(request, "family/children.html", {"children": children})


def first_child_page(url_name):
    """The menu's entries name no child: they open the page of the (first) child, or the choice of children."""
    @permission_required("family.view")
    def view(request):
        children = list(_children(request.user)[:2])
        if len(children) != 1:
            return redirect("family:home")
        return redirect(url_name, pk=children[0].pk)
    return view


def family_nav(child, active):
    return [{"key": k, "label": label, "url": reverse(name, args=[child.pk]), "active": k == active}
            for k, label, name in (("child", _("My child"), "family:child"),
                                   ("plan", _("The plan"), "family_iep:plan"),
                                   ("sessions", _("Support received"), "family_iep:sessions"),
                                   ("record", _("Who saw the record"), "family:record"),
                                   ("corrections", _("Ask for a correction"), "family:corrections"))]


@permission_required("family.view")
def child(request, pk):
    """My child: a plain summary, then what to answer (the family's inbox)."""
    s = child_or_404(request, pk)
    student_services.view_recorded(actor=request.user, student=s)  # SEC-3: every view of the record is audited
    items = inbox_items(request.user)
    return render(request, "family/child.html", {
        "s": s, "nav": family_nav(s, "child"), "guardians": list(s.guardians.all()),
        "inbox_items": items, "inbox_count": len(items), "overdue_count": sum(1 for i in items if i.overdue),
        "open_corrections": s.correction_requests.filter(state="open").count(),
    })


def _object_ids(s: Student) -> Q:
    """The audit rows about the child: the record itself, plans, applications, archive files, evaluations."""
    q = Q(object_type="student", object_id=str(s.pk))
    for rel, kind in (("iep_plans", "plan"), ("cases", "case"), ("archive_files", "archivefile"),
                      ("iep_evaluations", "evaluation")):
        manager = getattr(s, rel, None)
        if manager is not None:
            ids = [str(i) for i in manager.values_list("pk", flat=True)]
            if ids:
                q |= Q(object_type=kind, object_id__in=ids)
    return q


def _role_and_school(assignments, at):
    """The roles the actor held at ``at``, each with its school (or region): never the person's name."""
    out = []
    for a in assignments:
        if a.created_at > at or (a.revoked_at and a.revoked_at <= at):
            continue
        place = (a.school or (a.school_class.school if a.school_class_id else None) or a.region)
        text = f"{a.role_label} · {place.name}" if place is not None else str(a.role_label)
        if text not in out:
            out.append(text)
    return "；".join(out) or _("A staff member")


@permission_required("family.view")
def record(request, pk):
    """Which roles and schools viewed or exported the child's record, and when (never who by name)."""
    from suiban.accounts.models import RoleAssignment

    s = child_or_404(request, pk)
    suffixes = Q()
    for suffix in SEEN_ACTIONS:
        suffixes |= Q(action__endswith="." + suffix)
    qs = (AuditEvent.objects.filter(_object_ids(s)).filter(suffixes, result="success")
          .exclude(actor=request.user).only("at", "action", "object_type", "actor_id"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    actor_ids = {e.actor_id for e in page if e.actor_id}
    by_actor: dict[int, list] = {}
    for a in (RoleAssignment.objects.filter(user_id__in=actor_ids)
              .select_related("school", "region", "school_class__school").order_by("created_at", "id")):
        by_actor.setdefault(a.user_id, []).append(a)
    rows = [{"at": e.at, "what": SEEN_ACTIONS.get(e.action.rsplit(".", 1)[-1], ""),
             "object": SEEN_OBJECTS.get(e.object_type, ""),
             "who": _role_and_school(by_actor.get(e.actor_id, []), e.at) if e.actor_id else _("The system")}
            for e in page]
    return render(request, "family/record.html", {"s": s, "nav": family_nav(s, "record"), "rows": rows,
                                                  "page": page})


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label=gettext_lazy("What is wrong"), choices=[("", "—"), *CorrectionRequest.FIELDS])
    current_value = forms.CharField(label=gettext_lazy("What the record says"), required=False, max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    requested_value = forms.CharField(label=gettext_lazy("What it should say"), max_length=2000,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=gettext_lazy("Why (optional)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=gettext_lazy("For example: the certificate or the household register says "
                                                    "otherwise."))


@permission_required("family.view")
def corrections(request, pk):
    """Ask the school to correct the child's record (PIPL art. 46); earlier requests with the school's answers."""
    s = child_or_404(request, pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.correction_request(actor=request.user, student=s, **form.cleaned_data)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, _("Your request has been sent to the school. Its answer will appear here."))
            return redirect("family:corrections", pk=s.pk)
    return render(request, "family/corrections.html", {
        "s": s, "nav": family_nav(s, "corrections"), "form": form,
        "requests": list(s.correction_requests.select_related("answered_by").order_by("-requested_at", "-id")),
    })


# --- the school's side ----------------------------------------------------------------------------------------
@permission_required("students.corrections")
def request_list(request):
    """The correction requests of the school's guardians, oldest first, by state (open by default)."""
    qs = (CorrectionRequest.objects.visible_to(request.user, "students.corrections")
          .select_related("student", "school").order_by("requested_at", "id"))
    state = request.GET.get("state", "open")
    if state in dict(CorrectionRequest.STATES):
        qs = qs.filter(state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "family/request_list.html", {"page": page, "state": state,
                                                        "states": CorrectionRequest.STATES})


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Was the record corrected?"), widget=forms.RadioSelect,
                                 choices=[("accepted", gettext_lazy("Yes, corrected")),
                                          ("refused", gettext_lazy("No, not corrected"))])
    answer = forms.CharField(label=gettext_lazy("Answer to the guardian"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=gettext_lazy("Say what was corrected, or why the record stays as it is."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


@permission_required("students.corrections")
def request_detail(request, pk):
    """One correction request and the school's answer on record (nothing pre-selected; after saving, the answer)."""
    r = get_visible_or_404(CorrectionRequest.objects.select_related("student__school", "answered_by"),
                           request.user, pk, "students.corrections")
    form = AnswerForm(request.POST or None, initial={"version": r.version}) if r.state == "open" else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This request has already been answered."))
            return redirect("family:request", pk=r.pk)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.correction_answer(actor=request.user, request=r, accept=d["decision"] == "accepted",
                                           answer=d["answer"], version=d["version"])
            except DomainError as exc:
                apply_to_form(form, exc)
            else:
                messages.success(request, _("Your answer is recorded and shown to the guardian."))
                return redirect("family:request", pk=r.pk)
    return render(request, "family/request_detail.html", {"r": r, "form": form})
