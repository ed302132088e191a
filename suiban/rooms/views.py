"""Pages of resource rooms and their assessment: rooms, rounds with every school's totals and grades, the
self-assessment with the proposals from the evidence, panel scoring, the print view and the plaque list."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from suiban import policy
from suiban.core.errors import DomainError, PermissionDenied
from suiban.core.lists import Sorting
from suiban.core.scoping import can, get_visible_or_404, has_perm
from suiban.core.views import permission_required
from suiban.org.models import School
from suiban.rooms import documents, selectors, services
from suiban.rooms.forms import RoomForm, RoundForm, equipment_text
from suiban.rooms.models import EQUIPMENT_CATEGORIES, ZONES, Assessment, Room, Round
from suiban.staff.models import StaffMember


def _forbidden(request):
    return render(request, "403.html", status=403)


def _may_edit(user, room) -> bool:
    """The owning school's staff and the bureau change a room; a school it serves only sees it."""
    return Room.objects.filter(pk=room.pk).in_own_scope(user, "rooms.edit").exists()


def _room_form(request, data=None, initial=None, room=None):
    schools = School.objects.visible_to(request.user, "rooms.edit").exclude(kind="special")
    if room is not None:
        schools = schools.filter(pk=room.school_id)
        staff = StaffMember.objects.filter(school=room.school, is_active=True)
        served = schools.model.objects.visible_to(request.user, "rooms.edit").filter(
            region_id=room.school.region_id).exclude(pk=room.school_id)
    else:
        staff = StaffMember.objects.visible_to(request.user).filter(school__in=schools, is_active=True)
        served = schools
    return RoomForm(data, initial=initial, schools=schools, staff=staff, served=served)


def _apply(form, exc: DomainError):
    placed = False
    for e in exc.errors or []:
        f = form.map_error_field(e.get("field"))
        if f and f in form.fields:
            form.add_error(f, str(e["message"]))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def _room_values(form) -> dict:
    c = form.cleaned_data
    return {k: c[k] for k in ("name", "use", "door_sign", "area_m2", "floor", "accessible", "safety_measures",
                              "zones", "zones_labelled", "opening_hours", "timetable", "staff_posted",
                              "service_process", "use_records")} | {
        "equipment": form.equipment_items(), "staff_ids": [s.pk for s in c["staff"]],
        "serves_school_ids": [s.pk for s in c["serves"]]}


ROOM_SORT = Sorting({"school": ("school__code",), "use": ("use", "school__code"), "area": ("area_m2",),
                     "floor": ("floor", "school__code")}, default="school")


@permission_required("rooms.view")
def room_list(request):
    rooms, sort = ROOM_SORT.apply(selectors.rooms(request.user), request.GET.get("sort"))
    return render(request, "rooms/room_list.html", {
        "title": _("Resource rooms"), "rooms": rooms, "sort": sort, "may_edit": has_perm(request.user, "rooms.edit")})


@permission_required("rooms.edit")
def room_create(request):
    form = _room_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = _room_values(form)
        if not values["serves_school_ids"]:
            values.pop("serves_school_ids")
        try:
            room = services.room_create(actor=request.user, school=form.cleaned_data["school"], **values)
        except DomainError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The resource room is recorded."))
            return redirect("rooms:room_detail", room.pk)
    return render(request, "rooms/room_form.html", {"title": _("Record a resource room"), "form": form})


@permission_required("rooms.view")
def room_detail(request, pk):
    room = get_visible_or_404(selectors.rooms(request.user), request.user, pk)

    return render(request, "rooms/room_detail.html", {
        "title": str(room), "room": room, "may_edit": _may_edit(request.user, room),
        "min_area": policy.value(room.school, "resource_room_min_area"),
        "zone_labels": [label for code, label in ZONES if code in room.zones],
        "categories": dict(EQUIPMENT_CATEGORIES)})


@permission_required("rooms.view")
def room_edit(request, pk):
    room = get_visible_or_404(selectors.rooms(request.user), request.user, pk)
    if not _may_edit(request.user, room):
        return _forbidden(request)
    initial = {f: getattr(room, f) for f in ("name", "use", "door_sign", "area_m2", "floor", "accessible",
                                             "safety_measures", "zones", "zones_labelled", "opening_hours",
                                             "timetable", "staff_posted", "service_process", "use_records")}
    initial |= {"school": room.school, "staff": list(room.staff.all()), "serves": list(room.serves.all()),
                "equipment": equipment_text(room.equipment)}
    form = _room_form(request, request.POST or None, initial=initial, room=room)
    if request.method == "POST" and form.is_valid():
        values = _room_values(form)
        if not School.objects.visible_to(request.user, "rooms.edit").exclude(pk=room.school_id).exists():
            values.pop("serves_school_ids")  # a school cannot see the district's other schools: kept as planned
        try:
            services.room_update(actor=request.user, room=room, version=int(request.POST.get("version") or 0),
                                 **values)
        except DomainError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The resource room is saved."))
            return redirect("rooms:room_detail", room.pk)
    return render(request, "rooms/room_form.html", {"title": _("Edit the resource room"), "form": form,
                                                    "room": room})


# --- assessment -------------------------------------------------------------------------------------------
@permission_required("assessment.view")
def round_list(request):
    rounds = list(Round.objects.visible_to(request.user).select_related("region", "school_year"))
    mine = list(selectors.assessments(request.user).filter(round__in=rounds)) if rounds else []
    return render(request, "rooms/round_list.html", {"title": _("Resource-room assessment"), "rounds": rounds,
                                                     "assessments": mine,
                                                     "may_open": has_perm(request.user, "assessment.manage")})


def _scorers(regions):
    """Active accounts whose role may score, assigned within (or above) the districts the bureau manages."""
    from django.db.models import Q

    from suiban.accounts.models import User
    from suiban.core.permissions import ROLES

    roles = [code for code, r in ROLES.items() if "assessment.score" in r.permissions]
    paths = [r.path for r in regions]
    near = Q()
    for p in paths:
        near |= Q(role_assignments__region__path__startswith=p)
    return (User.objects.filter(is_active=True, role_assignments__role__in=roles,
                                role_assignments__revoked_at__isnull=True).filter(near).distinct()
            .order_by("full_name", "username") if paths else User.objects.none())


@permission_required("assessment.manage")
def round_create(request):
    from suiban.org.models import Region, SchoolYear

    regions = Region.objects.visible_to(request.user, "assessment.manage").filter(level=Region.DISTRICT)
    form = RoundForm(request.POST or None, regions=regions, scorers=_scorers(list(regions)))
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            rnd = services.round_open(actor=request.user, region=c["region"], school_year=SchoolYear.current(),
                                      name=c["name"], panel_leader_id=c["panel_leader"].pk,
                                      panel_member_ids=[u.pk for u in c["panel_members"]], self_due=c["self_due"],
                                      with_inspection=c["with_inspection"])
        except DomainError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("The round is open; every school of the district has its self-assessment."))
            return redirect("rooms:round_detail", rnd.pk)
    return render(request, "rooms/round_form.html", {"title": _("Open an assessment round"), "form": form})


@permission_required("assessment.view")
def round_detail(request, pk):
    rnd = get_visible_or_404(Round.objects.select_related("region", "school_year", "panel_leader"), request.user, pk)
    rows = selectors.overview(rnd, request.user)
    counts = [(label, sum(1 for a in rows if a.grade == g)) for g, label in Assessment.GRADE_CHOICES]
    return render(request, "rooms/round_detail.html", {
        "title": rnd.name, "round": rnd, "rows": rows, "counts": counts,
        "panel": [rnd.panel_leader, *rnd.panel_members.all()] if rnd.panel_leader else list(rnd.panel_members.all()),
        "plaques": [a for a in rows if a.grade == Assessment.EXEMPLARY]})


@permission_required("assessment.view")
def plaque_list(request):
    return render(request, "rooms/plaques.html", {"title": _("Plaques of exemplary schools"),
                                                  "rows": selectors.plaques(request.user)})


def _assessment(request, pk):
    return get_visible_or_404(selectors.assessments(request.user), request.user, pk)


def _lines_view(a: Assessment):
    lmap = selectors.lines_of(a.round)
    out = []
    for it in a.items.all():
        ln = lmap.get(it.code)
        diff = it.self_score - it.proposed_score if it.self_score is not None and it.proposed_score is not None \
            else None
        out.append({"item": it, "line": ln, "difference": diff,
                    "allowed": [v.quantize(Decimal("0.1")) for v in ln.allowed()] if ln else []})
    return out


@permission_required("assessment.view")
def assessment_detail(request, pk):
    a = _assessment(request, pk)
    school_side = a.state in (Assessment.SELF,) and can(request.user, "assessment.self", a)
    panel_side = a.state == Assessment.PANEL and has_perm(request.user, "assessment.score") \
        and a.round.on_panel(request.user)
    rows = _lines_view(a)
    groups = []
    for r in rows:
        ln = r["line"]
        key = ln.indicator_code if ln else ""
        if not groups or groups[-1]["code"] != key:
            groups.append({"code": key, "name": ln.indicator_name if ln else "",
                           "points": ln.indicator_points if ln else "", "area": ln.area_name if ln else "",
                           "rows": []})
        groups[-1]["rows"].append(r)
    return render(request, "rooms/assessment_detail.html", {
        "title": f"{a.school.name} · {a.round.name}", "a": a, "groups": groups,
        "school_side": school_side, "panel_side": panel_side,
        "rectifying": a.state == Assessment.RECTIFICATION and can(request.user, "assessment.self", a),
        "steps": services.steps_for(request.user, a),
        "skipped": services.skipped_carry_over(a),
        "events": [(e, dict(Assessment.STATE_CHOICES).get(e.to_state, "")) for e in a.events.all()]})


def _action(request, pk, fn, success):
    """Look up in scope, call the service, 403 for a role without any assessment permission, else flash and
    go back to the assessment."""
    a = _assessment(request, pk)
    try:
        fn(a)
    except PermissionDenied:
        return _forbidden(request)
    except DomainError as exc:
        for e in exc.errors or [{"message": exc.message}]:
            messages.error(request, str(e["message"]))
    else:
        messages.success(request, success)
    return redirect("rooms:assessment_detail", a.pk)


def _version(request):
    v = request.POST.get("version")
    return int(v) if v and v.isdigit() else None


@require_POST
@permission_required("assessment.view")
def assessment_scores(request, pk):
    def run(a):
        items = []
        for it in a.items.all():
            row = {"code": it.code}
            for field in ("self_score", "self_note", "panel_score", "deduction_reason"):
                key = f"{field}_{it.code}"
                if key in request.POST:
                    row[field] = request.POST[key]
            if len(row) > 1:
                items.append(row)
        services.scores_put(actor=request.user, assessment=a, items=items, version=_version(request))
    return _action(request, pk, run, _("The scores are saved."))


@require_POST
@permission_required("assessment.view")
def assessment_report(request, pk):
    fields = (*services.REPORT_FIELDS, *services.PANEL_FIELDS, "rectification_report")

    def run(a):
        values = {f: request.POST[f] for f in fields if f in request.POST}
        services.assessment_update(actor=request.user, assessment=a, version=_version(request), **values)
    return _action(request, pk, run, _("Saved."))


@require_POST
@permission_required("assessment.view")
def assessment_transition(request, pk):
    def run(a):
        services.transition(actor=request.user, assessment=a, to=request.POST.get("to", ""),
                            note=request.POST.get("note", ""), version=_version(request))
    return _action(request, pk, run, _("The assessment has moved on."))


@require_POST
@permission_required("assessment.view")
def assessment_refresh(request, pk):
    return _action(request, pk, lambda a: services.proposals_refresh(actor=request.user, assessment=a),
                   _("The proposals are recomputed from today's records."))


@require_POST
@permission_required("assessment.view")
def assessment_photo(request, pk):
    def run(a):
        services.photo_attach(actor=request.user, assessment=a, code=request.POST.get("code", ""),
                              upload=request.FILES.get("photo"))
    return _action(request, pk, run, _("The photo is added."))


@permission_required("assessment.view")
def assessment_print(request, pk):
    a = _assessment(request, pk)
    return render(request, "rooms/assessment_print.html", {"title": _("Score sheet"), "a": a,
                                                           "d": documents.gather(a)})
