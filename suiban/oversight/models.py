"""Findings of the compliance engine (OV-1) and the census of children with disabilities (PL-14, PL-15).

A ``Finding`` is what one check found about one subject (a student, a class, a case, a school, a region…).
The engine (``suiban.oversight.engine``) writes them; nothing else does. A finding is never deleted: when the
data no longer yields it, it is marked resolved (``resolved_at``); if the same problem comes back, a new open
finding starts (so "how long has it been open" is always ``first_seen`` of the open row).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suiban.core.crypto import EncryptedTextField
from suiban.core.models import VersionedModel
from suiban.core.scoping import ScopedManager

SEVERITY_CHOICES = [("info", _("Information")), ("warning", _("Warning")), ("violation", _("Violation"))]
STATE_CHOICES = [("open", _("Open")), ("resolved", _("Resolved"))]


class Finding(models.Model):
    check_code = models.CharField(_("check"), max_length=60)
    rule = models.CharField(_("rule"), max_length=12)
    severity = models.CharField(_("severity"), max_length=10, choices=SEVERITY_CHOICES)
    subject_type = models.CharField(_("subject type"), max_length=30)
    subject_id = models.BigIntegerField(_("subject"))
    subject_name = models.CharField(_("subject name"), max_length=200)
    key = models.CharField(max_length=100, blank=True, default="")
    school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("school"))
    region = models.ForeignKey("org.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    region_path = models.CharField(max_length=100, db_index=True)
    # Scope below the school (ORG-4): a class teacher sees the findings about their class's students only.
    class_id = models.IntegerField(null=True, blank=True)
    student_id = models.IntegerField(null=True, blank=True)
    evidence = models.TextField(pgettext_lazy("finding", "evidence"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=STATE_CHOICES, default="open")
    first_seen = models.DateTimeField(_("first seen"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "oversight.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id", "class": "class_id", "student": "student_id"}

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = pgettext_lazy("oversight", "finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.UniqueConstraint(fields=["check_code", "subject_type", "subject_id", "key"],
                                    condition=Q(state="open"), name="finding_one_open_per_subject"),
        ]
        indexes = [
            models.Index(fields=["state", "rule"], name="finding_state_rule_idx"),
            models.Index(fields=["state", "severity"], name="finding_state_severity_idx"),
            models.Index(fields=["school", "state"], name="finding_school_state_idx"),
            models.Index(fields=["region_path", "state", "rule"], name="finding_region_state_idx"),
            models.Index(fields=["check_code", "state", "school"], name="finding_check_state_idx"),
            models.Index(fields=["state", "due_date"], name="finding_state_due_idx"),
        ]

    def __str__(self):
        return f"{self.rule} {self.subject_name}"

    def audit_scope(self):
        return self.region_path, self.school_id


# --- census of children with disabilities (PL-14) and enrolment (PL-15) ------------------------------------------
CENSUS_SOURCES = [("dpf", _("Disabled persons' federation")), ("civil_affairs", _("Civil affairs")),
                  ("health", _("Health"))]
CENSUS_STATES = [("not_in_school", _("Not in school")), ("in_school", _("On a school register")),
                 ("placed", _("Placed")), ("deferred", _("Deferred enrolment")), ("moved_away", _("Moved away"))]
CENSUS_OPEN_STATES = ("not_in_school",)


class CensusChild(VersionedModel):
    """A school-age child with a disability named on a list of the disabled persons' federation, civil affairs
    or health, matched by identity number (keyed hash) to the register; tracked by name until placed (PL-14)."""

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=6, choices=[("male", _("Male")), ("female", _("Female"))])
    birth_date = models.DateField(_("birth date"))
    id_number = EncryptedTextField(_("identity number"))
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    id_number_masked = models.CharField(max_length=18, editable=False)
    disability_category = models.CharField(_("disability category"), max_length=12, blank=True)
    source = models.CharField(_("list"), max_length=15, choices=CENSUS_SOURCES)
    address = models.CharField(_("home address"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=15, choices=CENSUS_STATES, default="not_in_school")
    student = models.ForeignKey("students.Student", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("student on the register"))
    follow_up_person = models.CharField(_("followed up by"), max_length=50, blank=True)
    follow_up_due = models.DateField(_("next follow-up by"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "oversight.census"
    SCOPE_LOOKUPS = {"region": "region_path"}
    # Recomputed by ``manage.py rotate_field_keys`` like the register's: a re-import and the match to the register
    # compare these hashes with hashes under the current key (SEC-4).
    LOOKUP_HASHES = {"id_number_hash": "id_number"}

    class Meta:
        ordering = ["region_path", "state", "name", "id"]
        verbose_name = _("child of the census")
        constraints = [models.UniqueConstraint(fields=["region", "id_number_hash"], name="census_child_once")]
        indexes = [models.Index(fields=["region_path", "state"], name="census_region_state_idx")]

    def __str__(self):
        return self.name

    def audit_scope(self):
        return self.region_path, None


class DesignatedSchool(VersionedModel):
    """定点学校 named by the bureau for children of some disability categories (PL-15)."""

    school = models.OneToOneField("org.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    categories = models.JSONField(_("disability categories"), default=list, blank=True)
    designated_on = models.DateField(_("designated on"))
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "oversight.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    def __str__(self):
        return str(self.school_id)

    def audit_scope(self):
        return self.region_path, self.school_id


class EnrolmentRefusal(VersionedModel):
    """A school's refusal of a child at first enrolment, with its reason; the bureau sees and decides (PL-15)."""

    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    child = models.ForeignKey(CensusChild, null=True, blank=True, on_delete=models.PROTECT, related_name="refusals",
                              verbose_name=_("child of the census"))
    child_name = models.CharField(_("child"), max_length=50)
    refused_on = models.DateField(_("refused on"))
    reason = models.TextField(_("reason for the refusal"))
    bureau_decision = models.TextField(_("bureau's decision"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    VIEW_PERMISSION = "oversight.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["-refused_on", "-id"]
        verbose_name = _("enrolment refusal")

    def __str__(self):
        return self.child_name

    def audit_scope(self):
        return self.region_path, self.school_id


# --- accessibility (OV-5), archive custody (AR-4), governance (OV-6), activities (OV-4) ---------------------------
ACCESSIBILITY_ITEMS = [
    ("entrance_ramp", _("Step-free entrance or ramp")), ("accessible_toilet", _("Accessible toilet")),
    ("handrails", _("Handrails on stairs and corridors")), ("tactile_paving", _("Tactile paving")),
    ("signage", _("Accessibility signs")), ("ground_floor_room", _("Resource room on the ground floor or a lift")),
    ("accessible_route", _("Accessible route to classrooms")),
]


class AccessibilityItem(VersionedModel):
    """One item of a school's barrier-free checklist; a missing item is a finding until rectified (OV-5)."""

    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    item = models.CharField(_("item"), max_length=30, choices=ACCESSIBILITY_ITEMS)
    present = models.BooleanField(_("in place"))
    rectify_by = models.DateField(_("to be rectified by"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    checked_on = models.DateField(_("checked on"))

    objects = ScopedManager()
    VIEW_PERMISSION = "oversight.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["school_id", "item"]
        constraints = [models.UniqueConstraint(fields=["school", "item"], name="accessibility_item_once")]

    def __str__(self):
        return f"{self.school_id} {self.item}"

    def audit_scope(self):
        return self.region_path, self.school_id


class ArchiveCustodian(VersionedModel):
    """专人专柜: the person who keeps a school's inclusion archives (AR-4)."""

    school = models.OneToOneField("org.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    name = models.CharField(_("custodian"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    cabinet = models.CharField(_("cabinet / location"), max_length=100, blank=True)
    appointed_on = models.DateField(_("appointed on"))

    objects = ScopedManager()
    VIEW_PERMISSION = "oversight.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    def __str__(self):
        return self.name

    def audit_scope(self):
        return self.region_path, self.school_id


class GovernanceRecord(VersionedModel):
    """The county plan (一县一案) and joint-meeting (联席会议) records of a district (OV-6)."""

    KINDS = [("county_plan", _("County plan (一县一案)")), ("joint_meeting", _("Joint meeting (联席会议)"))]
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=15, choices=KINDS)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    participants = models.TextField(_("participants"), blank=True)
    content = models.TextField(_("content and decisions"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    VIEW_PERMISSION = "oversight.view"
    SCOPE_LOOKUPS = {"region": "region_path", "district": "region_path"}

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.title

    def audit_scope(self):
        return self.region_path, None


class Activity(VersionedModel):
    """A structured record of an inclusion activity, a teaching-research activity or a home-school contact
    (OV-4, GD §35, §41–42), feeding the rubric evidence."""

    KINDS = [("inclusion", _("Inclusion activity (普特融合)")), ("research", _("Teaching research (教科研)")),
             ("home_school", _("Home-school contact"))]
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=15, choices=KINDS)
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    summary = models.TextField(_("summary"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    VIEW_PERMISSION = "oversight.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "school_id"}

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["school", "kind", "held_on"], name="activity_school_kind_idx")]

    def __str__(self):
        return self.title

    def audit_scope(self):
        return self.region_path, self.school_id


class DocumentPack(models.Model):
    """A district's documents of one term built in the background into one .zip (OV-3), with its progress."""

    STATES = [("queued", _("Queued")), ("running", _("Being built")), ("done", _("Ready")), ("failed", _("Failed"))]
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    region_path = models.CharField(max_length=100, db_index=True, editable=False)
    term = models.ForeignKey("org.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    state = models.CharField(_("state"), max_length=10, choices=STATES, default="queued")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="packs/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "oversight.view"
    SCOPE_LOOKUPS = {"region": "region_path", "district": "region_path"}

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.region_id} {self.term_id}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.state == "done" else 0)

    def audit_scope(self):
        return self.region_path, None
