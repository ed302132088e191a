"""Pages of the records oversight keeps: the census and its follow-up (PL-14), enrolment refusals (PL-15), the
barrier-free checklist (OV-5), the archive-custody table of the county centre (AR-4), governance records (OV-6) and
activities (OV-4). Reads start from ``visible_to``; writes go through ``suiban.oversight.services``."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from suiban.core.errors import DomainError, PermissionDenied, apply_to_form
from suiban.core.scoping import can, get_visible_or_404, has_perm
from suiban.core.views import permission_required
from suiban.oversight import census, services
from suiban.oversight.forms import (
    AccessibilityForm,
    ActivityForm,
    CensusImportForm,
    CustodianForm,
    DecisionForm,
    DesignatedSchoolForm,
    FollowUpForm,
    GovernanceForm,
    RefusalForm,
)
from suiban.oversight.models import (
    ACCESSIBILITY_ITEMS,
    AccessibilityItem,
    Activity,
    ArchiveCustodian,
    CensusChild,
    DesignatedSchool,
    EnrolmentRefusal,
    GovernanceRecord,
)


def _forbidden(request):
    return render(request, "403.html", status=403)


def _districts(user, perm):
    from suiban.org.models import Region

    return list(Region.objects.visible_to(user, perm).filter(level=Region.DISTRICT).order_by("code"))


# --- census (PL-14) ---------------------------------------------------------------------------------------------
@permission_required("oversight.census")
def census_list(request):
    districts = _districts(request.user, "oversight.census")
    form = CensusImportForm(request.POST or None, request.FILES or None)
    region = None
    rid = request.POST.get("region") or request.GET.get("region") or ""
    if rid.isdigit():
        region = next((d for d in districts if d.pk == int(rid)), None)
        if region is None:
            raise Http404
    elif len(districts) == 1:
        region = districts[0]
    if request.method == "POST":
        if region is None:
            form.add_error(None, _("Choose a county or district."))
        elif form.is_valid():
            try:
                result = census.census_import(actor=request.user, region=region, source=form.cleaned_data["source"],
                                              upload=form.cleaned_data["file"])
            except PermissionDenied:
                return _forbidden(request)
            except DomainError as exc:
                for e in exc.errors:
                    where = _("row %(row)s, column %(col)s: ") % {"row": e["row"], "col": e["column"]} \
                        if e.get("row") else ""
                    form.add_error(None, f"{where}{e['message']}")
            else:
                messages.success(request, _("%(new)d children added, %(matched)d of them on a school's register; "
                                            "%(known)d were already known.")
                                 % {"new": result.created, "matched": result.matched, "known": result.known})
                return redirect(f"{request.path}?region={region.pk}")
    qs = CensusChild.objects.visible_to(request.user, "oversight.census").select_related("student__school")
    if region is not None:
        qs = qs.filter(region=region)
    state = request.GET.get("state", "not_in_school")
    if state:
        qs = qs.filter(state=state)
    return render(request, "oversight/census_list.html", {
        "rows": list(qs.order_by("follow_up_due", "name")[:500]), "count": qs.count(), "form": form,
        "districts": districts, "region": region, "state": state,
        "can_import": region is not None and can(request.user, "oversight.census", region),
        "title": _("Census of children with disabilities")})


@permission_required("oversight.census")
def census_detail(request, pk):
    child = get_visible_or_404(CensusChild, request.user, pk, "oversight.census")
    form = FollowUpForm(request.POST or None, initial={"state": child.state, "follow_up_person":
                                                       child.follow_up_person, "follow_up_due": child.follow_up_due,
                                                       "note": child.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.census_follow_up(actor=request.user, child=child, version=int(request.POST.get("version") or 0)
                                      or None, **form.cleaned_data)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect("oversight:census_detail", pk=child.pk)
    return render(request, "oversight/census_detail.html", {
        "child": child, "form": form, "suggested": services.suggest_schools(child),
        "refusals": child.refusals.order_by("-refused_on"), "title": child.name})


# --- enrolment refusals (PL-15) -----------------------------------------------------------------------------------
@permission_required("oversight.view")
def refusal_list(request):
    from suiban.org.models import School

    qs = EnrolmentRefusal.objects.visible_to(request.user).select_related("school", "child")
    schools = list(School.objects.visible_to(request.user, "oversight.record").order_by("code")[:300])
    form = RefusalForm(request.POST or None)
    if request.method == "POST":
        if not has_perm(request.user, "oversight.record"):
            return _forbidden(request)
        sid = request.POST.get("school", "")
        school = next((s for s in schools if str(s.pk) == sid), None)
        if school is None:
            form.add_error(None, _("Choose a school."))
        elif form.is_valid():
            try:
                services.refusal_record(actor=request.user, school=school, **form.cleaned_data)
            except DomainError as exc:
                apply_to_form(form, exc)
            else:
                messages.success(request, _("Refusal recorded; the bureau sees it."))
                return redirect("oversight:refusals")
    return render(request, "oversight/refusal_list.html", {
        "rows": list(qs[:500]), "form": form, "schools": schools, "decision_form": DecisionForm(),
        "can_decide": any(can(request.user, "oversight.census", r) for r in qs[:1]),
        "title": _("Enrolment refusals")})


@require_POST
@permission_required("oversight.view")
def refusal_decide(request, pk):
    refusal = get_visible_or_404(EnrolmentRefusal, request.user, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        services.refusal_decide(actor=request.user, refusal=refusal, version=refusal.version,
                                decision=form.cleaned_data.get("decision", ""))
    except PermissionDenied:
        return _forbidden(request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("oversight:refusals")


# --- designated schools (PL-15) ------------------------------------------------------------------------------
DESIGNATED_PAGE_SIZE = 50


def _designate(request, form, school, version=None) -> bool:
    """The bureau's write through ``services.school_designate``; True once saved (the caller redirects)."""
    return _save_record(request, form, school, _("Choose a school."),
                        lambda: services.school_designate(actor=request.user, school=school, version=version,
                                                          **form.cleaned_data),
                        _("Designated school saved."))


@permission_required("oversight.view")
def designated_list(request):
    """PL-15: the designated schools in the caller's scope, filtered by district, disability category and name;
    the bureau names another one here."""
    from django.core.paginator import Paginator

    from suiban.org.models import Region, School
    from suiban.students.models import CATEGORY_CHOICES

    form = DesignatedSchoolForm(request.POST or None)
    if request.method == "POST":
        if not has_perm(request.user, "oversight.govern"):
            return _forbidden(request)
        sid = request.POST.get("school", "")
        school = School.objects.visible_to(request.user, "oversight.govern").filter(pk=sid).first() \
            if sid.isdigit() and len(sid) < 12 else None
        if _designate(request, form, school):
            return redirect("oversight:designated_detail",
                            pk=DesignatedSchool.objects.only("pk").get(school=school).pk)
    districts = list(Region.objects.visible_to(request.user, "oversight.view").filter(level=Region.DISTRICT)
                     .only("id", "name").order_by("code"))
    filters = {k: request.GET.get(k, "").strip() for k in ("region", "category", "q")}
    qs = DesignatedSchool.objects.visible_to(request.user).select_related("school__region")
    if filters["region"]:
        region = next((d for d in districts if str(d.pk) == filters["region"]), None)
        if region is None:
            raise Http404
        qs = qs.filter(school__region=region)
    if filters["category"] in dict(CATEGORY_CHOICES):
        # an empty list means every category; the codes are matched quoted in the stored list (any database)
        qs = qs.filter(Q(categories__icontains=f'"{filters["category"]}"') | Q(categories=[]))
    if filters["q"]:
        qs = qs.filter(school__name__icontains=filters["q"][:50])
    page = Paginator(qs.order_by("school__code"), DESIGNATED_PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(CATEGORY_CHOICES)
    for d in page.object_list:
        d.category_labels = [labels.get(c, c) for c in d.categories]
    can_govern = has_perm(request.user, "oversight.govern")
    designated = DesignatedSchool.objects.values("school_id")
    schools = list(School.objects.visible_to(request.user, "oversight.govern").filter(is_active=True)
                   .exclude(kind="special").exclude(pk__in=designated).only("id", "name", "code")
                   .order_by("code")[:300]) if can_govern else []
    return render(request, "oversight/designated_list.html", {
        "page": page, "rows": page.object_list, "count": page.paginator.count, "filters": filters,
        "districts": districts if len(districts) > 1 else [], "categories": CATEGORY_CHOICES,
        "form": form, "schools": schools, "can_govern": can_govern, "title": _("Designated schools")})


@permission_required("oversight.view")
def designated_detail(request, pk):
    """PL-15: one designated school — what it takes, since when, its students of those categories and the children
    of the district's census who wait for a place; the bureau changes it here."""
    from django.db.models import Count

    from suiban.students.models import ACTIVE_STATUSES, CATEGORY_CHOICES, Student

    d = get_visible_or_404(DesignatedSchool.objects.select_related("school__region"), request.user, pk)
    school = d.school
    can_govern = can(request.user, "oversight.govern", school)
    form = DesignatedSchoolForm(request.POST or None, initial={
        "categories": d.categories, "designated_on": d.designated_on, "note": d.note})
    if request.method == "POST":
        if not can_govern:
            return _forbidden(request)
        version = request.POST.get("version", "")
        if _designate(request, form, school, int(version) if version.isdigit() and len(version) < 10 else None):
            return redirect("oversight:designated_detail", pk=d.pk)
    labels = dict(CATEGORY_CHOICES)
    wanted = d.categories or list(labels)
    counts = dict(Student.objects.filter(school=school, status__in=ACTIVE_STATUSES, disability_category__in=wanted)
                  .values_list("disability_category").annotate(n=Count("id")).order_by())
    students = [(labels[c], counts.get(c, 0)) for c in wanted if c in labels]
    waiting = None
    if can(request.user, "oversight.census", school.region):
        waiting = CensusChild.objects.visible_to(request.user, "oversight.census").filter(
            region_id=school.region_id, state="not_in_school", disability_category__in=wanted).count()
    return render(request, "oversight/designated_detail.html", {
        "d": d, "school": school, "category_labels": [labels.get(c, c) for c in d.categories],
        "students": students, "waiting": waiting, "form": form, "can_govern": can_govern,
        "title": school.name})


# --- barrier-free checklist (OV-5) and archive custody (AR-4) -------------------------------------------------
@permission_required("oversight.view")
def accessibility(request, school_id):
    from suiban.org.models import School

    school = get_visible_or_404(School, request.user, school_id, "oversight.view")
    form = AccessibilityForm(request.POST or None)
    if request.method == "POST":
        if not can(request.user, "oversight.record", school):
            return _forbidden(request)
        if form.is_valid():
            try:
                services.accessibility_set(actor=request.user, school=school, **form.cleaned_data)
            except DomainError as exc:
                apply_to_form(form, exc)
            else:
                messages.success(request, _("Checklist saved."))
                return redirect("oversight:accessibility", school_id=school.pk)
    recorded = {i.item: i for i in AccessibilityItem.objects.visible_to(request.user).filter(school=school)}
    rows = [(code, label, recorded.get(code)) for code, label in ACCESSIBILITY_ITEMS]
    return render(request, "oversight/accessibility.html", {
        "school": school, "rows": rows, "form": form, "can_edit": can(request.user, "oversight.record", school),
        "title": _("Barrier-free checklist")})


@permission_required("oversight.view")
def archive_custody(request):
    """AR-4: every school's archive completeness (AR-1 students, AR-2 sections) and its custodian in one table."""
    from suiban.org.models import School, SchoolYear
    from suiban.students.archives import services as archives
    from suiban.students.models import SCHOOL_ARCHIVE_SECTIONS

    schools = list(School.objects.visible_to(request.user, "oversight.view").order_by("code")[:500])
    ids = [s.pk for s in schools]
    completeness = archives.schools_with_completeness(request.user, ids)
    sections = archives.sections_done(request.user, ids, SchoolYear.current())
    custodians = {c.school_id: c for c in ArchiveCustodian.objects.visible_to(request.user).filter(school_id__in=ids)}
    rows = [{"school": s, "c": completeness.get(s.pk), "sections": sections.get(s.pk, 0),
             "custodian": custodians.get(s.pk)} for s in schools]
    return render(request, "oversight/archive_custody.html", {
        "rows": rows, "n_items": len(archives.ITEM_NUMBERS), "n_sections": len(SCHOOL_ARCHIVE_SECTIONS),
        "title": _("Archive custody")})


@permission_required("oversight.record")
def custodian_edit(request, school_id):
    from suiban.org.models import School

    school = get_visible_or_404(School, request.user, school_id, "oversight.record")
    current = ArchiveCustodian.objects.filter(school=school).first()
    form = CustodianForm(request.POST or None, initial={
        "name": current.name, "phone": current.phone, "cabinet": current.cabinet,
        "appointed_on": current.appointed_on} if current else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.custodian_set(actor=request.user, school=school, **form.cleaned_data)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, _("Custodian saved."))
            return redirect("oversight:archive_custody")
    return render(request, "oversight/custodian_form.html", {"school": school, "form": form,
                                                             "title": _("Archive custodian")})


# --- governance (OV-6) and activities (OV-4) ------------------------------------------------------------------
def _save_record(request, form, subject, missing_subject, save, done) -> bool:
    """The shape every record form shares: the subject chosen in scope, the form valid, the service's field errors
    shown next to the fields; True once saved (the caller redirects)."""
    if subject is None:
        form.add_error(None, missing_subject)
        return False
    if not form.is_valid():
        return False
    try:
        save()
    except DomainError as exc:
        apply_to_form(form, exc)
        return False
    messages.success(request, done)
    return True


@permission_required("oversight.view")
def governance(request):
    districts = _districts(request.user, "oversight.govern")
    form = GovernanceForm(request.POST or None)
    if request.method == "POST":
        if not has_perm(request.user, "oversight.govern"):
            return _forbidden(request)
        region = next((d for d in districts if str(d.pk) == request.POST.get("region", "")), None)
        if _save_record(request, form, region, _("Choose a county or district."),
                        lambda: services.governance_record(actor=request.user, region=region, **form.cleaned_data),
                        _("Record saved.")):
            return redirect("oversight:governance")
    rows = GovernanceRecord.objects.visible_to(request.user).select_related("region")[:300]
    return render(request, "oversight/governance.html", {"rows": rows, "form": form, "districts": districts,
                                                         "title": _("County plan and joint meetings")})


@permission_required("oversight.view")
def activities(request):
    from suiban.org.models import School

    schools = list(School.objects.visible_to(request.user, "oversight.record").order_by("code")[:300])
    form = ActivityForm(request.POST or None)
    if request.method == "POST":
        if not has_perm(request.user, "oversight.record"):
            return _forbidden(request)
        school = next((s for s in schools if str(s.pk) == request.POST.get("school", "")), None)
        if _save_record(request, form, school, _("Choose a school."),
                        lambda: services.activity_record(actor=request.user, school=school, **form.cleaned_data),
                        _("Activity recorded.")):
            return redirect("oversight:activities")
    rows = Activity.objects.visible_to(request.user).select_related("school")[:300]
    return render(request, "oversight/activities.html", {"rows": rows, "form": form, "schools": schools,
                                                         "title": _("Activities")})


# --- documents in one place and the district's term pack (OV-3) -----------------------------------------------
@permission_required("oversight.view")
def documents(request):
    from suiban.org.models import School, Term
    from suiban.oversight import documents as docs
    from suiban.oversight.models import DocumentPack

    schools = list(School.objects.visible_to(request.user, "oversight.view").order_by("code")[:300])
    sid = request.GET.get("school_id", "")
    school = next((s for s in schools if str(s.pk) == sid), None) if sid else (schools[0] if len(schools) == 1
                                                                               else None)
    if sid and school is None:
        raise Http404
    districts = _districts(request.user, "oversight.govern")
    if request.method == "POST":
        if not has_perm(request.user, "oversight.govern"):
            return _forbidden(request)
        region = next((d for d in districts if str(d.pk) == request.POST.get("region", "")), None)
        term = Term.objects.filter(pk=request.POST.get("term") or 0).first() \
            if (request.POST.get("term") or "").isdigit() else None
        if region is None or term is None:
            messages.error(request, _("Choose a district and a term."))
        else:
            pack = docs.pack_request(actor=request.user, region=region, term=term)
            messages.success(request, _("The pack is being built; this page shows its progress."))
            return redirect("oversight:pack", pk=pack.pk)
    return render(request, "oversight/documents.html", {
        "schools": schools, "school": school,
        "documents": docs.school_documents(request.user, school) if school else [],
        "districts": districts, "terms": Term.objects.select_related("school_year").order_by("-start_date")[:6],
        "packs": DocumentPack.objects.visible_to(request.user).select_related("region", "term__school_year")[:20],
        "title": _("Documents")})


@permission_required("oversight.view")
def pack_detail(request, pk):
    from suiban.oversight.models import DocumentPack

    pack = get_visible_or_404(DocumentPack.objects.select_related("region", "term__school_year"), request.user, pk)
    template = "oversight/_pack_progress.html" if request.htmx else "oversight/pack.html"
    return render(request, template, {"pack": pack, "title": _("Term pack of documents")})


@permission_required("oversight.view")
def pack_download(request, pk):
    from django.http import FileResponse

    from suiban.core import audit
    from suiban.oversight.models import DocumentPack

    pack = get_visible_or_404(DocumentPack.objects.select_related("region", "term__school_year"), request.user, pk)
    if pack.state != "done" or not pack.file:
        raise Http404
    audit.record(request.user, "oversight.pack.downloaded", pack)
    name = f"{pack.region.name}-{pack.term.school_year.name}-{pack.term.number}.zip"
    return FileResponse(pack.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip")
