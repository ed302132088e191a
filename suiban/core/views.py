from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.home import panels_for
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


@login_required
def home(request):
    return render(request, "core/home.html", {"panels": panels_for(request.user)})


AUDIT_FILTERS = ("actor", "action", "object_type", "object_id", "result", "date_from", "date_to")


def audit_queryset(user, params):
    qs = AuditEvent.objects.visible_to(user).select_related("actor")
    if params.get("actor"):
        qs = qs.filter(actor_username=params["actor"].strip())
    if params.get("action"):
        qs = qs.filter(action__startswith=params["action"].strip())
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


@permission_required("audit.view")
def audit_list(request):
    qs = audit_queryset(request.user, request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    filters = {k: request.GET.get(k, "") for k in AUDIT_FILTERS}
    return render(request, "core/audit_list.html", {
        "page": page, "filters": filters, "results": AuditEvent.RESULT_CHOICES,
        "can_export": has_perm(request.user, "audit.export"),
    })


@permission_required("audit.export")
def audit_export(request):
    """The audit administrator exports the filtered log as .xlsx; the export itself is audited (SEC-3)."""
    from openpyxl import Workbook

    qs = audit_queryset(request.user, request.GET)[:100000]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Audit log"))
    ws.append([_("time"), _("username"), _("action"), _("object type"), _("object id"), _("object"),
               _("result"), _("client address"), _("changes")])
    import json

    count = 0
    for e in qs.iterator(chunk_size=2000):
        ws.append([timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_username, e.action,
                   e.object_type, e.object_id, e.object_repr, e.result, e.client_address,
                   json.dumps(e.changes, ensure_ascii=False) if e.changes else ""])
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
