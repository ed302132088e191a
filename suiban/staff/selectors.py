"""Reads of the staff module; other modules use the pool reads (HB-2, ST-4).

Every list starts from ``visible_to`` and is computed in a fixed number of queries: the filing status of a
province's ~16,000 schools is one query per page (pools joined to schools), training hours are one aggregate
per page of staff, and the home-delivery workload comes from the registered ``WORKLOAD_PROVIDERS``.
"""

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Exists, F, FilteredRelation, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from suiban import policy
from suiban.org.models import Region, School, SchoolYear, Term
from suiban.staff.models import ItinerantVisit, Pool, PoolMember, StaffMember, StaffYear, Training

# ST-5: the home-delivery workload beside the performance-pay uplift. The home-delivery module registers a
# provider(staff_ids, school_year) -> {staff_id: {"visits": int, "hours": Decimal}}; with none the page shows "—".
WORKLOAD_PROVIDERS: list[Callable] = []


def pool_for(school_id: int, school_year_id: int) -> Pool | None:
    return Pool.objects.filter(school_id=school_id, school_year_id=school_year_id).first()


def pool_staff(school_id: int, school_year_id: int, *, filed_only: bool = False):
    """Staff members in the school's pool for that year (only a filed pool when ``filed_only``)."""
    members = PoolMember.objects.filter(pool__school_id=school_id, pool__school_year_id=school_year_id)
    if filed_only:
        members = members.filter(pool__state=Pool.FILED)
    return StaffMember.objects.filter(pk__in=members.values("staff_id"))


def pool_user_ids(school_id: int, school_year_id: int, *, filed_only: bool = False) -> set[int]:
    """User ids of the pool's members that have an account."""
    return set(pool_staff(school_id, school_year_id, filed_only=filed_only)
               .exclude(user=None).values_list("user_id", flat=True))


def visible_staff(user):
    """Staff records the user may see: their scope's (staff.view) and their own (staff.own)."""
    from suiban.core.scoping import has_perm

    qs = StaffMember.objects.visible_to(user, "staff.view")
    if has_perm(user, "staff.own"):
        qs = qs | StaffMember.objects.filter(user=user, user__isnull=False)
    return qs.distinct() if qs.query.combinator else qs


def staff_for(user, pk) -> StaffMember | None:
    """The staff record ``pk`` if the user sees it; raises PermissionDenied for a role without staff.view asking
    for another person's record (only their own is open to them)."""
    from suiban.core.errors import PermissionDenied
    from suiban.core.scoping import has_perm

    qs = StaffMember.objects.select_related("school", "centre__region", "user")
    if has_perm(user, "staff.view"):
        return qs.visible_to(user, "staff.view").filter(pk=pk).first()
    own = qs.filter(pk=pk, user=user, user__isnull=False).first() if has_perm(user, "staff.own") else None
    if own is None:
        raise PermissionDenied()
    return own


def visible_trainings(user):
    from suiban.core.scoping import has_perm

    qs = Training.objects.visible_to(user, "staff.view")
    if has_perm(user, "staff.own"):
        qs = qs | Training.objects.filter(staff__user=user, staff__user__isnull=False)
    return qs


def current_school_year(today: date | None = None) -> SchoolYear | None:
    return SchoolYear.current(today)


def school_year_from(value) -> SchoolYear | None:
    """A school year from "2025-2026", its start year or its id; None when unknown."""
    text = str(value or "").strip()
    if not text:
        return None
    if "-" in text:
        a, _sep, b = text.partition("-")
        if a.isdigit() and b.isdigit() and int(b) == int(a) + 1 and len(a) == 4:
            return SchoolYear.objects.filter(start_year=int(a)).first()
        return None
    if text.isdigit() and len(text) < 10:
        n = int(text)
        return SchoolYear.objects.filter(Q(start_year=n) | Q(pk=n)).order_by("-start_year").first()
    return None


# --- ST-1: filing status ----------------------------------------------------------------------------------------
FILED, LATE, MISSING = "filed", "late", "missing"


def deadline_for(school: School, school_year: SchoolYear) -> date:
    month, day = (int(x) for x in policy.value(school, "pool_filing_deadline").split("-"))
    return date(school_year.start_year, month, day)


def filing_base(user, *, region_path: str | None = None):
    """The ordinary schools in scope that file a pool (their count needs no join)."""
    qs = School.objects.visible_to(user, "staff.filing").exclude(kind=School.SPECIAL).filter(is_active=True)
    return qs.filter(region_path__startswith=region_path) if region_path else qs


FILING_FIELDS = ("id", "code", "name", "kind", "region_id", "region_path", "is_active", "region__id", "region__name")


def filing_schools(user, school_year: SchoolYear, *, region_path: str | None = None, state: str | None = None,
                   base=None):
    """Ordinary schools in the user's scope with their pool of the school year joined (annotated ``pool_id``,
    ``pool_state``, ``filed_at``, ``filed_late``): one query per page, filters in SQL, only the columns the filing
    page and API show (ST-1). ``base``: the caller's ``filing_base`` (built once for the list and its count)."""
    qs = ((filing_base(user, region_path=region_path) if base is None else base)
          .annotate(pool=FilteredRelation("pools", condition=Q(pools__school_year=school_year)))
          .annotate(pool_id=F("pool__id"), pool_state=F("pool__state"), filed_at=F("pool__filed_at"),
                    filed_late=F("pool__filed_late"))
          .select_related("region").only(*FILING_FIELDS).order_by("region_path", "code"))
    # Filters on the annotations: the one join above, no second join and NOT IN subquery for the negation.
    if state == MISSING:
        qs = qs.filter(Q(pool_id__isnull=True) | ~Q(pool_state=Pool.FILED))
    elif state == FILED:
        qs = qs.filter(pool_state=Pool.FILED, filed_late=False)
    elif state == LATE:
        qs = qs.filter(pool_state=Pool.FILED, filed_late=True)
    return qs


def filing_state(school, school_year, pool_state, filed_at, filed_late: bool | None = None, *,
                 deadline: date | None = None) -> str:
    """ST-1: filed on or before the ⚙ deadline → filed; after it → late (judged when filed); else missing.
    ``deadline``: the school's, when the caller has it already."""
    if pool_state != Pool.FILED or filed_at is None:
        return MISSING
    if filed_late is None:
        filed_late = timezone.localtime(filed_at).date() > (deadline or deadline_for(school, school_year))
    return LATE if filed_late else FILED


def filing_rows(schools, school_year: SchoolYear) -> list[dict]:
    today = timezone.localdate()
    out = []
    for s in schools:
        deadline = deadline_for(s, school_year)
        st = filing_state(s, school_year, s.pool_state, s.filed_at, s.filed_late)
        out.append({"school": s, "school_id": s.pk, "state": st, "filed_at": s.filed_at, "deadline": deadline,
                    "pool_id": s.pool_id, "draft": s.pool_id is not None and st == MISSING,
                    "overdue": st == MISSING and today > deadline})
    return out


FILING_VALUES = ("id", "code", "name", "region_id", "region_path", "pool_id", "pool_state", "filed_at", "filed_late")


def filing_items(schools, school_year: SchoolYear) -> list[dict]:
    """The API's rows of one page of ``filing_schools``: plain rows of the page query (no model instances), the
    deadline resolved once per district (and per school only for a school with its own override of ⚙
    pool_filing_deadline), the state from the pool's stored ``filed_late`` (ST-1)."""
    from suiban.policy.resolve import overridden

    own = overridden("pool_filing_deadline")[0]
    deadlines: dict = {}
    out = []
    for r in schools.values(*FILING_VALUES):
        key = (r["region_path"], r["id"] if r["id"] in own else None)
        deadline = deadlines.get(key)
        if deadline is None:
            subject = School(pk=key[1], region_path=key[0]) if key[1] else Region(path=key[0])
            deadline = deadlines[key] = deadline_for(subject, school_year)
        state = filing_state(None, school_year, r["pool_state"], r["filed_at"], r["filed_late"], deadline=deadline)
        out.append({"school_id": r["id"], "school_name": r["name"], "school_code": r["code"],
                    "region_id": r["region_id"], "state": state, "filed_at": r["filed_at"], "deadline": deadline,
                    "pool_id": r["pool_id"]})
    return out


def filing_counts(user, school_year: SchoolYear, *, region_path: str | None = None) -> dict:
    """Counts of filed / late / missing in scope: one aggregate query."""
    filed = Q(pool__state=Pool.FILED)
    c = filing_schools(user, school_year, region_path=region_path).order_by().aggregate(
        total=Count("id"), filed=Count("id", filter=filed & Q(pool__filed_late=False)),
        late=Count("id", filter=filed & Q(pool__filed_late=True)))
    return {"total": c["total"], "filed": c["filed"], "late": c["late"],
            "missing": c["total"] - c["filed"] - c["late"]}


# --- ST-2, ST-7: training hours ---------------------------------------------------------------------------------
def hours_expected(school_or_region) -> Decimal:
    return Decimal(str(policy.value(school_or_region, "training_hours_per_year")))


def staff_with_hours(qs, school_year: SchoolYear):
    """Annotate ``hours`` (the year's training hours) and ``trainings`` (their number) in one query."""
    year = Q(trainings__school_year=school_year)
    return qs.annotate(hours=Coalesce(Sum("trainings__hours", filter=year), Value(Decimal(0)),
                                      output_field=DecimalField(max_digits=8, decimal_places=1)),
                       trainings_count=Count("trainings", filter=year))


def training_shortfall(user, school_year: SchoolYear, *, school_id: int | None = None):
    """ST-7: teachers in scope (ordinary and special-school teachers, resource-centre staff) with their training
    hours of the year; ``below`` those under the ⚙ yearly hours and ``none`` those with no training at all."""
    qs = (StaffMember.objects.visible_to(user, "staff.view").filter(is_active=True)
          .filter(kind__in=(StaffMember.TEACHER, StaffMember.SPECIAL_TEACHER, StaffMember.CENTRE)))
    if school_id:
        qs = qs.filter(school_id=school_id)
    rows = list(staff_with_hours(qs.select_related("school", "centre__region"), school_year)
                .order_by("school__code", "name", "id"))
    expected: dict = {}
    out = []
    for s in rows:
        key = s.school_id or s.region_path
        if key not in expected:
            expected[key] = hours_expected(s.school if s.school_id else s.centre.region)
        s.expected_hours = expected[key]
        s.below = s.hours < s.expected_hours
        s.untrained = s.trainings_count == 0
        out.append(s)
    return out


# --- ST-3: qualification ----------------------------------------------------------------------------------------------
def lacking_qualification(school_ids: list[int] | None, school_year: SchoolYear):
    """Resource teachers (in the school's pool) and itinerant teachers without a qualification basis (ST-3)."""
    in_pool = PoolMember.objects.filter(staff=OuterRef("pk"), pool__school_year=school_year,
                                        kind__in=(PoolMember.FIXED_RESOURCE, PoolMember.EXCELLENT))
    qs = (StaffMember.objects.filter(is_active=True, qualification="none")
          .filter(Q(itinerant=True) | Exists(in_pool)))
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    return qs.select_related("school")


# --- ST-4: staffing against the students in inclusion ------------------------------------------------------------
def students_in_inclusion(school_ids: list[int] | None) -> dict[int, int]:
    from suiban.students.models import ACTIVE_STATUSES, INCLUSION_PLACEMENTS, Student

    qs = Student.objects.filter(placement__in=INCLUSION_PLACEMENTS, status__in=ACTIVE_STATUSES)
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    return dict(qs.order_by().values("school_id").annotate(n=Count("id")).values_list("school_id", "n"))


def full_time_resource_teachers(school_ids: list[int] | None, school_year: SchoolYear) -> dict[int, int]:
    """Full-time resource teachers per school: pool members marked full-time as fixed resource or excellent
    teachers, or staff whose year records them as full-time resource teachers."""
    members = PoolMember.objects.filter(pool__school_year=school_year, full_time=True,
                                        kind__in=(PoolMember.FIXED_RESOURCE, PoolMember.EXCELLENT))
    years = StaffYear.objects.filter(school_year=school_year, full_time_resource=True)
    if school_ids is not None:
        members = members.filter(pool__school_id__in=school_ids)
        years = years.filter(school_id__in=school_ids)
    people: dict[int, set] = {}
    for sid, staff_id in members.values_list("pool__school_id", "staff_id"):
        people.setdefault(sid, set()).add(staff_id)
    for sid, staff_id in years.values_list("school_id", "staff_id"):
        people.setdefault(sid, set()).add(staff_id)
    return {k: len(v) for k, v in people.items()}


def staffing(school: School, school_year: SchoolYear) -> dict:
    """ST-4 for one school: students in inclusion, full-time resource teachers, the number the ⚙ ratio asks,
    and part-time resource teachers whose room share is below the ⚙ minimum."""
    students = students_in_inclusion([school.pk]).get(school.pk, 0)
    full = full_time_resource_teachers([school.pk], school_year).get(school.pk, 0)
    ratio = policy.value(school, "students_per_resource_teacher")
    needed = 0 if students == 0 else -(-students // ratio)
    min_share = Decimal(str(policy.value(school, "part_time_min_share")))
    short = list(StaffYear.objects.filter(school=school, school_year=school_year, full_time_resource=False,
                                          room_share__isnull=False, room_share__lt=min_share)
                 .select_related("staff"))
    return {"students": students, "full_time": full, "needed": needed, "ratio": ratio, "min_share": min_share,
            "short_share": short, "ok": full >= needed and not short}


# --- ST-5: performance-pay uplift --------------------------------------------------------------------------------
CENT = Decimal("0.01")


def uplift_amount(post_wage: Decimal | None, scale_wage: Decimal | None, rate) -> Decimal | None:
    """ST-5: ⚙ rate (HC §2.3: 15 %) of post wage + salary-scale wage, rounded half-up to the cent."""
    if post_wage is None or scale_wage is None:
        return None
    return ((post_wage + scale_wage) * Decimal(str(rate))).quantize(CENT, rounding=ROUND_HALF_UP)


def workloads(staff_ids: list[int], school_year: SchoolYear) -> dict[int, dict]:
    """The home-delivery workload of each staff member from the registered providers (summed); {} with none."""
    out: dict[int, dict] = {}
    for provider in WORKLOAD_PROVIDERS:
        for sid, w in (provider(staff_ids, school_year) or {}).items():
            cur = out.setdefault(sid, {"visits": 0, "hours": Decimal(0)})
            cur["visits"] += int(w.get("visits", 0))
            cur["hours"] += Decimal(str(w.get("hours", 0)))
    return out


def uplift_rows(user, school: School, school_year: SchoolYear) -> list[dict]:
    """Each full-time resource teacher of an ordinary school with wages, uplift and the home-delivery workload."""
    rate = policy.value(school, "resource_teacher_pay_uplift")
    years = list(StaffYear.objects.visible_to(user, "staff.view").filter(school=school, school_year=school_year)
                 .select_related("staff").order_by("staff__name", "id"))
    load = workloads([y.staff_id for y in years], school_year)
    rows = []
    for y in years:
        amount = uplift_amount(y.post_wage, y.scale_wage, rate) if y.full_time_resource \
            and school.kind != School.SPECIAL else None
        rows.append({"year": y, "staff": y.staff, "rate": Decimal(str(rate)), "uplift": amount,
                     "workload": load.get(y.staff_id)})
    return rows


# --- ST-6: itinerant coverage ------------------------------------------------------------------------------------
def term_of(day: date) -> Term | None:
    return (Term.objects.filter(start_date__lte=day, end_date__gte=day).select_related("school_year").first()
            or Term.objects.filter(start_date__lte=day).select_related("school_year").order_by("-start_date").first())


def schools_not_visited(user, term: Term, *, region_path: str | None = None):
    """ST-6: ordinary schools in scope without an itinerant visit during the term."""
    visited = ItinerantVisit.objects.filter(school=OuterRef("pk"), date__gte=term.start_date,
                                            date__lte=term.end_date)
    qs = (School.objects.visible_to(user, "staff.view").exclude(kind=School.SPECIAL).filter(is_active=True)
          .exclude(Exists(visited)).select_related("region").order_by("region_path", "code"))
    if region_path:
        qs = qs.filter(region_path__startswith=region_path)
    return qs


def open_follow_ups(user, *, school_ids=None):
    qs = (ItinerantVisit.objects.visible_to(user, "staff.respond").exclude(follow_up="").filter(response="")
          .select_related("school", "teacher").order_by("follow_up_due", "id"))
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    return qs
