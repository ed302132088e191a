"""Pages of the staff module (Chinese, phone-friendly): pools and their filing (ST-1), the bureau's filing
status, staff with training (ST-2, ST-3, ST-7), staffing and incentives (ST-4, ST-5), itinerant visits (ST-6),
working groups (ORG-6). Objects are fetched inside the user's scope (404 outside it); writes call services."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from suiban.core import audit
from suiban.core.views import permission_required
from suiban.staff import selectors


@permission_required("staff.own")
def certificate_download(request, pk):
    """A training certificate scan, only to those who may see the training (SEC-4); audited."""
    t = get_object_or_404(selectors.visible_trainings(request.user).exclude(certificate=""), pk=pk)
    try:
        handle = t.certificate.storage.open(t.certificate.name, "rb")
    except OSError as exc:
        raise Http404 from exc
    audit.record(request.user, "staff.certificate.downloaded", t)
    ext = t.certificate.name.rsplit(".", 1)[-1]
    resp = FileResponse(handle, as_attachment=True, filename=f"certificate-{t.pk}.{ext}",
                        content_type=t.certificate_type)
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, no-store"
    resp["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp
