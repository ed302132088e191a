"""The family's pages about individual education (ARCHITECTURE "Pages"): the plan in force in plain words — a
short summary before the professional terms — with the guardian's answer (nothing pre-selected; after saving, the
saved answer), and the support the child received week by week: tutoring sessions and, when the home-delivery
module holds any, home visits. The child, the record's viewers and corrections are ``suiban.students.family``."""

from datetime import timedelta

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import FieldError
from django.db import DatabaseError, transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suiban import policy
from suiban.core.errors import DomainError, PermissionDenied, apply_to_form
from suiban.core.views import permission_required
from suiban.iep import selectors, services
from suiban.iep.models import DOMAINS, RESPONSES, Goal, Plan, PlanResponse, SessionAttendance
from suiban.iep.sessions import week_start
from suiban.iep.views.common import _kind_label
from suiban.students.family.views import child_or_404, family_nav

WEEKS_SHOWN = 8


def plan_in_force(student):
    """The child's plan in force (the latest school year's), or None."""
    return (Plan.objects.filter(student=student, state="in_force").select_related("school_year", "school")
            .order_by("-school_year__start_year", "-id").first())


def answer_for(plan: Plan) -> PlanResponse | None:
    """The guardian's latest answer to the plan's current revision (None: not answered yet)."""
    return plan.responses.filter(revision=plan.revision).order_by("-responded_at", "-id").first()


class AnswerForm(forms.Form):
    """Agree / disagree / agree in part: no choice is made for the guardian (nothing pre-selected)."""

    answer = forms.ChoiceField(label=gettext_lazy("Your answer"), choices=RESPONSES, widget=forms.RadioSelect)
    comment = forms.CharField(label=gettext_lazy("What you do not agree with, or anything to add"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


def plain_summary(plan: Plan, long_goals, short_count: int) -> str:
    domains = dict(DOMAINS)
    names = "、".join(dict.fromkeys(str(domains.get(g.domain, g.domain)) for g in long_goals))
    minimum = policy.value(plan.school, selectors.MINIMUM)
    return _("From %(start)s to %(end)s the school works with your child on %(n)d long-term goals (%(domains)s), "
             "broken down into %(m)d short steps. Your child receives at least %(hours)s class hours of individual "
             "tutoring a week, and the teachers review the progress regularly with you.") % {
        "start": plan.start_date.strftime("%Y-%m-%d"), "end": plan.end_date.strftime("%Y-%m-%d"),
        "n": len(long_goals), "domains": names or "—", "m": short_count, "hours": minimum}


@permission_required("family.view")
def family_plan(request, pk):
    """The plan in force in plain words, then the professional terms; the guardian's answer (IEP-1, GD §27)."""
    s = child_or_404(request, pk)
    p = plan_in_force(s)
    saved = answer_for(p) if p else None
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        if p is None:
            messages.error(request, _("There is no plan in force to answer."))
            return redirect("family_iep:plan", pk=s.pk)
        if form.is_valid():
            try:
                services.plan_respond(actor=request.user, plan=p, answer=form.cleaned_data["answer"],
                                      comment=form.cleaned_data["comment"])
            except PermissionDenied:
                return render(request, "403.html", status=403)
            except DomainError as exc:
                apply_to_form(form, exc)
            else:
                messages.success(request, _("Your answer is recorded. The teachers are told."))
                return redirect("family_iep:plan", pk=s.pk)
    ctx = {"s": s, "p": p, "nav": family_nav(s, "plan"), "saved": saved, "form": form,
           "change": request.GET.get("change") == "1" or request.method == "POST"}
    if p is not None:
        services.view_recorded(actor=request.user, plan=p)
        goals = [g for g in p.goals.order_by("position", "id") if g.active]
        long_goals = [g for g in goals if g.kind == Goal.LONG]
        tree = [(g, [c for c in goals if c.parent_id == g.pk]) for g in long_goals]
        ctx.update(tree=tree, domains=dict(DOMAINS),
                   summary=plain_summary(p, long_goals, sum(len(c) for _g, c in tree)),
                   next_review=selectors.next_review_due(p, p.reviews.order_by("-review_date")
                                                         .values_list("review_date", flat=True).first()),
                   earlier=list(p.responses.order_by("-responded_at", "-id")))
    return render(request, "family/plan.html", ctx)


def _home_visits(student, since):
    """Home-delivery visits of the child, when that module is installed and holds any (read defensively: its
    tables may not exist yet). → list of (date, description)."""
    if not apps.is_installed("suiban.homebound"):
        return []
    out = []
    for model in apps.get_app_config("homebound").get_models():
        if "visit" not in model.__name__.lower():
            continue
        names = {f.name: f for f in model._meta.get_fields() if getattr(f, "concrete", False)}
        day = next((n for n in ("date", "visited_on", "visit_date", "day") if n in names), None)
        if "student" not in names or day is None:
            continue
        try:
            with transaction.atomic():  # a savepoint: a missing table must not break the page's transaction
                rows = list(model._default_manager.filter(student=student, **{f"{day}__gte": since})
                            .order_by(day)[:200])
        except (DatabaseError, FieldError, ValueError, TypeError):
            continue
        for r in rows:
            hours = next((getattr(r, n) for n in ("hours", "class_hours", "duration_hours") if n in names), None)
            mode = r.get_mode_display() if "mode" in names and hasattr(r, "get_mode_display") else ""
            out.append((getattr(r, day), hours, str(mode)))
    return out


@permission_required("family.view")
def family_sessions(request, pk):
    """Support received, week by week: tutoring and training sessions against the weekly minimum (IEP-5), and
    home visits where the child is taught at home."""
    s = child_or_404(request, pk)
    today = services.today()
    first = week_start(today) - timedelta(weeks=WEEKS_SHOWN - 1)
    attendances = (SessionAttendance.objects.filter(student=s, date__gte=first).select_related("session")
                   .order_by("-date", "-id"))
    term = selectors.current_term(today)
    minimum = {w["week_start"]: w for w in selectors.weekly_hours(s, term, on=today)} if term else {}
    weeks = {}
    for i in range(WEEKS_SHOWN):
        monday = week_start(today) - timedelta(weeks=i)
        w = minimum.get(monday)
        weeks[monday] = {"monday": monday, "sunday": monday + timedelta(days=6), "sessions": [], "visits": [],
                         "delivered": w["delivered_hours"] if w else None, "minimum": w["minimum"] if w else None,
                         "met": w["met"] if w else None, "current": i == 0}
    for a in attendances:
        ses = a.session
        wk = weeks.get(week_start(a.date))
        if wk is not None:
            wk["sessions"].append({"date": a.date, "kind": _kind_label(ses.kind), "hours": ses.hours,
                                   "teacher": ses.teacher_name, "absent": a.absent,
                                   "outcome": ses.get_outcome_display(), "delivered": ses.outcome == "delivered"})
    for day, hours, mode in _home_visits(s, first):
        d = day.date() if hasattr(day, "date") and callable(day.date) else day
        wk = weeks.get(week_start(d))
        if wk is not None:
            wk["visits"].append({"date": d, "hours": hours, "mode": mode})
    return render(request, "family/sessions.html", {"s": s, "nav": family_nav(s, "sessions"),
                                                    "weeks": list(weeks.values())})


app_name = "family_iep"
urlpatterns = [
    path("<int:pk>/plan/", family_plan, name="plan"),
    path("<int:pk>/sessions/", family_sessions, name="sessions"),
]
