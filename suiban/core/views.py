from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.api_tools import capped_paginator
from suiban.core.audit_display import VERBS, present
from suiban.core.home import panels_for
from suiban.core.lists import Sorting, put_labels
from suiban.core.models import AuditEvent
from suiban.core.permissions import check_known
from suiban.core.scoping import has_perm


def permission_required(perm: str):
    """Page views declare the permission they need. No role grants it → 403 page (no data shown)."""
    check_known(perm)

    def deco(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not has_perm(request.user, perm):
                return render(request, "403.html", status=403)
            return view(request, *args, **kwargs)

        wrapped.required_permission = perm
        return wrapped

    return deco


INBOX_ON_HOME = 12  # the home page lists the first items; the inbox page lists them all


def inbox_items(user):
    """The user's to-do items, overdue ones first (then by due date, undated last)."""
    from suiban.core.registry import inbox

    return sorted(inbox.items_for(user), key=lambda i: not i.overdue)


@login_required
def home(request):
    """Every home starts with what needs doing (the inbox), then the figures of the panels; a role with a start
    page of its own gets that instead — a guardian, whose only scope is their child, the family's own pages
    (ARCHITECTURE "Pages")."""
    from suiban.core.home import start_page

    own = start_page(request)
    if own is not None:
        return own
    items = inbox_items(request.user)
    return render(request, "core/home.html", {
        "panels": panels_for(request.user), "inbox_items": items[:INBOX_ON_HOME], "inbox_count": len(items),
        "overdue_count": sum(1 for i in items if i.overdue)})


@login_required
def inbox_page(request):
    """The whole to-do list of the signed-in user, each item a link to where it is done."""
    items = inbox_items(request.user)
    return render(request, "core/inbox.html", {"inbox_items": items, "inbox_count": len(items),
                                               "overdue_count": sum(1 for i in items if i.overdue)})


AUDIT_FILTERS = ("actor", "action", "object_type", "object_id", "result", "date_from", "date_to")


def audit_queryset(user, params):
    qs = AuditEvent.objects.visible_to(user).select_related("actor")
    if params.get("actor"):
        qs = qs.filter(actor_username=params["actor"].strip())
    if params.get("action"):
        action = params["action"].strip()
        # A kind of action from the page's list (查看, 导出, …) or the start of an action code (API, exports).
        qs = qs.filter(action__endswith=f".{action}") if action in VERBS else qs.filter(action__startswith=action)
    if params.get("object_type"):
        qs = qs.filter(object_type=params["object_type"].strip())
    if params.get("object_id"):
        qs = qs.filter(object_id=str(params["object_id"]).strip())
    if params.get("result"):
        qs = qs.filter(result=params["result"])
    tz = timezone.get_current_timezone()
    for key, lookup, shift in (("date_from", "at__gte", 0), ("date_to", "at__lt", 1)):
        d = _day(params.get(key))
        if d is not None:
            qs = qs.filter(**{lookup: timezone.datetime(d.year, d.month, d.day, tzinfo=tz)
                              + timezone.timedelta(days=shift)})
    return qs


def _day(value):
    """A filter date, or None for an empty, malformed, impossible or out-of-range one (never a crash)."""
    from datetime import date

    if not value:
        return None
    if isinstance(value, date):
        d = value
    else:
        try:
            d = parse_date(str(value))
        except ValueError:
            return None
    return d if d is not None and 1900 <= d.year <= 2999 else None


def _audited_models():
    from django.apps import apps

    return [m for m in apps.get_models() if m._meta.app_label.startswith(("core", "org", "accounts", "policy",
                                                                          "students", "iep", "staff", "funds",
                                                                          "homebound", "rooms", "oversight"))]


def _type_label(object_type: str):
    for m in _audited_models():
        if m._meta.model_name == object_type:
            return m._meta.verbose_name
    return object_type


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# the log is read newest first or oldest first (the time index serves both); other columns are filters
AUDIT_SORT = Sorting({"at": ("at",)}, default="-at")


@permission_required("audit.view")
def audit_list(request):
    qs, sort = AUDIT_SORT.apply(audit_queryset(request.user, request.GET), request.GET.get("sort"))
    page = capped_paginator(qs, 50).get_page(request.GET.get("page"))  # a year of a province: ~10⁶ rows
    page.object_list = put_labels(present(page.object_list), "result")
    filters = {k: request.GET.get(k, "") for k in AUDIT_FILTERS}
    return render(request, "core/audit_list.html", {
        "page": page, "filters": filters, "results": AuditEvent.RESULT_CHOICES, "sort": sort,
        "action_kinds": [(k, v) for k, v in VERBS.items() if k != "changed"],
        "object_types": sorted(((m._meta.model_name, m._meta.verbose_name) for m in _audited_models()),
                               key=lambda t: str(t[1])),
        "can_export": has_perm(request.user, "audit.export"),
    })


@permission_required("audit.export")
def audit_export(request):
    """The audit administrator exports the filtered log as .xlsx; the export itself is audited (SEC-3). Every
    cell goes through safe_cell: a username like ``=HYPERLINK(…)`` of a failed login stays text, control
    characters of stored rows are dropped (SEC-5)."""
    from openpyxl import Workbook

    from suiban.core.xlsx import safe_row

    qs = AUDIT_SORT.apply(audit_queryset(request.user, request.GET), request.GET.get("sort"))[0][:100000]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Audit log"))
    ws.append([_("time"), _("username"), _("action"), _("object type"), _("object id"), _("object"),
               _("result"), _("client address"), _("changes")])
    count = 0
    results = dict(AuditEvent.RESULT_CHOICES)
    for chunk in _chunks(qs.iterator(chunk_size=2000), 2000):
        for e in present(chunk):
            ws.append(safe_row([
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_username, e.action_label,
                str(_type_label(e.object_type)), e.object_id, e.object_repr, str(results.get(e.result, "")),
                e.client_address, "\n".join(f"{label}：{old} → {new}" for label, old, new in e.change_rows)]))
            count += 1
    audit.record(request.user, "audit.log.exported", object_type="auditevent", object_id="",
                 object_repr=_("Audit log"), changes={"filters": {k: request.GET.get(k, "") for k in AUDIT_FILTERS},
                                                     "rows": count})
    resp = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.xlsx"'
    wb.save(resp)
    return resp


def bad_request(request, exception=None):
    """handler400: a request body over the size limit answers 413 (problem+json on the API, a page elsewhere);
    any other bad request keeps Django's 400."""
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig
    from django.views.defaults import bad_request as default_bad_request

    if isinstance(exception, RequestDataTooBig):
        mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        if request.path.startswith("/api/"):
            from suiban.core.api_tools import problem

            return problem(413, "payload_too_large",
                           detail=_("The request is too large: send at most %(mb)s MB of text.") % {"mb": mb})
        return render(request, "413.html", {"mb": mb}, status=413)
    return default_bad_request(request, exception)
