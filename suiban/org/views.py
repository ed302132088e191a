from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from suiban.core.errors import DomainError, apply_to_form
from suiban.core.lists import put_labels
from suiban.core.scoping import can, get_visible_or_404, has_perm
from suiban.core.views import permission_required
from suiban.org import selectors, services
from suiban.org.forms import CentreForm, RegionForm, SchoolClassForm, SchoolForm, SchoolYearForm, TermForm
from suiban.org.models import Region, ResourceCentre, School, SchoolClass, SchoolYear, Term

PAGE_SIZE = 50


def _sorted(qs, request, allowed, default):
    sort = request.GET.get("sort", default)
    if sort.lstrip("-") not in allowed:
        sort = default
    return qs.order_by(sort, "pk"), sort


def _form_page(request, form, title, crumbs, service, success_url, success_msg):
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            obj = service(data)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, success_msg)
            return redirect(success_url(obj))
    return render(request, "core/form.html", {"form": form, "title": title, "crumbs": crumbs})


def _forbidden(request):
    return render(request, "403.html", status=403)


# --- regions ----------------------------------------------------------------
@permission_required("org.view")
def region_list(request):
    from collections import Counter

    regions = list(Region.objects.visible_to(request.user).select_related("parent"))
    # Count only the schools the user may see, under each region's path (one query).
    per_district = Counter(School.objects.visible_to(request.user).values_list("region_path", flat=True))
    for r in regions:
        r.school_count = sum(n for path, n in per_district.items() if path.startswith(r.path))
    return render(request, "org/region_list.html", {
        "regions": regions, "can_manage": has_perm(request.user, "org.manage_regions")})


@permission_required("org.view")
def region_detail(request, pk):
    region = get_visible_or_404(Region, request.user, pk)
    schools = School.objects.visible_to(request.user).filter(region_path__startswith=region.path)
    return render(request, "org/region_detail.html", {
        "region": region,
        "children": Region.objects.visible_to(request.user).filter(parent=region),
        "school_count": schools.count(),
        "by_kind": selectors.school_counts_by_kind(schools),
        "kinds": School.KIND_CHOICES,
        "centre": ResourceCentre.objects.visible_to(request.user).filter(region=region).first(),
        "can_manage": can(request.user, "org.manage_regions", region),
    })


@permission_required("org.manage_regions")
def region_create(request):
    form = RegionForm(request.POST or None, actor=request.user)
    return _form_page(
        request, form, _("New region"), [(_("Regions"), "org:region_list")],
        lambda d: services.region_create(actor=request.user, code=d["code"], name=d["name"], level=d["level"],
                                         parent=d["parent"], profile=d["profile"]),
        lambda o: f"/org/regions/{o.pk}/",
        _("Region created."))


@permission_required("org.view")
def region_edit(request, pk):
    region = get_visible_or_404(Region, request.user, pk)
    if not can(request.user, "org.manage_regions", region):
        return _forbidden(request)
    form = RegionForm(request.POST or None, instance=region, actor=request.user)
    return _form_page(
        request, form, _("Edit region"), [(_("Regions"), "org:region_list")],
        lambda d: services.region_update(actor=request.user, region=region, version=d.get("version"),
                                         name=d["name"], profile=d["profile"]),
        lambda o: f"/org/regions/{o.pk}/", _("Region saved."))


# --- schools ----------------------------------------------------------------
@permission_required("org.view")
def school_list(request):
    qs = School.objects.visible_to(request.user).select_related("region")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    region_id = request.GET.get("region", "")
    regions = Region.objects.visible_to(request.user)
    if region_id.isdigit():
        region = regions.filter(pk=region_id).first()
        if region is not None:
            qs = qs.filter(region_path__startswith=region.path)
    qs, sort = _sorted(qs, request, {"code", "name", "kind"}, "code")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = put_labels(page.object_list, "kind")
    return render(request, "org/school_list.html", {
        "page": page, "q": q, "kind": kind, "region": region_id, "sort": sort, "kinds": School.KIND_CHOICES,
        "regions": regions, "can_manage": has_perm(request.user, "org.manage_schools"),
    })


@permission_required("org.view")
def school_detail(request, pk):
    school = get_visible_or_404(School.objects.select_related("region"), request.user, pk)
    return render(request, "org/school_detail.html", {
        "school": school,
        "classes": selectors.current_classes(school, request.user),
        "current_year": SchoolYear.current(),
        "centre": ResourceCentre.objects.filter(region=school.region).first(),
        "can_manage": can(request.user, "org.manage_schools", school),
        "can_manage_classes": can(request.user, "org.manage_classes", school),
    })


@permission_required("org.manage_schools")
def school_create(request):
    form = SchoolForm(request.POST or None, actor=request.user)
    fields = ["code", "name", "kind", "region", "address", "phone"]
    return _form_page(
        request, form, _("New school"), [(_("Schools"), "org:school_list")],
        lambda d: services.school_create(actor=request.user, **{k: d[k] for k in fields}),
        lambda o: f"/org/schools/{o.pk}/", _("School created."))


@permission_required("org.view")
def school_edit(request, pk):
    school = get_visible_or_404(School, request.user, pk)
    if not can(request.user, "org.manage_schools", school):
        return _forbidden(request)
    form = SchoolForm(request.POST or None, instance=school, actor=request.user)
    fields = ["name", "kind", "region", "address", "phone", "is_active"]
    return _form_page(
        request, form, _("Edit school"), [(_("Schools"), "org:school_list"), (school.name, None)],
        lambda d: services.school_update(actor=request.user, school=school, version=d.get("version"),
                                         **{k: d[k] for k in fields}),
        lambda o: f"/org/schools/{o.pk}/", _("School saved."))


# --- resource centres -------------------------------------------------------
@permission_required("org.view")
def centre_list(request):
    centres = ResourceCentre.objects.visible_to(request.user).select_related("region")
    return render(request, "org/centre_list.html", {
        "centres": centres, "can_manage": has_perm(request.user, "org.manage_schools")})


@permission_required("org.manage_schools")
def centre_create(request):
    form = CentreForm(request.POST or None, actor=request.user)
    return _form_page(
        request, form, _("New resource centre"), [(_("Resource centres"), "org:centre_list")],
        lambda d: services.centre_create(actor=request.user, region=d["region"], name=d["name"],
                                         address=d["address"], phone=d["phone"]),
        lambda o: "/org/centres/", _("Resource centre created."))


@permission_required("org.view")
def centre_edit(request, pk):
    centre = get_visible_or_404(ResourceCentre, request.user, pk)
    if not can(request.user, "org.manage_schools", centre):
        return _forbidden(request)
    form = CentreForm(request.POST or None, instance=centre, actor=request.user)
    return _form_page(
        request, form, _("Edit resource centre"), [(_("Resource centres"), "org:centre_list")],
        lambda d: services.centre_update(actor=request.user, centre=centre, version=d.get("version"),
                                         name=d["name"], address=d["address"], phone=d["phone"]),
        lambda o: "/org/centres/", _("Resource centre saved."))


# --- classes ----------------------------------------------------------------
@permission_required("org.view")
def class_list(request):
    qs = SchoolClass.objects.visible_to(request.user).select_related("school", "school_year", "class_teacher")
    years = SchoolYear.objects.all()
    year = request.GET.get("year", "")
    current = SchoolYear.current()
    if year.isdigit():
        qs = qs.filter(school_year__start_year=int(year))
    elif current is not None and year != "all":
        year = str(current.start_year)
        qs = qs.filter(school_year=current)
    school_id = request.GET.get("school", "")
    if school_id.isdigit():
        qs = qs.filter(school_id=int(school_id))
    grade = request.GET.get("grade", "")
    if grade.isdigit():
        qs = qs.filter(grade=int(grade))
    qs, sort = _sorted(selectors.classes_with_inclusion_count(qs), request, {"school__code", "grade", "name"},
                       "school__code")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "org/class_list.html", {
        "page": page, "years": years, "year": year, "school": school_id, "grade": grade, "sort": sort,
        "schools": School.objects.visible_to(request.user).only("id", "name", "code"), "grades": range(1, 10),
        "can_manage": has_perm(request.user, "org.manage_classes"),
    })


@permission_required("org.manage_classes")
def class_create(request):
    initial = {"school_year": SchoolYear.current()}
    if request.GET.get("school", "").isdigit():
        initial["school"] = request.GET["school"]
    form = SchoolClassForm(request.POST or None, actor=request.user, initial=initial)
    return _form_page(
        request, form, _("New class"), [(_("Classes"), "org:class_list")],
        lambda d: services.class_create(actor=request.user, school=d["school"], school_year=d["school_year"],
                                        grade=d["grade"], name=d["name"], kind=d["kind"],
                                        class_teacher=d["class_teacher"]),
        lambda o: f"/org/schools/{o.school_id}/", _("Class created."))


@permission_required("org.view")
def class_edit(request, pk):
    sc = get_visible_or_404(SchoolClass, request.user, pk)
    if not can(request.user, "org.manage_classes", sc):
        return _forbidden(request)
    form = SchoolClassForm(request.POST or None, instance=sc, actor=request.user)
    return _form_page(
        request, form, _("Edit class"), [(_("Classes"), "org:class_list"), (str(sc), None)],
        lambda d: services.class_update(actor=request.user, school_class=sc, version=d.get("version"),
                                        grade=d["grade"], name=d["name"], kind=d["kind"],
                                        class_teacher=d["class_teacher"]),
        lambda o: f"/org/schools/{o.school_id}/", _("Class saved."))


# --- school years -----------------------------------------------------------
@permission_required("org.view")
def year_list(request):
    years = SchoolYear.objects.prefetch_related("terms")
    return render(request, "org/year_list.html", {
        "years": years, "current": SchoolYear.current(), "can_manage": has_perm(request.user, "org.manage_regions")})


@permission_required("org.manage_regions")
def year_create(request):
    form = SchoolYearForm(request.POST or None)
    return _form_page(
        request, form, _("New school year"), [(_("School years"), "org:year_list")],
        lambda d: services.school_year_create(actor=request.user, start_year=d["start_year"]),
        lambda o: "/org/years/", _("School year created."))


@permission_required("org.manage_regions")
def term_edit(request, pk):
    term = Term.objects.filter(pk=pk).select_related("school_year").first()
    if term is None:
        from django.http import Http404

        raise Http404
    form = TermForm(request.POST or None, instance=term)
    return _form_page(
        request, form, _("Edit term dates"), [(_("School years"), "org:year_list"), (str(term), None)],
        lambda d: services.term_update(actor=request.user, term=term, start_date=d["start_date"],
                                       end_date=d["end_date"]),
        lambda o: "/org/years/", _("Term saved."))
