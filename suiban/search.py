"""Global search from the top bar (ARCHITECTURE "Pages"; API.md ``GET /api/v1/search?q=``): students by name or
national student number, schools by name or code, and cases by their student's name or number — each inside the
caller's scope (``visible_to``) and bounded (at most ``PER_TYPE`` a type). A guardian finds only their own child.

A project-level module because it reads several apps (students, org, cases); mounted in ``suiban/urls.py`` and
``suiban/api.py``."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from suiban.core import audit
from suiban.core.menu import family_only
from suiban.org.models import School
from suiban.students.models import Case, Student

PER_TYPE = 20
MAX_QUERY = 50

router = Router(tags=["search"])


def _number_q(prefix: str, q: str) -> Q:
    """An exact match of the full national student number — on its keyed hash when the number is stored
    encrypted (``student_number_hash``), else on the number itself."""
    fields = {f.name for f in Student._meta.get_fields()}
    number = q.strip().upper()
    if "student_number_hash" in fields:
        from suiban.core.crypto import lookup_hash

        return Q(**{f"{prefix}student_number_hash": lookup_hash(number)})
    return Q(**{f"{prefix}student_number": number})


def _student_q(prefix: str, q: str) -> Q:
    return Q(**{f"{prefix}name__contains": q}) | _number_q(prefix, q)


def search(user, q: str) -> list[dict]:
    """``{type, id, title, url}`` rows: students, then schools, then cases; at most PER_TYPE of each. A search
    that lists students is a view of personal data: audited with the query and the number found (SEC-3)."""
    q = (q or "").strip()[:MAX_QUERY]
    if not q:
        return []
    out = _search(user, q)
    audit.record(user, "search.results.viewed", object_type="student", object_id="", object_repr="search",
                 changes={"q": q, "count": len(out)})
    return out


def _search(user, q: str) -> list[dict]:
    out = []
    students = (Student.objects.visible_to(user, "students.view").filter(_student_q("", q))
                .select_related("school").order_by("name", "id")[:PER_TYPE])
    family = family_only(user)
    for s in students:
        url = reverse("family:home") if family else reverse("students:detail", args=[s.pk])
        title = s.name if family else f"{s.name} · {s.school.name}"
        out.append({"type": "student", "id": s.pk, "title": title, "url": url})
    if family:
        return out
    schools = (School.objects.visible_to(user, "org.view").filter(Q(name__contains=q) | Q(code=q))
               .order_by("code")[:PER_TYPE])
    for sc in schools:
        out.append({"type": "school", "id": sc.pk, "title": sc.name, "url": reverse("org:school_detail", args=[sc.pk])})
    cases = (Case.objects.visible_to(user, "cases.view").filter(_student_q("student__", q))
             .select_related("student", "school").order_by("-created_at", "-id")[:PER_TYPE])
    for c in cases:
        out.append({"type": "case", "id": c.pk, "title": f"{c.get_kind_display()} · {c.student.name} · "
                    f"{c.get_state_display()}", "url": reverse("cases:detail", args=[c.pk])})
    return out


class SearchIn(Schema):
    q: str = Field("", max_length=200)


class SearchItem(Schema):
    type: str
    id: int
    title: str
    url: str


class SearchOut(Schema):
    count: int
    items: list[SearchItem]


@router.get("/search", response=SearchOut)
def api_search(request, params: Query[SearchIn]):
    """Students (name, national student number), schools and cases inside the caller's scope."""
    items = search(request.user, params.q)
    return {"count": len(items), "items": items}


TYPE_LABELS = {"student": _("Students"), "school": _("Schools"), "case": _("Cases")}


@login_required
def search_page(request):
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    items = search(request.user, q)
    groups = []
    for t in ("student", "school", "case"):
        rows = [i for i in items if i["type"] == t]
        if rows:
            groups.append({"type": t, "label": TYPE_LABELS[t], "rows": rows, "full": len(rows) >= PER_TYPE})
    return render(request, "search.html", {"q": q, "groups": groups, "count": len(items), "limit": PER_TYPE})
