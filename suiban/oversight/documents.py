"""Documents in one place (OV-3): per school, the official documents the system produces — the roster (花名册),
each plan in force as Word and print view, the archive index, the yearly statistics — and, per district, a term's
pack of them built in the background (tasks framework) with its progress and downloaded as one .zip."""

import io
import zipfile

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from suiban.core import audit
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.scoping import can, has_perm
from suiban.oversight.models import DocumentPack


def _url(name, *args, query=""):
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return ""


def school_documents(user, school) -> list[dict]:
    """The documents of one school the user may open, each with its address (the pages check access again)."""
    from suiban.iep.models import Plan

    docs = []
    if has_perm(user, "students.export"):
        docs.append({"title": _("Roster (.xlsx)"), "url": f"/api/v1/students/export.xlsx?school={school.pk}"})
    docs.append({"title": _("Archive index"), "url": _url("archives:school", school.pk)})
    docs.append({"title": _("Barrier-free checklist"), "url": _url("oversight:accessibility", school.pk)})
    docs.append({"title": _("Yearly statistics (.xlsx)"),
                 "url": _url("oversight:statistics", query=f"?school_id={school.pk}")})
    # documents of the modules built alongside, where they are installed
    for title, name in ((_("Funds ledger"), "funds:ledger"), (_("Self-assessment and assessment forms"),
                                                              "rooms:assessments")):
        url = _url(name)
        if url:
            docs.append({"title": title, "url": url})
    plans = (Plan.objects.visible_to(user).filter(school=school, state="in_force").select_related("student")
             .order_by("student__grade", "student__name")[:200])
    for p in plans:
        docs.append({"title": _("Individual education plan of %(name)s (.docx)") % {"name": p.student.name},
                     "url": _url("iep:document", p.pk), "print": _url("iep:print", p.pk)})
    return [d for d in docs if d["url"]]


def pack_request(*, actor, region, term) -> DocumentPack:
    """Queue the building of a district's term pack (OV-3); the task runs after the commit."""
    if not can(actor, "oversight.govern", region):
        raise PermissionDenied(_("Your roles do not allow this."))
    if region.level != "district":
        raise DomainError(_("A county plan belongs to a county or district."), field="region")
    with transaction.atomic():
        pack = DocumentPack.objects.create(region=region, region_path=region.path, term=term, requested_by=actor)
        audit.record(actor, "oversight.pack.requested", pack, changes={"term": [None, str(term)]})
        transaction.on_commit(lambda: _enqueue(pack.pk))
    return pack


def _enqueue(pack_id: int):
    from suiban.oversight.tasks import build_pack

    build_pack.enqueue(pack_id)


def build(pack_id: int) -> DocumentPack:
    """Build the pack: per school of the district the roster and the plans in force of the term's school year, and
    the district's statistics, written into one .zip; progress is saved after each school."""
    from suiban.iep.documents import plan_docx
    from suiban.iep.models import Plan
    from suiban.iep.services import export_recorded
    from suiban.org.models import School
    from suiban.oversight import statistics
    from suiban.oversight.dashboard import Scope
    from suiban.students.roster.exports import build_export

    pack = DocumentPack.objects.select_related("region", "term__school_year", "requested_by").get(pk=pack_id)
    actor = pack.requested_by
    schools = list(School.objects.filter(region=pack.region, is_active=True).order_by("code"))
    DocumentPack.objects.filter(pk=pack.pk).update(state="running", total=len(schools), done=0)
    buf = io.BytesIO()
    try:
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            region = pack.region
            zf.writestr(f"{region.name}-统计.xlsx", statistics.workbook(
                actor, Scope("region", region.pk, region.name, region.level, region.path)))
            for i, school in enumerate(schools, start=1):
                folder = f"{school.code}-{school.name}"
                data, _n = build_export(actor, {"school": school.pk})
                zf.writestr(f"{folder}/花名册.xlsx", data)
                for plan in (Plan.objects.filter(school=school, school_year=pack.term.school_year, state="in_force")
                             .select_related("student")):
                    zf.writestr(f"{folder}/个别化教育计划/{plan.student.name}-{plan.pk}.docx", plan_docx(plan))
                    export_recorded(actor=actor, plan=plan, fmt="docx")
                DocumentPack.objects.filter(pk=pack.pk).update(done=i)
        pack.refresh_from_db()
        pack.file.save(f"{pack.region.code}-{pack.term.school_year.name}-{pack.term.number}.zip",
                       ContentFile(buf.getvalue()), save=False)
        pack.state, pack.finished_at = "done", timezone.now()
        pack.save(update_fields=["file", "state", "finished_at"])
    except Exception as exc:  # the page shows that it failed; the log has the traceback
        import logging

        logging.getLogger("suiban.oversight").exception("document pack %s failed", pack_id)
        DocumentPack.objects.filter(pk=pack.pk).update(state="failed", error=str(exc)[:500],
                                                       finished_at=timezone.now())
        pack.refresh_from_db()
    return pack
