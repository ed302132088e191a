"""The roster import page (PL-13): upload form, template link, the error table or the counts."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from suiban.core.errors import DomainError
from suiban.core.views import permission_required
from suiban.students.roster.columns import MAX_BYTES, MAX_ROWS
from suiban.students.roster.imports import import_roster


@permission_required("students.import")
def import_page(request):
    ctx = {
        "title": _("Import students"),
        "crumbs": [(_("Student roster"), "students:list")],
        "max_mb": MAX_BYTES // (1024 * 1024),
        "max_rows": MAX_ROWS,
    }
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            ctx["error"] = _("Choose a file to upload.")
            ctx["errors"] = []
            status = 422
        else:
            try:
                ctx["result"] = import_roster(actor=request.user, upload=upload)
            except DomainError as exc:
                ctx["error"] = exc.message
                ctx["errors"] = [e for e in exc.errors if e.get("row") is not None or e.get("column")]
                status = 422 if exc.status == 422 else exc.status
            ctx["filename"] = upload.name
    return render(request, "students/import.html", ctx, status=status)
