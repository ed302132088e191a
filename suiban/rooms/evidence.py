"""Rubric evidence from the resource room's facts (RR-7 ← RR-2): lines 4.1, 4.2, 5.1, 6.1–6.4, 7.1–7.2, 8.1–8.4.

Each provider looks at the room the school has (its own active room, a dedicated one first) or, failing that, a
room that serves it (a shared room planned by the bureau, RR-1), and proposes the score the facts support with
the reasoning in words. The school and the panel decide; the proposal stays on record beside their scores."""

from decimal import Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from suiban import policy
from suiban.core import runmemo
from suiban.core.registry import Evidence, evidence
from suiban.rooms.models import EQUIPMENT_CATEGORIES, ZONES, Room


def room_for(school) -> Room | None:
    """The school's own room (dedicated first), else one that serves it — read once while the proposals of a
    school are computed (``services.compute_proposals``), however many lines look at the room."""
    def read():
        rooms = list(Room.objects.filter(Q(school=school) | Q(serves=school), is_active=True)
                     .select_related("school").prefetch_related("staff").distinct())
        rooms.sort(key=lambda r: (r.school_id != school.pk, r.use != Room.DEDICATED, r.pk))
        return rooms[0] if rooms else None

    return runmemo.memo(("rooms.room_for", school.pk), read)


def _link(room) -> tuple[tuple[str, str], ...]:
    return ((_("Resource room of %(school)s") % {"school": room.school.name},
             reverse("rooms:room_detail", args=[room.pk])),)


def _no_room(school) -> Evidence:
    return Evidence(summary=_("No resource room is recorded for %(school)s or serving it.") % {"school": school.name},
                    links=((_("Record a resource room"), reverse("rooms:room_list")),),
                    proposed_score=Decimal(0),
                    reasoning=_("Without a recorded room this requirement is not met."))


def _with_room(fn):
    def provider(school, school_year):
        room = room_for(school)
        if room is None:
            return _no_room(school)
        return fn(school, room)
    return provider


@_with_room
def door_sign(school, room):
    """4.1 有专用资源教室及门牌、标志 (3); 仅有兼用资源教室且有门牌、标志 得 1.5."""
    kind = room.get_use_display()
    if not room.door_sign:
        return Evidence(_("%(kind)s without a door sign.") % {"kind": kind}, _link(room), Decimal(0),
                        _("A door sign and signage are required for any score on this line."))
    if room.use == Room.DEDICATED:
        return Evidence(_("%(kind)s with a door sign.") % {"kind": kind}, _link(room), Decimal(3),
                        _("A dedicated room with a door sign earns the full points."))
    return Evidence(_("%(kind)s with a door sign.") % {"kind": kind}, _link(room), Decimal("1.5"),
                    _("Only a shared-use room with a door sign: 1.5 points."))


@_with_room
def area(school, room):
    """4.2 整体面积不小于 60 m² (2); 小于 60 m² 得 1 (⚙ resource_room_min_area)."""
    minimum = Decimal(str(policy.value(school, "resource_room_min_area")))
    facts = _("Area %(area)s m² (required at least %(min)s m²).") % {"area": room.area_m2, "min": minimum}
    if room.area_m2 >= minimum:
        return Evidence(facts, _link(room), Decimal(2), _("The room is large enough: full points."))
    return Evidence(facts, _link(room), Decimal(1), _("The room is smaller than required: 1 point."))


@_with_room
def floor(school, room):
    """5.1 设在教学楼一楼 (3); 未设在一楼但有无障碍设施并做好安全防护 得 2."""
    if room.floor == 1:
        return Evidence(_("On the ground floor."), _link(room), Decimal(3),
                        _("On the ground floor, easy to reach: full points."))
    facts = _("On floor %(floor)s; barrier-free access: %(acc)s; safety measures: %(safety)s.") % {
        "floor": room.floor, "acc": _("yes") if room.accessible else _("no"),
        "safety": room.safety_measures or _("none recorded")}
    if room.accessible and room.safety_measures.strip():
        return Evidence(facts, _link(room), Decimal(2),
                        _("Not on the ground floor but with barrier-free access and safety measures: 2 points."))
    return Evidence(facts, _link(room), Decimal(0),
                    _("Not on the ground floor and without barrier-free access and safety measures."))


def _zone(code, points):
    label = dict(ZONES)[code]

    @_with_room
    def provider(school, room):
        if code in (room.zones or []):
            return Evidence(_("Zone recorded: %(zone)s.") % {"zone": label}, _link(room), Decimal(points),
                            _("The zone is set up: full points."))
        return Evidence(_("Zone not recorded: %(zone)s.") % {"zone": label}, _link(room), Decimal(0),
                        _("The zone is missing."))
    return provider


@_with_room
def zones_labelled(school, room):
    """6.4 各区标识清楚、布局合理，多间房间相邻 (1)."""
    if room.zones_labelled and room.zones:
        return Evidence(_("The zones are labelled and laid out sensibly."), _link(room), Decimal(1),
                        _("Recorded as labelled: full points."))
    return Evidence(_("The zones are not recorded as labelled."), _link(room), Decimal(0),
                    _("Labelling of the zones is not recorded."))


@_with_room
def equipment_complete(school, room):
    """7.1 基本配备齐全（评估工具、学习训练与康复器材、办公设备、档案柜）(4): 1 point per category held."""
    held = {e.get("category") for e in room.equipment or [] if int(e.get("quantity") or 0) > 0}
    labels = dict(EQUIPMENT_CATEGORIES)
    have = [str(labels[c]) for c, _l in EQUIPMENT_CATEGORIES if c in held]
    missing = [str(labels[c]) for c, _l in EQUIPMENT_CATEGORIES if c not in held]
    summary = _("Equipment held: %(have)s; missing: %(missing)s.") % {
        "have": "、".join(have) or _("none"), "missing": "、".join(missing) or _("none")}
    score = Decimal(len(have))
    return Evidence(summary, _link(room), score,
                    _("One point for each of the four basic kinds of equipment held: %(n)s of 4.") % {"n": len(have)})


@_with_room
def equipment_register(school, room):
    """7.2 设备有登记台账、使用与维护记录 (2): a register (1) whose every item has use and maintenance records (1)."""
    items = room.equipment or []
    if not items:
        return Evidence(_("No equipment register is recorded."), _link(room), Decimal(0),
                        _("Without a register this requirement is not met."))
    kept = [e for e in items if (e.get("use_log") or "").strip() and (e.get("maintenance_log") or "").strip()]
    summary = _("%(n)s items registered, %(k)s with use and maintenance records.") % {"n": len(items), "k": len(kept)}
    if len(kept) == len(items):
        return Evidence(summary, _link(room), Decimal(2), _("Register with complete records: full points."))
    return Evidence(summary, _link(room), Decimal(1),
                    _("A register is kept but some items lack use or maintenance records: 1 point."))


@_with_room
def timetable(school, room):
    """8.1 开放时间与课程表公示 (2): one point each."""
    parts = [bool(room.opening_hours.strip()), bool(room.timetable.strip())]
    summary = _("Opening hours: %(hours)s; timetable: %(tt)s.") % {
        "hours": room.opening_hours or _("not recorded"), "tt": _("recorded") if parts[1] else _("not recorded")}
    return Evidence(summary, _link(room), Decimal(sum(parts)),
                    _("One point each for posted opening hours and timetable."))


@_with_room
def staff_posted(school, room):
    """8.2 资源教师名单及职责公示 (1)."""
    names = [s.name for s in room.staff.all()]
    summary = _("Staff of the room: %(names)s.") % {"names": "、".join(names) or _("none recorded")}
    ok = bool(names) and room.staff_posted
    return Evidence(summary, _link(room), Decimal(1 if ok else 0),
                    _("The staff list and duties are posted.") if ok
                    else _("No staff recorded, or the list and duties are not posted."))


def _text_line(attr, label_fn):
    @_with_room
    def provider(school, room):
        text = getattr(room, attr).strip()
        if text:
            return Evidence(label_fn() + "：" + text[:200], _link(room), Decimal(1), _("Recorded: full points."))
        return Evidence(label_fn() + "：" + _("not recorded"), _link(room), Decimal(0), _("Nothing is recorded."))
    return provider


evidence.register("4.1", door_sign)
evidence.register("4.2", area)
evidence.register("5.1", floor)
evidence.register("6.1", _zone("training", 2))
evidence.register("6.2", _zone("assessment", 2))
evidence.register("6.3", _zone("reception", 1))
evidence.register("6.4", zones_labelled)
evidence.register("7.1", equipment_complete)
evidence.register("7.2", equipment_register)
evidence.register("8.1", timetable)
evidence.register("8.2", staff_posted)
evidence.register("8.3", _text_line("service_process", lambda: _("Service process and booking")))
evidence.register("8.4", _text_line("use_records", lambda: _("Use records")))
