"""Resource rooms (RR-1, RR-2) and their assessment (RR-3..RR-8).

* ``Room`` — the facts of one resource room of a school and the schools it serves (a shared room planned by
  the bureau serves several schools, GD §44).
* ``Round`` — one assessment round of a district (or city, ⚙ assessment_level): the rubric it started with
  (a snapshot of the effective profile's ``rubric.yaml``, so a profile change mid-round changes nothing), the
  grade thresholds, the panel (专家考评组) named by the bureau.
* ``Assessment`` — one school in a round: self-assessment report (附件2), panel deliberation and summary
  (附件4), grade, rectification (RR-6). ``ItemScore`` — one C-level line: points, the system's proposal with its
  evidence (RR-7), the school's self-score, the panel's score and deduction reason (附件3).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from suiban.core.models import VersionedModel
from suiban.core.scoping import SCOPE_SCHOOL, ScopedManager, ScopedQuerySet, grants_for
from suiban.org.models import Region, School, SchoolYear
from suiban.staff.models import StaffMember

ZONES = [
    ("training", _("Learning and training area")),
    ("assessment", _("Assessment area (with archive storage)")),
    ("reception", _("Office and reception area")),
]
EQUIPMENT_CATEGORIES = [
    ("assessment_tools", _("Assessment tools")),
    ("training", _("Learning, training and rehabilitation equipment")),
    ("office", _("Office equipment")),
    ("archive_cabinet", _("Archive cabinet")),
]


class RoomQuerySet(ScopedQuerySet):
    def in_own_scope(self, user, perm: str):
        """Rooms within the user's scope by their owning school only (who may change a room)."""
        return ScopedQuerySet.visible_to(self, user, perm)

    def visible_to(self, user, perm: str | None = None):
        """A room is seen within its school's scope and, for school roles, by the schools it serves (RR-1: the
        served school sees the shared room it uses)."""
        perm = perm or self.model.VIEW_PERMISSION
        own = super().visible_to(user, perm)
        served = {g.school_id for g in grants_for(user, perm) if g.kind == SCOPE_SCHOOL and g.school_id}
        if not served:
            return own
        return self.filter(models.Q(pk__in=own.values("pk")) | models.Q(serves__in=served)).distinct()


class Room(VersionedModel):
    DEDICATED, SHARED = "dedicated", "shared"
    USE_CHOICES = [(DEDICATED, _("Dedicated resource room")), (SHARED, _("Shared-use room"))]

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="resource_rooms",
                               verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    name = models.CharField(_("name"), max_length=100, default="", blank=True)
    serves = models.ManyToManyField(School, blank=True, related_name="served_by_rooms",
                                    verbose_name=_("other schools served"))
    use = models.CharField(_("use"), max_length=10, choices=USE_CHOICES, default=DEDICATED)
    door_sign = models.BooleanField(_("door sign and signage"), default=False)
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=6, decimal_places=1)
    floor = models.SmallIntegerField(_("floor"), default=1)
    accessible = models.BooleanField(_("barrier-free access"), default=False)
    safety_measures = models.TextField(_("safety measures"), blank=True)
    zones = models.JSONField(_("functional zones"), default=list, blank=True)
    zones_labelled = models.BooleanField(_("zones clearly labelled, rooms adjacent"), default=False)
    equipment = models.JSONField(_("equipment register"), default=list, blank=True)
    staff = models.ManyToManyField(StaffMember, blank=True, related_name="resource_rooms", verbose_name=_("staff"))
    opening_hours = models.TextField(_("opening hours"), blank=True)
    timetable = models.TextField(_("timetable"), blank=True)
    staff_posted = models.BooleanField(_("staff list and duties posted"), default=False)
    service_process = models.TextField(_("service process and booking"), blank=True)
    use_records = models.TextField(_("use records"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = models.Manager.from_queryset(RoomQuerySet)()
    VIEW_PERMISSION = "rooms.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["school__code", "id"]
        verbose_name = _("resource room")
        verbose_name_plural = _("resource rooms")

    def __str__(self):
        return self.name or f"{self.school} {self._meta.verbose_name}"

    def save(self, *args, **kwargs):
        self.region_path = self.school.region_path
        super().save(*args, **kwargs)

    def audit_scope(self):
        return self.region_path, self.school_id

    def policy_school(self):
        return self.school


class Round(VersionedModel):
    """One assessment round of a district (RR-4, RR-8)."""

    OPEN, CLOSED = "open", "closed"
    STATE_CHOICES = [(OPEN, _("Round in progress")), (CLOSED, _("Round finished"))]
    LEVEL_CHOICES = [("district", _("District")), ("city", _("City"))]

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="assessment_rounds",
                               verbose_name=_("region"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("school year"))
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("assessing level"), max_length=10, choices=LEVEL_CHOICES, default="district")
    cycle_years = models.PositiveSmallIntegerField(_("cycle (years)"), default=2)
    profile = models.CharField(_("policy profile"), max_length=50, blank=True)
    rubric = models.JSONField(_("rubric"), default=dict)
    rubric_version = models.PositiveIntegerField(_("rubric version"), default=1)
    exemplary_min = models.DecimalField(_("exemplary from"), max_digits=5, decimal_places=1, default=Decimal(90))
    qualified_min = models.DecimalField(_("qualified from"), max_digits=5, decimal_places=1, default=Decimal(75))
    self_due = models.DateField(_("self-assessment due"), null=True, blank=True)
    with_inspection = models.BooleanField(_("combined with the teaching inspection"), default=False)
    panel_leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("panel leader"))
    panel_members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                           verbose_name=_("panel members"))
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=STATE_CHOICES, default=OPEN)

    objects = ScopedManager()
    VIEW_PERMISSION = "assessment.view"
    SCOPE_LOOKUPS = {"region": "region_path", "district": "region_path"}

    class Meta:
        ordering = ["-school_year__start_year", "-id"]
        verbose_name = _("assessment round")
        verbose_name_plural = _("assessment rounds")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.region_path = self.region.path
        super().save(*args, **kwargs)

    def audit_scope(self):
        return self.region_path, None

    def on_panel(self, user) -> bool:
        if user is None or not user.is_authenticated:
            return False
        return self.panel_leader_id == user.pk or self.panel_members.filter(pk=user.pk).exists()


class Assessment(VersionedModel):
    SELF, SUBMITTED, PANEL, SCORED, RECTIFICATION, CLOSED = (
        "self_assessment", "submitted", "panel_scoring", "scored", "rectification", "closed")
    STATE_CHOICES = [
        (SELF, _("Self-assessment")),
        (SUBMITTED, _("Submitted")),
        (PANEL, _("Panel scoring")),
        (SCORED, _("Scored")),
        (RECTIFICATION, _("Rectification")),
        (CLOSED, _("Assessment closed")),
    ]
    EXEMPLARY, QUALIFIED, UNQUALIFIED = "exemplary", "qualified", "unqualified"
    GRADE_CHOICES = [(EXEMPLARY, _("Exemplary school")), (QUALIFIED, _("Qualified school")),
                     (UNQUALIFIED, _("Unqualified school"))]

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="assessments",
                              verbose_name=_("round"))
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="room_assessments",
                               verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    state = models.CharField(_("state"), max_length=15, choices=STATE_CHOICES, default=SELF)
    # 附件2 — self-assessment report
    person_in_charge = models.CharField(_("person in charge"), max_length=50, blank=True)
    contact = models.CharField(_("contact"), max_length=50, blank=True)
    situation = models.TextField(_("basic situation"), blank=True)
    highlights = models.TextField(_("highlights and characteristics"), blank=True)
    problems = models.TextField(_("problems and measures"), blank=True)
    # panel (附件3 / 附件4)
    minutes = models.TextField(_("panel deliberation minutes"), blank=True)
    summary_highlights = models.TextField(_("summary: highlights"), blank=True)
    summary_improvements = models.TextField(_("summary: to improve"), blank=True)
    summary_suggestions = models.TextField(_("summary: suggestions"), blank=True)
    summary_submitted_at = models.DateTimeField(_("summary sent to the district centre"), null=True, blank=True)
    self_total = models.DecimalField(_("self-assessment total"), max_digits=5, decimal_places=1, null=True,
                                     blank=True)
    total = models.DecimalField(_("assessment total"), max_digits=5, decimal_places=1, null=True, blank=True)
    grade = models.CharField(_("assessment grade"), max_length=12, choices=GRADE_CHOICES, blank=True)
    first_total = models.DecimalField(_("total before rectification"), max_digits=5, decimal_places=1, null=True,
                                      blank=True)
    # RR-6 — rectification
    rectification_due = models.DateField(_("rectification due"), null=True, blank=True)
    rectification_report = models.TextField(_("rectification report"), blank=True)
    rectified_at = models.DateTimeField(_("rectification report submitted"), null=True, blank=True)
    warned = models.BooleanField(_("notified and warned"), default=False)
    warning_note = models.TextField(_("notice and warning"), blank=True)
    carried_over = models.JSONField(_("carried over from the previous round"), default=list, blank=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "assessment.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["round", "school__code"]
        verbose_name = _("resource-room assessment")
        verbose_name_plural = _("resource-room assessments")
        constraints = [models.UniqueConstraint(fields=["round", "school"], name="rooms_assessment_once")]
        indexes = [models.Index(fields=["region_path", "state"], name="rooms_assessment_region_idx")]

    def __str__(self):
        return f"{self.school} {self.round}"

    def save(self, *args, **kwargs):
        self.region_path = self.school.region_path
        super().save(*args, **kwargs)

    def audit_scope(self):
        return self.region_path, self.school_id

    def policy_school(self):
        return self.school


class ItemScore(models.Model):
    """One C-level line of the round's rubric for one school (附件3 row)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=10)
    position = models.PositiveSmallIntegerField(default=0)
    points = models.DecimalField(max_digits=4, decimal_places=1)
    proposed_score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    evidence = models.TextField(blank=True)
    evidence_links = models.JSONField(default=list, blank=True)
    reasoning = models.TextField(blank=True)
    self_score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    self_note = models.TextField(blank=True)
    panel_score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    deduction_reason = models.TextField(blank=True)
    photo = models.FileField(upload_to="rooms/photos/%Y/%m/", blank=True)

    class Meta:
        ordering = ["assessment", "position"]
        constraints = [models.UniqueConstraint(fields=["assessment", "code"], name="rooms_item_once")]

    def __str__(self):
        return self.code


class AssessmentEvent(models.Model):
    """A step of the assessment's workflow (append-only history)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=15, blank=True)
    to_state = models.CharField(max_length=15)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"
